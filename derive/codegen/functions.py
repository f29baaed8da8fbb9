r"""SymPy functions that exist only to be printed as NumPy code.

:class:`Where` is ``numpy.where`` (a branch-free select), :class:`softplus` is
:math:`\log(1 + e^{u})` kept as notation until a rewrite rule picks its stable form. Both
rewrite to plain SymPy (``Piecewise`` / ``log``) so that the proof engine can check every
rewrite rule numerically.
"""

from __future__ import annotations

import sympy as sp
from sympy.core.logic import fuzzy_and
from sympy.codegen.cfunctions import expm1, log1p  # noqa: F401  (re-exported for the rules)


class Where(sp.Function):
    r"""``Where(cond, a, b)``: ``a`` where ``cond`` holds, else ``b`` (``numpy.where``)."""

    nargs = 3

    def _eval_rewrite_as_Piecewise(self, cond, a, b, **kwargs):
        return sp.Piecewise((a, cond), (b, True))

    def _numpycode(self, printer):
        cond, a, b = (printer._print(arg) for arg in self.args)
        return f"numpy.where({cond}, {a}, {b})"


class SigmaProduct(sp.Function):
    r"""``SigmaProduct(a, c)`` :math:`= c\,e^{-a}/(1 + e^{-a})^2 = c\,\sigma(a)\sigma(-a)` for
    :math:`a \ge 0`, printed as the runtime's compensated ``_sigma_product``."""

    nargs = 2

    def _numpycode(self, printer):
        a, c = self.args
        return f"_sigma_product({printer._print(a)}, {float(c)!r})"


class SigmaProductOfExp(sp.Function):
    r"""``SigmaProductOfExp(E, a, c[, H])`` :math:`= c\,E/(1 + E)^2` with :math:`E = e^{-a}`
    (and :math:`H = e^{-a/2}` when :math:`c \ne 1`) given, :math:`a \ge 0`: :class:`SigmaProduct`
    with its exponentials computed beforehand (the fused backend takes exponentials from NumPy's
    vectorised ``exp``); printed as the fused runtime's ``_sigma_product_of_exp`` (or
    ``_scaled_sigma_product_of_exp``, which squares :math:`\sqrt c H` where :math:`cE` is
    subnormal)."""

    nargs = (3, 4)


class DivOnePlus(sp.Function):
    r"""``DivOnePlus(n, e)`` :math:`= n / (1 + e)` for :math:`0 \le e \le 1`, printed as the
    runtime's ``_div_one_plus``, which keeps :math:`1 + e` exactly (one rounding fewer)."""

    nargs = 2

    def _numpycode(self, printer):
        n, e = self.args
        return f"_div_one_plus({printer._print(n)}, {printer._print(e)})"


class softplus(sp.Function):
    r""":math:`\operatorname{softplus}(u) = \log(1 + e^{u})`."""

    nargs = 1

    def _eval_rewrite_as_log(self, u, **kwargs):
        return sp.log(1 + sp.exp(u))


class LogSumExp(sp.Function):
    r"""``LogSumExp(a_1, ..., a_n)`` :math:`= \log \sum_i e^{a_i}`, printed max-shifted
    (``numpy.logaddexp``), so that no :math:`e^{a_i}` overflows and the largest term is exact."""

    def _eval_is_extended_real(self):
        return fuzzy_and(a.is_extended_real for a in self.args)

    def _eval_rewrite_as_log(self, *args, **kwargs):
        return sp.log(sp.Add(*[sp.exp(a) for a in args]))


class IfPositive(sp.Function):
    r"""``IfPositive(c, a, b)``: ``a`` where ``c > 0``, else ``b`` (``numpy.where``); kept
    unevaluated even where SymPy knows ``c > 0`` (a guard against underflow of ``c`` in floating
    point, which exact arithmetic never sees)."""

    nargs = 3

    def _numpycode(self, printer):
        c, a, b = (printer._print(arg) for arg in self.args)
        return f"numpy.where(numpy.greater({c}, 0.0), {a}, {b})"


class Div(sp.Function):
    r"""``Div(a, b)`` :math:`= a / b`, printed as a division (SymPy would turn
    :math:`\log(1 + e^w)/e^w` into :math:`e^{-w}\log(1 + e^w)`, which overflows)."""

    nargs = 2

    def _numpycode(self, printer):
        a, b = (printer._print(arg) for arg in self.args)
        return f"(({a}) / ({b}))"


class ExpOf(sp.Function):
    r"""``ExpOf(a)`` :math:`= e^{a}`, printed as ``numpy.exp`` of ``a`` as written (SymPy would
    turn :math:`e^{v + 2\log|p|}` back into :math:`p^2 e^{v}`, which overflows times 0)."""

    nargs = 1

    def _numpycode(self, printer):
        return f"numpy.exp({printer._print(self.args[0])})"


def to_plain(expr: sp.Basic) -> sp.Basic:
    """Replace the printing-only functions by plain SymPy (for proofs and mpmath evaluation)."""
    expr = expr.replace(lambda e: isinstance(e, Where), lambda e: e.rewrite(sp.Piecewise))
    expr = expr.replace(lambda e: isinstance(e, softplus), lambda e: sp.log(1 + sp.exp(e.args[0])))
    expr = expr.replace(lambda e: isinstance(e, DivOnePlus), lambda e: e.args[0] / (1 + e.args[1]))
    expr = expr.replace(lambda e: isinstance(e, SigmaProductOfExp),
                        lambda e: e.args[2] * e.args[0] / (1 + e.args[0]) ** 2)
    expr = expr.replace(lambda e: isinstance(e, SigmaProduct),
                        lambda e: e.args[1] * sp.exp(-e.args[0]) / (1 + sp.exp(-e.args[0])) ** 2)
    expr = expr.replace(lambda e: isinstance(e, IfPositive), lambda e: sp.Piecewise((e.args[1], e.args[0] > 0), (e.args[2], True)))
    expr = expr.replace(lambda e: isinstance(e, Div), lambda e: e.args[0] / e.args[1])
    expr = expr.replace(lambda e: isinstance(e, ExpOf), lambda e: sp.exp(e.args[0]))
    expr = expr.replace(lambda e: isinstance(e, LogSumExp), lambda e: sp.log(sp.Add(*[sp.exp(a) for a in e.args])))
    expr = expr.replace(lambda e: isinstance(e, expm1), lambda e: sp.exp(e.args[0]) - 1)
    return expr.replace(lambda e: isinstance(e, log1p), lambda e: sp.log(1 + e.args[0]))
