"""Adam (Kingma & Ba 2015) as in scikit-learn's ``MLPClassifier(solver="adam")``.

Per minibatch step $t = 1, 2, \\dots$ with gradient $g$ (mean over the minibatch plus the L2 term):

$$m \\leftarrow \\beta_1 m + (1 - \\beta_1) g,\\quad v \\leftarrow \\beta_2 v + (1 - \\beta_2) g^2,\\quad
\\eta_t = \\eta_0 \\frac{\\sqrt{1 - \\beta_2^t}}{1 - \\beta_1^t},\\quad
\\theta \\leftarrow \\theta - \\eta_t \\frac{m}{\\sqrt v + \\epsilon}.$$

The step size is not scheduled; a plateau of the loss ends training.
"""

from __future__ import annotations

import numpy as np


class Adam:
    """Adam state (first and second moments per parameter array, step count ``t``)."""

    def __init__(self, learning_rate_init: float, beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-8):
        self.value = float(learning_rate_init)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)
        self.t = 0
        self.ms: list[np.ndarray] = []
        self.vs: list[np.ndarray] = []

    def update(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        """One Adam step on ``params`` in place; ``grads`` (same shapes) may be overwritten."""
        if not self.ms:
            self.ms = [np.zeros_like(p) for p in params]
            self.vs = [np.zeros_like(p) for p in params]
        self.t += 1
        b1, b2 = self.beta_1, self.beta_2
        lr = self.value * np.sqrt(1.0 - b2 ** self.t) / (1.0 - b1 ** self.t)
        for p, g, m, v in zip(params, grads, self.ms, self.vs):
            m *= b1
            m += (1.0 - b1) * g
            v *= b2
            g *= g
            g *= 1.0 - b2
            v += g
            np.sqrt(v, out=g)
            g += self.epsilon
            np.divide(m, g, out=g)
            g *= lr
            p -= g

    def epoch_end(self, t: int) -> None:
        """Adam's step size is not scheduled."""

    def plateau(self, verbose: bool = False) -> bool:
        return True
