"""The ``solver`` of the estimators: parameter checks, the stochastic optimizer of a fit, and the
full-batch L-BFGS fit.

* ``"sgd"``: minibatch SGD with a learning-rate schedule (:mod:`numeric._schedules`) and, for the
  MLPs, (Nesterov) momentum (:mod:`numeric._momentum`); momentum 0 is the lecture's SGD.
* ``"adam"`` (MLPs): :mod:`numeric._adam`.
* ``"lbfgs"``: scipy's L-BFGS on the whole training set (:mod:`numeric._lbfgs`,
  :mod:`numeric._objectives`). GLMs start where scikit-learn's do (:func:`glm_start`), MLPs at the lecture's random
  initialisation; ``early_stopping``, ``batch_size``, ``shuffle`` and the learning rate play no
  part (as in scikit-learn).
"""

from __future__ import annotations

import functools
import numbers
import types
import warnings

import numpy as np

from numeric._adam import Adam
from numeric._momentum import Momentum
from numeric._schedules import LEARNING_RATES, Schedule
from numeric._validation import TrainingDivergedError, TrainingInterruptedWarning

STOCHASTIC = ("sgd", "adam")


def check_solver_params(est, solvers: tuple[str, ...]) -> None:
    """ValueError naming the parameter for a bad ``solver`` (one of ``solvers``) or any of its
    settings: ``learning_rate``, ``power_t``, ``momentum``, ``nesterovs_momentum``, ``beta_1``,
    ``beta_2``, ``epsilon``, ``max_fun`` (those the estimator has)."""
    name = type(est).__name__
    if est.solver not in solvers:
        raise ValueError(f"{name}: solver must be one of {list(solvers)}, got {est.solver!r}")
    if getattr(est, "learning_rate", "constant") not in LEARNING_RATES:
        raise ValueError(f"{name}: learning_rate must be one of {list(LEARNING_RATES)}, got {est.learning_rate!r}")
    reals = [
        ("power_t", lambda v: v >= 0, ">= 0"),
        ("momentum", lambda v: 0 <= v <= 1, "in [0, 1]"),
        ("beta_1", lambda v: 0 <= v < 1, "in [0, 1)"),
        ("beta_2", lambda v: 0 <= v < 1, "in [0, 1)"),
        ("epsilon", lambda v: v > 0, "> 0"),
    ]
    for pname, ok, what in reals:
        if not hasattr(est, pname):
            continue
        value = getattr(est, pname)
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) or not ok(value):
            raise ValueError(f"{name}: {pname} must be a real number {what}, got {value!r}")
    if hasattr(est, "nesterovs_momentum") and not isinstance(est.nesterovs_momentum, (bool, np.bool_)):
        raise ValueError(f"{name}: nesterovs_momentum must be True or False, got {est.nesterovs_momentum!r}")
    if hasattr(est, "max_fun"):
        if not isinstance(est.max_fun, numbers.Integral) or isinstance(est.max_fun, bool) or est.max_fun < 1:
            raise ValueError(f"{name}: max_fun must be a positive int, got {est.max_fun!r}")
    if est.solver == "lbfgs" and getattr(est, "dropout", 0.0):
        raise ValueError(f"{name}: dropout needs a stochastic solver ('sgd' or 'adam'), not solver='lbfgs'")


def make_optimizer(est):
    """The step rule of a stochastic fit: a :class:`Schedule` (plain SGD), :class:`Momentum` or
    :class:`Adam`; it keeps its state over ``partial_fit`` calls."""
    if est.solver == "adam":
        return Adam(est.learning_rate_init, est.beta_1, est.beta_2, est.epsilon)
    schedule = Schedule(getattr(est, "learning_rate", "constant"), est.learning_rate_init, getattr(est, "power_t", 0.5))
    momentum = float(getattr(est, "momentum", 0.0))
    if momentum > 0:
        return Momentum(schedule, momentum, bool(getattr(est, "nesterovs_momentum", True)))
    return schedule


def glm_start(head_name: str, T: np.ndarray, n_features: int, n_out: int):
    """``(coefs, intercepts)`` where L-BFGS starts a GLM, as scikit-learn does: $W = 0$ ``(D, K)``;
    the bias 0 for classification (``LogisticRegression``), for regression the bias of the best
    constant model, $g(\\bar t)$ for the link $g$ (identity; log for Poisson, as
    ``PoissonRegressor``; a zero mean count gets a finite bias)."""
    W = np.zeros((n_features, n_out))
    if head_name in ("softmax", "logistic"):
        b = np.zeros(n_out)
    elif head_name == "exp":
        b = np.log(np.maximum(T.mean(axis=0), 1e-10))
    else:
        b = T.mean(axis=0)
    return [W], [np.asarray(b, dtype=np.float64).reshape(n_out)]


def fit_lbfgs(est, X, T, *, act, head, glm: bool, score=None, callback=None) -> None:
    """Minimise the training loss over all parameters by L-BFGS, writing ``est.coefs_``,
    ``est.intercepts_``, ``n_iter_``, ``loss_``, ``loss_curve_`` (the loss after each iteration).

    GLMs use scikit-learn's linear-model settings (``ftol`` $64\\varepsilon$), MLPs its MLP settings
    (``max_fun``, scipy's ``ftol``). ``callback(info)`` as for SGD, once per iteration. Ctrl-C
    keeps the last finished iteration (``TrainingInterruptedWarning``).
    """
    from numeric._lbfgs import LINEAR_FTOL, minimize
    from numeric._network import logits
    from numeric._objectives import glm_objective, layer_shapes, network_objective, pack, unpack

    sizes = [X.shape[1]] + [W.shape[1] for W in est.coefs_]
    shapes = layer_shapes(sizes)
    alpha = float(est.alpha)
    if glm:
        fun = glm_objective(X, T, head, alpha)
    else:
        fun = network_objective(X, T, shapes, act, head, alpha)
    x0 = pack(est.coefs_, est.intercepts_)
    curve: list[float] = []
    last = [x0]

    def on_iteration(theta, loss):
        curve.append(loss)
        last[0] = theta
        if est.verbose:
            print(f"Iteration {len(curve)}, loss = {loss:.8f}")
        if callback is not None:
            coefs, intercepts = unpack(theta, shapes)
            train_score = score(logits(X, coefs, intercepts, act), None) if score is not None else None
            callback({"epoch": len(curve), "loss": loss, "train_score": train_score, "validation_score": None})

    try:
        theta, loss, n_iter = minimize(fun, x0, tol=est.tol, max_iter=est.max_iter,
                                       max_fun=getattr(est, "max_fun", 15000), ftol=LINEAR_FTOL if glm else None,
                                       on_iteration=on_iteration, stacklevel=6)
    except KeyboardInterrupt:
        theta, n_iter = last[0], len(curve)
        loss = curve[-1] if curve else fun(theta)[0]
        warnings.warn(f"Training interrupted by user during iteration {n_iter + 1}; the parameters of the last "
                      f"finished iteration ({n_iter}) are kept.", TrainingInterruptedWarning, stacklevel=4)
    if not np.all(np.isfinite(theta)) or not np.isfinite(loss):
        raise TrainingDivergedError(f"L-BFGS reached a non-finite loss ({loss:.4g}); scale the features")
    coefs, intercepts = unpack(theta, shapes)
    for W, b, W_new, b_new in zip(est.coefs_, est.intercepts_, coefs, intercepts):
        W[...] = W_new
        b[...] = b_new
    est.n_iter_ = n_iter
    est.loss_ = loss
    est.best_loss_ = loss
    est.loss_curve_ = curve


class stochastic_only:
    """A method that exists only while ``solver`` is stochastic ('sgd', 'adam'), as scikit-learn's
    ``available_if``: otherwise looking it up raises ``AttributeError``, so ``hasattr(est,
    "partial_fit")`` is False for L-BFGS."""

    def __init__(self, fn):
        self.fn = fn
        functools.update_wrapper(self, fn)

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        if obj.solver not in STOCHASTIC:
            raise AttributeError(f"{self.fn.__name__} is only available for stochastic solvers "
                                 f"({', '.join(STOCHASTIC)}); solver={obj.solver!r} is not stochastic.")
        return types.MethodType(self.fn, obj)
