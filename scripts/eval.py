#!/usr/bin/env python3
"""make eval: quality of vasdom's offline answers on ../shared/datasets.

rutube-faq  record the FAQ as curated knowledge, ask the user questions,
            accuracy@1 = answer equals the reference (whitespace-normalised);
            then the learning protocol (round 1 rated, round 2 asked again).
banking77   record train (message = text, response = intent), embed, and
            1-NN intent accuracy with vasdom-similar -n 1, and through
            vasdom-ask (neighbours vote).
Runs the real binaries on temporary databases; prints one line a figure.
"""
import csv, json, os, re, subprocess, sys, tempfile, time

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
bindir = os.environ.get("VASDOM_BIN", top)
data = os.environ.get("VASDOM_DATASETS", os.path.join(top, "..", "shared", "datasets"))
tmp = tempfile.mkdtemp(prefix="vasdom-eval.")
empty_rules = os.path.join(tmp, "none.rules")
open(empty_rules, "w").close()


def run(tool, db, args=(), stdin="", env=None):
    e = dict(os.environ, VASDOM_DB=db, VASDOM_RULES=empty_rules)
    e.update(env or {})
    p = subprocess.run([os.path.join(bindir, tool), *args], input=stdin.encode(),
                       capture_output=True, env=e)
    if p.returncode not in (0, 1):
        sys.exit(f"eval: {tool} failed ({p.returncode}): {p.stderr.decode()[:500]}")
    return [json.loads(l) for l in p.stdout.decode().splitlines() if l.strip()]


def jsonl(rows):
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def norm(s):
    return re.sub(r"\s+", " ", s or "").strip()


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def rutube(env):
    kb = read_csv(os.path.join(data, "rutube-faq", "knowledge_base.csv"))
    cases = read_csv(os.path.join(data, "rutube-faq", "cases-dev.csv"))
    records = [{"message": r["Вопрос из БЗ"], "response": r["Ответ из БЗ"], "rating": 5} for r in kb]

    def fresh(name):
        db = os.path.join(tmp, name + ".db")
        run("vasdom-ask", db, ["--record"], jsonl(records))
        return db

    def ask(db, qs):
        return run("vasdom-ask", db, [], jsonl({"message": q["Вопрос пользователя"]} for q in qs), env)

    def accuracy(qs, replies):
        return sum(norm(a["response"]) == norm(q["Ответ из БЗ"]) for q, a in zip(qs, replies)) / len(qs)

    db = fresh("rutube")
    t = time.time()
    replies = ask(db, cases)
    print(f"rutube-faq accuracy@1: {accuracy(cases, replies):.3f} "
          f"({len(cases)} questions, {time.time() - t:.1f} s; reference TF-IDF char 2-5: 0.40)")
    # the learning protocol: first phrasing of each FAQ question, then the others
    seen, r1, r2 = set(), [], []
    for q in cases:
        (r2 if q["Вопрос из БЗ"] in seen else r1).append(q)
        seen.add(q["Вопрос из БЗ"])
    base = accuracy(r2, ask(fresh("rutube-base"), r2))
    db = fresh("rutube-learn")
    a1 = ask(db, r1)
    rates = []
    for q, a in zip(r1, a1):
        right = norm(a["response"]) == norm(q["Ответ из БЗ"])
        rates.append({"log_id": a["log_id"], "rating": 5} if right else
                     {"log_id": a["log_id"], "rating": 1, "correction": q["Ответ из БЗ"]})
    run("vasdom-rate", db, [], jsonl(rates))
    learned = accuracy(r2, ask(db, r2))
    print(f"rutube-faq learning: round 2 {base:.3f} without round 1, {learned:.3f} after it "
          f"(gain {learned - base:+.3f}; {len(r1)} + {len(r2)} questions; TF-IDF gains 0.05)")


def banking(env):
    train = read_csv(os.path.join(data, "banking77", "train.csv"))
    test = read_csv(os.path.join(data, "banking77", "test.csv"))
    db = os.path.join(tmp, "banking.db")
    run("vasdom-ask", db, ["--record"], jsonl({"message": r["text"], "response": r["category"], "rating": 5}
                                              for r in train))
    t = time.time()
    run("vasdom-embed", db, ["-q"])
    te = time.time() - t
    t = time.time()
    hits = run("vasdom-similar", db, ["-n", "1"], jsonl({"message": r["text"]} for r in test))
    ts = time.time() - t
    by_query = {h["query"]: h["response"] for h in hits}
    acc = sum(by_query.get(r["text"]) == r["category"] for r in test) / len(test)
    print(f"banking77 1-NN accuracy (vasdom-similar -n 1): {acc:.3f} "
          f"(embed {len(train)} in {te:.1f} s, {len(test)} queries in {ts:.1f} s; TF-IDF char 2-5: 0.81)")
    replies = run("vasdom-ask", db, [], jsonl({"message": r["text"]} for r in test), env)
    acc = sum(a["response"] == r["category"] for a, r in zip(replies, test)) / len(test)
    print(f"banking77 accuracy through vasdom-ask (neighbours vote): {acc:.3f}")


if __name__ == "__main__":
    env = {}
    if len(sys.argv) > 1:
        env["VASDOM_MIN_SIMILARITY"] = sys.argv[1]
    print(f"# vasdom eval on {data}, builtin embedder, empty intent rules")
    rutube(env)
    banking(env)
