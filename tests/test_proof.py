"""The proof engine: right steps are proved, wrong steps are rejected, methods are recorded."""

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.context import ProofContext, VectorDomain
from derive.derivation import DerivationBuilder, ProofError
from derive.indices import contract_deltas, index_cases, pull_constants
from derive.notation import SIGMA_DEFINITION, SOFTMAX_DEFINITION, K, i, j, k, sigma, t, x, y, z
from derive.proof import numeric_equal, prove_equal, symbolic_equal

SIG = ProofContext(definitions=(SIGMA_DEFINITION,))
SOFT = ProofContext(definitions=(SOFTMAX_DEFINITION,), indices=(i, j), size=K)


def test_true_identity_is_proved_symbolically_and_numerically():
    proof = prove_equal(sp.Derivative(sigma(x), x), sigma(x) * sigma(-x), SIG)
    assert proof.verified and proof.method == "symbolic+numeric"


@pytest.mark.parametrize(
    "wrong",
    [
        sigma(x) * (1 + sigma(x)),  # sign
        2 * sigma(x) * (1 - sigma(x)),  # factor
        sigma(x) * (1 - sigma(-x)),  # 1 - sigma(-x) confusion
        sigma(x),  # the function itself
    ],
)
def test_wrong_derivative_is_rejected_with_a_counterexample(wrong):
    proof = prove_equal(sp.Derivative(sigma(x), x), wrong, SIG)
    assert not proof.verified
    assert proof.method == "numeric" and "differs at" in proof.detail


def test_index_notation_jacobian_is_proved_and_swapped_sign_rejected():
    jac = sp.Derivative(y[i], z[j])
    assert prove_equal(jac, y[i] * (sp.KroneckerDelta(i, j) - y[j]), SOFT).verified
    # y_j (delta_ij - y_i) is the same matrix entry (symmetric Jacobian)...
    assert prove_equal(jac, y[j] * (sp.KroneckerDelta(i, j) - y[i]), SOFT).verified
    # ... but dropping the delta term (only the off-diagonal case) is wrong, and caught at i = j.
    proof = prove_equal(jac, -y[i] * y[j], SOFT)
    assert not proof.verified and "i = " in proof.detail


def test_symbolic_proof_alone_never_claims_a_false_identity():
    assert not symbolic_equal(sp.Derivative(y[i], z[j]), -y[i] * y[j], SOFT)
    assert not symbolic_equal(sigma(x), sigma(-x), SIG)


def test_numeric_proof_respects_identities_of_the_context():
    onehot = SOFT.with_(families=((t, VectorDomain("one_hot")),))
    lhs = y[i] * sp.Sum(t[j], (j, 1, K))
    assert numeric_equal(lhs, y[i], onehot, seed=1)[0]
    assert not numeric_equal(lhs, y[i], SOFT, seed=1)[0]  # without sum t = 1 it is false


def test_contract_deltas_and_pull_constants():
    f = sp.Function("f")
    assert contract_deltas(sp.Sum(sp.KroneckerDelta(j, k) * f(k), (k, 1, K))) == f(j)
    assert pull_constants(sp.Sum(x * f(k), (k, 1, K))) == x * sp.Sum(f(k), (k, 1, K))
    cases = dict(index_cases(sp.KroneckerDelta(i, j) + y[j], [i, j]))
    assert cases["distinct"] == y[j] and cases["i = j"] == 1 + y[i]


def test_a_corrupted_step_makes_the_derivation_fail():
    d = DerivationBuilder("demo", "demo", SIG)
    d.chain("derivative", sp.Derivative(sigma(x), x)).step(sigma(x) * (1 - sigma(x)), "right").step(
        sigma(x) * (1 + sigma(x)), "wrong"
    )
    with pytest.raises(ProofError, match="wrong"):
        d.build()
    lenient = d.build(strict=False)
    assert [s.verified for s in lenient.steps] == [True, False]


@settings(max_examples=25, deadline=None)
@given(a=st.integers(-5, 5), b=st.integers(-5, 5))
def test_linear_perturbations_of_the_derivative_are_rejected(a, b):
    """sigma' + a*sigma + b equals sigma' only when a = b = 0."""
    claim = sigma(x) * (1 - sigma(x)) + a * sigma(x) + b
    assert prove_equal(sp.Derivative(sigma(x), x), claim, SIG).verified == (a == 0 and b == 0)
