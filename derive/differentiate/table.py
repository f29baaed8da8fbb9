r"""The derivative table: one line per function of the vocabulary (in the style of HIPS autograd's
``numpy_vjps.py``), each with the proved result it rests on where the project has one.

An entry maps a function :math:`f` to :math:`f'(u)` as a function of its argument; the chain
rule multiplies by the argument's derivative (:mod:`derive.differentiate.rules`). An entry is a
claim, not a trusted fact: every step that uses it is proved by the engine, so a wrong entry
makes ``derive grad`` refuse the derivation (a test plants one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp

from derive.differentiate.display import lecture_order
from derive.differentiate.functions import logit, relu, sigma, softplus, step
from derive.printing import to_latex


@dataclass(frozen=True)
class Entry:
    #: The function's name in words, as in "derivative of the sigmoid".
    name: str
    #: How :math:`f'` is written on the left of the entry, e.g. ``\sigma'(u)``.
    prime: str
    #: :math:`f'(u)`.
    derivative: Callable[[sp.Basic], sp.Basic]
    #: The id of the proved result the entry rests on (``derive list``), if any.
    cites: str | None = None

    def formula(self) -> str:
        """The entry as LaTeX, ``f'(u) = ...``."""
        return f"{self.prime} = {to_latex(lecture_order(self.derivative(_U)))}"

    def rule(self, chain: bool) -> str:
        """The step's rule in the lecture's words (with the chain rule when the argument is not the
        variable itself) and the result it cites."""
        words = f"{'chain rule and the ' if chain else ''}derivative of the {self.name}, ${self.formula()}$"
        return words + (f" ({self.cites})" if self.cites else "")


_U = sp.Symbol("u", real=True)

# function        name in words                     f'(u) as written           f'(u)                                          rests on
DERIVATIVES: dict[type, Entry] = {
    sp.exp:   Entry("exponential",                  r"\exp'(u)",              lambda u: sp.exp(u)),
    sp.log:   Entry("logarithm",                    r"\log'(u)",              lambda u: 1 / u),
    sp.sin:   Entry("sine",                         r"\sin'(u)",              lambda u: sp.cos(u)),
    sp.cos:   Entry("cosine",                       r"\cos'(u)",              lambda u: -sp.sin(u)),
    sp.tan:   Entry("tangent",                      r"\tan'(u)",              lambda u: 1 + sp.tan(u) ** 2),
    sp.atan:  Entry("arctangent",                   r"\arctan'(u)",           lambda u: 1 / (1 + u**2)),
    sp.sinh:  Entry("hyperbolic sine",              r"\sinh'(u)",             lambda u: sp.cosh(u)),
    sp.cosh:  Entry("hyperbolic cosine",            r"\cosh'(u)",             lambda u: sp.sinh(u)),
    sp.tanh:  Entry("hyperbolic tangent",           r"\tanh'(u)",             lambda u: 1 - sp.tanh(u) ** 2,         "sigmoid.tanh_derivative"),
    sp.Abs:   Entry("absolute value",               r"\lvert u\rvert'",       lambda u: sp.sign(u)),
    sigma:    Entry("sigmoid",                      r"\sigma'(u)",            lambda u: sigma(u) * (1 - sigma(u)),   "sigmoid.derivative"),
    softplus: Entry("softplus",                     r"\operatorname{softplus}'(u)", lambda u: sigma(u)),
    relu:     Entry("ReLU",                         r"\operatorname{ReLU}'(u)", lambda u: step(u)),
    logit:    Entry("logit",                        r"\operatorname{logit}'(u)", lambda u: 1 / (u * (1 - u))),
}


def entry_for(func) -> Entry | None:
    return DERIVATIVES.get(func)
