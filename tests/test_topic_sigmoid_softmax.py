"""The foundation topics: every step proved, the results the issue names, numeric spot checks."""

import math
import random

import mpmath
import pytest
import sympy as sp

from derive.notation import i, j, sigma, x, y
from derive.topics import get

TOPIC_RESULTS = {
    "sigmoid": {"sigmoid.derivative", "sigmoid.symmetry", "sigmoid.derivative_stable", "sigmoid.tanh",
                "sigmoid.tanh_derivative", "sigmoid.derivative_at_zero", "sigmoid.logit"},
    "softmax": {"softmax.jacobian", "softmax.jacobian_matrix", "softmax.shift_invariance", "softmax.sigmoid",
                "softmax.ce_gradient", "softmax.log_probabilities", "softmax.reduced_logits"},
}


@pytest.mark.parametrize("topic", sorted(TOPIC_RESULTS))
def test_every_step_is_proved_and_results_are_named(topic):
    d = get(topic).build()
    assert d.steps and all(s.verified for s in d.steps)
    assert all(s.proof.method in ("symbolic", "numeric", "symbolic+numeric") for s in d.steps)
    assert not any(s.proof.certified for s in d.steps)  # tests prove live (conftest)
    assert TOPIC_RESULTS[topic] <= {r.id for r in d.results}


def test_every_step_is_also_proved_symbolically():
    """The index algebra finishes what SymPy's simplify cannot (Sum/KroneckerDelta)."""
    steps = [s for t in TOPIC_RESULTS for s in get(t).build().steps]
    assert [s.rule for s in steps if s.proof.method != "symbolic+numeric"] == []


def _sigma(v):
    return 1 / (1 + mpmath.exp(-v))


def test_sigmoid_results_evaluate_like_mpmath():
    d = get("sigmoid").build()
    deriv = d.result("sigmoid.derivative").expr
    with mpmath.workdps(40):
        for v in (-3.5, -0.25, 0.0, 2.0):
            ours = deriv.subs(sigma(x), sp.Float(_sigma(v), 40)).evalf(40)
            assert abs(ours - mpmath.diff(_sigma, v)) < 1e-25
    assert d.result("sigmoid.derivative_at_zero").expr == sp.Rational(1, 4)
    assert d.result("sigmoid.derivative_stable").expr == sigma(x) * sigma(-x)


def test_softmax_jacobian_and_ce_gradient_match_finite_differences():
    d = get("softmax").build()
    jac = d.result("softmax.jacobian").expr
    rng = random.Random(0)
    for size in (2, 3, 5):
        logits = [rng.uniform(-3, 3) for _ in range(size)]
        total = sum(math.exp(v) for v in logits)
        probs = [math.exp(v) / total for v in logits]
        for a in range(size):
            for b in range(size):
                h = 1e-6
                bumped = list(logits)
                bumped[b] += h
                tot2 = sum(math.exp(v) for v in bumped)
                fd = (math.exp(bumped[a]) / tot2 - probs[a]) / h
                ours = float(jac.subs({i: a + 1, j: b + 1}).subs({y[a + 1]: probs[a], y[b + 1]: probs[b]}))
                assert abs(ours - fd) < 1e-5
    assert d.result("softmax.ce_gradient").expr == y[i] - sp.IndexedBase("t", nonnegative=True)[i]


def test_matrix_form_is_checked_for_explicit_sizes():
    d = get("softmax").build()
    (step,) = [s for s in d.steps if s.chain == "Jacobian, matrix form"]
    assert step.verified and "K = 2, 3, 4, 5" in step.proof.detail
