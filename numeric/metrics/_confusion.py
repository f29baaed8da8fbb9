r"""Confusion matrices.

:func:`confusion_matrix`: :math:`C_{ij}` is the (weighted) number of samples with true label
``labels[i]`` and predicted label ``labels[j]``; in the binary case ``C = [[TN, FP], [FN, TP]]``.
Shape ``(L, L)``.

:func:`multilabel_confusion_matrix`: one 2 x 2 matrix ``[[TN, FP], [FN, TP]]`` per label (a
column of multilabel indicator matrices, or a class of label vectors taken one-vs-rest) or, with
``samplewise=True``, per sample; :math:`TN = \sum_n w_n - TP - FP - FN` (per sample:
:math:`w_n L - TP - FP - FN` over the ``L`` reported labels). Shape ``(L, 2, 2)`` or ``(N, 2, 2)``.
"""

from __future__ import annotations

import warnings

import numpy as np

from ._targets import as_1d, check_multilabel_labels, count_targets, label_positions

__all__ = ["confusion_matrix", "multilabel_confusion_matrix", "select_counts"]


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
    if targets.kind == "multilabel-indicator":
        raise ValueError(
            "multilabel-indicator is not supported by confusion_matrix; use "
            "multilabel_confusion_matrix for one 2 x 2 matrix per label"
        )
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



def multilabel_confusion_matrix(y_true, y_pred, *, sample_weight=None, labels=None,
                                samplewise=False) -> np.ndarray:
    """Per-label (or per-sample) 2 x 2 confusion matrices ``[[TN, FP], [FN, TP]]``, as
    :func:`sklearn.metrics.multilabel_confusion_matrix`.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (N,) or multilabel indicator matrices (N, K)
        Label vectors are binarized one-vs-rest per label.
    sample_weight : array-like of shape (N,), default=None
    labels : array-like of shape (L,), default=None
        Labels (column indices 0..K-1 for indicator matrices) in the order of the result;
        default: every label present (every column), sorted.
    samplewise : bool, default=False
        One matrix per sample (multilabel indicator matrices only).

    Returns
    -------
    ndarray of shape (L, 2, 2), or (N, 2, 2) with ``samplewise``
        Integers without ``sample_weight``, floats with it.
    """
    targets = count_targets(y_true, y_pred, sample_weight)
    if targets.kind != "multilabel-indicator":
        if samplewise:
            raise ValueError(
                "Samplewise metrics are not available outside of multilabel classification."
            )
        if labels is None:
            labels = targets.classes
        else:
            labels = as_1d(labels, "labels")
        from ._prf import label_counts

        tp, pred_sum, true_sum = label_counts(targets, labels)
        total = targets.cm.sum()
    else:
        n_labels = targets.true.shape[1]
        columns = None
        if labels is not None:
            columns = check_multilabel_labels(as_1d(labels, "labels"), n_labels)
            n_labels = columns.shape[0]
        if samplewise:
            tp, pred_sum, true_sum = targets.samplewise_counts(columns)
            w = targets.sample_weight
            total = n_labels if w is None else w * n_labels
        else:
            cols = slice(None) if columns is None else columns
            tp, pred_sum, true_sum = (x[cols] for x in (targets.tp, targets.pred_sum,
                                                        targets.true_sum))
            w = targets.sample_weight
            total = targets.n_samples if w is None else w.sum()
    fp = pred_sum - tp
    fn = true_sum - tp
    tn = total - tp - fp - fn
    return np.stack([tn, fp, fn, tp], axis=-1).reshape(-1, 2, 2)
