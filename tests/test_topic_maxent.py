"""The maxent topic: uniform distribution, softmax as the maximum-entropy classifier, SciPy confirmation."""

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

from derive.derivation import DerivationBuilder, ProofError
from derive.topics import TOPICS, maxent
from derive.topics._maxent_numeric import TOLERANCE, confirm, dataset, maximum_entropy, maximum_likelihood

from _partb_checks import check_latex_compiles, check_renders


def test_results_formats_latex():
    dv = maxent.build()
    assert dv.verified and "maxent" in TOPICS
    assert dv.result("maxent.uniform").expr == 1 / maxent.n
    assert dv.result("maxent.softmax").expr == maxent.softmax_row(maxent.i, maxent.k)
    assert any("maximum entropy" in note.text and "softmax MLE" in note.text for note in dv.notes)
    check_renders(dv)
    check_latex_compiles(dv)


def test_maxent_equals_softmax_mle_numerically():
    c = confirm(0)
    assert c.constraint_residual < 1e-8
    assert c.max_difference < TOLERANCE and c.agree
    assert np.allclose(c.maxent.sum(axis=1), 1)


def test_mle_satisfies_feature_matching():
    """The MLE's stationarity conditions are the maximum-entropy constraints."""
    x, t = dataset(1)
    k = int(t.max()) + 1
    pi = maximum_likelihood(x, t, k)
    assert np.abs(x.T @ (pi - np.eye(k)[t])).max() < 1e-6


def test_entropy_is_maximal_among_feasible_tables():
    """Perturbing the maximum-entropy table within the constraints lowers the entropy."""
    x, t = dataset(2)
    k = int(t.max()) + 1
    pi, _ = maximum_entropy(x, t, k)
    rng = np.random.default_rng(0)
    # Directions keeping row sums and X^T pi fixed: the null space of the constraint matrix.
    n = len(t)
    rows = np.kron(np.eye(n), np.ones((1, k)))
    match = np.vstack([np.kron(x[:, j], np.eye(k)[c]) for j in range(x.shape[1]) for c in range(k)])
    _, s, vt = np.linalg.svd(np.vstack([rows, match]))
    null = vt[(s > 1e-10).sum():]
    h = lambda v: -np.sum(v * np.log(v))  # noqa: E731
    for _ in range(5):
        step = 1e-3 * null.T @ rng.normal(size=len(null))
        assert h(pi.ravel() + step) < h(pi.ravel())


@settings(max_examples=20, deadline=None)
@given(st.lists(st.floats(0.05, 1.0), min_size=2, max_size=6))
def test_uniform_beats_any_distribution(weights):
    q = np.array(weights) / sum(weights)
    assert -np.sum(q * np.log(q)) <= np.log(len(q)) + 1e-12


@pytest.mark.parametrize("wrong", [sp.exp(maxent.lam), 1 / maxent.lam, sp.exp(1 - maxent.lam)])
def test_wrong_stationary_point_rejected(wrong):
    b = DerivationBuilder("bad", "bad", maxent.CONTEXT_A)
    b.chain("c", maxent.p[maxent.i]).step(wrong, "wrong", prover=maxent.on_solutions(maxent.STATIONARY_A, maxent.p[maxent.i]))
    with pytest.raises(ProofError):
        b.build()


def test_wrong_softmax_steps_rejected():
    i, k, c = maxent.i, maxent.k, maxent.c_
    b = DerivationBuilder("bad", "bad", maxent.CONTEXT_B)
    # a sign error in the derivative of the Lagrangian
    b.chain("d", sp.Derivative(maxent.LB, maxent.pi[i, k])).step(
        sp.log(maxent.pi[i, k]) + 1 + maxent.score(i, k) - maxent.beta[i], "wrong", prover=maxent.PROVE_B)
    # softmax over the wrong index
    b.chain("s", sp.exp(maxent.score(i, k)) / sp.Sum(sp.exp(maxent.score(i, c)), (c, 1, maxent.K))).step(
        sp.exp(maxent.score(i, k)) / sp.Sum(sp.exp(maxent.score(c, k)), (c, 1, maxent.K)), "wrong",
        prover=maxent.PROVE_B)
    assert sum(not s.verified for s in b.build(strict=False).steps) == 2
