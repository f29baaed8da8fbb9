"""Multilayer perceptrons trained on the generated kernels by Adam (default), minibatch SGD or L-BFGS
(``solver``; see numeric/_solvers.py).

``MLPClassifier``: softmax output with categorical NLL (a single sigmoid logit with Bernoulli NLL
for two classes; for multilabel indicator targets (N, K) one sigmoid per label with Bernoulli NLL,
i.e. binary cross-entropy, summed over the labels, as scikit-learn's). ``MLPRegressor``: identity output with Gaussian NLL (MSE/2), or with
``loss="poisson"`` the exp output with Poisson NLL. Parameter names, fitted attributes and methods
follow scikit-learn's ``MLPClassifier``/``MLPRegressor``; ``dropout`` is added.
"""

from __future__ import annotations

import numbers

import numpy as np

from numeric._base import Estimator, poisson_d2_score, r2_score
from numeric._init import uniform_init
from numeric._network import ACTIVATIONS, HEADS, logits
from numeric._network import loss_and_gradients as _loss_and_gradients
from numeric._sgd import train
from numeric._solvers import check_solver_params, fit_lbfgs, glm_start, make_optimizer, stochastic_only
from numeric._validation import (
    check_array,
    check_class_target,
    check_indicator_target,
    check_n_features,
    check_numeric_target,
    check_random_state,
    check_target,
    is_indicator_shape,
    not_fitted_error,
)


class _SGDNetwork(Estimator):
    """Shared fitting logic. Subclasses set the head and encode targets."""

    # GLMs have no hidden layers; they override these through class attributes.
    hidden_layer_sizes: tuple = ()
    activation: str = "identity"
    dropout: float = 0.0
    #: the values ``solver`` may take
    _solvers: tuple = ("sgd", "adam", "lbfgs")

    # ---- parameters -------------------------------------------------------------------------
    def _check_params(self) -> None:
        name = type(self).__name__
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral):
            sizes = (sizes,)
        try:
            sizes = tuple(sizes)
        except TypeError:
            raise ValueError(f"hidden_layer_sizes must be a tuple of positive ints, got {self.hidden_layer_sizes!r}") from None
        if not all(isinstance(s, numbers.Integral) and s > 0 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must be a tuple of positive ints, got {self.hidden_layer_sizes!r}")
        self._sizes = [int(s) for s in sizes]
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {self.activation!r}")
        checks = [
            ("alpha", self.alpha, lambda v: v >= 0, ">= 0"),
            ("learning_rate_init", self.learning_rate_init, lambda v: v > 0, "> 0"),
            ("tol", self.tol, lambda v: v >= 0, ">= 0"),
            ("dropout", self.dropout, lambda v: 0 <= v < 1, "in [0, 1)"),
            ("validation_fraction", self.validation_fraction, lambda v: 0 < v < 1, "in (0, 1)"),
        ]
        for pname, value, ok, what in checks:
            if not isinstance(value, numbers.Real) or not np.isfinite(value) or not ok(value):
                raise ValueError(f"{name}: {pname} must be a real number {what}, got {value!r}")
        for pname in ("max_iter", "n_iter_no_change"):
            value = getattr(self, pname)
            if not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"{name}: {pname} must be a positive int, got {value!r}")
        bs = self.batch_size
        if not (bs == "auto" or (isinstance(bs, numbers.Integral) and bs >= 1)):
            raise ValueError(f"{name}: batch_size must be 'auto' or a positive int, got {bs!r}")
        check_solver_params(self, self._solvers)

    def _batch(self, n: int) -> int:
        return min(200, n) if self.batch_size == "auto" else min(int(self.batch_size), n)

    # ---- data ---------------------------------------------------------------------------------
    def _check_X(self, X, reset: bool) -> np.ndarray:
        X = check_array(X, estimator=type(self).__name__).astype(np.float64, copy=False)
        if reset:
            self.n_features_in_ = X.shape[1]
        else:
            check_n_features(X, self.n_features_in_, type(self).__name__)
        return X

    def _require_fitted(self) -> None:
        if not hasattr(self, "coefs_"):
            raise not_fitted_error(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' with appropriate arguments first."
            )

    # ---- training -----------------------------------------------------------------------------
    def _init_params(self, n_out: int) -> None:
        self._rng = check_random_state(self.random_state)
        self.coefs_, self.intercepts_ = uniform_init(self._rng, [self.n_features_in_, *self._sizes, n_out])
        self.n_layers_ = len(self.coefs_) + 1
        self.n_outputs_ = n_out
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_ = []
        self.best_loss_ = np.inf
        self._no_improvement_count = 0
        self._best_params = None
        self.validation_scores_ = None
        self.best_validation_score_ = None
        self._optimizer = make_optimizer(self)

    def _run(self, X, T, y_raw, epochs: int, incremental: bool, callback=None) -> None:
        act, head = ACTIVATIONS[self.activation], HEADS[self.out_activation_]
        if self.solver == "lbfgs":
            self._run_lbfgs(X, T, y_raw, act, head, callback)
            return
        if not hasattr(self, "_optimizer"):  # a loaded model trained further by partial_fit
            self._optimizer = make_optimizer(self)
        validation = None
        if self.early_stopping and not incremental:
            n_val = max(1, int(round(self.validation_fraction * X.shape[0])))
            if X.shape[0] - n_val < 1:
                raise ValueError(
                    f"early_stopping needs more than {X.shape[0]} samples: the validation split "
                    f"(validation_fraction={self.validation_fraction}) would leave none for training"
                )
            perm = self._rng.permutation(X.shape[0])
            val, tr = perm[:n_val], perm[n_val:]
            validation = (X[val], y_raw[val])
            X, T, y_raw = X[tr], T[tr], y_raw[tr]
            self.validation_scores_ = []
            self.best_validation_score_ = -np.inf
        train_y = y_raw

        def score(z, y):
            return self._score_logits(z, train_y if y is None else y)

        train(self, X, T, epochs=epochs, act=act, head=head, rng=self._rng, incremental=incremental,
              batch_size=self._batch(X.shape[0]), validation=validation, score=score, callback=callback)

    def _run_lbfgs(self, X, T, y_raw, act, head, callback) -> None:
        if not self._sizes:  # a GLM (convex): started where scikit-learn starts
            self.coefs_, self.intercepts_ = glm_start(head.name, T, X.shape[1], self._n_out)

        def score(z, y):
            return self._score_logits(z, y_raw if y is None else y)

        fit_lbfgs(self, X, T, act=act, head=head, glm=not self._sizes, score=score, callback=callback)

    def fit(self, X, y, callback=None):
        """Train from a fresh initialisation for up to ``max_iter`` epochs (``solver`` 'sgd',
        'adam') or L-BFGS iterations ('lbfgs').

        ``callback(info)``, if given, is called after every epoch (iteration) with
        ``{"epoch", "loss", "train_score", "validation_score"}``.
        """
        self._check_params()
        X = self._check_X(X, reset=True)
        T, y_raw = self._targets(X, y, reset=True)
        self._init_params(self._n_out)
        self._run(X, T, y_raw, int(self.max_iter), incremental=False, callback=callback)
        return self

    def _partial_fit(self, X, y, classes=None):
        first = not hasattr(self, "coefs_")
        if first:
            self._check_params()
        X = self._check_X(X, reset=first)
        T, y_raw = self._targets(X, y, reset=first, classes=classes)
        if first:
            self._init_params(self._n_out)
        self._run(X, T, y_raw, 1, incremental=True)
        return self

    # ---- inspection ---------------------------------------------------------------------------
    def _logits(self, X) -> np.ndarray:
        self._require_fitted()
        X = self._check_X(X, reset=False)
        with np.errstate(over="ignore"):
            return logits(X, self.coefs_, self.intercepts_, ACTIVATIONS[self.activation])

    def loss_and_gradients(self, X, y):
        """``(loss, coef_grads, intercept_grads)`` at the current parameters (no dropout).

        ``loss`` is the mean NLL over the examples plus $\\frac{\\alpha}{2N}\\sum_l\\lVert W_l\\rVert^2$;
        the gradients have the shapes of ``coefs_`` and ``intercepts_``.
        """
        self._require_fitted()
        X = self._check_X(X, reset=False)
        T, _ = self._targets(X, y, reset=False)
        return _loss_and_gradients(X, T, self.coefs_, self.intercepts_, ACTIVATIONS[self.activation],
                                   HEADS[self.out_activation_], float(self.alpha))


class _ClassifierMixin:
    r"""Class labels (N,): softmax (or, for two classes, one sigmoid) output. Multilabel indicator
    targets (N, K > 1) of 0/1: one sigmoid per label, Bernoulli NLL
    :math:`\sum_k \operatorname{softplus}(\bar y_k) - t_k \bar y_k` (the generated
    ``bernoulli_nll`` kernels); ``classes_`` is ``0..K-1`` (the columns), ``predict`` returns the
    (N, K) int indicator :math:`[\sigma(\bar y_{nk}) > 0.5]`, ``predict_proba`` the (N, K)
    per-label probabilities :math:`\sigma(\bar y_{nk})`, ``score`` the subset accuracy; as
    scikit-learn's ``MLPClassifier``."""

    _estimator_type = "classifier"
    #: output for two classes: "logistic" (one sigmoid logit) or "softmax" (two logits)
    _binary_output = "logistic"
    #: whether multilabel indicator targets are accepted (one sigmoid per label)
    _supports_multilabel = True

    def _is_multilabel(self) -> bool:
        return getattr(self, "_multilabel", False)

    def _multilabel_targets(self, y: np.ndarray, reset: bool):
        """Checked indicator targets (N, K): float64 for training and the raw ``y`` for scores."""
        name = type(self).__name__
        if not self._supports_multilabel:
            raise ValueError(
                f"{name} has one softmax over the classes and cannot take a multilabel indicator "
                f"y of shape {y.shape}; use LogisticRegression or MLPClassifier (one sigmoid per label)"
            )
        T = check_indicator_target(y, name)
        if reset:
            self.classes_ = np.arange(y.shape[1])
            self._multilabel = True
            self.out_activation_ = "logistic"
            self._n_out = y.shape[1]
        elif not self._is_multilabel():
            raise ValueError(f"{name} was fitted on class labels (N,), not on a multilabel indicator y {y.shape}")
        elif y.shape[1] != self._n_out:
            raise ValueError(f"y has {y.shape[1]} label columns, but {name} was fitted with {self._n_out}")
        return T, y

    def _targets(self, X, y, reset: bool, classes=None):
        name = type(self).__name__
        y = check_target(y, X.shape[0], allow_multilabel=True, estimator=name)
        if is_indicator_shape(y):
            return self._multilabel_targets(y, reset)
        if not reset and self._is_multilabel():
            raise ValueError(f"{name} was fitted on a multilabel indicator y with {self._n_out} columns; "
                             f"got y of shape {y.shape}")
        y = check_class_target(y)
        if reset:
            self._multilabel = False
            labels = y if classes is None else np.asarray(classes)
            try:
                self.classes_ = np.unique(labels)
            except TypeError as exc:
                raise ValueError(f"class labels must be mutually comparable (all numbers or all strings): {exc}") from None
            if len(self.classes_) < 2:
                raise ValueError(
                    f"{name} needs samples of at least 2 classes in the data, but the data contains only "
                    f"1 class: {self.classes_[0]!r}"
                )
            k = len(self.classes_)
            self.out_activation_ = self._binary_output if k == 2 else "softmax"
            self._n_out = 1 if self.out_activation_ == "logistic" else k
        try:
            idx = np.searchsorted(self.classes_, y)
        except TypeError as exc:
            raise ValueError(f"y has labels of a different type than the classes {self.classes_!r}: {exc}") from None
        idx = np.clip(idx, 0, len(self.classes_) - 1)
        unknown = self.classes_[idx] != y
        if np.any(unknown):
            raise ValueError(f"y contains labels not seen in the classes {list(self.classes_)}: {list(np.unique(y[unknown]))[:5]}")
        if self.out_activation_ == "logistic":
            return idx.astype(np.float64)[:, None], y
        return idx.astype(np.intp), y

    def _indicators(self, z: np.ndarray) -> np.ndarray:
        r"""Multilabel prediction (N, K) int: :math:`[\sigma(\bar y) > 0.5]` (scikit-learn's threshold,
        applied to the probability so rounding matches it exactly)."""
        from numeric._network import K

        return (K.sigmoid(z) > 0.5).astype(np.int64)

    def _indices(self, z: np.ndarray) -> np.ndarray:
        if self.out_activation_ == "logistic":
            return (z[:, 0] > 0).astype(np.intp)
        return np.argmax(z, axis=1)

    def _score_logits(self, z, y) -> float:
        if self._is_multilabel():
            return _subset_accuracy(self._indicators(z), y)
        return float(np.mean(self.classes_[self._indices(z)] == y))

    @stochastic_only
    def partial_fit(self, X, y, classes=None):
        """One epoch of SGD on ``(X, y)``; ``classes`` (all labels) is required on the first call."""
        if not hasattr(self, "coefs_") and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit (all labels that may appear).")
        return self._partial_fit(X, y, classes)

    def predict(self, X) -> np.ndarray:
        """The most probable class label for each row of ``X`` (N,); multilabel: the (N, K)
        indicator of the labels with probability > 0.5."""
        z = self._logits(X)
        if self._is_multilabel():
            return self._indicators(z)
        return self.classes_[self._indices(z)]

    def predict_proba(self, X) -> np.ndarray:
        r"""Class probabilities ``(N, K)`` in the order of ``classes_``; multilabel: the
        probability of each label, :math:`\sigma(\bar y_{nk})` (rows need not sum to 1)."""
        from numeric._network import K

        z = self._logits(X)
        if self._is_multilabel():
            return K.sigmoid(z)
        if self.out_activation_ == "logistic":
            return np.hstack([K.sigmoid(-z), K.sigmoid(z)])
        return K.softmax(z, axis=-1)

    def predict_log_proba(self, X) -> np.ndarray:
        """Log class probabilities ``(N, K)`` (log-sigmoid / log-softmax of the logits)."""
        from numeric._network import K

        z = self._logits(X)
        if self._is_multilabel():
            return K.log_sigmoid(z)
        if self.out_activation_ == "logistic":
            return np.hstack([K.log_sigmoid(-z), K.log_sigmoid(z)])
        return K.log_softmax(z, axis=-1)

    def score(self, X, y) -> float:
        """Accuracy of :meth:`predict` on ``(X, y)``; multilabel: subset accuracy (a sample
        counts only if all its labels are right)."""
        pred = self.predict(X)
        y = check_target(y, pred.shape[0], allow_multilabel=self._is_multilabel(),
                         estimator=type(self).__name__)
        if self._is_multilabel():
            if y.shape != pred.shape:
                raise ValueError(f"y has shape {y.shape}, but the predictions have shape {pred.shape}")
            return _subset_accuracy(pred, y)
        return float(np.mean(pred == y))


def _subset_accuracy(pred: np.ndarray, y: np.ndarray) -> float:
    """Fraction of rows of the indicators ``pred``, ``y`` (N, K) that agree in every label."""
    return float(np.mean(np.all(pred == y, axis=1)))


class _RegressorMixin:
    _estimator_type = "regressor"

    def _targets(self, X, y, reset: bool, classes=None):
        name = type(self).__name__
        poisson = self._is_poisson()
        # Poisson models take one count per example; squared error also several outputs
        y = check_target(y, X.shape[0], allow_2d=not poisson, estimator=name)
        y = check_numeric_target(y, non_negative=poisson)
        if reset:
            self._y_ndim = y.ndim
            self.out_activation_ = "exp" if poisson else "identity"
            self._n_out = 1 if y.ndim == 1 else y.shape[1]
        T = y.reshape(len(y), -1)
        if T.shape[1] != self._n_out:
            raise ValueError(f"y has {T.shape[1]} output columns, but {name} was fitted with {self._n_out}")
        return T, y

    def _is_poisson(self) -> bool:
        return False

    def _output(self, z: np.ndarray) -> np.ndarray:
        out = np.exp(z) if self.out_activation_ == "exp" else z
        return out[:, 0] if self._y_ndim == 1 else out

    def _score_logits(self, z, y) -> float:
        return self._score_pred(self._output(z), y)

    def _score_pred(self, pred, y) -> float:
        return poisson_d2_score(y, pred) if self.out_activation_ == "exp" else r2_score(y, pred)

    @stochastic_only
    def partial_fit(self, X, y):
        """One epoch of SGD on ``(X, y)``."""
        return self._partial_fit(X, y)

    def predict(self, X) -> np.ndarray:
        """The mean of the predicted distribution: $\\bar y$ (identity) or $e^{\\bar y}$ (Poisson)."""
        return self._output(self._logits(X))

    def score(self, X, y) -> float:
        """$R^2$ for squared error; for Poisson the deviance explained $D^2$ (as scikit-learn's
        ``PoissonRegressor.score``)."""
        pred = self.predict(X)
        y = check_numeric_target(check_target(y, pred.shape[0], allow_2d=True, estimator=type(self).__name__))
        return self._score_pred(pred, y)


_MLP_DOC_PARAMS = """
    Parameters (scikit-learn's names, meanings and defaults): ``hidden_layer_sizes``,
    ``activation`` ('relu', 'tanh', 'logistic', 'identity'), ``solver`` ('adam', 'sgd',
    'lbfgs'), ``alpha`` (L2: $\\frac{\\alpha}{2N}\\sum\\lVert W\\rVert^2$), ``batch_size``
    ('auto' = min(200, N)), ``learning_rate`` ('constant', 'invscaling', 'adaptive'; sgd),
    ``learning_rate_init`` (the step, sgd and adam), ``power_t`` (invscaling), ``max_iter``
    (epochs; L-BFGS iterations), ``shuffle``, ``random_state``, ``tol``, ``verbose``,
    ``momentum`` and ``nesterovs_momentum`` (sgd), ``early_stopping``, ``validation_fraction``,
    ``beta_1``, ``beta_2``, ``epsilon`` (adam), ``n_iter_no_change``, ``max_fun`` (lbfgs: loss
    evaluations), and ``dropout`` (probability of zeroing a hidden unit during training, sgd and
    adam; kept units are scaled by $1/(1-p)$).

    The lecture's SGD: ``solver="sgd", momentum=0.0, learning_rate="constant"`` (what
    ``derive train`` uses).

    Fitted: ``coefs_``, ``intercepts_``, ``n_iter_``, ``loss_``, ``loss_curve_`` (the training
    loss after each epoch or L-BFGS iteration), ``n_features_in_``, ``out_activation_``,
    ``best_loss_``, ``validation_scores_``.
"""


#: The constructor parameters the MLPs share with scikit-learn's (beside the layers and dropout).
_MLP_PARAMS = ("solver", "alpha", "batch_size", "learning_rate", "learning_rate_init", "power_t", "max_iter",
               "shuffle", "random_state", "tol", "verbose", "momentum", "nesterovs_momentum", "early_stopping",
               "validation_fraction", "beta_1", "beta_2", "epsilon", "n_iter_no_change", "max_fun")


def _set_solver_params(est, values: dict) -> None:
    """Store the constructor arguments unchanged (scikit-learn's convention: no validation here)."""
    for name in _MLP_PARAMS:
        setattr(est, name, values[name])


class MLPClassifier(_ClassifierMixin, _SGDNetwork):
    __doc__ = ("Multilayer perceptron classifier (softmax / sigmoid output, categorical / Bernoulli NLL; "
               "multilabel indicator targets (N, K): one sigmoid per label).\n" + _MLP_DOC_PARAMS)

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=0.0001,
                 batch_size="auto", learning_rate="constant", learning_rate_init=0.001, power_t=0.5, max_iter=200,
                 shuffle=True, random_state=None, tol=1e-4, verbose=False, momentum=0.9, nesterovs_momentum=True,
                 early_stopping=False, validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000, dropout=0.0):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        _set_solver_params(self, locals())
        self.dropout = dropout

    def _more_sklearn_tags(self, tags) -> None:
        tags.classifier_tags.multi_label = True


class MLPRegressor(_RegressorMixin, _SGDNetwork):
    __doc__ = ("Multilayer perceptron regressor: identity output with Gaussian NLL (``loss='squared_error'``)"
               " or exp output with Poisson NLL (``loss='poisson'``).\n" + _MLP_DOC_PARAMS)

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, loss="squared_error", solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
                 max_iter=200, shuffle=True, random_state=None, tol=1e-4, verbose=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-8, n_iter_no_change=10, max_fun=15000, dropout=0.0):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.loss = loss
        _set_solver_params(self, locals())
        self.dropout = dropout

    def _is_poisson(self) -> bool:
        if self.loss not in ("squared_error", "poisson"):
            raise ValueError(f"loss must be 'squared_error' or 'poisson', got {self.loss!r}")
        return self.loss == "poisson"

    def _more_sklearn_tags(self, tags) -> None:
        if self.loss == "poisson":
            tags.target_tags.positive_only = True
            tags.target_tags.multi_output = False
