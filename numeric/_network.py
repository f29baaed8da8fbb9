"""Forward and backward passes of a dense network, every derivative taken from ``numeric.kernels``.

Shapes: ``X`` is ``(N, D)``; layer ``l`` has weights ``coefs[l]`` ``(M_l, O_l)`` and bias
``intercepts[l]`` ``(O_l,)``; hidden layers compute $h = f(a W + b)$, the output layer the logits
$\\bar y = a W + b$. The loss is the mean NLL over the examples plus the L2 term
$\\frac{\\alpha}{2N} \\sum_l \\lVert W_l \\rVert_F^2$ (scikit-learn's convention for ``alpha``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from numeric import kernels as K


@dataclass(frozen=True)
class Activation:
    """A hidden activation $f$ and its derivative $f'$ evaluated at the pre-activation."""

    forward: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray], np.ndarray]


ACTIVATIONS = {
    "relu": Activation(K.relu, K.relu_derivative),
    "tanh": Activation(np.tanh, K.tanh_derivative),
    "logistic": Activation(K.sigmoid, K.sigmoid_derivative),
    "identity": Activation(K.identity, K.identity_derivative),
}


@dataclass(frozen=True)
class Head:
    """An output layer: the per-example NLL of the logits, its gradient w.r.t. the logits
    (``(N, K)``, no $1/N$) and the output activation (the mean of the distribution)."""

    name: str
    nll: Callable[[np.ndarray, np.ndarray], np.ndarray]
    nll_grad: Callable[[np.ndarray, np.ndarray], np.ndarray]
    output: Callable[[np.ndarray], np.ndarray]


HEADS = {
    # categorical / softmax: targets are class indices (N,)
    "softmax": Head("softmax", K.categorical_nll, K.categorical_nll_grad, K.softmax),
    # Bernoulli / sigmoid: one logit, targets (N, 1) in {0, 1}
    "logistic": Head("logistic", K.bernoulli_nll, K.bernoulli_nll_grad, K.sigmoid),
    # Normal / identity (MSE): targets (N, K)
    "identity": Head("identity", K.gaussian_nll, K.gaussian_nll_grad, K.identity),
    # Poisson / exp: targets (N, K) counts
    "exp": Head("exp", K.poisson_nll, K.poisson_nll_grad, np.exp),
}


def logits(X: np.ndarray, coefs: list[np.ndarray], intercepts: list[np.ndarray], act: Activation) -> np.ndarray:
    """The output-layer logits $\\bar y$ ``(N, K)`` (no dropout: inference)."""
    a = X
    last = len(coefs) - 1
    for l, (W, b) in enumerate(zip(coefs, intercepts)):
        z = a @ W
        z += b
        a = z if l == last else act.forward(z)
    return a


def mean_loss(z: np.ndarray, T: np.ndarray, head: Head, coefs: list[np.ndarray], alpha: float) -> float:
    """Mean per-example NLL (summed over output columns) plus $\\frac{\\alpha}{2N}\\sum\\lVert W\\rVert^2$."""
    n = z.shape[0]
    loss = float(head.nll(z, T).sum()) / n
    if alpha:
        loss += alpha / (2.0 * n) * sum(float(np.vdot(W, W)) for W in coefs)
    return loss


def loss_and_gradients(X, T, coefs, intercepts, act: Activation, head: Head, alpha: float, masks=None):
    """``(loss, coef_grads, intercept_grads)`` of :func:`mean_loss` by backpropagation.

    ``masks`` (optional, one per hidden layer) are dropout masks already scaled by $1/(1-p)$.
    """
    n = X.shape[0]
    inputs, pre = [X], []
    a = X
    last = len(coefs) - 1
    for l, (W, b) in enumerate(zip(coefs, intercepts)):
        z = a @ W
        z += b
        if l == last:
            break
        pre.append(z)
        a = act.forward(z)
        if masks is not None:
            a = a * masks[l]
        inputs.append(a)
    loss = mean_loss(z, T, head, coefs, alpha)
    g = head.nll_grad(z, T) * (1.0 / n)
    coef_grads = [None] * len(coefs)
    intercept_grads = [None] * len(coefs)
    for l in range(last, -1, -1):
        gW, gb, gin = K.dense_backward(g, inputs[l], coefs[l])
        if alpha:
            gW = gW + (alpha / n) * coefs[l]
        coef_grads[l], intercept_grads[l] = gW, gb
        if l:
            g = gin * act.derivative(pre[l - 1])
            if masks is not None:
                g *= masks[l - 1]
    return loss, coef_grads, intercept_grads


def sgd_epoch(X, T, coefs, intercepts, act: Activation, head: Head, *, lr: float, alpha: float,
              batch_size: int, rng: np.random.Generator, shuffle: bool, dropout: float) -> None:
    """One epoch of minibatch SGD, updating ``coefs``/``intercepts`` in place.

    The same computation as :func:`loss_and_gradients` per minibatch (without the loss), written
    flat because this is the hot loop: no validation, no per-batch allocation beyond what the
    kernels return, in-place updates $W \\leftarrow W - \\eta \\nabla_W$.
    """
    n = X.shape[0]
    if shuffle:
        perm = rng.permutation(n)
        X = X[perm]
        T = T[perm]
    last = len(coefs) - 1
    f, fprime = act.forward, act.derivative
    nll_grad = head.nll_grad
    dense_backward = K.dense_backward
    keep = 1.0 - dropout
    scale = 1.0 / keep
    layers = list(zip(coefs, intercepts))
    hidden = layers[:last]
    out_W, out_b = layers[last]
    for start in range(0, n, batch_size):
        xb = X[start:start + batch_size]
        nb = xb.shape[0]
        inputs = [xb]
        pre = []
        masks = []
        a = xb
        for W, b in hidden:
            z = a @ W
            z += b
            pre.append(z)
            a = f(z)
            if dropout:
                m = rng.random(a.shape) < keep
                m = m * scale
                a = a * m
                masks.append(m)
            inputs.append(a)
        z = a @ out_W
        z += out_b
        g = nll_grad(z, T[start:start + batch_size])
        # Backprop is linear in g: scaling by lr/nb (not 1/nb) makes every gradient below
        # already the SGD step, so updates are a single in-place subtraction.
        g *= lr / nb
        decay = 1.0 - lr * alpha / nb
        for l in range(last, -1, -1):
            W, b = layers[l]
            step_W, step_b, g_in = dense_backward(g, inputs[l], W)
            if l:
                g = g_in
                g *= fprime(pre[l - 1])
                if dropout:
                    g *= masks[l - 1]
            if alpha:  # L2: W <- W (1 - lr alpha / nb) - lr grad
                W *= decay
            W -= step_W
            b -= step_b
