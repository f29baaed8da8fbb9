"""Printing SymPy expressions as NumPy code (SymPy's ``NumPyPrinter``, a few overrides) and as
scalar Python code for the fused numba kernels (``PythonCodePrinter``)."""

from __future__ import annotations

import sympy as sp
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.pycode import PythonCodePrinter


class KernelPrinter(NumPyPrinter):
    """``NumPyPrinter`` that keeps the order of unevaluated sums (the rewrite rules rely on it
    to add the small term last) and prints two-argument ``Max``/``Min`` as ``numpy.maximum``."""

    def __init__(self, settings=None):
        super().__init__({"order": "none", "fully_qualified_modules": True, **(settings or {})})

    def _print_Max(self, expr):
        return self._fold("numpy.maximum", expr.args)

    def _print_Min(self, expr):
        return self._fold("numpy.minimum", expr.args)

    def _fold(self, name, args):
        # Constants last and as floats: numpy.maximum(x, 0.0) takes NumPy's fast array-scalar
        # loop (numpy.maximum(0, x) is about 1.5x slower); the same values, except that the
        # maximum of -0.0 and 0.0 is now +0.0.
        def arg(a):
            return repr(float(a)) if a.is_Integer else self._print(a)

        args = sorted(args, key=lambda a: a.is_number)  # stable: the order of the others is kept
        text = arg(args[0])
        for a in args[1:]:
            text = f"{name}({text}, {arg(a)})"
        return text

    def _print_MatMul(self, expr):
        # G^T 1 (a product with a column of ones) is a column sum, not a matrix product.
        *head, last = expr.args
        if isinstance(last, sp.OneMatrix) and last.shape[1] == 1:
            return f"({self._print(sp.MatMul(*head))}).sum(axis=1)"
        return super()._print_MatMul(expr)

    def _print_Heaviside(self, expr):
        # H(u, 1) as the boolean u >= 0 (NumPy casts it to 0.0/1.0 inside arithmetic).
        u, *h0 = expr.args
        op = "numpy.greater_equal" if h0 and h0[0] == 1 else "numpy.greater"
        if h0 and h0[0] not in (0, 1):
            return super()._print_Heaviside(expr)
        return f"{op}({self._print(u)}, 0.0)"

    def _print_Abs(self, expr):
        return f"numpy.abs({self._print(expr.args[0])})"

    def _print_Float(self, expr):
        return repr(float(expr))


def print_assignments(expr: sp.Basic, printer: KernelPrinter | None = None, prefix: str = "_c"):
    """Common-subexpression elimination, then printing: ``(lines, final_expression_text)``."""
    printer = printer or KernelPrinter()
    names = sp.numbered_symbols(prefix)
    replacements, (reduced,) = sp.cse([expr], symbols=names, optimizations=None, order="none")
    lines = [f"{printer.doprint(sym)} = {printer.doprint(sub)}" for sym, sub in replacements]
    return lines, printer.doprint(reduced)


class ScalarPrinter(PythonCodePrinter):
    """Prints a kernel formula for *one* value (Python ``math``), the body of a fused numba ufunc.

    The same SymPy expressions as :class:`KernelPrinter`, with scalar forms of its pieces:
    ``max``/``min`` (constants last, as floats: a NaN in the first argument propagates, as with
    ``numpy.maximum``), conditional expressions for ``Heaviside`` and ``Where``, and the scalar
    runtime helpers of :mod:`derive.codegen.fused_runtime` for ``DivOnePlus``/``SigmaProductOfExp``.
    """

    def __init__(self, settings=None):
        super().__init__({"order": "none", "fully_qualified_modules": True, **(settings or {})})

    def _print_Max(self, expr):
        return self._fold("max", expr.args)

    def _print_Min(self, expr):
        return self._fold("min", expr.args)

    def _fold(self, name, args):
        def arg(a):
            return repr(float(a)) if a.is_number else self._print(a)

        args = sorted(args, key=lambda a: a.is_number)
        text = arg(args[0])
        for a in args[1:]:
            text = f"{name}({text}, {arg(a)})"
        return text

    def _print_Heaviside(self, expr):
        u, *h0 = expr.args
        if h0 and h0[0] not in (0, 1):
            raise NotImplementedError(f"Heaviside with H(0) = {h0[0]} has no scalar form")
        op = ">=" if h0 and h0[0] == 1 else ">"
        return f"(1.0 if {self._print(u)} {op} 0.0 else 0.0)"

    def _print_Where(self, expr):
        cond, a, b = (self._print(arg) for arg in expr.args)
        return f"({a} if {cond} else {b})"

    def _print_SigmaProductOfExp(self, expr):
        e, a, c, *h = expr.args
        if h:
            return f"_scaled_sigma_product_of_exp({self._print(e)}, {self._print(h[0])}, {self._print(a)}, {float(c)!r})"
        return f"_sigma_product_of_exp({self._print(e)}, {self._print(a)}, {float(c)!r})"

    def _print_DivOnePlus(self, expr):
        n, e = expr.args
        return f"_div_one_plus({self._print(n)}, {self._print(e)})"

    def _print_Abs(self, expr):
        return f"abs({self._print(expr.args[0])})"

    def _print_Float(self, expr):
        return repr(float(expr))

    def _print_Rational(self, expr):
        return repr(float(expr))

    def _print_Half(self, expr):
        return "0.5"
