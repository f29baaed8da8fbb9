r"""Threshold-free summaries of a score: average precision and ROC AUC.

.. math::

    \text{AP} = \sum_t (R_t - R_{t-1})\,P_t \quad \text{(step integral, not interpolated)},
    \qquad
    \text{AUC} = \int_0^1 TPR \; d\,FPR \quad \text{(trapezoids)}.

Targets as scikit-learn's: binary ``y_true`` (N,) with scores (N,); multiclass ``y_true`` (N,)
with scores (N, K) (AP: one-vs-rest; ROC AUC: ``multi_class="ovr"`` or Hand & Till's
``"ovo"``); multilabel indicator ``y_true`` (N, K) with scores (N, K). Classes are averaged by
:mod:`numeric.metrics._score_average`. Results equal scikit-learn's.
"""

from __future__ import annotations

import warnings

import numpy as np

from ._curves import precision_recall_curve, roc_curve
from ._score_average import average_binary_score, average_ovo_score, check_average
from ._targets import as_1d, check_scored_targets, label_positions, one_hot
from ._warnings import UndefinedMetricWarning

__all__ = ["auc", "average_precision_score", "roc_auc_score"]


class _AverageNotImplemented(ValueError, NotImplementedError):
    """scikit-learn raises ``NotImplementedError`` here; this is also a ``ValueError``."""


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


def _binary_scores(y_score: np.ndarray) -> np.ndarray:
    """Scores (N,) of the positive class of a binary target; (N, 1) is flattened."""
    if y_score.ndim == 2 and y_score.shape[1] == 1:
        return y_score.ravel()
    if y_score.ndim != 1:
        raise ValueError(
            f"y_true is binary, so y_score must be the (N,) scores of the positive class; got "
            f"shape {y_score.shape} (for (N, 2) probabilities pass y_score[:, 1])"
        )
    return y_score


def _check_class_scores(y_score: np.ndarray, n_classes: int | None = None) -> None:
    """Multiclass scores must be (N, K) (K = ``n_classes`` when given)."""
    if y_score.ndim != 2 or (n_classes is not None and y_score.shape[1] != n_classes):
        want = "n_classes" if n_classes is None else str(n_classes)
        raise ValueError(
            f"y_score needs to be of shape (n_samples, {want}), since y_true contains "
            f"multiple classes; got y_score.shape={y_score.shape}"
        )


# --- average precision -----------------------------------------------------------------------

def _binary_average_precision(y_true, y_score, pos_label=1, sample_weight=None) -> float:
    r"""AP :math:`\sum_t (R_t - R_{t-1}) P_t` of one binary problem, (N,) inputs."""
    precision, recall, _ = precision_recall_curve(y_true, y_score, pos_label=pos_label,
                                                  sample_weight=sample_weight)
    # precision[-1] == 1 closes the sum; clip the -0.0 of rounding.
    return float(max(0.0, -np.sum(np.diff(recall) * precision[:-1])))


def average_precision_score(y_true, y_score, *, average="macro", pos_label=1,
                            sample_weight=None):
    r"""Average precision :math:`\sum_t (R_t - R_{t-1}) P_t`, as scikit-learn's function.

    - binary ``y_true`` (N,), ``y_score`` (N,): AP of ``pos_label`` (``average`` is ignored);
    - multiclass ``y_true`` (N,), ``y_score`` (N, K) over the K sorted present labels: one
      column of :math:`[y_n = c_k]` per class (one-vs-rest), ``pos_label`` must be 1;
    - multilabel indicator ``y_true`` (N, K), ``y_score`` (N, K), ``pos_label`` must be 1.

    ``average`` in micro/macro/weighted/samples/None averages the per-class (per-sample) APs
    (:mod:`numeric.metrics._score_average`); ``None`` returns the (K,) per-class APs.
    """
    check_average(average)
    data = check_scored_targets(y_true, y_score, sample_weight)
    t, s, w = data.y_true, data.y_score, data.sample_weight
    if data.kind == "binary":
        present = np.unique(t).tolist()
        if len(present) == 2 and pos_label not in present:
            raise ValueError(
                f"pos_label={pos_label!r} is not a valid label. It should be one of {present}"
            )
        return _binary_average_precision(t, _binary_scores(s), pos_label, w)
    if pos_label != 1:
        raise ValueError(
            f"Parameter pos_label is fixed to 1 for {data.kind} y_true. Do not set pos_label "
            "or set pos_label to 1."
        )
    if data.kind == "multiclass":
        classes = np.unique(t)
        _check_class_scores(s, classes.shape[0])
        t = one_hot(t, classes)

    def metric(y, score, sample_weight=None):
        return _binary_average_precision(y, score, pos_label, sample_weight)

    return average_binary_score(metric, t, s, average, w)


# --- ROC AUC ---------------------------------------------------------------------------------

def _binary_roc_auc(y_true, y_score, sample_weight=None, max_fpr=None) -> float:
    r"""AUC of one binary problem, (N,) inputs (labels in {0, 1} or {-1, 1}).

    NaN with an :class:`UndefinedMetricWarning` if ``y_true`` has one value (checked before
    the scores' shape, as scikit-learn does). ``max_fpr``
    gives the McClish-standardised partial AUC :math:`\tfrac12(1 + \frac{A - m^2/2}{m - m^2/2})`.
    """
    if np.unique(y_true).shape[0] != 2:
        warnings.warn(
            "Only one class is present in y_true. ROC AUC score is not defined in that case.",
            UndefinedMetricWarning,
            stacklevel=3,
        )
        return float("nan")
    fpr, tpr, _ = roc_curve(y_true, _binary_scores(y_score), sample_weight=sample_weight)
    if max_fpr is None or max_fpr == 1:
        return auc(fpr, tpr)
    stop = np.searchsorted(fpr, max_fpr, "right")
    tpr = np.append(tpr[:stop], np.interp(max_fpr, fpr[stop - 1:stop + 1], tpr[stop - 1:stop + 1]))
    fpr = np.append(fpr[:stop], max_fpr)
    partial = auc(fpr, tpr)
    min_area = 0.5 * max_fpr**2
    return float(0.5 * (1 + (partial - min_area) / (max_fpr - min_area)))


def _multiclass_classes(y_true: np.ndarray, y_score: np.ndarray, labels) -> np.ndarray:
    """The K sorted classes indexing the columns of ``y_score`` (N, K): ``labels`` (unique,
    sorted, covering ``y_true``) or the labels of ``y_true``."""
    if labels is None:
        classes = np.unique(y_true)
        if classes.shape[0] != y_score.shape[1]:
            raise ValueError(
                f"Number of classes in y_true ({classes.shape[0]}) not equal to the number of "
                f"columns in 'y_score' ({y_score.shape[1]}); pass labels= to name the columns"
            )
        return classes
    labels = as_1d(labels, "labels")
    classes = np.unique(labels)
    if classes.shape[0] != labels.shape[0]:
        raise ValueError("Parameter 'labels' must be unique")
    if not np.array_equal(classes, labels):
        raise ValueError("Parameter 'labels' must be ordered")
    if classes.shape[0] != y_score.shape[1]:
        raise ValueError(
            f"Number of given labels, {classes.shape[0]}, not equal to the number of columns "
            f"in 'y_score', {y_score.shape[1]}"
        )
    if (label_positions(classes, y_true) < 0).any():
        raise ValueError("'y_true' contains labels not in parameter 'labels'")
    return classes


def _multiclass_roc_auc(y_true, y_score, labels, multi_class, average, sample_weight):
    """ROC AUC of labels ``y_true`` (N,) against probabilities ``y_score`` (N, K): one-vs-rest
    (``average`` micro/macro/weighted/None) or one-vs-one (macro/weighted, no weights)."""
    _check_class_scores(y_score)
    if not np.allclose(1, y_score.sum(axis=1)):
        raise ValueError(
            "Target scores need to be probabilities for multiclass roc_auc, i.e. each row of "
            "y_score should sum up to 1.0 over classes"
        )
    options = ("macro", "weighted", None) if multi_class == "ovo" else (
        "micro", "macro", "weighted", None)
    check_average(average, options, f"multiclass (multi_class={multi_class!r})")
    if average is None and multi_class == "ovo":
        raise _AverageNotImplemented("average=None is not implemented for multi_class='ovo'.")
    classes = _multiclass_classes(y_true, y_score, labels)
    if multi_class == "ovo":
        if sample_weight is not None:
            raise ValueError(
                "sample_weight is not supported for multiclass one-vs-one ROC AUC, "
                "'sample_weight' must be None in this case."
            )
        return average_ovo_score(_binary_roc_auc, label_positions(classes, y_true), y_score,
                                 average)
    return average_binary_score(_binary_roc_auc, one_hot(y_true, classes), y_score, average,
                                sample_weight)


def roc_auc_score(y_true, y_score, *, average="macro", sample_weight=None, max_fpr=None,
                  multi_class="raise", labels=None):
    r"""Area under the ROC curve, as scikit-learn's function.

    - binary ``y_true`` (N,), ``y_score`` (N,): the larger label is positive; NaN with an
      :class:`UndefinedMetricWarning` if ``y_true`` has one class; ``average`` is ignored.
      ``max_fpr`` gives the McClish-standardised partial AUC.
    - multiclass ``y_true`` (N,) (or binary with ``labels`` naming K > 2 columns),
      ``y_score`` (N, K) probabilities (rows sum to 1), columns in the order of ``labels``
      (default: the sorted labels of ``y_true``). ``multi_class="ovr"`` averages the K
      one-vs-rest AUCs (micro/macro/weighted/None); ``"ovo"`` is Hand & Till (2001),
      :math:`\frac{2}{c(c-1)}\sum_{j<k} \frac{A(j|k) + A(k|j)}{2}` (macro, or weighted by pair
      prevalence). ``"raise"`` (the default) raises ``ValueError``.
    - multilabel indicator ``y_true`` (N, K), ``y_score`` (N, K): per-column AUCs averaged by
      ``average`` in micro/macro/weighted/samples/None (``multi_class`` is ignored).
    """
    check_average(average)
    if multi_class not in ("raise", "ovr", "ovo"):
        raise ValueError(f"multi_class must be one of 'raise', 'ovr', 'ovo', got {multi_class!r}")
    if max_fpr is not None and not (0 < max_fpr <= 1):
        raise ValueError(f"Expected max_fpr in range (0, 1], got: {max_fpr!r}")
    data = check_scored_targets(y_true, y_score, sample_weight)
    t, s, w = data.y_true, data.y_score, data.sample_weight
    if data.kind == "multiclass" or (data.kind == "binary" and s.ndim == 2 and s.shape[1] > 2):
        if max_fpr is not None and max_fpr != 1:
            raise ValueError(
                "Partial AUC computation not available in multiclass setting, 'max_fpr' must "
                f"be set to None, received max_fpr={max_fpr!r} instead"
            )
        if multi_class == "raise":
            raise ValueError(
                "multi_class must be in ('ovo', 'ovr') for a multiclass y_true (got the "
                "default multi_class='raise')"
            )
        return _multiclass_roc_auc(t, s, labels, multi_class, average, w)
    if data.kind == "binary":
        is_pos = (t == np.unique(t)[-1]).astype(np.int64)  # one class: all 1, AUC undefined
        return _binary_roc_auc(is_pos, s, w, max_fpr)

    def metric(y, score, sample_weight=None):
        return _binary_roc_auc(y, score, sample_weight, max_fpr)

    return average_binary_score(metric, t, s, average, w)
