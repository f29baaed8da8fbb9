r"""Universal approximation with ReLUs: k units reproduce a piecewise-linear interpolant
(NPFL129 lectures 4 and 5, "Universal Approximation Theorem for ReLUs").

Knots :math:`a_0 < a_1 < \dots < a_k`, values :math:`v_i = f(a_i)`, segment slopes
:math:`s_i = (v_i - v_{i-1})/(a_i - a_{i-1})` and :math:`s_0 = 0`. The network

.. math::
    F(x) = v_0 + \sum_{i=1}^{k} (s_i - s_{i-1}) \operatorname{ReLU}(x - a_{i-1})

starts a new ReLU at every endpoint, with the difference of the target slope and the slope so
far; on segment :math:`j` (:math:`a_{j-1} \le x \le a_j`) it equals
:math:`v_{j-1} + s_j (x - a_{j-1})`, the linear interpolant (proved by :func:`prove_on_segments`
for k = 1..4, every segment). Also: the seeds' six-ReLU example written as a piecewise-linear
function, and, with ``build(function=..., interval=..., segments=...)``, the network for a
given f with its measured maximum error for a growing number of segments.
"""

from __future__ import annotations

import random
import zlib
from decimal import Decimal, localcontext
from fractions import Fraction
from functools import lru_cache

import sympy as sp

from derive.context import ProofContext, define_function
from derive.derivation import Derivation, DerivationBuilder, Table
from derive.exact import exact_value
from derive.proof import Proof

x = sp.Symbol("x", real=True)
a = sp.IndexedBase("a", real=True)
v = sp.IndexedBase("v", real=True)
s = sp.IndexedBase("s", real=True)
i = sp.Symbol("i", integer=True, positive=True)
j = sp.Symbol("j", integer=True, positive=True)
k = sp.Symbol("k", integer=True, positive=True)

#: Numbers of segments for which the general construction is checked, every segment of each.
CHECKED_KS = (1, 2, 3, 4)
SIGNIFICANT = 6
SAMPLES_PER_SEGMENT = 200
MAX_SEGMENTS = 200


class relu(sp.Function):
    r""":math:`\operatorname{ReLU}(u) = \max(0, u)`, kept as notation."""

    def _latex(self, printer, exp=None):
        tex = r"\operatorname{ReLU}\left(%s\right)" % printer._print(self.args[0])
        return tex if exp is None else r"%s^{%s}" % (tex, exp)

    def _derive_text(self, printer):
        return "ReLU(%s)" % printer._print(self.args[0])


RELU_DEFINITION = define_function(relu, lambda u: sp.Max(0, u))
CONTEXT = ProofContext(definitions=(RELU_DEFINITION,))


# --- the general construction, checked segment by segment ------------------------------------------


def _concrete(expr: sp.Basic, kk: int, jj: int, widths, a0, tau) -> sp.Basic:
    """``expr`` for k = kk, x on segment jj: knots a_0 + w_1 + ... + w_i, x = a_{jj-1} + tau w_jj."""
    knots = [a0 + sum(widths[:m]) for m in range(kk + 1)]
    e = expr.xreplace({k: sp.Integer(kk), j: sp.Integer(jj)}).doit()
    slopes = {0: sp.S.Zero}
    slopes.update({m: (v[m] - v[m - 1]) / (knots[m] - knots[m - 1]) for m in range(1, kk + 1)})
    e = e.replace(lambda t: isinstance(t, sp.Indexed) and t.base == s, lambda t: slopes[int(t.indices[0])])
    e = e.replace(lambda t: isinstance(t, sp.Indexed) and t.base == a, lambda t: knots[int(t.indices[0])])
    return e.xreplace({x: knots[jj - 1] + tau * widths[jj - 1]})


def _resolve_relus(e: sp.Basic, widths, tau, rng: random.Random) -> sp.Basic | None:
    """Replace each ReLU(u) by u or 0: u is linear in tau, so its signs at tau = 0 and 1 decide
    its sign on the whole segment; None if a kink lies inside the segment."""
    point = {w: sp.Rational(rng.randint(1, 1000), 100) for w in widths}

    def branch(r):
        u = r.args[0]
        ends = [u.xreplace({tau: t}).xreplace(point) for t in (0, 1)]
        ends = [sp.nsimplify(sp.expand(val)) for val in ends]
        if any(not val.is_number for val in ends):
            raise ValueError("not a number")
        if all(val >= 0 for val in ends):
            return u
        if all(val <= 0 for val in ends):
            return sp.S.Zero
        raise ValueError("a ReLU changes sign inside the segment")

    try:
        return e.replace(lambda t: isinstance(t, relu), branch)
    except ValueError:
        return None


def prove_on_segments(prev: sp.Basic, expr: sp.Basic, ctx: ProofContext) -> Proof:
    r"""Prove a step of the construction for k in :data:`CHECKED_KS` and every segment j.

    Knots are :math:`a_0 + w_1 + \dots + w_i` with symbolic widths :math:`w > 0`, values
    :math:`v_i` symbolic, :math:`x = a_{j-1} + \tau w_j` with :math:`\tau \in [0, 1]`; each ReLU
    is replaced by its branch on the segment; the difference must simplify to 0 (symbolic) and
    vanish at random points (numeric).
    """
    rng = random.Random(zlib.crc32((sp.srepr(prev) + sp.srepr(expr)).encode()))
    tau, a0 = sp.Symbol("tau", nonnegative=True), sp.Symbol("a_0", real=True)
    for kk in CHECKED_KS:
        widths = sp.symbols(f"w1:{kk + 1}", positive=True)
        for jj in range(1, kk + 1):
            sides = [_resolve_relus(_concrete(e, kk, jj, widths, a0, tau), widths, tau, rng) for e in (prev, expr)]
            if any(side is None for side in sides):
                return Proof(False, "symbolic", f"k = {kk}, segment {jj}: a ReLU has a kink inside the segment")
            diff = sides[0] - sides[1]
            for _ in range(ctx.points):
                point = {sym: sp.Rational(rng.randint(1, 3000), 1000) for sym in diff.free_symbols}
                point[tau] = sp.Rational(rng.randint(0, 1000), 1000)
                if diff.xreplace(point).evalf(ctx.digits) != 0 and abs(diff.xreplace(point)) > 0:
                    return Proof(False, "numeric", f"k = {kk}, segment {jj}: differs at {point}")
            if sp.simplify(diff) != 0:
                return Proof(False, "symbolic", f"k = {kk}, segment {jj}: the difference does not simplify to 0")
    ks = ", ".join(map(str, CHECKED_KS))
    return Proof(True, "symbolic+numeric", f"k = {ks}, every segment j, symbolic knots and values: the difference "
                                           f"simplifies to 0 and is 0 at {ctx.points} random points each")


# --- piecewise-linear functions with explicit numbers ------------------------------------------------


def _exact(e: sp.Basic) -> sp.Basic:
    """Floats as the exact decimals they print as (the numbers of a network are decimals)."""
    return e.xreplace({f: sp.Rational(str(f)) for f in e.atoms(sp.Float)})


def _kinks(e: sp.Basic) -> set:
    """The x where a ReLU argument or a Piecewise condition changes sign (all linear in x)."""
    points = set()
    for r in e.atoms(relu, sp.Max):
        u = [arg for arg in r.args if arg.has(x)][0]
        points.add(sp.solve(u, x)[0])
    for pw in e.atoms(sp.Piecewise):
        for _, cond in pw.args:
            for rel in ([cond] if isinstance(cond, sp.core.relational.Relational) else cond.atoms(sp.core.relational.Relational)):
                points.update(sp.solve(rel.lhs - rel.rhs, x))
    return points


def _is_linear_pieces(e: sp.Basic) -> bool:
    args = [r.args[0] for r in e.atoms(relu)] + [b for pw in e.atoms(sp.Piecewise) for b, _ in pw.args]
    return all(sp.Poly(arg, x).degree() <= 1 if arg.has(x) else True for arg in args)


#: ReLU and max in exact arithmetic (:func:`derive.exact.exact_value`).
_EXACT_FUNCTIONS = {relu: lambda u: max(Fraction(0), u), sp.Max: lambda *args: max(args)}


def _exact_value(e: sp.Basic, at: Fraction) -> Fraction:
    """``e`` at ``x = at`` in exact rational arithmetic (numbers, x, +, *, ReLU, Max, Piecewise)."""
    return exact_value(e, at, x, _EXACT_FUNCTIONS, "not piecewise linear")


def prove_piecewise_linear(prev: sp.Basic, expr: sp.Basic, ctx: ProofContext) -> Proof:
    r"""Prove two piecewise-linear functions of :math:`x` equal, exactly.

    Both sides are linear between consecutive kinks (ReLU arguments and Piecewise pieces are
    checked to be linear in :math:`x`), so they are equal everywhere iff they agree, in exact
    rational arithmetic (:class:`fractions.Fraction`), at every kink, at the midpoint of each
    piece and at one point beyond each end (two points fix a line; the midpoint catches a jump).
    """
    p, q = _exact(prev), _exact(expr)
    try:
        if not (_is_linear_pieces(p) and _is_linear_pieces(q)):
            return Proof(False, "symbolic", "not piecewise linear in x")
        kinks = sorted(Fraction(int(c.p), int(c.q)) for c in _kinks(p) | _kinks(q))
        probes = list(kinks) + [(lo + hi) / 2 for lo, hi in zip(kinks, kinks[1:])]
        probes += [kinks[0] - 1, kinks[-1] + 1] if kinks else [Fraction(0), Fraction(1)]
        for point in probes:
            va, vb = _exact_value(p, point), _exact_value(q, point)
            if va != vb:
                return Proof(False, "symbolic", f"differs at x = {point}: {va} vs {vb}")
    except ValueError as exc:
        return Proof(False, "symbolic", str(exc))
    return Proof(True, "symbolic", f"exact rational arithmetic at the {len(kinks)} kinks, the midpoints of the "
                                   f"pieces and beyond both ends (both sides linear between kinks)")


def _interval_pieces(slopes_at, kinks, value_at) -> sp.Piecewise:
    """The Piecewise of a continuous piecewise-linear function given by kinks and the line on each piece."""
    pieces = []
    bounds = list(kinks) + [sp.oo]
    for m, hi in enumerate(bounds):
        line = value_at(m)
        pieces.append((line, x < hi) if hi is not sp.oo else (line, True))
    return sp.Piecewise(*pieces)


# --- the seeds' six-ReLU example --------------------------------------------------------------------

SEED_UNITS = ((-1, "-5", "-7.7"), (-1, "-1.2", "-1.3"), (-1, "1.2", "1"), (1, "1.2", "-.2"), (1, "2", "-1.1"),
              (1, "5", "-5"))


def _float(value) -> sp.Float:
    """A decimal as a SymPy Float that prints as that decimal."""
    if isinstance(value, sp.Rational):
        with localcontext() as dc:
            dc.prec = 80
            value = Decimal(int(value.p)) / Decimal(int(value.q))
    text = format(Decimal(str(value)).normalize(), "f")
    return sp.Float(text, max(15, len(text)))


def _seed_example():
    units = [(sign, sp.Rational(w), sp.Rational(b)) for sign, w, b in SEED_UNITS]
    network = sp.Add(*[relu(_float(w) * x + _float(b)) if sign > 0 else
                       sp.Mul(-1, relu(_float(w) * x + _float(b)), evaluate=False) for sign, w, b in units],
                     evaluate=False)
    kinks = sorted({-b / w for _, w, b in units})

    def line(m):
        probe = (kinks[0] - 1) if m == 0 else ((kinks[m - 1] + kinks[m]) / 2 if m < len(kinks) else kinks[-1] + 1)
        slope = sum(sign * w for sign, w, b in units if w * probe + b > 0)
        intercept = sum(sign * b for sign, w, b in units if w * probe + b > 0)
        return _float(slope) * x + _float(intercept) if slope else _float(intercept)

    return network, _interval_pieces(None, kinks, line)


# --- the network for a given f ---------------------------------------------------------------------


def _round(value, digits: int = SIGNIFICANT) -> Decimal:
    with localcontext() as dc:
        dc.prec = digits
        return +Decimal(str(sp.Float(value, 30)))


def relu_network(f: sp.Basic, lo: Decimal, hi: Decimal, segments: int):
    """Knots, values, and unit weights (rounded to :data:`SIGNIFICANT` digits) of the k-ReLU network.

    Returns ``(knots, offset, weights)`` as Decimals: ``F(x) = offset + sum_i weights[i] ReLU(x - knots[i])``.
    """
    with localcontext() as dc:
        dc.prec = 60
        knots = [_round(lo + (hi - lo) * m / segments) for m in range(segments + 1)]
        knots[0], knots[-1] = lo, hi
        values = [Decimal(str(sp.N(f.xreplace({x: sp.Rational(str(c))}), 30))) for c in knots]
        slopes = [Decimal(0)] + [(values[m] - values[m - 1]) / (knots[m] - knots[m - 1]) for m in range(1, segments + 1)]
        weights = [_round(slopes[m] - slopes[m - 1]) for m in range(1, segments + 1)]
    return knots[:-1], _round(values[0]), weights, knots


def _network_expr(knots, offset, weights) -> sp.Basic:
    terms = [_float(offset)] + [sp.Mul(_float(w), relu(x - _float(c)), evaluate=False) for c, w in zip(knots, weights)]
    return sp.Add(*terms, evaluate=False)


def _network_pieces(knots, offset, weights) -> sp.Piecewise:
    with localcontext() as dc:
        dc.prec = 80

        def line(m):
            active = list(zip(knots, weights))[:m]
            slope = sum((w for _, w in active), Decimal(0))
            intercept = offset - sum((w * c for c, w in active), Decimal(0))
            return _float(slope) * x + _float(intercept)

        kinks = [sp.Rational(str(c)) for c in knots]
        return _interval_pieces(None, kinks, line)


def max_error(f: sp.Basic, lo: Decimal, hi: Decimal, segments: int) -> float:
    """max |f - F| over :data:`SAMPLES_PER_SEGMENT` points per segment (NumPy)."""
    import numpy as np

    knots, offset, weights, _ = relu_network(f, lo, hi, segments)
    grid = np.linspace(float(lo), float(hi), SAMPLES_PER_SEGMENT * segments + 1)
    target = np.broadcast_to(np.asarray(sp.lambdify(x, f, "numpy")(grid), dtype=float), grid.shape)
    approx = float(offset) + sum(float(w) * np.maximum(grid - float(c), 0) for c, w in zip(knots, weights))
    return float(np.max(np.abs(target - approx)))


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


@lru_cache(maxsize=None)
def build(function: str | None = None, interval: tuple[str, str] | None = None, segments: int = 8) -> Derivation:
    """The construction and the seeds' example; with ``function`` also the network for that f.

    ``function`` is untrusted text, parsed by :func:`derive.safe_function.parse_function`;
    ``interval`` two decimals (default 0 and 3.14); ``segments`` 1..:data:`MAX_SEGMENTS`.
    """
    d = DerivationBuilder("relu-approximation", "Universal approximation: a sum of ReLUs", CONTEXT)
    d.assume(r"a_0 < a_1 < \dots < a_k,\ v_i = f(a_i)", "knots a_0 < a_1 < ... < a_k, values v_i = f(a_i)")
    d.assume(r"s_i = \frac{v_i - v_{i-1}}{a_i - a_{i-1}}\ (i \ge 1),\ s_0 = 0",
             "slopes s_i = (v_i - v_(i-1)) / (a_i - a_(i-1)) for i >= 1, s_0 = 0")
    d.assume(r"a_{j-1} \le x \le a_j \text{ (segment } j)", "x on segment j: a_(j-1) <= x <= a_j")
    network = v[0] + sp.Sum((s[i] - s[i - 1]) * relu(x - a[i - 1]), (i, 1, k))
    (
        d.chain("$k$ ReLUs reproduce the piecewise-linear interpolant", network)
        .step(v[0] + sp.Sum((s[i] - s[i - 1]) * (x - a[i - 1]), (i, 1, j)),
              r"on segment $j$: $\operatorname{ReLU}(x - a_{i-1}) = x - a_{i-1}$ for $i \le j$ (started), "
              r"$0$ for $i > j$ (not yet)", prover=prove_on_segments)
        .step(v[0] + sp.Sum(s[i] * (x - a[i - 1]), (i, 1, j)) - sp.Sum(s[i] * (x - a[i]), (i, 1, j - 1)),
              r"split the sum, shift the index of the $s_{i-1}$ terms, $s_0 = 0$", prover=prove_on_segments)
        .step(v[0] + s[j] * (x - a[j - 1]) + sp.Sum(s[i] * (a[i] - a[i - 1]), (i, 1, j - 1)),
              r"combine the terms $i < j$: $(x - a_{i-1}) - (x - a_i) = a_i - a_{i-1}$", prover=prove_on_segments)
        .step(v[0] + s[j] * (x - a[j - 1]) + sp.Sum(v[i] - v[i - 1], (i, 1, j - 1)),
              r"definition of the slope: $s_i (a_i - a_{i-1}) = v_i - v_{i-1}$", prover=prove_on_segments)
        .step(v[j - 1] + s[j] * (x - a[j - 1]),
              r"telescoping sum: the line through $(a_{j-1}, v_{j-1})$ with the slope $s_j$ of segment $j$",
              prover=prove_on_segments)
        .result("relu-approximation.construction",
                "A sum of k ReLUs equals the piecewise-linear interpolant on every segment j",
                {"x": "the input, on segment j: a_(j-1) <= x <= a_j", "a_i": "the i-th knot (endpoint of segments)",
                 "v_i": "the target value f(a_i) at knot i", "s_i": "the slope of segment i, s_0 = 0",
                 "k": "the number of segments and of ReLU units", "j": "the segment containing x"})
    )
    seed_network, seed_pieces = _seed_example()
    (
        d.chain(r"The seeds' example: $Z = -n_1 - n_2 - n_3 + n_4 + n_5 + n_6$", seed_network)
        .step(seed_pieces, "add the units that are active on each piece (the kinks are where a unit starts)",
              prover=prove_piecewise_linear)
    )
    if function is not None:
        _network_for(d, function, interval or ("0", "3.14"), segments)
    return d.build()


def _network_for(d: DerivationBuilder, function: str, interval: tuple[str, str], segments: int) -> None:
    from derive.safe_function import parse_function

    f = parse_function(function).xreplace({sp.Symbol("x", real=True): x})
    lo, hi = (Decimal(str(end)) for end in interval)
    if not lo < hi:
        raise ValueError(f"the interval must have lo < hi, got {lo} and {hi}")
    if not 1 <= segments <= MAX_SEGMENTS:
        raise ValueError(f"segments must be between 1 and {MAX_SEGMENTS}, got {segments}")
    _check_function(f, lo, hi)
    knots, offset, weights, all_knots = relu_network(f, lo, hi, segments)
    d.assume(rf"f(x) = {sp.latex(f)},\ x \in [{lo}, {hi}],\ k = {segments}",
             f"f(x) = {f} on [{lo}, {hi}] with k = {segments} segments")
    (
        d.chain(rf"The network for $f(x) = {sp.latex(f)}$ on $[{lo}, {hi}]$ with $k = {segments}$",
                _network_expr(knots, offset, weights))
        .step(_network_pieces(knots, offset, weights),
              f"add the active units on each piece (weights rounded to {SIGNIFICANT} significant digits)",
              prover=prove_piecewise_linear)
    )
    rows, text_rows = [], []
    for m, (c, w) in enumerate(zip(knots, weights), start=1):
        rows.append((str(m), f"${c}$", f"${w}$", rf"$\operatorname{{ReLU}}(x - {c})$" if c >= 0 else
                     rf"$\operatorname{{ReLU}}(x + {-c})$"))
        text_rows.append((str(m), str(c), str(w), f"ReLU(x - {c})"))
    d.table(Table(f"Units of the network (F(x) = {offset} + sum of weight * unit)",
                  ("unit", "starts at", "weight", "unit"), tuple(rows), tuple(text_rows)))
    counts = sorted({1, 2, 4, 8, 16, 32, 64, 128, segments} - {m for m in range(segments + 1, 10**6)})
    errors = [(m, max_error(f, lo, hi, m)) for m in counts]
    d.table(Table("Maximum error max |f(x) - F(x)| on the interval, by number of segments",
                  ("segments k", "max error"),
                  tuple((str(m), f"{err:.3e}") for m, err in errors),
                  tuple((str(m), f"{err:.3e}") for m, err in errors)))
    monotone = all(b <= a * 1.0000001 for (_, a), (_, b) in zip(errors, errors[1:]))
    trend = (f"shrinks {'steadily' if monotone else 'overall (not at every step)'} as k grows, from "
             f"{errors[0][1]:.3e} at k = {errors[0][0]}" if errors[-1][1] < errors[0][1] else "does not shrink")
    d.note("Maximum error", (
        f"With k = {segments} segments the network's maximum error is {errors[-1][1]:.3e} "
        f"(measured at {SAMPLES_PER_SEGMENT} points per segment). Over k = {', '.join(str(m) for m, _ in errors)} "
        f"the error {trend}."))
