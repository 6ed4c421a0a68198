#!/usr/bin/env python3
"""make eval, vasdom-review's part: its acceptance figures on rutube-faq.

gaps       the knowledge base without a held-back third of its FAQ entries
           (by a stable hash), every dev question asked (the default
           --min-confidence, so unsure answers hand over): the share of the
           held-back entries' questions inside gap clusters (of two or
           more; goal >= 0.70) and those clusters' purity, the share of
           their majority FAQ entry (goal >= 0.7 on average).
queue      from that state, the oracle rates the top 50 of --queue (5 if
           right, else 1 with the reference as correction), then the other
           dev questions are asked again: accuracy gain against rating 50
           random unrated exchanges (mean of 5 draws).
conflicts  the knowledge base with 5 planted contradicting pairs (an entry
           recorded again with another entry's answer): planted pairs found
           (goal 5) and other groups reported (goal <= 10).
replay     rutube with round 1 rated, as scripts/eval.py does it: replay
           accuracy against leave-one-out (each endorsed exchange asked on a
           copy of the database without it and its session's asked
           exchanges), goal within 0.02.

usage: eval-review.py [--seed N] [--only gaps,queue,conflicts,replay]
"""
import argparse, hashlib, json, os, random, shutil, sqlite3, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import importlib.util  # noqa: E402

_spec = importlib.util.spec_from_file_location("vasdom_eval", os.path.join(os.path.dirname(os.path.abspath(__file__)), "eval.py"))
ev = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ev)

SURE = {"VASDOM_MIN_CONFIDENCE": "0.5"}


def held(entry):
    """A third of the FAQ entries, by a stable hash."""
    return int(hashlib.md5(entry.encode()).hexdigest(), 16) % 3 == 0


def kb_entry(r):
    return r["message"] + "\0" + r["response"]


def review(db, args, env):
    return ev.run("vasdom-review", db, args, "", env)


class Review(ev.Rutube):
    def gap_state(self, name):
        """The knowledge base without the held-back third, every dev question
        asked once: (db, the dev questions with their answers)."""
        db = os.path.join(ev.tmp, f"{name}-{self.seed}.db")
        kept = [r for r in self.records if not held(kb_entry(r))]
        ev.run("vasdom-ask", db, ["--record"], ev.jsonl(kept), self.env)
        replies = self.ask(db, self.cases, SURE)
        return db, replies

    def gaps(self, sim=None):
        db, replies = self.gap_state("gaps")
        entry_of = {a["log_id"]: ev.entry(q) for q, a in zip(self.cases, replies)}
        back = {a["log_id"] for q, a in zip(self.cases, replies) if held(ev.entry(q))}
        args = ["--gaps"] + (["--similarity", str(sim)] if sim is not None else [])
        clusters = review(db, args, dict(self.env, **SURE))
        in_gaps = {i for c in clusters for i in c["log_ids"]}
        grouped = [c for c in clusters if c["size"] > 1]
        in_groups = {i for c in grouped for i in c["log_ids"]}
        purities = []
        for c in grouped:
            if not back & set(c["log_ids"]):
                continue
            counts = {}
            for i in c["log_ids"]:
                counts[entry_of[i]] = counts.get(entry_of[i], 0) + 1
            purities.append(max(counts.values()) / c["size"])
        return {"held_back": len(back), "in_gaps": len(back & in_gaps) / len(back),
                "recall": len(back & in_groups) / len(back),
                "purity": sum(purities) / len(purities) if purities else 0.0,
                "clusters": len(grouped), "gap_exchanges": len(in_gaps)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", default="gaps,queue,conflicts,replay")
    ap.add_argument("--similarity", type=float)
    o = ap.parse_args()
    only = o.only.split(",")
    t = time.time()
    r = Review(o.seed)
    print(f"# vasdom-review eval on {ev.data}, builtin embedder, hash seed {o.seed}")
    if "gaps" in only:
        f = r.gaps(o.similarity)
        print(f"rutube-faq gaps: {f['in_groups'] if False else f['recall']:.3f} of the {f['held_back']} questions of "
              f"held-back entries inside gap clusters (goal >= 0.70; {f['in_gaps']:.3f} among the gap "
              f"exchanges at all); purity {f['purity']:.3f} (goal >= 0.7); {f['clusters']} clusters of "
              f"two or more, {f['gap_exchanges']} gap exchanges", flush=True)
    print(f"# {time.time() - t:.0f} s")


if __name__ == "__main__":
    main()
