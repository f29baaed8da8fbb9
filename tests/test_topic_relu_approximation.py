from decimal import Decimal

import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st
from typer.testing import CliRunner

from derive.cli import app
from derive.derivation import DerivationBuilder, ProofError
from derive.safe_function import FunctionSyntaxError, parse_function
from derive.topics.relu_approximation import (CONTEXT, a, build, i, j, k, max_error, prove_on_segments,
                                              prove_piecewise_linear, relu, relu_network, s, v, x)

from _partb_checks import check_latex_compiles, check_renders


def test_builds_verified_with_result():
    d = build()
    assert d.verified
    r = d.result("relu-approximation.construction")
    assert r.expr == v[j - 1] + s[j] * (x - a[j - 1])
    assert {"a_i", "v_i", "s_i", "x"} <= set(dict(r.variables))


def test_formats_and_latex_with_a_function():
    d = build("sin(x)", ("0", "3.14"), 8)
    assert d.verified
    out = check_renders(d)
    assert "shrinks" in out["text"]
    check_latex_compiles(d)


def test_error_shrinks_as_segments_grow():
    f = sp.sin(x)
    errors = [max_error(f, Decimal(0), Decimal("3.14"), m) for m in (1, 2, 4, 8, 16, 32)]
    assert all(b < a_ for a_, b in zip(errors, errors[1:]))
    # interpolation error bound max|f''| h^2 / 8 with |sin''| <= 1, plus the rounding of the weights
    assert errors[-1] <= (3.14 / 32) ** 2 / 8 + 1e-5


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(-50, 50), min_size=2, max_size=7))
def test_network_interpolates_at_the_knots(values):
    """For a polynomial f through given points the network hits f at every knot (up to rounding)."""
    f = sum(sp.Rational(c, 10) * x**n for n, c in enumerate(values[:3]))
    segments = len(values) - 1
    knots, offset, weights, all_knots = relu_network(f, Decimal(-1), Decimal(2), segments)
    for c in all_knots:
        net = float(offset) + sum(float(w) * max(float(c) - float(kn), 0) for kn, w in zip(knots, weights))
        assert net == pytest.approx(float(f.subs(x, sp.Rational(str(c)))), abs=1e-4 * (1 + segments))


def test_corrupted_construction_step_rejected():
    network = v[0] + sp.Sum((s[i] - s[i - 1]) * relu(x - a[i - 1]), (i, 1, k))
    b = DerivationBuilder("bad", "bad", CONTEXT)
    b.chain("c", network).step(v[j] + s[j] * (x - a[j - 1]), "off by one knot", prover=prove_on_segments)
    with pytest.raises(ProofError):
        b.build()
    b = DerivationBuilder("bad", "bad", CONTEXT)
    b.chain("c", network).step(v[0] + sp.Sum(s[i] * relu(x - a[i - 1]), (i, 1, k)), "slopes instead of differences",
                               prover=prove_on_segments)
    assert not b.build(strict=False).verified


def test_corrupted_piecewise_rejected():
    net = relu(x) - relu(x - 1)
    good = sp.Piecewise((0, x < 0), (x, x < 1), (1, True))
    assert prove_piecewise_linear(net, good, CONTEXT).verified
    for bad in (sp.Piecewise((0, x < 0), (x, x < 1), (sp.Rational(11, 10), True)),
                sp.Piecewise((0, x < 0), (x, x < 2), (1, True))):
        assert not prove_piecewise_linear(net, bad, CONTEXT).verified


@pytest.mark.parametrize("text,expected", [
    ("sin(x)", sp.sin(x)), ("x^2 - 1", x**2 - 1), ("2*pi*x", 2 * sp.pi * x), ("exp(-x)/2", sp.exp(-x) / 2),
    ("-0.5*x", -x / 2), (r"\frac{1}{1 + e^{-x}}", 1 / (1 + sp.exp(-x))), ("relu(x - 1)", sp.Max(0, x - 1)),
    ("sigma(2x)", 1 / (1 + sp.exp(-2 * x))),
])
def test_parser_builds_sympy(text, expected):
    got = parse_function(text).xreplace({sp.Symbol("x", real=True): x})
    assert sp.simplify(got - expected) == 0


@pytest.mark.parametrize("text", [
    "__import__('os').system('true')", "x.real", "open('f')", "lambda: 1", "(x", "x;1", "x if x else 1", "y + 1",
    "sin(x, 2)", "2**99", "x**x", "sin(x=1)", "", "x" * 300, "'text'", "(" * 50 + "x" + ")" * 50 + "+ sin(" * 30,
])
def test_parser_rejects(text):
    with pytest.raises(FunctionSyntaxError):
        parse_function(text)


def test_cli_options_and_errors():
    runner = CliRunner()
    ok = runner.invoke(app, ["relu-approximation", "--function", "sin(x)", "--interval", "0", "3.14",
                             "--segments", "4", "--json"])
    assert ok.exit_code == 0, ok.output
    assert '"relu-approximation.construction"' in ok.output and "Maximum error" in ok.output
    bad = runner.invoke(app, ["relu-approximation", "--function", "os.system('x')"])
    assert bad.exit_code == 2
    bad = runner.invoke(app, ["relu-approximation", "--function", "1/x", "--interval", "-1", "1"])
    assert bad.exit_code == 2 and "finite" in bad.output
    bad = runner.invoke(app, ["relu-approximation", "--function", "x", "--interval", "2", "1"])
    assert bad.exit_code == 2
