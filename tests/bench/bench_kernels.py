"""Benchmark of the generated kernels (run by hand: ``python tests/bench/bench_kernels.py``).

1. Accuracy: max / median error in ulps against the derivations' formulas evaluated in mpmath
   (derive.codegen.accuracy), for the generated kernel on each backend (NumPy, fused), for naive ``sympy.lambdify`` of the same
   formula (NumPy module) and for scipy.special / NumPy where an equivalent exists; the count of
   NaN / inf outputs where the truth is finite is shown as "nonfinite".
2. Speed: time of each kernel, on each backend (NumPy; fused numba when installed), over the
   time of its scipy.special equivalent on 2e6 and on 1e3 values (interleaved runs, best of 15).
   Goals with the fused backend: <= 1.0 at 2e6 values and <= 1.5 at 1e3 values.

``python tests/bench/bench_kernels.py [REPEATS] [--speed]`` (``--speed``: skip the accuracy table).
"""

from __future__ import annotations

import sys
import time
import warnings

import numpy as np
import sympy as sp
from scipy import special as sc

import numeric.kernels as K
from derive.codegen import accuracy as A
from derive.codegen.functions import to_plain
from derive.codegen.kernels import sigmoid_kernels, x
from derive.notation import SIGMA_DEFINITION

warnings.simplefilter("ignore")  # the naive formulas overflow; that is what the table shows
np.seterr(all="ignore")


def _row(name, computed, truth, finite_truth):
    errors = A.ulp_errors(computed, truth)
    computed = np.ravel(computed)
    nonfinite = int(np.sum(~np.isfinite(computed) & finite_truth))
    finite = errors[np.isfinite(errors)]
    worst = f"{errors.max():10.3g}" if np.isfinite(errors.max()) else "       inf"
    median = f"{np.median(finite):8.3g}" if finite.size else "     n/a"
    return f"{name:34s} {worst} {median} {nonfinite:9d}"


def _backends():
    return ["numpy"] + (["fused"] if K.fused_available() else [])


def accuracy_table():
    print(f"{'kernel / implementation':34s} {'max ulp':>10s} {'median':>8s} {'nonfinite':>9s}")
    grid = A.elementwise_grid()
    kernels = {k.name: k for k in sigmoid_kernels()}
    others = {
        "sigmoid": ("scipy.special.expit", sc.expit),
        "sigmoid_derivative": ("scipy expit(x) * expit(-x)", lambda v: sc.expit(v) * sc.expit(-v)),
        "log_sigmoid": ("scipy.special.log_expit", sc.log_expit),
        "softplus": ("numpy logaddexp(0, x)", lambda v: np.logaddexp(0.0, v)),
        "tanh_derivative": ("numpy 1 - tanh(x)**2", lambda v: 1 - np.tanh(v) ** 2),
    }
    for name, (label, other) in others.items():
        expr = kernels[name].exprs[0]
        truth = A.truths(expr, [x], grid)
        finite_truth = np.array([abs(t) < A._MAX for t in truth])
        naive = sp.lambdify(x, to_plain(SIGMA_DEFINITION(expr)), modules="numpy")
        for backend in _backends():
            with K.kernel_backend(backend):
                print(_row(f"{name} ({backend})", getattr(K, name)(grid), truth, finite_truth))
        print(_row(f"  naive lambdify", np.broadcast_to(naive(grid), grid.shape), truth, finite_truth))
        print(_row(f"  {label}", other(grid), truth, finite_truth))
    # softmax rows, K <= 100, including probabilities near 1e-200 and top log-probabilities -1e-27
    rng = np.random.default_rng(5)
    rows = [np.array([0.0, -62.0]), np.array([0.3, -460.1234567, -700.5, 0.29999999]),
            np.array([1e4, -1e4, 9999.5, 0.0]), np.array([-745.0, -709.78, 709.78, 745.0])]
    for size in (3, 10, 100):
        for scale in (1.0, 30.0, 300.0):
            rows.append(rng.normal(0, scale, size))
        rows.append(np.concatenate([[0.0], rng.normal(-400, 100, size - 1)]))
    zb, ib, kb = sp.IndexedBase("z"), sp.Symbol("i", integer=True), sp.Symbol("K", integer=True)
    kk = sp.Symbol("k", integer=True)
    naive_softmax = sp.lambdify((zb, ib, kb), sp.exp(zb[ib]) / sp.Sum(sp.exp(zb[kk]), (kk, 0, kb - 1)), "numpy")
    naive_log = sp.lambdify((zb, ib, kb), sp.log(sp.exp(zb[ib]) / sp.Sum(sp.exp(zb[kk]), (kk, 0, kb - 1))), "numpy")
    for name, ours, naive, scipy_f, label in (
        ("softmax", K.softmax, naive_softmax, sc.softmax, "scipy.special.softmax"),
        ("log_softmax", K.log_softmax, naive_log, sc.log_softmax, "scipy.special.log_softmax"),
    ):
        truths, got, lam, ref = [], {b: [] for b in _backends()}, [], []
        for row in rows:
            probs, logs = A.softmax_truth(row)
            truths += probs if name == "softmax" else logs
            for backend in got:
                with K.kernel_backend(backend):
                    got[backend].append(ours(row))
            lam.append(np.array([naive(row, i, len(row)) for i in range(len(row))], dtype=float))
            ref.append(scipy_f(row))
        finite = np.ones(len(truths), bool)
        for backend, values in got.items():
            print(_row(f"{name} ({backend}, K <= 100)", np.concatenate(values), truths, finite))
        print(_row("  naive lambdify", np.concatenate(lam), truths, finite))
        print(_row(f"  {label}", np.concatenate(ref), truths, finite))


def _best_times(functions, repeats, number, clock=time.thread_time):
    """Min over ``repeats`` of the time per call of each function (``number`` calls per timing),
    the functions interleaved so that load from other processes hits them alike.

    The clock is this thread's CPU time: every kernel here runs on one thread, and on a shared
    machine wall-clock times include the time slices other processes take (a 10 ms kernel
    measures 10-40 ms at a load of 9 on 2 cores), which no number of repeats removes."""
    best = [float("inf")] * len(functions)
    for _ in range(repeats):
        for i, (backend, f) in enumerate(functions):
            if backend is not None:
                K.set_backend(backend)  # outside the timing
            start = clock()
            for _ in range(number):
                f()
            best[i] = min(best[i], (clock() - start) / number)
    return best


def _cases(n):
    rng = np.random.default_rng(0)
    v = rng.normal(0, 5, n)
    z10, z100 = v.reshape(-1, 10), v.reshape(-1, 100)
    t10 = rng.integers(0, 10, z10.shape[0])
    b01 = (rng.random(n) < 0.5).astype(float)
    return [
        ("sigmoid", lambda: K.sigmoid(v), "expit", lambda: sc.expit(v)),
        ("sigmoid_derivative", lambda: K.sigmoid_derivative(v), "expit(x)*expit(-x)", lambda: sc.expit(v) * sc.expit(-v)),
        ("log_sigmoid", lambda: K.log_sigmoid(v), "log_expit", lambda: sc.log_expit(v)),
        ("softplus", lambda: K.softplus(v), "-log_expit(-x)", lambda: -sc.log_expit(-v)),
        ("tanh_derivative", lambda: K.tanh_derivative(v), "1 - tanh(x)**2", lambda: 1 - np.tanh(v) ** 2),
        ("softmax (K = 10)", lambda: K.softmax(z10), "softmax", lambda: sc.softmax(z10, axis=-1)),
        ("softmax (K = 100)", lambda: K.softmax(z100), "softmax", lambda: sc.softmax(z100, axis=-1)),
        ("log_softmax (K = 10)", lambda: K.log_softmax(z10), "log_softmax", lambda: sc.log_softmax(z10, axis=-1)),
        ("log_softmax (K = 100)", lambda: K.log_softmax(z100), "log_softmax", lambda: sc.log_softmax(z100, axis=-1)),
        ("bernoulli_nll", lambda: K.bernoulli_nll(v, b01), "-t log_expit(x) - (1-t) log_expit(-x)",
         lambda: -b01 * sc.log_expit(v) - (1 - b01) * sc.log_expit(-v)),
        ("categorical_nll (K = 10)", lambda: K.categorical_nll(z10, t10), "-log_softmax[t]",
         lambda: -sc.log_softmax(z10, axis=-1)[np.arange(t10.size), t10]),
    ]


def speed_table(repeats=15):
    """Both backends against scipy.special in one run: 2e6 values (goal <= 1.0 fused) and 1e3
    values (goal <= 1.5 fused, where call overhead counts)."""
    backends = _backends()
    if len(backends) == 1:
        print("\n(numba is not installed: the fused backend is not measured; pip install 'derive[fast]')")
    previous = K.get_backend()
    for n, number, reps in ((2_000_000, 1, repeats), (1_000, 300, repeats)):
        head = f"{'kernel (' + format(n, '.0e') + ' values)':26s} {'scipy equivalent':38s} {'scipy':>9s}"
        print("\n" + head + "".join(f" {b:>9s} {'ratio':>6s}" for b in backends))
        for name, ours, label, theirs in _cases(n):
            times = _best_times([(None, theirs)] + [(b, ours) for b in backends], reps, number)
            cells = "".join(f" {t * 1e6:9.1f} {t / times[0]:6.2f}" for t in times[1:])
            print(f"{name:26s} {label:38s} {times[0] * 1e6:9.1f}{cells}")
    K.set_backend(previous)
    print(f"(CPU time in microseconds per call, best of {repeats} interleaved runs; ratio = backend / scipy)")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--speed"]
    if "--speed" not in sys.argv:
        accuracy_table()
    speed_table(int(args[0]) if args else 15)
