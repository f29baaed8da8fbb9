"""Input checks shared by the estimators: clear ``ValueError``s, no scikit-learn needed.

The messages follow scikit-learn's wording where its estimator checks look for it
("Complex data not supported", "X has 3 features, but ... is expecting 4", ...).
"""

from __future__ import annotations

import numbers
import sys
import warnings

import numpy as np


class NotFittedError(ValueError, AttributeError):
    """Raised when a method needs a fitted estimator and ``fit`` was not called."""


class DataConversionWarning(UserWarning):
    """The input was converted (e.g. a column-vector y flattened)."""


class ConvergenceWarning(UserWarning):
    """Training stopped at ``max_iter`` before the loss stopped improving."""


class TrainingInterruptedWarning(UserWarning):
    """Training was interrupted (Ctrl-C); the parameters of the last finished epoch are kept."""


class TrainingDivergedError(FloatingPointError):
    """The training loss became NaN or infinite."""


def not_fitted_error(message: str) -> NotFittedError:
    """A ``NotFittedError``; also a scikit-learn ``NotFittedError`` when scikit-learn is loaded."""
    return _sklearn_compatible(NotFittedError, "sklearn.exceptions", "NotFittedError")(message)


def _sklearn_compatible(ours: type, module: str, name: str) -> type:
    """``ours``, or a subclass that is also scikit-learn's ``module.name`` when scikit-learn is
    already loaded (so its estimator checks recognise our errors and warnings)."""
    sk = sys.modules.get(module)
    if sk is None:
        return ours
    key = (ours, module, name)
    if key not in _COMPAT:
        _COMPAT[key] = type(ours.__name__, (ours, getattr(sk, name)), {"__module__": __name__})
    return _COMPAT[key]


_COMPAT: dict = {}


def _is_sparse(X) -> bool:
    return hasattr(X, "tocsr") or hasattr(X, "todense") or type(X).__module__.startswith("scipy.sparse")


def check_array(X, *, name: str = "X", estimator: str = "estimator", ensure_min_samples: int = 1) -> np.ndarray:
    """Return ``X`` as a finite 2-D float array (float32 kept, everything else float64).

    Raises ``ValueError`` for sparse, complex, non-numeric, 1-D/3-D, empty, NaN or inf input.
    """
    if X is None:
        raise ValueError(f"{estimator} requires {name} to be an array-like of shape (n_samples, n_features), got None")
    if _is_sparse(X):
        raise TypeError(f"{estimator} does not accept sparse input; convert {name} with X.toarray() (dense data required)")
    if hasattr(X, "dtypes") and hasattr(X, "to_numpy"):  # pandas DataFrame
        X = X.to_numpy()
    try:
        arr = np.asarray(X)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"{name} could not be converted to an array: {exc}") from exc
    if np.iscomplexobj(arr):
        raise ValueError("Complex data not supported: " + name + f" has dtype {arr.dtype}")
    if arr.dtype.kind in "OUS":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            if arr.dtype.kind == "O":
                raise TypeError(f"{name} must hold numbers; float() argument must be a string or a real number: {exc}") from exc
            raise ValueError(f"{name} must be numeric, got non-numeric values ({exc})") from exc
    elif arr.dtype.kind == "b" or arr.dtype.kind in "iu":
        arr = arr.astype(np.float64)
    elif arr.dtype.kind != "f":
        raise ValueError(f"{name} must be numeric, got dtype {arr.dtype}")
    elif arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64)
    if arr.ndim == 0:
        raise ValueError(f"Expected 2D array, got scalar array instead: {name}={arr!r}. Reshape your data")
    if arr.ndim == 1:
        raise ValueError(
            f"Expected 2D array, got 1D array instead: {name} has shape {arr.shape}. "
            "Reshape your data either using array.reshape(-1, 1) if your data has a single feature "
            "or array.reshape(1, -1) if it contains a single sample."
        )
    if arr.ndim > 2:
        raise ValueError(f"Expected a 2D array for {name}, got {arr.ndim} dimensions (shape {arr.shape}).")
    n, d = arr.shape
    if n < ensure_min_samples:
        raise ValueError(
            f"Found array with {n} sample(s) (shape={arr.shape}) while a minimum of {ensure_min_samples} is required."
        )
    if d < 1:
        raise ValueError(f"Found array with 0 feature(s) (shape={arr.shape}) while a minimum of 1 is required.")
    if not np.isfinite(arr).all():
        kind = "NaN" if np.isnan(arr).any() else "infinity (inf)"
        raise ValueError(f"Input {name} contains {kind}; remove or impute non-finite values (NaN/inf are not supported).")
    return arr


def check_target(y, n_samples: int, *, allow_2d: bool = False, allow_multilabel: bool = False,
                 estimator: str = "estimator") -> np.ndarray:
    """Return ``y`` as an array of length ``n_samples``; a column vector is flattened with a warning
    (unless ``allow_2d``). ``allow_multilabel`` also lets (N, K > 1) through (classifiers:
    multilabel indicator matrices, checked by :func:`check_indicator_target`)."""
    if y is None:
        raise ValueError(f"{estimator} requires y to be passed, but the target y is None")
    if _is_sparse(y):
        raise TypeError(f"{estimator} does not accept a sparse y")
    if hasattr(y, "to_numpy"):
        y = y.to_numpy()
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1 and not allow_2d:
        warnings.warn(
            "A column-vector y was passed when a 1d array was expected. Please change the shape of y "
            "to (n_samples,), for example using ravel().",
            _sklearn_compatible(DataConversionWarning, "sklearn.exceptions", "DataConversionWarning"),
            stacklevel=3,
        )
        arr = arr[:, 0]
    if arr.ndim == 0 or arr.ndim > (2 if allow_2d or allow_multilabel else 1):
        raise ValueError(f"y should be a 1d array, got an array of shape {arr.shape} instead.")
    if arr.shape[0] != n_samples:
        raise ValueError(
            f"Found input variables with inconsistent numbers of samples: X has {n_samples}, y has {arr.shape[0]}."
        )
    return arr


def check_numeric_target(y: np.ndarray, *, non_negative: bool = False) -> np.ndarray:
    """A finite float target (for regression); ``non_negative`` for Poisson counts."""
    if np.iscomplexobj(y):
        raise ValueError("Complex data not supported in y")
    try:
        out = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"y must be numeric for regression: {exc}") from exc
    if not np.isfinite(out).all():
        raise ValueError("Input y contains NaN or infinity (inf); the target must be finite.")
    if non_negative and (out < 0).any():
        raise ValueError("Poisson regression requires y >= 0 (counts); found negative values in y.")
    return out


def check_class_target(y: np.ndarray) -> np.ndarray:
    """Reject continuous targets and NaN labels for classification."""
    if y.dtype.kind == "f":
        if not np.isfinite(y).all():
            raise ValueError("Input y contains NaN or infinity (inf); class labels must be finite.")
        if not np.all(y == np.round(y)):
            raise ValueError("Unknown label type: continuous. A classifier needs discrete class labels.")
    if y.dtype.kind == "O":
        try:
            if any(isinstance(v, float) and v != v for v in y):
                raise ValueError("Input y contains NaN; class labels must not be NaN.")
        except TypeError:
            pass
    if y.ndim != 1:
        raise ValueError(f"y should be a 1d array of class labels, got shape {y.shape}")
    return y


def is_indicator_shape(y: np.ndarray) -> bool:
    """A classification target of shape (N, K > 1): a multilabel indicator matrix."""
    return y.ndim == 2 and y.shape[1] > 1


def check_indicator_target(y: np.ndarray, estimator: str = "estimator") -> np.ndarray:
    """A multilabel indicator target ``y`` (N, K) of 0/1 values (bools or numbers) as float64."""
    if y.dtype.kind not in "biuf":
        raise ValueError(
            f"{estimator}: a 2-D y (N, K) is a multilabel indicator matrix and must hold 0/1 "
            f"numbers or bools, got dtype {y.dtype}"
        )
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise ValueError("Input y contains NaN or infinity (inf); indicator targets must be 0 or 1.")
    bad = (y != 0) & (y != 1)
    if bad.any():
        raise ValueError(
            f"{estimator}: a 2-D y (N, K) is a multilabel indicator matrix and must hold only 0 "
            f"and 1 (one column per label); found {np.unique(y[bad])[:5].tolist()}"
        )
    return y.astype(np.float64)


def check_n_features(X: np.ndarray, expected: int, estimator: str) -> None:
    if X.shape[1] != expected:
        raise ValueError(f"X has {X.shape[1]} features, but {estimator} is expecting {expected} features as input.")


def check_random_state(seed) -> np.random.Generator:
    """``None`` (fresh entropy), an int, a ``Generator`` or a ``RandomState`` -> a ``Generator``."""
    if seed is None or isinstance(seed, (numbers.Integral, np.integer)):
        return np.random.default_rng(None if seed is None else int(seed))
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, np.random.RandomState):
        return np.random.default_rng(seed.randint(0, 2**31 - 1))
    raise ValueError(f"random_state must be None, an int or a numpy Generator/RandomState, got {seed!r}")
