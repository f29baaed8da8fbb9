"""numeric MLPs and GLMs: gradients vs finite differences, SGD vs the gradient, init, input checks,
divergence, reproducibility, early stopping, dropout, labels, save/load."""

import subprocess
import sys
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numeric

pytestmark = pytest.mark.filterwarnings("ignore::numeric._validation.ConvergenceWarning")


#: the lecture's SGD (the estimators' defaults are scikit-learn's: adam, momentum 0.9, L-BFGS)
SGD = dict(solver="sgd", momentum=0.0)


def blobs(n=60, d=3, k=3, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=3.0, size=(k, d))
    y = np.arange(n) % k
    return centers[y] + rng.normal(size=(n, d)), y


def fitted(est, X, y):
    """An estimator with parameters from a short fit (not at init, so gradients are generic)."""
    return est.set_params(max_iter=2, random_state=0).fit(X, y)


def finite_difference_check(est, X, y, eps=1e-6):
    loss, coef_grads, intercept_grads = est.loss_and_gradients(X, y)
    assert np.isfinite(loss)
    for params, grads in ((est.coefs_, coef_grads), (est.intercepts_, intercept_grads)):
        for P, G in zip(params, grads):
            assert G.shape == P.shape
            num = np.zeros_like(P)
            for idx in np.ndindex(P.shape):
                old = P[idx]
                P[idx] = old + eps
                up = est.loss_and_gradients(X, y)[0]
                P[idx] = old - eps
                down = est.loss_and_gradients(X, y)[0]
                P[idx] = old
                num[idx] = (up - down) / (2 * eps)
            np.testing.assert_allclose(G, num, rtol=1e-5, atol=1e-7)


CASES = [
    ("mlp-softmax", lambda: numeric.MLPClassifier((4,), activation="relu", alpha=0.1), 3),
    ("mlp-binary-tanh", lambda: numeric.MLPClassifier((4, 3), activation="tanh", alpha=0.0), 2),
    ("mlp-logistic-act", lambda: numeric.MLPClassifier((3,), activation="logistic", alpha=0.5), 3),
    ("mlp-identity-act", lambda: numeric.MLPClassifier((3,), activation="identity"), 2),
    ("logistic", lambda: numeric.LogisticRegression(alpha=0.2), 2),
    ("logistic-multi", lambda: numeric.LogisticRegression(), 3),
    ("softmax-binary", lambda: numeric.SoftmaxRegression(alpha=0.3), 2),
]


@pytest.mark.parametrize("name,make,k", CASES, ids=[c[0] for c in CASES])
def test_classifier_gradients_match_finite_differences(name, make, k):
    X, y = blobs(n=12, d=3, k=k)
    finite_difference_check(fitted(make(), X, y), X, y)


@pytest.mark.parametrize("make,poisson,outputs", [
    (lambda: numeric.MLPRegressor((4,), activation="tanh", alpha=0.1), False, 1),
    (lambda: numeric.MLPRegressor((3,), activation="relu"), False, 2),
    (lambda: numeric.MLPRegressor((3,), activation="tanh", loss="poisson", learning_rate_init=0.01), True, 1),
    (lambda: numeric.LinearRegression(alpha=0.2), False, 1),
    (lambda: numeric.PoissonRegression(learning_rate_init=0.01), True, 1),
])
def test_regressor_gradients_match_finite_differences(make, poisson, outputs):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(10, 3))
    lin = X @ rng.normal(size=(3, outputs)) * 0.3
    y = rng.poisson(np.exp(lin)).astype(float) if poisson else lin + 0.1 * rng.normal(size=lin.shape)
    y = y[:, 0] if outputs == 1 else y
    finite_difference_check(fitted(make(), X, y), X, y)


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 9), d=st.integers(1, 4), h=st.integers(1, 5), k=st.integers(2, 4),
       seed=st.integers(0, 10**6), alpha=st.sampled_from([0.0, 0.01, 1.0]))
def test_gradients_on_random_shapes(n, d, h, k, seed, alpha):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = rng.integers(0, k, size=n)
    est = numeric.MLPClassifier((h,), activation="tanh", alpha=alpha, random_state=seed)
    est.partial_fit(X, y, classes=np.arange(k))
    finite_difference_check(est, X, y)


def test_loss_is_mean_nll_plus_l2():
    X, y = blobs(n=20, k=3)
    est = fitted(numeric.SoftmaxRegression(alpha=0.7), X, y)
    z = X @ est.coefs_[0] + est.intercepts_[0]
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    expected = -logp[np.arange(len(y)), y].mean() + 0.7 / (2 * len(y)) * (est.coefs_[0] ** 2).sum()
    assert est.loss_and_gradients(X, y)[0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("batch_size,alpha", [(1, 0.0), (4, 0.1), (7, 0.0), (100, 0.2)])
def test_sgd_epoch_is_steps_along_loss_and_gradients(batch_size, alpha):
    """One epoch without shuffling equals W <- W - lr * grad of the minibatch loss, batch by batch."""
    X, y = blobs(n=23, k=3)
    lr = 0.05
    est = numeric.MLPClassifier((5,), activation="tanh", alpha=alpha, batch_size=batch_size,
                                learning_rate_init=lr, shuffle=False, random_state=3, **SGD)
    est.partial_fit(X[:1], y[:1], classes=[0, 1, 2])  # initialise, then reset to the initial params
    ref = numeric.MLPClassifier((5,), activation="tanh", alpha=alpha, batch_size=batch_size, learning_rate_init=lr,
                                shuffle=False, random_state=3, **SGD).partial_fit(X[:1], y[:1], classes=[0, 1, 2])
    for P in est.coefs_ + est.intercepts_:
        P[...] = np.random.default_rng(0).uniform(-0.5, 0.5, P.shape)
    for P, Q in zip(ref.coefs_ + ref.intercepts_, est.coefs_ + est.intercepts_):
        P[...] = Q
    est.partial_fit(X, y)
    for s in range(0, len(y), batch_size):
        _, gW, gb = ref.loss_and_gradients(X[s:s + batch_size], y[s:s + batch_size])
        for P, G in zip(ref.coefs_ + ref.intercepts_, gW + gb):
            P -= lr * G
    for P, Q in zip(est.coefs_ + est.intercepts_, ref.coefs_ + ref.intercepts_):
        np.testing.assert_allclose(P, Q, rtol=1e-10, atol=1e-12)


def test_initialisation_as_in_the_lecture():
    X = np.random.default_rng(0).normal(size=(5, 40))
    est = numeric.MLPClassifier((30, 20), random_state=7).partial_fit(X, [0, 1, 2, 0, 1], classes=[0, 1, 2])
    fresh = numeric.MLPClassifier((30, 20), random_state=7)
    fresh._check_params()
    fresh.n_features_in_ = 40
    fresh._init_params(3)
    for W, m in zip(fresh.coefs_, (40, 30, 20)):
        bound = 1 / np.sqrt(m)
        assert np.abs(W).max() <= bound and np.abs(W).max() > 0.8 * bound
        assert abs(W.mean()) < 4 * bound / np.sqrt(3 * W.size)  # 4 standard errors of U[-b, b]
    assert all((b == 0).all() for b in fresh.intercepts_)
    assert [W.shape for W in est.coefs_] == [(40, 30), (30, 20), (20, 3)]


def test_reproducible_with_random_state():
    X, y = blobs(n=50)
    a = numeric.MLPClassifier((6,), max_iter=5, batch_size=8, dropout=0.2, random_state=11).fit(X, y)
    b = numeric.MLPClassifier((6,), max_iter=5, batch_size=8, dropout=0.2, random_state=11).fit(X, y)
    c = numeric.MLPClassifier((6,), max_iter=5, batch_size=8, dropout=0.2, random_state=12).fit(X, y)
    assert a.loss_curve_ == b.loss_curve_
    for P, Q in zip(a.coefs_, b.coefs_):
        np.testing.assert_array_equal(P, Q)
    assert a.loss_curve_ != c.loss_curve_


def test_dropout_changes_training_not_inference():
    X, y = blobs(n=50)
    plain = numeric.MLPClassifier((6,), max_iter=3, batch_size=5, random_state=1).fit(X, y)
    drop = numeric.MLPClassifier((6,), max_iter=3, batch_size=5, random_state=1, dropout=0.5).fit(X, y)
    assert not np.allclose(plain.coefs_[0], drop.coefs_[0])
    np.testing.assert_array_equal(drop.predict_proba(X), drop.predict_proba(X))


def test_string_labels_and_probabilities():
    X, y = blobs(n=60, k=3)
    names = np.array(["cat", "dog", "emu"])[y]
    est = numeric.MLPClassifier((10,), max_iter=100, learning_rate_init=0.05, batch_size=10, random_state=0).fit(X, names)
    assert list(est.classes_) == ["cat", "dog", "emu"]
    assert set(est.predict(X)) <= set(names)
    assert est.score(X, names) > 0.9
    P = est.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_allclose(np.exp(est.predict_log_proba(X)), P, rtol=1e-12)


def test_binary_uses_one_logit_and_softmax_regression_two():
    X = np.random.default_rng(0).normal(size=(80, 3))
    labels = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    log = numeric.LogisticRegression(max_iter=50, batch_size=8, random_state=0).fit(X, labels)
    soft = numeric.SoftmaxRegression(max_iter=50, batch_size=8, random_state=0).fit(X, labels)
    assert log.coef_.shape == (3, 1) and soft.coef_.shape == (3, 2)
    assert log.out_activation_ == "logistic" and soft.out_activation_ == "softmax"
    assert log.score(X, labels) > 0.9 and soft.score(X, labels) > 0.9


def test_regressors_learn():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    w = np.array([1.0, -2.0, 0.5])
    lin = numeric.LinearRegression(max_iter=50, batch_size=10, random_state=0).fit(X, X @ w + 3)
    np.testing.assert_allclose(lin.coef_[:, 0], w, atol=0.05)
    assert lin.intercept_[0] == pytest.approx(3, abs=0.05)
    Xp = rng.normal(size=(1000, 3))
    counts = rng.poisson(np.exp(0.25 * Xp @ w))
    pois = numeric.PoissonRegression(max_iter=20, batch_size=10, learning_rate_init=0.01, random_state=0).fit(Xp, counts)
    np.testing.assert_allclose(pois.coef_[:, 0], 0.25 * w, atol=0.1)
    assert (pois.predict(X) > 0).all() and pois.score(Xp, counts) > 0.2
    mlp = numeric.MLPRegressor((20,), activation="tanh", max_iter=100, batch_size=10, learning_rate_init=0.01,
                               random_state=0).fit(X, np.sin(X[:, 0]))
    assert mlp.score(X, np.sin(X[:, 0])) > 0.9


def test_partial_fit_needs_classes_first_and_counts_epochs():
    X, y = blobs(n=30)
    est = numeric.MLPClassifier((4,), random_state=0)
    with pytest.raises(ValueError, match="classes"):
        est.partial_fit(X, y)
    est.partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])
    est.partial_fit(X, y)
    assert est.n_iter_ == 2 and len(est.loss_curve_) == 2


def test_early_stopping_with_patience():
    X, y = blobs(n=100)
    est = numeric.MLPClassifier((8,), early_stopping=True, n_iter_no_change=2, max_iter=500, tol=0.5,
                                learning_rate_init=0.05, random_state=0).fit(X, y)
    assert est.n_iter_ < 500
    assert len(est.validation_scores_) == est.n_iter_
    noes = numeric.MLPClassifier((8,), n_iter_no_change=2, max_iter=500, tol=10.0, random_state=0).fit(X, y)
    # epoch 1 improves on inf; epochs 2-4 do not improve by tol = 10: the count exceeds 2 at epoch 4
    assert noes.n_iter_ == 4


def test_divergence_stops_with_a_message():
    rng = np.random.default_rng(0)
    X = rng.normal(loc=50, scale=10, size=(40, 3))
    y = X @ np.array([1.0, 2.0, 3.0])
    est = numeric.LinearRegression(solver="sgd", learning_rate_init=1.0, max_iter=20, random_state=0)
    with pytest.raises(numeric.TrainingDivergedError, match=r"epoch 1\b.*smaller learning rate"):
        est.fit(X, y)  # the loss grows geometrically: caught long before it overflows
    with pytest.raises(numeric.TrainingDivergedError, match=r"NaN or inf"):
        numeric.LinearRegression(solver="sgd", learning_rate_init=1e200, max_iter=20, random_state=0).fit(X, y)
    assert all(np.isfinite(W).all() for W in est.coefs_)
    with pytest.raises(FloatingPointError):  # the error is also a FloatingPointError
        numeric.MLPRegressor((5,), learning_rate_init=10.0, max_iter=20, random_state=0, **SGD).fit(X, y)


def interrupt_epoch(monkeypatch, at: int):
    """Make the ``at``-th call of the SGD epoch raise KeyboardInterrupt halfway (after some steps)."""
    import numeric._sgd as sgd

    real, calls = sgd.sgd_epoch, [0]

    def epoch(X, T, coefs, intercepts, *args, **kw):
        calls[0] += 1
        if calls[0] == at:
            real(X[: len(X) // 2], T[: len(T) // 2], coefs, intercepts, *args, **kw)  # a half-done epoch
            raise KeyboardInterrupt
        return real(X, T, coefs, intercepts, *args, **kw)

    monkeypatch.setattr(sgd, "sgd_epoch", epoch)


@pytest.mark.parametrize("make", [lambda: numeric.MLPClassifier((6,), **SGD),
                                  lambda: numeric.MLPClassifier((6,), solver="adam"),
                                  lambda: numeric.MLPClassifier((6,), solver="sgd", momentum=0.9),
                                  lambda: numeric.SoftmaxRegression(solver="sgd")])
def test_ctrl_c_keeps_the_last_finished_epoch(monkeypatch, make):
    X, y = blobs()
    kw = dict(random_state=0, learning_rate_init=0.05, shuffle=False)
    reference = make().set_params(max_iter=2, **kw).fit(X, y)
    interrupt_epoch(monkeypatch, at=3)
    with pytest.warns(numeric.TrainingInterruptedWarning, match="during epoch 3.*epoch \\(2\\)"):
        est = make().set_params(max_iter=10, **kw).fit(X, y)
    assert est.n_iter_ == 2 and len(est.loss_curve_) == 2
    for ours, ref in zip(est.coefs_ + est.intercepts_, reference.coefs_ + reference.intercepts_):
        np.testing.assert_array_equal(ours, ref)
    assert est.predict(X).shape == y.shape  # a usable model
    est.partial_fit(X, y)  # the optimizer's state (Adam's moments, velocities) is that of epoch 2 too
    reference.partial_fit(X, y)
    for ours, ref in zip(est.coefs_ + est.intercepts_, reference.coefs_ + reference.intercepts_):
        np.testing.assert_array_equal(ours, ref)


BAD_X = [
    ("nan", lambda X: np.where(np.arange(X.size).reshape(X.shape) == 3, np.nan, X), "NaN"),
    ("inf", lambda X: np.where(np.arange(X.size).reshape(X.shape) == 3, np.inf, X), "inf"),
    ("text", lambda X: np.array([["a", "b", "c"]] * len(X)), "numeric"),
    ("empty", lambda X: X[:0], "minimum of 1"),
    ("1d", lambda X: X[:, 0], "Reshape"),
    ("no-features", lambda X: X[:, :0], "0 feature"),
]


@pytest.mark.parametrize("name,corrupt,message", BAD_X, ids=[b[0] for b in BAD_X])
@pytest.mark.parametrize("cls", [numeric.MLPClassifier, numeric.LinearRegression])
def test_bad_X_is_a_clear_value_error(name, corrupt, message, cls):
    X, y = blobs(n=12)
    bad = corrupt(X)
    with pytest.raises(ValueError, match=message):
        cls().fit(bad, y[: len(bad)] if bad.ndim else y)


def test_bad_targets_and_shapes():
    X, y = blobs(n=12)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        numeric.MLPClassifier().fit(X, y[:-1])
    with pytest.raises(ValueError, match="1 class"):
        numeric.MLPClassifier().fit(X, np.zeros(12))
    with pytest.raises(ValueError, match="continuous"):
        numeric.LogisticRegression().fit(X, np.linspace(0, 1, 12))
    with pytest.raises(ValueError, match="y >= 0"):
        numeric.PoissonRegression().fit(X, -np.ones(12))
    with pytest.raises(ValueError, match="target y is None"):
        numeric.LinearRegression().fit(X, None)
    est = numeric.MLPClassifier((3,), max_iter=2).fit(X, y)
    with pytest.raises(ValueError, match="X has 2 features, but MLPClassifier is expecting 3"):
        est.predict(X[:, :2])
    with pytest.raises(ValueError, match="not seen"):
        est.loss_and_gradients(X, y + 10)
    with pytest.raises(numeric.NotFittedError):
        numeric.MLPClassifier().predict(X)


@pytest.mark.parametrize("param,value", [("hidden_layer_sizes", (0,)), ("activation", "swish"), ("alpha", -1),
                                         ("learning_rate_init", 0), ("batch_size", 0), ("max_iter", 0),
                                         ("dropout", 1.0), ("validation_fraction", 1.5)])
def test_bad_parameters(param, value):
    X, y = blobs(n=12)
    with pytest.raises(ValueError, match=param):
        numeric.MLPClassifier(**{param: value}).fit(X, y)


@pytest.mark.parametrize("make,target", [
    (lambda: numeric.MLPClassifier((4, 3), activation="tanh"), "str"),
    (lambda: numeric.MLPRegressor((4,), loss="poisson", learning_rate_init=0.01), "count"),
    (lambda: numeric.SoftmaxRegression(), "int"),
])
def test_save_and_load_round_trip(tmp_path, make, target):
    X, y = blobs(n=30, k=3)
    y = {"str": np.array(["a", "b", "c"])[y], "count": y.astype(float), "int": y}[target]
    est = make().set_params(max_iter=3, random_state=0).fit(X, y)
    path = numeric.save_model(est, tmp_path / "m.npz")
    back = numeric.load_model(path)
    assert type(back) is type(est) and back.get_params() == est.get_params()
    np.testing.assert_array_equal(back.predict(X), est.predict(X))
    assert back.loss_curve_ == est.loss_curve_


def test_load_rejects_other_files(tmp_path):
    np.savez(tmp_path / "x.npz", a=np.arange(3))
    with pytest.raises(ValueError, match="cannot read|not a numeric model"):
        numeric.load_model(tmp_path / "x.npz")


def test_import_numeric_is_light():
    code = ("import sys, numeric; from numeric import MLPClassifier, LinearRegression;"
            "bad = [m for m in ('sympy', 'sklearn', 'torch') if m in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
