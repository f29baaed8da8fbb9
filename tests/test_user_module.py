"""Stable NumPy modules for a user's expression (derive grad --numpy): the generalised rewrite rules
are proved and do what they say, the generated module is standalone, takes keyword arguments
(Python keywords included), broadcasts, is accurate against mpmath at random and extreme inputs
(hypothesis), and an inaccurate module is refused (or written with a warning when forced)."""

from __future__ import annotations

import math
import subprocess
import sys

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.codegen import rewriting as rw
from derive.codegen.functions import LogSumExp, softplus, to_plain
from derive.codegen.user_module import UnstableModuleError, derivative, generate_user_module, stabilise
from derive.derivation import ProofError
from derive.notation import SIGMA_DEFINITION, sigma

x, y, t, d, s, mu = sp.symbols("x y t d s mu", real=True)
lam = sp.Symbol("lambda", real=True)


def _module(expr, wrt, **kw):
    m = generate_user_module(expr, [(v, derivative(expr, v)) for v in wrt], expression_text=str(expr),
                             command="pytest", **kw)
    ns: dict = {}
    exec(compile(m.source, "<user module>", "exec"), ns)
    return m, ns


def _mp(expr, symbols):
    return sp.lambdify(symbols, to_plain(SIGMA_DEFINITION(expr)), modules="mpmath")


def _rel(c, truth):
    """|c - truth| / max(|truth|, tiny) with truth an mpf (the error measure of the check)."""
    return float(abs(mpmath.mpf(float(c)) - truth) / max(abs(truth), mpmath.mpf(2.2250738585072014e-308)))


# --- rules ------------------------------------------------------------------------------------


def test_user_rules_are_proved_on_their_templates_and_outputs():
    names = {r.name for r in rw.USER_RULE_PROOFS}
    assert set(rw.prove_rules(rw.USER_RULE_PROOFS)) == names
    assert set(rw.prove_rule_outputs(rw.USER_RULE_PROOFS)) == names


def test_a_rule_whose_code_is_wrong_is_refused_even_with_a_true_template():
    wrong = rw.Rule("log1p_wrong", "none", rw.LOG1P.query, lambda e: rw.log1p(e.args[0].args[1]) + 1,
                    rw.LOG1P.template)
    rw.prove_rules((wrong,))  # the template alone is a true identity
    with pytest.raises(ProofError, match="log1p_wrong"):
        rw.prove_rule_outputs((wrong,))


#: (rule, an instance unlike its template, a function the result must contain or None).
RULE_CASES = [
    (rw.SIGMA_FROM_EXP, x * sp.exp(-3 * x) / (1 + sp.exp(-x)) ** 4, sigma),
    (rw.SOFTPLUS_FROM_LOG, sp.log(sp.exp(2 * x - y) + 1), softplus),
    (rw.LOG_SUM_EXP, sp.log(sp.exp(x) + sp.exp(-y)), LogSumExp),
    (rw.SOFTMAX_RATIO, y * sp.exp(x) / (sp.exp(x) + sp.exp(y)), LogSumExp),
    (rw.LSE_SHIFT, LogSumExp(x, y, 2 * x) - y + 3, LogSumExp),
    (rw.SIGMA_SYMMETRY_ANY, 3 - 3 * sigma(x * y) + x, sigma),
    (rw.LOG_SIGMA, sp.log(sigma(x - y)), softplus),
    (rw.TANH_SQUARE, y - y * sp.tanh(x / 2) ** 2, sigma),
    (rw.TANH_SHIFT, 5 + 5 * sp.tanh(x ** 3) + y, sigma),
    (rw.TANH_SHIFT, sp.Rational(1, 2) - sp.tanh(x) / 2, sigma),
    (rw.EXPM1, y + 4 * sp.exp(x * y) - 4, rw.expm1),
    (rw.LOG1P, sp.log(1 + x ** 2 / y ** 2), rw.log1p),
    (rw.TANH_RATIO, y * sp.sinh(2 * x) ** 2 / sp.cosh(2 * x) ** 2, sp.tanh),
    (rw.LOG_COSH, sp.log(sp.cosh(x - y)), rw.log1p),
    (rw.SQRT_RATIONALISE, sp.sqrt(4 + x ** 2) - 2, None),
    (rw.SQRT_RATIONALISE, x ** 2 + 2 - 2 * sp.sqrt(1 + x ** 2), None),
    (rw.LOG_SOFTPLUS, sp.log(softplus(x * y)), rw.log1p),
    (rw.SIGMA_OVER_SOFTPLUS, y * sigma(x) / softplus(x), rw.log1p),
    (rw.SUM_OVER_ROOT, x / sp.sqrt(1 + x ** 2) - 2 * x / (1 + sp.sqrt(1 + x ** 2)), None),
    (rw.SOFTMAX_SHARED, sp.exp(-3 * LogSumExp(x - y, 0, 2 * x)), sp.Max),
    (rw.SOFTMAX_SHARED_COMPLEMENT, y * rw.expm1(-LogSumExp(y, 0, x - y)), sp.Max),
    (rw.ZERO_TIMES_EXP, (x - y) ** 2 * sp.exp(-y), rw.Where),
]


@pytest.mark.parametrize("rule, expr, contains", RULE_CASES, ids=lambda v: getattr(v, "name", ""))
def test_each_rule_fires_and_keeps_the_value(rule, expr, contains):
    out = rule(expr)
    assert out != expr
    if contains is not None:
        assert out.has(contains)
    before, after = _mp(expr, [x, y]), _mp(out, [x, y])
    rng = np.random.default_rng(3)
    with mpmath.workdps(60):
        for a, b in rng.uniform(0.2, 3.0, (6, 2)) * rng.choice([-1, 1], (6, 2)):
            want = mpmath.re(before(mpmath.mpf(a), mpmath.mpf(b)))
            got = mpmath.re(after(mpmath.mpf(a), mpmath.mpf(b)))
            assert abs(got - want) <= mpmath.mpf(10) ** -40 * max(1, abs(want)), (a, b)


def test_stabilise_recognises_a_written_out_sigmoid_and_its_derivative():
    expr = x / (1 + sp.exp(-x))
    assert stabilise(derivative(expr, x)).atoms(sp.exp) == set()
    assert stabilise(sp.log(1 - 1 / (1 + sp.exp(-x)))) == -softplus(x)


def test_existing_kernel_rules_are_unchanged():
    assert [r.name for r in rw.ALL_RULES] == [
        "sigma_product_even", "sigma_by_sign", "log_sigma", "softplus_stable", "tanh_derivative_via_sigma",
        "heaviside_select", "sigma_symmetry", "softplus_reflect", "softplus_in_sum", "sigma_minus_target"]


# --- the module -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def swish():
    return _module(x * sigma(x), [x])


def test_module_is_standalone_numpy(swish, tmp_path):
    m, _ = swish
    assert "import derive" not in m.source and "sympy" not in m.source
    path = tmp_path / "swish_grad.py"
    path.write_text(m.source)
    code = ("import sys, runpy; ns = runpy.run_path(sys.argv[1]); "
            "print(ns['gradient'](x=2.0), 'sympy' in sys.modules, 'derive' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    grad, has_sympy, has_derive = out.stdout.split()
    truth = 1 / (1 + math.exp(-2)) + 2 * math.exp(-2) / (1 + math.exp(-2)) ** 2
    assert float(grad) == pytest.approx(truth, rel=1e-14)
    assert (has_sympy, has_derive) == ("False", "False")


def test_header_states_the_worst_error_and_where(swish):
    m, _ = swish
    header = m.source.split('"""')[1]
    assert "GENERATED FILE" in header and "pytest" in header
    assert "value: worst relative error" in header and "d/dx: worst relative error" in header
    worst = m.accuracy.outputs[1]
    assert f"at x={worst.point['x']!r}" in header
    assert m.ok and "WARNING" not in header


def test_value_broadcasts_over_a_million_inputs(swish):
    _, ns = swish
    grid = np.linspace(-800, 800, 10 ** 6)
    v, g = ns["value"](x=grid), ns["gradient"](x=grid)
    assert v.shape == g.shape == grid.shape
    assert np.all(np.isfinite(v)) and np.all(np.isfinite(g))
    with np.errstate(all="ignore"):
        sig = np.where(grid >= 0, 1 / (1 + np.exp(-np.abs(grid))), np.exp(-np.abs(grid)) / (1 + np.exp(-np.abs(grid))))
    np.testing.assert_allclose(v, grid * sig, rtol=1e-13, atol=0)
    assert np.ndim(ns["value"](x=1.5)) == 0


def test_keyword_arguments_include_python_keywords_and_tuple_order():
    expr = sp.log(1 + sp.exp(-y * x)) + lam * x ** 2 / 2
    m, ns = _module(expr, [lam, x])
    assert "lambda_" in m.source  # inside the module the keyword gets a Python name
    xs = np.array([-3.0, 0.5, 40.0])
    g_lam, g_x = ns["gradient"](**{"x": xs, "y": 1.0, "lambda": 0.1})
    np.testing.assert_allclose(g_lam, xs ** 2 / 2, rtol=1e-15)
    want = -1 / (1 + np.exp(xs)) + 0.1 * xs
    np.testing.assert_allclose(g_x, want, rtol=1e-13)
    with pytest.raises(TypeError, match="missing 'lambda'"):
        ns["value"](x=1.0, y=2.0)
    with pytest.raises(TypeError, match="unknown 'z'"):
        ns["gradient"](**{"x": 1.0, "y": 1.0, "lambda": 1.0, "z": 0.0})


def test_inaccurate_module_is_refused_with_the_worst_input():
    expr = 1 - sp.cos(x)  # no rule: 1 - cos(1e-10) is 0 in doubles, the truth 5e-21
    with pytest.raises(UnstableModuleError) as info:
        _module(expr, [x])
    report = info.value.report
    assert not report.ok
    worst = report.worst
    assert worst.output == "value" and abs(worst.point["x"]) < 1e-3
    assert "x=" in str(info.value)


def test_forced_module_is_written_with_a_warning():
    m, ns = _module(1 - sp.cos(x), [x], force=True)
    assert not m.ok
    assert m.source.lstrip('"').startswith("WARNING: THIS MODULE FAILED THE ACCURACY CHECK")
    assert float(ns["gradient"](x=0.5)) == pytest.approx(math.sin(0.5), rel=1e-15)


def test_overflowing_naive_formula_without_a_rule_is_refused():
    expr = (sp.exp(x) - sp.exp(-x)) / (sp.exp(x) + sp.exp(-x))  # tanh written out
    with pytest.raises(UnstableModuleError):
        _module(expr, [x])


def test_a_gradient_that_does_not_belong_to_the_value_is_refused():
    expr = x * sigma(x)
    with pytest.raises(UnstableModuleError) as info:
        generate_user_module(expr, [(x, sigma(x))], expression_text="swish", command="pytest")
    assert info.value.report.finite_differences.failure


# --- accuracy against mpmath, at inputs the check did not choose (hypothesis) -------------------

EXTREME = st.one_of(st.floats(-750, 750), st.sampled_from([0.0, 1e-10, -1e-10, 5e-324, 709.78, -709.78, -745.1]),
                    st.floats(-1e-6, 1e-6))


@pytest.fixture(scope="module")
def bce():
    return _module(-(t * sp.log(sigma(x)) + (1 - t) * sp.log(1 - sigma(x))), [x])


@pytest.fixture(scope="module")
def log_cosh():
    return _module(sp.log(sp.cosh(x)), [x])


@pytest.fixture(scope="module")
def gelu():
    return _module(x / 2 * (1 + sp.tanh(sp.sqrt(2 / sp.pi) * (x + sp.Float("0.044715") * x ** 3))), [x])


@pytest.fixture(scope="module")
def gaussian():
    return _module((y - mu) ** 2 * sp.exp(-2 * s) / 2 + s, [mu, s])


def _truth(expr, symbols, point, digits=800):
    with mpmath.workdps(digits):
        return _mp(expr, symbols)(*[mpmath.mpf(float(v)) for v in point])


@settings(max_examples=40, deadline=None)
@given(v=EXTREME, target=st.sampled_from([0.0, 1.0]))
def test_bce_within_4_ulp(bce, v, target):
    _, ns = bce
    expr = -(t * sp.log(sigma(x)) + (1 - t) * sp.log(1 - sigma(x)))
    for out, e in ((ns["value"](x=v, t=target), expr), (ns["gradient"](x=v, t=target), derivative(expr, x))):
        truth = _truth(e, [t, x], [target, v])
        assert np.isfinite(out)
        if abs(truth) >= 2.2250738585072014e-308:
            assert abs(mpmath.mpf(float(out)) - truth) <= 4 * np.spacing(abs(float(truth)))
        else:
            assert abs(mpmath.mpf(float(out)) - truth) <= 2 * 5e-324


@settings(max_examples=40, deadline=None)
@given(v=EXTREME)
def test_log_cosh_and_gelu_relative_error(log_cosh, gelu, v):
    for (m, ns), expr in ((log_cosh, sp.log(sp.cosh(x))),
                          (gelu, x / 2 * (1 + sp.tanh(sp.sqrt(2 / sp.pi) * (x + sp.Float("0.044715") * x ** 3))))):
        for out, e in ((ns["value"](x=v), expr), (ns["gradient"](x=v), derivative(expr, x))):
            zeros = -math.log10(abs(v)) if 0 < abs(v) < 1 else 0
            truth = _truth(e, [x], [v], digits=int(60 + 3 * abs(v) + 3 * zeros))
            assert np.isfinite(out)
            assert _rel(out, mpmath.re(truth)) <= 1e-12, (v, float(out), truth)


@settings(max_examples=30, deadline=None)
@given(yv=st.floats(-50, 50), muv=st.floats(-50, 50), sv=st.one_of(st.floats(-740, 740), st.just(-745.0)))
def test_gaussian_learned_log_scale_never_nan(gaussian, yv, muv, sv):
    _, ns = gaussian
    value = ns["value"](y=yv, mu=muv, s=sv)
    g_mu, g_s = ns["gradient"](y=yv, mu=muv, s=sv)
    exact = (mpmath.mpf(yv) - mpmath.mpf(muv)) ** 2 * mpmath.exp(-2 * mpmath.mpf(sv)) / 2 + sv
    if exact < mpmath.mpf(1e300):
        assert np.isfinite(value) and _rel(value, exact) <= 1e-12
    assert not np.isnan(g_mu) and not np.isnan(g_s)
    if yv == muv:
        assert value == sv and g_mu == 0.0 and g_s == 1.0


@pytest.fixture(scope="module")
def softmax_ce():
    z0, z1, z2 = sp.symbols("z0 z1 z2", real=True)
    expr = -z1 + sp.log(sp.exp(z0) + sp.exp(z1) + sp.exp(z2))
    return expr, (z0, z1, z2), _module(expr, [z0, z1, z2])


@settings(max_examples=30, deadline=None)
@given(zs=st.lists(st.one_of(st.floats(-800, 800), st.sampled_from([0.0, 1e-10, 40.0, -745.0])), min_size=3, max_size=3))
def test_softmax_cross_entropy_and_its_gradient(softmax_ce, zs):
    expr, symbols, (_, ns) = softmax_ce
    kwargs = dict(zip(("z0", "z1", "z2"), zs))
    grads = ns["gradient"](**kwargs)
    value = ns["value"](**kwargs)
    with mpmath.workdps(1000):
        z = [mpmath.mpf(v) for v in zs]
        total = sum(mpmath.exp(v) for v in z)
        want_value = mpmath.log(total) - z[1]
        want = [mpmath.exp(v) / total - (1 if i == 1 else 0) for i, v in enumerate(z)]
    assert np.isfinite(value) and _rel(value, want_value) <= 1e-12
    for got, truth in zip(grads, want):
        assert np.isfinite(got)
        assert _rel(got, truth) <= 1e-12, (zs, float(got), truth)
