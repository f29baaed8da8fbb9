"""The squash construction: compressed sigmoids -> thresholds -> staircase, proved and runnable.

Numbers are checked against independent implementations: mpmath at 50 digits for the sigmoid
and the network, and, for the error table, a closed-form bound from the Lipschitz constant.
"""

import json
import math
import warnings
from decimal import Decimal

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st
from typer.testing import CliRunner

from derive.cli import app
from derive.derivation import DerivationBuilder, ProofError
from derive.inequalities import AtLeastZero, prove_nonnegative
from derive.notation import sigma
from derive.topics.squash_approximation import (
    BOUND_CONTEXT, CONTEXT, POSITIVE_CONTEXT, H, a, build, c, cs, error_and_bound, gap, i, j, k, network_output,
    prove_bound_by_lemmas, prove_on_cells, prove_step_function, prove_threshold_limit, s_pos, squash_network, v, x)

from _partb_checks import check_latex_compiles, check_renders

runner = CliRunner()
PI = str(math.pi)


def _stairs():
    return v[0] + sp.Sum((v[i] - v[i - 1]) * H(x - cs[i]), (i, 1, k))


# --- the general chains -------------------------------------------------------------------------


def test_builds_verified_with_results():
    d = build()
    assert d.verified
    assert d.result("squash-approximation.construction").expr == v[j]
    assert d.result("squash-approximation.threshold").expr == H(x - c)
    assert d.result("squash-approximation.at_threshold").expr == H(0)
    rules = " ".join(s.rule for s in d.steps)
    assert "threshold bound" in rules and "triangle inequality" in rules
    assert any(isinstance(s.expr, AtLeastZero) and s.proof.method == "symbolic+numeric" for s in d.steps)


def test_list_shows_the_result_ids():
    result = runner.invoke(app, ["list", "--json"])
    assert result.exit_code == 0, result.output
    topic = next(t for t in json.loads(result.output)["topics"] if t["id"] == "squash-approximation")
    assert "squash-approximation.construction" in topic["results"]
    assert "squash-approximation.threshold" in topic["results"]


@settings(max_examples=40, deadline=None)
@given(st.floats(-5, 5), st.floats(0.01, 4), st.sampled_from([1, -1]))
def test_compressed_sigmoid_approaches_the_step_within_the_bound(center, distance, side):
    """Independently of the module, in mpmath: |sigma(a(x - c)) - H(x - c)| <= e^{-a|x - c|}, shrinking in a.

    2000 digits: 1 - sigma(u) is formed by subtraction, so the precision must reach e^{-4000} (about
    10^-1737); the bound is tight to a relative e^{-a|x - c|}, so it is compared with a relative 10^-200
    (a wrong rate such as e^{-2a|x - c|} misses by a factor e^{a|x - c|})."""
    with mpmath.workdps(2000):
        xv = mpmath.mpf(center) + side * mpmath.mpf(distance)
        step = 1 if xv > center else 0
        gaps = []
        for slope in (1, 10, 100, 1000):
            u = slope * (xv - mpmath.mpf(center))
            gaps.append(abs(1 / (1 + mpmath.exp(-u)) - step))
            assert gaps[-1] <= mpmath.exp(-slope * abs(xv - center)) * (1 + mpmath.mpf(10) ** -200)
        assert all(later < earlier for earlier, later in zip(gaps, gaps[1:]))


def test_corrupted_limit_steps_rejected():
    lim = sp.Limit(sigma(a * (x - c)), a, sp.oo)
    for wrong in (H(c - x), sp.S.One, sp.S.Half, sigma(x - c)):
        b = DerivationBuilder("bad", "bad", CONTEXT)
        b.chain("c", lim).step(wrong, "wrong limit", prover=prove_threshold_limit)
        with pytest.raises(ProofError):
            b.build()
    assert prove_threshold_limit(lim, H(x - c), CONTEXT).verified


def test_corrupted_staircase_steps_rejected():
    for wrong in (v[j + 1], v[j - 1], v[0] + sp.Sum(v[i] - v[i - 1], (i, 1, j + 1))):
        b = DerivationBuilder("bad", "bad", CONTEXT)
        b.chain("c", _stairs()).step(wrong, "off by one cell", prover=prove_on_cells)
        with pytest.raises(ProofError):
            b.build()
    # the staircase with the units' differences replaced by the values themselves
    b = DerivationBuilder("bad", "bad", CONTEXT)
    b.chain("c", v[0] + sp.Sum(v[i] * H(x - cs[i]), (i, 1, k))).step(v[j], "values instead of steps",
                                                                        prover=prove_on_cells)
    assert not b.build(strict=False).verified


def test_wrong_threshold_bound_rejected():
    """1/(1 + e^s) <= e^{-2s} is false for large s: the inequality prover must find it."""
    b = DerivationBuilder("bad", "bad", POSITIVE_CONTEXT)
    b.chain("c", sp.exp(-2 * s_pos) - (1 - sigma(s_pos))).step(
        AtLeastZero(sp.exp(-2 * s_pos) - 1 / (1 + sp.exp(s_pos))), "wrong bound", prover=prove_nonnegative)
    with pytest.raises(ProofError):
        b.build()


def test_wrong_staircase_bound_rejected():
    """A bound with e^{-2a|x - c_i|} is neither covered by the lemma nor true."""
    units = (v[i] - v[i - 1]) * gap[i]
    too_small = sp.Sum(sp.Abs(v[i] - v[i - 1]) * sp.exp(-2 * a * sp.Abs(x - cs[i])), (i, 1, k))
    split = (sp.Sum(sp.Abs(v[i] - v[i - 1]) * (sp.exp(-2 * a * sp.Abs(x - cs[i])) - sp.Abs(gap[i])), (i, 1, k))
             + sp.Sum(sp.Abs(units), (i, 1, k)) - sp.Abs(sp.Sum(units, (i, 1, k))))
    proof = prove_bound_by_lemmas(too_small - sp.Abs(sp.Sum(units, (i, 1, k))), AtLeastZero(split), BOUND_CONTEXT)
    assert not proof.verified
    # and the triangle inequality is not applied to a sum that is not |sum u| (here sum |u| - |sum 2u|)
    good = (sp.Sum(sp.Abs(v[i] - v[i - 1]) * (sp.exp(-a * sp.Abs(x - cs[i])) - sp.Abs(gap[i])), (i, 1, k))
            + sp.Sum(sp.Abs(units), (i, 1, k)) - sp.Abs(sp.Sum(2 * units, (i, 1, k))))
    assert not prove_bound_by_lemmas(good, AtLeastZero(good), BOUND_CONTEXT).verified


def test_corrupted_concrete_step_function_rejected():
    stairs = sp.Float("0.5") + sp.Float("0.25") * H(x - sp.Rational(1, 2)) - sp.Float("0.75") * H(x - 1)
    right = sp.Piecewise((sp.Float("0.5"), x < sp.Rational(1, 2)), (sp.Float("0.625"), sp.Eq(x, sp.Rational(1, 2))),
                         (sp.Float("0.75"), x < 1), (sp.Float("0.375"), sp.Eq(x, 1)), (sp.Float("0"), True))
    assert prove_step_function(stairs, right, CONTEXT).verified
    wrong_mean = right.xreplace({sp.Float("0.375"): sp.Float("0.75")})
    no_mean = sp.Piecewise((sp.Float("0.5"), x < sp.Rational(1, 2)), (sp.Float("0.75"), x < 1), (sp.Float("0"), True))
    wrong_cut = right.xreplace({sp.Rational(1, 2): sp.Rational(2, 5)})
    for bad in (wrong_mean, no_mean, wrong_cut):
        assert not prove_step_function(stairs, bad, CONTEXT).verified


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(-20, 20), min_size=2, max_size=6), st.floats(0, 1))
def test_staircase_is_the_nearest_knot_interpolant(ints, where):
    """The built network's thresholds and weights, with H for sigma: S(x) = f(nearest knot) (exact decimals)."""
    f = sum(sp.Rational(n, 7) * x**m for m, n in enumerate(ints[:3]))
    segments = len(ints) - 1
    lo, hi = Decimal(-1), Decimal(2)
    knots, values, thresholds, weights = squash_network(f, lo, hi, segments)
    point = lo + (hi - lo) * Decimal(repr(where))
    nearest = min(range(segments + 1), key=lambda m: abs(knots[m] - point))
    if any(abs(point - t) < Decimal("1e-9") for t in thresholds):
        return  # exactly on a threshold the staircase takes the mean (proved separately)
    stairs = values[0] + sum((w for t, w in zip(thresholds, weights) if point > t), Decimal(0))
    assert stairs == values[nearest]
    assert float(values[nearest]) == pytest.approx(float(f.subs(x, sp.Rational(str(knots[nearest])))),
                                                   rel=1e-5, abs=1e-5)


# --- the network and its error ---------------------------------------------------------------------


FUNCTIONS = {"sin": (sp.sin(x), mpmath.sin, (0, PI)), "abs": (sp.Abs(x - 1), lambda t: abs(t - 1), (0, 2))}


def _independent_error(name, segments, slope, stride):
    """max |f - F| over every ``stride``-th point of the module's grid, F evaluated from its weights in
    mpmath (50 digits): a lower bound of the module's maximum over the whole grid."""
    f, f_mp, (lo, hi) = FUNCTIONS[name]
    knots, values, thresholds, weights = squash_network(f, Decimal(str(lo)), Decimal(str(hi)), segments)
    grid = np.linspace(float(lo), float(hi), 200 * segments + 1)[::stride]
    worst = mpmath.mpf(0)
    with mpmath.workdps(50):
        units = [(mpmath.mpf(str(t)), mpmath.mpf(str(w))) for t, w in zip(thresholds, weights)]
        for xv in map(mpmath.mpf, grid):
            net = mpmath.mpf(str(values[0])) + mpmath.fsum(w / (1 + mpmath.exp(-slope * (xv - t))) for t, w in units)
            worst = max(worst, abs(f_mp(xv) - net))
    return float(worst)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_error_table_converges_and_stays_below_the_bound(name):
    """Error at (k, a) = (4, 10), (16, 100), (64, 1000) falls, so (64, 1000) is below (4, 10); each is below
    the module's proved bound and the closed-form bound L h/2 + L h coth(a h/2) (L = 1 for both functions:
    |f - S| <= L h/2, |w_i| <= L h, sum_i e^{-a|x - c_i|} <= coth(a h/2) for thresholds h apart)."""
    f, _, (lo, hi) = FUNCTIONS[name]
    diagonal = [(4, 10), (16, 100), (64, 1000)]
    errors = [_independent_error(name, m, slope, stride=1 if m < 64 else 8) for m, slope in diagonal]
    assert errors[0] > errors[1] > errors[2]
    for (m, slope), err in zip(diagonal, errors):
        h = (float(hi) - float(lo)) / m
        closed_form = h / 2 + h / math.tanh(slope * h / 2) + 1e-5  # 1e-5: rounding of knots and values
        measured, staircase, proved = error_and_bound(f, Decimal(str(lo)), Decimal(str(hi)), m, slope)
        assert err <= measured + 1e-12  # the module's maximum is over a superset of the points
        assert measured <= proved <= closed_form
        assert staircase <= h / 2 + 1e-5


def test_network_matches_mpmath_and_does_not_overflow():
    knots, values, thresholds, weights = squash_network(sp.sin(x), Decimal(0), Decimal("3.14"), 16)
    grid = np.linspace(-1.0, 4.0, 501)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        out = network_output(grid, 1000.0, values, thresholds, weights)
        with pytest.raises(FloatingPointError):  # the naive formula overflows at this slope
            1 / (1 + np.exp(-1000.0 * (grid - 3.0)))
    with mpmath.workdps(50):
        for xv, got in zip(grid[::25], out[::25]):
            want = mpmath.mpf(str(values[0])) + mpmath.fsum(
                mpmath.mpf(str(w)) / (1 + mpmath.exp(-1000 * (mpmath.mpf(xv) - mpmath.mpf(str(t)))))
                for t, w in zip(thresholds, weights))
            assert got == pytest.approx(float(want), abs=1e-12)


def test_formats_and_latex_with_a_function():
    d = build("sin(x)", ("0", "3.14"), 8, "200")
    assert d.verified
    out = check_renders(d)
    assert "squash-approximation.construction" in out["json"]
    assert "proved bound" in out["text"] and "max error" in out["markdown"]
    check_latex_compiles(d)


def test_markdown_tables_keep_their_columns():
    """No table cell breaks a Markdown table (a bare | in a header or cell would add a column)."""
    md = check_renders(build("sin(x)", ("0", "3.14"), 4, "100"))["markdown"]
    tables, current = [], []
    for line in md.splitlines() + [""]:
        if line.startswith("|"):
            current.append(line.replace("\\|", ""))
        elif current:
            tables.append(current)
            current = []
    assert len(tables) >= 3  # compression, units, error table
    for table in tables:
        assert len({row.count("|") for row in table}) == 1, table[0]


def test_latex_compiles_for_many_units():
    d = build("abs(x - 1)", ("0", "2"), 64, "1000")
    assert d.verified
    check_latex_compiles(d)


# --- the command line --------------------------------------------------------------------------------


def _table(output: str) -> dict:
    """{(k, a): (max error, proved bound)} from the JSON output's error table."""
    data = json.loads(output)
    table = next(t for t in data["tables"] if "proved bound" in t["header"])
    col = {name: n for n, name in enumerate(table["header"])}
    return {(int(r[col["segments k"]]), float(r[col["slope a"]])): (float(r[col["max error"]]),
                                                                      float(r[col["proved bound"]]))
            for r in table["rows"]}


@pytest.mark.parametrize("command", [["squash-approximation"], ["relu-approximation", "--activation", "sigmoid"]])
def test_cli_builds_the_network_and_its_error_table(command):
    result = runner.invoke(app, command + ["--function", "sin(x)", "--interval", "0", "3.14", "--segments", "16",
                                           "--slope", "200", "--json"])
    assert result.exit_code == 0, result.output
    assert '"squash-approximation.construction"' in result.output
    table = _table(result.output)
    assert {(m, float(sl)) for m in (4, 16, 64) for sl in (10, 100, 200, 1000)} == set(table)
    assert all(err <= bound for err, bound in table.values())
    assert table[(64, 1000.0)][0] < table[(4, 10.0)][0]


def test_cli_errors():
    bad = runner.invoke(app, ["squash-approximation", "--function", "__import__('os')"])
    assert bad.exit_code == 2
    for slope in ("0", "-3", "1e7"):
        bad = runner.invoke(app, ["squash-approximation", "--function", "sin(x)", "--slope", slope])
        assert bad.exit_code == 2, slope
    bad = runner.invoke(app, ["relu-approximation", "--function", "sin(x)", "--slope", "100"])
    assert bad.exit_code == 2 and "--activation sigmoid" in bad.output
    bad = runner.invoke(app, ["squash-approximation", "--function", "1/x", "--interval", "-1", "1"])
    assert bad.exit_code == 2 and "finite" in bad.output
    bad = runner.invoke(app, ["squash-approximation", "--interval", "0", "1"])
    assert bad.exit_code == 2
