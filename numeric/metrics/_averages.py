r"""The other macro F: F-beta of the macro-averaged precision and recall (Opitz & Burst, 2019).

Two different numbers are both called "macro F1" in the literature:

.. math::

    \text{averaged } F_1 \;(\texttt{f1\_score(average="macro")}) =
        \frac{1}{|\mathcal{K}|} \sum_{k \in \mathcal{K}} \frac{2 P_k R_k}{P_k + R_k},
    \qquad
    F_1 \text{ of averages} \;(\texttt{f1\_of\_averages}) =
        \frac{2 \bar P \bar R}{\bar P + \bar R},
    \quad \bar P = \tfrac{1}{|\mathcal{K}|}\textstyle\sum_k P_k,\;
          \bar R = \tfrac{1}{|\mathcal{K}|}\textstyle\sum_k R_k .

scikit-learn (and the seeds) use the first. The second is the harmonic mean of macro precision and
macro recall; it is always >= the first (Opitz & Burst, "Macro F1 and Macro F1", 2019, show the
difference can reach 0.5) and it rewards classifiers that trade precision in one class for recall in
another. For :math:`F_\beta`: :math:`(1+\beta^2)\bar P \bar R / (\beta^2 \bar P + \bar R)`, and
``zero_division`` when :math:`\beta^2 \bar P + \bar R = 0`.
"""

from __future__ import annotations

import math

from ._prf import check_beta, precision_recall_fscore_support
from ._targets import check_zero_division

__all__ = ["fbeta_of_averages", "f1_of_averages"]


def fbeta_of_averages(y_true, y_pred, *, beta=1.0, labels=None, negative_label=None,
                      sample_weight=None, zero_division="warn") -> float:
    r"""F-beta of macro precision and macro recall (Opitz & Burst 2019); see module docstring.

    ``y_true``, ``y_pred``: (N,) labels or (N, K) multilabel indicator matrices.
    ``labels``/``negative_label`` choose the averaged classes (columns) as in
    :func:`precision_recall_fscore_support`.
    """
    beta = check_beta(beta)
    zd = check_zero_division(zero_division)
    p, r, _, _ = precision_recall_fscore_support(
        y_true, y_pred, beta=1.0, labels=labels, average="macro", sample_weight=sample_weight,
        zero_division=zero_division, negative_label=negative_label, warn_for=("precision", "recall"),
    )
    if math.isnan(p) or math.isnan(r):
        return math.nan
    if math.isinf(beta):
        return r
    b2 = beta * beta
    den = b2 * p + r
    if den == 0:
        return zd
    return (1.0 + b2) * p * r / den


def f1_of_averages(y_true, y_pred, *, labels=None, negative_label=None, sample_weight=None,
                   zero_division="warn") -> float:
    r""":math:`2 \bar P \bar R / (\bar P + \bar R)`: the "other" macro F1 (Opitz & Burst 2019)."""
    return fbeta_of_averages(y_true, y_pred, beta=1.0, labels=labels,
                             negative_label=negative_label, sample_weight=sample_weight,
                             zero_division=zero_division)
