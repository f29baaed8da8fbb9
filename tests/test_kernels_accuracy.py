"""Accuracy of the generated kernels in ulps against the derivations' own formulas evaluated in
mpmath (derive.codegen.accuracy), on grids with |x| up to 1e4, the overflow thresholds
(+-709.78, +-745) and tiny and subnormal values; and no RuntimeWarning, inf or NaN for finite
inputs where the truth is finite. Every test runs for both backends, the NumPy kernels and the
fused numba ones (``backend`` fixture), with the same bars."""

from __future__ import annotations

import warnings

import mpmath
import numpy as np
import pytest
import sympy as sp

import numeric.kernels as K
from derive.codegen import accuracy as A
from derive.codegen.kernels import eta, loss_kernels, sigmoid_kernels, tt, x, ybar

KERNELS = {k.name: k for k in sigmoid_kernels() + loss_kernels()}
GRID = A.elementwise_grid()
ELEMENTWISE_BOUND = 2.0  # ulp
SOFTMAX_BOUND = 4.0  # ulp, K <= 100


@pytest.fixture(autouse=True, params=["numpy", "fused"])
def backend(request):
    """The public kernels run on this backend for the test (the fused one needs numba, which the
    dev extra installs)."""
    with K.kernel_backend(request.param):
        yield request.param


@pytest.fixture(autouse=True)
def _strict_floating_point(backend):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            yield


@pytest.mark.parametrize("name", ["sigmoid", "sigmoid_derivative", "log_sigmoid", "softplus", "tanh_derivative"])
def test_activation_within_2_ulp(name):
    truth = A.truths(KERNELS[name].exprs[0], [x], GRID)
    errors = A.ulp_errors(getattr(K, name)(GRID), truth)
    worst = int(np.argmax(errors))
    assert errors.max() <= ELEMENTWISE_BOUND, f"{name}({GRID[worst]!r}): {errors.max():.3f} ulp"


def test_tiny_derivatives_are_not_flushed_to_zero():
    # sigma(1 - sigma) gives 0 at x = 40; the truth is 4.2e-18; 1 - tanh^2 gives 0 at x = 20.
    assert K.sigmoid_derivative(40.0) == pytest.approx(4.248354255291589e-18, rel=1e-15)
    assert K.tanh_derivative(20.0) == pytest.approx(float(1 / mpmath.cosh(20) ** 2), rel=1e-15)
    assert K.sigmoid(-740.0) > 0 and K.log_sigmoid(740.0) < 0


def test_relu_identity_and_their_derivatives_exact():
    np.testing.assert_array_equal(K.relu(GRID), np.where(GRID > 0, GRID, 0.0))
    np.testing.assert_array_equal(K.relu_derivative(GRID), (GRID > 0).astype(float))
    assert K.relu_derivative(0.0) == 0.0
    np.testing.assert_array_equal(K.identity(GRID), GRID)
    np.testing.assert_array_equal(K.identity_derivative(GRID), np.ones_like(GRID))


@pytest.mark.parametrize("target", [0.0, 1.0])
def test_bernoulli_loss_and_gradient_within_2_ulp_for_binary_targets(target):
    t = np.full_like(GRID, target)
    nll = A.truths(KERNELS["bernoulli_nll"].exprs[0], [ybar, tt], GRID, t)
    assert A.ulp_errors(K.bernoulli_nll(GRID, t), nll).max() <= ELEMENTWISE_BOUND
    grad = A.truths(KERNELS["bernoulli_nll_grad"].exprs[0], [ybar, tt], GRID, t)
    assert A.ulp_errors(K.bernoulli_nll_grad(GRID, t), grad).max() <= ELEMENTWISE_BOUND


def _relative_to_condition(computed, truths, magnitudes):
    """Error relative to the sum of the magnitudes of the terms (the condition of a difference)."""
    with mpmath.workdps(A.WORKING_DIGITS):
        return np.array([float(abs(mpmath.mpf(float(c)) - tv) / m) for c, tv, m in zip(computed, truths, magnitudes)])


def test_gaussian_and_poisson_losses_accurate_relative_to_their_terms():
    rng = np.random.default_rng(7)
    logits = np.concatenate([rng.normal(0, 5, 300), np.linspace(-700, 700, 101)])
    counts = rng.integers(0, 20, logits.size).astype(float)
    eps = np.finfo(float).eps
    for name, sym, terms in [
        ("poisson_nll", eta, np.exp(logits) + np.abs(counts * logits)),
        ("poisson_nll_grad", eta, np.exp(logits) + counts),
        ("gaussian_nll", ybar, (np.abs(logits) + counts) ** 2),
        ("gaussian_nll_grad", ybar, np.abs(logits) + counts),
    ]:
        truth = A.truths(KERNELS[name].exprs[0], [sym, tt], logits, counts)
        rel = _relative_to_condition(getattr(K, name)(logits, counts), truth, terms)
        assert rel.max() <= 2 * eps, name


def test_fractional_bernoulli_targets_match_the_formula():
    rng = np.random.default_rng(8)
    logits, t = rng.normal(0, 10, 500), rng.random(500)
    truth = A.truths(KERNELS["bernoulli_nll"].exprs[0], [ybar, tt], logits, t)
    terms = np.abs(logits) * (1 + t) + 1
    assert _relative_to_condition(K.bernoulli_nll(logits, t), truth, terms).max() <= 4 * np.finfo(float).eps


def _softmax_rows():
    rng = np.random.default_rng(11)
    rows = [
        np.array([0.0, -62.0]),  # top log-probability -1.2e-27
        np.array([0.3, -460.1234567, -700.5, 0.29999999]),  # probabilities near 1e-200 and 1e-304
        np.array([1e4, -1e4, 9999.5, 0.0]),
        np.array([-745.0, -709.78, 709.78, 745.0]),
        np.array([5e-324, -5e-324, 0.0, 1e-300]),
        np.full(5, 3.0),  # ties
    ]
    for size in (2, 3, 10, 50, 100):
        rows.append(rng.normal(0, 1, size) * rng.choice([1.0, 30.0, 300.0]))
        rows.append(np.concatenate([[rng.normal()], rng.normal(-400, 100, size - 1)]))
    return rows


@pytest.mark.parametrize("row", _softmax_rows(), ids=lambda r: f"K{len(r)}")
def test_softmax_and_log_softmax_within_4_ulp(row):
    probs, logs = A.softmax_truth(row)
    assert A.ulp_errors(K.softmax(row), probs).max() <= SOFTMAX_BOUND
    assert A.ulp_errors(K.log_softmax(row), logs).max() <= SOFTMAX_BOUND
    batch = np.stack([row, row[::-1]])
    np.testing.assert_array_equal(K.softmax(batch)[1], K.softmax(row[::-1]))
    np.testing.assert_array_equal(K.softmax(batch.T, axis=0).T, K.softmax(batch))


def test_categorical_loss_and_gradient_keep_tiny_values():
    z = np.array([[0.0, -62.0], [-62.0, 0.0], [3.0, 3.0]])
    t = np.array([0, 0, 1])
    _, logs0 = A.softmax_truth(z[0])
    _, logs1 = A.softmax_truth(z[1])
    nll = K.categorical_nll(z, t)
    assert A.ulp_error(nll[0], -logs0[0]) <= SOFTMAX_BOUND and nll[0] > 0
    assert A.ulp_error(nll[1], -logs1[0]) <= SOFTMAX_BOUND
    grad = K.categorical_nll_grad(z, t)
    probs0, _ = A.softmax_truth(z[0])
    assert A.ulp_error(grad[0, 0], probs0[0] - 1) <= SOFTMAX_BOUND and grad[0, 0] < 0
    assert grad[2].tolist() == [0.5, -0.5]


@pytest.mark.parametrize("name", sorted(set(K.__all__) - {"dense_backward", "fbeta_from_counts", "categorical_nll",
                                                         "categorical_nll_grad", "softmax", "log_softmax",
                                                         # matrix kernels: tests/test_kernels_training.py
                                                         "categorical_nll_grad_unchecked", "log_softmax_unchecked",
                                                         "dense_backward_unchecked",
                                                         "dense_param_grads_unchecked", "dense_weight_grads_unchecked",
                                                         "dense_weight_input_grads_unchecked"}))
def test_no_warning_inf_or_nan_on_extreme_finite_inputs(name):
    extreme = np.concatenate([GRID, [1e308, -1e308, np.finfo(float).max, -np.finfo(float).max]])
    f = getattr(K, name)
    args = (extreme,) if f.__code__.co_argcount == 1 else (extreme, np.ones_like(extreme))
    out = f(*args)
    # truth beyond 1.8e308 (also for the training-path twins of these kernels)
    overflow_allowed = name.removesuffix("_unchecked") in {"gaussian_nll", "poisson_nll", "poisson_nll_grad"}
    if not overflow_allowed:
        assert np.isfinite(out).all(), extreme[~np.isfinite(out)]
    assert not np.isnan(out).any()


def test_softmax_family_no_warning_on_extreme_rows():
    z = np.array([[1e308, -1e308, 0.0], [-np.finfo(float).max, np.finfo(float).max, 1.0], [745.0, -745.0, 1e4]])
    p = K.softmax(z)
    assert np.isfinite(p).all() and np.allclose(p.sum(axis=1), 1.0)
    assert not np.isnan(K.log_softmax(z)).any()
    assert np.isfinite(K.categorical_nll(z[2:], [1])).all()
    assert np.isfinite(K.categorical_nll_grad(z, [0, 1, 2])).all()
