r"""Expressions shown in the lecture's order: :math:`\sigma(x)(1 - \sigma(x))`, not SymPy's
:math:`(1 - \sigma(x))\sigma(x)`; :math:`1 + x`, not :math:`x + 1`.

SymPy sorts the factors of a product and the terms of a sum canonically when it prints them.
:func:`lecture_order` wraps products and sums in :class:`Product` and :class:`Total`, which keep
their arguments in the order given and print them so; ``doit()`` turns them back into plain
``Mul``/``Add`` (the proof engine calls it before any comparison, so a step shown in this order
is proved like any other).

Order of the factors of a product: the numeric coefficient, variables, function applications
(:math:`\sigma(x)` before :math:`\log \sigma(x)`: the shorter first), their powers,
parenthesised sums, then derivatives still to be taken (the chain rule's factor last). Order of the terms of a sum: a positive number, the other positive terms,
then the negative ones (:math:`t - m`, not :math:`-m + t`); SymPy's order within each group.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.precedence import PRECEDENCE


def _deep(args, hints):
    return [a.doit(**hints) if hints.get("deep", True) and isinstance(a, sp.Basic) else a for a in args]


class Product(sp.Function):
    """A product of its arguments, printed in their order (parenthesising sums)."""

    precedence = PRECEDENCE["Mul"] + 1  # read by SymPy's printers: no parentheses as a factor

    def doit(self, **hints):
        return sp.Mul(*_deep(self.args, hints))

    def _eval_evalf(self, prec):
        return self.doit()._eval_evalf(prec)

    def _parts(self, printer, sep):
        return sep.join(printer.parenthesize(a, PRECEDENCE["Mul"], strict=False) for a in self.args)

    def _latex(self, printer, exp=None):
        tex = self._parts(printer, " ")
        return tex if exp is None else r"\left(%s\right)^{%s}" % (tex, exp)

    def _derive_text(self, printer):
        return self._parts(printer, "*")


class Total(sp.Function):
    """A sum of its arguments, printed in their order."""

    precedence = PRECEDENCE["Add"]

    def doit(self, **hints):
        return sp.Add(*_deep(self.args, hints))

    def _eval_evalf(self, prec):
        return self.doit()._eval_evalf(prec)

    def _terms(self, printer):
        out = printer._print(self.args[0])
        for term in self.args[1:]:
            if term.could_extract_minus_sign():
                out += " - " + printer._print(-term)
            else:
                out += " + " + printer._print(term)
        return out

    def _latex(self, printer, exp=None):
        tex = self._terms(printer)
        return tex if exp is None else r"\left(%s\right)^{%s}" % (tex, exp)

    def _derive_text(self, printer):
        return self._terms(printer)


def _negatives(expr: sp.Add) -> int:
    return sum(1 for t in expr.args if t.could_extract_minus_sign())


def _tier(factor: sp.Basic) -> int:
    if isinstance(factor, (sp.Symbol, sp.Indexed)):
        return 0
    if isinstance(factor, sp.Derivative):
        return 4
    if isinstance(factor, sp.Add):
        return 3
    if isinstance(factor, sp.Pow):
        return 3 if isinstance(factor.base, sp.Add) else 2
    return 1


def lecture_order(expr: sp.Basic, top: bool = True) -> sp.Basic:
    """``expr`` with its products and sums, and the sums raised to a power, in lecture order
    (arguments of functions and derivatives are left as SymPy has them). ``top``: ``expr`` is the
    whole expression, not a term of a sum (only then is a minus sign taken into a factor)."""
    if isinstance(expr, sp.Derivative):
        return sp.Derivative(lecture_order(expr.expr), *expr.variables)
    if isinstance(expr, sp.Sum):
        return sp.Sum(lecture_order(expr.function), *expr.limits)
    if isinstance(expr, sp.Pow) and isinstance(expr.base, sp.Add):
        return sp.Pow(lecture_order(expr.base), expr.exp, evaluate=False)
    if isinstance(expr, sp.Add):
        terms = list(expr.as_ordered_terms())
        numbers = [t for t in terms if t.is_Number and t > 0]
        negative = [t for t in terms if t.could_extract_minus_sign()]
        positive = [t for t in terms if t not in numbers and t not in negative]
        return Total(*[lecture_order(t, top=False) for t in numbers + positive + negative])
    if isinstance(expr, sp.Mul):
        coeff, factors = expr.as_coeff_mul()
        if any(f.is_Pow and f.exp.is_number and f.exp.is_negative for f in factors):
            return expr  # a quotient: SymPy's fraction is the lecture's form
        sums = [f for f in factors if isinstance(f, sp.Add)]
        if top and coeff == -1 and len(sums) == 1 and _negatives(-sums[0]) <= _negatives(sums[0]):
            # -(t - m) e^{-2r} -> (m - t) e^{-2r}
            coeff, factors = -coeff, tuple(-f if f is sums[0] else f for f in factors)
        factors = sorted(factors, key=lambda f: (_tier(f), sp.count_ops(f), sp.default_sort_key(f)))
        shown = [lecture_order(f) if isinstance(f, (sp.Add, sp.Derivative, sp.Sum))
                 or (f.is_Pow and isinstance(f.base, sp.Add)) else f for f in factors]
        if len(shown) == 1 and not isinstance(shown[0], Total):
            return expr if shown[0] == factors[0] else coeff * shown[0]
        return coeff * Product(*shown) if coeff != 1 else Product(*shown)
    return expr
