r"""Proved rewrite rules for index-notation results (``derive grad ... --wrt z_j --numpy``).

The derivation's results are SymPy expressions in index notation: ``Indexed`` entries
:math:`z_k`, sums :math:`\sum_{k=1}^K`, and the notation functions
:class:`~derive.differentiate.indexed.Softmax` and
:class:`~derive.differentiate.indexed.LogSumExp`. These rules rewrite them into forms whose
printed NumPy code (:mod:`derive.codegen.vector_module`) has no cancellation and no overflow:

* :math:`\log \operatorname{softmax}(z)_k \to \operatorname{log\_softmax}(z)_k`, printed as
  :math:`(z_k - M) - \operatorname{log1p}(s)` with :math:`M = \max z` and
  :math:`s = \sum_{i \ne \arg\max} e^{z_i - M}` (no :math:`\log 0` where the softmax underflows,
  no cancellation where one entry dominates);
* :math:`\sum_k \operatorname{softmax}(z)_k \to 1`;
* :math:`c\,\operatorname{softmax}(z)_j - c\,x \to c\,(\operatorname{softmax}(z)_j (1 - x) -
  x\,(1 - \operatorname{softmax}(z)_j))` with :math:`1 - \operatorname{softmax}(z)_j` printed
  as the sum of the other entries (the cross-entropy gradient :math:`p_j - t_j` at a one-hot
  :math:`t` and :math:`p_j \approx 1`).

Each rule is a :class:`~derive.codegen.rewriting.Rule` whose template is in index notation; it is
proved by the project's proof engine (numerically for K = 2..5, in 50 digits) before any code is
printed, and what its code does to the template is proved as well.
"""

from __future__ import annotations

import sympy as sp

from derive.codegen.rewriting import Rule, apply_rules
from derive.context import ProofContext, Uniform, VectorDomain
from derive.differentiate.indexed import LogSumExp, Softmax, expand_softmax
from derive.notation import K

_z = sp.IndexedBase(sp.Symbol("z", real=True))
_x = sp.IndexedBase(sp.Symbol("x", real=True))
_j = sp.Symbol("j", integer=True, positive=True)
_k = sp.Symbol("k", integer=True, positive=True)
_c = sp.Symbol("c", real=True)


class LogSoftmax(sp.Function):
    r""":math:`\operatorname{log\_softmax}(z)_k = z_k - \operatorname{logsumexp}(z)` (args: the
    IndexedBase and the index); printed max-shifted."""

    nargs = 2


class SoftmaxComplement(sp.Function):
    r""":math:`1 - \operatorname{softmax}(z)_k = \sum_{i \ne k} \operatorname{softmax}(z)_i` (args:
    the IndexedBase and the index); printed as the sum of the other entries."""

    nargs = 2


class SoftmaxMeanMinus(sp.Function):
    r""":math:`\sum_k \operatorname{softmax}(z)_k z_k - z_j` (args: the IndexedBase and the index
    j); printed with :math:`d = z - \max z` as :math:`\sum_k \operatorname{softmax}(z)_k d_k - d_j`
    (shift invariance, the softmax sums to 1): at the largest entry :math:`d_j = 0` and every term
    of the sum is :math:`\le 0`, no cancellation."""

    nargs = 2


def _mean_minus_body(base, j):
    m = sp.Dummy("m", integer=True, positive=True)
    return sp.Sum(Softmax(base, m) * base[m], (m, 1, K)) - base[j]


def expand_vector_notation(expr: sp.Basic) -> sp.Basic:
    """:class:`LogSoftmax`, :class:`SoftmaxComplement`, :class:`SoftmaxMeanMinus`, softmax and
    logsumexp by their definitions."""
    expr = expr.replace(lambda e: isinstance(e, SoftmaxMeanMinus), lambda e: _mean_minus_body(*e.args))
    expr = expr.replace(lambda e: isinstance(e, LogSoftmax), lambda e: e.args[0][e.args[1]] - LogSumExp(e.args[0]))
    expr = expr.replace(lambda e: isinstance(e, SoftmaxComplement), lambda e: 1 - Softmax(*e.args))
    return expand_softmax(expr)


#: log softmax(z)_k = log_softmax(z)_k = z_k - logsumexp(z)  (definition of softmax).
LOG_SOFTMAX = Rule(
    "log_softmax",
    "definition of softmax: log(e^{z_k} / sum_i e^{z_i}) = z_k - logsumexp(z)",
    lambda e: isinstance(e, sp.log) and isinstance(e.args[0], Softmax),
    lambda e: LogSoftmax(*e.args[0].args),
    (_c * sp.log(Softmax(_z, _j)), _c * LogSoftmax(_z, _j)),
)


def _entry_minus_lse_parts(e):
    """For a sum with terms ``c z_k`` and ``-c logsumexp(z)``: ``(c, z_k, other terms)``; else None."""
    if not e.is_Add:
        return None
    for a in e.args:
        c, f = a.as_independent(LogSumExp, as_Add=False)
        if not isinstance(f, LogSumExp):
            continue
        for b in e.args:
            if b is not a and isinstance(x := sp.expand(-b / c), sp.Indexed) and x.base == f.args[0]:
                return c, x, [g for g in e.args if g is not a and g is not b]
    return None


def _entry_minus_lse(e):
    c, x, others = _entry_minus_lse_parts(e)
    return sp.Add(-c * LogSoftmax(x.base, x.indices[0]), *others)


#: z_k - logsumexp(z) = log_softmax(z)_k  (definition of softmax).
ENTRY_MINUS_LSE = Rule(
    "log_softmax_from_logsumexp",
    "definition of softmax: z_k - logsumexp(z) = log softmax(z)_k",
    lambda e: _entry_minus_lse_parts(e) is not None,
    _entry_minus_lse,
    (_c * (_z[_j] - LogSumExp(_z)) + 1, _c * LogSoftmax(_z, _j) + 1),
)


def _mean_minus_parts(e):
    """For a sum with terms ``c sum_k softmax(z)_k log_softmax(z)_k`` and ``-c log_softmax(z)_j``:
    ``(c, z, j, other terms)``; else None."""
    if not e.is_Add:
        return None
    for a in e.args:
        c, s = a.as_independent(sp.Sum, as_Add=False)
        if not (isinstance(s, sp.Sum) and len(s.limits) == 1):
            continue
        k = s.limits[0][0]
        body = s.function
        ls = [f for f in sp.Mul.make_args(body) if isinstance(f, LogSoftmax)]
        if not (ls and ls[0].args[1] == k and tuple(s.limits[0][1:]) == (1, K) and body == Softmax(ls[0].args[0], k) * ls[0]):
            continue
        z = ls[0].args[0]
        for b in e.args:
            x = sp.expand(-b / c)
            if b is not a and isinstance(x, LogSoftmax) and x.args[0] == z and x.args[1] != k:
                return c, z, x.args[1], [g for g in e.args if g is not a and g is not b]
    return None


def _mean_minus(e):
    c, z, j, others = _mean_minus_parts(e)
    return sp.Add(c * SoftmaxMeanMinus(z, j), *others)


#: sum_k softmax(z)_k log_softmax(z)_k - log_softmax(z)_j = sum_k softmax(z)_k z_k - z_j (the
#: logsumexp cancels: the softmax sums to 1), the entropy's gradient without cancellation.
MEAN_MINUS = Rule(
    "softmax_mean_minus",
    "log_softmax(z)_k = z_k - logsumexp(z), sum_k softmax(z)_k = 1",
    lambda e: _mean_minus_parts(e) is not None,
    _mean_minus,
    (_c * sp.Sum(Softmax(_z, _k) * LogSoftmax(_z, _k), (_k, 1, K)) - _c * LogSoftmax(_z, _j) + 1,
     _c * SoftmaxMeanMinus(_z, _j) + 1),
)


def _is_softmax_sum(e):
    return (isinstance(e, sp.Sum) and len(e.limits) == 1 and isinstance(e.function, Softmax)
            and e.function.args[1] == e.limits[0][0] and tuple(e.limits[0][1:]) == (1, K))


#: sum_k softmax(z)_k = 1  (softmax.normalised).
SUM_SOFTMAX = Rule(
    "sum_softmax_one",
    "the entries of a softmax sum to 1",
    _is_softmax_sum,
    lambda e: sp.S.One,
    (_c * sp.Sum(Softmax(_z, _k), (_k, 1, K)), _c),
)


def _softmax_minus_parts(e):
    """For a sum with terms ``c softmax(z)_i`` and ``-c x`` (``x`` an entry of a vector):
    ``(c, softmax, x, other terms)``; else None."""
    if not e.is_Add:
        return None
    for a in e.args:
        c, f = a.as_independent(Softmax, as_Add=False)
        if not isinstance(f, Softmax):
            continue
        for b in e.args:
            if b is a:
                continue
            x = sp.expand(-b / c)
            if isinstance(x, sp.Indexed) and x.indices == (f.args[1],):
                return c, f, x, [g for g in e.args if g is not a and g is not b]
    return None


def _softmax_minus(e):
    c, p, x, others = _softmax_minus_parts(e)
    return sp.Add(c * (p * (1 - x) - x * SoftmaxComplement(*p.args)), *others)


#: c softmax(z)_j - c x_j = c (softmax(z)_j (1 - x_j) - x_j (1 - softmax(z)_j)): the difference
#: of two numbers near 1 (a one-hot target and a confident softmax) becomes a sum of the other
#: entries of the softmax, with no cancellation.
SOFTMAX_MINUS = Rule(
    "softmax_minus_entry",
    "p - x = p (1 - x) - x (1 - p)",
    lambda e: _softmax_minus_parts(e) is not None,
    _softmax_minus,
    (_c * Softmax(_z, _j) - _c * _x[_j] + 1, _c * (Softmax(_z, _j) * (1 - _x[_j]) - _x[_j] * SoftmaxComplement(_z, _j)) + 1),
)

#: The rules for index-notation results, in the order they are applied (each to a fixed point).
VECTOR_RULES = (LOG_SOFTMAX, ENTRY_MINUS_LSE, SUM_SOFTMAX, MEAN_MINUS, SOFTMAX_MINUS)

_PROOF_CONTEXT = ProofContext(
    definitions=(expand_vector_notation,),
    domains=((_c, Uniform(-3, 3)),),
    families=((_z, VectorDomain("uniform", Uniform(-30, 30))), (_x, VectorDomain("simplex"))),
    indices=(_j,),
    size=K,
)


def prove_vector_rules(rules=VECTOR_RULES) -> dict[str, str]:
    """Prove each rule's template, and that its code turns the template's left side into an
    equal expression, with the proof engine (vectors of length K = 2..5); raise on failure."""
    from derive.derivation import ProofError
    from derive.proof import prove_equal

    methods = {}
    for rule in rules:
        before, after = rule.template
        proof = prove_equal(before, after, _PROOF_CONTEXT)
        if not proof.verified:
            raise ProofError(f"rewrite rule {rule.name!r} is not an identity: {proof.detail}")
        done = rule(before)
        if done == before:
            raise ProofError(f"rewrite rule {rule.name!r} does not apply to its own template")
        output = prove_equal(before, done, _PROOF_CONTEXT)
        if not output.verified:
            raise ProofError(f"rewrite rule {rule.name!r} changes {before} into {done}, not equal: {output.detail}")
        methods[rule.name] = proof.method
    return methods


def stabilise_vector(expr: sp.Basic, used: set | None = None, max_rounds: int = 8) -> sp.Basic:
    """``expr`` rewritten by :data:`VECTOR_RULES` (:func:`derive.codegen.rewriting.apply_rules`)."""
    return apply_rules(expr, VECTOR_RULES, used, max_rounds)
