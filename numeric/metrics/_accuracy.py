r"""Accuracy :math:`\frac{TP + TN}{TP + TN + FP + FN} = \operatorname{tr} C / \sum_{ij} C_{ij}`."""

from __future__ import annotations

import numpy as np

from ._targets import count_targets

__all__ = ["accuracy_score"]


def accuracy_score(y_true, y_pred, *, normalize=True, sample_weight=None) -> float:
    """Fraction (``normalize=True``) or (weighted) number of correct predictions.

    ``y_true``, ``y_pred``: (N,) labels; ``sample_weight``: (N,) or None. Same results as
    :func:`sklearn.metrics.accuracy_score` for binary and multiclass targets.
    """
    targets = count_targets(y_true, y_pred, sample_weight)
    correct = float(np.trace(targets.cm))
    if not normalize:
        return correct
    total = float(targets.cm.sum())
    if total == 0:  # all sample weights zero
        return float("nan")
    return correct / total
