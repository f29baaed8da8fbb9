"""Estimator plumbing in scikit-learn's conventions, without importing scikit-learn.

``get_params``/``set_params`` read the constructor's signature (as ``sklearn.base.BaseEstimator``
does), so ``sklearn.clone``, pipelines and grid search work. ``__sklearn_tags__`` imports
scikit-learn lazily: only scikit-learn ever calls it.
"""

from __future__ import annotations

import inspect

import numpy as np


class Estimator:
    """get_params/set_params/repr from the ``__init__`` signature."""

    _estimator_type: str = ""

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return sorted(p.name for p in sig.parameters.values() if p.name != "self" and p.kind != p.VAR_KEYWORD)

    def get_params(self, deep: bool = True) -> dict:
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        valid = self._param_names()
        for key, value in params.items():
            if key not in valid:
                raise ValueError(f"Invalid parameter {key!r} for estimator {type(self).__name__}. Valid parameters: {valid}.")
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        defaults = {
            p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values() if p.name != "self"
        }
        changed = []
        for k, v in self.get_params().items():
            d = defaults.get(k, inspect.Parameter.empty)
            same = v is d or (type(v) is type(d) and _safe_eq(v, d))
            if not same:
                changed.append(f"{k}={v!r}")
        return f"{type(self).__name__}({', '.join(changed)})"

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "coefs_")

    def __sklearn_tags__(self):
        from sklearn.utils import ClassifierTags, InputTags, RegressorTags, Tags, TargetTags

        tags = Tags(
            estimator_type=self._estimator_type or None,
            target_tags=TargetTags(required=True),
            input_tags=InputTags(),
        )
        if self._estimator_type == "classifier":
            tags.classifier_tags = ClassifierTags(multi_class=True)
        elif self._estimator_type == "regressor":
            tags.regressor_tags = RegressorTags()
            tags.target_tags.multi_output = True
            tags.target_tags.single_output = True
        self._more_sklearn_tags(tags)
        return tags

    def _more_sklearn_tags(self, tags) -> None:
        """Subclasses adjust the tags here."""


def _safe_eq(a, b) -> bool:
    try:
        return bool(a == b)
    except Exception:
        return False


def r2_score(y: np.ndarray, pred: np.ndarray) -> float:
    """Coefficient of determination $R^2 = 1 - \\sum (y - \\hat y)^2 / \\sum (y - \\bar y)^2$,
    averaged uniformly over output columns (scikit-learn's default)."""
    y = y.reshape(len(y), -1)
    pred = pred.reshape(len(pred), -1)
    ss_res = ((y - pred) ** 2).sum(axis=0)
    ss_tot = ((y - y.mean(axis=0)) ** 2).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(ss_tot > 0, 1.0 - ss_res / np.where(ss_tot > 0, ss_tot, 1.0), np.where(ss_res > 0, 0.0, 1.0))
    return float(r2.mean())


def poisson_d2_score(y: np.ndarray, mu: np.ndarray) -> float:
    """Fraction of Poisson deviance explained, $D^2 = 1 - D(y, \\mu) / D(y, \\bar y)$ with
    $D(y, \\mu) = 2 \\sum (y \\log(y/\\mu) - y + \\mu)$ (scikit-learn's ``PoissonRegressor.score``)."""
    from scipy.special import xlogy

    y = y.reshape(len(y), -1)
    mu = mu.reshape(len(mu), -1)

    def dev(m):
        return 2.0 * (xlogy(y, y) - xlogy(y, m) - y + m).sum(axis=0)

    num = dev(mu)
    den = dev(np.broadcast_to(y.mean(axis=0), y.shape))
    with np.errstate(divide="ignore", invalid="ignore"):
        d2 = np.where(den > 0, 1.0 - num / np.where(den > 0, den, 1.0), np.where(num > 0, 0.0, 1.0))
    return float(d2.mean())
