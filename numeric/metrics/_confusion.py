r"""Confusion matrix.

:math:`C_{ij}` is the (weighted) number of samples with true label ``labels[i]`` and predicted
label ``labels[j]``; in the binary case ``C = [[TN, FP], [FN, TP]]``. Shape ``(L, L)``.
"""

from __future__ import annotations

import warnings

import numpy as np

from ._targets import as_1d, count_targets, label_positions

__all__ = ["confusion_matrix", "select_counts"]


def select_counts(cm: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """The sub-matrix of ``cm`` for positions ``pos`` (-1 gives a zero row and column)."""
    out = np.zeros((pos.shape[0], pos.shape[0]), dtype=cm.dtype)
    hit = pos >= 0
    out[np.ix_(hit, hit)] = cm[np.ix_(pos[hit], pos[hit])]
    return out


def confusion_matrix(y_true, y_pred, *, labels=None, sample_weight=None, normalize=None):
    """Confusion matrix ``C`` (L, L), as :func:`sklearn.metrics.confusion_matrix`.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (N,)
        True and predicted labels.
    labels : array-like of shape (L,), default=None
        Labels that index the matrix, in this order. Samples whose true or predicted label is not
        among them are ignored. Default: the labels present in either vector, sorted.
    sample_weight : array-like of shape (N,), default=None
    normalize : {"true", "pred", "all"}, default=None
        Divide by row sums (recall-like), column sums (precision-like) or the total; 0/0 -> 0.
    """
    if normalize not in (None, "true", "pred", "all"):
        raise ValueError(f"normalize must be 'true', 'pred', 'all' or None, got {normalize!r}")
    targets = count_targets(y_true, y_pred, sample_weight)
    cm = targets.cm
    if labels is not None:
        labels = as_1d(labels, "labels")
        if labels.shape[0] == 0:
            raise ValueError("'labels' should contain at least one label.")
        pos = label_positions(targets.classes, labels)
        if not np.any(targets.in_true[pos[pos >= 0]]):
            raise ValueError("At least one label specified must be in y_true")
        cm = select_counts(cm, pos)
    if normalize is not None:
        cm = cm.astype(np.float64)
        with np.errstate(all="ignore"):
            if normalize == "true":
                cm = cm / cm.sum(axis=1, keepdims=True)
            elif normalize == "pred":
                cm = cm / cm.sum(axis=0, keepdims=True)
            else:
                cm = cm / cm.sum()
        cm = np.nan_to_num(cm)
    if cm.shape == (1, 1):
        warnings.warn(
            "A single label was found in 'y_true' and 'y_pred'. For the confusion matrix to "
            "have the correct shape, use the 'labels' parameter to pass all known labels.",
            UserWarning,
            stacklevel=2,
        )
    return cm

