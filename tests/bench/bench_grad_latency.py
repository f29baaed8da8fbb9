"""Benchmark: `derive grad` end to end on scalar functions, against `python -c "import sympy"`.

Run: python tests/bench/bench_grad_latency.py [--runs N]
Prints the median wall time and CPU time (user + system, of the child process) of each command
over N runs (interleaved, measured in one run) and the ratio of the wall time to importing SymPy.
Target (DESIGN.md): a scalar function in <= 3 s (median wall time). On a machine shared with other
work the wall time grows with the load; the CPU time does not, so both are shown. Every step of
every derivation is proved live (derive grad has no certificates).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time

GRAD = [sys.executable, "-m", "derive", "grad"]
COMMANDS = {
    "import sympy": [sys.executable, "-c", "import sympy"],
    "grad swish": GRAD + ["x*sigma(x)", "--wrt", "x"],
    "grad focal loss --latex": GRAD + ["-(1 - sigma(z))^2*log(sigma(z))", "--wrt", "z", "--latex"],
    "grad gaussian nll (m, r)": GRAD + ["r + (t - m)^2/(2*exp(2*r))", "--wrt", "m", "--wrt", "r"],
    "grad softplus (LaTeX in) --markdown": GRAD + [r"\log\left(1 + e^{x}\right)", "--wrt", "x", "--markdown"],
    "grad tanh/atan/relu mix": GRAD + ["tanh(2*x)*atan(x) + relu(x - 1)^2", "--wrt", "x"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    cpu: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.runs):
        for name, cmd in COMMANDS.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[name].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    base = statistics.median(times["import sympy"])
    print(f"{'command':40} {'wall s':>8} {'cpu s':>7} {'ratio':>7}")
    for name, values in times.items():
        med = statistics.median(values)
        print(f"{name:40} {med:8.3f} {statistics.median(cpu[name]):7.3f} {med / base:7.2f}x")
    grads = [statistics.median(v) for n, v in times.items() if n.startswith("grad")]
    worst = max(grads)
    print(f"\nslowest derive grad median = {worst:.2f} s (target <= 3 s): {'OK' if worst <= 3 else 'MISSED'}")


if __name__ == "__main__":
    main()
