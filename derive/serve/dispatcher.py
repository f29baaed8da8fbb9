r"""The dispatcher process: builds every topic once, forks the workers, runs tasks in them.

Started by :class:`derive.serve.pool.Pool` as ``python -m derive.serve.dispatcher SETTINGS_JSON``.
It is single-threaded (so forking workers is safe) and speaks JSON lines:

* stdin: ``{"id": N, "kind": "check"|"verify"|"preview"|"topic", "payload": {...}}`` or
  ``{"id": N, "kind": "stats"}``; end of input shuts it down.
* stdout: first ``{"ready": true, "results": [...], "pid": P}``, then
  ``{"id": N, "outcome": {...}}`` per task (``{"ok": true, "value": ...}`` or
  ``{"ok": false, "error": CODE, "message": ...}``), in the order tasks finish.

Tasks wait in a FIFO queue (the app bounds its length) and go to the first idle worker; one that
waits longer than ``max_wait`` seconds is answered ``busy`` (the app's 503), so that an accepted
answer is never held up by others for longer than that (a /grade item is ``patient``: it
waits). A task that
overruns its seconds gets its worker killed and replaced (a check then has the verdict known so
far, else ``undecided``); a worker that dies mid-task yields ``worker_lost`` for that task only.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import deque
from multiprocessing.connection import wait

from derive.answers.limits import Limits


class Dispatcher:
    def __init__(self, settings: dict, out_fd: int):
        from derive.serve.workers import ServeWorker

        self.limits = Limits(**settings["limits"])
        self.seconds = {"check": self.limits.timeout, "verify": self.limits.derivation_timeout,
                        "preview": min(self.limits.timeout, settings["preview_timeout"]),
                        "topic": settings["topic_timeout"]}
        self.max_tasks = settings["max_tasks_per_worker"]
        self.max_wait = settings["max_wait"]
        self.demote_after = settings["demote_after"]
        self.out_fd = out_fd
        self.queue: deque = deque()
        self.restarts = 0
        self.finished = 0
        self.workers = [ServeWorker() for _ in range(max(1, settings["workers"]))]

    def send(self, message: dict) -> None:
        data = (json.dumps(message, ensure_ascii=False) + "\n").encode()
        view = memoryview(data)
        while view:
            n = os.write(self.out_fd, view)
            view = view[n:]

    def stats(self) -> dict:
        return {"workers": len(self.workers), "alive": sum(w.proc.is_alive() for w in self.workers),
                "busy": sum(w.busy for w in self.workers), "queued": len(self.queue),
                "restarts": self.restarts, "finished": self.finished, "worker_pids": [w.pid for w in self.workers]}

    def take(self, line: bytes) -> None:
        """One request line from the app."""
        try:
            task = json.loads(line)
            tid, kind = task["id"], task["kind"]
        except (ValueError, KeyError, TypeError):
            return  # the app never sends this; nothing to answer
        if kind == "stats":
            self.send({"id": tid, "outcome": {"ok": True, "value": self.stats()}})
        elif kind in self.seconds:
            wait_limit = None if task.get("patient") else time.monotonic() + self.max_wait
            self.queue.append((tid, kind, task.get("payload") or {}, wait_limit))
        else:
            self.send({"id": tid, "outcome": {"ok": False, "error": "internal", "message": f"unknown kind {kind}"}})

    def assign(self) -> None:
        for w in self.workers:
            if not self.queue:
                return
            if w.busy:
                continue
            if w.ensure_alive():
                self.restarts += 1
            tid, kind, payload, _ = self.queue.popleft()
            try:
                w.submit(tid, kind, payload, self.limits, self.seconds[kind])
            except (OSError, BrokenPipeError):  # died between the check and the send
                self.finish(*w.kill_overrun(died=True))
                self.restarts += 1

    def shed(self) -> float | None:
        """Answer 'busy' for tasks that waited longer than ``max_wait``; the next such deadline."""
        now, soonest, kept = time.monotonic(), None, deque()
        for task in self.queue:
            limit = task[3]
            if limit is not None and limit <= now:
                self.finish(task[0], {"ok": False, "error": "busy",
                                      "message": f"no worker was free within {self.max_wait:g} s"})
            else:
                kept.append(task)
                if limit is not None and (soonest is None or limit < soonest):
                    soonest = limit
        self.queue = kept
        return soonest

    def finish(self, tid, outcome: dict) -> None:
        self.finished += 1
        self.send({"id": tid, "outcome": outcome})

    def demote(self) -> float | None:
        """Lower the CPU priority of checks running longer than ``demote_after`` seconds (answers
        on their way to the time limit), so that the ordinary ones keep the cores; such a worker
        is replaced by a fresh one (normal priority) when its task ends. The next time to look."""
        now, soonest = time.monotonic(), None
        for w in self.workers:
            if not w.busy or w.demoted:
                continue
            at = w.started + self.demote_after
            if at <= now:
                try:
                    os.setpriority(os.PRIO_PROCESS, w.pid, 19)
                    w.demoted = True
                except OSError:
                    pass
            elif soonest is None or at < soonest:
                soonest = at
        return soonest

    def harvest(self) -> None:
        now = time.monotonic()
        for w in self.workers:
            if not w.busy:
                if w.ensure_alive():  # an idle worker killed from outside: replaced at once
                    self.restarts += 1
                continue
            done = w.collect()
            if done is None and not w.proc.is_alive() and not w.conn.poll():
                done = w.kill_overrun(died=True)
                self.restarts += 1
            elif done is None and now >= w.deadline:
                done = w.kill_overrun()
                self.restarts += 1
            if done is not None:
                self.finish(*done)
                if w.demoted or w.done >= self.max_tasks:
                    w.recycle()

    def run(self, in_fd: int) -> None:
        buffer = b""
        while True:
            self.assign()
            busy = [w for w in self.workers if w.busy]
            deadlines = [w.deadline for w in busy]
            demote_at = self.demote() if busy else None
            deadlines += [demote_at] if demote_at is not None else []
            if self.queue:
                soonest = self.shed()
                deadlines += [soonest] if soonest is not None else []
            timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
            ready = wait([in_fd] + [w.conn for w in busy] + [w.proc.sentinel for w in self.workers], timeout=timeout)
            if in_fd in ready:
                data = os.read(in_fd, 1 << 16)
                if not data:
                    return
                buffer += data
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    if line.strip():
                        self.take(line)
            self.harvest()

    def close(self) -> None:
        for w in self.workers:
            w.close()


def warm_up() -> None:
    """Check two answers here, so that the workers inherit SymPy's warm caches and imports."""
    from derive.answers.checker import check_answer
    from derive.answers.targets import TargetError, target_for_result

    for answer, result_id in (("sigma(x)(1-sigma(x))", "sigmoid.derivative"), ("y_i - t_i", "softmax.ce_gradient")):
        try:
            check_answer(answer, target_for_result(result_id))
        except TargetError:  # a topic was renamed: warming up is only an optimisation
            pass


def main(argv: list[str]) -> None:
    settings = json.loads(argv[0])
    out_fd = os.dup(1)
    os.dup2(2, 1)  # anything printed by a library goes to stderr, never into the protocol
    from derive.serve.tasks import catalogue

    results = catalogue()  # builds every topic and target here, before the workers are forked
    warm_up()
    from derive.serve import workers

    workers.CLOSE_IN_CHILD[:] = [sys.stdin.fileno(), out_fd]
    dispatcher = Dispatcher(settings, out_fd)
    dispatcher.send({"ready": True, "results": results, "pid": os.getpid()})
    try:
        dispatcher.run(sys.stdin.fileno())
    except KeyboardInterrupt:
        pass
    finally:
        dispatcher.close()


if __name__ == "__main__":
    main(sys.argv[1:])
