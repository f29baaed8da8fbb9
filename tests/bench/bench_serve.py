"""Load test of ``derive serve`` on 127.0.0.1 (bounded in time; stops by itself).

Run: python tests/bench/bench_serve.py [--clients 200] [--duration 60] [--goal-clients 50] [--goal-duration 20]

Starts ``derive serve`` in a subprocess on a free loopback port, then:

1. mix: ``--clients`` concurrent keep-alive clients for ``--duration`` s; two of them send slow
   answers (checks that run into the server's time limit), one in ten requests of the others is
   hostile (too long, too deep, huge numbers, code, oversized or malformed bodies, unknown
   question), the rest are ordinary answers (right and wrong, made unique so no cache helps).
   Halfway through, one checking process is killed (SIGKILL). Every request carries an id that the
   response must echo: nothing may be lost or duplicated, each ordinary verdict must be the right
   one, and the only 5xx allowed is the documented 503 (full queue, Retry-After; or the request
   whose worker was killed). Prints p50/p99 latency and throughput per kind, the server's memory
   (RSS of all its processes) over time, and whether any ordinary answer waited longer than the
   time limit.
2. goal: ``--goal-clients`` clients sending ordinary answers only: throughput and p99, against
   the goal of >= 100 checks/s with p99 < 1 s.

The clients share the machine's cores with the server: on a 2-core machine that is a real cost,
and so is anything else running at the time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

ORDINARY = [  # (result id, answer with {n} for a term that cancels, expected verdict)
    ("sigmoid.derivative", "sigma(x)(1-sigma(x)) + {n} - {n}", "equivalent"),
    ("sigmoid.derivative", r"\frac{e^{-x}}{(1+e^{-x})^2} + {n} - {n}", "equivalent"),
    ("sigmoid.derivative", "sigma(x) sigma(-x) + {n} - {n}", "equivalent"),
    ("sigmoid.derivative", "-sigma(x)(1-sigma(x)) + {n} - {n}", "not_equivalent"),
    ("sigmoid.derivative", "2 sigma(x)(1 - sigma(x)) + {n} - {n}", "not_equivalent"),
    ("sigmoid.tanh_derivative", "1 - tanh(x)^2 + {n} - {n}", "equivalent"),
    ("softmax.jacobian", "y_i(delta_ij - y_j) + {n} - {n}", "equivalent"),
    ("softmax.jacobian", "-y_i y_j + {n} - {n}", "not_equivalent"),
    ("softmax.ce_gradient", "y_i - t_i + {n} - {n}", "equivalent"),
    ("softmax.ce_gradient", "t_i - y_i + {n} - {n}", "not_equivalent"),
]
SLOW = "sigma(x)(1-sigma(x)) + (sigma(x)+1)^100 - (sigma(x)^2+2sigma(x)+1)^50 + {n} - {n}"
HOSTILE = [  # (name, body bytes or a dict, expected status)
    ("too long", {"answer": "x+" * 1200, "against": "sigmoid.derivative"}, 200),
    ("too deep", {"answer": "(" * 200 + "x" + ")" * 200, "against": "sigmoid.derivative"}, 200),
    ("huge power", {"answer": "9^9^9^9", "against": "sigmoid.derivative"}, 200),
    ("code", {"answer": "__import__('os').system('id')", "against": "sigmoid.derivative"}, 200),
    ("oversized body", {"answer": "x" * 40000, "against": "sigmoid.derivative"}, 413),
    ("not json", b"{answer: x", 422),
    ("unknown question", {"answer": "x", "against": "no.such.result"}, 422),
    ("unreadable", {"answer": "sigma(x", "against": "sigmoid.derivative"}, 200),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_rss_mb(pid: int) -> float:
    """RSS of ``pid`` and all its descendants (MiB)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return total / 1024


def children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


class Connection:
    """A minimal HTTP/1.1 keep-alive client (the bench must not cost more CPU than needed)."""

    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None

    async def request(self, path: str, body: bytes) -> tuple[int, dict, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        self.writer.write(head + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("closed")
        status = int(status_line.split()[1])
        headers = {}
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            k, _, v = line.decode().partition(":")
            headers[k.strip().lower()] = v.strip()
        data = await self.reader.readexactly(int(headers.get("content-length", 0)))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, data

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class Stats:
    def __init__(self):
        self.latency = defaultdict(list)  # kind -> seconds (responses with status 200 / expected)
        self.in_server = defaultdict(list)  # kind -> seconds the server says it spent (Server-Timing)
        self.status = defaultdict(Counter)
        self.sent = 0
        self.ids_back: Counter = Counter()
        self.wrong = []
        self.errors = Counter()
        self.worker_lost = 0


async def client(port: int, kind: str, deadline: float, stats: Stats, seq, rng: random.Random, timeout: float):
    conn = Connection(port)
    while time.monotonic() < deadline:
        n = next(seq)
        rid = f"r{n}"
        expect_status, expect_verdict, path = 200, None, "/check"
        if kind == "slow":
            body = json.dumps({"answer": SLOW.replace("{n}", str(n)), "against": "sigmoid.derivative",
                               "id": rid}).encode()
            what = "slow"
        elif kind == "cached":  # the same answer again: the service's verdict cache answers
            body = json.dumps({"answer": "sigma(x)(1-sigma(x))", "against": "sigmoid.derivative", "id": rid}).encode()
            what, expect_verdict = "ordinary", "equivalent"
        elif kind == "mixed" and rng.random() < 0.1:
            name, payload, expect_status = rng.choice(HOSTILE)
            body = payload if isinstance(payload, bytes) else json.dumps({**payload, "id": rid}).encode()
            what = "hostile"
        else:
            result_id, template, expect_verdict = rng.choice(ORDINARY)
            body = json.dumps({"answer": template.replace("{n}", str(n)), "against": result_id, "id": rid}).encode()
            what = "ordinary"
        t0 = time.monotonic()
        stats.sent += 1
        try:
            status, headers, data = await conn.request(path, body)
        except (ConnectionError, asyncio.IncompleteReadError, OSError) as exc:
            stats.errors[f"{what}: {type(exc).__name__}"] += 1
            conn.close()
            continue
        took = time.monotonic() - t0
        stats.status[what][status] += 1
        reply = json.loads(data) if data else {}
        if status == 503:
            stats.worker_lost += reply.get("error") == "worker_lost"
            stats.ids_back[rid] += 1  # answered (refused), not lost
            await asyncio.sleep(min(1.0, float(headers.get("retry-after", 1))))
            continue
        if isinstance(body, bytes) and what == "hostile" and status != 200:
            stats.ids_back[rid] += 1  # 413/422 do not echo an id (the body was not read)
        elif reply.get("id") is not None:
            stats.ids_back[reply["id"]] += 1
            if reply["id"] != rid:
                stats.wrong.append(f"{rid}: got the response of {reply['id']}")
        if status != expect_status:
            stats.wrong.append(f"{what} {rid}: status {status}, expected {expect_status}: {data[:120]!r}")
        elif expect_verdict is not None and reply.get("verdict") != expect_verdict:
            stats.wrong.append(f"{rid}: verdict {reply.get('verdict')}, expected {expect_verdict}")
        stats.latency[what].append(took)
        timing = headers.get("server-timing", "")
        if "dur=" in timing:
            stats.in_server[what].append(float(timing.split("dur=")[1].split(";")[0]) / 1000)
    conn.close()


def pct(values, q):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def run_phase(port: int, server_pid: int, clients: int, slow: int, duration: float, timeout: float,
                    kill_at: float | None, mixed: bool | str) -> tuple[Stats, list, float]:
    stats = Stats()
    seq = iter(range(10**12))
    rng = random.Random(1)
    deadline = time.monotonic() + duration
    memory = []
    killed = []

    async def monitor():
        t0 = time.monotonic()
        while time.monotonic() < deadline:
            memory.append((time.monotonic() - t0, tree_rss_mb(server_pid)))
            if kill_at is not None and not killed and time.monotonic() - t0 >= kill_at:
                dispatcher = children(server_pid)
                workers = [w for d in dispatcher for w in children(d)]
                if workers:
                    victim = rng.choice(workers)
                    os.kill(victim, signal.SIGKILL)
                    killed.append(victim)
            await asyncio.sleep(1.0)

    kinds = ["slow"] * slow + [mixed if isinstance(mixed, str) else "mixed" if mixed else "ordinary"] * (clients - slow)
    t0 = time.monotonic()
    await asyncio.gather(monitor(), *(client(port, k, deadline, stats, seq, random.Random(n), timeout)
                                      for n, k in enumerate(kinds)))
    return stats, memory, time.monotonic() - t0, killed


def report(title: str, stats: Stats, memory, elapsed: float, timeout: float, killed) -> dict:
    print(f"\n== {title}")
    received = sum(stats.ids_back.values())
    dup = [i for i, c in stats.ids_back.items() if c > 1]
    print(f"requests sent {stats.sent}, answered {received}, transport errors {sum(stats.errors.values())}"
          f" {dict(stats.errors) or ''}, duplicated ids {len(dup)}")
    print("| kind | responses | status counts | p50 ms | p99 ms | max ms | per s |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: |")
    for what in ("ordinary", "hostile", "slow"):
        lat = stats.latency.get(what, [])
        if not stats.status.get(what):
            continue
        codes = ", ".join(f"{k}: {v}" for k, v in sorted(stats.status[what].items()))
        print(f"| {what} | {sum(stats.status[what].values())} | {codes} | {1000 * pct(lat, 0.5):.0f} | "
              f"{1000 * pct(lat, 0.99):.0f} | {1000 * max(lat, default=float('nan')):.0f} | {len(lat) / elapsed:.1f} |")
    five = sum(v for s in stats.status.values() for k, v in s.items() if k >= 500 and k != 503)
    print(f"5xx other than 503: {five}; 503 worker_lost: {stats.worker_lost}; killed workers: {killed}")
    print(f"wrong answers or statuses: {len(stats.wrong)}" + (f" e.g. {stats.wrong[:3]}" if stats.wrong else ""))
    slowest = max(stats.latency.get("ordinary", []), default=0.0)
    served = max(stats.in_server.get("ordinary", []), default=0.0)
    print(f"slowest ordinary answer: {slowest:.2f} s at the client, {served:.2f} s in the server (Server-Timing; "
          f"time limit {timeout:g} s): {'within' if slowest <= timeout else 'BEYOND'} the limit at the client, "
          f"{'within' if served <= timeout else 'BEYOND'} in the server")
    if memory:
        first = statistics.mean(m for _, m in memory[:5])
        last = statistics.mean(m for _, m in memory[-5:])
        print(f"server RSS (all processes): first 5 s {first:.0f} MiB, last 5 s {last:.0f} MiB, "
              f"max {max(m for _, m in memory):.0f} MiB")
    ok = not dup and received == stats.sent - sum(stats.errors.values()) and five == 0 and not stats.wrong \
        and not stats.errors
    print("result:", "PASS" if ok else "FAIL")
    lat = stats.latency.get("ordinary", [])
    return {"ok": ok, "rate": len(lat) / elapsed, "p99": pct(lat, 0.99), "p50": pct(lat, 0.5)}


def baseline(seconds: float) -> float:
    """Checks per second of ``check_answer`` called directly in this process (one core), on the same
    ordinary answers: the named baseline the service's throughput is a ratio of."""
    from derive.answers.checker import check_answer
    from derive.answers.targets import target_for_result

    rng = random.Random(2)
    for result_id, _, _ in ORDINARY:
        target_for_result(result_id)
    check_answer("sigma(x)(1-sigma(x))", target_for_result("sigmoid.derivative"))  # warm, as the server is
    n, t0 = 0, time.monotonic()
    while time.monotonic() - t0 < seconds:
        result_id, template, expected = rng.choice(ORDINARY)
        v = check_answer(template.replace("{n}", str(n + 1)), target_for_result(result_id))
        assert v.verdict == expected, (template, v)
        n += 1
    return n / (time.monotonic() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--slow-clients", type=int, default=2)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--goal-clients", type=int, default=50)
    parser.add_argument("--goal-duration", type=float, default=20)
    parser.add_argument("--timeout", type=float, default=3.0, help="the server's time limit per check")
    parser.add_argument("--workers", type=int, default=0, help="the server's --workers (0: its default)")
    args = parser.parse_args()

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "derive", "serve", "--port", str(port), "--timeout", str(args.timeout),
           "--log-level", "warning"] + (["--workers", str(args.workers)] if args.workers else [])
    server = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    try:
        import urllib.request

        t0 = time.monotonic()
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    health = json.loads(r.read())
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() - t0 > 300:
                    raise SystemExit("derive serve did not start")
                time.sleep(0.5)
        print(f"derive serve ready in {time.monotonic() - t0:.1f} s: {health['workers']} workers, "
              f"capacity {health['capacity']}, time limit {args.timeout:g} s; {os.cpu_count()} cores, "
              f"load average before: {os.getloadavg()[0]:.2f}")
        stats, memory, elapsed, killed = asyncio.run(run_phase(port, server.pid, args.clients, args.slow_clients,
                                                               args.duration, args.timeout, args.duration / 2, True))
        mix = report(f"mix: {args.clients} clients ({args.slow_clients} slow), {args.duration:g} s", stats, memory,
                     elapsed, args.timeout, killed)
        base = baseline(args.goal_duration)
        print(f"\nbaseline: check_answer in this process (one core, no HTTP, no time limit): {base:.1f} checks/s")
        stats, memory, elapsed, killed = asyncio.run(run_phase(port, server.pid, args.goal_clients, 0,
                                                               args.goal_duration, args.timeout, None, False))
        goal = report(f"goal: {args.goal_clients} clients, ordinary answers only, {args.goal_duration:g} s", stats,
                      memory, elapsed, args.timeout, killed)
        print(f"\ngoal >= 100 checks/s with p99 < 1 s at {args.goal_clients} clients: {goal['rate']:.1f} checks/s, "
              f"p50 {1000 * goal['p50']:.0f} ms, p99 {1000 * goal['p99']:.0f} ms "
              f"({'met' if goal['rate'] >= 100 and goal['p99'] < 1 else 'not met'} on this machine); "
              f"ratio service/in-process baseline: {goal['rate'] / base:.2f} (the ideal is the number of free cores; "
              f"load average now {os.getloadavg()[0]:.2f})")
        stats, memory, elapsed, killed = asyncio.run(run_phase(port, server.pid, args.goal_clients, 0, 5, args.timeout,
                                                               None, "cached"))
        http = report(f"HTTP ceiling: {args.goal_clients} clients, one answer repeated (verdict cache), 5 s", stats,
                      memory, elapsed, args.timeout, killed)
        print(f"\nHTTP layer without checking: {http['rate']:.0f} requests/s "
              f"(= {http['rate'] / goal['rate']:.1f}x the checking throughput: the checks, not HTTP, are the limit)")
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    sys.exit(0 if mix["ok"] and goal["ok"] else 1)


if __name__ == "__main__":
    main()
