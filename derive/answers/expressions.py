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
from derive.answers.symbols import INDEX_LETTERS, SymbolTable, index_symbol
from derive.notation import K


@dataclass(frozen=True)
class Expression:
    """A parsed expression and its variables (name -> real symbol, in order of first use)."""

    text: str
    expr: sp.Basic
    variables: dict[str, sp.Symbol]
    syntax: str  # "plain" | "latex"
    #: Vectors (name -> IndexedBase), each of length :data:`derive.notation.K` (index notation with
    #: matrices: of the length its indices give it).
    vectors: dict[str, sp.IndexedBase] = field(default_factory=dict)
    #: Matrices (name -> IndexedBase), written with two indices (``X_nd``).
    matrices: dict[str, sp.IndexedBase] = field(default_factory=dict)
    #: Dimensions named as upper bounds of sums (``sum_{n=1}^N``): name -> integer symbol.
    dimensions: dict[str, sp.Symbol] = field(default_factory=dict)


_SUBSCRIPTED = r"(?<![A-Za-z\\])([A-Za-z]+)_(?:\{\s*)?[A-Za-z]"
_VECTOR_ARGUMENT = r"(?:softmax|logsumexp)\}?\s*(?:\\left)?\s*[({]\s*([A-Za-z]+)\s*(?:\\right)?\s*[)}]"
_NOT_VECTORS = {"sum", "delta", "log", "e", "pi"} | set(g.FUNCTIONS)


def vector_names(text: str) -> list[str]:
    """The vectors of an expression in index notation: names with a letter subscript (``t_k``)
    and arguments of ``softmax``, ``log_softmax``, ``logsumexp`` (a scan of the text: the parser
    must know them before it reads ``z``)."""
    found = re.findall(_SUBSCRIPTED, text) + re.findall(_VECTOR_ARGUMENT, text)  # no re.compile: see the security test
    return [n for n in dict.fromkeys(found) if n not in _NOT_VECTORS]


#: A name with a letter subscript: ``X_nd``, ``X_{nd}``, ``X_{n,d}``, ``t_k`` (group 2: the subscript).
_SUBSCRIPT_USE = r"(?<![A-Za-z\\])([A-Za-z]+)_(\{[^{}]*\}|[A-Za-z]+)"
#: The index of a sum: ``sum_n``, ``\sum_{n=1}``, ``Σ_n``.
_SUM_INDEX = r"(?:(?<![A-Za-z])sum|\u03a3)_\{?\s*([A-Za-z])"
#: The upper bound of a sum named by a letter: ``sum_n^N``, ``\sum_{n=1}^{N}``.
_SUM_BOUND = r"(?:(?<![A-Za-z])sum|\u03a3)_(?:\{[^{}]*\}|[A-Za-z])\s*\^\s*(?:\{\s*([A-Za-z]+)\s*\}|([A-Za-z]+))"


@dataclass(frozen=True)
class IndexUse:
    """One name written with letter subscripts: ``X_nd`` is ("X", ("n", "d"), position of X)."""

    name: str
    indices: tuple[str, ...]
    position: int
    shown: str


def index_uses(text: str) -> list[IndexUse]:
    """Every name with a letter subscript in ``text`` (a scan: the parser must know the matrices
    before it reads ``X_nd``), functions, ``sum`` and ``delta`` left out."""
    out = []
    for m in re.finditer(_SUBSCRIPT_USE, text):  # no re.compile: see the security test
        name, sub = m.group(1), m.group(2)
        if name in _NOT_VECTORS:
            continue
        letters = re.findall(r"[A-Za-z]", sub) if sub.startswith("{") else list(sub)
        if letters and not re.search(r"[0-9=]", sub):
            out.append(IndexUse(name, tuple(letters), m.start(), m.group(0)))
    return out


def matrix_names(text: str) -> list[str]:
    """The matrices of an expression in index notation: names written with two letter subscripts
    (``X_nd``, ``X_{nd}``, ``X_{n,d}``). Raises :class:`ParseError` for a name written with two
    indices in one place and one in another (``X_nd`` and ``X_n``), or with three or more."""
    uses = index_uses(text)
    matrices = [u.name for u in uses if len(u.indices) == 2]
    if not any(len(u.indices) >= 2 for u in uses):
        return []
    first: dict[str, IndexUse] = {}
    for u in uses:
        if len(u.indices) > 2:
            raise ParseError(f"{u.shown} has {len(u.indices)} indices; index notation has vectors (z_k) and "
                             f"matrices (X_nd), not tensors", u.position)
        seen = first.setdefault(u.name, u)
        if len(seen.indices) != len(u.indices):
            two, one = (seen, u) if len(seen.indices) == 2 else (u, seen)
            raise ParseError(f"{u.name} has two indices in {two.shown} but one in {one.shown}", u.position,
                             f"a name is either a vector ({u.name}_k) or a matrix ({u.name}_nd) throughout")
    return list(dict.fromkeys(matrices))


def index_letters(text: str) -> list[str]:
    """The letters used as indices: subscripts of vectors and matrices, and indices of sums."""
    letters = [ch for u in index_uses(text) for ch in u.indices] + re.findall(_SUM_INDEX, text)
    return list(dict.fromkeys(letters))


def dimension_names(text: str) -> list[str]:
    """The names given as upper bounds of sums (``N`` in ``sum_{n=1}^N``)."""
    return list(dict.fromkeys(a or b for a, b in re.findall(_SUM_BOUND, text)))


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
    matrices = matrix_names(text) if index_notation else []
    for name in dict.fromkeys(names):
        table.families[name] = sp.IndexedBase(name, real=True)
    if table.families:
        table.size = K
    dimensions = {}
    if matrices:  # index notation with matrices: any letter may be an index, sums may name their range
        table.matrices = frozenset(matrices)
        table.extra_indices = {c: index_symbol(c) for c in index_letters(text) if c not in INDEX_LETTERS}
        for name in dimension_names(text):
            dimensions[name] = table.scalars[name] = sp.Symbol(name, integer=True, positive=True)
    try:
        parsed = parse_answer(text, table, limits=limits)
    except AnswerError as exc:
        raise _reworded(exc) from None
    if parsed.shape != "scalar":
        raise ParseError("the expression is not a number")
    used = parsed.expr.free_symbols
    variables = {name: s for name, s in table.scalars.items() if s in used and name not in dimensions}
    families = {n: b for n, b in table.families.items() if parsed.expr.has(b) and n not in matrices}
    found = {n: b for n, b in table.families.items() if parsed.expr.has(b) and n in matrices}
    return Expression(text, parsed.expr, variables, parsed.syntax, families, found, dimensions)


def parse_variable(text: str) -> str:
    """The name of one variable as ``--wrt`` gives it (``x``, ``lambda``, ``λ``, ``\\lambda``, ``x_1``)."""
    try:
        value = parse_expression(text).expr
    except AnswerError as exc:
        raise ParseError(f"{text!r} is not a variable name ({exc.message})") from None
    if not isinstance(value, sp.Symbol):
        raise ParseError(f"{text!r} is not a variable name")
    return value.name
