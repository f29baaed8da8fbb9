r"""Printing an index-notation result as vectorised NumPy code.

An expression in index notation with one free index :math:`j` (the gradient's entry) is printed
as one array expression over the last axis: :math:`z_j` is the array ``z`` of shape (..., K),
:math:`\sum_{k=1}^K f_k` is ``numpy.sum(f, axis=-1, keepdims=True)`` (the body printed with
:math:`k` as the last axis), softmax, log_softmax, 1 - softmax and logsumexp are the module's
max-shifted helpers (:data:`VECTOR_HELPERS`; the shift of each vector computed once per
kernel), scalars have a trailing axis of length 1. The value
(no free index) is printed the same way and has shape (..., 1).

A body that uses two indices at once (an outer product) is not printed (``NotImplementedError``).
"""

from __future__ import annotations

import sympy as sp

from derive.codegen.user_printer import UserPrinter

#: Helpers written into every vector module (NumPy only); z has shape (..., K).
VECTOR_HELPERS = '''
def _shifted(z):
    """(m, d, e, top, s) for z of shape (..., K): m = max(z) (..., 1), d = z - m (<= 0, exactly 0 at
    every maximum: top), e = e^d (exactly 1 there) and s = sum(e) - 1 summed without cancellation:
    the e below the maximum plus the number of further maxima, so that sum(e) = 1 + s."""
    m = numpy.max(z, axis=-1, keepdims=True)
    d = z - m
    e = numpy.exp(d)
    top = d == 0.0
    s = numpy.sum(numpy.where(top, 0.0, e), axis=-1, keepdims=True) + (numpy.sum(top, axis=-1, keepdims=True) - 1.0)
    return m, d, e, top, s


def _logsumexp(sh):
    """log sum_k e^{z_k} = M + log1p(s), shape (..., 1)."""
    m, d, e, top, s = sh
    return m + numpy.log1p(s)


def _softmax(sh):
    """e^{z_k - M} / (1 + s), shape (..., K)."""
    m, d, e, top, s = sh
    return e / (1.0 + s)


def _log_softmax(sh):
    """(z_k - M) - log1p(s): no log 0, no cancellation at the largest entry."""
    m, d, e, top, s = sh
    return d - numpy.log1p(s)


def _softmax_complement(sh):
    """1 - softmax(z)_k = (sum of the other e^{z_i - M}) / (1 + s): s at a maximum, 1 + (s - e_k)
    elsewhere (no cancellation)."""
    m, d, e, top, s = sh
    return numpy.where(top, s, 1.0 + (s - e)) / (1.0 + s)


def _softmax_mean_minus(sh):
    """sum_k softmax(z)_k z_k - z_j = sum_k softmax(z)_k d_k - d_j with d = z - M (the softmax
    sums to 1): every d_k <= 0, d_j = 0 at the largest entry."""
    m, d, e, top, s = sh
    return numpy.sum(e * d, axis=-1, keepdims=True) / (1.0 + s) - d
'''


class VectorPrinter(UserPrinter):
    """The user printer with index notation printed over the last axis (the axis index is
    ``self.axis``: the free index of the expression, or the index of the sum being printed)."""

    def __init__(self, names: dict, vectors: dict, axis: sp.Symbol | None, shifted: set | None = None):
        super().__init__(names)
        self.vectors = vectors  # IndexedBase -> Python name
        self.axis = axis
        #: Python names of the vectors whose max-shift (_shifted) the kernel computes once, first.
        self.shifted = set() if shifted is None else shifted

    def _shift(self, base, index=None) -> str:
        name = self._vector(base, index) if index is not None else self.vectors[base]
        self.shifted.add(name)
        return f"_sh_{name}"

    def _vector(self, base, index) -> str:
        if index != self.axis:
            raise NotImplementedError(f"the entry {base.label}_{index} is not over the printed axis {self.axis} "
                                      "(a sum whose body uses two indices)")
        return self.vectors[base]

    def _print_Indexed(self, expr):
        (index,) = expr.indices
        return self._vector(expr.base, index)

    def _print_Softmax(self, expr):
        return f"_softmax({self._shift(*expr.args)})"

    def _print_LogSoftmax(self, expr):
        return f"_log_softmax({self._shift(*expr.args)})"

    def _print_SoftmaxComplement(self, expr):
        return f"_softmax_complement({self._shift(*expr.args)})"

    def _print_SoftmaxMeanMinus(self, expr):
        return f"_softmax_mean_minus({self._shift(*expr.args)})"

    def _print_LogSumExp(self, expr):
        if len(expr.args) == 1 and isinstance(expr.args[0], sp.IndexedBase):
            return f"_logsumexp({self._shift(expr.args[0])})"
        return super()._print_LogSumExp(expr)

    def _print_Sum(self, expr):
        body = expr.function
        for var, lo, hi in reversed(expr.limits[1:]):
            body = sp.Sum(body, (var, lo, hi))
        var, lo, hi = expr.limits[0]
        if len(expr.limits) > 1 or self.axis is not None and body.has(self.axis):
            raise NotImplementedError("a sum whose body uses two indices is not printed yet")
        inner = VectorPrinter(self.names, self.vectors, var, self.shifted)
        # the body broadcast to the vectors' shape: a body free of the index sums to K times itself
        return f"numpy.sum(numpy.broadcast_to({inner.doprint(body)}, _shape), axis=-1, keepdims=True)"

    def _print_KroneckerDelta(self, expr):
        raise NotImplementedError("a Kronecker delta left in a result is not printed")


def print_vector_kernel(name: str, expr: sp.Basic, axis, arguments: list[str], names: dict, vectors: dict) -> str:
    """``def name(arguments): return expr`` with the expression's entries over the last axis
    (``axis``: the free index, None for a scalar), broadcast to ``_shape``."""
    printer = VectorPrinter(names, vectors, axis)
    body = printer.doprint(expr)
    shifts = "".join(f"    _sh_{v} = _shifted({v})\n" for v in sorted(printer.shifted))
    return (f"def {name}({', '.join(arguments)}, _shape):\n{shifts}"
            f"    return numpy.broadcast_to({body}, _shape)\n")


__all__ = ["VECTOR_HELPERS", "VectorPrinter", "print_vector_kernel"]
