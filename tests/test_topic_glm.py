"""The glm topic: NLLs, logit and weight gradients of the four GLMs, the table, the Poisson activation."""

import json

import pytest
import sympy as sp
from typer.testing import CliRunner

from derive.cli import app
from derive.derivation import DerivationBuilder, ProofError
from derive.topics import TOPICS
from derive.topics import glm
from derive.topics.glm import D, MULTI_PROVER, MULTI_WEIGHTS, L, W, build, d, i, tv, xv, yv, ybar

from _partb_checks import check_latex_compiles, check_renders

IDS = ["glm.linear.gradient", "glm.logistic.gradient", "glm.multiclass.gradient", "glm.poisson.gradient",
       "glm.poisson.activation"]


def test_results_and_registry():
    dv = build()
    assert dv.verified and "glm" in TOPICS
    ids = {r.id for r in dv.results}
    assert set(IDS) <= ids
    for model in glm.MODELS:
        assert {f"glm.{model}.nll", f"glm.{model}.logit_gradient"} <= ids
    assert dv.result("glm.poisson.activation").expr == sp.exp(ybar)
    y = sp.Symbol("y", real=True)
    for model, t in (("linear", glm.t_real), ("logistic", glm.t_binary), ("poisson", glm.t_count)):
        assert sp.simplify(dv.result(f"glm.{model}.gradient").expr - (y - t) * xv[d]) == 0
    assert sp.expand(dv.result("glm.multiclass.gradient").expr - xv[d] * (yv[i] - tv[i])) == 0
    assert all(r.variables for r in dv.results)


def test_logit_gradients_are_derivatives_of_the_nll():
    """Independent of the chains: differentiate each NLL result with SymPy and compare."""
    dv = build()
    for model in ("linear", "logistic", "poisson"):
        nll = dv.result(f"glm.{model}.nll").expr.rewrite(sp.log)
        nll = nll.replace(lambda e: isinstance(e, glm.softplus), lambda e: sp.log(1 + sp.exp(e.args[0])))
        grad = dv.result(f"glm.{model}.logit_gradient").expr
        grad = grad.replace(lambda e: e.func == glm.sigma, lambda e: 1 / (1 + sp.exp(-e.args[0])))
        assert sp.simplify(sp.diff(nll, ybar) - grad) == 0, model


def test_table_rows():
    table = build().tables[0]
    assert table.header == ("Name", "Activation", "Distribution", "Loss", "Gradient")
    assert [r[0] for r in table.text_rows] == ["linear regression", "logistic regression",
                                               "multiclass logistic regression", "Poisson regression"]
    assert [r[2] for r in table.text_rows] == ["Normal", "Bernoulli", "categorical", "Poisson"]


def test_one_model_and_unknown_model():
    one = build("logistic")
    assert {r.id for r in one.results} == {"glm.logistic.nll", "glm.logistic.logit_gradient", "glm.logistic.gradient"}
    assert len(one.tables[0].rows) == 1
    with pytest.raises(ValueError):
        build("gamma")


def test_formats_and_latex():
    dv = build()
    check_renders(dv)
    check_latex_compiles(dv)


def test_cli_one_model_json():
    result = CliRunner().invoke(app, ["glm", "poisson", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["verified"] and {r["id"] for r in data["results"]} >= {"glm.poisson.gradient", "glm.poisson.activation"}
    bad = CliRunner().invoke(app, ["glm", "gamma"])
    assert bad.exit_code != 0


@pytest.mark.parametrize("model", ["linear", "logistic", "poisson"])
def test_corrupted_weight_gradient_rejected(model):
    spec = glm.SCALARS[model]
    _, weights = glm._scalar_contexts(spec)
    y = sp.Symbol("y", real=True)
    b = DerivationBuilder("bad", "bad", weights)
    b.chain("c", sp.Derivative(L, glm.w[d])).step((spec.t - y) * xv[d], "sign error")
    with pytest.raises(ProofError):
        b.build()
    assert not b.build(strict=False).verified


@pytest.mark.parametrize("wrong", [xv[d] * (yv[i] + tv[i]), xv[d] * yv[i], xv[i] * (yv[d] - tv[d])])
def test_corrupted_multiclass_gradient_rejected(wrong):
    b = DerivationBuilder("bad", "bad", MULTI_WEIGHTS)
    b.chain("c", sp.Derivative(L, W[d, i])).step(wrong, "wrong", prover=MULTI_PROVER)
    assert not b.build(strict=False).verified


def test_wrong_activation_rejected():
    prover = glm.ode_solution(sp.Eq(sp.Derivative(glm.a(ybar), ybar), glm.a(ybar)), glm.a(ybar), {glm.a(0): 1})
    ctx = glm.ProofContext()
    assert prover(glm.a(ybar), sp.exp(ybar), ctx).verified
    assert not prover(glm.a(ybar), sp.exp(2 * ybar), ctx).verified
    assert not prover(glm.a(ybar), 1 + ybar, ctx).verified
