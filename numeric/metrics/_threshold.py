r"""Threshold tuning on a development set: the score threshold with the highest F-beta.

Predicting positive iff :math:`s_n \ge \theta`, only the distinct scores matter; for each,

.. math::

    F_\beta(\theta) = \frac{(1+\beta^2)\,TP(\theta)}{(1+\beta^2)\,TP(\theta) + \beta^2 FN(\theta)
    + FP(\theta)}, \qquad FN(\theta) = \#\text{positives} - TP(\theta),

from the cumulative counts of one sort (:mod:`numeric.metrics._curves`), :math:`O(N \log N)`.
"""

from __future__ import annotations

from ._curves import binary_counts_at_thresholds, check_binary_scores
from ._fbeta import fbeta
from ._prf import check_beta

__all__ = ["best_threshold"]


def best_threshold(y_true, scores, beta=1.0, *, pos_label=None, sample_weight=None):
    r"""``(threshold, fbeta)``: the threshold maximising :math:`F_\beta` of ``scores >= threshold``.

    Parameters
    ----------
    y_true : array-like of shape (N,)
        Binary labels (in {0, 1} or {-1, 1}, or any two with ``pos_label``).
    scores : array-like of shape (N,)
        Finite scores; larger means more positive.
    beta : float >= 0, default=1.0

    Returns
    -------
    threshold : float
        One of the scores. Among equally good thresholds the largest is returned.
    fbeta : float
        :math:`F_\beta` of ``y_pred = scores >= threshold`` (equals ``fbeta_score``'s).

    Raises ``ValueError`` if ``y_true`` has no positive example (every threshold scores 0).
    """
    beta = check_beta(beta)
    is_pos, s, w = check_binary_scores(y_true, scores, pos_label, sample_weight)
    fps, tps, thresholds = binary_counts_at_thresholds(is_pos, s, w)
    if tps[-1] <= 0:
        raise ValueError("best_threshold needs at least one positive example in y_true")
    f = fbeta(tps, fps, tps[-1] - tps, beta, 0.0)
    best = int(f.argmax())  # thresholds decrease: the first maximum is the largest threshold
    return float(thresholds[best]), float(f[best])
