"""derive: symbolic derivations of GLMs, softmax and MLPs, each step proved.

Importing this package is cheap: SymPy is loaded only when a derivation is built.
"""

__version__ = "0.1.0"


def grad(expr: str, wrt, vectors=(), matrices=()):
    r"""The derivative of the expression ``expr`` (text) with respect to ``wrt`` (a name or several),
    step by step, every step proved: a :class:`derive.derivation.Derivation` (renders in Jupyter).

    >>> derive.grad("x*sigma(x)", "x").result("grad.x").expr  # doctest: +SKIP
    """
    from derive.differentiate import grad as _grad

    return _grad(expr, wrt, vectors, matrices)
