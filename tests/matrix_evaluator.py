"""A NumPy evaluator of matrix forms (derive.differentiate.matrix_forms), independent of their
index form and of the code generator, and central finite differences: the tests' own reference
for the gradients of ``derive grad`` in matrix mode."""

from __future__ import annotations

import numpy as np
import sympy as sp

from derive.differentiate import matrix_forms as mf


def rows_softmax(a, axis=1):
    """Softmax over each row (``axis`` 1) or over the whole of a column vector (``axis`` 0)."""
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def lse(a, axis):
    """log sum exp over ``axis``, kept as an axis of length 1."""
    m = a.max(axis=axis, keepdims=True)
    return m + np.log(np.exp(a - m).sum(axis=axis, keepdims=True))


def _plain_sigma(expr):
    return expr.replace(lambda e: type(e).__name__ == "sigma", lambda e: 1 / (1 + sp.exp(-e.args[0])))


def evaluate(node, env, dims=None):
    """The value of a matrix form; ``env``: name -> array (vectors as columns) or scalar;
    ``dims``: dimension symbol -> size (default: ``env[str(dimension)]``)."""
    ev = lambda n: evaluate(n, env, dims)  # noqa: E731
    if isinstance(node, mf.MV):
        return env[node.args[0].label.name]
    if isinstance(node, mf.MOnes):
        return np.ones(((dims or {}).get(node.args[0]) or env[str(node.args[0])], 1))
    if isinstance(node, mf.MT):
        return ev(node.args[0]).T
    if isinstance(node, mf.MMul):
        return ev(node.args[0]) @ ev(node.args[1])
    if isinstance(node, (mf.MAdd, sp.Add)):
        return sum(ev(a) for a in node.args)
    if isinstance(node, (mf.MScale, mf.MHad)):
        return ev(node.args[0]) * ev(node.args[1])
    if isinstance(node, mf.MMap):
        lam, arg = node.args
        return sp.lambdify(lam.variables[0], _plain_sigma(lam.expr), "numpy")(ev(arg))
    if isinstance(node, (mf.MSoftmax, mf.MLogSoftmax)):  # row by row for a matrix (by its symbolic shape)
        y = rows_softmax(ev(node.args[0]), 0 if mf.shape(node.args[0])[1] == 1 else 1)
        return y if isinstance(node, mf.MSoftmax) else np.log(y)
    if isinstance(node, mf.MRowLogSumExp):
        return lse(ev(node.args[0]), 1)
    if isinstance(node, mf.MLogSumExp):
        return lse(ev(node.args[0]), 0)[0, 0]
    if isinstance(node, mf.MSum):
        return np.sum(ev(node.args[0]))
    if isinstance(node, mf.MNorm):
        return np.linalg.norm(ev(node.args[0]))
    if isinstance(node, mf.M11):
        return ev(node.args[0])[0, 0]
    if isinstance(node, sp.Symbol):
        return env[node.name]
    if isinstance(node, sp.Number):
        return float(node)
    if isinstance(node, sp.Mul):
        out = 1.0
        for a in node.args:
            out = out * ev(a)
        return out
    if isinstance(node, sp.Pow):
        return ev(node.base) ** ev(node.exp)
    raise TypeError(type(node).__name__)


def finite_difference(loss, env, name, h=1e-6):
    """Central differences of ``loss(env)`` by every entry of ``env[name]``."""
    v = env[name]
    g = np.zeros_like(v)
    for idx in np.ndindex(*v.shape):
        up, down = {**env, name: v.copy()}, {**env, name: v.copy()}
        up[name][idx] += h
        down[name][idx] -= h
        g[idx] = (loss(up) - loss(down)) / (2 * h)
    return g
