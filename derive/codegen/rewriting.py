r"""Declarative rewrite rules that turn a derived formula into its numerically stable form.

In the style of ``sympy.codegen.rewriting``: each rule is a small object with a ``query`` (which
subexpressions it applies to) and a ``value`` (what replaces them). Every rule also names the
derived identity that justifies it and carries a *template*, a pair ``(before, after)`` in one
variable ``u``, that :func:`prove_rules` proves equal with the project's proof engine
(symbolically where SymPy can, and always numerically at 50 digits) before any code is printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp

from derive.codegen.functions import DivOnePlus, SigmaProduct, Where, log1p, softplus, to_plain
from derive.context import ProofContext, Uniform
from derive.notation import SIGMA_DEFINITION, sigma

u = sp.Symbol("u", real=True)
t = sp.Symbol("t", real=True)


@dataclass(frozen=True)
class Rule:
    """Replace every subexpression matching ``query`` by ``value(subexpression)``."""

    name: str
    #: The derived identity (result id) or elementary fact that makes the rewrite exact.
    identity: str
    query: Callable[[sp.Basic], bool]
    value: Callable[[sp.Basic], sp.Basic]
    #: ``(before, after)`` in ``u`` (and ``t``): the rule's instance that is proved.
    template: tuple[sp.Basic, sp.Basic]

    def __call__(self, expr: sp.Basic) -> sp.Basic:
        return expr.replace(self.query, self.value)


def _exp_neg_abs(v):
    return sp.exp(-sp.Abs(v))


def _is_even_sigma_product(e):
    if not e.is_Mul:
        return False
    sig = [f for f in e.args if isinstance(f, sigma)]
    return len(sig) == 2 and sp.simplify(sig[0].args[0] + sig[1].args[0]) == 0


def _even_sigma_value(e):
    sig = [f for f in e.args if isinstance(f, sigma)]
    rest = sp.Mul(*[f for f in e.args if not isinstance(f, sigma)])
    return SigmaProduct(sp.Abs(sig[0].args[0]), rest)


#: c sigma(u) sigma(-u) is even (symmetry), so it equals c sigma(|u|) sigma(-|u|) = c E / (1 + E)^2
#: with E = e^{-|u|} <= 1: no overflow, no cancellation (printed with a compensated 1 + E).
SIGMA_PRODUCT = Rule(
    "sigma_product_even",
    "sigmoid.derivative_stable, sigmoid.symmetry",
    _is_even_sigma_product,
    _even_sigma_value,
    (t * sigma(u) * sigma(-u), SigmaProduct(sp.Abs(u), t)),
)

#: sigma(u) = 1 / (1 + e^{-u}) for u >= 0 and e^{u} / (1 + e^{u}) for u < 0: only E = e^{-|u|} <= 1
#: is ever formed (no overflow, subnormal results kept). The numerator, 1 for u >= 0 and E else,
#: is max(E, H(u)) with H(0) = 1 since E <= 1 (a branch-free select, cheaper than numpy.where);
#: the division by 1 + E is printed with 1 + E held exactly (DivOnePlus).
SIGMA_BY_SIGN = Rule(
    "sigma_by_sign",
    "sigmoid.symmetry",
    lambda e: isinstance(e, sigma),
    lambda e: DivOnePlus(sp.Max(_exp_neg_abs(e.args[0]), sp.Heaviside(e.args[0], 1)), _exp_neg_abs(e.args[0])),
    (sigma(u), DivOnePlus(sp.Max(_exp_neg_abs(u), sp.Heaviside(u, 1)), _exp_neg_abs(u))),
)

#: log sigma(u) = -log(1 + e^{-u}) = -softplus(-u)  (definition of the sigmoid).
LOG_SIGMA = Rule(
    "log_sigma",
    "definition of the sigmoid",
    lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sigma),
    lambda e: -softplus(-e.args[0].args[0]),
    (sp.log(sigma(u)), -softplus(-u)),
)

#: softplus(u) = max(u, 0) + log1p(e^{-|u|}): log(1 + e^u) = u + log(1 + e^{-u}) for u > 0.
SOFTPLUS_STABLE = Rule(
    "softplus_stable",
    "log(1 + e^u) = u + log(1 + e^-u)",
    lambda e: isinstance(e, softplus),
    lambda e: sp.Add(sp.Max(e.args[0], 0), log1p(_exp_neg_abs(e.args[0])), evaluate=False),
    (softplus(u), sp.Max(u, 0) + log1p(_exp_neg_abs(u))),
)

#: 1 - tanh(u)^2 = 4 sigma(2u) (1 - sigma(2u)) = 4 sigma(2u) sigma(-2u)  (no cancellation near |u| large).
TANH_DERIVATIVE = Rule(
    "tanh_derivative_via_sigma",
    "sigmoid.tanh_derivative, sigmoid.symmetry",
    lambda e: e.is_Add and sp.simplify(e - (1 - sp.tanh(_tanh_arg(e)) ** 2)) == 0 if _tanh_arg(e) is not None else False,
    lambda e: 4 * sigma(2 * _tanh_arg(e)) * sigma(-2 * _tanh_arg(e)),
    (1 - sp.tanh(u) ** 2, 4 * sigma(2 * u) * sigma(-2 * u)),
)


def _tanh_arg(e):
    found = [a for a in e.atoms(sp.tanh)]
    return found[0].args[0] if len(found) == 1 else None


#: Heaviside(u) with H(0) = 0 (the subgradient convention of ReLU' used in training).
HEAVISIDE = Rule(
    "heaviside_select",
    "derivative of max(u, 0), H(0) := 0",
    lambda e: isinstance(e, sp.Heaviside) and (len(e.args) == 1 or e.args[1] not in (0, 1)),
    lambda e: sp.Mul(sp.Float(1.0), sp.Heaviside(e.args[0], 0), evaluate=False),
    (sp.Heaviside(u), sp.Mul(sp.Float(1.0), sp.Heaviside(u, 0), evaluate=False)),
)

#: 1 - sigma(u) = sigma(-u)  (sigmoid.symmetry).
SIGMA_SYMMETRY = Rule(
    "sigma_symmetry",
    "sigmoid.symmetry",
    lambda e: e.is_Add and len(e.args) == 2 and sp.S.One in e.args
    and any(isinstance(-a, sigma) for a in e.args),
    lambda e: sigma(-[(-a) for a in e.args if isinstance(-a, sigma)][0].args[0]),
    (1 - sigma(u), sigma(-u)),
)

#: softplus(-u) = softplus(u) - u  (log(1 + e^{-u}) = log(1 + e^{u}) - u).
SOFTPLUS_REFLECT = Rule(
    "softplus_reflect",
    "log(1 + e^-u) = log(1 + e^u) - u",
    lambda e: isinstance(e, softplus) and e.args[0].could_extract_minus_sign(),
    lambda e: softplus(-e.args[0]) + e.args[0],
    (softplus(-u), softplus(u) - u),
)


def _softplus_terms(e):
    return [a for a in e.args if isinstance(a, softplus)]


def _grouped_softplus(e):
    (sp_term,) = _softplus_terms(e)
    v = sp_term.args[0]
    others = [a for a in e.args if a is not sp_term]
    head = sp.Add(sp.Max(v, 0), *others, evaluate=False) if others else sp.Max(v, 0)
    return sp.Add(head, log1p(_exp_neg_abs(v)), evaluate=False)


#: softplus(u) + r = (max(u, 0) + r) + log1p(e^{-|u|}): the large terms are combined first, the
#: small log1p term is added last (BCE from logits: max(u, 0) - t u is exact for t in {0, 1}).
SOFTPLUS_IN_SUM = Rule(
    "softplus_in_sum",
    "log(1 + e^u) = u + log(1 + e^-u)",
    lambda e: e.is_Add and len(_softplus_terms(e)) == 1,
    _grouped_softplus,
    (softplus(u) - t * u, sp.Max(u, 0) - t * u + log1p(_exp_neg_abs(u))),
)


def _sigma_minus_target(e):
    (s,) = [a for a in e.args if isinstance(a, sigma)]
    rest = e - s
    return (1 + rest) * s + rest * sigma(-s.args[0])


#: sigma(u) - t = (1 - t) sigma(u) - t sigma(-u)  (sigmoid.symmetry): no cancellation for t = 1.
SIGMA_MINUS_TARGET = Rule(
    "sigma_minus_target",
    "sigmoid.symmetry",
    lambda e: e.is_Add and len(e.args) == 2 and sum(isinstance(a, sigma) for a in e.args) == 1,
    _sigma_minus_target,
    (sigma(u) - t, (1 - t) * sigma(u) - t * sigma(-u)),
)

ALL_RULES = (SIGMA_PRODUCT, SIGMA_BY_SIGN, LOG_SIGMA, SOFTPLUS_STABLE, TANH_DERIVATIVE, HEAVISIDE,
             SIGMA_SYMMETRY, SOFTPLUS_REFLECT, SOFTPLUS_IN_SUM, SIGMA_MINUS_TARGET)

_PROOF_CONTEXT = ProofContext(
    definitions=(SIGMA_DEFINITION, to_plain),
    domains=((u, Uniform(-30, 30)), (t, Uniform(0, 1))),
)


def prove_rules(rules=ALL_RULES) -> dict[str, str]:
    """Prove every rule's template with :func:`derive.proof.prove_equal`; raise on failure.

    Returns ``{rule name: proof method}``.
    """
    from derive.derivation import ProofError
    from derive.proof import prove_equal

    methods = {}
    for rule in rules:
        before, after = rule.template
        proof = prove_equal(before, after, _PROOF_CONTEXT)
        if not proof.verified:
            raise ProofError(f"rewrite rule {rule.name!r} is not an identity: {proof.detail}")
        methods[rule.name] = proof.method
    return methods
