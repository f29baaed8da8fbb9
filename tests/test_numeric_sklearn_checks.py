"""scikit-learn's own estimator checks on every numeric estimator (small, fast settings).

The GLMs with their default solver (L-BFGS), the MLPs with each solver (adam, lbfgs, and the
lecture's plain SGD for the classifiers). Every check passes: none is declared an expected failure.

Plain SGD with a constant step diverges when the step is too large for the data's scale, and
numeric then raises ``TrainingDivergedError`` instead of returning garbage: two of scikit-learn's
checks fit on features around 100 (``check_fit_check_is_fitted``, ``check_n_features_in``), which
no step that also fits standardised data in a few epochs survives for linear and Poisson
regression. ``test_regression_diverges_on_check_data`` asserts that error for the SGD solver on
those data, and that L-BFGS fits them.
"""

import warnings

import numpy as np
import pytest

import sklearn  # noqa: E402  (a dev dependency: the reference the estimators are checked against)
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

import numeric  # noqa: E402

FAST = dict(max_iter=60, batch_size=16, random_state=0)
SGD = dict(solver="sgd", momentum=0.0, **FAST)  # the lecture's SGD

ESTIMATORS = [
    numeric.MLPClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.05, **SGD),
    numeric.MLPClassifier(hidden_layer_sizes=(8, 6), activation="tanh", dropout=0.1, learning_rate_init=0.05, **SGD),
    numeric.MLPClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.01, **FAST),  # adam
    numeric.MLPClassifier(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=100, random_state=0),
    numeric.MLPRegressor(hidden_layer_sizes=(8,), learning_rate_init=0.01, **FAST),  # adam
    numeric.MLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=100, random_state=0),
    numeric.MLPRegressor(hidden_layer_sizes=(8,), loss="poisson", learning_rate_init=0.01, **FAST),  # adam
    numeric.MLPRegressor(hidden_layer_sizes=(8,), loss="poisson", solver="lbfgs", max_iter=100, random_state=0),
    numeric.LinearRegression(),
    numeric.LogisticRegression(),
    numeric.SoftmaxRegression(),
    numeric.PoissonRegression(),
]

with warnings.catch_warnings():  # "does not inherit from BaseEstimator": by design (no sklearn import)
    warnings.simplefilter("ignore", UserWarning)
    checks = parametrize_with_checks(ESTIMATORS)


@checks
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", numeric.ConvergenceWarning)
        check(estimator)


@pytest.mark.parametrize("cls", [numeric.LinearRegression, numeric.PoissonRegression])
def test_regression_diverges_on_check_data(cls):
    """The data of the checks on features around 100: SGD with a step for standardised data
    diverges (a clear error), L-BFGS fits them."""
    rng = np.random.RandomState(42)
    X = rng.normal(loc=100, size=(100, 2))
    y = np.abs(rng.normal(size=100))
    with pytest.raises(numeric.TrainingDivergedError, match="smaller learning rate"):
        cls(solver="sgd", learning_rate_init=0.005, **FAST).fit(X, y)
    fitted = cls().fit(X, y)
    assert np.isfinite(fitted.coef_).all() and np.isfinite(fitted.predict(X)).all()
