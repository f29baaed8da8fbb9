r"""A checking process for the service: any task of :mod:`derive.serve.tasks`, killed at its limit.

The machinery of :class:`derive.answers.worker.Worker` (forked child, pipe, SIGKILL on overrun,
fresh child afterwards), with tasks ``(tag, kind, payload, limits, seconds)``. The child sends
``(tag, "partial", dict)`` for a provisional verdict and ``(tag, "final", outcome)``, where an
outcome is ``{"ok": True, "value": ...}`` or ``{"ok": False, "error": CODE, "message": ...}``.
"""

from __future__ import annotations

import os
import signal
import time
from multiprocessing.connection import Connection

from derive.answers.limits import Limits
from derive.answers.worker import _MP, Worker, _limit_memory, timed_out


#: File descriptors of the dispatcher that a child must not keep open (its stdin and the pipe to
#: the app: an orphaned child holding them would keep the app from seeing the dispatcher's end).
CLOSE_IN_CHILD: list[int] = []


def _die_with_parent(parent: int) -> None:
    """Be killed when the dispatcher dies (Linux PR_SET_PDEATHSIG), and drop its descriptors."""
    for fd in CLOSE_IN_CHILD:
        try:
            os.close(fd)
        except OSError:
            pass
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the pipe's end still stops an idle child
        pass
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(0)


def _serve(conn: Connection, parent: int) -> None:
    """The child's loop: run each task, report partial values and the outcome."""
    from derive.serve.tasks import TASKS, KeyProblem

    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the dispatcher handles shutdown
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    memory_set = False
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        tag, kind, payload, limits, _ = task
        if not memory_set:
            _limit_memory(limits.max_memory_mb)
            memory_set = True
        try:
            outcome = {"ok": True, "value": TASKS[kind](payload, limits,
                                                         lambda d: conn.send((tag, "partial", d)))}
        except KeyProblem as exc:
            outcome = {"ok": False, "error": "bad_question", "message": str(exc)}
        except MemoryError:
            outcome = {"ok": True, "value": {"verdict": "undecided", "message": f"the check needed more than "
                       f"{limits.max_memory_mb} MiB", "parsed": None, "counterexample": None,
                       "diagnosis": None, "method": "limits"}} if kind == "check" else \
                {"ok": False, "error": "limit", "message": f"needed more than {limits.max_memory_mb} MiB"}
        except Exception as exc:  # a bug must not take the worker down
            outcome = {"ok": False, "error": "internal", "message": f"{type(exc).__name__}: {exc}"}
        conn.send((tag, "final", outcome))


class ServeWorker(Worker):
    """A :class:`~derive.answers.worker.Worker` for the tasks of the service."""

    def __init__(self):
        super().__init__()
        self.done = 0  # tasks finished by the current child

    def _start(self) -> None:
        parent, child = _MP.Pipe()
        self.proc = _MP.Process(target=_serve, args=(child, os.getpid()), daemon=True)
        self.proc.start()
        child.close()
        self.conn = parent
        self.done = 0
        self.demoted = False  # a fresh child runs at the dispatcher's priority

    @property
    def pid(self) -> int:
        return self.proc.pid

    def submit(self, tag, kind: str, payload: dict, limits: Limits, seconds: float) -> None:
        self.task = (tag, kind, limits, seconds)
        self.partial = None
        self.started = time.monotonic()
        self.deadline = self.started + seconds
        self.conn.send((tag, kind, payload, limits, seconds))

    def collect(self) -> tuple[object, dict] | None:
        """Read what the child sent; ``(tag, outcome)`` once the task is finished."""
        try:
            while self.conn.poll():
                tag, what, data = self.conn.recv()
                if what == "partial":
                    self.partial = data
                else:
                    self.task = None
                    self.done += 1
                    return tag, data
        except (EOFError, OSError):  # the child died
            return self.kill_overrun(died=True)
        return None

    def kill_overrun(self, died: bool = False) -> tuple[object, dict]:
        """Kill the child of the current task, start a new one, and give the task's outcome."""
        tag, kind, limits, seconds = self.task
        partial = self.partial
        self._kill()
        self._start()
        self.task = None
        if died:
            return tag, {"ok": False, "error": "worker_lost",
                         "message": "the process checking this request died; send it again"}
        if kind == "check":
            return tag, {"ok": True, "value": timed_out(partial, limits).to_dict()}
        if kind == "verify":
            from derive.answers.verify_worker import timed_out as derivation_timed_out

            return tag, {"ok": True, "value": derivation_timed_out(partial, limits).to_dict()}
        return tag, {"ok": False, "error": "timeout", "message": f"not finished within {seconds:g} s"}

    def ensure_alive(self) -> bool:
        """Replace an idle child that died (killed from outside); True if it had to."""
        if self.proc.is_alive():
            return False
        self._kill()
        self._start()
        return True

    def recycle(self) -> None:
        """Replace the child by a fresh one (after many tasks)."""
        self.close()
        self._start()
