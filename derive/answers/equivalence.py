r"""Is an answer equal to the expected expression? Numeric and symbolic checks together.

*Numeric*: both sides are evaluated at ``ctx.points`` random points (exact rationals, mpmath at
``ctx.digits`` digits, via :func:`derive.proof.evaluate_at`), with the class count K from the
context's sizes and the indices sampled so that the first point has :math:`i = j` and the second
:math:`i \ne j`; families are drawn from their domains (one-hot targets, ...). A point where the
*expected* side is undefined is skipped; one where only the answer is undefined is a
counterexample. The relative difference must stay below :math:`10^{-(digits - 10)}`.

*Symbolic*: :func:`derive.proof.symbolic_equal` (definitions expanded, index algebra, the
cases i = j and i != j). It only runs after the numeric check agreed, and a failure to show the
difference is 0 never counts against an answer: agreement found only numerically is reported
with method ``numeric``.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from derive.context import ProofContext
from derive.proof import _index_assignments, evaluate_at, symbolic_equal


@dataclass(frozen=True)
class NumericResult:
    equal: bool | None  # None: the expected side could not be evaluated anywhere
    detail: str
    counterexample: dict | None = None
    #: (answer value, expected value) at each point that was compared.
    values: tuple[tuple[sp.Float, sp.Float], ...] = ()


def _fmt(v) -> str:
    """A value for people: integers as they are, other numbers to 12 significant digits."""
    if isinstance(v, (int, sp.Integer)):
        return str(v)
    try:
        return f"{float(v):.12g}"
    except (TypeError, ValueError, OverflowError):
        return str(v)


@lru_cache(maxsize=512)
def _expanded(expr: sp.Basic, ctx: ProofContext) -> sp.Basic:
    return ctx.expand_definitions(expr)


def _point(where: dict, shared: dict) -> dict:
    """The sample point for people: sizes and indices, then each drawn value (SymPy keys only)."""
    return {**where, **{str(k): _fmt(v) for k, v in shared.items() if isinstance(k, sp.Basic)}}


def _copy_point(shared: dict) -> dict:
    return {k: (dict(v) if isinstance(v, dict) else v) for k, v in shared.items()}


@lru_cache(maxsize=256)
def _expected_points(expected: sp.Basic, ctx: ProofContext, seed: int, n: int) -> tuple:
    """The sample points of one target and its values there, computed once per target.

    Each entry: (where, value or None if undefined, the drawn values, the point's RNG state),
    so that an answer is evaluated at exactly the point (and draws its own extra values from the
    same stream) as if both sides were evaluated together.
    """
    rng = random.Random(seed)
    out = []
    for size, idx in _index_assignments(ctx, rng, n):
        shared: dict = {}
        point_rng = random.Random(rng.random())
        where = {}
        if ctx.size is not None:
            where[str(ctx.size)] = size
        where.update({str(k): v for k, v in idx.items()})
        try:
            vb = evaluate_at(expected, ctx, size, idx, point_rng, shared)
        except Exception:  # the expected side is undefined here (or SymPy cannot evaluate it)
            vb = None
        out.append((size, idx, where, vb, _copy_point(shared), point_rng.getstate()))
    return tuple(out)


def numeric_compare(answer: sp.Basic, expected: sp.Basic, ctx: ProofContext, seed: int | None = None,
                    points: int | None = None) -> NumericResult:
    """Compare at random points; on a difference return the point and both values.

    The points depend on the expected side (and ``seed``) only, so that the expected values are
    computed once per target and reused for every answer.
    """
    seed = zlib.crc32(sp.srepr(expected).encode()) if seed is None else seed
    tol = sp.Float(10, ctx.digits) ** (10 - ctx.digits)
    # expand the notation once, not at every point
    answer, expected = _expanded(answer, ctx), _expanded(expected, ctx)
    ctx = ctx.with_(definitions=())
    compared = []
    worst = sp.Float(0)
    for size, idx, where, vb, drawn, state in _expected_points(expected, ctx, seed, points or ctx.points):
        if vb is None:
            continue
        shared = _copy_point(drawn)
        point_rng = random.Random()
        point_rng.setstate(state)
        try:
            va = evaluate_at(answer, ctx, size, idx, point_rng, shared)
        except Exception:
            point = _point(where, shared)
            return NumericResult(False, f"the answer is undefined at {point}",
                                 {"point": point, "answer": "undefined", "expected": _fmt(vb)}, tuple(compared))
        compared.append((va, vb))
        err = abs(va - vb) / max(sp.Float(1), abs(va), abs(vb))
        worst = max(worst, err)
        if err > tol:
            point = _point(where, shared)
            return NumericResult(False, f"differs at {point}: {_fmt(va)} vs {_fmt(vb)}",
                                 {"point": point, "answer": _fmt(va), "expected": _fmt(vb)}, tuple(compared))
    if not compared:
        return NumericResult(None, "the expected result could not be evaluated at any sample point")
    return NumericResult(True, f"{len(compared)} random points at {ctx.digits} digits, max rel. diff "
                               f"{sp.N(worst, 2)}", None, tuple(compared))


def symbolic_check(answer: sp.Basic, expected: sp.Basic, ctx: ProofContext) -> bool:
    """Whether SymPy (with the project's index algebra) shows ``answer == expected``.

    Hyperbolic functions are first rewritten as exponentials (an identity), which lets the
    cheap steps (expand, cancel) decide what would otherwise need ``simplify``.
    """
    try:
        if answer.has(*_HYPERBOLIC) or expected.has(*_HYPERBOLIC):
            if symbolic_equal(answer.rewrite(sp.exp), expected.rewrite(sp.exp), ctx):
                return True
        return symbolic_equal(answer, expected, ctx)
    except Exception:  # "don't know"
        return False


_HYPERBOLIC = (sp.tanh, sp.cosh, sp.sinh)
