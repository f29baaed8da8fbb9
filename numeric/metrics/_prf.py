r"""Precision, recall, F-beta and support per class and averaged.

For each reported label :math:`k` (one-vs-rest, counts read off the confusion matrix :math:`C`):

.. math::

    TP_k = C_{kk}, \quad FP_k = \sum_i C_{ik} - TP_k, \quad FN_k = \sum_j C_{kj} - TP_k,

    P_k = \frac{TP_k}{TP_k + FP_k}, \quad R_k = \frac{TP_k}{TP_k + FN_k}, \quad
    F_{\beta,k} = \frac{(1+\beta^2)\,TP_k}{(1+\beta^2)\,TP_k + \beta^2 FN_k + FP_k}.

Averages over the reported labels :math:`\mathcal{K}` (the seeds' convention: the negative class
is not in :math:`\mathcal{K}`; pass ``negative_label=`` or scikit-learn's ``labels=``):

* ``"micro"``: sum :math:`TP, FP, FN` over :math:`\mathcal{K}`, then one :math:`P, R, F_\beta`
  (with every label reported this equals accuracy);
* ``"macro"``: the unweighted mean of the per-class values;
* ``"weighted"``: the mean weighted by support :math:`TP_k + FN_k`;
* ``"binary"``: the values of ``pos_label`` only; ``None``: the per-class arrays (shape (L,));
* ``"samples"`` (multilabel only): :math:`P_n, R_n, F_{\beta,n}` of each sample's row of the
  indicator matrices, averaged over the samples (weighted by ``sample_weight``).

Multilabel indicator matrices (N, K) (the seeds' micro/macro F1 over several positive labels per
example) are counted per column; the labels are then the column indices ``0..K-1``.

0/0 gives ``zero_division`` (``"warn"`` = 0 with an :class:`UndefinedMetricWarning`; ``np.nan``
values are left out of the averages). The F-values come from the generated kernel
(:mod:`numeric.metrics._fbeta`). Results equal scikit-learn's.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ._divide import safe_divide, warn_undefined
from ._fbeta import fbeta
from ._targets import (
    MultilabelTargets,
    Targets,
    check_multilabel_labels,
    check_zero_division,
    count_targets,
    label_positions,
    resolve_labels,
)

__all__ = [
    "precision_recall_fscore_support",
    "precision_score",
    "recall_score",
    "f1_score",
    "fbeta_score",
    "prfs_from_targets",
    "check_beta",
    "nanaverage",
]

_AVERAGES = (None, "binary", "micro", "macro", "weighted", "samples")


def check_beta(beta) -> float:
    """``beta`` must be a real number >= 0 (``np.inf`` allowed: F_inf = recall)."""
    try:
        b = float(beta)
    except (TypeError, ValueError):
        raise ValueError(f"beta must be a real number >= 0, got {beta!r}") from None
    if isinstance(beta, (bool, str)) or math.isnan(b) or b < 0:
        raise ValueError(f"beta must be a real number >= 0, got {beta!r}")
    return b


def nanaverage(a: np.ndarray, weights=None) -> float:
    """Mean of ``a`` (L,) ignoring NaN, optionally weighted; NaN if nothing is left.

    All-zero weights fall back to the unweighted mean (as scikit-learn's ``_nanaverage``).
    """
    if a.shape[0] == 0:
        return math.nan
    mask = np.isnan(a)
    if mask.all():
        return math.nan
    if mask.any():
        a = a[~mask]
        weights = None if weights is None else np.asarray(weights)[~mask]
    if weights is None:
        return float(np.mean(a))
    weights = np.asarray(weights, dtype=np.float64)
    total = weights.sum()
    if total == 0:
        return float(np.mean(a))
    return float(np.dot(a, weights) / total)


def _report_labels(targets: Targets | MultilabelTargets, average, labels, pos_label,
                   negative_label):
    """The labels whose counts are reported/averaged (validation of ``average``/``pos_label``);
    for multilabel targets the column indices (intp)."""
    if average not in _AVERAGES:
        raise ValueError(f"average has to be one of {_AVERAGES}, got {average!r}")
    multilabel = targets.kind == "multilabel-indicator"
    if average == "samples" and not multilabel:
        raise ValueError(
            "Samplewise metrics are not available outside of multilabel classification "
            "(average='samples' needs multilabel indicator matrices)."
        )
    if average == "binary":
        if negative_label is not None:
            raise ValueError(
                "negative_label= needs average='micro', 'macro', 'weighted' or None; "
                "with average='binary' use pos_label="
            )
        if targets.kind != "binary":
            options = [None, "micro", "macro", "weighted"] + (["samples"] if multilabel else [])
            raise ValueError(
                f"Target is {targets.kind} but average='binary'. Please choose another average "
                f"setting, one of {options!r}."
            )
        present = targets.classes.tolist()
        if pos_label not in present and len(present) >= 2:
            raise ValueError(
                f"pos_label={pos_label!r} is not a valid label. It should be one of {present}"
            )
        return np.asarray([pos_label])
    if pos_label not in (None, 1):
        warnings.warn(
            f"Note that pos_label (set to {pos_label!r}) is ignored when average != 'binary' "
            f"(got {average!r}). You may use labels=[pos_label] to specify a single positive "
            "class.",
            UserWarning,
            stacklevel=4,
        )
    reported = resolve_labels(targets, labels, negative_label)
    if multilabel:
        return check_multilabel_labels(reported, targets.true.shape[1])
    return reported


def label_counts(targets: Targets | MultilabelTargets, labels
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``tp``, ``pred_sum`` = TP + FP, ``true_sum`` = TP + FN, each (L,), for ``labels`` (column
    indices for multilabel targets)."""
    if targets.kind == "multilabel-indicator":
        return targets.tp[labels], targets.pred_sum[labels], targets.true_sum[labels]
    pos = label_positions(targets.classes, labels)
    hit = pos >= 0
    cm = targets.cm
    counts = []
    for full in (np.diagonal(cm), cm.sum(axis=0), cm.sum(axis=1)):
        out = np.zeros(pos.shape[0], dtype=cm.dtype)
        out[hit] = full[pos[hit]]
        counts.append(out)
    return tuple(counts)


def prfs_from_targets(
    targets: Targets,
    *,
    beta=1.0,
    labels=None,
    pos_label=1,
    average=None,
    warn_for=("precision", "recall", "f-score"),
    zero_division="warn",
    negative_label=None,
):
    """:func:`precision_recall_fscore_support` on already counted targets (no second pass)."""
    zd = check_zero_division(zero_division)
    beta = check_beta(beta)
    labels = _report_labels(targets, average, labels, pos_label, negative_label)
    samplewise = average == "samples"
    if samplewise:
        every = labels.shape[0] == targets.true.shape[1] and np.array_equal(
            labels, np.arange(labels.shape[0]))
        tp, pred_sum, true_sum = targets.samplewise_counts(None if every else labels)
    else:
        tp, pred_sum, true_sum = label_counts(targets, labels)
    if average == "micro":
        tp, pred_sum, true_sum = (np.atleast_1d(x.sum()) for x in (tp, pred_sum, true_sum))
    warn = zero_division == "warn"
    size = tp.shape[0]

    precision = safe_divide(tp, pred_sum, zd)
    if warn and "precision" in warn_for and np.any(pred_sum == 0):
        warn_undefined("Precision is", "predicted", size, samplewise)
    recall = safe_divide(tp, true_sum, zd)
    if warn and "recall" in warn_for and np.any(true_sum == 0):
        warn_undefined("Recall is", "true", size, samplewise)

    if np.isposinf(beta):
        f_score = recall
    elif beta == 0:
        f_score = precision
    else:
        f_score = fbeta(tp, pred_sum - tp, true_sum - tp, beta, zd)
        if warn and "f-score" in warn_for and np.any(beta * beta * true_sum + pred_sum == 0):
            warn_undefined("F-score is", "true nor predicted", size, samplewise)

    if average is None:
        return precision, recall, f_score, true_sum
    if average == "weighted":
        weights = true_sum
    elif samplewise:
        weights = targets.sample_weight
    else:
        weights = None
    return (
        nanaverage(precision, weights),
        nanaverage(recall, weights),
        nanaverage(f_score, weights),
        None,
    )


def precision_recall_fscore_support(
    y_true,
    y_pred,
    *,
    beta=1.0,
    labels=None,
    pos_label=1,
    average=None,
    warn_for=("precision", "recall", "f-score"),
    sample_weight=None,
    zero_division="warn",
    negative_label=None,
):
    r"""Precision, recall, F-beta and support, as scikit-learn's function of the same name.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (N,), or multilabel indicator matrices (N, K)
        True and predicted labels (ints, integral floats, bools or strings), or 0/1 matrices
        with one column per label (non-zero = the label applies).
    beta : float >= 0, default=1.0
        Weight of recall: :math:`F_\beta` treats recall as :math:`\beta` times as important.
    labels : array-like of shape (L,), default=None
        Labels to report and average over (default: all present, sorted). Samples of other
        labels still count as false positives/negatives of these. Column indices for
        multilabel targets.
    pos_label : label, default=1
        The positive class for ``average="binary"``.
    average : {"binary", "micro", "macro", "weighted", "samples"} or None, default=None
        ``"samples"`` needs multilabel targets; ``"binary"`` needs binary ones.
    warn_for : tuple of {"precision", "recall", "f-score"}
        Which 0/0 cases warn when ``zero_division="warn"``.
    sample_weight : array-like of shape (N,), default=None
    zero_division : {"warn", 0.0, 1.0, np.nan}, default="warn"
    negative_label : label, default=None
        The seeds' negative class: reported labels are ``labels`` (or all present) without it,
        so micro/macro averages leave it out. Must be one of the labels.

    Returns
    -------
    precision, recall, fbeta : float, or ndarray of shape (L,) if ``average is None``
    support : ndarray of shape (L,) (true counts), or None if ``average`` is not None
    """
    targets = count_targets(y_true, y_pred, sample_weight)
    return prfs_from_targets(
        targets,
        beta=beta,
        labels=labels,
        pos_label=pos_label,
        average=average,
        warn_for=warn_for,
        zero_division=zero_division,
        negative_label=negative_label,
    )


def _one(index, warn_for, y_true, y_pred, beta, labels, pos_label, average, sample_weight,
         zero_division, negative_label):
    return precision_recall_fscore_support(
        y_true,
        y_pred,
        beta=beta,
        labels=labels,
        pos_label=pos_label,
        average=average,
        warn_for=warn_for,
        sample_weight=sample_weight,
        zero_division=zero_division,
        negative_label=negative_label,
    )[index]


def precision_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary",
                    sample_weight=None, zero_division="warn", negative_label=None):
    r"""Precision :math:`TP / (TP + FP)`; see :func:`precision_recall_fscore_support`."""
    return _one(0, ("precision",), y_true, y_pred, 1.0, labels, pos_label, average,
                sample_weight, zero_division, negative_label)


def recall_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary",
                 sample_weight=None, zero_division="warn", negative_label=None):
    r"""Recall :math:`TP / (TP + FN)`; see :func:`precision_recall_fscore_support`."""
    return _one(1, ("recall",), y_true, y_pred, 1.0, labels, pos_label, average,
                sample_weight, zero_division, negative_label)


def fbeta_score(y_true, y_pred, *, beta, labels=None, pos_label=1, average="binary",
                sample_weight=None, zero_division="warn", negative_label=None):
    r""":math:`F_\beta = \frac{(1+\beta^2) P R}{\beta^2 P + R}`; see
    :func:`precision_recall_fscore_support`. ``average="macro"`` is the mean of per-class
    :math:`F_\beta` (for the F of macro-averaged P and R see :func:`fbeta_of_averages`)."""
    return _one(2, ("f-score",), y_true, y_pred, beta, labels, pos_label, average,
                sample_weight, zero_division, negative_label)


def f1_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary",
             sample_weight=None, zero_division="warn", negative_label=None):
    r""":math:`F_1 = \frac{2PR}{P + R} = \frac{2\,TP}{2\,TP + FP + FN}`; see
    :func:`fbeta_score`."""
    return _one(2, ("f-score",), y_true, y_pred, 1.0, labels, pos_label, average,
                sample_weight, zero_division, negative_label)
