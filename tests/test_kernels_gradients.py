"""Gradient kernels against central finite differences in double precision, and property tests
over random shapes and batch sizes (hypothesis).

Finite differences: f'(x) ~ (f(x + h) - f(x - h)) / 2h with h = eps^(1/3) max(1, |x|) ~ 6e-6
(the step that balances truncation h^2 |f'''| / 6 against rounding eps |f| / h). Both are
~ 4e-11 relative to the scale of f on these inputs, so agreement within rtol 1e-7 (atol 1e-9
times the scale) is 1000 times looser than the method's error and far tighter than any wrong
formula (a missing factor or sign is an O(1) error).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numeric.kernels as K

H = np.finfo(float).eps ** (1 / 3)
RTOL, ATOL = 1e-7, 1e-9


def central_difference(f, x):
    h = H * np.maximum(1.0, np.abs(x))
    return (f(x + h) - f(x - h)) / (2 * h)


POINTS = np.concatenate([np.linspace(-30, 30, 241), [-1e-3, 1e-3, 0.25, -7.5]])


@pytest.mark.parametrize("derivative, function", [
    (K.sigmoid_derivative, K.sigmoid),
    (K.tanh_derivative, np.tanh),
    (K.sigmoid, K.softplus),  # softplus' = sigma
    (lambda x: K.sigmoid(-x), K.log_sigmoid),  # (log sigma)' = 1 - sigma = sigma(-x)
    (K.identity_derivative, K.identity),
])
def test_activation_derivatives_match_finite_differences(derivative, function):
    x = POINTS
    numeric = central_difference(function, x)
    np.testing.assert_allclose(derivative(x), numeric, rtol=RTOL, atol=ATOL)


def test_relu_derivative_matches_finite_differences_away_from_the_kink():
    x = POINTS[np.abs(POINTS) > 1e-2]
    np.testing.assert_allclose(K.relu_derivative(x), central_difference(K.relu, x), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("loss, grad, targets", [
    (K.gaussian_nll, K.gaussian_nll_grad, lambda rng, n: rng.normal(0, 3, n)),
    (K.bernoulli_nll, K.bernoulli_nll_grad, lambda rng, n: rng.random(n)),
    (K.bernoulli_nll, K.bernoulli_nll_grad, lambda rng, n: rng.integers(0, 2, n).astype(float)),
    (K.poisson_nll, K.poisson_nll_grad, lambda rng, n: rng.integers(0, 30, n).astype(float)),
])
def test_loss_gradients_match_finite_differences(loss, grad, targets):
    rng = np.random.default_rng(3)
    logits = rng.normal(0, 4, 400)
    t = targets(rng, logits.size)
    numeric = central_difference(lambda v: loss(v, t), logits)
    scale = np.maximum(1.0, np.abs(loss(logits, t)))
    np.testing.assert_allclose(grad(logits, t), numeric, rtol=RTOL, atol=ATOL * scale.max())


def _categorical_fd(z, t):
    out = np.empty_like(z)
    for k in range(z.shape[1]):
        step = np.zeros_like(z)
        h = H * np.maximum(1.0, np.abs(z[:, k]))
        step[:, k] = h
        out[:, k] = (K.categorical_nll(z + step, t) - K.categorical_nll(z - step, t)) / (2 * h)
    return out


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 12), k=st.integers(2, 9), seed=st.integers(0, 2**32 - 1), scale=st.sampled_from([0.1, 1.0, 10.0]))
def test_categorical_gradient_matches_finite_differences(n, k, seed, scale):
    rng = np.random.default_rng(seed)
    z = rng.normal(0, scale, (n, k))
    t = rng.integers(0, k, n)
    grad = K.categorical_nll_grad(z, t)
    np.testing.assert_allclose(grad, _categorical_fd(z, t), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(grad.sum(axis=1), 0.0, atol=1e-14 * k)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 10), m=st.integers(1, 7), o=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))
def test_dense_backward_matches_finite_differences(n, m, o, seed):
    rng = np.random.default_rng(seed)
    g, x, w, b = rng.normal(size=(n, o)), rng.normal(size=(n, m)), rng.normal(size=(m, o)), rng.normal(size=o)

    def loss(x_, w_, b_):  # L = sum(G * (X W + b)): its gradient with respect to the outputs is G
        return float(np.sum(g * (x_ @ w_ + b_)))

    gw, gb, gx = K.dense_backward(g, x, w)
    assert gw.shape == (m, o) and gb.shape == (o,) and gx.shape == (n, m)
    for value, grad in ((w, gw), (b, gb), (x, gx)):
        fd = np.zeros_like(value)
        for idx in np.ndindex(value.shape):
            h = H * max(1.0, abs(value[idx]))
            plus, minus = value.copy(), value.copy()
            plus[idx] += h
            minus[idx] -= h
            args = {id(w): (x, plus, b), id(b): (x, w, plus), id(x): (plus, w, b)}[id(value)]
            args_m = {id(w): (x, minus, b), id(b): (x, w, minus), id(x): (minus, w, b)}[id(value)]
            fd[idx] = (loss(*args) - loss(*args_m)) / (2 * h)
        np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-7)


def test_dense_backward_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="shapes do not match"):
        K.dense_backward(np.ones((3, 2)), np.ones((3, 4)), np.ones((5, 2)))


@settings(max_examples=60, deadline=None)
@given(z=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=7),
                    elements=st.floats(-1e3, 1e3)),
       axis=st.integers(-1, 2), shift=st.floats(-50, 50))
def test_softmax_properties_over_shapes(z, axis, shift):
    if axis >= z.ndim:
        axis = -1
    p = K.softmax(z, axis=axis)
    assert p.shape == z.shape and np.all(p >= 0)
    np.testing.assert_allclose(p.sum(axis=axis), 1.0, rtol=0, atol=1e-14 * z.shape[axis])
    np.testing.assert_allclose(K.softmax(z + shift, axis=axis), p, rtol=1e-9, atol=1e-300)  # shift invariance
    logp = K.log_softmax(z, axis=axis)
    assert np.all(logp <= 0)
    big = p > 1e-300
    np.testing.assert_allclose(np.exp(logp[big]), p[big], rtol=1e-12)
    np.testing.assert_array_equal(np.moveaxis(K.softmax(np.moveaxis(z, axis, -1)), -1, axis), p)


@settings(max_examples=60, deadline=None)
@given(x=hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=6), elements=st.floats(-800, 800)))
def test_elementwise_kernels_keep_shapes_and_identities(x):
    s = K.sigmoid(x)
    assert np.shape(s) == x.shape and np.all((s >= 0) & (s <= 1))
    np.testing.assert_allclose(s + K.sigmoid(-x), 1.0, rtol=1e-15, atol=1e-16)  # sigmoid.symmetry
    np.testing.assert_allclose(K.softplus(x) - K.softplus(-x), x, rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(K.log_sigmoid(x), -K.softplus(-x), rtol=1e-15, atol=0)
    assert np.all(K.sigmoid_derivative(x) <= 0.25) and np.all(K.tanh_derivative(x) <= 1.0)


@settings(max_examples=60, deadline=None)
@given(tp=hnp.arrays(np.float64, st.integers(0, 8), elements=st.integers(0, 50).map(float)),
       beta=st.floats(0.1, 5.0), zero_division=st.sampled_from([0.0, 1.0, np.nan]))
def test_fbeta_from_counts(tp, beta, zero_division):
    rng = np.random.default_rng(tp.size)
    fp = rng.integers(0, 3, tp.shape).astype(float)
    fn = rng.integers(0, 3, tp.shape).astype(float)
    out = K.fbeta_from_counts(tp, fp, fn, beta=beta, zero_division=zero_division)
    precision = np.divide(tp, tp + fp, out=np.zeros_like(tp), where=tp + fp > 0)
    recall = np.divide(tp, tp + fn, out=np.zeros_like(tp), where=tp + fn > 0)
    den = tp + fp + fn
    for i in range(tp.size):
        if den[i] == 0:
            assert out[i] == zero_division or (np.isnan(zero_division) and np.isnan(out[i]))
        elif tp[i] == 0:
            assert out[i] == 0.0
        else:
            harmonic = (1 + beta**2) * precision[i] * recall[i] / (beta**2 * precision[i] + recall[i])
            assert out[i] == pytest.approx(harmonic, rel=1e-13)


def test_fbeta_rejects_negative_beta():
    with pytest.raises(ValueError):
        K.fbeta_from_counts(1, 1, 1, beta=-1.0)


def test_categorical_rejects_bad_targets():
    z = np.zeros((3, 4))
    with pytest.raises(ValueError):
        K.categorical_nll(z, [0, 1, 4])
    with pytest.raises(ValueError):
        K.categorical_nll_grad(z, [0, 1])
