"""The solvers against scikit-learn on real data.

L-BFGS GLMs: the same objective (mean NLL + alpha/(2N) ||W||^2) and scikit-learn's L-BFGS settings
give the same iterates as scikit-learn's LogisticRegression / PoissonRegressor (coefficients equal
to 1e-6 relative at default settings), and the same optimum as scikit-learn's exact solvers
(lstsq for LinearRegression; newton-cholesky at tol 1e-12 for the others) to within what
L-BFGS's stopping rule (relative loss decrease below 64 eps, scikit-learn's) allows.
Regularisation conventions: LogisticRegression(C) is alpha = 1/C, PoissonRegressor(alpha=a) is
alpha = a N.

Adam and SGD (momentum, schedules): whole fits against scikit-learn's MLPs started from the same
parameters without shuffling; the L-BFGS MLP against scikit-learn's from the same start.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import linear_model as sk_lm
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits
from sklearn.exceptions import ConvergenceWarning as SkConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.neural_network import MLPRegressor as SkMLPRegressor
from threadpoolctl import threadpool_limits

import numeric
from numeric._network import HEADS, loss_and_gradients, ACTIVATIONS
from numeric._objectives import glm_objective, layer_shapes, network_objective, pack, unpack


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    """scikit-learn's L-BFGS alternates NumPy's and SciPy's BLAS thread pools, which busy-wait on
    each other on a small machine (numeric limits them itself during its fits)."""
    with threadpool_limits(1, user_api="blas"):
        yield


def standardised(X):
    return (X - X.mean(axis=0)) / X.std(axis=0)


DIABETES = load_diabetes(return_X_y=True)
_bc = load_breast_cancer(return_X_y=True)
BREAST_CANCER = (standardised(_bc[0]), _bc[1])
_dg = load_digits(return_X_y=True)
DIGITS = (_dg[0] / 16.0, _dg[1])


#: Distance to the exact optimum (relative to the largest coefficient) at which L-BFGS stops at
#: tol 1e-10: scikit-learn's rule "relative loss decrease below 64 eps" ends it first when the loss
#: is flat (measured: up to 1.1e-5 on digits at C=1, 2e-6 for Poisson; scikit-learn's own L-BFGS
#: stops at the same points).
EXACT = 3e-5


def rel_diff(ours, ref):
    """Largest entry difference relative to the largest reference entry."""
    ours, ref = np.asarray(ours, float), np.asarray(ref, float)
    return float(np.abs(ours - ref).max() / np.abs(ref).max())


def centred(A, axis):
    """Multinomial parameters are unique only up to a shift shared by all classes."""
    return A - A.mean(axis=axis, keepdims=True)


# ---- objective -------------------------------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 12), d=st.integers(1, 5), k=st.integers(1, 4), head=st.sampled_from(sorted(HEADS)),
       alpha=st.sampled_from([0.0, 0.3, 5.0]), seed=st.integers(0, 2**32 - 1))
def test_glm_objective_equals_loss_and_gradients(n, d, k, head, alpha, seed):
    """The flat-vector objective (one product with [X 1]) is loss_and_gradients of the network."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    if head == "softmax":
        k = max(k, 2)
        T = rng.integers(0, k, n)
    elif head == "logistic":
        k = 1
        T = rng.integers(0, 2, (n, 1)).astype(float)
    else:
        T = rng.poisson(2.0, (n, k)).astype(float)
    W, b = rng.normal(size=(d, k)), rng.normal(size=k)
    loss, grad = glm_objective(X, T, HEADS[head], alpha)(pack([W], [b]))
    ref_loss, gW, gb = loss_and_gradients(X, T, [W], [b], ACTIVATIONS["identity"], HEADS[head], alpha)
    assert loss == pytest.approx(ref_loss, rel=1e-12, abs=1e-14)
    np.testing.assert_allclose(grad, pack(gW, gb), rtol=1e-10, atol=1e-13)


def test_network_objective_matches_finite_differences():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(9, 3)), rng.integers(0, 3, 9)
    shapes = layer_shapes([3, 4, 3])
    fun = network_objective(X, y, shapes, ACTIVATIONS["tanh"], HEADS["softmax"], 0.5)
    theta = rng.normal(size=sum(r * c for r, c in shapes))
    _, grad = fun(theta)
    eps = 1e-6
    num = np.array([(fun(theta + eps * e)[0] - fun(theta - eps * e)[0]) / (2 * eps) for e in np.eye(theta.size)])
    np.testing.assert_allclose(grad, num, rtol=1e-6, atol=1e-8)
    coefs, intercepts = unpack(theta, shapes)
    np.testing.assert_array_equal(pack(coefs, intercepts), theta)


# ---- L-BFGS GLMs against scikit-learn ---------------------------------------------------------

def test_linear_regression_equals_least_squares_on_diabetes():
    X, y = DIABETES
    ref = sk_lm.LinearRegression().fit(X, y)
    default = numeric.LinearRegression().fit(X, y)  # scikit-learn's tol: the same fit quality
    assert default.score(X, y) == pytest.approx(ref.score(X, y), rel=1e-6)
    tight = numeric.LinearRegression(tol=1e-10, max_iter=10_000).fit(X, y)
    assert rel_diff(tight.coef_[:, 0], ref.coef_) < 1e-6
    assert tight.intercept_[0] == pytest.approx(ref.intercept_, rel=1e-6)
    ridge = sk_lm.Ridge(alpha=0.1).fit(X, y)  # Ridge(alpha) is our alpha
    ours = numeric.LinearRegression(alpha=0.1, tol=1e-10, max_iter=10_000).fit(X, y)
    assert rel_diff(ours.coef_[:, 0], ridge.coef_) < 1e-6


LOGISTIC_CASES = [
    ("breast_cancer", "C=1", dict(C=1.0)),
    ("breast_cancer", "C=0.01", dict(C=0.01)),
    ("breast_cancer[:5]", "none", dict(C=np.inf)),  # penalty=None; all 30 features: separable, no optimum
    ("digits", "C=1", dict(C=1.0)),
    ("digits", "C=0.1", dict(C=0.1)),
    ("digits[quadrants]", "none", dict(C=np.inf)),  # all 64 pixels: separable, no optimum
]


def logistic_data(name):
    if name == "digits":
        return DIGITS
    if name == "digits[quadrants]":  # ink in each quarter of the 8x8 image: 4 features
        images = DIGITS[0].reshape(-1, 8, 8)
        quarters = [images[:, r:r + 4, c:c + 4].sum(axis=(1, 2)) / 16.0 for r in (0, 4) for c in (0, 4)]
        return np.stack(quarters, axis=1), DIGITS[1]
    X, y = BREAST_CANCER
    return (X[:, :5], y) if name.endswith("[:5]") else (X, y)


@pytest.mark.parametrize("data,label,sk_params", LOGISTIC_CASES, ids=[f"{c[0]}-{c[1]}" for c in LOGISTIC_CASES])
def test_logistic_regression_equals_scikit_learn(data, label, sk_params):
    """Binary (one logit) and multinomial; alpha = 1/C, penalty=None is alpha = 0."""
    X, y = logistic_data(data)
    alpha = 1.0 / sk_params["C"]
    ours = numeric.LogisticRegression(alpha=alpha, max_iter=1000).fit(X, y)
    same = sk_lm.LogisticRegression(max_iter=1000, **sk_params).fit(X, y)
    exact = sk_lm.LogisticRegression(solver="newton-cholesky", tol=1e-12, max_iter=1000, **sk_params).fit(X, y)
    tight = numeric.LogisticRegression(alpha=alpha, tol=1e-10, max_iter=10_000).fit(X, y)
    if len(np.unique(y)) == 2:
        pairs = [(ours.coef_[:, 0], same.coef_[0], 1e-6), (ours.intercept_, same.intercept_, 1e-6),
                 (tight.coef_[:, 0], exact.coef_[0], EXACT), (tight.intercept_, exact.intercept_, EXACT)]
    else:
        pairs = [(centred(ours.coef_, 1), centred(same.coef_.T, 1), 1e-6),
                 (centred(ours.intercept_, 0), centred(same.intercept_, 0), 1e-6),
                 (centred(tight.coef_, 1), centred(exact.coef_.T, 1), EXACT),
                 (centred(tight.intercept_, 0), centred(exact.intercept_, 0), EXACT)]
    for got, want, tol in pairs:
        assert rel_diff(got, want) < tol
    np.testing.assert_allclose(ours.predict_proba(X), same.predict_proba(X), atol=1e-6)
    assert ours.n_iter_ == pytest.approx(int(np.max(same.n_iter_)), abs=2)


@pytest.mark.parametrize("sk_alpha", [0.0, 1e-3, 1.0])
def test_poisson_regression_equals_scikit_learn(sk_alpha):
    """PoissonRegressor(alpha=a), mean loss + a/2 ||w||^2, is alpha = a N here."""
    X, y = DIABETES
    X = standardised(X)
    alpha = sk_alpha * len(y)
    ours = numeric.PoissonRegression(alpha=alpha).fit(X, y)
    same = sk_lm.PoissonRegressor(alpha=sk_alpha).fit(X, y)
    assert rel_diff(ours.coef_[:, 0], same.coef_) < 1e-6
    assert ours.intercept_[0] == pytest.approx(same.intercept_, rel=1e-6)
    exact = sk_lm.PoissonRegressor(alpha=sk_alpha, solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(X, y)
    tight = numeric.PoissonRegression(alpha=alpha, tol=1e-10, max_iter=10_000).fit(X, y)
    assert rel_diff(tight.coef_[:, 0], exact.coef_) < EXACT
    assert ours.score(X, y) == pytest.approx(same.score(X, y), rel=1e-9)


def test_lbfgs_warns_at_max_iter_and_has_no_partial_fit():
    X, y = DIGITS
    with pytest.warns(numeric.ConvergenceWarning, match="lbfgs failed to converge after 3 iteration"):
        est = numeric.LogisticRegression(max_iter=3).fit(X, y)
    assert est.n_iter_ == 3 and len(est.loss_curve_) == 3
    assert est.loss_curve_[-1] == pytest.approx(est.loss_, rel=1e-12)
    assert est.loss_ == pytest.approx(est.loss_and_gradients(X, y)[0], rel=1e-12)
    assert not hasattr(est, "partial_fit")
    assert hasattr(numeric.LogisticRegression(solver="sgd"), "partial_fit")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        numeric.LogisticRegression(alpha=1.0).fit(*BREAST_CANCER)  # converges: no warning


def test_the_lecture_sgd_is_still_there():
    """solver='sgd' is today's loop: one epoch without shuffling is steps along the gradient."""
    X, y = BREAST_CANCER
    est = numeric.LogisticRegression(solver="sgd", batch_size=569, shuffle=False, learning_rate_init=0.1,
                                     random_state=0)
    ref = clone(est).partial_fit(X[:1], y[:1], classes=[0, 1])
    est.partial_fit(X[:1], y[:1], classes=[0, 1])
    for P in est.coefs_ + est.intercepts_:
        P[...] = 0.0
    for P in ref.coefs_ + ref.intercepts_:
        P[...] = 0.0
    est.partial_fit(X, y)
    _, gW, gb = ref.loss_and_gradients(X, y)
    np.testing.assert_allclose(est.coef_, -0.1 * gW[0], rtol=1e-12)
    np.testing.assert_allclose(est.intercept_, -0.1 * gb[0], rtol=1e-12)


# ---- MLP solvers against scikit-learn's MLPs from the same start ----------------------------

def initialised(cls, X, y, **kw):
    """Our estimator set up for ``(X, y)`` at its initial parameters (the lecture's init), untrained."""
    est = cls(**kw)
    est._check_params()
    X = est._check_X(X, reset=True)
    est._targets(X, y, reset=True)
    est._init_params(est._n_out)
    return est


def train(est, X, y, epochs):
    """``fit`` without the re-initialisation: ``epochs`` epochs (L-BFGS: up to ``max_iter``)."""
    T, y_raw = est._targets(X, y, reset=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", numeric.ConvergenceWarning)
        est._run(X, T, y_raw, epochs, incremental=False)
    return est


def sklearn_from(ours, sk, X, y):
    """scikit-learn's MLP ``sk`` fitted to ``(X, y)`` from the parameters of ``ours`` (warm start
    after a one-epoch fit that sets it up, its counters reset)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkConvergenceWarning)
        sk.set_params(max_iter=1).fit(X, y)
    sk.coefs_ = [W.copy() for W in ours.coefs_]
    sk.intercepts_ = [b.copy() for b in ours.intercepts_]
    sk.n_iter_, sk.t_, sk.loss_curve_, sk._no_improvement_count, sk.best_loss_ = 0, 0, [], 0, np.inf
    return sk.set_params(warm_start=True)


SOLVER_CASES = [
    ("adam", dict(solver="adam", learning_rate_init=0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-7)),
    ("sgd-nesterov", dict(solver="sgd", learning_rate_init=0.05, momentum=0.9)),
    ("sgd-momentum-invscaling", dict(solver="sgd", learning_rate_init=0.05, momentum=0.5, nesterovs_momentum=False,
                                     learning_rate="invscaling", power_t=0.3)),
    ("sgd-plain", dict(solver="sgd", learning_rate_init=0.05, momentum=0.0)),
]


def task_data(task):
    X, y = DIGITS if task == "multiclass" else BREAST_CANCER
    X, y = X[:300], y[:300]
    if task == "regression":
        y = X[:, 0] - 2 * X[:, 1] + 0.5
    return X, y


def classes_for(task):
    return (numeric.MLPRegressor, SkMLPRegressor) if task == "regression" else (numeric.MLPClassifier,
                                                                               SkMLPClassifier)


@pytest.mark.parametrize("name,params", SOLVER_CASES, ids=[c[0] for c in SOLVER_CASES])
@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_stochastic_solvers_equal_scikit_learn(name, params, task):
    """Five epochs without shuffling from the same parameters: the same updates as
    scikit-learn's optimizers (Adam's moments and bias correction, momentum, Nesterov, schedule)."""
    X, y = task_data(task)
    kw = dict(hidden_layer_sizes=(7,), activation="tanh", alpha=1e-3, batch_size=32, shuffle=False, random_state=0,
              tol=0.0, n_iter_no_change=1000, **params)
    ours_cls, sk_cls = classes_for(task)
    ours = initialised(ours_cls, X, y, **kw)
    sk = sklearn_from(ours, sk_cls(**kw), X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkConvergenceWarning)
        sk.set_params(max_iter=5).fit(X, y)
    train(ours, X, y, epochs=5)
    assert ours.n_iter_ == sk.n_iter_ == 5
    for P, Q in zip(ours.coefs_ + ours.intercepts_, sk.coefs_ + sk.intercepts_):
        np.testing.assert_allclose(P, Q, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_lbfgs_mlp_equals_scikit_learn_from_the_same_start(task):
    X, y = task_data(task)
    kw = dict(hidden_layer_sizes=(5,), activation="tanh", alpha=1e-2, solver="lbfgs", max_iter=30, random_state=0)
    ours_cls, sk_cls = classes_for(task)
    ours = initialised(ours_cls, X, y, **kw)
    sk = sklearn_from(ours, sk_cls(**kw), X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkConvergenceWarning)
        sk.set_params(max_iter=30).fit(X, y)
    train(ours, X, y, epochs=30)
    assert ours.n_iter_ == sk.n_iter_
    assert ours.loss_ == pytest.approx(sk.loss_, rel=1e-9)
    for P, Q in zip(ours.coefs_ + ours.intercepts_, sk.coefs_ + sk.intercepts_):
        np.testing.assert_allclose(P, Q, rtol=1e-6, atol=1e-8)


# ---- schedules and parameters ---------------------------------------------------------------

def test_schedules_equal_scikit_learn_sgd_optimizer():
    from sklearn.neural_network._stochastic_optimizers import SGDOptimizer

    from numeric._schedules import Schedule

    for kind in ("constant", "invscaling", "adaptive"):
        ours = Schedule(kind, 0.1, power_t=0.3)
        ref = SGDOptimizer([np.zeros(1)], learning_rate_init=0.1, lr_schedule=kind, power_t=0.3)
        for t in (50, 100, 150, 200):
            ours.epoch_end(t)
            ref.iteration_ends(t)
            assert ours.value == pytest.approx(ref.learning_rate, rel=1e-15)
        for _ in range(8):
            stop = ours.plateau()
            assert stop == ref.trigger_stopping("", False)
            assert ours.value == pytest.approx(ref.learning_rate, rel=1e-15)


def test_adaptive_lowers_the_step_instead_of_stopping():
    X, y = BREAST_CANCER
    kw = dict(hidden_layer_sizes=(4,), solver="sgd", momentum=0.0, learning_rate_init=0.01, tol=1e3,
              n_iter_no_change=2, max_iter=100, random_state=0)
    constant = numeric.MLPClassifier(**kw).fit(X, y)
    adaptive = numeric.MLPClassifier(learning_rate="adaptive", **kw).fit(X, y)
    # tol 1000: only epoch 1 improves (on inf); the count exceeds n_iter_no_change = 2 at epoch 4,
    # where constant stops; adaptive divides the step by 5 there and at every 3 epochs after
    # until a plateau finds it at most 1e-6: 0.01 / 5^6 < 1e-6, so the 7th plateau, epoch 22
    assert constant.n_iter_ == 4
    assert adaptive.n_iter_ == 4 + 3 * 6
    assert adaptive._optimizer.value == pytest.approx(0.01 / 5 ** 6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkConvergenceWarning)
        assert SkMLPClassifier(learning_rate="adaptive", **kw).fit(X, y).n_iter_ == adaptive.n_iter_


def test_new_parameters_follow_estimator_conventions():
    est = numeric.MLPClassifier(solver="lbfgs", beta_1=0.5, max_fun=100)
    params = est.get_params()
    for name in ("solver", "learning_rate", "power_t", "momentum", "nesterovs_momentum", "beta_1", "beta_2",
                 "epsilon", "max_fun"):
        assert name in params
    twin = clone(est)
    assert twin.get_params() == params and twin is not est
    assert set(numeric.LinearRegression().get_params()) >= {"solver", "learning_rate", "power_t"}
    assert numeric.LinearRegression().solver == "lbfgs" and numeric.MLPRegressor().solver == "adam"
    sk = SkMLPClassifier().get_params()
    ours = numeric.MLPClassifier().get_params()
    for name, value in sk.items():  # the shared parameters have scikit-learn's defaults
        if name in ours:
            assert ours[name] == value, name


@pytest.mark.parametrize("cls,param,value", [
    (numeric.MLPClassifier, "solver", "newton"), (numeric.LinearRegression, "solver", "adam"),
    (numeric.MLPClassifier, "learning_rate", "optimal"), (numeric.MLPClassifier, "momentum", 1.5),
    (numeric.MLPClassifier, "beta_1", 1.0), (numeric.MLPClassifier, "epsilon", 0.0),
    (numeric.MLPClassifier, "max_fun", 0), (numeric.MLPClassifier, "power_t", -1.0),
    (numeric.MLPClassifier, "nesterovs_momentum", "yes"),
])
def test_bad_solver_parameters(cls, param, value):
    X, y = BREAST_CANCER
    with pytest.raises(ValueError, match=param):
        cls(**{param: value}).fit(X[:20], y[:20])
    with pytest.raises(ValueError, match="dropout needs a stochastic solver"):
        numeric.MLPClassifier(solver="lbfgs", dropout=0.5).fit(X[:20], y[:20])


def test_save_and_load_keep_the_solver(tmp_path):
    X, y = BREAST_CANCER
    est = numeric.LogisticRegression(alpha=1.0).fit(X, y)
    back = numeric.load_model(numeric.save_model(est, tmp_path / "m.npz"))
    assert back.get_params() == est.get_params() and back.solver == "lbfgs"
    np.testing.assert_array_equal(back.predict_proba(X), est.predict_proba(X))


def test_glm_sgd_invscaling_steps():
    """GLM SGD with invscaling: full-batch epochs step by eta0 / (t + 1)^power_t, t the examples
    seen before the epoch (eta0 in the first)."""
    X, y = BREAST_CANCER
    n, eta0, power_t = len(y), 0.5, 0.3
    kw = dict(solver="sgd", learning_rate="invscaling", learning_rate_init=eta0, power_t=power_t, batch_size=n,
              shuffle=False, alpha=0.1, random_state=0)
    est = numeric.LogisticRegression(**kw).partial_fit(X[:2], y[:2], classes=[0, 1])
    ref = numeric.LogisticRegression(**kw).partial_fit(X[:2], y[:2], classes=[0, 1])
    for P, Q in zip(est.coefs_ + est.intercepts_, ref.coefs_ + ref.intercepts_):
        P[...] = Q  # the same parameters after one tiny epoch (t = 2)
    for _ in range(3):
        lr = eta0 / (ref.t_ + 1) ** power_t
        _, gW, gb = ref.loss_and_gradients(X, y)
        ref.coefs_[0] -= lr * gW[0]
        ref.intercepts_[0] -= lr * gb[0]
        ref.t_ += n
        est.partial_fit(X, y)
    for P, Q in zip(est.coefs_ + est.intercepts_, ref.coefs_ + ref.intercepts_):
        np.testing.assert_allclose(P, Q, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("cls", [numeric.LogisticRegression, numeric.MLPClassifier])
def test_ctrl_c_during_lbfgs_keeps_the_last_iteration(monkeypatch, cls):
    """Ctrl-C in the 6th iteration: the parameters after 5 iterations (those of max_iter=5) are
    kept, with a TrainingInterruptedWarning."""
    import numeric._lbfgs as lbfgs

    X, y = BREAST_CANCER
    kw = dict(solver="lbfgs", random_state=0, max_iter=200)
    if cls is numeric.MLPClassifier:
        kw["hidden_layer_sizes"] = (4,)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", numeric.ConvergenceWarning)
        reference = cls(**{**kw, "max_iter": 5}).fit(X, y)
    real_minimize = lbfgs.minimize

    def minimize(fun, x0, *, on_iteration, **options):
        done = [0]

        def track(theta, loss):
            done[0] += 1
            on_iteration(theta, loss)

        def interrupting(theta):
            if done[0] == 5:
                raise KeyboardInterrupt
            return fun(theta)

        return real_minimize(interrupting, x0, on_iteration=track, **options)

    monkeypatch.setattr(lbfgs, "minimize", minimize)
    with pytest.warns(numeric.TrainingInterruptedWarning, match=r"during iteration 6.*iteration \(5\)"):
        est = cls(**kw).fit(X, y)
    assert est.n_iter_ == 5 and est.loss_curve_ == pytest.approx(reference.loss_curve_, rel=1e-12)
    for ours, ref in zip(est.coefs_ + est.intercepts_, reference.coefs_ + reference.intercepts_):
        np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-14)


@settings(max_examples=25, deadline=None)
@given(shapes=st.lists(st.tuples(st.integers(1, 4), st.integers(1, 3)), min_size=1, max_size=3),
       steps=st.integers(1, 6), lr=st.floats(1e-4, 1.0), beta_1=st.floats(0.0, 0.99), beta_2=st.floats(0.0, 0.999),
       epsilon=st.floats(1e-10, 1e-2), seed=st.integers(0, 2**32 - 1))
def test_adam_steps_equal_scikit_learn_adam_optimizer(shapes, steps, lr, beta_1, beta_2, epsilon, seed):
    from sklearn.neural_network._stochastic_optimizers import AdamOptimizer

    from numeric._adam import Adam

    rng = np.random.default_rng(seed)
    ours_params = [rng.normal(size=s) for s in shapes]
    ref_params = [p.copy() for p in ours_params]
    ours = Adam(lr, beta_1, beta_2, epsilon)
    ref = AdamOptimizer(ref_params, learning_rate_init=lr, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon)
    for _ in range(steps):
        grads = [rng.normal(size=s) * 10.0 ** rng.integers(-3, 3) for s in shapes]
        ref.update_params(ref_params, [g.copy() for g in grads])
        ours.update(ours_params, [g.copy() for g in grads])
    for P, Q in zip(ours_params, ref_params):
        np.testing.assert_allclose(P, Q, rtol=1e-12, atol=1e-14)


def test_lbfgs_mlp_max_fun_limits_the_evaluations():
    X, y = BREAST_CANCER
    with pytest.warns(numeric.ConvergenceWarning, match="lbfgs failed to converge"):
        est = numeric.MLPClassifier((5,), solver="lbfgs", max_fun=6, random_state=0).fit(X, y)
    assert 1 <= est.n_iter_ <= 6
