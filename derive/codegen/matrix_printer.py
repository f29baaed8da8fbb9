r"""Printing a matrix expression (:mod:`derive.differentiate.matrix_forms`) as NumPy statements.

Inside a generated kernel every vector is a column, shape (n, 1), and every matrix an array of
shape (rows, cols), so each node is one NumPy operation: :math:`A^T` is ``a.T``, :math:`AB` is
``a @ b``, :math:`\operatorname{sum}(A)` is ``numpy.sum(a)``, :math:`\lVert A\rVert` is
``numpy.linalg.norm(a)`` (2-norm or Frobenius), softmax, log_softmax and logsumexp are the
max-shifted helpers of :data:`MATRIX_HELPERS` (over a vector, or over each row of a matrix).

An elementwise region (maps, :math:`\odot`, sums, scalar multiples) is fused into one scalar
formula of its operands, :math:`\log(1 + e^{-t \odot Xw}) = f(t, Xw)`, rewritten by the proved
scalar rules (:func:`derive.codegen.user_module.stabilise`, here :math:`\operatorname{softplus}(-t
\odot Xw)`) and printed as one broadcast NumPy expression. Every node is computed once per
kernel (``Xw`` is shared by all the formulas that use it).
"""

from __future__ import annotations

import textwrap

import sympy as sp

from derive.codegen.matrix_rules import MSoftmaxComplement, softmax_minus_operands
from derive.codegen.rewriting import PRINT_RULES
from derive.codegen import user_module
from derive.codegen.user_printer import STABLE_FUNCTIONS, UserPrinter
from derive.differentiate import matrix_forms as mf

#: Helpers written into every matrix module (NumPy only); ``axis`` 0 for a column vector, 1 for
#: the rows of a matrix.
MATRIX_HELPERS = STABLE_FUNCTIONS + '''

def _shifted(a, axis):
    """(m, d, e, s) along ``axis``: m = max(a), d = a - m (<= 0, exactly 0 at every maximum),
    e = e^d, and s = sum(e) - 1 summed without cancellation (the e below the maximum plus the
    number of further maxima), so that sum(e) = 1 + s."""
    b = a if axis == 1 else a.T  # reduce over the columns of b
    if b.shape[1] <= 16:  # a few columns: elementwise maxima (a reduction over a short axis is slow)
        m = b[:, :1].copy()
        for k in range(1, b.shape[1]):
            numpy.maximum(m, b[:, k:k + 1], out=m)
    else:
        m = numpy.max(b, axis=1, keepdims=True)
    d = b - m
    e = numpy.exp(d)
    top = d == 0.0
    ones = numpy.ones((b.shape[1], 1))  # row sums as matrix products (BLAS)
    s = numpy.where(top, 0.0, e) @ ones
    if numpy.count_nonzero(top) > b.shape[0]:  # ties: a row with several maxima
        s += top @ ones - 1.0
    return (m, d, e, s) if axis == 1 else (m.T, d.T, e.T, s.T)


def _lse(sh):
    """log sum e^a = m + log1p(s) (``sh`` = _shifted(a, axis)), kept as an axis of length 1."""
    m, d, e, s = sh
    return m + numpy.log1p(s)


def _softmax(sh):
    """e^(a - m) / (1 + s)."""
    m, d, e, s = sh
    return e / (1.0 + s)


def _softmax_complement(sh):
    """1 - softmax(a), as the other entries' sum over the total: s at a maximum, 1 + (s - e)
    elsewhere (no cancellation where softmax is close to 1)."""
    m, d, e, s = sh
    return numpy.where(d == 0.0, s, 1.0 + (s - e)) / (1.0 + s)


def _softmax_minus(sh, t):
    """softmax(a) (1 - t) - t (1 - softmax(a)), which is softmax(a) - t: computed as p - t below
    the maximum (p < 1/2 there: no cancellation), and as ((1 - t) - t s) / (1 + s) at every
    maximum (1 - p = s / (1 + s)), so that a confident right prediction keeps its digits."""
    m, d, e, s = sh
    out = e / (1.0 + s)
    out -= t
    top = d == 0.0
    s_top = numpy.broadcast_to(s, d.shape)[top]
    t_top = numpy.broadcast_to(t, d.shape)[top]
    out[top] = ((1.0 - t_top) - t_top * s_top) / (1.0 + s_top)
    return out


def _log_softmax(sh):
    """(a - m) - log1p(s): no log 0, no cancellation at the largest entry."""
    m, d, e, s = sh
    return d - numpy.log1p(s)
'''


def _axis(node: sp.Basic) -> int:
    """The axis a softmax-like node reduces: the entries of a column vector, or each row."""
    return 0 if mf.shape(node)[1] == 1 else 1


_ELEMENTWISE = (mf.MMap, mf.MAdd, mf.MHad, mf.MScale)
_SCALAR_NODES = tuple(mf.SCALAR_NODES)


class MatrixKernel:
    """The statements of one kernel: :meth:`array` and :meth:`scalar` return the Python text of
    a node's value, emitting the assignments it needs once (``self.lines``)."""

    def __init__(self, names: dict, dims: dict):
        #: symbol (a leaf's IndexedBase label or a scalar variable) -> Python name
        self.names = dict(names)
        #: dimension symbol -> (Python name of an argument, axis) it is read from
        self.dims = dims
        self.lines: list[str] = []
        self.cache: dict = {}
        self.used_dims: set = set()
        self.rules_used: set[str] = set()
        self._count = 0

    def _fresh(self, prefix: str = "_m") -> str:
        self._count += 1
        return f"{prefix}{self._count}"

    def _assign(self, node: sp.Basic, text: str, prefix: str = "_m") -> str:
        name = self._fresh(prefix)
        self.lines.append(f"{name} = {text}")
        self.cache[node] = name
        return name

    def _printer(self) -> UserPrinter:
        names = dict(self.names)
        for d in self.dims:
            names[d] = f"_dim_{d.name}"
        return UserPrinter(names)

    def dim(self, d: sp.Basic) -> str:
        """A dimension as Python text (``_dim_N``, read from an argument's shape)."""
        if d.is_Integer:
            return str(int(d))
        self.used_dims.add(d)
        return f"_dim_{d.name}"

    # --- arrays ------------------------------------------------------------------------------

    def array(self, node: sp.Basic) -> str:
        """The name of a 2-D array holding the value of the matrix-valued ``node``."""
        if node in self.cache:
            return self.cache[node]
        if isinstance(node, mf.MV):
            return self.names[node.args[0].label]
        if isinstance(node, _ELEMENTWISE):
            return self._elementwise(node)
        if isinstance(node, mf.MOnes):
            return self._assign(node, f"numpy.ones(({self.dim(node.args[0])}, 1))")
        if isinstance(node, mf.MT):
            return self._assign(node, f"{self.array(node.args[0])}.T")
        if isinstance(node, mf.MMul):
            return self._assign(node, f"{self.array(node.args[0])} @ {self.array(node.args[1])}")
        helper = {mf.MSoftmax: "_softmax", mf.MLogSoftmax: "_log_softmax", mf.MRowLogSumExp: "_lse",
                  MSoftmaxComplement: "_softmax_complement"}.get(type(node))
        if helper is not None:
            a = node.args[0]
            axis = 1 if isinstance(node, mf.MRowLogSumExp) else _axis(a)
            return self._assign(node, f"{helper}({self._shifted(a, axis)})")
        raise NotImplementedError(f"no NumPy form for the matrix node {type(node).__name__}")

    def _shifted(self, a: sp.Basic, axis: int) -> str:
        """The name of ``_shifted(a, axis)``, computed once per operand and axis."""
        key = ("shifted", a, axis)
        if key not in self.cache:
            array = self.array(a)
            name = self._fresh("_sh")
            self.lines.append(f"{name} = _shifted({array}, {axis})")
            self.cache[key] = name
        return self.cache[key]

    def _elementwise(self, node: sp.Basic) -> str:
        """An elementwise region fused into one scalar formula, stabilised, printed broadcast
        (the proved form of softmax(A) - T by its helper, in one pass)."""
        softmax_minus = softmax_minus_operands(node)
        if softmax_minus is not None:
            a, t = softmax_minus
            shifted = self._shifted(a, _axis(a))
            return self._assign(node, f"_softmax_minus({shifted}, {self.array(t)})")

        operands: dict = {}
        return self._assign(node, self._print(self._fuse(node, operands), operands))

    def _print(self, body: sp.Basic, operands: dict) -> str:
        """A scalar formula rewritten by the proved scalar rules (then the print rules) and
        printed, operands and dimensions under their names."""
        body = user_module.stabilise(body, self.rules_used)
        for rule in PRINT_RULES:
            body = rule(body)
        self.used_dims |= body.free_symbols & set(self.dims)
        printer = self._printer()
        printer.names.update(operands)
        return self._with_cse(body, printer)

    def _with_cse(self, expr: sp.Basic, printer: UserPrinter) -> str:
        """``expr`` printed, its common subexpressions assigned to temporaries first."""
        subs, (reduced,) = sp.cse([expr], symbols=sp.numbered_symbols("_c"), optimizations=None, order="none")
        for sym, sub in subs:
            name = self._fresh("_c")
            printer.names[sym] = name
            self.lines.append(f"{name} = {printer.doprint(sub)}")
        return printer.doprint(reduced)

    def _fuse(self, node: sp.Basic, operands: dict) -> sp.Basic:
        """The elementwise region at ``node`` as a scalar formula; each operand that is not
        elementwise (a product, a declared matrix, a softmax) becomes a symbol named after the
        array that holds it (recorded in ``operands``)."""
        if isinstance(node, mf.MMap):
            fn, a = node.args
            return fn.expr.xreplace({fn.variables[0]: self._fuse(a, operands)})
        if isinstance(node, mf.MAdd):
            return sp.Add(*[self._fuse(a, operands) if mf.is_matrix(a) else self._scalar_symbol(a, operands)
                            for a in node.args])
        if isinstance(node, mf.MHad):
            return self._fuse(node.args[0], operands) * self._fuse(node.args[1], operands)
        if isinstance(node, mf.MScale):
            return self._scalar_symbol(node.args[0], operands) * self._fuse(node.args[1], operands)
        return self._operand(self.array(node), operands)

    def _operand(self, name: str, operands: dict) -> sp.Symbol:
        """A real symbol standing for the array or float ``name`` in a scalar formula (one per
        name in a formula; unique in the kernel, so that formulas nested in one another's
        operands never share a symbol)."""
        for s, n in operands.items():
            if n == name:
                return s
        self._count += 1
        symbol = sp.Symbol(f"_op{self._count}", real=True)
        operands[symbol] = name
        return symbol

    def _scalar_symbol(self, expr: sp.Basic, operands: dict) -> sp.Basic:
        """A scalar inside an elementwise formula: its outermost matrix nodes (norms, sums) as
        symbols (a node inside another is computed with the outer one, not replaced here)."""
        if isinstance(expr, _SCALAR_NODES):
            return self._operand(self.scalar_node(expr), operands)
        if not expr.args or not expr.has(*_SCALAR_NODES):
            return expr
        return expr.func(*[self._scalar_symbol(a, operands) for a in expr.args])

    # --- scalars -----------------------------------------------------------------------------

    def scalar_node(self, node: sp.Basic) -> str:
        """The name of a float holding the scalar-valued matrix node (sum, norm, x^T A x, ...)."""
        if node in self.cache:
            return self.cache[node]
        a = node.args[0]
        if isinstance(node, mf.MSum):
            return self._assign(node, f"numpy.sum({self.array(a)})", "_s")
        if isinstance(node, mf.MNorm):
            return self._assign(node, f"numpy.linalg.norm({self.array(a)})", "_s")
        if isinstance(node, mf.M11):
            return self._assign(node, f"({self.array(a)})[0, 0]", "_s")
        if isinstance(node, mf.MLogSumExp):
            return self._assign(node, f"_lse({self._shifted(a, 0)})[0, 0]", "_s")
        raise NotImplementedError(f"no NumPy form for the scalar node {type(node).__name__}")

    def scalar(self, expr: sp.Basic) -> str:
        """A scalar expression (its matrix nodes computed first), stabilised, as Python text."""
        operands: dict = {}
        return self._print(self._scalar_symbol(expr, operands), operands)

    def output(self, expr: sp.Basic) -> str:
        """An output of the kernel: an array name for a matrix-valued one, else a float."""
        if mf.is_matrix(expr):
            return self.array(expr)
        return f"float({self.scalar(expr)})"


def print_matrix_kernel(name: str, outputs, arguments: list[str], names: dict, dims: dict) -> tuple[str, set]:
    """``def name(arguments): ...; return (output, ...)`` and the names of the scalar rules used.

    ``names``: leaf label or scalar symbol -> Python name; ``dims``: dimension symbol ->
    (Python name of an argument, axis) to read its size from."""
    kernel = MatrixKernel(names, dims)
    results = [kernel.output(o) for o in outputs]
    head = [f"_dim_{d.name} = {dims[d][0]}.shape[{dims[d][1]}]" for d in sorted(kernel.used_dims, key=str)]
    body = head + kernel.lines + ["return (" + ", ".join(results) + ",)"]
    return (f"def {name}({', '.join(arguments)}):\n" + textwrap.indent("\n".join(body), "    ") + "\n",
            kernel.rules_used)


__all__ = ["MATRIX_HELPERS", "MatrixKernel", "print_matrix_kernel"]
