"""Benchmark: ``derive verify`` on 10-step derivations, and ``derive grade`` of a course of derivations.

Run: python tests/bench/bench_verify.py [--students N] [--repeat N]

Prints (1) the time to verify one 10-step derivation (11 expressions) in-process, for a plain-text
sigmoid derivation and a LaTeX index-notation cross-entropy derivation, with SymPy's and the
checker's caches cleared before each one (target: <= 2 s), beside the baseline of one
``check_answer`` of the final answer alone; (2) the same end to end through the CLI
(``python -m derive verify``, a new process) beside ``python -c "import sympy"``; (3) grading
a directory of STUDENTS x 2 derivations of 10 steps with 2 workers, and that time scaled to 300
derivations (target: <= 10 minutes). The scaling is linear (the derivations are independent and
the workers stay busy), and is printed as an extrapolation.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sympy.core.cache import clear_cache

from derive.answers import equivalence, verify as verify_module
from derive.answers.checker import check_answer
from derive.answers.derivation_grading import grade_derivations
from derive.answers.targets import target_for_result
from derive.answers.verify import verify_text

#: Forms of sigma'(x): a random 10 of them after the question make a correct 10-step derivation.
SIGMOID_FORMS = [
    "e^(-x)/(1+e^(-x))^2", "sigma(x)(1-sigma(x))", "sigma(x) sigma(-x)", "sigma(x) - sigma(x)^2",
    "1/(1+e^(-x)) * e^(-x)/(1+e^(-x))", "1/(e^x + 2 + e^(-x))", "sigma(x)(1 - 1/(1+e^(-x)))",
    "(1 - sigma(x)) sigma(x)", "e^x/(1+e^x)^2", "sigma(x)/(1+e^x)", "d/dx 1/(1+e^(-x))",
    "-(d/dx (1+e^(-x)))/(1+e^(-x))^2", "1/(4 cosh(x/2)^2)",
]
CE_ROUTE = [
    r"\frac{\partial L}{\partial z_i}",
    r"\frac{\partial}{\partial z_i}\left(-\sum_k t_k \log y_k\right)",
    r"-\sum_k t_k \frac{\partial \log y_k}{\partial z_i}",
    r"-\sum_k \frac{t_k}{y_k} \frac{\partial y_k}{\partial z_i}",
    r"-\sum_k \frac{t_k}{y_k} y_k (\delta_{ik} - y_i)",
    r"-\sum_k t_k (\delta_{ik} - y_i)",
    r"-\sum_k t_k \delta_{ik} + y_i \sum_k t_k",
    r"-t_i + y_i \sum_k t_k",
    r"y_i \sum_k t_k - t_i",
    r"\frac{e^{z_i}}{\sum_k e^{z_k}} - t_i",
    r"y_i - t_i",
]


def sigmoid_derivation(rng: random.Random, wrong: bool = False) -> str:
    lines = ["d/dx sigma(x)"] + [rng.choice(SIGMOID_FORMS) for _ in range(9)] + ["sigma(x)(1 - sigma(x))"]
    if wrong:
        n = rng.randrange(1, len(lines))
        lines[n] = f"-({lines[n]})"
    return "\n= ".join(lines) + "\n"


def ce_derivation(wrong_at: int | None = None) -> str:
    rows = list(CE_ROUTE)
    if wrong_at is not None:
        rows[wrong_at] = rows[wrong_at].replace("- y_i", "+ y_i").replace("- t_i", "+ t_i")
    return "\\begin{align*}\n" + " \\\\\n&= ".join(rows) + "\n\\end{align*}\n"


def clear_caches() -> None:
    clear_cache()
    equivalence._expanded.cache_clear()
    equivalence._expected_points.cache_clear()
    verify_module.differentiated.cache_clear()


def timed_verify(text: str, result_id: str) -> tuple[float, str]:
    target = target_for_result(result_id)
    clear_caches()
    t0 = time.perf_counter()
    v = verify_text(text, target)
    return time.perf_counter() - t0, v.verdict


def wall(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=15, help="students in the grading run (2 derivations each)")
    parser.add_argument("--repeat", type=int, default=3, help="derivations timed per kind")
    args = parser.parse_args()
    rng = random.Random(0)
    for rid in ("sigmoid.derivative", "softmax.ce_gradient"):
        target_for_result(rid)  # build and prove the topics first (not timed)
    verify_text(sigmoid_derivation(rng), target_for_result("sigmoid.derivative"))  # warm up the parser

    print("1. one 10-step derivation, in-process (caches cleared before each)")
    baseline = []
    for _ in range(args.repeat):
        clear_caches()
        t0 = time.perf_counter()
        check_answer("y_i - t_i", target_for_result("softmax.ce_gradient"))
        baseline.append(time.perf_counter() - t0)
    base = statistics.median(baseline)
    print(f"   baseline: derive check of the final answer alone   {base:7.3f} s")
    kinds = [("sigmoid, plain text, random forms", lambda: sigmoid_derivation(rng), "sigmoid.derivative"),
             ("cross-entropy, LaTeX index notation", ce_derivation, "softmax.ce_gradient"),
             ("cross-entropy with a wrong step 5", lambda: ce_derivation(5), "softmax.ce_gradient")]
    for name, make, rid in kinds:
        runs = [timed_verify(make(), rid) for _ in range(args.repeat)]
        times = [t for t, _ in runs]
        print(f"   {name:38s} median {statistics.median(times):6.3f} s  max {max(times):6.3f} s  "
              f"({statistics.median(times) / base:5.1f}x the baseline; target <= 2 s)  verdict {runs[0][1]}")

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        print("2. end to end through the CLI (a new process each time)")
        imp = statistics.median(wall([sys.executable, "-c", "import sympy"]) for _ in range(3))
        (tmp / "ce.tex").write_text(ce_derivation())
        (tmp / "sig.txt").write_text(sigmoid_derivation(rng))
        cli = [wall([sys.executable, "-m", "derive", "verify", str(tmp / "ce.tex"), "--against", "softmax.ce_gradient"])
               for _ in range(args.repeat)]
        sig = [wall([sys.executable, "-m", "derive", "verify", str(tmp / "sig.txt"), "--against", "sigmoid.derivative"])
               for _ in range(args.repeat)]
        print(f"   baseline: python -c 'import sympy'                   {imp:7.3f} s")
        print(f"   derive verify (cross-entropy, 10 steps)  median {statistics.median(cli):6.3f} s "
              f"({statistics.median(cli) / imp:4.1f}x import sympy)")
        print(f"   derive verify (sigmoid, 10 steps)        median {statistics.median(sig):6.3f} s "
              f"({statistics.median(sig) / imp:4.1f}x import sympy)")

        print(f"3. grading {args.students} students x 2 derivations of 10 steps, 2 workers")
        subs = tmp / "subs"
        for s in range(args.students):
            d = subs / f"s{s:03d}"
            d.mkdir(parents=True)
            (d / "q1.txt").write_text(sigmoid_derivation(rng, wrong=s % 3 == 0))
            (d / "q2.tex").write_text(ce_derivation(rng.randrange(2, 10) if s % 4 == 0 else None))
        key = tmp / "key.json"
        key.write_text(json.dumps({"q1": {"against": "sigmoid.derivative", "scoring": "partial"},
                                   "q2": {"against": "softmax.ce_gradient"}}))
        t0 = time.perf_counter()
        summary = grade_derivations(subs, key, tmp / "results.csv", jobs=2)
        elapsed = time.perf_counter() - t0
        n = summary.graded
        print(f"   {n} derivations in {elapsed:6.1f} s ({elapsed / n:5.2f} s each)")
        print(f"   extrapolated to 300 derivations: {elapsed / n * 300 / 60:5.1f} min (target <= 10 min; "
              f"linear scaling of this run, not measured at 300)")


if __name__ == "__main__":
    main()
