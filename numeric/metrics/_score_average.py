r"""Averaging a binary ranking metric :math:`m` (AP, ROC AUC) over classes, as scikit-learn does.

One-vs-rest (multilabel indicator :math:`Y` (N, K), scores :math:`S` (N, K), weights :math:`w`):

.. math::

    m_k = m(Y_{:k}, S_{:k}; w), \qquad
    \text{macro} = \tfrac1K \textstyle\sum_k m_k, \qquad
    \text{weighted} = \frac{\sum_k s_k m_k}{\sum_k s_k}, \quad s_k = \textstyle\sum_n w_n Y_{nk},

micro :math:`= m(\operatorname{vec} Y, \operatorname{vec} S)` (each weight repeated K times),
samples :math:`= \sum_n w_n m(Y_{n:}, S_{n:}) / \sum_n w_n`. Classes (or samples) of zero
weight count 0 in a weighted mean; if all of :math:`s` is 0 the weighted mean is 0.

One-vs-one (Hand & Till 2001) over the :math:`c` classes present in ``y_true``:

.. math::

    \text{AUC} = \frac{2}{c(c-1)} \sum_{j<k} \frac{A(j|k) + A(k|j)}{2},

:math:`A(j|k)` the metric of class :math:`j` (positive, scored by column :math:`j`) against
class :math:`k`, on the samples of :math:`j` and :math:`k` only; ``average="weighted"`` weights
the pair :math:`(j, k)` by its prevalence :math:`(n_j + n_k)/N` instead.
"""

from __future__ import annotations

import warnings
from itertools import combinations
from typing import Callable

import numpy as np

from ._warnings import UndefinedMetricWarning

__all__ = ["AVERAGES", "average_binary_score", "average_ovo_score", "check_average"]

#: ``average=`` values of the ranking metrics.
AVERAGES = (None, "micro", "macro", "weighted", "samples")

BinaryMetric = Callable[..., float]


def check_average(average, options=AVERAGES, problem: str = "") -> None:
    """``ValueError`` unless ``average`` is one of ``options``."""
    if not any(average is o or (isinstance(average, str) and average == o) for o in options):
        where = f" for {problem} problems" if problem else ""
        raise ValueError(f"average must be one of {options}{where}, got {average!r}")


def average_binary_score(metric: BinaryMetric, y_true: np.ndarray, y_score: np.ndarray,
                         average, sample_weight: np.ndarray | None = None):
    """Average ``metric(y, s, sample_weight=w)`` over the columns of ``y_true``/``y_score``
    (both (N, K)); see the module docstring. Returns a float, or the (K,) scores if
    ``average`` is ``None``."""
    if average == "micro":
        w = None if sample_weight is None else np.repeat(sample_weight, y_true.shape[1])
        return float(metric(y_true.ravel(), y_score.ravel(), sample_weight=w))
    score_weight, mean_weight = sample_weight, None
    if average == "weighted":
        y = y_true.astype(np.float64)
        mean_weight = y.sum(axis=0) if sample_weight is None else sample_weight @ y
        if np.isclose(mean_weight.sum(), 0.0):
            return 0.0
        columns = zip(y_true.T, y_score.T)
    elif average == "samples":
        score_weight, mean_weight = None, sample_weight
        columns = zip(y_true, y_score)
    else:
        columns = zip(y_true.T, y_score.T)
    scores = np.array([metric(y, s, sample_weight=score_weight) for y, s in columns],
                      dtype=np.float64)
    if average is None:
        return scores
    if mean_weight is not None:
        scores[mean_weight == 0] = 0.0
    return float(np.average(scores, weights=mean_weight))


def average_ovo_score(metric: BinaryMetric, codes: np.ndarray, y_score: np.ndarray,
                      average: str = "macro") -> float:
    """Hand & Till's one-vs-one mean of ``metric(is_j, s_j)`` over pairs of present classes.

    ``codes`` (N,) are column indices of ``y_score`` (N, K); ``average`` is ``"macro"``
    (plain mean over pairs) or ``"weighted"`` (pair prevalence). NaN with an
    :class:`UndefinedMetricWarning` if fewer than two classes occur.
    """
    present = np.unique(codes)
    if present.shape[0] < 2:
        warnings.warn(
            "Only one class is present in y_true. One-vs-one ROC AUC is not defined in that "
            "case.",
            UndefinedMetricWarning,
            stacklevel=3,
        )
        return float("nan")
    masks = {c: codes == c for c in present.tolist()}
    pairs = list(combinations(present.tolist(), 2))
    scores = np.empty(len(pairs))
    prevalence = np.empty(len(pairs))
    for i, (a, b) in enumerate(pairs):
        both = masks[a] | masks[b]
        prevalence[i] = np.mean(both)
        a_vs_b = metric(masks[a][both], y_score[both, a])
        b_vs_a = metric(masks[b][both], y_score[both, b])
        scores[i] = (a_vs_b + b_vs_a) / 2
    return float(np.average(scores, weights=prevalence if average == "weighted" else None))
