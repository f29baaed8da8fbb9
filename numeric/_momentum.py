"""SGD with (Nesterov) momentum as in scikit-learn's ``MLPClassifier(solver="sgd")``.

Per minibatch with gradient $g$ and step $\\eta$ from the schedule (:mod:`numeric._schedules`):
velocity $u \\leftarrow \\mu u - \\eta g$, then $\\theta \\leftarrow \\theta + u$, or with Nesterov's
momentum $\\theta \\leftarrow \\theta + \\mu u - \\eta g$. With $\\mu = 0$ this is the lecture's
SGD, which numeric runs on its own faster path (no velocity arrays).
"""

from __future__ import annotations

import numpy as np

from numeric._schedules import Schedule


class Momentum:
    """Velocities per parameter array; the step size comes from ``schedule``."""

    def __init__(self, schedule: Schedule, momentum: float = 0.9, nesterov: bool = True):
        self.schedule = schedule
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self.velocities: list[np.ndarray] = []

    @property
    def value(self) -> float:
        return self.schedule.value

    def update(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        """One step on ``params`` in place; ``grads`` may be overwritten."""
        if not self.velocities:
            self.velocities = [np.zeros_like(p) for p in params]
        mu, lr = self.momentum, self.schedule.value
        for p, g, u in zip(params, grads, self.velocities):
            g *= lr
            u *= mu
            u -= g
            if self.nesterov:
                p += mu * u
                p -= g
            else:
                p += u

    def epoch_end(self, t: int) -> None:
        self.schedule.epoch_end(t)

    def plateau(self, verbose: bool = False) -> bool:
        return self.schedule.plateau(verbose)
