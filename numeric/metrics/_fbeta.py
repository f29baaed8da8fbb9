r"""F-beta from confusion counts: the single place the generated kernel is imported.

.. math::

    F_\beta = \frac{(1 + \beta^2)\,TP}{(1 + \beta^2)\,TP + \beta^2\,FN + FP}
            = \frac{(1 + \beta^2)\,P\,R}{\beta^2 P + R}

(the seeds' third form), with ``zero_division`` where the denominator is 0, i.e. where
:math:`TP = FP = FN = 0` (for :math:`\beta = 0`: where :math:`TP = FP = 0`).

The formula comes from the kernel ``numeric.kernels.fbeta_from_counts`` that ``derive codegen``
generates from the F-score derivation. Shapes: ``tp``, ``fp``, ``fn`` broadcast together; the result
has their broadcast shape.
"""

from __future__ import annotations

import numpy as np

__all__ = ["fbeta_from_counts", "fbeta"]

from numeric.kernels import fbeta_from_counts


def fbeta(tp, fp, fn, beta: float, zero_division: float) -> np.ndarray:
    r"""F-beta over arrays of counts, float64, including the limits :math:`\beta \in \{0, \infty\}`.

    :math:`\beta = 0` gives precision and :math:`\beta \to \infty` recall (as in scikit-learn);
    every finite :math:`\beta` goes through the generated kernel.
    """
    tp = np.asarray(tp, dtype=np.float64)
    fp = np.asarray(fp, dtype=np.float64)
    fn = np.asarray(fn, dtype=np.float64)
    if np.isposinf(beta):  # F_inf = recall
        from ._divide import safe_divide

        return safe_divide(tp, tp + fn, zero_division)
    return np.asarray(
        fbeta_from_counts(tp, fp, fn, beta=float(beta), zero_division=float(zero_division)),
        dtype=np.float64,
    )
