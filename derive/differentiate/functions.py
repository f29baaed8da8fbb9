r"""The functions of ``derive grad``'s vocabulary that SymPy does not have, and how proofs expand them.

:math:`\sigma` is the lecture's sigmoid (:mod:`derive.notation`), ``softplus`` the code
generator's :math:`\log(1 + e^{u})` (:mod:`derive.codegen.functions`), ``relu`` the ReLU of the
universal-approximation topic; :class:`step` is the unit step :math:`H(u)`, the derivative of
the ReLU. All stay unevaluated as notation; :data:`DEFINITIONS` expand them into primitives for
the proof engine, so a proof never relies on SymPy "knowing" one of them.
"""

from __future__ import annotations

import sympy as sp

from derive.codegen.functions import softplus
from derive.context import define_function
from derive.notation import LOGIT_DEFINITION, SIGMA_DEFINITION, logit, sigma
from derive.topics.relu_approximation import RELU_DEFINITION, relu


class step(sp.Function):
    r"""The unit step :math:`H(u)`: 1 for :math:`u > 0`, 0 for :math:`u < 0` (:math:`\tfrac12` at 0,
    as SymPy's Heaviside), printed :math:`H(u)`; NumPy: ``numpy.heaviside(u, 0.5)``."""

    nargs = 1

    @classmethod
    def eval(cls, u):
        if u.is_extended_positive:
            return sp.S.One
        if u.is_extended_negative:
            return sp.S.Zero
        if u.is_zero:
            return sp.S.Half
        return None

    def _eval_rewrite_as_Heaviside(self, u, **kwargs):
        return sp.Heaviside(u)

    def _eval_evalf(self, prec):
        return sp.Heaviside(self.args[0])._eval_evalf(prec)

    def _latex(self, printer, exp=None):
        tex = r"H\left(%s\right)" % printer._print(self.args[0])
        return tex if exp is None else r"%s^{%s}" % (tex, exp)

    def _derive_text(self, printer):
        return "H(%s)" % printer._print(self.args[0])

    def _numpycode(self, printer):
        return "numpy.heaviside(%s, 0.5)" % printer._print(self.args[0])


SOFTPLUS_DEFINITION = define_function(softplus, lambda u: sp.log(1 + sp.exp(u)))
STEP_DEFINITION = define_function(step, sp.Heaviside)

#: Notation -> primitives, for the proof context of every derivation of ``derive grad``.
DEFINITIONS = (SIGMA_DEFINITION, SOFTPLUS_DEFINITION, RELU_DEFINITION, STEP_DEFINITION, LOGIT_DEFINITION)

#: What each function means, for the assumptions of a derivation that uses it: (LaTeX, text).
MEANINGS = {
    sigma: (r"\sigma(u) = \frac{1}{1 + e^{-u}}", "σ(u) = 1/(1 + exp(-u))"),
    softplus: (r"\operatorname{softplus}(u) = \log\left(1 + e^{u}\right)", "softplus(u) = log(1 + exp(u))"),
    relu: (r"\operatorname{ReLU}(u) = \max(0, u)", "ReLU(u) = max(0, u)"),
    step: (r"H(u) = 1 \text{ for } u > 0,\ 0 \text{ for } u < 0", "H(u) = 1 for u > 0, 0 for u < 0"),
    logit: (r"\operatorname{logit}(p) = \log\frac{p}{1 - p}", "logit(p) = log(p/(1 - p))"),
}

__all__ = ["DEFINITIONS", "MEANINGS", "logit", "relu", "sigma", "softplus", "step"]


def for_codegen(expr: sp.Basic) -> sp.Basic:
    r"""``expr`` as the code generator takes it (:mod:`derive.codegen.user_module`): display
    wrappers removed (``doit``), :math:`\sigma` and softplus kept (it has stable forms for them),
    :math:`\operatorname{ReLU}(u) = \max(0, u)`, :math:`H(u)` as a piecewise 1/0 and the logit as
    :math:`\log(p/(1 - p))`."""
    expr = expr.doit()
    expr = expr.replace(lambda e: isinstance(e, relu), lambda e: sp.Max(0, e.args[0]))
    expr = expr.replace(lambda e: isinstance(e, step),
                        lambda e: sp.Piecewise((1, e.args[0] > 0), (0, True)))
    return expr.replace(lambda e: isinstance(e, logit), lambda e: sp.log(e.args[0] / (1 - e.args[0])))
