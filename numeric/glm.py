"""Generalized linear models: networks without hidden layers, fitted by L-BFGS (default) or SGD.

| model | output $y = a(\\bar y)$, $\\bar y = XW + b$ | NLL per example |
| --- | --- | --- |
| ``LinearRegression`` | identity | $\\frac12(\\bar y - t)^2$ (Normal) |
| ``LogisticRegression`` | $\\sigma(\\bar y)$ (softmax for $K > 2$) | Bernoulli (categorical) |
| ``SoftmaxRegression`` | $\\operatorname{softmax}(\\bar y)$, $K$ logits also for $K = 2$ | categorical |
| ``PoissonRegression`` | $e^{\\bar y}$ | $e^{\\bar y} - t\\bar y$ (Poisson) |

In every case the gradient of the NLL w.r.t. $\\bar y$ is $y - t$ (from the generated kernels).

All minimise $\\frac1N\\sum_n \\ell_n + \\frac{\\alpha}{2N}\\lVert W\\rVert^2$ (bias not penalised), so
at the same regularisation (see docs/solvers.md):

* scikit-learn's ``LinearRegression`` is ``alpha=0``, its ``Ridge(alpha=a)`` is ``alpha=a``;
* ``LogisticRegression(C=c)`` (sum of losses $+ \\frac{1}{2C}\\lVert w\\rVert^2$) is ``alpha=1/c``;
  ``penalty=None`` is ``alpha=0``;
* ``PoissonRegressor(alpha=a)`` (mean loss $+ \\frac a2 \\lVert w\\rVert^2$) is ``alpha=a*N``.
"""

from __future__ import annotations

from numeric.mlp import _ClassifierMixin, _RegressorMixin, _SGDNetwork


class _GLM(_SGDNetwork):
    hidden_layer_sizes = ()
    activation = "identity"
    dropout = 0.0
    _solvers = ("lbfgs", "sgd")

    def __init__(self, *, solver="lbfgs", alpha=0.0, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.01, power_t=0.5, max_iter=200, shuffle=True, random_state=None, tol=1e-4,
                 verbose=False, early_stopping=False, validation_fraction=0.1, n_iter_no_change=10):
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change

    @property
    def coef_(self):
        """The weights ``(D, K)`` (``coefs_[0]``)."""
        self._require_fitted()
        return self.coefs_[0]

    @property
    def intercept_(self):
        """The bias ``(K,)`` (``intercepts_[0]``)."""
        self._require_fitted()
        return self.intercepts_[0]


_GLM_DOC = """
    ``solver="lbfgs"`` (default): scipy's L-BFGS-B on the generated loss and gradients, started
    where scikit-learn starts ($W = 0$; bias 0 for classifiers, the best constant model's for
    regressors), with scikit-learn's settings: stop when the largest gradient entry is at most
    ``tol`` or the loss stops decreasing, at most ``max_iter`` iterations, else a
    ``ConvergenceWarning``. No ``partial_fit``.

    ``solver="sgd"``: the lecture's minibatch SGD (no momentum), weights initialised uniformly in
    $[-1/\\sqrt{D}, 1/\\sqrt{D}]$, zero bias, step ``learning_rate_init`` scheduled by
    ``learning_rate`` ('constant', 'invscaling' with ``power_t``, 'adaptive'), ``max_iter``
    epochs, ``batch_size``, ``shuffle``, ``random_state``, ``tol``, ``n_iter_no_change``,
    ``early_stopping``, ``validation_fraction``; ``partial_fit`` runs one epoch.

    Both: ``alpha`` (L2 strength, see the module docstring for scikit-learn's conventions),
    ``verbose``.
"""


class LinearRegression(_RegressorMixin, _GLM):
    __doc__ = "Linear regression: identity output, Gaussian NLL (half the squared error).\n" + _GLM_DOC


class PoissonRegression(_RegressorMixin, _GLM):
    __doc__ = "Poisson regression: exp output (log link), Poisson NLL $e^{\\bar y} - t\\bar y$.\n" + _GLM_DOC

    def _is_poisson(self) -> bool:
        return True

    def _more_sklearn_tags(self, tags) -> None:
        tags.target_tags.positive_only = True
        tags.target_tags.multi_output = False


class LogisticRegression(_ClassifierMixin, _GLM):
    __doc__ = ("Logistic regression: one sigmoid logit with Bernoulli NLL for two classes; "
               "multinomial (softmax) for more; for a multilabel indicator y (N, K) one sigmoid "
               "per label (K independent logistic regressions, Bernoulli NLL summed).\n" + _GLM_DOC)

    def _more_sklearn_tags(self, tags) -> None:
        tags.classifier_tags.multi_label = True


class SoftmaxRegression(_ClassifierMixin, _GLM):
    __doc__ = "Multinomial logistic (softmax) regression with categorical NLL, K logits for K classes.\n" + _GLM_DOC
    _binary_output = "softmax"
    _supports_multilabel = False
