#!/usr/bin/env python3
"""A bounded load on vasdom-serve: CLIENTS threads, half asking
(POST /api/voice/process), half rating (POST /api/voice/feedback) the
exchanges given, each on one keep-alive connection, each stopping after
REQUESTS requests or SECONDS seconds, whichever comes first. Prints one
JSON summary: counts by endpoint and status, requests/s, p50/p99 latency
(ms); with --acked FILE, one JSON line per acknowledged (200) request:
its endpoint, log_id and tag, so a test can find each in the database.
A refused or reset connection (the server stopping) is counted as
'refused', never as acknowledged."""
import argparse
import http.client
import json
import threading
import time
import urllib.parse

QUESTIONS = [
    "Сколько стоит уборка подъезда?",
    "Как часто убирают подъезды?",
    "Когда приходит бригада?",
    "Можно ли заказать уборку после ремонта?",
    "Убираете ли вы дворы?",
    "Какие районы вы обслуживаете?",
    "Моете ли вы окна в подъездах?",
    "Кто убирает подъезды в Жилетово?",
]


def client(n, args, ids, results, lock, deadline):
    u = urllib.parse.urlsplit(args.url)
    conn = None
    asking = n % 2 == 0 or args.ask_only
    for i in range(args.requests):
        if time.monotonic() >= deadline:
            break
        tag = "load-%d-%d" % (n, i)
        if asking:
            path = "/api/voice/process"
            body = {"message": "%s (%s)" % (QUESTIONS[i % len(QUESTIONS)], tag),
                    "session_id": "load-%d" % n}
        else:
            path = "/api/voice/feedback"
            body = {"log_id": ids[(n + i) % len(ids)], "rating": 1 + (n + i) % 5,
                    "feedback_text": tag}
        data = json.dumps(body, ensure_ascii=False).encode()
        t0 = time.monotonic()
        try:
            if conn is None:
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
            conn.request("POST", path, data, {"Content-Type": "application/json"})
            r = conn.getresponse()
            reply = r.read()
            status = r.status
        except (OSError, http.client.HTTPException):
            status, reply = "refused", b""
            if conn is not None:
                conn.close()
            conn = None
            if args.stop_on_refused:
                with lock:
                    results["count"][path + " refused"] = results["count"].get(path + " refused", 0) + 1
                break
        ms = (time.monotonic() - t0) * 1000
        with lock:
            key = "%s %s" % (path, status)
            results["count"][key] = results["count"].get(key, 0) + 1
            if status == 200:
                results["lat"].append(ms)
                obj = json.loads(reply)
                results["acked"].append({"path": path, "log_id": obj["log_id"], "tag": tag})
    if conn is not None:
        conn.close()


def coprocess(args, results):
    """The same questions, one at a time, through one long-running
    vasdom-ask reading standard input (line-buffered by stdbuf, so each
    reply comes as its question is answered)."""
    import subprocess
    p = subprocess.Popen(["stdbuf", "-oL"] + args.coprocess.split(), stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True, bufsize=1)
    deadline = time.monotonic() + args.seconds
    for i in range(args.requests):
        if time.monotonic() >= deadline:
            break
        q = {"message": "%s (load-0-%d)" % (QUESTIONS[i % len(QUESTIONS)], i)}
        t0 = time.monotonic()
        p.stdin.write(json.dumps(q, ensure_ascii=False) + "\n")
        p.stdin.flush()
        line = p.stdout.readline()
        ms = (time.monotonic() - t0) * 1000
        key = "vasdom-ask %s" % ("ok" if line else "eof")
        results["count"][key] = results["count"].get(key, 0) + 1
        if not line:
            break
        results["lat"].append(ms)
    p.stdin.close()
    p.wait()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url")
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--requests", type=int, default=100)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--ids", default="1", help="log ids to rate, comma-separated")
    p.add_argument("--acked")
    p.add_argument("--stop-on-refused", action="store_true")
    p.add_argument("--ask-only", action="store_true", help="every client asks")
    p.add_argument("--coprocess", help="instead of HTTP: this vasdom-ask command line")
    args = p.parse_args()
    ids = [int(x) for x in args.ids.split(",")]
    results = {"count": {}, "lat": [], "acked": []}
    lock = threading.Lock()
    t0 = time.monotonic()
    deadline = t0 + args.seconds
    threads = [threading.Thread(target=client, args=(n, args, ids, results, lock, deadline))
               for n in range(args.clients)]
    if args.coprocess:
        threads = [threading.Thread(target=coprocess, args=(args, results))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    lat = sorted(results["lat"])
    pct = lambda q: round(lat[min(len(lat) - 1, int(q * len(lat)))], 2) if lat else None
    if args.acked:
        with open(args.acked, "w") as f:
            for a in results["acked"]:
                f.write(json.dumps(a) + "\n")
    print(json.dumps({"count": results["count"], "seconds": round(elapsed, 2),
                      "requests_per_s": round(len(lat) / elapsed, 1),
                      "p50_ms": pct(0.5), "p99_ms": pct(0.99)}, sort_keys=True))


if __name__ == "__main__":
    main()
