"""Warnings raised by :mod:`numeric.metrics`."""

from __future__ import annotations

__all__ = ["UndefinedMetricWarning"]


class UndefinedMetricWarning(UserWarning):
    """A metric is ill-defined (a 0/0 division) and was set by ``zero_division``.

    Raised in the same situations as scikit-learn's warning of the same name, e.g. precision
    :math:`TP / (TP + FP)` of a class that is never predicted.
    """
