r"""Numeric confirmation that the maximum-entropy classifier is softmax regression.

On a small dataset (:math:`N` examples, features with a bias column, :math:`K` classes):

* **maximum entropy**: minimise :math:`\sum_{i,k} \pi_{i,k} \log \pi_{i,k}` over the table
  :math:`\pi \in \mathbb{R}^{N \times K}` subject to :math:`\sum_k \pi_{i,k} = 1` and the feature
  matching :math:`\sum_i \pi_{i,k} x_{i,j} = \sum_i [t_i = k] x_{i,j}` (for :math:`k < K`; the last
  class's constraints follow from the others and the row sums), with ``scipy.optimize`` (SLSQP);
* **maximum likelihood**: fit :math:`\lambda \in \mathbb{R}^{D \times K}` of
  :math:`\pi_i = \operatorname{softmax}(x_i^T \lambda)` by minimising the NLL (BFGS). Its stationarity
  conditions :math:`\sum_i (\pi_{i,k} - [t_i = k]) x_{i,j} = 0` are the feature-matching constraints.

Both give the same table :math:`\pi` up to the optimisers' tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import log_softmax, softmax, xlogy

TOLERANCE = 1e-5


@dataclass(frozen=True)
class Confirmation:
    maxent: np.ndarray  # (N, K)
    mle: np.ndarray  # (N, K)
    constraint_residual: float
    max_difference: float

    @property
    def agree(self) -> bool:
        return self.max_difference < TOLERANCE


def dataset(seed: int = 0, n: int = 15, k: int = 3):
    """Overlapping classes (so that the MLE is finite): X (N x 3, with a bias column), targets t."""
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(n, 2))
    true = rng.normal(scale=0.8, size=(3, k))
    x = np.hstack([np.ones((n, 1)), features])
    probs = softmax(x @ true, axis=1)
    t = np.array([rng.choice(k, p=p) for p in probs])
    t[:k] = np.arange(k)  # every class occurs
    return x, t


def maximum_entropy(x: np.ndarray, t: np.ndarray, k: int) -> tuple[np.ndarray, float]:
    n, d = x.shape
    onehot = np.eye(k)[t]
    target = (x.T @ onehot)[:, : k - 1].ravel()

    def negentropy(v):
        return float(np.sum(xlogy(v, v)))

    def grad(v):
        return np.log(np.maximum(v, 1e-300)) + 1

    def rows(v):
        return v.reshape(n, k).sum(axis=1) - 1

    def matching(v):
        return (x.T @ v.reshape(n, k))[:, : k - 1].ravel() - target

    rows_jac = np.kron(np.eye(n), np.ones((1, k)))
    match_jac = np.zeros((d * (k - 1), n * k))
    for j in range(d):
        for c in range(k - 1):
            match_jac[j * (k - 1) + c, c::k] = x[:, j]
    result = minimize(
        negentropy, np.full(n * k, 1 / k), jac=grad, method="SLSQP",
        bounds=[(1e-12, 1.0)] * (n * k),
        constraints=[{"type": "eq", "fun": rows, "jac": lambda v: rows_jac},
                     {"type": "eq", "fun": matching, "jac": lambda v: match_jac}],
        options={"ftol": 1e-14, "maxiter": 1000},
    )
    pi = result.x.reshape(n, k)
    residual = float(max(np.abs(rows(result.x)).max(), np.abs(matching(result.x)).max()))
    return pi, residual


def maximum_likelihood(x: np.ndarray, t: np.ndarray, k: int) -> np.ndarray:
    n, d = x.shape
    onehot = np.eye(k)[t]

    def nll(v):
        logits = x @ v.reshape(d, k)
        return float(-np.sum(log_softmax(logits, axis=1) * onehot))

    def grad(v):
        logits = x @ v.reshape(d, k)
        return (x.T @ (softmax(logits, axis=1) - onehot)).ravel()

    result = minimize(nll, np.zeros(d * k), jac=grad, method="BFGS", options={"gtol": 1e-11, "maxiter": 5000})
    return softmax(x @ result.x.reshape(d, k), axis=1)


def confirm(seed: int = 0) -> Confirmation:
    x, t = dataset(seed)
    k = int(t.max()) + 1
    pi, residual = maximum_entropy(x, t, k)
    mle = maximum_likelihood(x, t, k)
    return Confirmation(pi, mle, residual, float(np.abs(pi - mle).max()))


def describe(c: Confirmation, rows: int = 3) -> str:
    n, k = c.maxent.shape
    fmt = lambda r: "(" + ", ".join(f"{v:.6f}" for v in r) + ")"  # noqa: E731
    shown = "; ".join(f"x_{i + 1}: maximum entropy {fmt(c.maxent[i])}, softmax MLE {fmt(c.mle[i])}" for i in range(rows))
    return (
        f"On {n} examples with 3 features (bias and two inputs) and {k} classes, the constrained "
        f"maximum-entropy problem solved by scipy.optimize (SLSQP; constraints met to {c.constraint_residual:.1e}) "
        f"and softmax regression fitted by maximum likelihood (BFGS) give the same class probabilities: "
        f"max |difference| = {c.max_difference:.1e} (tolerance {TOLERANCE:.0e}). First rows: {shown}."
    )
