r"""Free-standing expressions (``derive grad "x*sigma(x)" --wrt x``): the answers' grammar without a
question's symbol table.

The text is untrusted and goes through the same grammar, limits and errors as an answer
(:func:`derive.answers.parser.parse_answer`); only the names differ:

* ``e`` and ``pi`` are the constants; function names (``exp``, ``log``/``ln``, ``sqrt``, ``abs``,
  ``sin`` ... ``tanh``, ``sigma``/``σ``/``sigmoid``, ``relu``, ``softplus``, ``logit``) are functions;
* every other name is a real scalar variable, a word as much as a letter: ``m``, ``r``, ``alpha``,
  ``lambda``, ``xy`` (one variable called xy; write ``x*y`` or ``x y`` for a product);
* Greek letters are spelled out whichever way they are written: ``\lambda``, ``λ`` and ``lambda``
  are the same variable ``lambda`` (``sigma``/``σ``/``\sigma`` is the sigmoid, not a variable);
* a word directly before ``(`` is a call: an unknown one is an error listing the functions
  (``alpha*(1 - x)`` for a product); a single letter before ``(`` multiplies, as in ``x(1 - x)``;
* a numeric subscript makes a scalar name (``x_1``); a letter subscript (``z_j``) needs the vector
  to be declared (``vectors=("z",)``), or index notation: then every name with a letter subscript
  (``t_k``) and every argument of ``softmax``, ``log_softmax``, ``logsumexp`` is a vector of
  length ``K`` (``sum_k`` runs over 1..K).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

import sympy as sp

from derive.answers.errors import AnswerError, ParseError
from derive.answers.limits import DEFAULT_LIMITS, Limits
from derive.answers.parser import parse_answer
from derive.answers import grammar as g
from derive.answers.symbols import SymbolTable
from derive.notation import K


@dataclass(frozen=True)
class Expression:
    """A parsed expression and its variables (name -> real symbol, in order of first use)."""

    text: str
    expr: sp.Basic
    variables: dict[str, sp.Symbol]
    syntax: str  # "plain" | "latex"
    #: Vectors (name -> IndexedBase), each of length :data:`derive.notation.K`.
    vectors: dict[str, sp.IndexedBase] = field(default_factory=dict)


_SUBSCRIPTED = r"(?<![A-Za-z\\])([A-Za-z]+)_(?:\{\s*)?[A-Za-z]"
_VECTOR_ARGUMENT = r"(?:softmax|logsumexp)\}?\s*(?:\\left)?\s*[({]\s*([A-Za-z]+)\s*(?:\\right)?\s*[)}]"
_NOT_VECTORS = {"sum", "delta", "log", "e", "pi"} | set(g.FUNCTIONS)


def vector_names(text: str) -> list[str]:
    """The vectors of an expression in index notation: names with a letter subscript (``t_k``)
    and arguments of ``softmax``, ``log_softmax``, ``logsumexp`` (a scan of the text: the parser
    must know them before it reads ``z``)."""
    found = re.findall(_SUBSCRIPTED, text) + re.findall(_VECTOR_ARGUMENT, text)  # no re.compile: see the security test
    return [n for n in dict.fromkeys(found) if n not in _NOT_VECTORS]


def _reworded(exc: AnswerError) -> AnswerError:
    """The answers' messages speak of "the answer"; here it is an expression."""
    exc.message = exc.message.replace("the answer", "the expression").replace("an answer", "an expression")
    if "not bound by a sum" in exc.message:
        exc.message = exc.message.split(" (free indices")[0]
        exc.hint = "the expression must be a number: sum over every index (sum_k z_k), no bare vector"
    exc.args = (exc.message,)
    return exc


def parse_expression(text: str, *, vectors: Sequence[str] = (), index_notation: bool = False,
                     limits: Limits = DEFAULT_LIMITS) -> Expression:
    """Parse ``text`` (untrusted) as a free-standing scalar expression; raises :class:`AnswerError`
    (with a 0-based ``position`` where known). ``vectors`` are declared vectors; with
    ``index_notation`` the vectors are also read off the text (:func:`vector_names`)."""
    table = SymbolTable(open=True)
    names = list(vectors) + (vector_names(text) if index_notation else [])
    for name in dict.fromkeys(names):
        table.families[name] = sp.IndexedBase(name, real=True)
    if table.families:
        table.size = K
    try:
        parsed = parse_answer(text, table, limits=limits)
    except AnswerError as exc:
        raise _reworded(exc) from None
    if parsed.shape != "scalar":
        raise ParseError("the expression is not a number")
    used = parsed.expr.free_symbols
    variables = {name: s for name, s in table.scalars.items() if s in used}
    families = {n: b for n, b in table.families.items() if parsed.expr.has(b)}
    return Expression(text, parsed.expr, variables, parsed.syntax, families)


def parse_variable(text: str) -> str:
    """The name of one variable as ``--wrt`` gives it (``x``, ``lambda``, ``λ``, ``\\lambda``, ``x_1``)."""
    try:
        value = parse_expression(text).expr
    except AnswerError as exc:
        raise ParseError(f"{text!r} is not a variable name ({exc.message})") from None
    if not isinstance(value, sp.Symbol):
        raise ParseError(f"{text!r} is not a variable name")
    return value.name
