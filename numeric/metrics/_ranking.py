r"""Threshold-free summaries of a score: average precision and ROC AUC.

.. math::

    \text{AP} = \sum_t (R_t - R_{t-1})\,P_t \quad \text{(step integral, not interpolated)},
    \qquad
    \text{AUC} = \int_0^1 TPR \; d\,FPR \quad \text{(trapezoids)}.

Binary targets with 1-D scores (N,). Results equal scikit-learn's.
"""

from __future__ import annotations

import warnings

import numpy as np

from ._curves import precision_recall_curve, roc_curve
from ._targets import as_1d
from ._warnings import UndefinedMetricWarning

__all__ = ["auc", "average_precision_score", "roc_auc_score"]


def auc(x, y) -> float:
    """Area under the curve through points (x, y) (both (M,), M >= 2, x monotonic)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape[0] < 2:
        raise ValueError(f"At least 2 points are needed to compute area under curve, got {x.shape}")
    dx = np.diff(x)
    direction = 1.0
    if np.any(dx < 0):
        if np.all(dx <= 0):
            direction = -1.0
        else:
            raise ValueError(f"x is neither increasing nor decreasing : {x}.")
    trapezoid = getattr(np, "trapezoid", None) or np.trapz  # NumPy < 2.0
    return float(direction * trapezoid(y, x))


def _check_1d_scores(y_true, y_score):
    s = np.asarray(y_score)
    if s.ndim == 2 and s.shape[1] != 1:
        raise ValueError(
            "numeric.metrics supports binary targets with 1-D scores (N,); got y_score of shape "
            f"{s.shape} (score each class one-vs-rest instead)"
        )
    return as_1d(y_true, "y_true"), as_1d(s, "y_score")


def average_precision_score(y_true, y_score, *, average="macro", pos_label=1,
                            sample_weight=None) -> float:
    r"""Average precision :math:`\sum_t (R_t - R_{t-1}) P_t` of binary ``y_true`` (N,).

    ``average`` is accepted for signature compatibility (binary targets have one class).
    """
    t, s = _check_1d_scores(y_true, y_score)
    present = np.unique(t).tolist()
    if len(present) > 2:
        raise ValueError(
            "average_precision_score: y_true is multiclass; numeric.metrics supports binary "
            "targets (binarize one class against the rest)"
        )
    if len(present) == 2 and pos_label not in present:
        raise ValueError(f"pos_label={pos_label!r} is not a valid label. It should be one of {present}")
    precision, recall, _ = precision_recall_curve(t, s, pos_label=pos_label,
                                                  sample_weight=sample_weight)
    return float(max(0.0, -np.sum(np.diff(recall) * precision[:-1])))


def roc_auc_score(y_true, y_score, *, average="macro", sample_weight=None, max_fpr=None,
                  multi_class="raise", labels=None) -> float:
    r"""Area under the ROC curve of binary ``y_true`` (N,); the larger label is positive.

    NaN with an :class:`UndefinedMetricWarning` if ``y_true`` has one class. ``max_fpr`` gives
    the McClish-standardised partial AUC :math:`\tfrac12(1 + \frac{A - m^2/2}{m - m^2/2})`.
    """
    t, s = _check_1d_scores(y_true, y_score)
    classes = np.unique(t)
    if classes.shape[0] > 2:
        raise ValueError(
            "roc_auc_score: y_true is multiclass; numeric.metrics supports binary targets"
        )
    if max_fpr is not None and not (0 < max_fpr <= 1):
        raise ValueError(f"Expected max_fpr in range (0, 1], got: {max_fpr!r}")
    if classes.shape[0] != 2:
        warnings.warn(
            "Only one class is present in y_true. ROC AUC score is not defined in that case.",
            UndefinedMetricWarning,
            stacklevel=2,
        )
        return float("nan")
    fpr, tpr, _ = roc_curve((t == classes[1]).astype(np.int64), s, sample_weight=sample_weight)
    if max_fpr is None or max_fpr == 1:
        return auc(fpr, tpr)
    stop = np.searchsorted(fpr, max_fpr, "right")
    tpr = np.append(tpr[:stop], np.interp(max_fpr, fpr[stop - 1:stop + 1], tpr[stop - 1:stop + 1]))
    fpr = np.append(fpr[:stop], max_fpr)
    partial = auc(fpr, tpr)
    min_area = 0.5 * max_fpr**2
    return float(0.5 * (1 + (partial - min_area) / (max_fpr - min_area)))
