"""TEMPORARY stand-in for numeric.kernels (delete once the generated kernels land).

Implements the agreed contract only so the training code can be developed and tested before the
generated module exists; never imported when ``numeric.kernels`` is importable.
"""

import numpy as np
from scipy.special import expit, log_expit, logsumexp


def sigmoid(x):
    return expit(x)


def sigmoid_derivative(x):
    return expit(x) * expit(-x)


def log_sigmoid(x):
    return log_expit(x)


def softplus(x):
    return np.logaddexp(0.0, x)


def tanh_derivative(x):
    t = np.tanh(x)
    return 1.0 - t * t


def relu(x):
    return np.maximum(x, 0.0)


def relu_derivative(x):
    return (x > 0).astype(np.result_type(x, np.float32))


def identity(x):
    return x


def identity_derivative(x):
    return np.ones_like(x)


def softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(z, axis=-1):
    return z - logsumexp(z, axis=axis, keepdims=True)


def gaussian_nll(ybar, t):
    d = ybar - t
    return d * d / 2


def gaussian_nll_grad(ybar, t):
    return ybar - t


def bernoulli_nll(ybar, t):
    return softplus(ybar) - t * ybar


def bernoulli_nll_grad(ybar, t):
    return expit(ybar) - t


def categorical_nll(z, t):
    return -np.take_along_axis(log_softmax(z), t[:, None], axis=1)[:, 0]


def categorical_nll_grad(z, t):
    g = softmax(z)
    g[np.arange(len(t)), t] -= 1
    return g


def poisson_nll(eta, t):
    return np.exp(eta) - t * eta


def poisson_nll_grad(eta, t):
    return np.exp(eta) - t


def dense_backward(grad_out, inputs, weights):
    return inputs.T @ grad_out, grad_out.sum(axis=0), grad_out @ weights.T
