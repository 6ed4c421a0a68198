#!/usr/bin/env python3
"""A small fake of an OpenAI-compatible service for the tests, on 127.0.0.1.

POST /v1/chat/completions, /v1/embeddings and Ollama's /api/embed; GET
/v1/models and Ollama's /api/tags (health probes: modes slow and 500 apply,
a GET is logged with "method": "GET"). Every
request body is appended as one JSON line to --log so tests can check what
was sent. --mode picks the behaviour, failures included:
  ok, slow (sleeps 30 s: far past any timeout a test sets, so a
  check of the timeout has a wide margin on a loaded machine), 500, 429once, malformed,
  empty (no choices), huge (a 100 MB body), endless (a body that never ends),
  trickle (a byte a second), wrongdim, wrongcount, shuffled (vectors out of order),
  deep (a reply nested a million levels deep), overflow (embedding values
  beyond float range), bignums (a valid 100 MB embedding reply), nul (an
  answer holding a NUL character), long (a 3 MB answer), nousage (a chat
  reply without token counts; every other chat reply has usage: the
  characters of the prompt's messages and of the answer).
--tls PEM serves HTTPS with the certificate and key in PEM.
"""
import argparse, hashlib, json, math, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser()
ap.add_argument("--mode", default="ok")
ap.add_argument("--log", required=True)
ap.add_argument("--port-file", required=True)
ap.add_argument("--dim", type=int, default=16)
ap.add_argument("--tls")
ap.add_argument("--answer", default="Модель: уборка подъездов проводится по графику, согласованному с УК.")
args = ap.parse_args()
lock = threading.Lock()
SLOW_SECONDS = 30  # mode slow: see the docstring
calls = {"n": 0}


def vector(text, dim):
    h = hashlib.sha256(text.encode()).digest()
    return [((h[i % 32] + i) % 17 - 8) / 8.0 for i in range(dim)]


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, code, body, ctype="application/json"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        with lock:
            with open(args.log, "a") as f:
                f.write(json.dumps({"method": "GET", "path": self.path,
                                    "auth": self.headers.get("Authorization")}) + "\n")
        if args.mode == "slow":
            time.sleep(SLOW_SECONDS)
        if args.mode == "500":
            return self.send(500, '{"error":{"message":"boom"}}')
        if self.path.endswith("/models"):
            return self.send(200, json.dumps({"object": "list", "data": [
                {"id": "fake-model", "object": "model", "owned_by": "vasdom-tests"}]}))
        if self.path.endswith("/api/tags"):
            return self.send(200, json.dumps({"models": [{"name": "fake-embed"}]}))
        return self.send(404, '{"error":"not found"}')

    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        raw = self.rfile.read(n)
        with lock:
            calls["n"] += 1
            k = calls["n"]
            with open(args.log, "a") as f:
                f.write(json.dumps({"path": self.path, "auth": self.headers.get("Authorization"),
                                    "body": json.loads(raw or b"null")}, ensure_ascii=False) + "\n")
        req = json.loads(raw or b"{}")
        m = args.mode
        if m == "slow":
            time.sleep(SLOW_SECONDS)
        if m == "500":
            return self.send(500, '{"error":{"message":"boom"}}')
        if m == "429once" and k == 1:
            return self.send(429, '{"error":{"message":"slow down"}}')
        if m == "malformed":
            return self.send(200, '{"choices": [ this is not json')
        if m == "deep":
            return self.send(200, '{"choices":' + '[' * 1000000 + ']' * 1000000 + '}')
        if m == "nul":
            return self.send(200, json.dumps({"choices": [{"message": {"content": "до\u0000после"}}]}))
        if m in ("overflow", "bignums") and not self.path.endswith("/chat/completions"):
            n = len(req.get("input", [])) if isinstance(req.get("input"), list) else 1
            if m == "bignums" and n <= BIGNUMS_N:
                return self.send(200, BIGNUMS)
            vec = "[1e300,-1e300," + ",".join(["0.5"] * (args.dim - 2)) + "]"
            body = '{"data":[' + ",".join('{"index":%d,"embedding":%s}' % (i, vec) for i in range(n)) + ']}'
            return self.send(200, body)
        if m == "huge":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(100 << 20))
            self.end_headers()
            chunk = b" " * (1 << 20)
            try:
                for _ in range(100):
                    self.wfile.write(chunk)
            except OSError:
                pass
            return
        if m in ("endless", "trickle"):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                for _ in range(600):
                    self.wfile.write(b"1\r\n \r\n")
                    self.wfile.flush()
                    time.sleep(1 if m == "trickle" else 0.01)
            except OSError:
                pass
            return
        if self.path.endswith("/chat/completions"):
            if m == "empty":
                return self.send(200, json.dumps({"choices": []}))
            answer = "Очень длинный ответ. " * 150000 if m == "long" else args.answer
            reply = {
                "id": "chatcmpl-fake", "object": "chat.completion", "model": req.get("model", "fake"),
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": answer}}]}
            # token counts a test can predict: characters of the prompt's
            # messages, and of the answer
            if m != "nousage":
                prompt = sum(len(x.get("content", "")) for x in req.get("messages", []))
                reply["usage"] = {"prompt_tokens": prompt, "completion_tokens": len(answer),
                                  "total_tokens": prompt + len(answer)}
            return self.send(200, json.dumps(reply, ensure_ascii=False))
        inputs = req.get("input", [])
        if isinstance(inputs, str):
            inputs = [inputs]
        dim = args.dim + (1 if m == "wrongdim" and k > 1 else 0)
        vecs = [vector(t, dim) for t in inputs]
        if m == "wrongcount":
            vecs = vecs[:-1] or [vector("x", dim), vector("y", dim)]
        if self.path.endswith("/api/embed"):
            return self.send(200, json.dumps({"model": req.get("model"), "embeddings": vecs}))
        if self.path.endswith("/embeddings"):
            data = [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vecs)]
            if m == "shuffled" or len(data) > 1:
                data.reverse()
            return self.send(200, json.dumps({"object": "list", "data": data, "model": req.get("model")}))
        return self.send(404, '{"error":"not found"}')


srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
srv.daemon_threads = True
if args.tls:
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.tls)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
# bignums: one valid vector of the most dimensions allowed, repeated to make
# 100 MB of well-formed JSON, made before the port is announced so that a
# loaded machine does not turn the client's size check into a timeout
if args.mode == "bignums":
    BIGVEC = "[" + ",".join(["-0.0123456789"] * 8192) + "]"
    BIGNUMS_N = (100 << 20) // len(BIGVEC)
    BIGNUMS = ('{"data":[' + ",".join('{"index":%d,"embedding":%s}' % (i, BIGVEC)
                                     for i in range(BIGNUMS_N)) + ']}').encode()
with open(args.port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os
os.rename(args.port_file + ".tmp", args.port_file)
# stop by itself: a test never leaves a server behind
threading.Timer(600, lambda: os._exit(0)).start()
srv.serve_forever()
