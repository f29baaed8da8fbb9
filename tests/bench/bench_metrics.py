"""Benchmark: numeric.metrics vs scikit-learn on large inputs (a script, not a test).

    python tests/bench/bench_metrics.py [--n 5000000] [--classes 10] [--repeat 3]
                                        [--ml-n 500000] [--ml-labels 20]

Prints best-of-``repeat`` wall times and the ratio numeric / scikit-learn for each metric, checks
the numbers are equal, and exits 1 if macro F1 is slower than the goal (<= 0.3x scikit-learn).
Multilabel cases: F1 (micro, macro, samples) and multilabel_confusion_matrix of two int64 0/1
indicator matrices of ``ml-n`` rows and ``ml-labels`` columns (about 20% positives, 80% of the
predictions copied from the truth).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

import numpy as np

GOAL = 0.3


def best_time(fn, repeat):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=float, default=5e6, help="number of labels")
    ap.add_argument("--classes", type=int, default=10, help="number of classes")
    ap.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    ap.add_argument("--ml-n", type=float, default=5e5, help="rows of the multilabel matrices")
    ap.add_argument("--ml-labels", type=int, default=20, help="columns (labels) of the multilabel matrices")
    args = ap.parse_args()
    n, k = int(args.n), args.classes

    import sklearn.metrics as sk

    import numeric.metrics as nm

    rng = np.random.default_rng(0)
    t = rng.integers(0, k, n)
    p = np.where(rng.random(n) < 0.7, t, rng.integers(0, k, n))
    y = (t == 0).astype(np.int64)
    s = rng.random(n) + 0.5 * y
    m = min(n, 1_000_000)  # curves sort; keep them short
    ml_n, ml_k = int(args.ml_n), args.ml_labels
    T = (rng.random((ml_n, ml_k)) < 0.2).astype(np.int64)
    P = np.where(rng.random((ml_n, ml_k)) < 0.8, T, rng.random((ml_n, ml_k)) < 0.2).astype(np.int64)
    ml = f"multilabel {ml_n:.0e}x{ml_k}"

    cases = [
        ("macro F1", lambda lib: lib.f1_score(t, p, average="macro")),
        ("micro F1 w/o class 0", lambda lib: lib.f1_score(t, p, average="micro",
                                                          labels=list(range(1, k)))),
        ("P/R/F/support per class", lambda lib: lib.precision_recall_fscore_support(t, p)),
        ("confusion_matrix", lambda lib: lib.confusion_matrix(t, p)),
        ("accuracy", lambda lib: lib.accuracy_score(t, p)),
        (f"roc_auc ({m:.0e})", lambda lib: lib.roc_auc_score(y[:m], s[:m])),
        (f"average_precision ({m:.0e})", lambda lib: lib.average_precision_score(y[:m], s[:m])),
        (f"{ml} micro F1", lambda lib: lib.f1_score(T, P, average="micro")),
        (f"{ml} macro F1", lambda lib: lib.f1_score(T, P, average="macro")),
        (f"{ml} samples F1", lambda lib: lib.f1_score(T, P, average="samples")),
        (f"{ml} confusion matrices", lambda lib: lib.multilabel_confusion_matrix(T, P)),
    ]
    print(f"n = {n:.0e} labels, {k} classes; multilabel {ml_n:.0e} x {ml_k}; best of {args.repeat}")
    print(f"{'metric':40s} {'numeric [s]':>12s} {'sklearn [s]':>12s} {'ratio':>7s}")
    macro_ratio = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, fn in cases:
            t_ours, r_ours = best_time(lambda: fn(nm), args.repeat)
            t_ref, r_ref = best_time(lambda: fn(sk), args.repeat)
            for a, b in zip(np.atleast_1d(r_ours) if not isinstance(r_ours, tuple) else r_ours,
                            np.atleast_1d(r_ref) if not isinstance(r_ref, tuple) else r_ref):
                np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=1e-9)
            ratio = t_ours / t_ref
            if name == "macro F1":
                macro_ratio = ratio
            print(f"{name:40s} {t_ours:12.4f} {t_ref:12.4f} {ratio:7.3f}")
    ok = macro_ratio <= GOAL
    print(f"macro F1 ratio {macro_ratio:.3f} (goal <= {GOAL}): {'OK' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
