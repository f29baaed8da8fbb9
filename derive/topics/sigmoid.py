r"""The logistic sigmoid :math:`\sigma(x) = 1/(1 + e^{-x})` (NPFL129 lecture 4).

Chains: the derivative :math:`\sigma' = \sigma(1 - \sigma)` as on the slide (quotient rule,
rewrite, factor); the symmetry :math:`\sigma(-x) = 1 - \sigma(x)` and so the stable form
:math:`\sigma'(x) = \sigma(x)\sigma(-x)`; :math:`\tanh(x) = 2\sigma(2x) - 1` and
:math:`\tanh' = 1 - \tanh^2`; :math:`\sigma'(0) = 1/4`; the logit as the inverse of
:math:`\sigma`.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from derive.context import ProofContext
from derive.derivation import Derivation, DerivationBuilder
from derive.notation import LOGIT_DEFINITION, SIGMA_DEFINITION, logit, shown, sigma, x

CONTEXT = ProofContext(definitions=(SIGMA_DEFINITION, LOGIT_DEFINITION))
X_VARIABLE = {"x": "the input of the sigmoid (a real number)"}


def _e(power):
    return sp.exp(power)


@lru_cache(maxsize=None)
def build() -> Derivation:
    d = DerivationBuilder("sigmoid", "The logistic sigmoid", CONTEXT)
    d.assume(r"x \in \mathbb{R}", "x is a real number")
    d.assume(r"\sigma(x) = \frac{1}{1 + e^{-x}}", "sigma(x) = 1 / (1 + e^(-x))")
    denom = 1 + _e(-x)

    (
        d.chain("Derivative of the sigmoid", sp.Derivative(sigma(x), x))
        .step(sp.Derivative(1 / denom, x), "definition of the sigmoid")
        .step(-sp.Derivative(denom, x) / denom**2, r"derivative of a reciprocal, $(1/g)' = -g'/g^2$")
        .step(_e(-x) / denom**2, r"derivative of the exponential, $(e^{g})' = e^{g} g'$")
        .step(shown(1 / denom, _e(-x) / denom), "split the fraction")
        .step(shown(sigma(x), (_e(-x) + 1 - 1) / denom), "definition of the sigmoid; add and subtract 1")
        .step(sigma(x) * (1 - sigma(x)), "definition of the sigmoid")
        .result("sigmoid.derivative", r"Derivative of the sigmoid", X_VARIABLE)
    )
    (
        d.chain("Symmetry of the sigmoid", sigma(-x))
        .step(1 / (1 + _e(x)), "definition of the sigmoid")
        .step(_e(-x) / (_e(-x) + 1), "multiply numerator and denominator by $e^{-x}$")
        .step((1 + _e(-x) - 1) / (1 + _e(-x)), "add and subtract 1")
        .step(1 - 1 / (1 + _e(-x)), "split the fraction")
        .step(1 - sigma(x), "definition of the sigmoid")
        .result("sigmoid.symmetry", "Symmetry of the sigmoid", X_VARIABLE)
    )
    (
        d.chain("A stable form of the derivative", sp.Derivative(sigma(x), x))
        .step(sigma(x) * (1 - sigma(x)), "derivative of the sigmoid (above)")
        .step(sigma(x) * sigma(-x), r"symmetry, $1 - \sigma(x) = \sigma(-x)$")
        .result("sigmoid.derivative_stable", r"Derivative of the sigmoid, stable form", X_VARIABLE)
    )
    (
        d.chain("The hyperbolic tangent is a scaled sigmoid", sp.tanh(x))
        .step((_e(x) - _e(-x)) / (_e(x) + _e(-x)), "definition of tanh")
        .step((1 - _e(-2 * x)) / (1 + _e(-2 * x)), "divide numerator and denominator by $e^{x}$")
        .step(2 / (1 + _e(-2 * x)) - 1, "$(1 - a)/(1 + a) = 2/(1 + a) - 1$")
        .step(2 * sigma(2 * x) - 1, "definition of the sigmoid")
        .result("sigmoid.tanh", "tanh as a sigmoid", X_VARIABLE)
    )
    (
        d.chain("Derivative of tanh", sp.Derivative(sp.tanh(x), x))
        .step(sp.Derivative(2 * sigma(2 * x) - 1, x), r"$\tanh(x) = 2\sigma(2x) - 1$")
        .step(4 * sigma(2 * x) * (1 - sigma(2 * x)), r"chain rule and $\sigma' = \sigma(1 - \sigma)$")
        .step(1 - (2 * sigma(2 * x) - 1) ** 2, "complete the square")
        .step(1 - sp.tanh(x) ** 2, r"$\tanh(x) = 2\sigma(2x) - 1$")
        .result("sigmoid.tanh_derivative", "Derivative of tanh", X_VARIABLE)
    )
    at_zero = sp.Subs(sp.Derivative(sigma(x), x), x, 0)
    (
        d.chain("Slope of the sigmoid at zero", at_zero)
        .step(sigma(0) * (1 - sigma(0)), r"$\sigma' = \sigma(1 - \sigma)$ at $x = 0$")
        .step(shown(sp.Rational(1, 2), sp.Rational(1, 2)), r"$\sigma(0) = 1/(1 + e^{0}) = 1/2$")
        .step(sp.Rational(1, 4), "multiply")
        .result("sigmoid.derivative_at_zero", r"Slope of the sigmoid at 0")
    )
    (
        d.chain("The logit inverts the sigmoid", logit(sigma(x)))
        .step(sp.log(sigma(x) / (1 - sigma(x))), "definition of the logit, log-odds")
        .step(sp.log(shown(1 / denom, denom / _e(-x))), r"$1 - \sigma(x) = e^{-x}/(1 + e^{-x})$")
        .step(sp.log(_e(x)), "cancel $1 + e^{-x}$")
        .step(x, "$\\log$ is the inverse of $\\exp$")
        .result("sigmoid.logit", "The logit is the inverse of the sigmoid", X_VARIABLE)
    )
    return d.build()
