r"""Name the rule that justifies a correct step :math:`a = b` (one already shown equivalent).

A declarative table, :data:`RULES`, of ``(name, test)`` pairs tried in order; the first test that
holds names the step. Tests look at the shape of the two sides only (counts of derivatives,
sums, deltas, definitions; SymPy's ``expand``/``factor``/``together``/``expand_log`` on small
expressions), so they are fast and bounded: an expression larger than :data:`MAX_NODES` gets no
algebraic test. The names are the rules of the project's derivations:

* derivatives taken: quotient rule, derivative of a reciprocal, product rule, chain rule,
  power rule, linearity of the derivative, derivative of the exponential/logarithm;
* definition of softmax (:math:`y_i = e^{z_i} / \sum_k e^{z_k}`), definition of the sigmoid;
* delta contraction (:math:`\sum_k a_k \delta_{ik} = a_i`), :math:`\sum_k t_k = 1`;
* shift invariance (:math:`e^{z_i + c}/\sum_k e^{z_k + c}`), :math:`\sigma(-x) = 1 - \sigma(x)`;
* log of a quotient / product, expand, factor out, common denominator, split the fraction.
"""

from __future__ import annotations

from typing import Callable

import sympy as sp

from derive.context import ProofContext
from derive.notation import sigma
from derive.notation import t as T_FAMILY
from derive.notation import y as Y_FAMILY

#: Expressions larger than this get no expand/factor test (they could be slow).
MAX_NODES = 400


def _size(e: sp.Basic) -> int:
    return sum(1 for _ in sp.preorder_traversal(e))


def _count(e: sp.Basic, pred: Callable[[sp.Basic], bool]) -> int:
    return sum(1 for n in sp.preorder_traversal(e) if pred(n))


def _is_y(n) -> bool:
    return isinstance(n, sp.Indexed) and n.base == Y_FAMILY


def _is_exp(n) -> bool:
    return isinstance(n, sp.exp)


def _derivatives(e: sp.Basic) -> list[sp.Derivative]:
    return [n for n in sp.preorder_traversal(e) if isinstance(n, sp.Derivative)]


def _depends(e: sp.Basic, v: sp.Basic) -> bool:
    return e.has(v) or (isinstance(v, sp.Indexed) and any(isinstance(n, sp.Indexed) and n.base == v.base
                                                           for n in sp.preorder_traversal(e)))


# --- derivatives ------------------------------------------------------------------------------------


def _taken(a: sp.Basic, b: sp.Basic) -> sp.Derivative | None:
    """The derivative of ``a`` that ``b`` no longer has, if any."""
    left = set(_derivatives(b))
    for d in _derivatives(a):
        if d not in left:
            return d
    return None


def _derivative_rule(a: sp.Basic, b: sp.Basic, ctx: ProofContext) -> str | None:
    d = _taken(a, b)
    if d is None:
        return None
    if len(_derivatives(b)) >= len(_derivatives(a)):
        # still as many derivatives: the outer function was differentiated (chain rule), or the
        # function was only rewritten (a definition, tried later)
        f = d.expr
        inner = f.base if isinstance(f, sp.Pow) else (f.args[0] if isinstance(f, sp.Function) and f.args else None)
        if inner is not None and any(e.expr == inner for e in _derivatives(b)):
            if isinstance(f, sp.log):
                return "chain rule, (log u)' = u'/u"
            if isinstance(f, sp.Pow) and f.exp == -1:
                return "derivative of a reciprocal, (1/g)' = -g'/g^2"
            return "chain rule"
        return None
    f, (v, _) = d.expr, d.variable_count[0]
    if isinstance(f, sp.Add):
        varying = [g for g in f.args if _depends(g, v)]
        if len(varying) != 1:
            return "linearity of the derivative"
        f = varying[0]  # the constant terms vanish; name the rule of the one that varies
    if isinstance(f, sp.Sum):
        return "linearity of the derivative"
    num, den = sp.fraction(f) if not isinstance(f, sp.exp) else (f, 1)  # e^{-x} is no fraction here
    if den != 1 and _depends(den, v):
        return "quotient rule" if _depends(num, v) else "derivative of a reciprocal"
    if isinstance(f, sp.Mul):
        if sum(1 for g in f.args if _depends(g, v)) >= 2:
            return "product rule"
        f = next((g for g in f.args if _depends(g, v)), f)  # a constant factor comes out
    if isinstance(f, sp.Pow) and _depends(f.base, v) and not _depends(f.exp, v):
        return "power rule" if f.base == v else "chain rule"
    if isinstance(f, (sp.exp, sp.log, sigma, sp.tanh, sp.Function)) and f.args:
        inner = f.args[0]
        if inner != v and _depends(inner, v):
            if isinstance(f, sp.log):
                return "chain rule, (log u)' = u'/u"
            if isinstance(f, sp.exp):
                return "derivative of the exponential, (e^g)' = e^g g'"
            return "chain rule"
        return {sp.exp: "derivative of the exponential", sp.log: "derivative of the logarithm",
                sigma: "derivative of the sigmoid"}.get(type(f), "differentiation")
    if _is_y(f):
        return "Jacobian of softmax"
    return "differentiation"


def _moved_inside(a: sp.Basic, b: sp.Basic, ctx: ProofContext) -> str | None:
    """Derivatives move into a sum: d/dv sum_k f_k = sum_k d/dv f_k."""
    da, db = _derivatives(a), _derivatives(b)
    if da and db and len(db) >= len(da) and any(isinstance(d.expr, (sp.Add, sp.Sum, sp.Mul)) for d in da):
        return "linearity of the derivative"
    return None


# --- definitions and identities -------------------------------------------------------------------


def _definition(is_name, is_body, name: str):
    def test(a: sp.Basic, b: sp.Basic, ctx: ProofContext) -> str | None:
        na, nb = _count(a, is_name), _count(b, is_name)
        ea, eb = _count(a, is_body), _count(b, is_body)
        if max(ea, eb) > 0 and ((na > nb and eb >= ea) or (nb > na and ea >= eb)):
            return name
        return None
    return test


def _delta_sums(e: sp.Basic) -> int:
    def contracts(n) -> bool:
        return isinstance(n, sp.Sum) and any(n.limits[0][0] in d.free_symbols
                                             for d in n.function.atoms(sp.KroneckerDelta))

    return _count(e, contracts)


def _delta_contraction(a: sp.Basic, b: sp.Basic, ctx: ProofContext) -> str | None:
    return "delta contraction" if _delta_sums(a) > _delta_sums(b) else None


def _target_sums(e: sp.Basic) -> int:
    return _count(e, lambda n: isinstance(n, sp.Sum) and isinstance(n.function, sp.Indexed)
                  and n.function.base == T_FAMILY)


def _one_hot(a: sp.Basic, b: sp.Basic, ctx: ProofContext) -> str | None:
    return "sum of the one-hot target is 1" if _target_sums(a) > _target_sums(b) else None


def _shift(a: sp.Basic, b: sp.Basic, ctx: ProofContext) -> str | None:
    """A constant ``c`` added to every logit appears or disappears inside exponentials."""
    ca = {s for s in a.free_symbols if s.name == "c"}
    cb = {s for s in b.free_symbols if s.name == "c"}
    return "shift invariance" if ca != cb and a.has(sp.exp) and b.has(sp.exp) else None


def _sigma_arguments(e: sp.Basic) -> set:
    return {n.args[0] for n in sp.preorder_traversal(e) if isinstance(n, sigma)}


def _sigma_symmetry(a: sp.Basic, b: sp.Basic, ctx: ProofContext) -> str | None:
    sa, sb = _sigma_arguments(a), _sigma_arguments(b)
    if any(-u in sb for u in sa - sb) or any(-u in sa for u in sb - sa):
        return "sigma(-x) = 1 - sigma(x)"
    return None


# --- algebra ----------------------------------------------------------------------------------------


def _small(*es) -> bool:
    return all(_size(e) <= MAX_NODES for e in es)


def _split_sum(a: sp.Basic, b: sp.Basic, ctx: ProofContext) -> str | None:
    """A sum of a sum split into sums (or sums joined): :math:`\\sum_k (a_k + b_k) = \\sum_k a_k + \\sum_k b_k`."""
    sa, sb = _count(a, lambda n: isinstance(n, sp.Sum)), _count(b, lambda n: isinstance(n, sp.Sum))
    if sa and sb and sa != sb:
        return "linearity of the sum" + (", cancel" if _size(b) < _size(a) else "")
    return None


def _logs(a: sp.Basic, b: sp.Basic, ctx: ProofContext) -> str | None:
    if not (a.has(sp.log) or b.has(sp.log)) or not _small(a, b):
        return None
    if sp.expand_log(a, force=True) == sp.expand_log(b, force=True) or \
            sp.expand(sp.expand_log(a, force=True) - sp.expand_log(b, force=True)) == 0:
        return "log of a quotient" if any(isinstance(n, sp.log) and sp.fraction(n.args[0])[1] != 1
                                          for n in sp.preorder_traversal(a)) else "logarithm rules"
    return None


def _terms(e: sp.Basic) -> int:
    return len(sp.Add.make_args(sp.fraction(sp.together(e))[0])) if isinstance(e, sp.Add) else len(sp.Add.make_args(e))


def _expand_or_factor(a: sp.Basic, b: sp.Basic, ctx: ProofContext) -> str | None:
    if not _small(a, b) or a.has(sp.Derivative) or b.has(sp.Derivative):
        return None
    if sp.expand(a - b) != 0:
        return None
    ta, tb = len(sp.Add.make_args(a)), len(sp.Add.make_args(b))
    if tb > ta:
        return "expand"
    if tb < ta:
        return "factor out"
    return None


def _fractions(a: sp.Basic, b: sp.Basic, ctx: ProofContext) -> str | None:
    if not _small(a, b) or a.has(sp.Derivative) or b.has(sp.Derivative):
        return None
    if sp.cancel(sp.together(a) - sp.together(b)) != 0:
        return None
    da = _count(a, lambda n: isinstance(n, sp.Pow) and n.exp.is_negative)
    db = _count(b, lambda n: isinstance(n, sp.Pow) and n.exp.is_negative)
    if da > db:
        return "common denominator"
    if db > da:
        return "split the fraction"
    return "simplify the fraction"


#: The rules, tried in order: (name of the family, test returning the rule's name or None).
RULES: tuple[tuple[str, Callable[[sp.Basic, sp.Basic, ProofContext], str | None]], ...] = (
    ("derivative", _derivative_rule),
    ("linearity", _moved_inside),
    ("definition of softmax", _definition(_is_y, _is_exp, "definition of softmax")),
    ("definition of the sigmoid", _definition(lambda n: isinstance(n, sigma), _is_exp, "definition of the sigmoid")),
    ("delta contraction", _delta_contraction),
    ("one-hot target", _one_hot),
    ("shift invariance", _shift),
    ("linearity of the sum", _split_sum),
    ("sigma symmetry", _sigma_symmetry),
    ("logarithms", _logs),
    ("expand / factor", _expand_or_factor),
    ("fractions", _fractions),
)


def rule_for(a: sp.Basic, b: sp.Basic, ctx: ProofContext) -> str | None:
    """The name of the rule that takes ``a`` to ``b`` (an equivalent step), or None."""
    if a == b:
        return "the same expression, rearranged"
    for _, test in RULES:
        try:
            name = test(a, b, ctx)
        except Exception:  # a shape SymPy cannot handle: no name from this rule
            name = None
        if name:
            return name
    return None
