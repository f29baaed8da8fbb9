r"""Accuracy :math:`\frac{TP + TN}{TP + TN + FP + FN} = \operatorname{tr} C / \sum_{ij} C_{ij}`;
subset accuracy for multilabel indicator matrices."""

from __future__ import annotations

import numpy as np

from ._targets import count_targets

__all__ = ["accuracy_score"]


def accuracy_score(y_true, y_pred, *, normalize=True, sample_weight=None) -> float:
    """Fraction (``normalize=True``) or (weighted) number of correct predictions.

    ``y_true``, ``y_pred``: (N,) labels, or multilabel indicator matrices (N, K), where a sample
    is correct only if its whole row is (subset accuracy); ``sample_weight``: (N,) or None. Same
    results as :func:`sklearn.metrics.accuracy_score`.
    """
    targets = count_targets(y_true, y_pred, sample_weight)
    if targets.kind == "multilabel-indicator":
        return _subset_accuracy(np.asarray(y_true), np.asarray(y_pred), targets.sample_weight,
                                normalize)
    correct = float(np.trace(targets.cm))
    if not normalize:
        return correct
    total = float(targets.cm.sum())
    if total == 0:  # all sample weights zero
        return float("nan")
    return correct / total


def _subset_accuracy(t: np.ndarray, p: np.ndarray, w, normalize: bool) -> float:
    r""":math:`\sum_n w_n [T_{n\cdot} = Y_{n\cdot}]` (divided by :math:`\sum_n w_n`): rows must
    be equal entry by entry (scikit-learn compares the values, not just zero/non-zero)."""
    same = np.all(t == p, axis=1)
    if w is None:
        correct = float(np.count_nonzero(same))
        return correct / same.shape[0] if normalize else correct
    w = w.astype(np.float64, copy=False)
    correct = float(w[same].sum())
    return correct / float(w.sum()) if normalize else correct
