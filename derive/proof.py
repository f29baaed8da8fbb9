r"""Proving that two expressions are equal: symbolically where SymPy can decide it, and always
numerically at random points in high precision.

The symbolic proof expands notation (the context's definitions), evaluates derivatives,
applies the index algebra of :mod:`derive.indices` and the context's identities, splits index
cases (i = j, i != j), and asks SymPy whether the difference simplifies to 0.

The numeric proof draws random exact-rational points (class count K from the context's sizes,
indices with both i = j and i != j, vectors such as one-hot targets from their domains),
evaluates both sides with mpmath at ``context.digits`` digits and requires a relative
difference below 10^{-(digits - 10)}. It is what rejects a wrong step: a symbolic
"don't know" never counts against a step, a numeric mismatch always does.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass

import sympy as sp

from derive.context import ProofContext
from derive.indices import contract_deltas, in_range_conditions_true, index_cases, pull_constants, sums_to_symbols


@dataclass(frozen=True)
class Proof:
    verified: bool
    method: str  # "symbolic" | "numeric" | "symbolic+numeric"
    detail: str
    #: True when taken from a certificate written by ``derive prove`` (see derive.certificates).
    certified: bool = False


class EvaluationError(ValueError):
    """An expression could not be reduced to a number at a sample point."""


# --- symbolic ----------------------------------------------------------------------------------


def _normalise(expr: sp.Basic, ctx: ProofContext) -> sp.Basic:
    expr = contract_deltas(ctx.expand_definitions(expr))
    expr = in_range_conditions_true(expr.doit(deep=True), ctx.indices, ctx.size)
    expr = pull_constants(contract_deltas(expr))
    return ctx.apply_identities(expr)


def _is_zero(expr: sp.Basic) -> bool:
    """True only when SymPy shows ``expr == 0``; any failure or doubt gives False."""
    if expr == 0:
        return True
    try:
        for attempt in (sp.expand, sp.cancel, sp.expand_log, sp.simplify):
            expr = attempt(expr)
            if expr == 0:
                return True
        return sp.simplify(expr.rewrite(sp.exp)) == 0
    except Exception:  # SymPy's simplify raises on some Sum/KroneckerDelta forms; that is "don't know"
        return False


def symbolic_equal(a: sp.Basic, b: sp.Basic, ctx: ProofContext) -> bool:
    """Whether SymPy can show ``a == b`` under the context (False means "not shown")."""
    try:
        diff = _normalise(a, ctx) - _normalise(b, ctx)
    except Exception:
        return False
    if not diff.has(sp.Sum, sp.KroneckerDelta):
        return _is_zero(diff)
    cases = index_cases(diff, ctx.indices)
    for _, case in cases[:1] if ctx.distinct_indices else cases:
        case = ctx.apply_identities(pull_constants(contract_deltas(case)))
        (opaque,) = sums_to_symbols(case)
        if opaque.has(sp.Sum) or not _is_zero(opaque):
            return False
    return True


# --- numeric -----------------------------------------------------------------------------------


def _index_assignments(ctx: ProofContext, rng: random.Random, n: int):
    """(K, {index: value}) pairs: the first with all indices equal, the second all distinct."""
    out = []
    for p in range(n):
        size = ctx.sizes[p % len(ctx.sizes)] if ctx.size is not None else max(ctx.sizes)
        if ctx.distinct_indices:
            values = dict(zip(ctx.indices, rng.sample(range(1, size + 1), len(ctx.indices))))
        elif p == 0:
            v = rng.randint(1, size)
            values = {i: v for i in ctx.indices}
        elif p == 1 and len(ctx.indices) <= size:
            values = dict(zip(ctx.indices, rng.sample(range(1, size + 1), len(ctx.indices))))
        else:
            values = {i: rng.randint(1, size) for i in ctx.indices}
        out.append((size, values))
    return out


_VECTORS = "vectors drawn at this point"  # key of the drawn vector families in a shared values dict


class _Point:
    """The random values of one sample point, shared by both sides of an equation.

    A vector family (``t_1..t_K``: one-hot, simplex, ...) is drawn once per point, so both sides
    see the same vector; every entry of a matrix family (``W_{d,k}``) is its own draw.
    """

    def __init__(self, ctx: ProofContext, size: int, rng: random.Random):
        self.ctx, self.size, self.rng = ctx, size, rng
        self.values: dict = {}
        self._vectors: dict = {}

    def _vector(self, base: sp.IndexedBase, length: int) -> list:
        domain = self.ctx.family_domain(base)
        vec = self._vectors.get(base)
        if vec is None:
            vec = self._vectors[base] = domain.draw(max(self.size, length), self.rng)
        while len(vec) < length:  # an index beyond the drawn size: extend elementwise
            vec.append(domain.element.draw(self.rng))
        return vec

    def fill(self, expr: sp.Basic) -> None:
        """Draw values for the free symbols and indexed elements of ``expr`` not yet drawn."""
        elements = sorted(expr.atoms(sp.Indexed) - set(self.values), key=sp.default_sort_key)
        for el in elements:
            if len(el.indices) == 1:
                n = int(el.indices[0])
                self.values[el] = self._vector(el.base, n)[n - 1]
            else:
                self.values[el] = self.ctx.family_domain(el.base).element.draw(self.rng)
        labels = {el.base.label for el in expr.atoms(sp.Indexed)}
        for sym in sorted(expr.free_symbols - set(self.values) - labels, key=str):
            if isinstance(sym, sp.Symbol):
                self.values[sym] = self.ctx.domain_of(sym).draw(self.rng)


def _rename_bound(expr: sp.Basic, names: set) -> sp.Basic:
    """Rename summation variables that clash with ``names`` (so that i -> 2 leaves a bound i alone)."""

    def fresh(s: sp.Sum) -> sp.Basic:
        var, *bounds = s.limits[0]
        if var not in names or len(s.limits) != 1:
            return s
        new = sp.Dummy(str(var), integer=True)
        return sp.Sum(s.function.xreplace({var: new}), (new, *bounds))

    return expr.replace(lambda e: isinstance(e, sp.Sum), fresh)


def evaluate_at(expr: sp.Basic, ctx: ProofContext, size: int, indices: dict, values_rng: random.Random,
                shared: dict | None = None):
    """Evaluate ``expr`` at a random point with class count ``size`` and the given index values.

    ``shared`` carries the point between calls (pass the same dict for both sides of an equation).
    """
    point = _Point(ctx, size, values_rng)
    if shared is not None:
        point.values = shared
        point._vectors = shared.setdefault(_VECTORS, {})
    return _evaluate(expr, ctx, indices, point)


def _evaluate(expr: sp.Basic, ctx: ProofContext, indices: dict, point: _Point):
    """Evaluate ``expr`` at ``point`` (values drawn as needed) with the given index values."""
    e = ctx.expand_definitions(expr)
    subs = dict(indices)
    if ctx.size is not None:
        subs[ctx.size] = point.size
    e = _rename_bound(e, set(subs)).xreplace({k: sp.Integer(v) for k, v in subs.items()}).doit(deep=True)
    point.fill(e)
    number = e.xreplace(point.values).evalf(ctx.digits)
    if not number.is_comparable or number.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        raise EvaluationError(f"{expr} does not evaluate to a finite number (got {number})")
    return number


def numeric_equal(a: sp.Basic, b: sp.Basic, ctx: ProofContext, seed: int) -> tuple[bool, str]:
    """Compare ``a`` and ``b`` at ``ctx.points`` random points; returns (equal, detail)."""
    rng = random.Random(seed)
    tol = sp.Float(10, ctx.digits) ** (10 - ctx.digits)
    worst = sp.Float(0)
    for size, idx in _index_assignments(ctx, rng, ctx.points):
        point = _Point(ctx, size, random.Random(rng.random()))
        try:
            va = _evaluate(a, ctx, idx, point)
            vb = _evaluate(b, ctx, idx, point)
        except (EvaluationError, TypeError, ValueError, ZeroDivisionError) as exc:
            return False, f"could not evaluate: {exc}"
        scale = max(sp.Float(1), abs(va), abs(vb))
        err = abs(va - vb) / scale
        worst = max(worst, err)
        if err > tol:
            values = {str(k): str(v) for k, v in point.values.items() if isinstance(k, sp.Basic)}
            where = f"K = {size}, " if ctx.size is not None else ""
            where += ", ".join(f"{k} = {v}" for k, v in idx.items())
            return False, (
                f"differs at {where}{'; ' if where else ''}{values}: {sp.N(va, 15)} vs {sp.N(vb, 15)}"
            )
    return True, f"{ctx.points} random points at {ctx.digits} digits, max rel. diff {sp.N(worst, 2)}"


# --- both --------------------------------------------------------------------------------------


def prove_equal(a: sp.Basic, b: sp.Basic, ctx: ProofContext) -> Proof:
    """Prove ``a == b``: numerically always, symbolically when SymPy can decide it."""
    seed = zlib.crc32(sp.srepr(a).encode() + b"|" + sp.srepr(b).encode())
    ok, detail = numeric_equal(a, b, ctx, seed)
    if not ok:
        return Proof(False, "numeric", detail)
    if symbolic_equal(a, b, ctx):
        return Proof(True, "symbolic+numeric", "difference simplifies to 0; " + detail)
    return Proof(True, "numeric", "SymPy could not decide it; " + detail)
