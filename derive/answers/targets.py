r"""What an answer is checked against: a result of a topic, or an expression from a grading key.

A :class:`Target` holds the expected expression in *index form* (a matrix result such as
:math:`\operatorname{diag}(y) - y y^T` as its entry :math:`(i, j)`), the question's left-hand side
(to recognise an answer that restates it), the undifferentiated function of a derivative
question (for the diagnosis "the function instead of its derivative"), the symbol table of the
answer, and the proof context (definitions, domains, indices) of the topic.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import lru_cache

import sympy as sp
from sympy.matrices.expressions.diagonal import DiagMatrix

from derive.answers import tensors as tn
from derive.answers.contexts import context_for
from derive.answers.symbols import SymbolTable, table_for, table_for_variables
from derive.context import ProofContext
from derive.notation import (K, LOGIT_DEFINITION, SIGMA_DEFINITION, SOFTMAX_DEFINITION, i, j)


class TargetError(KeyError):
    """An unknown result id or an unusable key entry."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Target:
    id: str
    expr: sp.Basic
    lhs: sp.Basic | None
    function: sp.Basic | None
    table: SymbolTable
    ctx: ProofContext
    #: The question's left-hand side is written as a number/index form (not a matrix).
    lhs_is_scalar: bool = True


#: The context of answers: a little cheaper than a derivation's proofs, still 30 digits.
ANSWER_POINTS, ANSWER_DIGITS = 8, 30


def _answer_context(ctx: ProofContext) -> ProofContext:
    return ctx.with_(points=ANSWER_POINTS, digits=ANSWER_DIGITS, distinct_indices=False)


def _matrix_value(expr: sp.Basic, table: SymbolTable):
    """A SymPy matrix expression (MatrixSymbol, DiagMatrix, MatMul, MatAdd, Transpose) as a Tensor."""
    size = table.size or K
    if isinstance(expr, sp.MatrixSymbol):
        name = expr.name[2:] if expr.name.startswith("1_") else expr.name  # 1_t: the one-hot vector t
        base = table.families.get(name) or sp.IndexedBase(name)
        return tn.Tensor("col", base[tn.ROW]) if expr.shape[1] == 1 else tn.Tensor("mat", base[tn.ROW, tn.COL])
    if isinstance(expr, DiagMatrix):
        return tn.diag(_matrix_value(expr.args[0], table))
    if isinstance(expr, sp.Transpose):
        return _matrix_value(expr.args[0], table).T()
    if isinstance(expr, sp.MatAdd):
        out = _matrix_value(expr.args[0], table)
        for a in expr.args[1:]:
            out = tn.add(out, _matrix_value(a, table), 1)
        return out
    if isinstance(expr, sp.MatMul):
        out = None
        for a in expr.args:
            v = _matrix_value(a, table) if isinstance(a, sp.MatrixExpr) else a
            out = v if out is None else tn.matmul(out, v, size)
        return out
    raise TargetError(f"cannot read the matrix expression {expr}")


def _index_form(expr: sp.Basic, table: SymbolTable) -> sp.Basic:
    if isinstance(expr, sp.MatrixExpr):
        return tn.to_index_form(_matrix_value(expr, table), table.matrix_order or table.indices or (i, j))
    return expr


def _topic_of(result_id: str):
    from derive.topics import TOPICS

    parts = result_id.split(".")
    for n in range(len(parts) - 1, 0, -1):
        topic = TOPICS.get(".".join(parts[:n]))
        if topic is not None:
            return topic
    raise TargetError(f"unknown result id {result_id!r}; see 'derive list' for the result ids")


@lru_cache(maxsize=None)
def target_for_result(result_id: str) -> Target:
    """The target of a result id such as ``softmax.jacobian`` (builds and proves the topic once)."""
    topic = _topic_of(result_id)
    derivation = topic.build()
    try:
        result = derivation.result(result_id)
    except KeyError:
        ids = ", ".join(r.id for r in derivation.results)
        raise TargetError(f"unknown result id {result_id!r}; {topic.id} has: {ids}") from None
    module = importlib.import_module(topic.module)
    ctx = context_for(topic.id, module, result)
    table = table_for(result.lhs, result.expr, result.variables, ctx)
    expr = _index_form(result.expr, table)
    lhs = _index_form(result.lhs, table)
    function = None
    if isinstance(result.lhs, sp.Derivative):
        function = result.lhs.expr
    return Target(result_id, expr, lhs, function, table, _answer_context(ctx),
                  not isinstance(result.lhs, sp.MatrixExpr))


def _generic_context(indices) -> ProofContext:
    from derive.context import VectorDomain
    from derive.notation import t

    return ProofContext(definitions=(SIGMA_DEFINITION, SOFTMAX_DEFINITION, LOGIT_DEFINITION),
                        families=((t, VectorDomain("one_hot")),), indices=tuple(indices) or (i, j), size=K)


@lru_cache(maxsize=256)
def target_for_expected(expression: str, variables: tuple[str, ...], name: str = "expected") -> Target:
    """The target of a key entry ``{"expected": EXPRESSION, "variables": [...]}``.

    The expression is parsed with the same safe parser as answers (keys are files, too).
    """
    from derive.answers.parser import parse_answer

    try:
        table, indices = table_for_variables(list(variables))
    except ValueError as exc:
        raise TargetError(str(exc)) from None
    ctx = _generic_context(indices)
    table.indices = tuple(indices)
    expr = parse_answer(expression, table).expr
    return Target(name, expr, None, None, table, _answer_context(ctx))


def resolve(key) -> Target:
    """A target from a task key: ``("result", id)`` or ``("expected", expression, variables)``."""
    if key[0] == "result":
        return target_for_result(key[1])
    return target_for_expected(key[1], tuple(key[2]))
