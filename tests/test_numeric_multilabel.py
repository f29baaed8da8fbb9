"""Multilabel indicator targets in numeric's MLPClassifier and LogisticRegression: one sigmoid per
label with Bernoulli NLL (binary cross-entropy), checked against finite differences, an independent
BCE, scikit-learn's MLPClassifier conventions (same weights -> same outputs) and its micro F1."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import xlogy

from sklearn.datasets import make_multilabel_classification  # noqa: E402  (dev dependency)
from sklearn.neural_network import MLPClassifier as SklearnMLP  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import numeric
from numeric.metrics import f1_score

pytestmark = pytest.mark.filterwarnings("ignore::numeric._validation.ConvergenceWarning")


def multilabel_data(n=400, d=12, k=4, seed=0):
    X, Y = make_multilabel_classification(n_samples=n, n_features=d, n_classes=k, random_state=seed)
    return StandardScaler().fit_transform(X), Y


MODELS = [
    ("mlp-relu", lambda: numeric.MLPClassifier((6,), alpha=0.1, random_state=0)),
    ("mlp-tanh-2", lambda: numeric.MLPClassifier((5, 4), activation="tanh", random_state=0)),
    ("logistic", lambda: numeric.LogisticRegression(alpha=0.3, random_state=0)),
]


@pytest.mark.parametrize("name,make", MODELS, ids=[m[0] for m in MODELS])
def test_gradients_match_finite_differences(name, make):
    X, Y = multilabel_data(n=15, d=4, k=3)
    est = make().set_params(max_iter=2).fit(X, Y)
    loss, coef_grads, intercept_grads = est.loss_and_gradients(X, Y)
    eps = 1e-6
    for params, grads in ((est.coefs_, coef_grads), (est.intercepts_, intercept_grads)):
        for P, G in zip(params, grads):
            num = np.zeros_like(P)
            for idx in np.ndindex(P.shape):
                old = P[idx]
                P[idx] = old + eps
                up = est.loss_and_gradients(X, Y)[0]
                P[idx] = old - eps
                down = est.loss_and_gradients(X, Y)[0]
                P[idx] = old
                num[idx] = (up - down) / (2 * eps)
            np.testing.assert_allclose(G, num, rtol=1e-5, atol=1e-7)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(2, 5), n=st.integers(2, 40))
def test_loss_is_binary_cross_entropy_summed_over_labels(seed, k, n):
    """The training loss equals BCE computed independently from predict_proba (alpha = 0)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    Y = (rng.random((n, k)) < 0.4).astype(int)
    est = numeric.MLPClassifier((4,), alpha=0.0, max_iter=1, random_state=seed).fit(X, Y)
    p = est.predict_proba(X)
    bce = -(xlogy(Y, p) + xlogy(1 - Y, 1 - p)).sum(axis=1).mean()
    assert est.loss_and_gradients(X, Y)[0] == pytest.approx(bce, rel=1e-10)
    np.testing.assert_allclose(est.predict_log_proba(X), np.log(p), rtol=1e-10)


@pytest.mark.parametrize("hidden", [(7,), (5, 3)])
def test_conventions_equal_sklearn_mlp_with_the_same_weights(hidden):
    """classes_, shapes, dtypes, predict (threshold 0.5) and predict_proba equal scikit-learn's
    MLPClassifier carrying the same weights, on multilabel data."""
    X, Y = multilabel_data()
    ours = numeric.MLPClassifier(hidden, max_iter=20, learning_rate_init=0.05, random_state=0).fit(X, Y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = SklearnMLP(hidden, max_iter=2, random_state=0).fit(X, Y)
    ref.coefs_ = [W.copy() for W in ours.coefs_]
    ref.intercepts_ = [b.copy() for b in ours.intercepts_]
    np.testing.assert_array_equal(ours.classes_, ref.classes_)
    assert ours.out_activation_ == ref.out_activation_ == "logistic"
    assert ours.n_outputs_ == ref.n_outputs_ == Y.shape[1]
    pred, ref_pred = ours.predict(X), ref.predict(X)
    assert pred.shape == ref_pred.shape == Y.shape and pred.dtype == ref_pred.dtype
    np.testing.assert_array_equal(pred, ref_pred)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), rtol=1e-12)
    assert ours.score(X, Y) == pytest.approx(ref.score(X, Y))


def test_probability_exactly_one_half_predicts_no_label():
    """scikit-learn thresholds with > 0.5: a logit of 0 predicts 0, as with its own MLP."""
    X, Y = multilabel_data(n=30, d=3, k=3)
    est = numeric.LogisticRegression(max_iter=1, random_state=0).fit(X, Y)
    est.coefs_[0][...] = 0.0
    est.intercepts_[0][...] = [0.0, 1e-300, -1e-300]
    np.testing.assert_array_equal(est.predict_proba(X)[0], [0.5, 0.5, 0.5])
    assert not est.predict(X).any()


@pytest.mark.parametrize("make_ours, make_ref", [
    (lambda: numeric.MLPClassifier((32,), solver="sgd", momentum=0.0, learning_rate_init=0.05, batch_size=32,
                                   max_iter=80, random_state=0),
     lambda: SklearnMLP((32,), solver="sgd", momentum=0.0, learning_rate_init=0.05, batch_size=32,
                        max_iter=80, random_state=0)),
    (lambda: numeric.LogisticRegression(solver="sgd", learning_rate_init=0.05, batch_size=32, max_iter=80,
                                        random_state=0),
     lambda: SklearnMLP((32,), solver="sgd", momentum=0.0, learning_rate_init=0.05, batch_size=32,
                        max_iter=80, random_state=0)),
    (lambda: numeric.MLPClassifier((32,), max_iter=80, random_state=0),  # both with their default: adam
     lambda: SklearnMLP((32,), max_iter=80, random_state=0)),
], ids=["mlp", "logistic", "mlp-adam"])
def test_micro_f1_comparable_to_sklearn(make_ours, make_ref):
    X, Y = multilabel_data(n=2000, d=20, k=5, seed=3)
    tr, te = slice(0, 1000), slice(1000, None)
    ours = make_ours().fit(X[tr], Y[tr])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = make_ref().fit(X[tr], Y[tr])
    f_ours = f1_score(Y[te], ours.predict(X[te]), average="micro")
    f_ref = f1_score(Y[te], ref.predict(X[te]), average="micro")
    baseline = f1_score(Y[te], np.ones_like(Y[te]), average="micro")  # predict every label
    assert f_ours > baseline + 0.1
    assert f_ours >= f_ref - 0.03


def test_partial_fit_save_load_and_bool_targets(tmp_path):
    X, Y = multilabel_data(n=60, d=4, k=3)
    est = numeric.MLPClassifier((5,), random_state=0)
    for _ in range(3):
        est.partial_fit(X, Y.astype(bool), classes=[0, 1, 2])
    assert est.n_iter_ == 3
    np.testing.assert_array_equal(est.classes_, [0, 1, 2])
    path = numeric.save_model(est, tmp_path / "m.npz")
    back = numeric.load_model(path)
    np.testing.assert_array_equal(back.predict(X), est.predict(X))
    np.testing.assert_allclose(back.predict_proba(X), est.predict_proba(X))


@pytest.mark.parametrize("call, match", [
    (lambda X, Y: numeric.SoftmaxRegression().fit(X, Y), "LogisticRegression"),
    (lambda X, Y: numeric.MLPClassifier((3,)).fit(X, Y * 2), "only 0\\s*and 1"),
    (lambda X, Y: numeric.MLPClassifier((3,)).fit(X, np.where(Y == 1, 0.5, 0.0)), "only 0"),
    (lambda X, Y: numeric.MLPClassifier((3,), max_iter=1).fit(X, Y).partial_fit(X, Y[:, 0]),
     "multilabel"),
    (lambda X, Y: numeric.MLPClassifier((3,), max_iter=1).fit(X, Y).partial_fit(X, Y[:, :2]),
     "2 label columns"),
    (lambda X, Y: numeric.MLPClassifier((3,), max_iter=1).fit(X, Y[:, 0]).partial_fit(X, Y),
     "class labels"),
])
def test_bad_multilabel_targets_raise(call, match):
    X, Y = multilabel_data(n=40, d=4, k=3)
    with pytest.raises(ValueError, match=match):
        call(X, Y)
