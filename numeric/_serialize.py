"""Save a fitted estimator to ``.npz`` and load it back, without pickle.

The archive holds ``meta`` (JSON: class name, constructor parameters, fitted scalars), the arrays
``coef_<l>``/``intercept_<l>`` and, for classifiers, ``classes``. Loading never unpickles.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np

FORMAT = "numeric-model/1"
_SCALARS = ("n_features_in_", "n_layers_", "n_outputs_", "n_iter_", "out_activation_", "_y_ndim", "_n_out",
            "_multilabel", "label_names_")


def _classes():
    from numeric.glm import LinearRegression, LogisticRegression, PoissonRegression, SoftmaxRegression
    from numeric.mlp import MLPClassifier, MLPRegressor

    return {c.__name__: c for c in (MLPClassifier, MLPRegressor, LinearRegression, LogisticRegression,
                                    SoftmaxRegression, PoissonRegression)}


def _jsonable(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def save_model(estimator, path) -> Path:
    """Write a fitted estimator to ``path`` (``.npz``) atomically; returns the path."""
    if not hasattr(estimator, "coefs_"):
        raise ValueError("only a fitted estimator can be saved; call fit first")
    params = {k: _jsonable(v) for k, v in estimator.get_params().items()}
    if not isinstance(params.get("random_state"), (int, type(None))):
        params["random_state"] = None
    meta = {
        "format": FORMAT,
        "class": type(estimator).__name__,
        "params": params,
        "fitted": {k: _jsonable(getattr(estimator, k)) for k in _SCALARS if hasattr(estimator, k)},
        "loss_curve": [float(v) for v in estimator.loss_curve_],
    }
    arrays = {"meta": np.array(json.dumps(meta))}
    for l, (W, b) in enumerate(zip(estimator.coefs_, estimator.intercepts_)):
        arrays[f"coef_{l}"] = W
        arrays[f"intercept_{l}"] = b
    if hasattr(estimator, "classes_"):
        classes = np.asarray(estimator.classes_)
        if classes.dtype == object:
            classes = classes.astype(str) if all(isinstance(c, str) for c in classes) else None
            if classes is None:
                raise ValueError("class labels must be numbers or strings to be saved")
        arrays["classes"] = classes
    path = Path(path)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(buf.getvalue())
    os.replace(tmp, path)
    return path


def load_model(path):
    """Read an estimator written by :func:`save_model` (``allow_pickle=False``)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("format") != FORMAT:
                raise ValueError(f"{path}: not a numeric model file (format {meta.get('format')!r})")
            cls = _classes().get(meta["class"])
            if cls is None:
                raise ValueError(f"{path}: unknown model class {meta['class']!r}")
            params = meta["params"]
            if "hidden_layer_sizes" in params:
                params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
            est = cls(**params)
            n = sum(1 for k in data.files if k.startswith("coef_"))
            est.coefs_ = [data[f"coef_{l}"].astype(np.float64) for l in range(n)]
            est.intercepts_ = [data[f"intercept_{l}"].astype(np.float64) for l in range(n)]
            if "classes" in data.files:
                est.classes_ = data["classes"]
    except (OSError, KeyError, ValueError, TypeError, EOFError) as exc:  # JSONDecodeError is a ValueError
        raise ValueError(f"{path}: cannot read model file ({exc})") from None
    for k, v in meta["fitted"].items():
        setattr(est, k, v)
    est.loss_curve_ = list(meta["loss_curve"])
    est._sizes = [W.shape[1] for W in est.coefs_[:-1]]
    return est
