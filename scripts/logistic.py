"""Logistic regression in plain Python (no numpy on a fresh machine): the
confidence model's fit, shared by scripts/fit-confidence and scripts/eval.py.
Newton's method with a small L2 penalty; a handful of features, a few
thousand rows."""
import math

SIGNALS = ("share", "margin", "top", "votes", "learned")  # as common/vd_confidence.c
# The signals fitted; the others are written with weight 0. "votes" (how
# many exchanges endorse the winner) is left out by measurement: with it
# the cross-fitted precision at 50% coverage of make eval was 0.695, 0.711
# without it (rutube, hash seeds 0-3, every seed better; 0.696 and 0.712
# with the question kinds). It moves with the share (more endorsing
# neighbours, more of the support), and its weight, fitted on rows before
# and after learning, did not carry over to the questions held out.
FITTED = ("share", "margin", "top", "learned")


def fit(rows, l2=1e-3, iterations=50):
    """rows: (signals dict, right bool). Returns {"bias": b, name: w, ...}."""
    X = [[1.0] + [float(s[n]) for n in FITTED] for s, _ in rows]
    y = [1.0 if r else 0.0 for _, r in rows]
    k = len(FITTED) + 1
    w = [0.0] * k
    for _ in range(iterations):
        g = [0.0] * k
        H = [[0.0] * k for _ in range(k)]
        for x, t in zip(X, y):
            z = sum(a * b for a, b in zip(w, x))
            p = 1 / (1 + math.exp(-max(-30, min(30, z))))
            for i in range(k):
                g[i] += (p - t) * x[i]
                for j in range(k):
                    H[i][j] += p * (1 - p) * x[i] * x[j]
        for i in range(1, k):  # the bias is not penalised
            g[i] += l2 * len(X) * w[i]
            H[i][i] += l2 * len(X)
        step = solve(H, g)
        w = [a - b for a, b in zip(w, step)]
        if max(abs(s) for s in step) < 1e-9:
            break
    return dict(dict.fromkeys(SIGNALS, 0.0), **dict(zip(("bias",) + FITTED, w)))


def solve(A, b):
    """A x = b by Gaussian elimination with partial pivoting."""
    n = len(b)
    M = [row[:] + [v] for row, v in zip(A, b)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(M[r][c]))
        M[c], M[p] = M[p], M[c]
        if abs(M[c][c]) < 1e-12:
            continue
        for r in range(n):
            if r != c:
                f = M[r][c] / M[c][c]
                M[r] = [a - f * b for a, b in zip(M[r], M[c])]
    return [M[i][n] / M[i][i] if abs(M[i][i]) > 1e-12 else 0.0 for i in range(n)]


def write(model, path, comment=""):
    with open(path, "w") as f:
        f.write("# vasdom's confidence model: the probability that an experience answer is\n"
                "# right, 1 / (1 + exp(-(bias + sum of weight * signal))); the signals are\n"
                "# described in vasdom.5. Written by scripts/fit-confidence (make fit).\n")
        for line in comment.splitlines():
            f.write(f"# {line}\n")
        for name in ("bias",) + SIGNALS:
            f.write(f"{name} {model[name]:.6f}\n")
