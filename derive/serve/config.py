"""Settings of one ``derive serve`` instance (all bounds on untrusted input live here)."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field

from derive.answers.limits import Limits


def default_workers() -> int:
    """Checking processes: one per core plus two, so that up to two answers running into their
    time limit do not hold up the queue (the kernel shares the cores between them)."""
    return (os.cpu_count() or 1) + 2


@dataclass(frozen=True)
class ServeConfig:
    #: Checking processes (forked by the dispatcher).
    workers: int = field(default_factory=default_workers)
    #: Tasks that may wait for a worker beyond those running; more gets 503 + Retry-After.
    queue_size: int = 64
    #: Seconds a task may wait for a worker before it is answered 503 (None: half the time limit,
    #: so that answers running into their limit never hold up an accepted one for longer than that).
    max_wait: float | None = None
    #: Seconds after which a running check gets the lowest CPU priority (it is on its way to the
    #: time limit; ordinary checks take a fraction of a second). None: a quarter of the time limit.
    demote_after: float | None = None
    #: Limits of each answer (length, tree size, exponent, seconds per check, memory).
    limits: Limits = Limits()
    #: Seconds for rendering a topic (a build may prove its steps live).
    topic_timeout: float = 120.0
    #: Seconds for the live preview of an answer (parse only).
    preview_timeout: float = 2.0
    #: A worker is replaced after this many tasks (keeps memory flat).
    max_tasks_per_worker: int = 500
    #: Largest request body (bytes) of /check, /verify and /preview; of /grade.
    max_body: int = 32 * 1024
    max_grade_body: int = 2 * 1024 * 1024
    #: Answers in one /grade request, and /grade requests at a time.
    max_grade_items: int = 2000
    max_grade_batches: int = 2
    #: Verdicts remembered (same text, question and syntax -> same verdict); 0 turns it off.
    cache_size: int = 4096
    #: Bearer token that /grade requires (None: no token).
    token: str | None = None

    def capacity(self) -> int:
        return self.workers + self.queue_size

    def dispatcher_settings(self) -> dict:
        """What the dispatcher process needs (JSON-serialisable)."""
        return {"workers": self.workers, "max_tasks_per_worker": self.max_tasks_per_worker,
                "limits": asdict(self.limits), "topic_timeout": self.topic_timeout,
                "preview_timeout": self.preview_timeout,
                "max_wait": self.limits.timeout / 2 if self.max_wait is None else self.max_wait,
                "demote_after": self.limits.timeout / 4 if self.demote_after is None else self.demote_after}
