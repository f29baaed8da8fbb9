"""Benchmark: `derive softmax --latex` end to end against `python -c "import sympy"`.

Run: python tests/bench/bench_cli.py [--runs N]
Prints the median wall time of each command over N runs (interleaved, measured in one run) and
the ratio to importing SymPy. Target (DESIGN.md): derive softmax --latex <= 2x import sympy.
`--reprove` (every proof run live, no certificates) is shown for reference.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "import sympy": [sys.executable, "-c", "import sympy"],
    "derive softmax --latex": [sys.executable, "-m", "derive", "softmax", "--latex"],
    "derive --help": [sys.executable, "-m", "derive", "--help"],
    "import numeric": [sys.executable, "-c", "import numeric"],
    "derive softmax --latex --reprove": [sys.executable, "-m", "derive", "softmax", "--latex", "--reprove"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for run in range(args.runs):
        for name, cmd in COMMANDS.items():
            if name.endswith("--reprove") and run >= 2:
                continue  # slow; two runs are enough to show it
            start = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - start)
    base = statistics.median(times["import sympy"])
    print(f"{'command':40} {'median s':>9} {'ratio':>7}")
    for name, values in times.items():
        med = statistics.median(values)
        print(f"{name:40} {med:9.3f} {med / base:7.2f}x")
    ratio = statistics.median(times["derive softmax --latex"]) / base
    print(f"\nderive softmax --latex / import sympy = {ratio:.2f} (target <= 2.0): {'OK' if ratio <= 2 else 'MISSED'}")


if __name__ == "__main__":
    main()
