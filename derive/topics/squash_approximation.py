r"""Universal approximation with squashes: compressed sigmoids become thresholds, and a sum of
thresholds is a staircase (NPFL129 lecture 4, 2022, "Universal Approximation Theorem for Squashes").

The lecture's second construction, for a squashing function such as the sigmoid :math:`\sigma`:

* compressing :math:`\sigma` horizontally gives a hard threshold,
  :math:`\lim_{a\to\infty} \sigma(a(x - c)) = H(x - c)` for :math:`x \ne c`, with
  :math:`\sigma(0) = H(0) = 1/2` at :math:`x = c`, and quantitatively
  :math:`|\sigma(a(x - c)) - H(x - c)| \le e^{-a|x - c|}` (for :math:`s = a(x - c) > 0`:
  :math:`1 - \sigma(s) = \sigma(-s) = 1/(1 + e^{s}) \le e^{-s}`; the mirror image for
  :math:`s < 0`);
* with thresholds :math:`c_1 < \dots < c_k` and values :math:`v_0, \dots, v_k` the staircase
  :math:`v_0 + \sum_{i=1}^k (v_i - v_{i-1}) H(x - c_i)` equals :math:`v_j` on the cell
  :math:`c_j < x < c_{j+1}` (the step interpolant), :math:`(v_{j-1} + v_j)/2` at :math:`x = c_j`;
* replacing each :math:`H(x - c_i)` by :math:`\sigma(a(x - c_i))` moves the staircase by at most
  :math:`\sum_i |v_i - v_{i-1}|\, e^{-a|x - c_i|}`.

With ``build(function=..., interval=..., segments=k, slope=a)`` also the network for a given f:
knots :math:`a_0 < \dots < a_k` evenly spaced, :math:`v_m = f(a_m)`, thresholds at the midpoints
:math:`c_i = (a_{i-1} + a_i)/2` (so the staircase is the nearest-knot step interpolant), k sigmoid
units :math:`\sigma(a x + b_i)` with :math:`b_i = -a c_i` and output weights
:math:`w_i = v_i - v_{i-1}`; its maximum error on a fine grid (evaluated with the generated stable
sigmoid kernel of :mod:`numeric.kernels`) and the proved bound, for growing k and a.
"""

from __future__ import annotations

import random
import zlib
from decimal import Decimal, localcontext
from fractions import Fraction
from functools import lru_cache

import mpmath
import sympy as sp

from derive.context import ProofContext, Uniform, define_function, define_indexed, define_symbol
from derive.derivation import Derivation, DerivationBuilder, Table
from derive.inequalities import NONNEG_POINTS, AtLeastZero, prove_nonnegative
from derive.notation import SIGMA_DEFINITION, sigma
from derive.proof import Proof, symbolic_equal

x = sp.Symbol("x", real=True)
c = sp.Symbol("c", real=True)
#: The slope (compression) of the sigmoid units.
a = sp.Symbol("a", positive=True)
#: s = a(x - c), and its two signs for the cases of the bound.
s = sp.Symbol("s", real=True)
s_pos = sp.Symbol("s", positive=True)
s_neg = sp.Symbol("s", negative=True)
v = sp.IndexedBase("v", real=True)
cs = sp.IndexedBase("c", real=True)
#: Delta_i = sigma(a(x - c_i)) - H(x - c_i): how far unit i is from its threshold.
gap = sp.IndexedBase("Delta", real=True)
i = sp.Symbol("i", integer=True, positive=True)
j = sp.Symbol("j", integer=True, nonnegative=True)
k = sp.Symbol("k", integer=True, positive=True)

#: Numbers of thresholds for which the general chains are checked (every cell of each).
CHECKED_KS = (1, 2, 3, 4)
#: Numbers of units for which the bound chain is checked with the sums written out (general k: by lemmas).
BOUND_KS = (1, 2, 3)
#: Slopes at which the limit a -> oo is checked numerically (mpmath).
GROWING_A = (10, 100, 1000, 10**4)
SIGNIFICANT = 6
SAMPLES_PER_SEGMENT = 200
MAX_SEGMENTS = 200
MAX_SLOPE = 10**6
#: Up to this many thresholds the step function of the network is shown (and proved) piece by piece.
SHOWN_STEPS = 20
#: The error table: numbers of segments and slopes.
TABLE_SEGMENTS = (4, 16, 64)
TABLE_SLOPES = (10, 100, 1000)


class H(sp.Function):
    r"""The Heaviside step :math:`H(u)`: 0 for :math:`u < 0`, :math:`1/2` at 0, 1 for :math:`u > 0`; notation."""

    nargs = 1

    def _latex(self, printer, exp=None):
        tex = r"H\left(%s\right)" % printer._print(self.args[0])
        return tex if exp is None else r"%s^{%s}" % (tex, exp)

    def _derive_text(self, printer):
        return "H(%s)" % printer._print(self.args[0])


H_DEFINITION = define_function(H, lambda u: sp.Heaviside(u, sp.Rational(1, 2)))
DEFINITIONS = (SIGMA_DEFINITION, H_DEFINITION)
CONTEXT = ProofContext(definitions=DEFINITIONS, domains=((a, Uniform(0.5, 20.0)),))
#: s = a(x - c): the bound depends on x, c and a only through s.
SCALING_CONTEXT = CONTEXT.with_(definitions=DEFINITIONS + (define_symbol(s, a * (x - c)),))
POSITIVE_CONTEXT = CONTEXT.with_(domains=((s_pos, Uniform(0.001, 40.0)),))
NEGATIVE_CONTEXT = CONTEXT.with_(domains=((s_neg, Uniform(-40.0, -0.001)),))
DELTA_DEFINITION = define_indexed(gap, lambda m: sigma(a * (x - cs[m])) - H(x - cs[m]))
BOUND_CONTEXT = CONTEXT.with_(definitions=(DELTA_DEFINITION,) + DEFINITIONS)


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
    r"""Prove a step between expressions in :math:`x, c` that may contain :math:`\lim_{a\to\infty}`, for :math:`x \ne c`.

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
        symbolic = symbolic and symbolic_equal(_explicit(prev, kk), _explicit(expr, kk), ctx.with_(definitions=notation))
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
        return Proof(True, "symbolic+numeric", f"sums written out for k = {ks}: the difference simplifies to 0; {numeric}")
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
    r"""In every sum of terms, :math:`\sum_i |u_i| - |\sum_i u_i|` (the triangle inequality) -> a dummy :math:`\ge 0`."""

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


def _exact_value(e: sp.Basic, at: Fraction) -> Fraction:
    """``e`` at ``x = at`` in exact rational arithmetic (numbers, x, +, *, H, Piecewise)."""
    if e == x:
        return at
    if isinstance(e, sp.Float):
        return Fraction(str(e))  # a network's numbers are the decimals they print as
    if isinstance(e, sp.Rational):
        return Fraction(int(e.p), int(e.q))
    if isinstance(e, sp.Add):
        return sum((_exact_value(t, at) for t in e.args), Fraction(0))
    if isinstance(e, sp.Mul):
        out = Fraction(1)
        for t in e.args:
            out *= _exact_value(t, at)
        return out
    if isinstance(e, H):
        u = _exact_value(e.args[0], at)
        return Fraction(1, 2) if u == 0 else Fraction(int(u > 0))
    if isinstance(e, sp.Piecewise):
        for value, cond in e.args:
            if cond is sp.true or _exact_condition(cond, at):
                return _exact_value(value, at)
        raise ValueError("no piece of the Piecewise applies")
    raise ValueError(f"not a step function: {type(e).__name__}")


def _exact_condition(cond: sp.Basic, at: Fraction) -> bool:
    ops = {sp.StrictLessThan: lambda p, q: p < q, sp.LessThan: lambda p, q: p <= q,
           sp.StrictGreaterThan: lambda p, q: p > q, sp.GreaterThan: lambda p, q: p >= q,
           sp.Eq: lambda p, q: p == q}
    if type(cond) not in ops:
        raise ValueError(f"unsupported condition {cond}")
    return ops[type(cond)](_exact_value(cond.lhs, at), _exact_value(cond.rhs, at))


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


# --- the network for a given f --------------------------------------------------------------------


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


def _check_function(f: sp.Basic, lo: Decimal, hi: Decimal) -> None:
    import numpy as np

    if f.free_symbols - {x}:
        raise ValueError(f"the function may only use x, not {', '.join(map(str, f.free_symbols - {x}))}")
    grid = np.linspace(float(lo), float(hi), 1001)
    with np.errstate(all="ignore"):
        values = np.broadcast_to(np.asarray(sp.lambdify(x, f, "numpy")(grid), dtype=complex), grid.shape)
    if not np.all(np.isfinite(values)) or np.any(np.abs(values.imag) > 1e-12):
        raise ValueError("the function is not finite and real on the whole interval")


# --- the derivation -----------------------------------------------------------------------------------


def _staircase(unit) -> sp.Basic:
    return v[0] + sp.Sum((v[i] - v[i - 1]) * unit(i), (i, 1, k))


def _thresholds(d: DerivationBuilder) -> None:
    d.assume(r"a > 0 \text{ (the slope)},\ x, c \in \mathbb{R}", "a > 0 (the slope), x and c real")
    d.assume(r"\sigma(u) = \frac{1}{1 + e^{-u}},\ H(u) = \begin{cases} 0 & u < 0 \\ \frac{1}{2} & u = 0 \\ "
             r"1 & u > 0 \end{cases}", "sigma(u) = 1/(1 + e^(-u)); H(u) = 0 for u < 0, 1/2 at 0, 1 for u > 0")
    variables = {"x": "the input", "c": "the threshold (centre of the unit)", "a": "the slope, a -> infinity"}
    (
        d.chain(r"Compressing the sigmoid gives a threshold ($x \ne c$)", sp.Limit(sigma(a * (x - c)), a, sp.oo))
        .step(sp.Limit(1 / (1 + sp.exp(-a * (x - c))), a, sp.oo), "definition of the sigmoid",
              prover=prove_threshold_limit)
        .step(sp.Piecewise((1, x > c), (0, x < c)),
              r"for $x > c$: $e^{-a(x - c)} \to 0$, the fraction $\to 1$; for $x < c$: $e^{-a(x - c)} \to \infty$, "
              r"the fraction $\to 0$ (SymPy limit; mpmath at growing $a$)", prover=prove_threshold_limit)
        .step(H(x - c), r"the Heaviside step for $x \ne c$", prover=prove_threshold_limit)
        .result("squash-approximation.threshold",
                "A compressed sigmoid tends to the Heaviside step (x != c)", variables)
    )
    (
        d.chain(r"At the threshold $x = c$: $\sigma(a(x - c)) = \sigma(0)$ for every slope", sigma(0))
        .step(sp.Rational(1, 2), r"$\sigma(0) = 1/(1 + e^{0}) = 1/2$")
        .step(H(0), r"$H(0) = 1/2$, the midpoint of the jump")
        .result("squash-approximation.at_threshold", "At the threshold the sigmoid is 1/2 = H(0) for every slope",
                {"x": "the input, here equal to the threshold c"})
    )
    (
        d.chain(r"The bound depends only on $s = a(x - c)$", threshold_gap(c), SCALING_CONTEXT)
        .step(sp.exp(-sp.Abs(s)) - sp.Abs(sigma(s) - H(s)),
              r"$s = a(x - c)$ with $a > 0$: $a|x - c| = |s|$ and $H(x - c) = H(s)$")
    )
    (
        d.chain(r"The threshold bound for $s > 0$: $|\sigma(s) - H(s)| \le e^{-s}$",
                sp.exp(-sp.Abs(s_pos)) - sp.Abs(sigma(s_pos) - H(s_pos)), POSITIVE_CONTEXT)
        .step(sp.exp(-s_pos) - (1 - sigma(s_pos)), r"$H(s) = 1$ for $s > 0$, and $\sigma(s) < 1$")
        .step(sp.exp(-s_pos) - sigma(-s_pos), r"symmetry $1 - \sigma(s) = \sigma(-s)$ (sigmoid.symmetry)")
        .step(sp.exp(-s_pos) - 1 / (1 + sp.exp(s_pos)), "definition of the sigmoid")
        .step(AtLeastZero(sp.exp(-s_pos) / (1 + sp.exp(s_pos))),
              r"common denominator, $(1 + e^{s}) e^{-s} - 1 = e^{-s}$; so $1/(1 + e^{s}) \le e^{-s}$: "
              r"a positive number over a positive number", prover=prove_nonnegative)
    )
    (
        d.chain(r"The threshold bound for $s < 0$: $|\sigma(s) - H(s)| \le e^{s}$",
                sp.exp(-sp.Abs(s_neg)) - sp.Abs(sigma(s_neg) - H(s_neg)), NEGATIVE_CONTEXT)
        .step(sp.exp(s_neg) - sigma(s_neg), r"$H(s) = 0$ for $s < 0$, and $\sigma(s) > 0$")
        .step(sp.exp(s_neg) - 1 / (1 + sp.exp(-s_neg)), "definition of the sigmoid")
        .step(AtLeastZero(sp.exp(s_neg) / (1 + sp.exp(-s_neg))),
              r"common denominator, $(1 + e^{-s}) e^{s} - 1 = e^{s}$; so $1/(1 + e^{-s}) \le e^{s}$: "
              r"a positive number over a positive number", prover=prove_nonnegative)
    )
    (
        d.chain(r"The threshold bound for $s = 0$", sp.exp(-sp.Abs(sp.S.Zero)) - sp.Abs(sigma(0) - H(0)))
        .step(AtLeastZero(sp.S.One), r"$\sigma(0) = H(0) = 1/2$", prover=prove_nonnegative)
    )


def _staircases(d: DerivationBuilder) -> None:
    d.assume(r"c_1 < c_2 < \dots < c_k,\ c_0 = -\infty,\ c_{k+1} = \infty",
             "thresholds c_1 < c_2 < ... < c_k (c_0 = -infinity, c_(k+1) = infinity)")
    d.assume(r"\text{cell } j\ (0 \le j \le k):\ c_j < x < c_{j+1}", "cell j (0 <= j <= k): c_j < x < c_(j+1)")
    d.assume(r"S(x) = v_0 + \sum_{i=1}^k (v_i - v_{i-1}) H(x - c_i),\ "
             r"F_a(x) = v_0 + \sum_{i=1}^k (v_i - v_{i-1}) \sigma(a(x - c_i))",
             "S(x) = v_0 + sum_i (v_i - v_(i-1)) H(x - c_i) (the staircase), "
             "F_a(x) = v_0 + sum_i (v_i - v_(i-1)) sigma(a(x - c_i)) (the sigmoid network)")
    stairs = _staircase(lambda m: H(x - cs[m]))
    variables = {"x": "the input, in cell j: c_j < x < c_(j+1)", "v_i": "the value of the staircase on cell i",
                 "c_i": "the i-th threshold", "k": "the number of thresholds (units)", "j": "the cell containing x"}
    (
        d.chain("A sum of $k$ thresholds is a staircase", stairs)
        .step(v[0] + sp.Sum(v[i] - v[i - 1], (i, 1, j)),
              r"on cell $j$: $H(x - c_i) = 1$ for $i \le j$ ($c_i \le c_j < x$), $0$ for $i > j$ "
              r"($x < c_{j+1} \le c_i$)", prover=prove_on_cells)
        .step(v[j], r"telescoping sum: the step interpolant takes the value $v_j$ on cell $j$", prover=prove_on_cells)
        .result("squash-approximation.construction",
                "A sum of k thresholds equals the step interpolant v_j on every cell j", variables)
    )
    (
        d.chain("On a threshold the staircase takes the mean of the two steps", stairs.xreplace({x: cs[j]}))
        .step(v[0] + sp.Sum(v[i] - v[i - 1], (i, 1, j - 1)) + (v[j] - v[j - 1]) * H(0),
              r"at $x = c_j$: $H(c_j - c_i) = 1$ for $i < j$, $H(0)$ for $i = j$, $0$ for $i > j$",
              prover=prove_at_thresholds)
        .step((v[j - 1] + v[j]) / 2, r"telescoping sum and $H(0) = 1/2$", prover=prove_at_thresholds)
    )
    smooth = _staircase(lambda m: sigma(a * (x - cs[m])))
    bound = sp.Sum(sp.Abs(v[i] - v[i - 1]) * sp.exp(-a * sp.Abs(x - cs[i])), (i, 1, k))
    units = (v[i] - v[i - 1]) * gap[i]
    split = (sp.Sum(sp.Abs(v[i] - v[i - 1]) * (sp.exp(-a * sp.Abs(x - cs[i])) - sp.Abs(gap[i])), (i, 1, k))
             + sp.Sum(sp.Abs(units), (i, 1, k)) - sp.Abs(sp.Sum(units, (i, 1, k))))
    d.assume(r"\Delta_i = \sigma(a(x - c_i)) - H(x - c_i)", "Delta_i = sigma(a(x - c_i)) - H(x - c_i)")
    (
        d.chain(r"Sigmoids for thresholds: $|F_a(x) - S(x)| \le \sum_i |v_i - v_{i-1}|\, e^{-a|x - c_i|}$",
                bound - sp.Abs(smooth - stairs), BOUND_CONTEXT)
        .step(bound - sp.Abs(sp.Sum(units, (i, 1, k))),
              r"$v_0$ cancels; one sum over the units, $\Delta_i = \sigma(a(x - c_i)) - H(x - c_i)$",
              prover=prove_for_explicit_k)
        .step(split, r"add and subtract $\sum_i |v_i - v_{i-1}|\,|\Delta_i|$", prover=prove_for_explicit_k)
        .step(AtLeastZero(split),
              r"each $e^{-a|x - c_i|} - |\Delta_i| \ge 0$ (the threshold bound above) times $|v_i - v_{i-1}| \ge 0$; "
              r"$\sum_i |u_i| - |\sum_i u_i| \ge 0$ (triangle inequality)", prover=prove_bound_by_lemmas)
    )


@lru_cache(maxsize=None)
def build(function: str | None = None, interval: tuple[str, str] | None = None, segments: int = 16,
          slope: str = "200") -> Derivation:
    """The threshold limit and bound, the staircase; with ``function`` also the network for that f.

    ``function`` is untrusted text, parsed by :func:`derive.safe_function.parse_function`;
    ``interval`` two decimals (default 0 and 3.14); ``segments`` 1..:data:`MAX_SEGMENTS`;
    ``slope`` a decimal in (0, :data:`MAX_SLOPE`].
    """
    d = DerivationBuilder("squash-approximation", "Universal approximation: compressed sigmoids make a staircase",
                          CONTEXT)
    _thresholds(d)
    _staircases(d)
    d.note("Why this approximates every continuous f", (
        "Take knots a_0 < ... < a_k on [lo, hi], v_m = f(a_m) and thresholds c_i between a_(i-1) and a_i. "
        "The staircase S is within the oscillation of f over a cell of f, which goes to 0 as the cells shrink "
        "(f is uniformly continuous); the sigmoid network F_a is within sum_i |v_i - v_(i-1)| e^(-a|x - c_i|) of "
        "S, which goes to 0 as a grows, except within a distance of order 1/a of a threshold, where F_a moves "
        "between two neighbouring steps (both close to f when the cells are small)."))
    if function is not None:
        _network_for(d, function, interval or ("0", "3.14"), segments, slope)
    return d.build()


def _table_settings(segments: int, slope: float):
    ks = sorted(set(TABLE_SEGMENTS) | {segments})
    slopes = sorted(set(map(float, TABLE_SLOPES)) | {slope})
    return [(m, sl) for m in ks for sl in slopes]


def _network_for(d: DerivationBuilder, function: str, interval: tuple[str, str], segments: int, slope: str) -> None:
    from derive.safe_function import parse_function

    f = parse_function(function).xreplace({sp.Symbol("x", real=True): x})
    lo, hi = (Decimal(str(end)) for end in interval)
    slope_value = Decimal(_plain(Decimal(str(slope)))) if Decimal(str(slope)).is_finite() else Decimal(str(slope))
    if not lo < hi:
        raise ValueError(f"the interval must have lo < hi, got {lo} and {hi}")
    if not 1 <= segments <= MAX_SEGMENTS:
        raise ValueError(f"segments must be between 1 and {MAX_SEGMENTS}, got {segments}")
    if not (slope_value.is_finite() and 0 < slope_value <= MAX_SLOPE):
        raise ValueError(f"the slope must be positive and at most {MAX_SLOPE}, got {slope}")
    _check_function(f, lo, hi)
    knots, values, thresholds, weights = squash_network(f, lo, hi, segments)
    span = f"[{_plain(lo)}, {_plain(hi)}]"
    d.assume(rf"f(x) = {sp.latex(f)},\ x \in {span},\ k = {segments},\ a = {slope_value}",
             f"f(x) = {f} on {span} with k = {segments} units of slope a = {slope_value}")
    title = rf"$f(x) = {sp.latex(f)}$ on ${span}$, $k = {segments}$"
    slope_number = sp.Integer(int(slope_value)) if slope_value == slope_value.to_integral_value() else _float(slope_value)
    network = sp.Add(_float(values[0]), *[sp.Mul(_float(w), sigma(sp.Add(slope_number * x, _float(-slope_value * t),
                                                                          evaluate=False)), evaluate=False)
                                          for t, w in zip(thresholds, weights)], evaluate=False)
    (
        d.chain(rf"The network for {title}, slope $a = {slope_value}$", network)
        .step(sp.Add(_float(values[0]), *[sp.Mul(_float(w), sigma(slope_number * (x - _float(t))),
                                                 evaluate=False) for t, w in zip(thresholds, weights)],
                     evaluate=False),
              r"each unit is a sigmoid of slope $a$ centred at $c_i = -b_i/a$")
    )
    stairs = sp.Add(_float(values[0]), *[sp.Mul(_float(w), H(x - _float(t)), evaluate=False)
                                        for t, w in zip(thresholds, weights)], evaluate=False)
    cuts = [sp.Rational(str(t)) for t in thresholds]
    if segments > SHOWN_STEPS:
        d.note("The staircase with these numbers", (
            f"With k = {segments} > {SHOWN_STEPS} thresholds the step function (2k + 1 pieces) is too long to "
            f"typeset on a page; it is v_j on cell j by the proved construction, and the table lists every unit."))
        return _units_and_errors(d, f, lo, hi, segments, slope_value, values, thresholds, weights)
    ordered = []
    for m in range(segments):
        ordered += [(_float(values[m]), x < cuts[m]), (_float((values[m] + values[m + 1]) / 2), sp.Eq(x, cuts[m]))]
    ordered.append((_float(values[-1]), True))
    (
        d.chain(rf"Its limit $a \to \infty$ for {title}: the nearest-knot step interpolant", stairs)
        .step(sp.Piecewise(*ordered),
              r"add the steps that are on in each cell; thresholds $c_i$ midway between the knots, "
              rf"values $f(a_m)$ rounded to {SIGNIFICANT} significant digits", prover=prove_step_function)
    )
    _units_and_errors(d, f, lo, hi, segments, slope_value, values, thresholds, weights)


def _units_and_errors(d: DerivationBuilder, f, lo, hi, segments, slope_value, values, thresholds, weights) -> None:
    """The table of units, the error table and the note on the error."""
    rows, text_rows = [], []
    for m, (t, w) in enumerate(zip(thresholds, weights), start=1):
        cells = (str(m), _plain(t), _plain(slope_value), _plain(-slope_value * t), _plain(w))
        rows.append((cells[0], *(f"${cell}$" for cell in cells[1:])))
        text_rows.append(cells)
    d.table(Table(f"Units of the network F(x) = {values[0]} + sum_i w_i sigma(a x + b_i)",
                  ("unit i", "threshold c_i", "input weight a", "bias b_i", "output weight w_i"),
                  tuple(rows), tuple(text_rows)))
    settings = _table_settings(segments, float(slope_value))
    measured = {(m, sl): error_and_bound(f, lo, hi, m, sl) for m, sl in settings}
    cells = tuple((str(m), f"{sl:g}", *(f"{number:.3e}" for number in measured[(m, sl)])) for m, sl in settings)
    d.table(Table("Maximum error max |f(x) - F(x)|, of the staircase S (a -> infinity), and the proved bound",
                  ("segments k", "slope a", "max error", "staircase error", "proved bound"), cells, cells))
    first = measured[(TABLE_SEGMENTS[0], float(TABLE_SLOPES[0]))][0]
    last = measured[(TABLE_SEGMENTS[-1], float(TABLE_SLOPES[-1]))][0]
    mine, _, mine_bound = measured[(segments, float(slope_value))]
    diagonal = [measured[(m, float(sl))][0] for m, sl in zip(TABLE_SEGMENTS, TABLE_SLOPES)]
    trend = ("falls at every step" if all(q < p for p, q in zip(diagonal, diagonal[1:])) else
             "falls overall" if diagonal[-1] < diagonal[0] else "does not fall")
    along = ", ".join(f"{e:.3e} (k = {m}, a = {sl})" for e, m, sl in zip(diagonal, TABLE_SEGMENTS, TABLE_SLOPES))
    d.note("Maximum error", (
        f"With k = {segments} units of slope a = {_plain(slope_value)} the network's maximum error is {mine:.3e} "
        f"(at {SAMPLES_PER_SEGMENT} points per segment; proved bound {mine_bound:.3e}). As k and a grow together "
        f"the error {trend}: {along}. For a fixed k a steeper slope brings the network to the staircase, whose "
        f"error (about half the largest step) only more units reduce; a gentle slope can be below it (the sigmoids "
        f"smooth the steps), and a slope small against 1/(cell width) blurs f near the ends of the interval. The "
        f"bound is the maximum over the grid of |f - S| + sum_i |w_i| e^(-a|x - c_i|) (both parts proved above)."))
