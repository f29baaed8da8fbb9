r"""Provers of the squash construction (:mod:`derive.topics.squash_approximation`).

* :func:`prove_threshold_limit`: steps with :math:`\lim_{a\to\infty}`, both sides of the threshold;
* :data:`prove_on_cells`, :data:`prove_at_thresholds`: the staircase on each cell / at a threshold;
* :func:`prove_for_explicit_k`: equalities of sums over the units, written out for small k;
* :func:`prove_bound_by_lemmas`: a ``>= 0`` step from the threshold bound and the triangle inequality;
* :func:`prove_step_function`: two step functions with explicit numbers, exactly.
"""

from __future__ import annotations

import random
import zlib
from fractions import Fraction

import mpmath
import sympy as sp

from derive.context import ProofContext
from derive.exact import exact_value
from derive.inequalities import NONNEG_POINTS, AtLeastZero
from derive.notation import sigma
from derive.proof import Proof, symbolic_equal
from derive.topics._squash_notation import DEFINITIONS, H, a, c, cs, gap, j, k, v, x

#: Numbers of thresholds for which the general chains are checked (every cell of each).
CHECKED_KS = (1, 2, 3, 4)
#: Numbers of units for which the bound chain is checked with the sums written out (general k: by lemmas).
BOUND_KS = (1, 2, 3)
#: Slopes at which the limit a -> oo is checked numerically (mpmath).
GROWING_A = (10, 100, 1000, 10**4)


def _named(prove, name: str):
    """Give a prover a qualname that names its variant (certificates are keyed on it)."""
    prove.__qualname__ = name
    return prove


def _rng(*exprs) -> random.Random:
    return random.Random(zlib.crc32("|".join(sp.srepr(e) for e in exprs).encode()))


def _rational(rng: random.Random, lo: float, hi: float) -> sp.Rational:
    return sp.Rational(round(rng.uniform(lo, hi) * 1000), 1000)


# --- the limit a -> oo --------------------------------------------------------------------------


def _limits_taken(expr: sp.Basic) -> sp.Basic:
    """Every ``Limit(f, a, oo)`` replaced by SymPy's ``limit`` (Gruntz)."""
    return expr.replace(lambda e: isinstance(e, sp.Limit), lambda e: sp.limit(e.args[0].doit(), *e.args[1:3]))


def _at_slope(expr: sp.Basic, slope: int) -> sp.Basic:
    """Every ``Limit(f, a, oo)`` replaced by ``f`` at ``a = slope``."""
    return expr.replace(lambda e: isinstance(e, sp.Limit), lambda e: e.args[0].xreplace({e.args[1]: slope}))


def prove_threshold_limit(prev: sp.Basic, expr: sp.Basic, ctx: ProofContext) -> Proof:
    r"""Prove a step between expressions in :math:`x, c` that may contain :math:`\lim_{a\to\infty}`
    (for :math:`x \ne c`).

    Both sides of :math:`x = c` are checked: :math:`x = c + d` and :math:`x = c - d` with
    :math:`d > 0`. Symbolic: SymPy's ``limit`` of each side (symbolic :math:`c, d`) agree.
    Numeric: at :data:`GROWING_A` (50-digit mpmath) for random :math:`c`, :math:`d \in [0.02, 3]`
    the gap between the sides never grows and is below :math:`10^{-(digits - 10)}` at the largest
    slope (both sides tend to the same value).
    """
    d = sp.Symbol("d", positive=True)
    p, q = ctx.expand_definitions(prev), ctx.expand_definitions(expr)
    for sign in (1, -1):
        side = {x: c + sign * d}
        try:
            lp, lq = _limits_taken(p.xreplace(side)), _limits_taken(q.xreplace(side))
        except (NotImplementedError, ValueError) as exc:
            return Proof(False, "symbolic", f"SymPy could not take the limit for x = c {'+-'[sign < 0]} d: {exc}")
        if lp.has(sp.Limit) or lq.has(sp.Limit) or sp.simplify(lp - lq) != 0:
            return Proof(False, "symbolic", f"the limits differ for x = c {'+-'[sign < 0]} d: {lp} vs {lq}")
    rng = _rng(prev, expr)
    tol = mpmath.mpf(10) ** (10 - ctx.digits)
    worst = mpmath.mpf(0)
    with mpmath.workdps(ctx.digits):
        for n in range(ctx.points):
            sign = 1 if n % 2 == 0 else -1
            point = {c: _rational(rng, -3, 3)}
            point[x] = point[c] + sign * _rational(rng, 0.02, 3)
            gaps = []
            for slope in GROWING_A:
                vp = _at_slope(p, slope).xreplace(point).doit().evalf(ctx.digits)
                vq = _at_slope(q, slope).xreplace(point).doit().evalf(ctx.digits)
                if not (vp.is_comparable and vq.is_comparable):
                    return Proof(False, "numeric", f"could not evaluate at a = {slope}, {point}")
                gaps.append(abs(mpmath.mpf(vp) - mpmath.mpf(vq)))
            growing = any(later > earlier + tol for earlier, later in zip(gaps, gaps[1:]))
            if growing or gaps[-1] > tol:
                return Proof(False, "numeric", f"differs at {point}: gaps {[mpmath.nstr(g, 5) for g in gaps]} "
                                               f"at a = {GROWING_A}")
            worst = max(worst, gaps[-1])
    return Proof(True, "symbolic+numeric",
                 f"SymPy limit() agrees for x = c + d and x = c - d (d > 0 symbolic); at a = "
                 f"{', '.join(map(str, GROWING_A))}, {ctx.points} random (x, c) the gap never grows and is at "
                 f"most {mpmath.nstr(worst, 3)} at a = {GROWING_A[-1]} ({ctx.digits} digits)")


# --- the staircase on its cells -------------------------------------------------------------------


def _ordered_positions(kk: int, jj: int, on_threshold: bool, gaps, start):
    """Positions of the thresholds c_1..c_kk and of x: increasing by the positive ``gaps``.

    ``x`` lies strictly inside cell jj (between c_jj and c_(jj+1)), or on c_jj.
    """
    order = [("c", m) for m in range(1, kk + 1)]
    if not on_threshold:
        order.insert(jj, ("x", 0))
    positions, at = {}, start
    for n, item in enumerate(order):
        at = at + gaps[n] if n else at
        positions[item] = at
    table = {cs[m]: positions[("c", m)] for m in range(1, kk + 1)}
    table[x] = positions[("c", jj)] if on_threshold else positions[("x", 0)]
    return table


def _prove_staircase(on_threshold: bool):
    r"""Prover for the staircase on a cell (or at a threshold), for k in :data:`CHECKED_KS` and every j.

    Symbolic: thresholds :math:`c_1 < \dots < c_k` and :math:`x` placed in cell :math:`j` (or on
    :math:`c_j`) by symbolic positive gaps, so SymPy's Heaviside decides every step from the
    signs; the difference must simplify to 0 with symbolic values :math:`v_m`. Numeric: random
    positive gaps and values, both sides at ``context.digits`` digits.
    """

    def prove(prev: sp.Basic, expr: sp.Basic, ctx: ProofContext) -> Proof:
        rng = _rng(prev, expr)
        start = sp.Symbol("c_1", real=True)
        for kk in CHECKED_KS:
            gaps = sp.symbols(f"g1:{kk + 2}", positive=True)
            for jj in (range(1, kk + 1) if on_threshold else range(0, kk + 1)):
                sides = [ctx.expand_definitions(e.xreplace({k: sp.Integer(kk), j: sp.Integer(jj)}).doit())
                         for e in (prev, expr)]
                if any(side.has(k, j) for side in sides):
                    return Proof(False, "symbolic", f"k = {kk}, j = {jj}: k or j is left after substitution")
                table = _ordered_positions(kk, jj, on_threshold, gaps, start)
                diff = (sides[0] - sides[1]).xreplace(table)
                for _ in range(ctx.points):
                    point = {g: _rational(rng, 0.001, 3) for g in gaps}
                    point[start] = _rational(rng, -3, 3)
                    point.update({v[m]: _rational(rng, -3, 3) for m in range(kk + 1)})
                    value = diff.xreplace(point).doit().evalf(ctx.digits)
                    if not value.is_comparable or value != 0:
                        return Proof(False, "numeric", f"k = {kk}, j = {jj}: differs by {value} at {point}")
                if sp.simplify(diff.doit()) != 0:
                    return Proof(False, "symbolic", f"k = {kk}, j = {jj}: the difference does not simplify to 0")
        where = "x = c_j" if on_threshold else "x in cell j"
        return Proof(True, "symbolic+numeric",
                     f"k = {', '.join(map(str, CHECKED_KS))}, every j, {where}, ordered symbolic thresholds and "
                     f"symbolic values: the difference simplifies to 0 and is 0 at {ctx.points} random points each")

    name = "staircase_at_threshold" if on_threshold else "staircase_on_cell"
    return _named(prove, f"{__name__}.{name}")


prove_on_cells = _prove_staircase(on_threshold=False)
prove_at_thresholds = _prove_staircase(on_threshold=True)


# --- explicit k, and the bound by lemmas ----------------------------------------------------------


def _explicit(expr: sp.Basic, kk: int) -> sp.Basic:
    return expr.xreplace({k: sp.Integer(kk)}).doit()


def _float_points(exprs, ctx: ProofContext, rng: random.Random, count: int):
    """``count`` random points for the symbols and indexed elements of ``exprs`` as 60-digit Floats.

    Floats, not exact rationals: SymPy's Abs of exact exponentials is slow to evaluate, and the
    comparison is at ``ctx.digits`` digits either way.
    """
    atoms = set()
    for e in exprs:
        atoms |= {t for t in e.free_symbols if isinstance(t, sp.Symbol)} | e.atoms(sp.Indexed)
    atoms -= {v.label, cs.label, gap.label}
    atoms = sorted(atoms, key=sp.default_sort_key)
    for _ in range(count):
        yield {t: sp.Float(ctx.domain_of(t).draw(rng) if isinstance(t, sp.Symbol) else ctx.default.draw(rng),
                           ctx.digits + 10) for t in atoms}


def prove_for_explicit_k(prev: sp.Basic, expr: sp.Basic, ctx: ProofContext) -> Proof:
    """``prev == expr`` with the sums written out for k in :data:`BOUND_KS`.

    Symbolic: :func:`derive.proof.symbolic_equal` with :math:`\\sigma` and :math:`H` left undefined
    (an identity for any functions holds for these; other notation such as :math:`\\Delta_i` is
    expanded); numeric: both sides at ``ctx.points`` random
    points (50 digits), relative difference below :math:`10^{-(digits - 10)}`.
    """
    rng = _rng(prev, expr)
    tol = sp.Float(10, ctx.digits) ** (10 - ctx.digits)
    symbolic = True
    for kk in BOUND_KS:
        # symbolic with sigma and H left as uninterpreted functions (stronger, and fast)
        notation = tuple(rewrite for rewrite in ctx.definitions if rewrite not in DEFINITIONS)
        opaque = ctx.with_(definitions=notation)
        symbolic = symbolic and symbolic_equal(_explicit(prev, kk), _explicit(expr, kk), opaque)
        p, q = (ctx.expand_definitions(_explicit(e, kk)) for e in (prev, expr))
        for point in _float_points((p, q), ctx, rng, ctx.points):
            vp, vq = (e.xreplace(point).evalf(ctx.digits) for e in (p, q))
            if not (vp.is_comparable and vq.is_comparable):
                return Proof(False, "numeric", f"k = {kk}: could not evaluate at {point}")
            if abs(vp - vq) > tol * max(1, abs(vp), abs(vq)):
                return Proof(False, "numeric", f"k = {kk}: differs at {point}: {sp.N(vp, 15)} vs {sp.N(vq, 15)}")
    ks = ", ".join(map(str, BOUND_KS))
    numeric = f"equal at {ctx.points} random points ({ctx.digits} digits) for each k"
    if symbolic:
        return Proof(True, "symbolic+numeric",
                     f"sums written out for k = {ks}: the difference simplifies to 0; {numeric}")
    return Proof(True, "numeric", f"sums written out for k = {ks}: SymPy could not decide it; {numeric}")


def threshold_gap(center: sp.Basic) -> sp.Basic:
    r""":math:`e^{-a|x - c|} - |\sigma(a(x - c)) - H(x - c)|`, shown :math:`\ge 0` by the threshold bound."""
    return sp.exp(-a * sp.Abs(x - center)) - sp.Abs(sigma(a * (x - center)) - H(x - center))


def _threshold_gap_matcher(ctx: ProofContext):
    r"""Recognises :math:`e^{-a|x - c_m|} - |\Delta_m|` whose :math:`\Delta_m` the context defines as
    :math:`\sigma(a(x - c_m)) - H(x - c_m)` (or the same written out): a threshold bound."""

    def matches(e: sp.Basic) -> bool:
        if not isinstance(e, sp.Add):
            return False
        centers = [x - h.args[0] for h in e.atoms(H)] + [cs[el.indices[0]] for el in e.atoms(sp.Indexed)
                                                           if el.base == gap]
        return any(ctx.expand_definitions(e) == ctx.expand_definitions(threshold_gap(center)) for center in centers)

    return matches


def _replace_triangle_gaps(e: sp.Basic) -> sp.Basic:
    r"""In every sum of terms, :math:`\sum_i |u_i| - |\sum_i u_i|` (the triangle inequality) -> a dummy
    :math:`\ge 0`."""

    def rewrite(add: sp.Add) -> sp.Basic:
        terms = list(add.args)
        for t in terms:
            inner = -t
            if isinstance(inner, sp.Abs) and isinstance(inner.args[0], sp.Sum):
                total = inner.args[0]
                partner = sp.Sum(sp.Abs(total.function), *total.limits)
                if partner in terms:
                    rest = [u for u in terms if u is not t and u != partner]
                    return sp.Add(*rest, sp.Dummy("triangle", nonnegative=True))
        return add

    return e.replace(lambda t: isinstance(t, sp.Add), rewrite)


def _manifestly_nonnegative(e: sp.Basic) -> bool:
    """Sums, sums of terms and products of factors that are each >= 0 by SymPy's assumptions."""
    if isinstance(e, sp.Sum):
        return _manifestly_nonnegative(e.function)
    if isinstance(e, (sp.Add, sp.Mul)):
        return all(_manifestly_nonnegative(t) for t in e.args)
    return bool(e.is_nonnegative)


def prove_bound_by_lemmas(prev: sp.Basic, expr: sp.Basic, ctx: ProofContext) -> Proof:
    r"""Prove ``prev = e`` and ``e >= 0`` for ``expr = AtLeastZero(e)`` from two lemmas.

    Equality: :func:`prove_for_explicit_k`. Sign (symbolic, general k): every
    :math:`e^{-a|x - c_i|} - |\sigma(a(x - c_i)) - H(x - c_i)|` (the threshold bound, proved in
    its own chains) and every :math:`\sum_i |u_i| - |\sum_i u_i|` (the triangle inequality) is
    replaced by a symbol known to be :math:`\ge 0`; what is left must be a sum of products of
    factors SymPy knows to be :math:`\ge 0`. Numeric: ``prev`` is :math:`\ge 0` at
    :data:`derive.inequalities.NONNEG_POINTS` random points for each k in :data:`BOUND_KS`.
    """
    if not isinstance(expr, AtLeastZero):
        return Proof(False, "symbolic", "prove_bound_by_lemmas expects AtLeastZero(e) as the step")
    (body,) = expr.args
    equal = prove_for_explicit_k(prev, body, ctx)
    if not equal.verified:
        return Proof(False, equal.method, "not equal to the line before: " + equal.detail)
    rest = body.replace(_threshold_gap_matcher(ctx), lambda t: sp.Dummy("threshold", nonnegative=True))
    rest = _replace_triangle_gaps(rest)
    if not _manifestly_nonnegative(rest):
        return Proof(False, "symbolic", f"not a sum of non-negative terms after the lemmas: {rest}")
    rng = _rng(prev)
    tol = sp.Float(10, ctx.digits) ** (10 - ctx.digits)
    for kk in BOUND_KS:
        explicit = ctx.expand_definitions(_explicit(prev, kk))
        for point in _float_points((explicit,), ctx, rng, NONNEG_POINTS):
            value = explicit.xreplace(point).evalf(ctx.digits)
            if not value.is_comparable:
                return Proof(False, "numeric", f"k = {kk}: could not evaluate at {point}")
            if value < -tol:
                return Proof(False, "numeric", f"k = {kk}: negative ({sp.N(value, 15)}) at {point}")
    return Proof(True, "symbolic+numeric" if equal.method == "symbolic+numeric" else "numeric",
                 f"equal to the line before ({equal.detail}); threshold bound and triangle inequality leave a sum "
                 f"of products of non-negative factors; non-negative at {NONNEG_POINTS} random points for each k")


# --- step functions with explicit numbers --------------------------------------------------------


#: The unit step in exact arithmetic, H(0) = 1/2 (:func:`derive.exact.exact_value`).
_EXACT_FUNCTIONS = {H: lambda u: Fraction(1, 2) if u == 0 else Fraction(int(u > 0))}


def _exact_value(e: sp.Basic, at: Fraction) -> Fraction:
    """``e`` at ``x = at`` in exact rational arithmetic (numbers, x, +, *, H, Piecewise)."""
    return exact_value(e, at, x, _EXACT_FUNCTIONS, "not a step function")


def _breakpoints(e: sp.Basic) -> set[Fraction]:
    """Where an H argument or a Piecewise condition (each x minus a number, or a number minus x) is 0."""
    points = set()
    args = [h.args[0] for h in e.atoms(H)]
    args += [rel.lhs - rel.rhs for pw in e.atoms(sp.Piecewise) for _, cond in pw.args
             for rel in ([cond] if isinstance(cond, sp.core.relational.Relational) else [])]
    for u in args:
        sign = 1 if sp.diff(u, x) == 1 else -1 if sp.diff(u, x) == -1 else 0
        if not sign or (x - sign * u).has(x):
            raise ValueError(f"not of the form x - number: {u}")
        points.add(_exact_value(x - sign * u, Fraction(0)))
    return points


def prove_step_function(prev: sp.Basic, expr: sp.Basic, ctx: ProofContext) -> Proof:
    r"""Prove two step functions of :math:`x` equal, exactly.

    Both sides are built from numbers, :math:`H(x - c)` and Piecewise pieces with constant values
    and conditions :math:`x < c`: constant between consecutive breakpoints. So they are equal
    everywhere iff they agree, in exact rational arithmetic, at every breakpoint, at one point
    inside every cell and at one point beyond each end.
    """
    try:
        for pw in expr.atoms(sp.Piecewise) | prev.atoms(sp.Piecewise):
            if any(value.has(x) for value, _ in pw.args):
                return Proof(False, "symbolic", "a piece is not constant")
        points = sorted(_breakpoints(prev) | _breakpoints(expr))
        probes = points + [(p + q) / 2 for p, q in zip(points, points[1:])]
        probes += [points[0] - 1, points[-1] + 1] if points else [Fraction(0)]
        for at in probes:
            vp, vq = _exact_value(prev, at), _exact_value(expr, at)
            if vp != vq:
                return Proof(False, "symbolic", f"differs at x = {at}: {vp} vs {vq}")
    except ValueError as exc:
        return Proof(False, "symbolic", str(exc))
    return Proof(True, "symbolic", f"exact rational arithmetic at the {len(points)} breakpoints, inside every cell "
                                   f"and beyond both ends (both sides constant between breakpoints)")

