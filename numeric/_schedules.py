"""scikit-learn's learning-rate schedules for SGD (``learning_rate`` of ``MLPClassifier``).

* ``"constant"``: $\\eta_t = \\eta_0$ (``learning_rate_init``), the lecture's SGD.
* ``"invscaling"``: after each epoch $\\eta = \\eta_0 / (t + 1)^{p}$, $t$ the number of training
  examples seen so far (``t_``), $p$ = ``power_t`` (scikit-learn's ``SGDRegressor`` calls
  $\\eta_0$ ``eta0`` and counts $t$ in single-example updates).
* ``"adaptive"``: $\\eta_0$ while the training loss (or validation score) keeps improving; each
  time it has not improved by ``tol`` for ``n_iter_no_change`` epochs in a row, $\\eta \\leftarrow
  \\eta / 5$, and training stops once $\\eta \\le 10^{-6}$.
"""

from __future__ import annotations

LEARNING_RATES = ("constant", "invscaling", "adaptive")

#: "adaptive" stops once the step is at most this (scikit-learn's constant).
ADAPTIVE_MIN = 1e-6


class Schedule:
    """The step size ``value`` of one fit; :meth:`epoch_end` and :meth:`plateau` update it."""

    def __init__(self, kind: str, learning_rate_init: float, power_t: float = 0.5):
        if kind not in LEARNING_RATES:
            raise ValueError(f"learning_rate must be one of {list(LEARNING_RATES)}, got {kind!r}")
        self.kind = kind
        self.init = float(learning_rate_init)
        self.power_t = float(power_t)
        self.value = self.init

    def epoch_end(self, t: int) -> None:
        """After an epoch, ``t`` examples seen in total: the invscaling decay."""
        if self.kind == "invscaling":
            self.value = self.init / (t + 1) ** self.power_t

    def plateau(self, verbose: bool = False) -> bool:
        """No improvement for ``n_iter_no_change`` epochs: True to stop, or (adaptive) divide the
        step by 5 and go on."""
        if self.kind != "adaptive" or self.value <= ADAPTIVE_MIN:
            return True
        self.value /= 5.0
        if verbose:
            print(f"Setting learning rate to {self.value:f}")
        return False
