r"""Verify derivations in a worker process that is killed when the derivation overruns its time.

The same machinery as :mod:`derive.answers.worker` (a forked child, SIGKILL on overrun, a fresh
child afterwards, targets resolved in the parent before forking), for whole derivations: the
child sends the verdict so far after each expression (``partial``) and the full verdict at the
end (``final``). Each line is bounded inside the child (``limits.timeout``, an alarm); the whole
derivation by the parent (``limits.derivation_timeout``): on overrun the expressions already
checked keep their verdicts and the rest is reported as not checked (``undecided``).
"""

from __future__ import annotations

import time
from multiprocessing.connection import Connection

from derive.answers.limits import DEFAULT_LIMITS, Limits
from derive.answers.verify import DerivationVerdict, FinalVerdict, summarize
from derive.answers.worker import Worker, run_single, serve_tasks


def _undecided(message: str) -> DerivationVerdict:
    return DerivationVerdict("undecided", message, None, (), FinalVerdict("undecided", message))


def _verify(text, target, syntax, limits, on_step) -> DerivationVerdict:
    from derive.answers.verify import verify_text

    return verify_text(text, target, syntax=syntax, limits=limits, on_step=on_step)


def _serve(conn: Connection) -> None:
    """The child's loop for derivations (:func:`~derive.answers.worker.serve_tasks` with
    ``derive verify``), reporting after each expression and at the end."""
    serve_tasks(conn, _verify, lambda message, method: _undecided(message))


def timed_out(partial: dict | None, limits: Limits) -> DerivationVerdict:
    """The verdict of a derivation stopped after ``limits.derivation_timeout`` seconds."""
    stop = f"stopped after {limits.derivation_timeout:g} s"
    if partial is None:
        return _undecided(f"the derivation was not checked: {stop}")
    known = DerivationVerdict.from_dict(partial)
    final = FinalVerdict("undecided", f"{stop}: the expressions after {len(known.steps)} were not checked")
    outcome, message, first_error = summarize(known.steps, final)
    return DerivationVerdict(outcome, message, first_error, known.steps, final, known.format)


class VerifyWorker(Worker):
    """A :class:`~derive.answers.worker.Worker` whose tasks are derivations."""

    child_loop = staticmethod(_serve)

    def submit(self, tag, text: str, key, syntax: str, limits: Limits) -> None:
        self.task = (tag, limits)
        self.partial = None
        self.deadline = time.monotonic() + limits.derivation_timeout
        self.conn.send((tag, text, key, syntax, limits))

    def collect(self) -> tuple[object, DerivationVerdict] | None:
        try:
            while self.conn.poll():
                tag, kind, verdict = self.conn.recv()
                if kind == "partial":
                    self.partial = verdict
                else:
                    self.task = None
                    return tag, DerivationVerdict.from_dict(verdict)
        except (EOFError, OSError):
            return self.kill_overrun(reason="the checking process died")
        return None

    def kill_overrun(self, reason: str | None = None) -> tuple[object, DerivationVerdict]:
        tag, limits = self.task
        partial = self.partial
        self._kill()
        self._start()
        self.task = None
        if reason:
            return tag, _undecided(reason)
        return tag, timed_out(partial, limits)


def run_verify(text: str, key, *, syntax: str = "auto", limits: Limits = DEFAULT_LIMITS) -> DerivationVerdict:
    """Verify one derivation in a fresh worker under the time limits."""
    return run_single(VerifyWorker(), text, key, syntax, limits)
