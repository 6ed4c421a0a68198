#!/usr/bin/env python3
"""Try a ranking design in seconds instead of a make eval run.

The neighbours vasdom-ask chooses among are found by vector search alone;
only their ranks and the vote depend on the ranking (common/vd_rank.c,
common/vd_answer.c). So the neighbour lists `vasdom-ask --explain` prints,
captured once for every scenario make eval asks, can be voted on again
under other weights: with the shipped ones this replays every rutube
figure of scripts/eval.py exactly (accuracy, round-2 gain, cross-topic
drops), and banking77 through vasdom-ask.

  replay-ranking.py capture DIR [--seeds 0,1,2,3] [--banking]
      run the scenarios (the real binaries, VASDOM_BIN) and keep their
      neighbour lists in DIR/seed-N.json
  replay-ranking.py replay DIR [--cosine 0.3] [--bm25 0.1] [--discount 0.12]
                    [--learned-question 0.2] [--kind 0.045] [--crowding 0.1]
                    [--fade 0.05]
      the figures, mean over the captured seeds, under those weights

Learning happens the same under any weights (the oracle's rating leaves a
learned exchange endorsing the reference either way), so the learned
scenarios replay exactly too. Plain Python: no numpy needed.
"""
import argparse, glob, json, math, os, re, statistics, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def norm(s):
    return re.sub(r"\s+", " ", s or "").strip()


def slim(pairs):
    """(question, reply) -> what the replay needs: the reference and the neighbours."""
    return [{"ref": q["Ответ из БЗ"], "got": a.get("response"),
             "neighbours": a.get("neighbours") or []} for q, a in pairs]


def capture(out, seeds, with_banking):
    import eval as E  # scripts/eval.py: the same scenarios, the same binaries
    os.makedirs(out, exist_ok=True)
    for seed in seeds:
        r = E.Rutube(seed)
        d = {}
        base = r.ask(r.fresh("replay"), r.cases)
        d["dev"] = slim(zip(r.cases, base))
        rounds = r.rounds()
        db = r.fresh("replay-learn")
        r.teach(db, rounds[0], r.ask(db, rounds[0]))
        d["round2"] = slim(zip(rounds[1], r.ask(db, rounds[1])))
        in_round2 = {id(q) for q in rounds[1]}
        d["round2_without"] = slim((q, a) for q, a in zip(r.cases, base) if id(q) in in_round2)
        halves = [[q for q in r.cases if E.half(q) == h] for h in (0, 1)]
        by_id = {id(q): a for q, a in zip(r.cases, base)}
        for h, (learnt, unseen) in enumerate((halves, halves[::-1])):
            db = r.fresh(f"replay-cross{h}")
            r.teach(db, learnt, r.ask(db, learnt))
            d[f"cross{h}"] = slim(zip(unseen, r.ask(db, unseen)))
            d[f"cross{h}_without"] = slim((q, by_id[id(q)]) for q in unseen)
        if with_banking:
            env = {"VASDOM_EMBED_SEED": str(seed)}
            train = E.read_csv(os.path.join(E.data, "banking77", "train.csv"))
            test = E.read_csv(os.path.join(E.data, "banking77", "test.csv"))
            bdb = os.path.join(E.tmp, f"replay-banking-{seed}.db")
            E.run("vasdom-ask", bdb, ["--record"], E.jsonl(
                {"message": t["text"], "response": t["category"], "rating": 5} for t in train), env)
            replies = E.run("vasdom-ask", bdb, ["--explain"],
                            E.jsonl({"message": t["text"]} for t in test), env)
            d["banking"] = [{"ref": t["category"], "got": a.get("response"),
                             "neighbours": a.get("neighbours") or []} for t, a in zip(test, replies)]
        with open(os.path.join(out, f"seed-{seed}.json"), "w") as f:
            json.dump(d, f, ensure_ascii=False)
        print(f"seed {seed}: captured", flush=True)


def ranker(cosine, bm25, discount, learned_question=0.0, kind=0.0, crowding=0.0):
    """The shipped re-scoring (vd_rank.c) with these weights."""
    return lambda n: n["score"] + cosine * n["cosine"] + bm25 * n["bm25"] - \
        crowding * n.get("crowding", 0) + \
        ((learned_question * n.get("question_cosine", 0) - discount) if n["learned"]
         else -kind * n.get("kind_mismatch", 0))


def choose(nb, rank, fade, min_rating=4):
    """The vote of vd_answer.c's rank_candidates: the answer with the most
    support, each endorsing neighbour's weight fading with its rank below
    the best; answers rated poorly for any neighbour never win."""
    if not nb:
        return None
    ranks = [rank(n) for n in nb]
    top = max(ranks)
    poor = {n["answer"] for n in nb if n["rating"] <= 2}
    support, order = {}, []
    for n, r in zip(nb, ranks):
        if n["rating"] < min_rating or n["answer"] in poor:
            continue
        if n["answer"] not in support:
            support[n["answer"]] = 0.0
            order.append(n["answer"])
        support[n["answer"]] += math.exp((r - top) / fade) * n["rating"] / 5
    if not order:
        return None
    return max(order, key=lambda a: (support[a], -order.index(a)))


def accuracy(rows, rank, fade):
    return sum(norm(choose(x["neighbours"], rank, fade)) == norm(x["ref"])
               for x in rows) / len(rows) if rows else 0.0


def figures(d, rank, fade):
    f = {"accuracy": accuracy(d["dev"], rank, fade),
         "gain2": accuracy(d["round2"], rank, fade) - accuracy(d["round2_without"], rank, fade)}
    for h in (0, 1):
        f[f"drop{h}"] = accuracy(d[f"cross{h}_without"], rank, fade) - \
            accuracy(d[f"cross{h}"], rank, fade)
    if "banking" in d:
        f["banking_ask"] = accuracy(d["banking"], rank, fade)
    return f


def replay(src, o):
    runs = []
    for path in sorted(glob.glob(os.path.join(src, "seed-*.json"))):
        with open(path) as fh:
            runs.append(figures(json.load(fh), ranker(o.cosine, o.bm25, o.discount,
                                                      o.learned_question, o.kind, o.crowding),
                                           o.fade))
    if not runs:
        sys.exit(f"replay-ranking: no seed-*.json in {src}: capture first")
    for k in runs[0]:
        v = [f[k] for f in runs]
        print(f"{k}: {min(v):.3f} / {statistics.mean(v):.3f} / {max(v):.3f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("capture")
    c.add_argument("dir")
    c.add_argument("--seeds", default="0,1,2,3")
    c.add_argument("--banking", action="store_true")
    r = sub.add_parser("replay")
    r.add_argument("dir")
    r.add_argument("--cosine", type=float, default=0.3)
    r.add_argument("--bm25", type=float, default=0.1)
    r.add_argument("--discount", type=float, default=0.12)
    r.add_argument("--fade", type=float, default=0.05)
    r.add_argument("--learned-question", type=float, default=0.2)
    r.add_argument("--kind", type=float, default=0.045)
    r.add_argument("--crowding", type=float, default=0.1)
    o = ap.parse_args()
    if o.cmd == "capture":
        capture(o.dir, [int(s) for s in o.seeds.split(",")], o.banking)
    else:
        replay(o.dir, o)


if __name__ == "__main__":
    main()
