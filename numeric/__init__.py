"""numeric: NumPy/SciPy training and metrics on the generated kernels (never imports SymPy).

The estimators are loaded on first access, so ``import numeric`` stays cheap.
"""

from __future__ import annotations

import importlib

_LAZY = {
    "MLPClassifier": "numeric.mlp",
    "MLPRegressor": "numeric.mlp",
    "LinearRegression": "numeric.glm",
    "LogisticRegression": "numeric.glm",
    "SoftmaxRegression": "numeric.glm",
    "PoissonRegression": "numeric.glm",
    "NotFittedError": "numeric._validation",
    "TrainingDivergedError": "numeric._validation",
    "ConvergenceWarning": "numeric._validation",
    "TrainingInterruptedWarning": "numeric._validation",
    "save_model": "numeric._serialize",
    "load_model": "numeric._serialize",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'numeric' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
