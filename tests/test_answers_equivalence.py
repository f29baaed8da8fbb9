"""Verdicts: right and wrong answers in both notations, index-awareness, counterexamples."""

from __future__ import annotations

import pytest
import sympy as sp

from answers_helpers import verdict
from derive.answers.equivalence import numeric_compare
from derive.answers.targets import target_for_expected, target_for_result
from derive.answers.checker import check_answer
from derive.notation import sigma, x

RIGHT = [
    ("sigmoid.derivative", "sigma(x)*(1-sigma(x))"),
    ("sigmoid.derivative", r"\frac{e^{-x}}{(1+e^{-x})^2}"),
    ("sigmoid.derivative", "sigma(x) sigma(-x)"),
    ("sigmoid.derivative", "1/(e^x + 2 + e^(-x))"),
    ("sigmoid.derivative_stable", r"\sigma(x)\,\sigma(-x)"),
    ("sigmoid.tanh", "(e^x - e^(-x))/(e^x + e^(-x))"),
    ("sigmoid.tanh_derivative", "1 - tanh(x)^2"),
    ("softmax.jacobian", "y_i(delta_ij - y_j)"),
    ("softmax.jacobian", "y_j (delta_ij - y_i)"),
    ("softmax.jacobian", r"\delta_{ij} y_i - y_i y_j"),
    ("softmax.jacobian", "diag(y) - y y^T"),
    ("softmax.jacobian", "softmax(z)_i (delta_ij - softmax(z)_j)"),
    ("softmax.jacobian_matrix", r"\operatorname{diag}(\mathbf{y}) - \mathbf{y}\mathbf{y}^\top"),
    ("softmax.ce_gradient", "y_i - t_i"),
    ("softmax.ce_gradient", "y - t"),
    ("softmax.ce_gradient", r"\frac{e^{z_i}}{\sum_{k=1}^{K} e^{z_k}} - t_i"),
    ("softmax.shift_invariance", "y_i"),
]

WRONG = [
    ("sigmoid.derivative", "sigma(x)*(1+sigma(x))"),
    ("sigmoid.derivative", "e^(-x)/(1+e^(-x))"),
    ("softmax.jacobian", "y_i(delta_ij - y_i)"),
    ("softmax.jacobian", "y y^T - diag(y)"),
    ("softmax.ce_gradient", "t_i - y_i"),
    ("softmax.ce_gradient", "y_i"),
]


@pytest.mark.parametrize("result_id,answer", RIGHT)
def test_right_answers_are_equivalent(result_id, answer):
    v = verdict(answer, result_id)
    assert v.verdict == "equivalent", v.message
    assert v.method in ("symbolic+numeric", "numeric")
    assert v.parsed and v.counterexample is None


@pytest.mark.parametrize("result_id,answer", WRONG)
def test_wrong_answers_have_a_counterexample(result_id, answer):
    v = verdict(answer, result_id)
    assert v.verdict == "not_equivalent", v.message
    ce = v.counterexample
    assert ce["answer"] != ce["expected"] and ce["point"]
    assert "expected value" in v.message


def test_naive_simplify_trap_is_decided_symbolically():
    # SymPy 1.14's simplify(a - b) leaves -1/(4 cosh^2(x/2)) + 1/(4 cosh^2(x/2)) here
    v = verdict("exp(-x)/(1+exp(-x))^2", "sigmoid.derivative")
    assert (v.verdict, v.method) == ("equivalent", "symbolic+numeric")


@pytest.mark.parametrize("answer", ["1/(4 cosh(x/2)^2)", r"\frac{1}{2 + 2\cosh x}", "(1 - tanh(x/2)^2)/4"])
def test_hyperbolic_forms_are_shown_symbolically(answer):
    # the naive simplify(a - b) leaves e.g. -1/(4 cosh^2(x/2)) + 1/(2 cosh(x) + 2) here
    v = verdict(answer, "sigmoid.derivative")
    assert (v.verdict, v.method) == ("equivalent", "symbolic+numeric")


def test_index_cases_are_both_sampled():
    # right only for i != j: a point with i = j must be among the samples
    v = verdict("-y_i y_j", "softmax.jacobian")
    assert v.verdict == "not_equivalent"
    assert v.counterexample["point"]["i"] == v.counterexample["point"]["j"]
    # right only for i = j: a point with i != j must be among the samples
    v = verdict("y_i (1 - y_j)", "softmax.jacobian")
    assert v.verdict == "not_equivalent"
    assert v.counterexample["point"]["i"] != v.counterexample["point"]["j"]


def test_counterexample_values_are_the_values_at_the_point():
    target = target_for_result("sigmoid.derivative")
    v = check_answer("sigma(x)", target)
    at = sp.Rational(v.counterexample["point"]["x"])
    assert float(v.counterexample["answer"]) == pytest.approx(float(sigma(at).subs(sigma(at), 1 / (1 + sp.exp(-at)))))
    assert float(v.counterexample["expected"]) == pytest.approx(float(sp.exp(-at) / (1 + sp.exp(-at)) ** 2))


def test_numeric_only_agreement_is_reported_as_numeric(monkeypatch):
    import derive.answers.checker as checker

    monkeypatch.setattr(checker, "symbolic_check", lambda *a: False)
    v = verdict("sigma(x)(1-sigma(x))", "sigmoid.derivative")
    assert v.verdict == "equivalent" and v.method == "numeric" and "numerically" in v.message


def test_restating_the_question_is_invalid():
    v = verdict("sigma(-x)", "sigmoid.symmetry")
    assert v.verdict == "invalid" and "restates" in v.message
    v = verdict("sigma'(x)", "sigmoid.derivative")
    assert v.verdict == "invalid" and "restates" in v.message


def test_key_with_expected_expression():
    target = target_for_expected("y_i - t_i", ("y_i", "t_i"))
    assert check_answer("softmax(z)_i - t_i", target).verdict == "equivalent"
    assert check_answer("t_i - y_i", target).verdict == "not_equivalent"
    target = target_for_expected("x^2 + 1", ("x",))
    assert check_answer("(x+1)^2 - 2x", target).verdict == "equivalent"


def test_numeric_compare_tolerates_only_tiny_differences():
    ctx = target_for_result("sigmoid.derivative").ctx
    assert numeric_compare(x + sp.Rational(1, 10**12), x, ctx).equal is False
    assert numeric_compare(sp.exp(x) * sp.exp(-x), sp.Integer(1), ctx).equal is True


@pytest.mark.parametrize("result_id,right,wrong", [
    ("glm.logistic.gradient", r"(\sigma(\bar y) - t) x_d", "(t - y) x_d"),
    ("glm.linear.gradient", "(ybar - t) x_d", "ybar x_d"),
    ("glm.multiclass.gradient", "x (y - t)^T", "x_d (t_i - y_i)"),
])
def test_glm_gradients(result_id, right, wrong):
    assert verdict(right, result_id).verdict == "equivalent"
    assert verdict(wrong, result_id).verdict == "not_equivalent"
