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

from decimal import Decimal
from functools import lru_cache

import sympy as sp

from derive.derivation import Derivation, DerivationBuilder, Table
from derive.inequalities import AtLeastZero, prove_nonnegative
from derive.notation import sigma
from derive.topics._squash_network import (SAMPLES_PER_SEGMENT, SIGNIFICANT, _float, _plain, check_function,
                                           error_and_bound, network_output, squash_network)
from derive.topics._squash_notation import (BOUND_CONTEXT, CONTEXT, NEGATIVE_CONTEXT, POSITIVE_CONTEXT,
                                            SCALING_CONTEXT, H, a, c, cs, gap, i, j, k, s, s_neg, s_pos, v, x)
from derive.topics._squash_provers import (prove_at_thresholds, prove_bound_by_lemmas, prove_for_explicit_k,
                                           prove_on_cells, prove_step_function, prove_threshold_limit,
                                           threshold_gap)

__all__ = ["build", "error_and_bound", "network_output", "squash_network", "H", "CONTEXT", "BOUND_CONTEXT",
           "POSITIVE_CONTEXT", "prove_threshold_limit", "prove_on_cells", "prove_at_thresholds",
           "prove_for_explicit_k", "prove_bound_by_lemmas", "prove_step_function"]

MAX_SEGMENTS = 200
MAX_SLOPE = 10**6
#: Up to this many thresholds the step function of the network is shown (and proved) piece by piece.
SHOWN_STEPS = 20
#: The error table: numbers of segments and slopes.
TABLE_SEGMENTS = (4, 16, 64)
TABLE_SLOPES = (10, 100, 1000)
#: Slopes of the table of the compressed sigmoid against its threshold.
COMPRESSION_SLOPES = (1, 10, 100, 1000)


# --- the derivation -----------------------------------------------------------------------------------


def _staircase(unit) -> sp.Basic:
    return v[0] + sp.Sum((v[i] - v[i - 1]) * unit(i), (i, 1, k))


def _compression_table() -> Table:
    r""":math:`|\sigma(a u) - H(u)|` against the bound :math:`e^{-a|u|}` at :math:`u = x - c = \pm 0.1`
    for growing :math:`a`, in 60-digit mpmath (1 - sigma formed as written: the digits cover e^{-100})."""
    import mpmath

    rows = []
    with mpmath.workdps(60):
        for slope in COMPRESSION_SLOPES:
            for u in (mpmath.mpf("0.1"), mpmath.mpf("-0.1")):
                value = 1 / (1 + mpmath.exp(-slope * u))
                step = 1 if u > 0 else 0
                rows.append((str(slope), mpmath.nstr(u, 2), mpmath.nstr(value, 6), mpmath.nstr(abs(value - step), 4),
                             mpmath.nstr(mpmath.exp(-slope * abs(u)), 4)))
    return Table("Compressing the sigmoid: |sigma(a(x - c)) - H(x - c)| and the bound e^(-a|x - c|), mpmath",
                 ("slope a", "x - c", "sigma(a(x - c))", "distance to H(x - c)", "bound exp(-a abs(x - c))"),
                 tuple(rows), tuple(rows))


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
    d.table(_compression_table())
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
        "The staircase S differs from f by at most the oscillation of f over one cell, which goes to 0 as the "
        "cells shrink (f is uniformly continuous); the sigmoid network F_a is within "
        "sum_i |v_i - v_(i-1)| e^(-a|x - c_i|) of "
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
    check_function(f, lo, hi)
    knots, values, thresholds, weights = squash_network(f, lo, hi, segments)
    span = f"[{_plain(lo)}, {_plain(hi)}]"
    d.assume(rf"f(x) = {sp.latex(f)},\ x \in {span},\ k = {segments},\ a = {slope_value}",
             f"f(x) = {f} on {span} with k = {segments} units of slope a = {slope_value}")
    title = rf"$f(x) = {sp.latex(f)}$ on ${span}$, $k = {segments}$"
    integral = slope_value == slope_value.to_integral_value()
    slope_number = sp.Integer(int(slope_value)) if integral else _float(slope_value)
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
