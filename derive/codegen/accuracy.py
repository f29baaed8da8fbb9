r"""Accuracy of the generated kernels: errors in ulps against the symbolic result evaluated in
mpmath.

The truth is the derivation's own expression (notation such as :math:`\sigma` expanded to its
definition), evaluated with mpmath at a working precision of 400 digits, so that at least 50
significant digits survive cancellations such as :math:`\log(1 + e^{-745})`. Errors are in ulps
of the correctly rounded double; where the true value is subnormal (or rounds to 0) the error
is absolute, in units of the smallest subnormal :math:`2^{-1074}` (the ulp there).
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy as sp

WORKING_DIGITS = 400
_TINY = 2.2250738585072014e-308
_SUBNORMAL_ULP = mpmath.mpf(2) ** -1074
_MAX = mpmath.mpf(np.finfo(float).max)


def ulp_error(computed: float, truth) -> float:
    """|computed - truth| in ulps of ``truth`` (absolute in the subnormal range); ``inf`` for a
    NaN, or an inf that the truth is not."""
    c = float(computed)
    with mpmath.workdps(WORKING_DIGITS):
        t = mpmath.mpf(truth)
        if abs(t) > _MAX * (1 + mpmath.mpf(2) ** -54):  # rounds to +-inf
            return 0.0 if math.isinf(c) and (c > 0) == (t > 0) else math.inf
        if math.isnan(c) or math.isinf(c):
            return math.inf
        if abs(t) < _TINY:
            return float(abs(mpmath.mpf(c) - t) / _SUBNORMAL_ULP)
        spacing = np.spacing(abs(float(t)))
        return float(abs(mpmath.mpf(c) - t) / mpmath.mpf(spacing))


def ulp_errors(computed, truths) -> np.ndarray:
    return np.array([ulp_error(c, t) for c, t in zip(np.ravel(computed), truths)])


def mp_function(expr: sp.Basic, symbols):
    """``expr`` (notation expanded) as an mpmath function of ``symbols``."""
    from derive.codegen.functions import to_plain
    from derive.notation import SIGMA_DEFINITION

    plain = to_plain(SIGMA_DEFINITION(expr))
    return sp.lambdify(symbols, plain, modules="mpmath")


def truths(expr: sp.Basic, symbols, *columns) -> list:
    """The mpmath values of ``expr`` at the points given column-wise (one array per symbol)."""
    f = mp_function(expr, symbols)
    with mpmath.workdps(WORKING_DIGITS):
        return [f(*[mpmath.mpf(float(v)) for v in point]) for point in zip(*columns)]


def softmax_truth(row) -> tuple[list, list]:
    r"""Softmax and log-softmax of one row by the definition :math:`e^{z_i} / \sum_k e^{z_k}`."""
    with mpmath.workdps(WORKING_DIGITS):
        zs = [mpmath.mpf(float(v)) for v in row]
        total = mpmath.fsum(mpmath.exp(v) for v in zs)
        log_total = mpmath.log(total)
        return [mpmath.exp(v) / total for v in zs], [v - log_total for v in zs]


def elementwise_grid(rng: np.random.Generator | None = None, n_random: int = 400) -> np.ndarray:
    """Inputs with |x| up to 1e4, the overflow thresholds (+-709.78, +-745), tiny and subnormal
    values, and random points where the functions bend."""
    rng = rng or np.random.default_rng(20261123)
    special = [0.0, 709.78, 709.782712893384, 745.0, 745.1332191019412, 746.0, 1e4, 1e-300, 5e-324,
               1e-10, 1e-16, 0.5, 1.0, 2.0, 18.0, 19.5, 36.7, 40.0, 354.9, 372.5, 400.0]
    grid = np.concatenate([
        np.asarray(special),
        np.linspace(0.0, 1e4, 201),
        np.linspace(700.0, 750.0, 101),
        np.geomspace(1e-12, 60.0, 200),
        rng.normal(0.0, 5.0, n_random),
        rng.uniform(0.0, 800.0, n_random),
    ])
    return np.unique(np.concatenate([grid, -grid]))
