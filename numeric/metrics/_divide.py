r"""Ratios of counts with scikit-learn's ``zero_division`` rule.

``safe_divide(num, den, zd)`` is :math:`num / den` where :math:`den \ne 0` and ``zd`` where
:math:`den = 0` (precision :math:`TP/(TP+FP)` of a never-predicted class, recall
:math:`TP/(TP+FN)` of a class absent from ``y_true``). Shapes: ``num`` and ``den`` broadcast.
"""

from __future__ import annotations

import warnings

import numpy as np

from ._warnings import UndefinedMetricWarning

__all__ = ["safe_divide", "warn_undefined"]


def safe_divide(num, den, zero_division: float) -> np.ndarray:
    """``num / den`` as float64, with ``zero_division`` where ``den == 0``."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    zero = den == 0
    if not zero.any():
        return num / den
    out = num / np.where(zero, 1.0, den)
    out[zero] = zero_division
    return out


def warn_undefined(metric: str, modifier: str, size: int, samplewise: bool = False) -> None:
    """Warn that ``metric`` is 0/0 for some labels (or, ``samplewise``, for some samples of
    ``average="samples"``), in scikit-learn's wording."""
    axis0, axis1 = ("label", "sample") if samplewise else ("sample", "label")
    where = "due to" if size == 1 else f"in {axis1}s with"
    warnings.warn(
        f"{metric} ill-defined and being set to 0.0 {where} no {modifier} {axis0}s. "
        "Use `zero_division` parameter to control this behavior.",
        UndefinedMetricWarning,
        stacklevel=4,
    )
