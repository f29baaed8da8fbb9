"""The training-path kernels (``*_unchecked``): the same values as the public kernels they are
generated beside, in place where documented, and no floating-point warning on extreme finite
inputs; the plain max-shift categorical gradient against the compensated one and against finite
differences; one epoch of numeric's SGD loop against steps along ``loss_and_gradients`` (which
uses the public, checked kernels) for every activation and output head.

Tolerance of ``categorical_nll_grad_unchecked`` (plain max-shift) against ``categorical_nll_grad``
(compensated, <= 4 ulp): with $d = z - \\max z$ rounded once, $e^{d}$ has absolute error at most
$\\max_d |d| e^{d} \\varepsilon + \\varepsilon \\le 1.4\\varepsilon$; the row sum of $K$ terms in
$[0, 1]$ is off by at most $(K - 1)\\varepsilon$ relative, and the division and the subtraction
of $t$ add $2\\varepsilon$: every entry (all in $[-1, 1]$) within $(K + 3)\\varepsilon$ absolute.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numeric
import numeric._network as N
import numeric.kernels as K
from numeric._validation import ConvergenceWarning

EPS = np.finfo(float).eps
EXTREME = np.array([0.0, -0.0, 1e-300, -1e-300, 5e-324, 1.0, -1.0, 19.5, -19.5, 40.0, -40.0, 709.78, -709.78,
                    745.0, -745.0, 1e4, -1e4, 1e308, -1e308, np.finfo(float).max, -np.finfo(float).max])


@pytest.fixture(autouse=True)
def _strict_floating_point():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            yield


#: the lecture's SGD (the estimators' defaults are scikit-learn's: adam, momentum 0.9, L-BFGS)
SGD = dict(solver="sgd", momentum=0.0)
GLM_SGD = dict(solver="sgd")

ELEMENTWISE = ["sigmoid", "relu", "identity", "gaussian_nll_grad", "bernoulli_nll_grad", "poisson_nll_grad"]
BACKWARD = {"relu": K.relu_derivative, "logistic": K.sigmoid_derivative, "tanh": K.tanh_derivative}


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_unchecked_elementwise_equal_the_public_kernels(name):
    rng = np.random.default_rng(1)
    x = np.concatenate([EXTREME, rng.normal(0, 30, 300)])
    public, fast = getattr(K, name), getattr(K, f"{name}_unchecked")
    args = (x,) if public.__code__.co_argcount == 1 else (x, rng.integers(0, 3, x.size).astype(float))
    if name in ("gaussian_nll_grad", "poisson_nll_grad"):  # e^eta and ybar - t overflow beyond 1.8e308
        args = (np.clip(args[0], -700, 700), args[1])
    np.testing.assert_array_equal(fast(*args), public(*args))
    assert "Generated from" in fast.__doc__


@pytest.mark.parametrize("activation", sorted(BACKWARD))
def test_backward_is_the_chain_rule_step_in_place(activation):
    rng = np.random.default_rng(2)
    x = np.concatenate([EXTREME, rng.normal(0, 30, 300)]).reshape(-1, 3)
    g = rng.normal(size=x.shape)
    expected = g * BACKWARD[activation](x)
    work = g.copy()
    out = getattr(K, f"{activation}_backward_unchecked")(work, x)
    assert out is work
    np.testing.assert_array_equal(out, expected)


def test_dense_unchecked_variants_equal_dense_backward():
    rng = np.random.default_rng(3)
    g, a, W = rng.normal(size=(7, 4)), rng.normal(size=(7, 5)), rng.normal(size=(5, 4))
    full = K.dense_backward(g, a, W)
    for got, want in zip(K.dense_backward_unchecked(g, a, W), full):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(K.dense_param_grads_unchecked(g, a), full[:2]):
        np.testing.assert_array_equal(got, want)


def _one_hot(t, k):
    return np.eye(k)[t]


@settings(max_examples=60, deadline=None)
@given(z=hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=40),
                    elements=st.floats(-1e3, 1e3, allow_nan=False, allow_subnormal=False)),
       seed=st.integers(0, 2**32 - 1))
def test_categorical_unchecked_agrees_with_the_compensated_gradient(z, seed):
    n, k = z.shape
    t = np.random.default_rng(seed).integers(0, k, n)
    want = K.categorical_nll_grad(z, t)
    got = K.categorical_nll_grad_unchecked(z.copy(), _one_hot(t, k))
    np.testing.assert_allclose(got, want, rtol=0, atol=(k + 3) * EPS)
    np.testing.assert_allclose(got.sum(axis=1), 0.0, atol=(k + 3) * EPS * k)


@pytest.mark.parametrize("scale", [0.1, 1.0, 10.0])
def test_categorical_unchecked_matches_finite_differences(scale):
    rng = np.random.default_rng(4)
    z = rng.normal(0, scale, (6, 5))
    t = rng.integers(0, 5, 6)
    got = K.categorical_nll_grad_unchecked(z.copy(), _one_hot(t, 5))
    h = np.full(z.shape, EPS ** (1 / 3))  # the curvature of the NLL is at most 1/4, whatever |z|
    num = np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        up, down = z.copy(), z.copy()
        up[idx] += h[idx]
        down[idx] -= h[idx]
        num[idx] = (K.categorical_nll(up, t).sum() - K.categorical_nll(down, t).sum()) / (2 * h[idx])
    np.testing.assert_allclose(got, num, rtol=1e-6, atol=1e-8)


def test_categorical_unchecked_on_extreme_finite_rows():
    big = np.finfo(float).max
    z = np.array([[1e308, -1e308, 0.0], [-big, big, 1.0], [745.0, -745.0, 1e4], [-big, -big, -big]])
    t = np.array([0, 2, 1, 1])
    with np.errstate(over="ignore"):  # floating-point warnings are the caller's (the SGD loop's)
        got = K.categorical_nll_grad_unchecked(z.copy(), _one_hot(t, 3))
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, K.categorical_nll_grad(z, t), rtol=0, atol=6 * EPS)
    doc = " ".join(K.categorical_nll_grad_unchecked.__doc__.split())
    assert "Stable by shift invariance" in doc and "softmax.shift_invariance" in doc


@settings(max_examples=200, deadline=None)
@given(z=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=12),
                    elements=st.floats(-1e4, 1e4, allow_nan=False)))
def test_log_softmax_unchecked_matches_the_compensated_kernel(z):
    # plain max-shift: d = z - max z rounded once (relative eps), the sum of K terms in [0, 1] and
    # its log add (K + 2) eps absolute: within (K + 3) eps max(1, |log y|) of the <= 4 ulp kernel
    k = z.shape[-1]
    want = K.log_softmax(z, axis=-1)
    got = K.log_softmax_unchecked(z)
    assert got.shape == z.shape
    assert np.all(np.abs(got - want) <= (k + 3) * EPS * np.maximum(1.0, np.abs(want)))


def test_log_softmax_unchecked_on_extreme_finite_rows():
    big = np.finfo(float).max
    z = np.array([[1e308, -1e308, 0.0], [745.0, -745.0, 1e4], [-big, -big, -big], [0.0, 0.0, 0.0]])
    with np.errstate(over="ignore"):  # floating-point warnings are the caller's
        got = K.log_softmax_unchecked(z)
    assert not np.isnan(got).any()
    want = K.log_softmax(z, axis=-1)
    np.testing.assert_allclose(got, want, rtol=4 * EPS)
    doc = " ".join(K.log_softmax_unchecked.__doc__.split())
    assert "Stable by shift invariance" in doc and "softmax.shift_invariance" in doc


# --- the SGD loop on the training kernels ---------------------------------------------------------

CASES = [
    ("relu", lambda **kw: numeric.MLPClassifier((5,), activation="relu", **SGD, **kw), 3),
    ("logistic", lambda **kw: numeric.MLPClassifier((4, 3), activation="logistic", **SGD, **kw), 3),
    ("tanh", lambda **kw: numeric.MLPClassifier((5,), activation="tanh", **SGD, **kw), 2),  # Bernoulli head
    ("identity", lambda **kw: numeric.MLPClassifier((5,), activation="identity", **SGD, **kw), 4),
    ("relu", lambda **kw: numeric.MLPRegressor((5,), activation="relu", **SGD, **kw), None),
    ("tanh", lambda **kw: numeric.MLPRegressor((5,), activation="tanh", loss="poisson", **SGD, **kw), None),
    ("glm", lambda **kw: numeric.SoftmaxRegression(**GLM_SGD, **kw), 3),
]


@pytest.mark.filterwarnings("ignore::numeric._validation.ConvergenceWarning")
@pytest.mark.parametrize("case", range(len(CASES)))
@pytest.mark.parametrize("batch_size,alpha", [(1, 0.0), (6, 0.3), (100, 0.0)])
@pytest.mark.parametrize("block", [None, 12])
@pytest.mark.parametrize("fused", [True, False])
def test_one_epoch_equals_steps_along_the_public_gradients(case, batch_size, alpha, block, fused, monkeypatch):
    """partial_fit without shuffling (training kernels) = W <- W - lr grad, minibatch by minibatch,
    with grad from loss_and_gradients (public, checked, compensated kernels); ``block`` 12 makes
    the loop split minibatches into row blocks of 2-4 rows and sum their gradients; ``fused``
    False turns off the first layer stored as [W; b] (data with a column of ones)."""
    if block is not None:
        monkeypatch.setattr(N, "ROW_BLOCK_ELEMENTS", block)
    if not fused:
        monkeypatch.setattr(N, "FUSED_BIAS_MAX_INPUTS", 0)
    _, make, k = CASES[case]
    rng = np.random.default_rng(case)
    X = rng.normal(size=(23, 3))
    y = rng.integers(0, k, 23) if k else rng.poisson(2.0, 23).astype(float)
    kw = dict(alpha=alpha, batch_size=batch_size, learning_rate_init=0.05, shuffle=False, random_state=3)
    first = dict(classes=np.arange(k)) if k else {}
    est = make(**kw).partial_fit(X[:1], y[:1], **first)
    ref = make(**kw).partial_fit(X[:1], y[:1], **first)
    for P, Q in zip(est.coefs_ + est.intercepts_, ref.coefs_ + ref.intercepts_):
        P[...] = rng.uniform(-0.5, 0.5, P.shape)
        Q[...] = P
    with np.errstate(over="ignore", under="ignore"):
        est.partial_fit(X, y)
        for s in range(0, len(y), batch_size):
            _, gW, gb = ref.loss_and_gradients(X[s:s + batch_size], y[s:s + batch_size])
            for P, G in zip(ref.coefs_ + ref.intercepts_, gW + gb):
                P -= 0.05 * G
    for P, Q in zip(est.coefs_ + est.intercepts_, ref.coefs_ + ref.intercepts_):
        np.testing.assert_allclose(P, Q, rtol=1e-10, atol=1e-12)


def test_row_blocks_keep_the_dropout_stream_and_the_result(monkeypatch):
    """Row blocks draw the dropout masks in the same order as one large minibatch."""
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(40, 4)), rng.integers(0, 3, 40)
    kw = dict(hidden_layer_sizes=(6, 5), dropout=0.3, batch_size=16, max_iter=3, learning_rate_init=0.05,
              random_state=1, **SGD)
    warnings.simplefilter("ignore", ConvergenceWarning)  # 3 epochs, by design
    whole = numeric.MLPClassifier(**kw).fit(X, y)
    monkeypatch.setattr(N, "ROW_BLOCK_ELEMENTS", 20)  # blocks of 3 rows
    blocked = numeric.MLPClassifier(**kw).fit(X, y)
    for P, Q in zip(whole.coefs_ + whole.intercepts_, blocked.coefs_ + blocked.intercepts_):
        np.testing.assert_allclose(P, Q, rtol=1e-10, atol=1e-12)
    assert whole.loss_curve_ == pytest.approx(blocked.loss_curve_, rel=1e-10)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 12), m=st.integers(1, 9), o=st.integers(1, 7), seed=st.integers(0, 2**32 - 1))
def test_weight_grads_with_a_ones_column_hold_the_bias_gradient(n, m, o, seed):
    """[X 1]^T G = [X^T G; G^T 1]: the weight and bias gradients of dense_backward in one product;
    the input gradient G W^T from the weight rows of [W; b^T]."""
    rng = np.random.default_rng(seed)
    X, G, W = rng.normal(size=(n, m)), rng.normal(size=(n, o)), rng.normal(size=(m, o))
    gW, gb, _ = K.dense_backward(G, X, W)
    both = K.dense_weight_grads_unchecked(G, np.hstack([X, np.ones((n, 1))]))
    assert both.shape == (m + 1, o)
    np.testing.assert_allclose(both[:m], gW, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(both[m], gb, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(K.dense_weight_grads_unchecked(G, X), gW)
    Wb = np.vstack([W, rng.normal(size=(1, o))])
    both2, gin = K.dense_weight_input_grads_unchecked(G, np.hstack([X, np.ones((n, 1))]), Wb[:-1])
    np.testing.assert_array_equal(both2, both)
    np.testing.assert_allclose(gin, K.dense_backward(G, X, W)[2], rtol=1e-12, atol=1e-12)


def test_shuffled_epoch_is_the_same_with_and_without_the_fused_first_layer(monkeypatch):
    """The permuted copy of the data with a ones column sees the rows in the same order as the
    plain permutation (same rng draws): the fitted parameters and loss curves agree."""
    rng = np.random.default_rng(8)
    X, y = rng.normal(size=(57, 6)), rng.integers(0, 4, 57)
    kw = dict(hidden_layer_sizes=(7,), batch_size=5, max_iter=4, learning_rate_init=0.05, alpha=0.01,
              random_state=2, dropout=0.2, **SGD)
    warnings.simplefilter("ignore", ConvergenceWarning)  # 4 epochs, by design
    fused = numeric.MLPClassifier(**kw).fit(X, y)
    monkeypatch.setattr(N, "FUSED_BIAS_MAX_INPUTS", 0)
    plain = numeric.MLPClassifier(**kw).fit(X, y)
    for P, Q in zip(fused.coefs_ + fused.intercepts_, plain.coefs_ + plain.intercepts_):
        np.testing.assert_allclose(P, Q, rtol=1e-9, atol=1e-12)
    assert fused.loss_curve_ == pytest.approx(plain.loss_curve_, rel=1e-9)


def test_divergence_message_names_the_loss_at_the_starting_parameters():
    """The starting loss (computed only once a loss exceeds the growth limit) is the loss at the
    parameters the call started from; diverging in epoch 1 leaves exactly those parameters."""
    import re

    rng = np.random.default_rng(0)
    X = rng.normal(loc=50, scale=10, size=(40, 3))
    y = X @ np.array([1.0, 2.0, 3.0])
    est = numeric.LinearRegression(solver="sgd", learning_rate_init=1.0, max_iter=20, random_state=0)
    with pytest.raises(numeric.TrainingDivergedError, match="epoch 1") as info:
        est.fit(X, y)
    start = float(re.search(r"starting value (\S+)\)", str(info.value)).group(1))
    assert start == pytest.approx(est.loss_and_gradients(X, y)[0], rel=1e-3)
