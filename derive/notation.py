r"""The shared notation of the lecture notes, as SymPy objects, and the definitions that expand it.

Rows are examples; for one example: logits :math:`\bar y = z \in \mathbb{R}^K`, outputs
:math:`y = \operatorname{softmax}(z)`, targets :math:`t` (one-hot :math:`\mathbf 1_t`),
classes indexed :math:`i, j, k \in \{1, \dots, K\}`.
"""

from __future__ import annotations

import sympy as sp

from derive.context import define_function, define_indexed

x = sp.Symbol("x", real=True)
u = sp.Symbol("u", real=True)
c = sp.Symbol("c", real=True)

i, j, k = sp.symbols("i j k", integer=True, positive=True)
K = sp.Symbol("K", integer=True, positive=True)

z = sp.IndexedBase("z", real=True)
y = sp.IndexedBase("y", positive=True)
t = sp.IndexedBase("t", nonnegative=True)


class sigma(sp.Function):
    r"""The logistic sigmoid :math:`\sigma(x) = 1 / (1 + e^{-x})`, kept unevaluated as notation.

    Deliberately has no derivative rule: proofs expand it to exponentials
    (:data:`SIGMA_DEFINITION`), so SymPy never "knows" the result being derived.
    """

    def _latex(self, printer, exp=None):
        tex = r"\sigma\left(%s\right)" % printer._print(self.args[0])
        return tex if exp is None else r"%s^{%s}" % (tex, exp)

    def _derive_text(self, printer):
        return "σ(%s)" % printer._print(self.args[0])


class logit(sp.Function):
    r"""The logit :math:`\log(p / (1 - p))`, kept unevaluated as notation."""

    def _latex(self, printer, exp=None):
        tex = r"\operatorname{logit}\left(%s\right)" % printer._print(self.args[0])
        return tex if exp is None else r"%s^{%s}" % (tex, exp)


def sigmoid_body(arg):
    return 1 / (1 + sp.exp(-arg))


def softmax_sum(arg_index=k, logits=z, size=K):
    r""":math:`\sum_{k=1}^K e^{z_k}`."""
    return sp.Sum(sp.exp(logits[arg_index]), (arg_index, 1, size))


SIGMA_DEFINITION = define_function(sigma, sigmoid_body)
LOGIT_DEFINITION = define_function(logit, lambda p: sp.log(p / (1 - p)))
#: y_i = e^{z_i} / sum_k e^{z_k}
SOFTMAX_DEFINITION = define_indexed(y, lambda idx: sp.exp(z[idx]) / softmax_sum())


def shown(*factors) -> sp.Basic:
    """A product kept as written (``a/b · c/d`` is not merged into one fraction) for display.

    Proofs see through it: ``doit()`` removes the :class:`sympy.UnevaluatedExpr` wrappers.
    """
    return sp.Mul(*[sp.UnevaluatedExpr(f) for f in factors])


class frac(sp.Function):
    r"""A fraction kept as written, :math:`\frac{a}{b}`, for display (``doit()`` gives ``a / b``)."""

    nargs = 2

    def doit(self, **hints):
        num, den = (a.doit(**hints) if hints.get("deep", True) else a for a in self.args)
        return num / den

    def _latex(self, printer, exp=None):
        tex = r"\frac{%s}{%s}" % (printer._print(self.args[0]), printer._print(self.args[1]))
        return tex if exp is None else r"\left(%s\right)^{%s}" % (tex, exp)

    def _derive_text(self, printer):
        return "(%s)/(%s)" % (printer._print(self.args[0]), printer._print(self.args[1]))
