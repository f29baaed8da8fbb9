r"""Check answers in a worker process that is killed when it overruns its time.

A :class:`Worker` is a forked child that receives ``(answer, target key, syntax, limits)``
tasks over a pipe and sends back ``("partial", verdict)`` (as soon as the numeric comparison has
decided) and ``("final", verdict)``. The parent enforces ``limits.timeout``: on overrun it kills
the child (SIGKILL, so even a C-level loop in SymPy/mpmath stops), starts a fresh one and
returns the partial verdict if there is one, else ``undecided``.

Targets are resolved (topics built and proved) in the parent *before* forking, so children
inherit them and a restart is cheap. The parent must be single-threaded when it forks.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
from multiprocessing.connection import Connection, wait

from derive.answers.checker import Verdict
from derive.answers.limits import DEFAULT_LIMITS, Limits

_MP = mp.get_context("fork")


def _limit_memory(extra_mb: int) -> None:
    """Cap the address space at the inherited size plus ``extra_mb`` (a runaway answer then fails
    with MemoryError instead of swapping the machine)."""
    if extra_mb <= 0:
        return
    try:
        import resource

        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[0])
        current = pages * os.sysconf("SC_PAGE_SIZE")
        cap = current + extra_mb * 2**20
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (OSError, ValueError, ImportError):  # not Linux, or not allowed: the time limit still holds
        pass


def serve_tasks(conn: Connection, run, undecided) -> None:
    """The child's loop: for each task ``(tag, text, key, syntax, limits)`` send the partial
    verdicts of ``run(text, target, syntax, limits, on_partial)`` and its final verdict (both as
    dicts). A MemoryError or a bug becomes ``undecided(message)``, never a dead batch."""
    from derive.answers.targets import resolve

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    memory_set = False
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        tag, text, key, syntax, limits = task
        if not memory_set:
            _limit_memory(limits.max_memory_mb)
            memory_set = True
        try:
            verdict = run(text, resolve(key), syntax, limits, lambda v: conn.send((tag, "partial", v.to_dict())))
        except MemoryError:
            verdict = undecided(f"the check needed more than {limits.max_memory_mb} MiB", "limits")
        except Exception as exc:  # a bug must not take the batch down: report it as undecided
            verdict = undecided(f"internal error while checking: {type(exc).__name__}: {exc}", "error")
        conn.send((tag, "final", verdict.to_dict()))


def _check(text, target, syntax, limits, on_partial) -> Verdict:
    from derive.answers.checker import check_answer

    return check_answer(text, target, syntax=syntax, limits=limits, on_partial=on_partial)


def _serve(conn: Connection) -> None:
    """The child's loop for answers (:func:`serve_tasks` with ``derive check``)."""
    serve_tasks(conn, _check, lambda message, method: Verdict("undecided", message, method=method))


def timed_out(partial: dict | None, limits: Limits) -> Verdict:
    """The verdict of an answer whose check overran ``limits.timeout``."""
    if partial is not None:
        v = Verdict(**partial)
        note = f" (stopped after {limits.timeout:g} s"
        if v.verdict == "not_equivalent":
            return Verdict(v.verdict, v.message + note + "; no diagnosis)", v.parsed, v.counterexample, None, v.method)
        return Verdict(v.verdict, v.message.replace(" (the symbolic check did not finish in time)", "") + note
                       + " before the symbolic check finished)", v.parsed, None, None, "numeric")
    return Verdict("undecided", f"the check did not finish within {limits.timeout:g} s", method="timeout")


class Worker:
    """One child process; :meth:`submit` a task, then :meth:`collect` or wait on :attr:`conn`."""

    #: The child's loop (a subclass with other tasks sets its own).
    child_loop = staticmethod(_serve)

    def __init__(self):
        self.proc = None
        self.conn: Connection | None = None
        self.task = None
        self.deadline = 0.0
        self.partial: dict | None = None
        self._start()

    def _start(self) -> None:
        parent, child = _MP.Pipe()
        self.proc = _MP.Process(target=self.child_loop, args=(child,), daemon=True)
        self.proc.start()
        child.close()
        self.conn = parent

    @property
    def busy(self) -> bool:
        return self.task is not None

    def submit(self, tag, text: str, key, syntax: str, limits: Limits) -> None:
        self.task = (tag, limits)
        self.partial = None
        self.deadline = time.monotonic() + limits.timeout
        self.conn.send((tag, text, key, syntax, limits))

    def collect(self) -> tuple[object, Verdict] | None:
        """Read what the child sent; returns ``(tag, verdict)`` once the task is finished."""
        try:
            while self.conn.poll():
                tag, kind, verdict = self.conn.recv()
                if kind == "partial":
                    self.partial = verdict
                else:
                    self.task = None
                    return tag, Verdict(**verdict)
        except (EOFError, OSError):  # the child died (e.g. out of memory)
            return self.kill_overrun(reason="the checking process died")
        return None

    def kill_overrun(self, reason: str | None = None) -> tuple[object, Verdict]:
        """Kill the child for the current task, start a new one, and give the task's verdict."""
        tag, limits = self.task
        self._kill()
        self._start()
        self.task = None
        if reason:
            return tag, Verdict("undecided", reason, method="error")
        return tag, timed_out(self.partial, limits)

    def _kill(self) -> None:
        try:
            os.kill(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.join(timeout=5)
        self.conn.close()

    def close(self) -> None:
        try:
            self.conn.send(None)
            self.proc.join(timeout=1)
        except (OSError, BrokenPipeError):
            pass
        if self.proc.is_alive():
            self._kill()


def run_single(worker: "Worker", text: str, key, syntax: str, limits: Limits):
    """Run one task in ``worker`` (fresh) until it answers, overruns or dies; then close it."""
    try:
        worker.submit(0, text, key, syntax, limits)
        while True:
            remaining = worker.deadline - time.monotonic()
            if remaining <= 0:
                return worker.kill_overrun()[1]
            wait([worker.conn, worker.proc.sentinel], timeout=remaining)
            done = worker.collect()
            if done is not None:
                return done[1]
            if not worker.proc.is_alive() and not worker.conn.poll():
                return worker.kill_overrun(reason="the checking process died")[1]
    finally:
        worker.close()


def run_one(text: str, key, *, syntax: str = "auto", limits: Limits = DEFAULT_LIMITS) -> Verdict:
    """Check a single answer in a fresh worker with the time limit."""
    return run_single(Worker(), text, key, syntax, limits)
