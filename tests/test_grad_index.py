"""`derive grad` in index notation: --wrt z_j, sums over the whole index range, softmax,
log_softmax, logsumexp; checked against explicit K-dimensional SymPy derivatives."""

import json

import pytest
import sympy as sp
from typer.testing import CliRunner

from derive.cli import app
from derive.differentiate import GradError, grad
from derive.differentiate.indexed import LogSumExp, Softmax
from derive.notation import K
from reports.pdf import compile_pdf

runner = CliRunner()
z, t = sp.IndexedBase("z", real=True), sp.IndexedBase("t", real=True)
j = sp.Symbol("j", integer=True, positive=True)
SIZE = 3
Z = sp.symbols("z1:4", real=True)
T = (sp.Rational(1, 6), sp.Rational(1, 2), sp.Rational(1, 3))  # a distribution
ZV = (sp.Rational(-7, 10), sp.Rational(2, 5), sp.Rational(13, 10))


def explicit(expr, jj):
    """Our result for K = 3 and index j = jj, with the test's own reading of softmax/logsumexp."""
    expr = expr.doit().xreplace({j: jj, K: SIZE})
    expr = expr.replace(lambda e: isinstance(e, Softmax),
                        lambda e: sp.exp(Z[int(e.args[1]) - 1]) / sum(sp.exp(v) for v in Z))
    expr = expr.replace(lambda e: isinstance(e, LogSumExp), lambda e: sp.log(sum(sp.exp(v) for v in Z)))
    expr = expr.doit()
    expr = expr.replace(lambda e: isinstance(e, sp.Indexed) and e.base.label.name == "z", lambda e: Z[int(e.indices[0]) - 1])
    return expr.replace(lambda e: isinstance(e, sp.Indexed) and e.base.label.name == "t", lambda e: T[int(e.indices[0]) - 1])


def check(result_expr, loss):
    """∂loss/∂z_jj by sympy.diff in explicit coordinates equals our result, for every jj."""
    point = dict(zip(Z, ZV))
    for jj in range(1, SIZE + 1):
        ours = sp.N(explicit(result_expr, jj).xreplace(point), 30)
        truth = sp.N(sp.diff(loss, Z[jj - 1]).xreplace(point), 30)
        assert abs(ours - truth) < sp.Float("1e-25"), (jj, ours, truth)


def cross_entropy():
    total = sum(sp.exp(v) for v in Z)
    return -sum(tk * sp.log(sp.exp(v) / total) for tk, v in zip(T, Z))


@pytest.mark.parametrize("text,uses_sum_of_t", [
    ("-sum_k t_k*log(softmax(z)_k)", True),
    ("logsumexp(z) - sum_k t_k*z_k", False),  # equal to the cross-entropy only when sum_k t_k = 1
    ("-sum_k t_k*log_softmax(z)_k", True),
    (r"-\sum_k t_k \log\left(\operatorname{softmax}(z)_k\right)", True),
])
def test_cross_entropy_gradient_is_softmax_minus_t(text, uses_sum_of_t):
    d = grad(text, "z_j")
    assert d.verified and all(s.verified for s in d.steps)
    r = d.result("grad.z")
    assert r.expr.doit() == Softmax(z, j) - t[j]
    check(r.expr, cross_entropy())
    assert any("t is a distribution" in a.text for a in d.assumptions) == uses_sum_of_t


def test_softmax_jacobian_is_cited():
    d = grad("-sum_k t_k*log(softmax(z)_k)", "z_j")
    assert any("softmax.jacobian" in s.rule for s in d.steps)
    assert any("\\delta_{jk} f_k = f_j" in s.rule for s in d.steps)


def test_squared_error_with_weight_decay_makes_no_distribution_assumption():
    d = grad("sum_k (z_k - t_k)^2/2 + lambda*sum_k z_k^2", ["z_j", "lambda"])
    assert [r.id for r in d.results] == ["grad.z", "grad.lambda"]
    assert not any("distribution" in a.text for a in d.assumptions)
    lam = sp.Symbol("lambda", real=True)
    loss = sum((v - tk) ** 2 / 2 for v, tk in zip(Z, T)) + lam * sum(v**2 for v in Z)
    check(d.result("grad.z").expr.xreplace({lam: sp.Rational(3, 7)}), loss.xreplace({lam: sp.Rational(3, 7)}))


def test_an_index_bound_in_the_expression_is_renamed():
    d = grad("logsumexp(z) - sum_k t_k*z_k", "z_k")
    k = sp.Symbol("k", integer=True, positive=True)
    assert d.result("grad.z").expr.doit() == Softmax(z, k) - t[k]


def test_scalar_with_declared_vector():
    x = sp.Symbol("x", real=True)
    d = grad("x^2*sum_k z_k", "x", vectors=["z"])
    k = sp.Symbol("k", integer=True, positive=True)
    assert sp.simplify(d.result("grad.x").expr.doit() - 2 * x * sp.Sum(z[k], (k, 1, K))) == 0


@pytest.mark.parametrize("text,wrt,message", [
    ("sum_k z_k^2", "w_j", "no vector 'w'"),
    ("z_j^2", "z_j", "not bound by a sum"),
    ("softmax(z)", "z_j", "must be a number"),
])
def test_index_errors(text, wrt, message):
    with pytest.raises(GradError, match=message):
        grad(text, wrt)


def test_cli_index_notation_json_and_latex(tmp_path):
    result = runner.invoke(app, ["grad", "-sum_k t_k*log(softmax(z)_k)", "--wrt", "z_j", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [r["id"] for r in data["results"]] == ["grad.z"]
    assert all(s["verified"] for s in data["steps"])
    tex = runner.invoke(app, ["grad", "-sum_k t_k*log(softmax(z)_k)", "--wrt", "z_j", "--latex", "--standalone"])
    compiled = compile_pdf(tex.output, tmp_path / "ce.pdf", tool="pdflatex")
    assert "Undefined control sequence" not in compiled.log


def test_numpy_of_index_notation_writes_the_gradient_vector(tmp_path):
    import importlib.util

    import numpy as np

    out = tmp_path / "ce.py"
    result = runner.invoke(app, ["grad", "logsumexp(z) - sum_k t_k*z_k", "--wrt", "z_j", "--numpy", str(out)])
    assert result.exit_code == 0, result.output
    spec = importlib.util.spec_from_file_location("ce", out)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    z, t = np.array([0.5, -1.0, 2.0]), np.array([0.2, 0.3, 0.5])
    p = np.exp(z) / np.exp(z).sum()
    assert np.allclose(module.gradient(z=z, t=t), p - t, rtol=1e-13, atol=0)
    assert module.value(z=z, t=t) == pytest.approx(np.log(np.exp(z).sum()) - t @ z, rel=1e-13)


def test_numpy_of_index_notation_takes_one_wrt(tmp_path):
    out = tmp_path / "ce.py"
    result = runner.invoke(app, ["grad", "logsumexp(z) - sum_k t_k*z_k", "--wrt", "z_j", "--wrt", "t_j",
                                 "--numpy", str(out)])
    assert result.exit_code == 2 and "one --wrt" in result.output
    assert not out.exists()


def test_double_sum_is_contracted_and_equal_sums_collected():
    d = grad("sum_k sum_m z_k*z_m", "z_j")
    assert d.verified
    r = d.result("grad.z").expr.doit()
    k = sp.Symbol("k", integer=True, positive=True)
    assert r == 2 * sp.Sum(z[k], (k, 1, K))
    check(d.result("grad.z").expr, sum(Z) ** 2)


def test_sum_differentiated_by_a_scalar():
    x = sp.Symbol("x", real=True)
    d = grad("x^2*sum_k z_k + sum_k x*z_k^2", "x", vectors=["z"])
    assert d.verified
    k = sp.Symbol("k", integer=True, positive=True)
    expected = 2 * x * sp.Sum(z[k], (k, 1, K)) + sp.Sum(z[k] ** 2, (k, 1, K))
    assert sp.simplify(d.result("grad.x").expr.doit() - expected) == 0
