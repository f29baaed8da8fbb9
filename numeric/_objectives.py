"""Training objectives as functions of one flat parameter vector, for scipy.optimize.

The objective is the one SGD minimises, :func:`numeric._network.mean_loss`:

$$J(\\theta) = \\frac1N \\sum_{n=1}^N \\ell(\\bar y_n, t_n) + \\frac{\\alpha}{2N}\\sum_l \\lVert W_l\\rVert^2 ,$$

with the per-example NLL $\\ell$ and its logit gradient $\\partial\\ell/\\partial\\bar y = y - t$ from
the generated kernels (``head.nll``, ``head.nll_grad``). The biases are not penalised.

Flat layout: the layers in order, each as the stacked matrix $[W_l; b_l^T]$ ``(M_l + 1, O_l)``
raveled in C order (weights row by row, the bias as the last row).
"""

from __future__ import annotations

import numpy as np

from numeric import kernels as K
from numeric._network import Activation, Head, loss_and_gradients


def layer_shapes(sizes: list[int]) -> list[tuple[int, int]]:
    """Shapes ``(M + 1, O)`` of the stacked layers $[W; b^T]$ for layer sizes ``[D, H_1, ..., K]``."""
    return [(m + 1, o) for m, o in zip(sizes[:-1], sizes[1:])]


def pack(coefs: list[np.ndarray], intercepts: list[np.ndarray]) -> np.ndarray:
    """The flat vector $\\theta$ of the layers $[W_l; b_l^T]$ (a new array)."""
    return np.concatenate([np.vstack([W, b[None, :]]).ravel() for W, b in zip(coefs, intercepts)])


def unpack(theta: np.ndarray, shapes: list[tuple[int, int]]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Views ``(coefs, intercepts)`` into ``theta`` (no copy) for the stacked ``shapes``."""
    coefs, intercepts, start = [], [], 0
    for rows, cols in shapes:
        Wb = theta[start:start + rows * cols].reshape(rows, cols)
        coefs.append(Wb[:-1])
        intercepts.append(Wb[-1])
        start += rows * cols
    return coefs, intercepts


def glm_objective(X: np.ndarray, T: np.ndarray, head: Head, alpha: float):
    """``fun(theta) -> (J, grad)`` of a network without hidden layers, $\\bar Y = [X\\ 1][W; b^T]$.

    ``X`` ``(N, D)`` float64, ``T`` the checked targets (class indices for softmax, else
    ``(N, K)``), ``theta`` of length $(D + 1)K$. The gradient is
    $[X\\ 1]^T G / N$ plus $\\alpha W / N$ on the weight rows, $G = \\partial\\ell/\\partial\\bar Y$,
    one BLAS product (``dense_weight_grads_unchecked`` on the data with a column of ones; the
    bias gradient $G^T 1$ is its last row). The column of ones is appended once, here.
    """
    n, d = X.shape
    X1 = np.empty((n, d + 1))
    X1[:, :d] = X
    X1[:, d] = 1.0
    scale = 1.0 / n
    penalty = alpha * scale
    nll_sum_and_grad = _nll_sum_and_grad(head, T)
    weight_grads = K.dense_weight_grads_unchecked

    def fun(theta: np.ndarray):
        Wb = theta.reshape(d + 1, -1)
        z = X1 @ Wb
        with np.errstate(over="ignore", invalid="ignore"):
            loss, g = nll_sum_and_grad(z)
        loss *= scale
        grad = weight_grads(g, X1)
        grad *= scale  # (D + 1, K) entries, fewer than the (N, K) of g
        if penalty:
            W = Wb[:-1]
            loss += 0.5 * penalty * float(np.vdot(W, W))
            grad[:-1] += penalty * W
        return loss, grad.ravel()

    return fun


def _nll_sum_and_grad(head: Head, T: np.ndarray):
    """``f(z) -> (sum of the NLL, its gradient (N, K))`` for the logits ``z`` and fixed targets.

    Categorical: one ``log_softmax_unchecked`` (plain max-shift: a loss needs no last-ulp
    compensation) gives both, $\\ell = -\\log\\operatorname{softmax}(z)_t$ and
    $\\partial\\ell/\\partial z = \\exp(\\log\\operatorname{softmax}(z)) - \\mathbf 1_t$ (the generated
    ``categorical_nll`` and ``categorical_nll_grad`` would take the softmax twice); the other
    heads call their ``nll`` and ``nll_grad``.
    """
    if head.name == "softmax":
        rows = np.arange(T.shape[0])

        def categorical(z):
            logp = K.log_softmax_unchecked(z)
            loss = -float(logp[rows, T].sum())
            g = np.exp(logp, out=logp)
            g[rows, T] -= 1.0
            return loss, g

        return categorical
    nll, nll_grad = head.nll, head.nll_grad

    def elementwise(z):
        return float(nll(z, T).sum()), nll_grad(z, T)

    return elementwise


def network_objective(X: np.ndarray, T: np.ndarray, shapes: list[tuple[int, int]], act: Activation, head: Head,
                      alpha: float):
    """``fun(theta) -> (J, grad)`` of an MLP by backpropagation (:func:`loss_and_gradients`,
    the public generated kernels), parameters in the flat layout of :func:`pack`."""
    size = sum(r * c for r, c in shapes)

    def fun(theta: np.ndarray):
        coefs, intercepts = unpack(theta, shapes)
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            loss, gW, gb = loss_and_gradients(X, T, coefs, intercepts, act, head, alpha)
        grad = np.empty(size)
        g_coefs, g_intercepts = unpack(grad, shapes)
        for W, b, dW, db in zip(g_coefs, g_intercepts, gW, gb):
            W[...] = dW
            b[...] = db
        return float(loss), grad

    return fun
