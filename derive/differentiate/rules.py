r"""The differentiation rules, applied one at a time as a lecturer writes them.

A pending derivative is an unevaluated ``Derivative(g, x)``. :func:`apply_rule` rewrites one of
them by the rule for the outermost operation of ``g`` — linearity, the product, quotient and
power rules, the exponential rule for :math:`a^g`, or the chain rule with an entry of the
derivative table (:mod:`derive.differentiate.table`) — into new pending derivatives of the parts.
Derivatives the reader does at a glance are written at once: :math:`dx/dx = 1` and the
derivative of a constant, 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from derive.differentiate.table import entry_for


class NoRuleError(ValueError):
    """No rule of the table applies to an expression."""


@dataclass(frozen=True)
class Applied:
    #: What the pending derivative is replaced by.
    expr: sp.Basic
    #: The rule, prose with ``$...$`` math.
    rule: str


def dependency(x: sp.Basic) -> sp.Basic:
    """What ``g`` must contain to depend on ``x``: ``x`` itself, or for a vector entry
    :math:`z_j` the whole vector ``z`` (:math:`z_k` depends on :math:`z_j` when k = j)."""
    return x.base if isinstance(x, sp.Indexed) else x


def pending(g: sp.Basic, x: sp.Symbol) -> sp.Basic:
    """:math:`dg/dx`, unevaluated unless it is 0 (constant ``g``) or 1 (``g = x``)."""
    if not g.has(dependency(x)):
        return sp.S.Zero
    if g == x:
        return sp.S.One
    return sp.Derivative(g, x)


def first_pending(expr: sp.Basic) -> sp.Derivative | None:
    """The first unevaluated derivative of ``expr`` in reading order (pre-order)."""
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Derivative):
            return node
    return None


def apply_rule(g: sp.Basic, x: sp.Symbol) -> Applied:
    """One rule applied to :math:`dg/dx`."""
    if not g.has(dependency(x)):
        return Applied(sp.S.Zero, "derivative of a constant")
    if g == x:
        return Applied(sp.S.One, f"${sp.latex(x)}' = 1$")
    if isinstance(g, sp.Sum):
        return Applied(sp.Sum(pending(g.function, x), *g.limits),
                       "linearity: the derivative of a sum is the sum of the derivatives")
    if isinstance(x, sp.Indexed):
        from derive.differentiate.indexed import index_rule

        found = index_rule(g, x)
        if found is not None:
            return Applied(*found)
    if isinstance(g, sp.Add):
        return _linearity(g, x)
    if isinstance(g, sp.Mul):
        return _product(g, x)
    if isinstance(g, sp.Pow):
        return _power(g, x)
    if isinstance(g, sp.Function) and len(g.args) == 1:
        entry = entry_for(g.func)
        if entry is not None:
            (u,) = g.args
            return Applied(sp.Mul(entry.derivative(u), pending(u, x)), entry.rule(chain=u != x))
    raise NoRuleError(f"no differentiation rule for {g.func.__name__}")


def _linearity(g: sp.Add, x: sp.Symbol) -> Applied:
    r""":math:`(\sum_i c_i g_i)' = \sum_i c_i g_i'`."""
    parts, scaled = [], False
    for term in g.args:
        c, rest = term.as_independent(dependency(x), as_Add=False)
        scaled = scaled or (c != 1 and rest.has(dependency(x)))
        parts.append(c * pending(rest, x))
    rule = "linearity: sum rule and constant factors" if scaled else "linearity: sum rule"
    return Applied(sp.Add(*parts), rule)


def _product(g: sp.Mul, x: sp.Symbol) -> Applied:
    c, rest = g.as_independent(dependency(x), as_Add=False)
    if c != 1:
        return Applied(c * pending(rest, x), "constant factor rule, $(c g)' = c g'$")
    factors = sp.Mul.make_args(rest)
    den = [f.base ** (-f.exp) for f in factors if f.is_Pow and f.exp.is_number and f.exp.is_negative]
    num = [f for f in factors if not (f.is_Pow and f.exp.is_number and f.exp.is_negative)]
    top, bottom = sp.Mul(*num), sp.Mul(*den)
    if den and top.has(dependency(x)) and bottom.has(dependency(x)):
        expr = (pending(top, x) * bottom - top * pending(bottom, x)) / bottom**2
        return Applied(expr, "quotient rule, $(f/g)' = (f'g - fg')/g^2$")
    terms = [sp.Mul(*factors[:n], pending(f, x), *factors[n + 1:]) for n, f in enumerate(factors)]
    return Applied(sp.Add(*terms), "product rule, $(fg)' = f'g + fg'$")


def _power(g: sp.Pow, x: sp.Symbol) -> Applied:
    base, n = g.args
    if not n.has(dependency(x)):
        if base == x:
            return Applied(n * x ** (n - 1), "power rule, $(x^n)' = n x^{n-1}$")
        if n == -1:
            return Applied(-pending(base, x) / base**2, "derivative of a reciprocal, $(1/g)' = -g'/g^2$")
        if n == sp.S.Half:
            return Applied(pending(base, x) / (2 * sp.sqrt(base)),
                           "chain rule and the derivative of the square root, $(\\sqrt{g})' = g'/(2\\sqrt{g})$")
        return Applied(sp.Mul(n, base ** (n - 1), pending(base, x)), "power rule and chain rule, $(g^n)' = n g^{n-1} g'$")
    if not base.has(dependency(x)):
        return Applied(g * sp.log(base) * pending(n, x), "exponential rule, $(a^{g})' = a^{g} \\log(a) g'$")
    rewritten = sp.exp(n * sp.log(base))
    return Applied(pending(rewritten, x), "write $g^h = e^{h \\log g}$")
