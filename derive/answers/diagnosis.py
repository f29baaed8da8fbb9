r"""Name the mistake in a wrong answer: try known mistakes and see which one explains it.

Each rule turns the answer (or the expected expression) into a "repaired" variant; if the
repaired answer agrees with the expected result numerically, the rule names the mistake.

* ``own_function``: the answer equals the function of the question, not its derivative;
* ``sign_flipped``: :math:`-a = b`;
* ``indices_swapped``: :math:`a` with :math:`i \leftrightarrow j` equals :math:`b`;
* ``wrong_index``: :math:`a` with one free index renamed equals :math:`b`;
* ``delta_term_missing``: :math:`a` equals :math:`b` with :math:`\delta_{ij} = 0` (only the case
  :math:`i \ne j`);
* ``sigma_confusion``: one :math:`\sigma(u)` in the answer or the expected result turned into
  :math:`\sigma(-u)` explains it (:math:`1 - \sigma(x) = \sigma(-x)`, so
  :math:`1 - \sigma(-x) = \sigma(x)`);
* ``term_sign``: one term of a sum in the answer has the wrong sign
  (:math:`\sigma(x)(1 + \sigma(x))` for :math:`\sigma(x)(1 - \sigma(x))`);
* ``term_missing`` / ``term_extra``: the answer lacks one term of the expected sum, or has one
  term too many;
* ``factor_missing`` / ``factor_extra``: the answer lacks one factor of the expected product, or
  has one factor too many;
* ``constant_factor``: :math:`a = c\,b` for a constant :math:`c \ne 1`.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from derive.answers.equivalence import numeric_compare
from derive.answers.targets import Target
from derive.notation import sigma
from derive.printing import to_text


@dataclass(frozen=True)
class Diagnosis:
    name: str
    message: str


DIAGNOSIS_POINTS, DIAGNOSIS_DIGITS = 4, 20


def _same(a: sp.Basic, b: sp.Basic, target: Target) -> bool:
    ctx = target.ctx.with_(digits=DIAGNOSIS_DIGITS)
    return numeric_compare(a, b, ctx, points=DIAGNOSIS_POINTS).equal is True


def _nth_replaced(expr: sp.Basic, pred, fn, n: int):
    """``expr`` with the n-th node (pre-order) satisfying ``pred`` replaced by ``fn(node)``."""
    counter = [0]

    def walk(e):
        if pred(e):
            if counter[0] == n:
                counter[0] += 1
                return fn(e), True
            counter[0] += 1
        if not e.args:
            return e, False
        args, changed = [], False
        for a in e.args:
            new, ch = walk(a) if not changed else (a, False)
            args.append(new)
            changed = changed or ch
        return (e.func(*args) if changed else e), changed

    new, changed = walk(expr)
    return new if changed else None


def _sigma_variants(expr: sp.Basic):
    is_sigma = lambda e: isinstance(e, sigma)  # noqa: E731
    count = sum(1 for e in sp.preorder_traversal(expr) if is_sigma(e))
    for n in range(min(count, 6)):
        v = _nth_replaced(expr, is_sigma, lambda e: sigma(-e.args[0]), n)
        if v is not None:
            yield v


MAX_SUMS, MAX_TERMS = 6, 6  # a bounded search: diagnosis runs on untrusted answers


def _term_sign_variants(expr: sp.Basic):
    """``(term, sum, variant)``: ``expr`` with the sign of one term of one of its sums flipped."""
    sums = [e for e in sp.preorder_traversal(expr) if isinstance(e, sp.Add)][:MAX_SUMS]
    for total in sums:
        for term in total.args[:MAX_TERMS]:
            flipped = sp.Add(*[-t if t is term else t for t in total.args])
            yield term, total, expr.xreplace({total: flipped})


def _symbolic_factors(expr: sp.Basic) -> list[sp.Basic]:
    r"""The non-numeric factors of a product, and the base of a factor :math:`u^n` (:math:`n \ge 2`);
    at most ``MAX_TERMS``."""
    factors = []
    for f in sp.Mul.make_args(expr):
        if f.is_Pow and f.exp.is_Integer and f.exp > 1:
            factors.append(f.base)
        elif not f.is_number and f != expr:
            factors.append(f)
    return factors[:MAX_TERMS]


def _symbolic_terms(expr: sp.Basic) -> list[sp.Basic]:
    """The non-numeric terms of a sum (none for anything else), at most ``MAX_TERMS``."""
    return [t for t in sp.Add.make_args(expr) if not t.is_number and t != expr][:MAX_TERMS]


def _constant_ratio(answer, target: Target):
    ctx = target.ctx.with_(digits=DIAGNOSIS_DIGITS)
    values = numeric_compare(answer, target.expr, ctx, points=DIAGNOSIS_POINTS).values
    ratios = [va / vb for va, vb in values if abs(vb) > 1e-12]
    if not ratios:
        return None
    guess = sp.nsimplify(sp.Float(ratios[0], 15), rational=True, tolerance=1e-10)
    if guess in (0, 1) or abs(guess.q) > 1000:
        return None
    return guess


def diagnose(answer: sp.Basic, target: Target) -> Diagnosis | None:
    """The first named mistake that explains ``answer != target.expr``, or None."""
    b = target.expr
    if target.function is not None and _same(answer, target.function, target):
        return Diagnosis("own_function", "the answer is the function of the question itself, not its derivative")
    if _same(-answer, b, target):
        return Diagnosis("sign_flipped", "the sign is flipped: the answer is the negative of the expected result")
    idx = [s for s in target.table.indices if s in answer.free_symbols]
    if len(idx) >= 2:
        a, c = idx[:2]
        swapped = answer.xreplace({a: c, c: a})
        if swapped != answer and _same(swapped, b, target):
            return Diagnosis("indices_swapped", f"the indices {a} and {c} are swapped")
    for a in [s for s in answer.free_symbols if s in target.table.indices]:
        for c in target.table.indices:
            if c != a and _same(answer.xreplace({a: c}), b, target):
                return Diagnosis("wrong_index", f"the index {a} is used where {c} belongs")
    if b.has(sp.KroneckerDelta):
        off_diagonal = b.replace(lambda e: isinstance(e, sp.KroneckerDelta), lambda e: sp.S.Zero)
        if _same(answer, off_diagonal, target):
            return Diagnosis("delta_term_missing",
                             "the delta_ij term is missing: the answer is only right for i != j")
    if answer.has(sigma) or b.has(sigma):
        for repaired in _sigma_variants(answer):
            if _same(repaired, b, target):
                return Diagnosis("sigma_confusion", "sigma(-x) and sigma(x) are mixed up: 1 - sigma(x) = sigma(-x), "
                                                    "so 1 - sigma(-x) = sigma(x)")
        for wrong in _sigma_variants(b):
            if _same(answer, wrong, target):
                return Diagnosis("sigma_confusion", "sigma(-x) and sigma(x) are mixed up: 1 - sigma(x) = sigma(-x), "
                                                    "so 1 - sigma(-x) = sigma(x)")
    for term, total, repaired in _term_sign_variants(answer):
        if _same(repaired, b, target):
            return Diagnosis("term_sign", f"the term {to_text(term)} of {to_text(total)} has the wrong sign")
    for term in _symbolic_terms(b):
        if _same(answer, b - term, target):
            return Diagnosis("term_missing", f"the term {to_text(term)} is missing")
    for term in _symbolic_terms(answer):
        if _same(answer - term, b, target):
            return Diagnosis("term_extra", f"the term {to_text(term)} should not be there")
    for factor in _symbolic_factors(b):
        if _same(answer, b / factor, target):
            return Diagnosis("factor_missing", f"the factor {to_text(factor)} is missing")
    for factor in _symbolic_factors(answer):
        if _same(answer / factor, b, target):
            return Diagnosis("factor_extra", f"the factor {to_text(factor)} should not be there")
    c = _constant_ratio(answer, target)
    if c is not None and _same(answer, c * b, target):
        return Diagnosis("constant_factor", f"a constant factor is off: the answer is {c} times the expected result")
    return None
