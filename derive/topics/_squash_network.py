r"""The sigmoid network for a given f: weights, its output (generated stable kernel), error and bound.

Knots :math:`a_0 < \dots < a_k` evenly spaced, :math:`v_m = f(a_m)`, thresholds
:math:`c_i = (a_{i-1} + a_i)/2`, units :math:`\sigma(a x + b_i)` with :math:`b_i = -a c_i`, output
weights :math:`w_i = v_i - v_{i-1}`.
"""

from __future__ import annotations

from decimal import Decimal, localcontext

import sympy as sp

from derive.topics._squash_notation import x

SIGNIFICANT = 6
SAMPLES_PER_SEGMENT = 200


def _round(value, digits: int = SIGNIFICANT) -> Decimal:
    with localcontext() as dc:
        dc.prec = digits
        return +Decimal(str(sp.Float(value, 30)))


def _plain(value: Decimal) -> str:
    """A decimal as written, without trailing zeros or an exponent (``0.098125000`` -> ``0.098125``)."""
    return format(Decimal(value).normalize(), "f")


def _float(value: Decimal) -> sp.Float:
    """A decimal as a SymPy Float that prints as that decimal."""
    text = _plain(value)
    return sp.Float(text, max(15, len(text)))


def squash_network(f: sp.Basic, lo: Decimal, hi: Decimal, segments: int):
    r"""Knots, values :math:`v_m` (rounded to :data:`SIGNIFICANT` digits), thresholds and output weights.

    Returns ``(knots, values, thresholds, weights)`` as Decimals, ``len(knots) = segments + 1``,
    thresholds :math:`c_i = (a_{i-1} + a_i)/2` and weights :math:`w_i = v_i - v_{i-1}` (exact
    differences of the rounded values): the staircase :math:`v_0 + \sum_i w_i H(x - c_i)` is
    :math:`v_j` on cell j.
    """
    with localcontext() as dc:
        dc.prec = 60
        knots = [_round(lo + (hi - lo) * m / segments) for m in range(segments + 1)]
        knots[0], knots[-1] = lo, hi
        values = [_round(sp.N(f.xreplace({x: sp.Rational(str(p))}), 30)) for p in knots]
        thresholds = [_round((knots[m - 1] + knots[m]) / 2, SIGNIFICANT + 2) for m in range(1, segments + 1)]
        weights = [values[m] - values[m - 1] for m in range(1, segments + 1)]
    return knots, values, thresholds, weights


def _grid_values(f: sp.Basic, lo: Decimal, hi: Decimal, segments: int):
    import numpy as np

    grid = np.linspace(float(lo), float(hi), SAMPLES_PER_SEGMENT * segments + 1)
    target = np.broadcast_to(np.asarray(sp.lambdify(x, f, "numpy")(grid), dtype=float), grid.shape)
    return grid, target


def network_output(grid, slope: float, values, thresholds, weights):
    r""":math:`F(x) = v_0 + \sum_i w_i \sigma(a x + b_i)`, :math:`b_i = -a c_i`, at the points ``grid`` (N,).

    Hidden layer (N, k) through the generated stable sigmoid kernel :func:`numeric.kernels.sigmoid`
    (no overflow for any slope); output (N,).
    """
    import numpy as np
    from numeric.kernels import sigmoid as sigmoid_kernel

    c_vec = np.array([float(t) for t in thresholds])
    w_vec = np.array([float(w) for w in weights])
    hidden = sigmoid_kernel(slope * grid[:, None] - slope * c_vec[None, :])
    return float(values[0]) + hidden @ w_vec


def error_and_bound(f: sp.Basic, lo: Decimal, hi: Decimal, segments: int, slope: float) -> tuple[float, float, float]:
    r"""``(max error, staircase error, proved bound)`` on :data:`SAMPLES_PER_SEGMENT` points per segment.

    Error: :math:`\max |f(x) - F(x)|`; staircase error :math:`\max |f(x) - S(x)|` (the limit
    :math:`a \to \infty`). Bound: :math:`\max_x \big(|f(x) - S(x)| + \sum_i |w_i|
    e^{-a|x - c_i|}\big)` with the staircase :math:`S` (the step interpolant): at every point
    :math:`|f - F| \le |f - S| + |S - F|` and :math:`|S - F|` is at most the sum (proved).
    """
    import numpy as np

    knots, values, thresholds, weights = squash_network(f, lo, hi, segments)
    grid, target = _grid_values(f, lo, hi, segments)
    approx = network_output(grid, slope, values, thresholds, weights)
    c_vec = np.array([float(t) for t in thresholds])
    w_vec = np.array([float(w) for w in weights])
    stairs = float(values[0]) + np.heaviside(grid[:, None] - c_vec[None, :], 0.5) @ w_vec
    tails = np.exp(-slope * np.abs(grid[:, None] - c_vec[None, :])) @ np.abs(w_vec)
    return (float(np.max(np.abs(target - approx))), float(np.max(np.abs(target - stairs))),
            float(np.max(np.abs(target - stairs) + tails)))


def check_function(f: sp.Basic, lo: Decimal, hi: Decimal) -> None:
    import numpy as np

    if f.free_symbols - {x}:
        raise ValueError(f"the function may only use x, not {', '.join(map(str, f.free_symbols - {x}))}")
    grid = np.linspace(float(lo), float(hi), 1001)
    with np.errstate(all="ignore"):
        values = np.broadcast_to(np.asarray(sp.lambdify(x, f, "numpy")(grid), dtype=complex), grid.shape)
    if not np.all(np.isfinite(values)) or np.any(np.abs(values.imag) > 1e-12):
        raise ValueError("the function is not finite and real on the whole interval")

