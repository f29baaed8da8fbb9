"""Benchmark: answer checking (derive.answers) beside the naive ``simplify(sympify(a) - b) == 0``.

Run: python tests/bench/bench_check.py [--repeat N]

Prints (1) answers per second of ``check_answer`` in-process on a batch of typical answers, and
of ``derive grade`` workers (fork + time limit) on the same batch; (2) the worst case: the
slowest answers within the limits, each in a killable worker (bounded by --timeout); (3) a
table of both verdicts on the same answers. The naive approach calls ``sympify`` -- on this
script's own fixed, trusted corpus only (never on user input; derive/answers never does).
"""

from __future__ import annotations

import argparse
import csv
import json
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sympy as sp
from sympy.core.cache import clear_cache

from derive.answers.checker import check_answer
from derive.answers.equivalence import _expanded
from derive.answers.grading import grade_file
from derive.answers.limits import Limits
from derive.answers.targets import target_for_result
from derive.answers.worker import run_one
from derive.notation import K, i, j, k, sigma, t, x, y, z

# (result id, answer as a student writes it, the same in SymPy syntax for the naive approach, right?)
CORPUS = [
    ("sigmoid.derivative", "sigma(x)(1-sigma(x))", "sigma(x)*(1-sigma(x))", True),
    ("sigmoid.derivative", r"\frac{e^{-x}}{(1+e^{-x})^2}", "exp(-x)/(1+exp(-x))**2", True),
    ("sigmoid.derivative", "sigma(x) sigma(-x)", "sigma(x)*sigma(-x)", True),
    ("sigmoid.derivative", "1/(e^x + 2 + e^(-x))", "1/(exp(x) + 2 + exp(-x))", True),
    ("sigmoid.derivative", "1/(4 cosh(x/2)^2)", "1/(4*cosh(x/2)**2)", True),
    ("sigmoid.derivative", r"\frac{1}{2 + 2\cosh x}", "1/(2 + 2*cosh(x))", True),
    ("sigmoid.derivative", "(1 - tanh(x/2)^2)/4", "(1 - tanh(x/2)**2)/4", True),
    ("sigmoid.derivative", "-sigma(x)(1-sigma(x))", "-sigma(x)*(1-sigma(x))", False),
    ("sigmoid.derivative", "sigma(x)(1-sigma(-x))", "sigma(x)*(1-sigma(-x))", False),
    ("sigmoid.derivative", "2 sigma(x)(1 - sigma(x))", "2*sigma(x)*(1-sigma(x))", False),
    ("sigmoid.tanh_derivative", "1 - tanh(x)^2", "1 - tanh(x)**2", True),
    ("sigmoid.tanh_derivative", "4 sigma(2x)(1-sigma(2x))", "4*sigma(2*x)*(1-sigma(2*x))", True),
    ("softmax.jacobian", "y_i(delta_ij - y_j)", "y[i]*(KroneckerDelta(i, j) - y[j])", True),
    ("softmax.jacobian", "y_j(delta_ij - y_i)", "y[j]*(KroneckerDelta(i, j) - y[i])", True),
    ("softmax.jacobian", r"\delta_{ij} y_i - y_i y_j", "KroneckerDelta(i, j)*y[i] - y[i]*y[j]", True),
    ("softmax.jacobian", "softmax(z)_i (delta_ij - softmax(z)_j)",
     "exp(z[i])/Sum(exp(z[k]), (k, 1, K))*(KroneckerDelta(i, j) - exp(z[j])/Sum(exp(z[k]), (k, 1, K)))", True),
    ("softmax.jacobian", "-y_i y_j", "-y[i]*y[j]", False),
    ("softmax.jacobian", "y_i(1 - y_j)", "y[i]*(1 - y[j])", False),
    ("softmax.ce_gradient", "y_i - t_i", "y[i] - t[i]", True),
    ("softmax.ce_gradient", "t_i - y_i", "t[i] - y[i]", False),
]

WORST = [
    ("sigmoid.derivative", " + ".join(f"sigma({n}x)(1-sigma({n}x))" for n in range(1, 40))),
    ("sigmoid.derivative", " + ".join(f"{n} sigma(x)^{n}" for n in range(1, 60))),
    ("sigmoid.derivative", "(" * 55 + "sigma(x)" + ")" * 55),
    ("sigmoid.derivative", "e^{e^{e^{x^{9}}}}"),
    ("sigmoid.derivative", "(1+sigma(x))^100 - (1+sigma(-x))^100"),
    # right, but SymPy's symbolic check takes longer than the limit: numeric verdict, then killed
    ("sigmoid.derivative", "sigma(x)(1-sigma(x)) + (sigma(x)+1)^100 - (sigma(x)^2+2sigma(x)+1)^50"),
    ("softmax.jacobian", " + ".join([r"\sum_{k=1}^{K} y_k y_i (\delta_{ij} - y_j)"] * 12)),
    ("sigmoid.derivative", "x" * 1_000_000),
    ("sigmoid.derivative", "9^9^9^9"),
]


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout


def naive(result_id: str, text: str, seconds: int) -> str:
    """The naive verdict: simplify(sympify(a) - b) == 0 with notation expanded on both sides."""
    target = target_for_result(result_id)
    ns = {"sigma": sigma, "y": y, "t": t, "x": x, "z": z, "i": i, "j": j, "k": k, "K": K,
          "KroneckerDelta": sp.KroneckerDelta}
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    try:
        a = target.ctx.expand_definitions(sp.sympify(text, locals=ns))  # trusted corpus only
        b = target.ctx.expand_definitions(target.expr)
        return "equivalent" if sp.simplify(a - b) == 0 else "not_equivalent"
    except _Timeout:
        return f"timeout (>{seconds} s)"
    except Exception as exc:
        return f"crash: {type(exc).__name__}"
    finally:
        signal.alarm(0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="passes over the corpus for the timings")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds per answer in the worker")
    parser.add_argument("--naive-timeout", type=int, default=20, help="seconds per naive check")
    args = parser.parse_args()

    for rid in {r for r, *_ in CORPUS}:
        target_for_result(rid)  # build and prove the topics first (not timed)

    # 1. typical answers, in-process; SymPy's cache is cleared before each answer so that a
    #    repeated answer is not faster than a new one (per-target work stays cached, as in grading)
    verdicts = {}
    elapsed = 0.0
    for _ in range(args.repeat):
        for rid, text, _, _ in CORPUS:
            target = target_for_result(rid)
            clear_cache()
            _expanded.cache_clear()
            t0 = time.perf_counter()
            verdicts[(rid, text)] = check_answer(text, target)
            elapsed += time.perf_counter() - t0
    ours = args.repeat * len(CORPUS) / elapsed

    # 1b. the same through derive grade (workers, time limit, CSV per row)
    rates = {}
    with tempfile.TemporaryDirectory() as tmp:
        key = Path(tmp) / "key.json"
        ids = sorted({r for r, *_ in CORPUS})
        key.write_text(json.dumps({rid: {"against": rid} for rid in ids}))
        answers = Path(tmp) / "answers.csv"
        with open(answers, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["student", "question", "answer"])
            for n in range(args.repeat * 4):
                for m, (rid, text, _, _) in enumerate(CORPUS):
                    w.writerow([f"s{n}_{m}", rid, text])
        total = args.repeat * 4 * len(CORPUS)
        for jobs, memo in ((1, False), (2, False), (2, True)):
            out = Path(tmp) / f"out{jobs}{memo}.csv"
            t0 = time.perf_counter()
            grade_file(answers, key, out, jobs=jobs, limits=Limits(timeout=args.timeout), memo=memo)
            rates[(jobs, memo)] = total / (time.perf_counter() - t0)

    # 2. naive approach on the same answers
    naive_verdicts, naive_times = {}, []
    for rid, text, sympy_text, _ in CORPUS:
        clear_cache()
        t0 = time.perf_counter()
        naive_verdicts[(rid, text)] = naive(rid, sympy_text, args.naive_timeout)
        naive_times.append(time.perf_counter() - t0)
    naive_rate = len(CORPUS) / sum(naive_times)

    # 3. worst case within the limits, each in a killable worker
    worst = []
    for rid, text in WORST:
        t0 = time.perf_counter()
        v = run_one(text, ("result", rid), limits=Limits(timeout=args.timeout))
        worst.append((time.perf_counter() - t0, text, v.verdict, v.method))

    print(f"typical answers ({len(CORPUS)} kinds x {args.repeat}):")
    print(f"  derive check_answer in-process : {ours:8.1f} answers/s")
    for (jobs, memo), rate in rates.items():
        how = "identical answers checked once" if memo else "every answer checked"
        print(f"  derive grade, {jobs} worker(s)      : {rate:8.1f} answers/s ({how}; time limit, CSV flushed per row)")
    print(f"  naive simplify(sympify(a) - b) : {naive_rate:8.1f} answers/s "
          f"(median {statistics.median(naive_times):.2f} s, max {max(naive_times):.2f} s per answer)")
    print(f"  ratio derive/naive (in-process): {ours / naive_rate:8.1f}x")
    print()
    print(f"worst case (each in a worker, limit {args.timeout:g} s):")
    for secs, text, verdict, method in sorted(worst, reverse=True):
        shown = text if len(text) <= 50 else text[:47] + "..."
        print(f"  {secs:6.2f} s  {verdict:15s} {method or '':17s} {shown!r} ({len(text)} chars)")
    print()
    print("| result | answer | truth | derive | naive |")
    print("| --- | --- | --- | --- | --- |")
    wrong_naive = wrong_ours = 0
    for rid, text, _, right in CORPUS:
        truth = "equivalent" if right else "not_equivalent"
        d = verdicts[(rid, text)]
        n = naive_verdicts[(rid, text)]
        wrong_ours += d.verdict != truth
        wrong_naive += n != truth
        mark = "" if n == truth else " (wrong)"
        extra = f" [{d.diagnosis}]" if d.diagnosis else ""
        print(f"| {rid} | `{text}` | {truth} | {d.verdict}{extra} | {n}{mark} |")
    print()
    print(f"wrong verdicts: derive {wrong_ours}/{len(CORPUS)}, naive {wrong_naive}/{len(CORPUS)} "
          "(and the naive approach runs sympify, i.e. eval, on every answer: unsafe on all of them)")
    sys.exit(0)


if __name__ == "__main__":
    main()
