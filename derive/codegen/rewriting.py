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

from derive.codegen.functions import (Div, DivOnePlus, ExpOf, IfPositive, LogSumExp, SigmaProduct, Where, expm1, log1p,
                                     softplus, to_plain)
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


def apply_rules(expr: sp.Basic, rules, used: set | None = None, max_rounds: int = 8) -> sp.Basic:
    """``expr`` rewritten by ``rules``, each applied until nothing changes, the whole sequence
    repeated until a fixed point (at most ``max_rounds`` times); the names of the rules that
    changed something are added to ``used``."""
    for _ in range(max_rounds):
        before = expr
        for rule in rules:
            for _ in range(max_rounds):
                new = rule(expr)
                if new == expr:
                    break
                if used is not None:
                    used.add(rule.name)
                expr = new
        if expr == before:
            break
    return expr


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


# --- rules for any user expression (derive grad --numpy) -------------------------------------
#
# These generalise the kernel rules above to expressions nobody wrote a kernel for: each one
# looks for a pattern anywhere in an expression (inside sums and products, with any argument) and
# is proved, on a template with a free parameter where the rule has one, by prove_rules.


def _split_terms(e, match):
    """``(matched term info, other terms)`` of the sum ``e``: the first term ``a`` for which
    ``match(a)`` is not None, else None."""
    for a in e.args:
        m = match(a)
        if m is not None:
            return m, [b for b in e.args if b is not a]
    return None


def _coeff_and(e, kind):
    """``(c, f)`` with ``e = c f``, ``c`` a number and ``f`` an instance of ``kind``; else None."""
    c, f = e.as_coeff_Mul()
    return (c, f) if isinstance(f, kind) else None


def _one_plus_exp(b):
    """``w`` when ``b = 1 + e^w``, else None."""
    if b.is_Add and len(b.args) == 2 and sp.S.One in b.args:
        (other,) = [a for a in b.args if a != 1]
        if isinstance(other, sp.exp):
            return other.args[0]
    return None


def _sigma_ratio_parts(e):
    """For ``e = r e^{v} (1 + e^w)^{-n}`` with ``v = k w``: ``(r, w, k, n)``; else None."""
    factors = sp.Mul.make_args(e)
    dens = [f for f in factors if f.is_Pow and f.exp.is_negative and _one_plus_exp(f.base) is not None]
    if not dens:
        return None
    den = dens[0]
    w, n = _one_plus_exp(den.base), -den.exp
    exps = [f for f in factors if isinstance(f, sp.exp)]
    v = sp.Add(*[f.args[0] for f in exps])
    k = sp.cancel(v / w) if exps else sp.S.Zero
    if not (k.is_number and k.is_real and (k.is_zero or k.is_positive)):
        k, exps = sp.S.Zero, []
    rest = [f for f in factors if f is not den and f not in exps]
    return sp.Mul(*rest), w, k, n


class TopDownRule(Rule):
    """A rule applied from the root down: a product is rewritten before its factors are."""

    def __call__(self, expr: sp.Basic) -> sp.Basic:
        if self.query(expr):
            expr = self.value(expr)
        if not expr.args or expr.is_Atom:
            return expr
        args = [self(a) for a in expr.args]
        return expr.func(*args) if any(a is not b for a, b in zip(args, expr.args)) else expr


def _sigma_ratio(e):
    r, w, k, n = _sigma_ratio_parts(e)
    return r * sigma(w) ** k * sigma(-w) ** (n - k)


#: e^{k w} / (1 + e^w)^n = sigma(w)^k sigma(-w)^(n - k) (definition of the sigmoid: sigma(w) =
#: e^w / (1 + e^w), sigma(-w) = 1 / (1 + e^w)): the sigmoid written out, and its derivatives
#: e^{-w}/(1 + e^{-w})^2, are recognised, so that the stable sigmoid prints them.
SIGMA_FROM_EXP = TopDownRule(
    "sigma_from_exp",
    "definition of the sigmoid",
    lambda e: (e.is_Mul or e.is_Pow) and _sigma_ratio_parts(e) is not None,
    _sigma_ratio,
    (t * sp.exp(2 * u) / (1 + sp.exp(u)) ** 3, t * sigma(u) ** 2 * sigma(-u)),
)

#: log(1 + e^u) = softplus(u)  (definition), printed as numpy.logaddexp(0, u).
SOFTPLUS_FROM_LOG = Rule(
    "softplus_from_log",
    "definition of softplus",
    lambda e: isinstance(e, sp.log) and _one_plus_exp(e.args[0]) is not None,
    lambda e: softplus(_one_plus_exp(e.args[0])),
    (sp.log(1 + sp.exp(u)), softplus(u)),
)


def _exp_or_one(a):
    return isinstance(a, sp.exp) or a == 1


#: log(e^{a_1} + ... + e^{a_n}) = LogSumExp(a_1, ..., a_n), printed max-shifted (a constant 1 is e^0).
LOG_SUM_EXP = Rule(
    "log_sum_exp",
    "definition of logsumexp",
    lambda e: isinstance(e, sp.log) and e.args[0].is_Add and len(e.args[0].args) >= 2
    and all(_exp_or_one(a) for a in e.args[0].args) and _one_plus_exp(e.args[0]) is None,
    lambda e: LogSumExp(*[a.args[0] if isinstance(a, sp.exp) else sp.S.Zero for a in e.args[0].args]),
    (sp.log(sp.exp(u) + sp.exp(t) + 1), LogSumExp(u, t, 0)),
)


def _lse_minus_arg(e):
    def match(a):
        return a if isinstance(a, LogSumExp) else None

    lse, others = _split_terms(e, match)
    for o in others:
        if -o in lse.args:
            shifted = LogSumExp(*[a + o for a in lse.args])
            return sp.Add(shifted, *[b for b in others if b is not o])
    return None


#: LogSumExp(a) - a_j = LogSumExp(a - a_j)  (shift invariance, softmax.shift_invariance): the
#: cross-entropy log sum e^{z} - z_t has no cancellation when z_t is the largest logit.
LSE_SHIFT = Rule(
    "logsumexp_shift",
    "softmax.shift_invariance",
    lambda e: e.is_Add and any(isinstance(a, LogSumExp) for a in e.args) and _lse_minus_arg(e) is not None,
    _lse_minus_arg,
    (LogSumExp(u, t, 0) - t, LogSumExp(u - t, 0, -t)),
)


def _exp_sum(b):
    return b.is_Add and len(b.args) >= 2 and all(_exp_or_one(a) for a in b.args)


def _exp_term(a):
    c, f = a.as_coeff_Mul()
    return isinstance(f, sp.exp)


def _softmax_parts(e):
    factors = sp.Mul.make_args(e)
    dens = [f for f in factors if f.is_Pow and f.exp.is_negative and f.exp.is_integer and _exp_sum(f.base)
            and _one_plus_exp(f.base) is None]  # 1/(1 + e^w) is a sigmoid (SIGMA_FROM_EXP)
    if not dens:
        return None
    den = dens[0]
    args = [a.args[0] if isinstance(a, sp.exp) else sp.S.Zero for a in den.base.args]
    exps = [f for f in factors if isinstance(f, sp.exp)]
    rest = [f for f in factors if f is not den and f not in exps]
    return sp.Mul(*rest), sp.Add(*[f.args[0] for f in exps]), args, -den.exp


def _softmax(e):
    rest, b, args, n = _softmax_parts(e)
    sums = [f for f in sp.Mul.make_args(rest) if f.is_Add and all(_exp_term(a) for a in f.args)]
    if sums:  # (sum_j c_j e^{b_j}) / S^n: each term a softmax of its own (no e^{b_j} formed)
        (den,) = [f for f in sp.Mul.make_args(e) if f.is_Pow and f.exp == -n and _exp_sum(f.base)][:1]
        others = sp.Mul(*[f for f in sp.Mul.make_args(e) if f is not sums[0] and f is not den])
        return sp.Add(*[_softmax(others * a * den) for a in sums[0].args])
    # e^b / (sum e^a)^n = exp(b - n LSE(a)); with b = n a_j shifted: exp(-n LSE(a - a_j)).
    for a in args:
        if sp.expand(b - n * a) == 0:
            return rest * sp.exp(-n * LogSumExp(*[c - a for c in args]))
    return rest * sp.exp(b - n * LogSumExp(*args))


#: e^{b} / (e^{a_1} + ... + e^{a_n})^m = exp(b - m LogSumExp(a)) and, where b = m a_j,
#: exp(-m LogSumExp(a - a_j)) (softmax with the max-shift, softmax.shift_invariance).
SOFTMAX_RATIO = TopDownRule(
    "softmax_ratio",
    "softmax.shift_invariance",
    lambda e: (e.is_Mul or e.is_Pow) and _softmax_parts(e) is not None,
    _softmax,
    (sp.exp(t) / (sp.exp(u) + sp.exp(t) + 1), sp.exp(-LogSumExp(u - t, 0, -t))),
)


def _const_and_multiple(e, kind, power=1):
    """For a sum ``e`` with terms ``c`` and ``+c f**power`` or ``-c f**power`` (``f`` an instance of
    ``kind``, ``c`` any factor free of ``f``): ``(c, sign, f, other terms)``; else None."""
    for a in e.args:
        for f in sp.Mul.make_args(a):
            base = f.base if (power != 1 and f.is_Pow and f.exp == power) else (f if power == 1 else None)
            if not isinstance(base, kind):
                continue
            coeff = a / f
            if coeff.has(base):
                continue
            for b in e.args:
                if b is a or b == 0:
                    continue
                if b == coeff or b == -coeff:
                    others = [g for g in e.args if g is not a and g is not b]
                    return b, (1 if b == coeff else -1), base, others
    return None


def _sigma_symmetry_any(e):
    c, sign, f, others = _const_and_multiple(e, sigma)
    return sp.Add(c * sigma(-f.args[0]), *others) if sign < 0 else None


#: c - c sigma(w) = c sigma(-w) inside any sum (sigmoid.symmetry).
SIGMA_SYMMETRY_ANY = Rule(
    "sigma_symmetry_in_sum",
    "sigmoid.symmetry",
    lambda e: e.is_Add and _const_and_multiple(e, sigma) is not None and _const_and_multiple(e, sigma)[1] < 0,
    _sigma_symmetry_any,
    (2 - 2 * sigma(u) + t, 2 * sigma(-u) + t),
)


def _tanh_shift(e):
    c, sign, f, others = _const_and_multiple(e, sp.tanh)
    return sp.Add(2 * c * sigma(2 * sign * f.args[0]), *others)


#: c (1 + tanh w) = 2 c sigma(2w) and c (1 - tanh w) = 2 c sigma(-2w)  (tanh = 2 sigma(2w) - 1,
#: sigmoid.tanh): no cancellation where tanh w is near -1 (resp. 1).
TANH_SHIFT = Rule(
    "tanh_via_sigma",
    "sigmoid.tanh",
    lambda e: e.is_Add and _const_and_multiple(e, sp.tanh) is not None,
    _tanh_shift,
    (1 + sp.tanh(u) + t, 2 * sigma(2 * u) + t),
)
TANH_SHIFT_MINUS = Rule(
    "tanh_via_sigma_minus",
    "sigmoid.tanh",
    TANH_SHIFT.query,
    _tanh_shift,
    (3 - 3 * sp.tanh(u), 6 * sigma(-2 * u)),
)


def _tanh_square(e):
    c, sign, f, others = _const_and_multiple(e, sp.tanh, power=2)
    w = f.args[0]
    return sp.Add(4 * c * sigma(2 * w) * sigma(-2 * w), *others)


#: c - c tanh(w)^2 = 4 c sigma(2w) sigma(-2w)  (sigmoid.tanh_derivative): no cancellation.
TANH_SQUARE = Rule(
    "tanh_square_via_sigma",
    "sigmoid.tanh_derivative, sigmoid.symmetry",
    lambda e: e.is_Add and _const_and_multiple(e, sp.tanh, power=2) is not None
    and _const_and_multiple(e, sp.tanh, power=2)[1] < 0,
    _tanh_square,
    (1 - sp.tanh(u) ** 2 + t, 4 * sigma(2 * u) * sigma(-2 * u) + t),
)


def _expm1_in_sum(e):
    c, sign, f, others = _const_and_multiple(e, sp.exp)
    return sp.Add(-c * expm1(f.args[0]), *others) if sign < 0 else None  # c + (-c) e^w


#: e^w - 1 = expm1(w), also as c e^w - c inside any sum.
EXPM1 = Rule(
    "expm1",
    "definition of expm1",
    lambda e: e.is_Add and _const_and_multiple(e, sp.exp) is not None and _const_and_multiple(e, sp.exp)[1] < 0,
    _expm1_in_sum,
    (2 * sp.exp(u) - 2 + t, 2 * expm1(u) + t),
)


def _log1p_arg(e):
    if isinstance(e, sp.log) and e.args[0].is_Add and sp.S.One in e.args[0].args:
        return e.args[0] - 1
    return None


#: log(1 + v) = log1p(v): no loss of v's digits when |v| is tiny.
LOG1P = Rule(
    "log1p",
    "definition of log1p",
    lambda e: _log1p_arg(e) is not None,
    lambda e: log1p(_log1p_arg(e)),
    (sp.log(1 + t * u ** 2), log1p(t * u ** 2)),
)


def _tanh_ratio_parts(e):
    factors = sp.Mul.make_args(e)
    for f in factors:
        base, power = f.as_base_exp()
        if isinstance(base, sp.sinh) and power.is_positive:
            cosh = sp.cosh(base.args[0]) ** -power
            if cosh in factors:
                return [g for g in factors if g is not f and g != cosh], sp.tanh(base.args[0]) ** power
    return None


#: sinh(w)/cosh(w) = tanh(w) (the derivative of log cosh; both overflow beyond |w| = 710).
TANH_RATIO = Rule(
    "tanh_ratio",
    "definition of tanh",
    lambda e: e.is_Mul and _tanh_ratio_parts(e) is not None,
    lambda e: sp.Mul(*_tanh_ratio_parts(e)[0]) * _tanh_ratio_parts(e)[1],
    (t * sp.sinh(u) / sp.cosh(u), t * sp.tanh(u)),
)


def _log_cosh(w):
    a = sp.Abs(w)
    small = log1p(2 * sp.sinh(w / 2) ** 2)
    large = sp.Add(a - sp.log(2), log1p(sp.exp(-2 * a)), evaluate=False)
    return Where(sp.StrictLessThan(a, 1), small, large)


#: log cosh w = log1p(2 sinh(w/2)^2) for |w| < 1 (cosh w - 1 = 2 sinh^2(w/2), no cancellation
#: near 0) and |w| - log 2 + log1p(e^{-2|w|}) for |w| >= 1 (no overflow of cosh beyond 710).
LOG_COSH = Rule(
    "log_cosh_piecewise",
    "cosh w = (e^w + e^-w)/2, cosh w - 1 = 2 sinh(w/2)^2",
    lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sp.cosh),
    lambda e: _log_cosh(e.args[0].args[0]),
    (sp.log(sp.cosh(u)), _log_cosh(u)),
)


def _sqrt_minus_parts(e):
    """For a sum ``T + R`` with ``T = +-k sqrt(A)`` (k >= 0) and ``R`` (the other terms) of the
    opposite sign, in which ``T^2 - R^2`` has fewer terms than its parts (something cancels):
    ``(T, R, T^2 - R^2)``; else None."""
    for term in e.args:
        roots = [f for f in sp.Mul.make_args(term) if f.is_Pow and f.exp == sp.S.Half]
        if len(roots) != 1 or term.has(sp.exp):
            continue
        rest = e - term
        if rest == 0:
            continue
        k = term / roots[0]  # the square root itself is >= 0 wherever it is real
        opposite = ((k.is_nonnegative and rest.is_nonpositive) or (k.is_nonpositive and rest.is_nonnegative))
        if not opposite:
            continue
        # Unexpanded first: sqrt(1 + (x - t)^2) - 1 gives (x - t)^2, not x^2 - 2xt + t^2 (which
        # cancels where x is close to t).
        for expand in (lambda a: a, sp.expand):
            t2, r2 = expand(term ** 2), expand(rest ** 2)
            diff = expand(t2 - r2)
            if len(sp.Add.make_args(diff)) < len(sp.Add.make_args(t2)) + len(sp.Add.make_args(r2)):
                return term, rest, diff
    return None


def _sqrt_minus(e):
    term, rest, diff = _sqrt_minus_parts(e)
    return sp.factor_terms(diff) / (term - rest)


#: T + R = (T^2 - R^2) / (T - R) for T = +-k sqrt(A) and R of opposite signs, where T^2 - R^2
#: cancels (pseudo-Huber sqrt(1 + x^2) - 1 = x^2 / (sqrt(1 + x^2) + 1): no cancellation for tiny
#: x; the denominator T - R adds two numbers of one sign).
SQRT_RATIONALISE = Rule(
    "sqrt_minus_constant",
    "(T + R)(T - R) = T^2 - R^2",
    lambda e: e.is_Add and _sqrt_minus_parts(e) is not None,
    _sqrt_minus,
    (sp.sqrt(1 + u ** 2) - 1, u ** 2 / (sp.sqrt(1 + u ** 2) + 1)),
)


def _shared_root(e):
    """A square root (or its reciprocal) that occurs in two or more terms of the sum ``e``."""
    seen = {}
    for term in e.args:
        for r in term.atoms(sp.Pow):
            if r.exp in (sp.S.Half, -sp.S.Half):
                base = r.base
                seen[base] = seen.get(base, 0) + 1
    shared = [b for b, n in seen.items() if n >= 2]
    return shared[0] if shared else None


def _together_with_root(e):
    combined = sp.factor_terms(sp.together(e))
    num, den = sp.fraction(combined)
    num = sp.factor_terms(sp.collect(sp.expand(num), [a for a in num.atoms(sp.Pow) if a.exp == sp.S.Half]))
    new = num / den
    return new if new != e else e


#: A sum of fractions that share a square root, put over one denominator (an identity), so that
#: the numerator's k sqrt(A) - B is rationalised by SQRT_RATIONALISE (the pseudo-Huber gradient in
#: its scale: 2x^2/(d(sqrt(A) + 1)) - x^2/(d sqrt(A)) cancels for tiny x).
SUM_OVER_ROOT = Rule(
    "sum_over_common_root",
    "a/b + c/d = (ad + cb)/(bd)",
    lambda e: e.is_Add and _shared_root(e) is not None and _sqrt_minus_parts(e) is None,
    _together_with_root,
    (2 * u ** 2 / (sp.sqrt(1 + u ** 2) + 1) - u ** 2 / sp.sqrt(1 + u ** 2),
     _together_with_root(2 * u ** 2 / (sp.sqrt(1 + u ** 2) + 1) - u ** 2 / sp.sqrt(1 + u ** 2))),
)

def _sign_split(w):
    e = _exp_neg_abs(w)
    return sp.Max(e, sp.Heaviside(w, 1)) / (1 + e)


#: sigma(w) = max(E, H(w)) / (1 + E) with E = e^{-|w|} (sigmoid.symmetry, as SIGMA_BY_SIGN), applied
#: when a user module is printed: sigma(w) and sigma(-w) then share E and 1 + E.
SIGMA_SIGN_SPLIT = Rule(
    "sigma_sign_split",
    "sigmoid.symmetry",
    lambda e: isinstance(e, sigma),
    lambda e: _sign_split(e.args[0]),
    (t * sigma(u) * sigma(-u), t * _sign_split(u) * _sign_split(-u)),
)

def _stable_softplus(w):
    return sp.Add(sp.Max(w, 0), log1p(_exp_neg_abs(w)), evaluate=False)


def _log_softplus(w):
    e = sp.exp(w)
    # For w < 0: log log1p(E) = w + log(log1p(E)/E), E = e^w; where E underflows to 0 the second
    # term is -E/2 + ... = 0 to double precision (the select is exact: e^w > 0 always).
    small = w + IfPositive(e, sp.log(Div(log1p(e), e)), 0)
    return Where(sp.StrictLessThan(w, 0), small, sp.log(_stable_softplus(w)))


#: log softplus(w) = w + log(log1p(e^w)/e^w): no log(0) where softplus(w) underflows (w < -745).
LOG_SOFTPLUS = Rule(
    "log_softplus",
    "log(1 + e^w) = e^w (log(1 + e^w)/e^w)",
    lambda e: isinstance(e, sp.log) and isinstance(e.args[0], softplus),
    lambda e: _log_softplus(e.args[0].args[0]),
    (sp.log(softplus(u)), _log_softplus(u)),
)


def _sigma_over_softplus_parts(e):
    factors = sp.Mul.make_args(e)
    for f in factors:
        if isinstance(f, sigma):
            den = softplus(f.args[0]) ** -1
            if den in factors:
                return [g for g in factors if g is not f and g != den], f.args[0]
    return None


def _sigma_over_softplus(w):
    e, e_neg = sp.exp(w), sp.exp(-w)
    # w < 0: sigma/softplus = (E / log1p(E)) / (1 + E), and E / log1p(E) -> 1 where E underflows.
    small = IfPositive(e, Div(e, log1p(e)), 1) * sigma(-w)
    large = sigma(w) / (w + log1p(e_neg))
    return Where(sp.StrictLessThan(w, 0), small, large)


#: sigma(w) / softplus(w) without 0/0 where both underflow (w < -745); the ratio tends to 1.
SIGMA_OVER_SOFTPLUS = Rule(
    "sigma_over_softplus",
    "sigma(w) = e^w / (1 + e^w), softplus(w) = log(1 + e^w)",
    lambda e: e.is_Mul and _sigma_over_softplus_parts(e) is not None,
    lambda e: sp.Mul(*_sigma_over_softplus_parts(e)[0]) * _sigma_over_softplus(_sigma_over_softplus_parts(e)[1]),
    (t * sigma(u) / softplus(u), t * _sigma_over_softplus(u)),
)


def _zero_guard_factor(e):
    """For a product with a factor e^v and a factor that can be exactly 0 (a sum, or a power of a
    sum): that factor; else None."""
    factors = sp.Mul.make_args(e)
    if not any(isinstance(f, sp.exp) and f.args[0].free_symbols for f in factors):
        return None
    for f in factors:
        base = f.base if f.is_Pow and f.exp.is_positive and f.exp.is_integer else f
        if base.is_Add and base.free_symbols:
            return base
    return None


def _zero_guarded(e):
    p = _zero_guard_factor(e)
    factors = sp.Mul.make_args(e)
    exps = [f for f in factors if isinstance(f, sp.exp)]
    powers = [f for f in factors if f == p or (f.is_Pow and f.base == p)]
    k = powers[0].exp if powers[0].is_Pow else sp.S.One
    rest = sp.Mul(*[f for f in factors if f not in exps and f is not powers[0]])
    sign = sp.sign(p) if k % 2 else sp.S.One
    v = sp.Add(*[f.args[0] for f in exps])
    return Where(sp.Eq(p, 0), 0, rest * sign * ExpOf(v + k * sp.log(sp.Abs(p))))


#: p^k e^v = (0 if p = 0 else sign(p)^k e^{v + k log|p|}): where e^v overflows or p^k underflows
#: while the product is a double (a Gaussian with a learned log-scale, (y - mu)^2 e^{-2s} at
#: s = -745) the result is that double, not inf * 0 = NaN.
ZERO_TIMES_EXP = Rule(
    "zero_times_exp",
    "p^k e^v = sign(p)^k e^(v + k log|p|) for p != 0",
    lambda e: e.is_Mul and _zero_guard_factor(e) is not None,
    _zero_guarded,
    (t * (u - t) ** 2 * sp.exp(-2 * u), Where(sp.Eq(u - t, 0), 0, t * ExpOf(-2 * u + 2 * sp.log(sp.Abs(u - t))))),
)

def _softmax_power_parts(e):
    """For ``e = exp(k LogSumExp(c))`` with k a negative integer, or ``expm1(-LogSumExp(c))``,
    and some c_j = 0: ``(k, c, j)`` (k = None for expm1)."""
    if not isinstance(e, (sp.exp, expm1)):
        return None
    k, lse = e.args[0].as_coeff_Mul()
    if not (isinstance(lse, LogSumExp) and k.is_Integer and k < 0 and sp.S.Zero in lse.args):
        return None
    if isinstance(e, expm1):
        if k != -1:
            return None
        k = None
    return k, lse.args, list(lse.args).index(sp.S.Zero)


def _softmax_shared(e):
    k, c, j = _softmax_power_parts(e)
    d = [ci - c[0] for ci in c]  # = a_i - a_1 whichever a_j the vector c was shifted by
    m = sp.Max(*d)
    terms = [sp.exp(di - m) for di in d]
    den = sp.Add(*terms)
    if k is None:  # softmax_j - 1 = -(sum of the other entries): no cancellation
        return -sp.Add(*[a for i, a in enumerate(terms) if i != j]) / den
    return (terms[j] / den) ** (-k)


#: exp(-n LogSumExp(a - a_j)) = (e^{d_j - M} / sum_i e^{d_i - M})^n with d = a - a_1, M = max d
#: (shift invariance, softmax.shift_invariance), and expm1(-LogSumExp(a - a_j)) = softmax_j - 1 =
#: -sum_{i != j} softmax_i; applied when a module is printed: every entry of a softmax then shares
#: M, the e^{d_i - M} <= 1 and their sum.
SOFTMAX_SHARED = Rule(
    "softmax_shared_shift",
    "softmax.shift_invariance",
    lambda e: _softmax_power_parts(e) is not None,
    _softmax_shared,
    (t * sp.exp(-2 * LogSumExp(u - t, 0, -t)), t * _softmax_shared(sp.exp(-2 * LogSumExp(u - t, 0, -t)))),
)
SOFTMAX_SHARED_COMPLEMENT = Rule(
    "softmax_shared_complement",
    "softmax.shift_invariance, sum of softmax = 1",
    SOFTMAX_SHARED.query,
    SOFTMAX_SHARED.value,
    (t * expm1(-LogSumExp(u - t, 0, -t)), t * _softmax_shared(expm1(-LogSumExp(u - t, 0, -t)))),
)

#: The rules for user expressions, in the order they are applied (each to a fixed point).
USER_RULES = (SIGMA_FROM_EXP, TANH_RATIO, LOG_COSH, SOFTPLUS_FROM_LOG, LOG_SOFTPLUS, SIGMA_OVER_SOFTPLUS,
              LOG_SUM_EXP, SOFTMAX_RATIO, LSE_SHIFT,
              SIGMA_SYMMETRY_ANY, LOG_SIGMA, TANH_SQUARE, TANH_SHIFT, EXPM1, SUM_OVER_ROOT, SQRT_RATIONALISE, LOG1P)
#: Proved as well (same function as TANH_SHIFT, the other sign).
USER_RULE_PROOFS = USER_RULES + (TANH_SHIFT_MINUS, SIGMA_SIGN_SPLIT, SOFTPLUS_STABLE, ZERO_TIMES_EXP, SOFTMAX_SHARED,
                                  SOFTMAX_SHARED_COMPLEMENT)
#: Applied once, last, when the module is printed: guards, and the notation in primitive stable form.
PRINT_RULES = (ZERO_TIMES_EXP, SOFTMAX_SHARED, SIGMA_SIGN_SPLIT, SOFTPLUS_STABLE)

_PROOF_CONTEXT = ProofContext(
    definitions=(SIGMA_DEFINITION, to_plain),
    domains=((u, Uniform(-30, 30)), (t, Uniform(0, 1))),
)


def prove_rule_outputs(rules) -> dict[str, str]:
    """Prove that each rule, applied to the left side of its template, changes it into an equal
    expression (what the rule's code does, not only the identity it is named after). Where the
    rule's output is the template's right side, :func:`prove_rules` proves that very pair."""
    from derive.derivation import ProofError
    from derive.proof import prove_equal

    methods = {}
    for rule in rules:
        before = rule.template[0]
        after = rule(before)
        if after == before:
            raise ProofError(f"rewrite rule {rule.name!r} does not apply to its own template")
        if after == rule.template[1]:
            methods[rule.name] = "as the template"  # the pair prove_rules proves
            continue
        proof = prove_equal(before, after, _PROOF_CONTEXT)
        if not proof.verified:
            raise ProofError(f"rewrite rule {rule.name!r} changes {before} into {after}, not equal: {proof.detail}")
        methods[rule.name] = proof.method
    return methods


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
