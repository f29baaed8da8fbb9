r"""Simplification toward the form a person writes, one named step at a time.

After the rules have removed every derivative, each simplification below is tried in order and
kept as a step when it changes the expression (and, for the last, makes it no longer):

1. the sigmoid recognised in exponentials, :math:`e^{u}/(1 + e^{u}) = \sigma(u)` and
   :math:`1/(1 + e^{-u}) = \sigma(u)` (its definition);
2. :math:`\sigma(-u) = 1 - \sigma(u)` (the proved symmetry ``sigmoid.symmetry``);
3. the common factor of a sum taken out, :math:`\sigma + x\sigma(1 - \sigma) = \sigma(1 + x(1 - \sigma))`.

Every step is proved by the engine like any other.
"""

from __future__ import annotations

from typing import Callable

import sympy as sp

from derive.notation import sigma

Simplification = Callable[[sp.Basic], sp.Basic]


def _sigmoid_in_mul(term: sp.Mul) -> sp.Basic:
    r"""In one product: :math:`e^{m a} (1 + e^{a})^{-n} = \sigma(a)^m \sigma(-a)^{n-m}` for
    :math:`0 \le m \le n` (the exponential's power taken from the product's factors)."""
    factors = list(sp.Mul.make_args(term))
    for n_pos, f in enumerate(factors):
        if not (f.is_Pow and f.exp.is_Integer and f.exp < 0 and isinstance(f.base, sp.Add)):
            continue
        rest = f.base - 1
        if not isinstance(rest, sp.exp):
            continue
        a, n = rest.args[0], -int(f.exp)
        m, others = 0, factors[:n_pos] + factors[n_pos + 1:]
        for k, e in enumerate(others):
            if isinstance(e, sp.exp):
                ratio = sp.simplify(e.args[0] / a)
                if ratio.is_Integer and 0 < ratio <= n:
                    m = int(ratio)
                    others = others[:k] + others[k + 1:]
                    break
        return sp.Mul(*others) * sigma(a) ** m * sigma(-a) ** (n - m)
    return term


def _is_logistic_power(e: sp.Basic) -> bool:
    """Whether ``e`` is :math:`(1 + e^{a})^{-n}` for a positive integer n."""
    return bool(e.is_Pow and e.exp.is_Integer and e.exp < 0 and isinstance(e.base - 1, sp.exp))


def sigmoid_from_exponentials(expr: sp.Basic) -> sp.Basic:
    """Every product of the form of :func:`_sigmoid_in_mul` rewritten with sigmoids, then every
    lone :math:`(1 + e^{a})^{-n} = \\sigma(-a)^n`."""
    expr = expr.replace(lambda e: isinstance(e, sp.Mul) and any(_is_logistic_power(f) for f in e.args),
                        _sigmoid_in_mul)
    return expr.replace(_is_logistic_power, lambda e: sigma(-(e.base - 1).args[0]) ** (-e.exp))


def sigmoid_symmetry(expr: sp.Basic) -> sp.Basic:
    r""":math:`\sigma(-u) \to 1 - \sigma(u)` where the argument carries a minus sign."""
    return expr.replace(
        lambda e: isinstance(e, sigma) and e.args[0].could_extract_minus_sign(),
        lambda e: 1 - sigma(-e.args[0]),
    )


def common_factor(expr: sp.Basic) -> sp.Basic:
    """The common factor of a sum taken out, if that does not lengthen the expression."""
    factored = sp.factor_terms(expr)
    return factored if sp.count_ops(factored) <= sp.count_ops(expr) else expr


#: (simplification, rule) in the order they are tried.
SIMPLIFICATIONS: tuple[tuple[Simplification, str], ...] = (
    (sigmoid_from_exponentials, r"definition of the sigmoid, $\sigma(u) = 1/(1 + e^{-u}) = e^{u}/(1 + e^{u})$"),
    (sigmoid_symmetry, r"symmetry of the sigmoid, $\sigma(-u) = 1 - \sigma(u)$ (sigmoid.symmetry)"),
    (common_factor, "take out the common factor"),
)


def simplification_steps(expr: sp.Basic, simplifications=None) -> list[tuple[sp.Basic, str]]:
    """The simplification steps from ``expr`` (each (new expression, rule)), possibly none;
    ``simplifications`` default to :data:`SIMPLIFICATIONS`."""
    out = []
    for simplify, rule in SIMPLIFICATIONS if simplifications is None else simplifications:
        new = simplify(expr)
        if new != expr:
            out.append((new, rule))
            expr = new
    return out
