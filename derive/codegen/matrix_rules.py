r"""Proved rewrite rules for matrix expressions, applied before a matrix module is printed.

Elementwise parts need no rules of their own: the printer fuses each elementwise region
(:math:`\log(1 + e^{-t \odot Xw})`) into one scalar formula of its operands and rewrites it with
the scalar rules of :data:`derive.codegen.rewriting.USER_RULES`. The rules here cross a
reduction, where the scalar rules cannot see:

=================  ==============================================  ===================================
rule               before                                          after
=================  ==============================================  ===================================
log_sum_exp        :math:`\log \operatorname{sum}(e^{v})`           :math:`\operatorname{logsumexp}(v)`
log_softmax        :math:`\log(\operatorname{softmax}(A))`         :math:`\operatorname{log\_softmax}(A)`
softmax_minus_     :math:`\operatorname{softmax}(A) - T`           :math:`P \odot (1 - T) - T \odot (1 - P)`
target                                                             with :math:`1 - P` the sum of the
                                                                   other entries (no cancellation at
                                                                   a one-hot target)
=================  ==============================================  ===================================

Each rule's template is proved by the engine (index form, random concrete sizes), as the steps
of a matrix derivation are; and so is what its code does to the template.
"""

from __future__ import annotations

import sympy as sp

from derive.codegen.rewriting import Rule, apply_rules
from derive.differentiate import matrix_forms as mf

_N, _P = sp.Symbol("N", integer=True, positive=True), sp.Symbol("P", integer=True, positive=True)
_V = mf.MV(sp.IndexedBase("v", real=True), _N, mf.ONE)
_A = mf.MV(sp.IndexedBase("A", real=True), _N, _P)
_T = mf.MV(sp.IndexedBase("T", real=True), _N, _P)
_U = sp.Dummy("u", real=True)


def _is_map_of(node: sp.Basic, func) -> bool:
    """Whether ``node`` is the elementwise map of ``func`` (``exp``, ``log``) itself."""
    if not isinstance(node, mf.MMap):
        return False
    fn = node.args[0]
    return fn.expr == func(fn.variables[0])


def _is_log_sum_exp(e: sp.Basic) -> bool:
    if not (isinstance(e, sp.log) and isinstance(e.args[0], mf.MSum)):
        return False
    inner = e.args[0].args[0]
    return _is_map_of(inner, sp.exp) and mf.shape(inner)[1] == 1


LOG_SUM_EXP = Rule(
    "log_sum_exp", r"\log\sum_k e^{v_k} = \operatorname{logsumexp}(v), computed max-shifted",
    _is_log_sum_exp,
    lambda e: mf.MLogSumExp(e.args[0].args[0].args[1]),
    (sp.log(mf.MSum(mf.MMap(sp.Lambda(_U, sp.exp(_U)), _V))), mf.MLogSumExp(_V)),
)

LOG_SOFTMAX = Rule(
    "log_softmax", r"\log\operatorname{softmax}(A) = \operatorname{log\_softmax}(A), computed max-shifted",
    lambda e: _is_map_of(e, sp.log) and isinstance(e.args[1], mf.MSoftmax),
    lambda e: mf.MLogSoftmax(e.args[1].args[0]),
    (mf.MMap(sp.Lambda(_U, sp.log(_U)), mf.MSoftmax(_A)), mf.MLogSoftmax(_A)),
)

class MSoftmaxComplement(mf.MatrixNode):
    r""":math:`\mathbf{1} - \operatorname{softmax}(A)` (of a vector, or of each row), printed
    without cancellation: the sum of the other entries' :math:`e^{a_k - m}` over their total."""

    nargs = 1

    def matrix_shape(self):
        return mf.shape(self.args[0])

    def index_entry(self, r, c):
        return 1 - mf.entry(mf.MSoftmax(self.args[0]), r, c)


def _softmax_minus_parts(e):
    r"""``(A, T)`` for :math:`\operatorname{softmax}(A) - T` (two terms), else None."""
    if not (isinstance(e, mf.MAdd) and len(e.args) == 2):
        return None
    for p, m in (e.args, e.args[::-1]):
        if isinstance(p, mf.MSoftmax) and isinstance(m, mf.MScale) and m.args[0] == -1 and mf.is_matrix(m.args[1]):
            return p.args[0], m.args[1]
    return None


def softmax_minus_form(a, t):
    r""":math:`\operatorname{softmax}(A) \odot (1 - T) - T \odot (1 - \operatorname{softmax}(A))`."""
    return mf.MAdd(mf.MHad(mf.MSoftmax(a), mf.MAdd(mf.ONE, mf.MScale(-1, t))),
                   mf.MScale(-1, mf.MHad(t, MSoftmaxComplement(a))))


def softmax_minus_operands(node):
    """``(A, T)`` if ``node`` is :func:`softmax_minus_form` (A, T) (the printer computes it with
    one helper), else None."""
    if not (isinstance(node, mf.MAdd) and len(node.args) == 2):
        return None
    for complement in node.atoms(MSoftmaxComplement):
        for term in node.args:
            if isinstance(term, mf.MScale) and isinstance(term.args[1], mf.MHad):
                t = term.args[1].args[0]
                if node == softmax_minus_form(complement.args[0], t):
                    return complement.args[0], t
    return None


SOFTMAX_MINUS = Rule(
    "softmax_minus_target", r"p - t = p(1 - t) - t(1 - p), with 1 - p = \sum_{k \ne j} p_k computed directly",
    lambda e: _softmax_minus_parts(e) is not None,
    lambda e: softmax_minus_form(*_softmax_minus_parts(e)),
    (mf.MAdd(mf.MSoftmax(_A), mf.MScale(-1, _T)), softmax_minus_form(_A, _T)),
)

#: The rules, in the order they are applied (each to a fixed point).
MATRIX_RULES = (LOG_SUM_EXP, LOG_SOFTMAX, SOFTMAX_MINUS)


def _scalar_view(node: sp.Basic) -> sp.Basic:
    """A matrix-valued template compared entry by entry: its entry :math:`(i, j)`."""
    if not mf.is_matrix(node):
        return node
    i, j = sp.symbols("i j", integer=True, positive=True)
    return mf.MatrixEntry(node, i, j) if mf.shape(node)[1] != 1 else mf.MatrixEntry(node, i)


def prove_matrix_rules(rules=MATRIX_RULES) -> dict[str, str]:
    """Prove each rule's template and what its code does to the template's left side, with the
    prover of matrix derivations (index form at random sizes 2..4); raise ProofError on failure."""
    from derive.context import ProofContext
    from derive.derivation import ProofError
    from derive.differentiate.functions import DEFINITIONS
    from derive.differentiate.matrix_grad import prove_at_sizes

    ctx = ProofContext(definitions=DEFINITIONS + (mf.index_form,), points=3)
    i, j = sp.symbols("i j", integer=True, positive=True)
    methods = {}
    for rule in rules:
        before, after = rule.template
        done = rule(before)
        if done == before:
            raise ProofError(f"matrix rewrite rule {rule.name!r} does not apply to its own template")
        rows, cols = mf.shape(before)
        ranges = {} if not mf.is_matrix(before) else {i: rows} if cols == 1 else {i: rows, j: cols}
        prove = prove_at_sizes([_N, _P], ranges)
        for claim in (after, done):
            proof = prove(_scalar_view(before), _scalar_view(claim), ctx)
            if not proof.verified:
                raise ProofError(f"matrix rewrite rule {rule.name!r} is not an identity: {proof.detail}")
        methods[rule.name] = proof.method
    return methods


def stabilise_matrix(expr: sp.Basic, used: set | None = None, max_rounds: int = 8) -> sp.Basic:
    """``expr`` rewritten by :data:`MATRIX_RULES` (:func:`derive.codegen.rewriting.apply_rules`)."""
    return apply_rules(expr, MATRIX_RULES, used, max_rounds)


__all__ = ["MATRIX_RULES", "prove_matrix_rules", "stabilise_matrix"]
