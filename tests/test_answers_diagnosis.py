"""Named mistakes in wrong answers."""

from __future__ import annotations

import pytest

from answers_helpers import verdict
from derive.answers.checker import check_answer
from derive.answers.targets import target_for_expected


@pytest.mark.parametrize("result_id,answer,name", [
    ("sigmoid.derivative", "-sigma(x)(1-sigma(x))", "sign_flipped"),
    ("softmax.ce_gradient", "t_i - y_i", "sign_flipped"),
    ("softmax.jacobian", "y_i (y_j - delta_ij)", "sign_flipped"),
    ("sigmoid.derivative", "2 sigma(x)(1-sigma(x))", "constant_factor"),
    ("sigmoid.derivative", r"\frac{1}{2}\sigma(x)\sigma(-x)", "constant_factor"),
    ("sigmoid.derivative", "sigma(x)(1 - sigma(-x))", "sigma_confusion"),
    ("sigmoid.derivative_stable", "sigma(x) (1 - sigma(-x))", "sigma_confusion"),
    ("sigmoid.derivative", "sigma(-x)(1 - sigma(x)) + 0", "sigma_confusion"),
    ("softmax.jacobian", "-y_i y_j", "delta_term_missing"),
    ("sigmoid.derivative", "sigma(x)", "own_function"),
    ("softmax.jacobian", "y_i", "own_function"),
    ("glm.multiclass.gradient_matrix", "(y - t) x^T", "indices_swapped"),
    ("sigmoid.derivative", "sigma(x)(1 + sigma(x))", "term_sign"),
    ("softmax.jacobian", r"y_i(\delta_{ij} + y_j)", "term_sign"),
    ("softmax.ce_gradient", "y_i + t_i", "term_sign"),
    ("sigmoid.derivative", "1 - sigma(x)", "factor_missing"),
    ("softmax.jacobian", r"\delta_{ij} - y_j", "factor_missing"),
    ("sigmoid.derivative", "sigma(x)^2 (1 - sigma(x))", "factor_extra"),
    ("sigmoid.derivative", "x sigma(x) (1 - sigma(x))", "factor_extra"),
    ("softmax.ce_gradient", "y_i", "term_missing"),
    ("softmax.ce_gradient", "y_i - t_i + z_i", "term_extra"),
])
def test_named_mistakes(result_id, answer, name):
    v = verdict(answer, result_id)
    assert v.verdict == "not_equivalent"
    assert v.diagnosis == name, v.message
    assert v.counterexample is not None


def test_swapped_indices_in_a_key():
    target = target_for_expected("y_i - t_j", ("y_i", "t_j"))
    v = check_answer("y_j - t_i", target)
    assert v.diagnosis == "indices_swapped" and "swapped" in v.message


def test_an_unrelated_wrong_answer_gets_no_diagnosis():
    v = verdict("x^3", "sigmoid.derivative")
    assert v.verdict == "not_equivalent" and v.diagnosis is None


@pytest.mark.parametrize("answer,term", [("sigma(x)(1 + sigma(x))", "σ(x)"), ("sigma(x)(sigma(x) + 1)", "σ(x)")])
def test_term_sign_names_the_term(answer, term):
    v = verdict(answer, "sigmoid.derivative")
    assert v.diagnosis == "term_sign" and f"the term {term} of" in v.message


@pytest.mark.parametrize("result_id,answer,words", [
    ("sigmoid.derivative", "1 - sigma(x)", "the factor σ(x) is missing"),
    ("softmax.jacobian", r"\delta_{ij} - y_j", "the factor y_i is missing"),
    ("softmax.ce_gradient", "y_i - t_i + z_i", "the term z_i should not be there"),
])
def test_missing_and_extra_parts_are_named(result_id, answer, words):
    assert words in verdict(answer, result_id).message
