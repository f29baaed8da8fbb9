r"""Inverted dropout keeps the expectation (NPFL129 lecture 5, "Regularization using dropout").

During training each hidden value :math:`h` is multiplied by an independent mask
:math:`m \sim \operatorname{Bernoulli}(1 - p)` (the unit is dropped with probability :math:`p`)
and, in *inverted* dropout, scaled by :math:`1/(1 - p)`. Chains:

* :math:`\mathbb{E}_m[m h / (1 - p)] = h`: the network needs no rescaling at test time;
* plain dropout without the scaling, :math:`\mathbb{E}_m[m h] = (1 - p) h`: why the outputs
  would otherwise have to be multiplied by :math:`1 - p` at test time;
* the variance :math:`\operatorname{Var}_m[m h / (1 - p)] = h^2 p / (1 - p)` (the noise dropout adds).

An expectation over the mask is the notation :class:`Expect`; the proofs expand it into the
two-point sum :math:`(1 - p)\, g(1) + p\, g(0)`.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from derive.context import ProofContext, Uniform, define_function
from derive.derivation import Derivation, DerivationBuilder
from derive.notation import shown

p = sp.Symbol("p", positive=True)
h = sp.Symbol("h", real=True)
m = sp.Symbol("m", nonnegative=True)


class Expect(sp.Function):
    r""":math:`\mathbb{E}_m[g(m)]` for the dropout mask :math:`m \sim \operatorname{Bernoulli}(1 - p)`."""

    def _latex(self, printer, exp=None):
        tex = r"\mathbb{E}_{m}\left[%s\right]" % printer._print(self.args[0])
        return tex if exp is None else r"\left(%s\right)^{%s}" % (tex, exp)

    def _derive_text(self, printer):
        return "E_m[%s]" % printer._print(self.args[0])


def _bernoulli_expectation(body):
    r""":math:`\mathbb{E}_m[g(m)] = P(m = 1)\, g(1) + P(m = 0)\, g(0) = (1 - p)\, g(1) + p\, g(0)`."""
    return (1 - p) * body.xreplace({m: sp.S.One}) + p * body.xreplace({m: sp.S.Zero})


def _two_point(p_one, p_zero):
    r""":math:`(1 - p) \cdot 1 + p \cdot 0` as written (not evaluated)."""
    return sp.Add(sp.Mul(p_one, 1, evaluate=False), sp.Mul(p_zero, 0, evaluate=False), evaluate=False)


EXPECT_DEFINITION = define_function(Expect, _bernoulli_expectation)
CONTEXT = ProofContext(
    definitions=(EXPECT_DEFINITION,),
    domains=((p, Uniform(0.05, 0.95)), (h, Uniform(-3.0, 3.0))),
)
VARIABLES = {
    "h": "the value of a hidden unit (before dropout)",
    "m": "the dropout mask, 1 (kept) with probability 1 - p, 0 (dropped) with probability p",
    "p": "the dropout rate, the probability of dropping a unit",
}


@lru_cache(maxsize=None)
def build() -> Derivation:
    d = DerivationBuilder("dropout", "Dropout: inverted scaling keeps the expectation", CONTEXT)
    d.assume(r"h \in \mathbb{R}", "h is the value of a hidden unit")
    d.assume(r"m \sim \operatorname{Bernoulli}(1 - p),\ 0 < p < 1",
             "m ~ Bernoulli(1 - p): the unit is dropped (m = 0) with probability p, 0 < p < 1")
    d.assume(r"\mathbb{E}_{m}[g(m)] = (1 - p)\, g(1) + p\, g(0)", "E_m[g(m)] = (1 - p) g(1) + p g(0)")
    scaled = m * h / (1 - p)

    (
        d.chain("Inverted dropout keeps the expectation", Expect(scaled))
        .step(h / (1 - p) * Expect(m), r"linearity of expectation, $h$ and $p$ are constants")
        .step(shown(h / (1 - p), _two_point(1 - p, p)), r"expectation of a Bernoulli variable, $P(m = 1) = 1 - p$")
        .step(shown(h / (1 - p), 1 - p), "evaluate the sum")
        .step(h, "cancel $1 - p$")
        .result("dropout.expectation", "Inverted dropout keeps the expected activation", VARIABLES)
    )
    (
        d.chain("Dropout without scaling shrinks the expectation", Expect(m * h))
        .step(h * Expect(m), "linearity of expectation")
        .step(shown(h, _two_point(1 - p, p)), r"expectation of a Bernoulli variable, $P(m = 1) = 1 - p$")
        .step((1 - p) * h, r"evaluate: so without the factor $1/(1 - p)$ the test-time output must be scaled "
              r"by $1 - p$")
        .result("dropout.unscaled_expectation", "Expected activation under dropout without rescaling", VARIABLES)
    )
    (
        d.chain("Variance added by inverted dropout", Expect(scaled**2) - Expect(scaled) ** 2)
        .step(h**2 / (1 - p) ** 2 * Expect(m**2) - h**2, r"linearity; $\mathbb{E}_m[m h/(1 - p)] = h$ (above)")
        .step(shown(h**2 / (1 - p) ** 2, 1 - p) - h**2, r"$m^2 = m$ for $m \in \{0, 1\}$, so $\mathbb{E}_m[m^2] = 1 - p$")
        .step(h**2 * (1 / (1 - p) - 1), "factor out $h^2$")
        .step(h**2 * p / (1 - p), "common denominator")
        .result("dropout.variance", "Variance of an inverted-dropout activation", VARIABLES)
    )
    return d.build()
