r"""Counts at every threshold of a score, and the precision-recall and ROC curves.

Sort the N scores in decreasing order; predicting positive for :math:`s_n \ge \theta` at each
distinct score :math:`\theta_1 > \theta_2 > \dots > \theta_T` gives

.. math::

    TP(\theta_t) = \sum_{n:\, s_n \ge \theta_t} w_n [t_n = +], \qquad
    FP(\theta_t) = \sum_{n:\, s_n \ge \theta_t} w_n [t_n \ne +],

cumulative sums read at the last index of each run of tied scores (ties share one threshold).
Then :math:`P = TP/(TP+FP)`, :math:`R = TPR = TP/TP(\theta_T)`, :math:`FPR = FP/FP(\theta_T)`.
Shapes: inputs (N,), outputs (T,) (+1 end point). Time :math:`O(N \log N)` (one sort).
"""

from __future__ import annotations

import warnings

import numpy as np

from ._targets import as_1d, check_sample_weight
from ._warnings import UndefinedMetricWarning

__all__ = [
    "check_binary_scores",
    "binary_counts_at_thresholds",
    "precision_recall_curve",
    "roc_curve",
]


def _resolve_pos_label(y_true: np.ndarray, pos_label):
    """scikit-learn's rule: without ``pos_label``, ``y_true`` must be in {0, 1} or {-1, 1}."""
    if pos_label is not None:
        return pos_label
    classes = np.unique(y_true)
    ok = classes.dtype.kind not in "OUS" and classes.shape[0] <= 2 and any(
        classes.shape[0] == len(c) and np.all(classes == np.asarray(c))
        for c in ([0, 1], [-1, 1], [0], [-1], [1])
    )
    if not ok:
        raise ValueError(
            f"y_true takes value in {{{', '.join(repr(c) for c in classes.tolist())}}} and "
            "pos_label is not specified: either make y_true take value in {0, 1} or {-1, 1} or "
            "pass pos_label explicitly."
        )
    return 1


def check_binary_scores(y_true, y_score, pos_label=None, sample_weight=None):
    """Validate (N,) labels and finite (N,) scores; return ``(is_pos bool, score, weight)``.

    Raises ``ValueError`` for different lengths, empty input, NaN/inf scores, and ``y_true``
    with more than two classes when ``pos_label`` is not given.
    """
    t = as_1d(y_true, "y_true")
    s = as_1d(y_score, "y_score")
    if t.shape[0] != s.shape[0]:
        raise ValueError(
            f"y_true and y_score have different lengths: {t.shape[0]} and {s.shape[0]}"
        )
    if t.shape[0] == 0:
        raise ValueError("y_true and y_score are empty; at least 1 sample is required")
    if s.dtype.kind not in "biuf":
        raise ValueError(f"y_score must be numeric, got dtype {s.dtype}")
    if s.dtype.kind == "f" and not np.isfinite(s).all():
        raise ValueError("y_score contains NaN or infinity; scores must be finite")
    if t.dtype.kind == "f" and not np.isfinite(t).all():
        raise ValueError("y_true contains NaN or infinity")
    if t.dtype.kind == "O":
        t = t.astype(str) if all(isinstance(v, str) for v in t.tolist()) else t
    if pos_label is None and np.unique(t).shape[0] > 2:
        raise ValueError("multiclass format is not supported")
    pos_label = _resolve_pos_label(t, pos_label)
    w = check_sample_weight(sample_weight, t.shape[0])
    is_pos = np.asarray(t == pos_label, dtype=bool)
    return is_pos, s, w


def binary_counts_at_thresholds(is_pos: np.ndarray, score: np.ndarray, weight=None):
    """``fps``, ``tps``, ``thresholds`` (T,) for decreasing distinct thresholds.

    Zero-weight samples are dropped first (they must not create thresholds).
    """
    if weight is not None:
        keep = weight != 0
        is_pos, score, weight = is_pos[keep], score[keep], weight[keep]
    order = np.argsort(score, kind="stable")[::-1]
    score = score[order]
    y = is_pos[order].astype(np.float64)
    idx = np.flatnonzero(np.diff(score))
    idx = np.append(idx, y.shape[0] - 1)
    if weight is None:
        tps = np.cumsum(y)[idx]
        fps = 1.0 + idx - tps
    else:
        w = weight[order].astype(np.float64)
        tps = np.cumsum(y * w)[idx]
        fps = np.cumsum((1.0 - y) * w)[idx]
    return fps, tps, score[idx]


def precision_recall_curve(y_true, y_score, *, pos_label=None, sample_weight=None,
                           drop_intermediate=False):
    r"""Precision and recall at every distinct threshold, as scikit-learn's function.

    Returns ``precision`` (T+1,), ``recall`` (T+1,) (decreasing, ending at (1, 0)) and
    ``thresholds`` (T,) (increasing). :math:`P = TP/(TP+FP)` (0 where nothing is predicted),
    :math:`R = TP / \#\text{positives}` (1 everywhere, with a warning, if there are none).
    """
    is_pos, s, w = check_binary_scores(y_true, y_score, pos_label, sample_weight)
    fps, tps, thresholds = binary_counts_at_thresholds(is_pos, s, w)
    if drop_intermediate and fps.shape[0] > 2:
        keep = np.concatenate(
            [[True], np.logical_or(np.diff(tps[:-1]), np.diff(tps[1:])), [True]]
        )
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    ps = tps + fps
    precision = np.divide(tps, ps, out=np.zeros_like(tps), where=ps != 0)
    if tps[-1] == 0:
        warnings.warn(
            "No positive class found in y_true, recall is set to one for all thresholds.",
            UserWarning,
            stacklevel=2,
        )
        recall = np.ones_like(tps)
    else:
        recall = tps / tps[-1]
    return (
        np.concatenate([precision[::-1], [1.0]]),
        np.concatenate([recall[::-1], [0.0]]),
        thresholds[::-1],
    )


def roc_curve(y_true, y_score, *, pos_label=None, sample_weight=None, drop_intermediate=True):
    r"""False and true positive rates at every threshold, as scikit-learn's ``roc_curve``.

    Returns ``fpr``, ``tpr``, ``thresholds`` (T'+1,), starting at (0, 0) with threshold
    :math:`+\infty`; with ``drop_intermediate`` collinear points are dropped (not corners).
    """
    is_pos, s, w = check_binary_scores(y_true, y_score, pos_label, sample_weight)
    fps, tps, thresholds = binary_counts_at_thresholds(is_pos, s, w)
    if drop_intermediate and fps.shape[0] > 2:
        keep = np.concatenate(
            [[True], np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), [True]]
        )
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    tps = np.concatenate([[0.0], tps])
    fps = np.concatenate([[0.0], fps])
    thresholds = np.concatenate([[np.inf], thresholds.astype(np.float64)])
    if fps[-1] <= 0:
        warnings.warn(
            "No negative samples in y_true, false positive value should be meaningless",
            UndefinedMetricWarning,
            stacklevel=2,
        )
        fpr = np.full(fps.shape, np.nan)
    else:
        fpr = fps / fps[-1]
    if tps[-1] <= 0:
        warnings.warn(
            "No positive samples in y_true, true positive value should be meaningless",
            UndefinedMetricWarning,
            stacklevel=2,
        )
        tpr = np.full(tps.shape, np.nan)
    else:
        tpr = tps / tps[-1]
    return fpr, tpr, thresholds
