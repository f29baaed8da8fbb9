r"""Matrix expressions with shapes (``derive grad --vector w,t --matrix X``), as on matrixcalculus.org.

Names are scalars by default; ``vectors`` are column vectors, ``matrices`` matrices, each with
symbolic dimensions that operations unify: in ``X*w`` the columns of ``X`` and the length of
``w`` become one dimension. ``*`` (or juxtaposition) is the matrix product where both operands
are vectors or matrices and scaling otherwise; ``.*`` / ``\odot`` the elementwise product, ``.^``
the elementwise power, ``^T`` the transpose, ``sum(M)`` the sum of all entries, ``norm(v)`` /
``\|v\|`` the 2-norm (Frobenius for a matrix); elementwise functions map over vectors and
matrices. A 1×1 result (``x^T A x``) is
a scalar. A shape mismatch is a :class:`ParseError` naming the operation and both shapes.

The text is untrusted and goes through the answers' grammar and limits
(:mod:`derive.answers.parser`); this module only builds a different tree from the parse:
the nodes of :mod:`derive.differentiate.matrix_forms`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import sympy as sp
from lark import Tree, v_args
from lark.exceptions import LarkError, VisitError

from derive.answers import parser as ps
from derive.answers.errors import AnswerError, LimitError, ParseError
from derive.answers.limits import DEFAULT_LIMITS, Limits
from derive.answers.symbols import SymbolTable
from derive.differentiate import matrix_forms as mf

#: Names of the dimensions, in order of use (skipping the user's names).
DIMENSION_NAMES = ("N", "D", "M", "P", "Q", "R", "S", "L")


@dataclass(frozen=True)
class ShapedExpression:
    """A parsed scalar matrix expression: ``expr`` holds matrix nodes; ``leaves`` the declared
    names (name -> :class:`~derive.differentiate.matrix_forms.MV`), ``scalars`` the scalar names."""

    text: str
    expr: sp.Basic
    leaves: dict[str, mf.MV]
    scalars: dict[str, sp.Symbol]
    syntax: str


def _rank(d) -> int:
    return DIMENSION_NAMES.index(d.name) if d.name in DIMENSION_NAMES else len(DIMENSION_NAMES)


class _Dims:
    """Union-find over dimension symbols (1 is a dimension of its own that never unifies)."""

    def __init__(self):
        self.parent: dict[sp.Symbol, sp.Symbol] = {}

    def find(self, d):
        while d in self.parent:
            d = self.parent[d]
        return d

    def same(self, a, b) -> bool:
        """Make ``a`` and ``b`` one dimension if they can be (not 1 against a dimension)."""
        a, b = self.find(a), self.find(b)
        if a == b:
            return True
        if a == 1 or b == 1:
            return False
        if _rank(b) < _rank(a):  # the dimension named first represents both
            a, b = b, a
        self.parent[b] = a
        return True

    def resolve(self, expr: sp.Basic) -> sp.Basic:
        symbols = {s for s in expr.free_symbols if s in self.parent}
        return expr.xreplace({s: self.find(s) for s in symbols})


def describe(v, dims: _Dims) -> str:
    """The shape of ``v`` in words, with its dimensions as unified so far."""
    return mf.describe(dims.resolve(v)) if mf.is_matrix(v) else "scalar"



def _elementwise_functions() -> dict:
    from derive.notation import logit, sigma

    return {"sigma": sigma, "exp": sp.exp, "log": sp.log, "tanh": sp.tanh, "sqrt": sp.sqrt, "logit": logit,
            "cosh": sp.cosh, "sinh": sp.sinh, **ps._scalar_functions()}


_U = sp.Dummy("u", real=True)


@v_args(meta=True)
class _ShapedBuild(ps._Build):
    def __init__(self, table: SymbolTable, limits: Limits, leaves: dict[str, mf.MV], dims: _Dims):
        super().__init__(table, limits)
        self.leaves, self.dims = leaves, dims

    # names: a declared vector or matrix is a leaf; every other name a scalar
    def _resolve(self, tok, sub, bold=False):
        if tok.value in self.leaves and not sub:
            return self.leaves[tok.value]
        if tok.value in self.leaves:
            raise ParseError(f"{tok.value} is a {self._what(self.leaves[tok.value])}: write it without an index",
                             tok.start_pos, "matrix expressions use X*w, .*, ^T, sum(...), norm(...)")
        if tok.value == "T":
            return ps._TRANSPOSE
        return super()._resolve(tok, sub, bold)

    def _what(self, v) -> str:
        return describe(v, self.dims)

    def _mismatch(self, operation: str, a, b, meta, why: str, shapes=None) -> ParseError:
        first, second = shapes or (self._what(a), self._what(b))
        return ParseError(f"shape mismatch in {operation}: a {first} and a {second} ({why})", ps._pos_meta(meta))

    def _same_shape(self, operation: str, a, b, meta) -> None:
        """Unify the shapes of ``a`` and ``b`` or raise, naming both shapes as they were."""
        shapes = (self._what(a), self._what(b))
        (ar, ac), (br, bc) = self._shape(a), self._shape(b)
        if not (self.dims.same(ar, br) and self.dims.same(ac, bc)):
            raise self._mismatch(operation, a, b, meta, "both must have the same shape", shapes)

    def _shape(self, v):
        return tuple(self.dims.find(d) for d in mf.shape(v))

    def _as_scalar(self, v):
        """A 1×1 matrix expression as a scalar."""
        return mf.M11(v) if mf.is_matrix(v) and self._shape(v) == (1, 1) else v

    # arithmetic
    def add(self, meta, ch):
        return self._add(ch[0], ch[2], 1, meta)

    def sub(self, meta, ch):
        return self._add(ch[0], ch[2], -1, meta)

    def _add(self, a, b, sign, meta):
        a, b = self._scalar(a, meta), self._scalar(b, meta)
        if not mf.is_matrix(a) and not mf.is_matrix(b):
            return a + sign * b
        operation = "addition (+)" if sign == 1 else "subtraction (-)"
        if mf.is_matrix(a) != mf.is_matrix(b):  # a scalar is added to each entry
            return mf.MAdd(a, b if sign == 1 else (mf.MScale(sp.S.NegativeOne, b) if mf.is_matrix(b) else -b))
        self._same_shape(operation, a, b, meta)
        return mf.MAdd(a, b if sign == 1 else mf.MScale(sp.S.NegativeOne, b))

    def mul(self, meta, ch):
        a, b = self._scalar(ch[0], meta), self._scalar(ch[-1], meta)
        if not mf.is_matrix(a) and not mf.is_matrix(b):
            return a * b
        if not mf.is_matrix(a):
            return mf.MScale(a, b)
        if not mf.is_matrix(b):
            return mf.MScale(b, a)
        ac, br = self._shape(a)[1], self._shape(b)[0]
        if not self.dims.same(ac, br):
            raise self._mismatch("matrix product (*)", a, b, meta,
                                 f"{ac} columns against {br} rows; .* is the elementwise product")
        return self._as_scalar(mf.MMul(a, b))

    def hadamard(self, meta, ch):
        a, b = self._scalar(ch[0], meta), self._scalar(ch[2], meta)
        if not mf.is_matrix(a) or not mf.is_matrix(b):
            return mf.MScale(a, b) if mf.is_matrix(b) else mf.MScale(b, a) if mf.is_matrix(a) else a * b
        self._same_shape("elementwise product (.*)", a, b, meta)
        return mf.MHad(a, b)

    def div(self, meta, ch):
        a, b = self._scalar(ch[0], meta), self._scalar(ch[2], meta)
        if mf.is_matrix(b):
            raise self._mismatch("division (/)", a, b, meta, "divide only by a scalar")
        return mf.MScale(1 / b, a) if mf.is_matrix(a) else a / b

    def frac(self, meta, ch):
        num, den = ch[1], ch[2]
        if mf.is_matrix(den):
            raise self._mismatch("division (\\frac)", num, den, meta, "divide only by a scalar")
        return mf.MScale(1 / den, num) if mf.is_matrix(num) else num / den

    def neg(self, meta, ch):
        a = self._scalar(ch[1], meta)
        return mf.MScale(sp.S.NegativeOne, a) if mf.is_matrix(a) else -a

    def pow(self, meta, ch):
        base, exp = ch[0], ch[2]
        if exp is ps._TRANSPOSE or (isinstance(exp, mf.MV) and exp.args[0].label.name == "T"):
            # ^T is the transpose even where a matrix is named T (a matrix is never an exponent)
            return self._as_scalar(mf.MT(base)) if mf.is_matrix(base) else base
        base = self._scalar(base, meta)
        if mf.is_matrix(base) and not mf.is_matrix(exp) and ch[1].value == ".^":  # elementwise power
            power = self._power(_U, exp, ps._pos(ch[1]))
            return mf.MMap(sp.Lambda(_U, power), base)
        if mf.is_matrix(base) or mf.is_matrix(exp):
            raise ParseError(f"powers of a {self._what(base)} are not defined", ps._pos(ch[1]),
                             "use .^ for the elementwise power, ^T for a transpose, .* for the elementwise "
                             "product, norm(v)^2 for v^T v")
        return self._power(base, exp, ps._pos(ch[1]))

    # functions
    def _apply(self, func, args):
        name, pos = func.value, func.start_pos
        if len(args) != 1:
            raise ParseError(f"{name} takes one argument, got {len(args)}", pos)
        (a,) = args
        if a is ps._TRANSPOSE:
            raise ParseError("T is only allowed as an exponent (transpose)", pos)
        if name == "norm":
            return self._norm(a, pos)
        if name in ("softmax", "log_softmax", "logsumexp"):
            if not mf.is_matrix(a):
                raise ParseError(f"{name} takes a vector (or a matrix: each row), not a scalar", pos)
            if name == "softmax":
                return mf.MSoftmax(a)
            if name == "log_softmax":
                return mf.MLogSoftmax(a)
            return mf.MLogSumExp(a) if self._shape(a)[1] == 1 else self._as_scalar(mf.MRowLogSumExp(a))
        if name in ("diag", "delta"):
            raise ParseError(f"{name} is not supported in matrix expressions yet", pos,
                             "write it in index notation: --wrt z_j")
        f = _elementwise_functions()[name]
        return mf.MMap(sp.Lambda(_U, f(_U)), a) if mf.is_matrix(a) else f(a)

    def _norm(self, a, pos):
        if not mf.is_matrix(a):
            raise ParseError("norm(...) takes a vector or matrix, not a scalar", pos, "use abs(x) for a scalar")
        return mf.MNorm(a)

    def norm_bars(self, meta, ch):
        return self._norm(self._scalar(ch[1], meta), ps._pos_meta(meta))

    def sum_all(self, meta, ch):
        a = self._scalar(ch[2], meta)
        if not mf.is_matrix(a):
            raise ParseError("sum(...) takes a vector or matrix", ps._pos_meta(meta))
        return mf.MSum(a)

    def component(self, meta, ch):
        raise ParseError("entries are not part of matrix expressions", ps._pos_meta(meta),
                         "write the whole vector (X*w) or use index notation (--wrt w_j)")

    def bigsum(self, meta, ch):
        raise ParseError("sum_k is index notation; in a matrix expression write sum(v)", ps._pos_meta(meta))


def _leaves(vectors: Sequence[str], matrices: Sequence[str], text: str) -> dict[str, mf.MV]:
    """The declared names as leaves with their own dimensions (matrices first: X is N×D), named
    N, D, M, ... skipping names the text uses."""
    words = set(re.findall(r"[A-Za-z]+", text))
    names = iter([n for n in DIMENSION_NAMES if n not in words] + [f"N{k}" for k in range(1, 40)])
    dim = lambda: sp.Symbol(next(names), integer=True, positive=True)  # noqa: E731
    leaves = {}
    for name in matrices:
        leaves[name] = mf.MV(sp.IndexedBase(name, real=True), dim(), dim())
    for name in vectors:
        if name in leaves:
            raise ParseError(f"{name} is declared both as a vector and as a matrix")
        leaves[name] = mf.MV(sp.IndexedBase(name, real=True), dim(), sp.S.One)
    return leaves


def parse_shaped(text: str, vectors: Sequence[str] = (), matrices: Sequence[str] = (), *,
                 limits: Limits = DEFAULT_LIMITS) -> ShapedExpression:
    """Parse ``text`` (untrusted) as a scalar matrix expression; raises :class:`AnswerError`."""
    for name in list(vectors) + list(matrices):
        if not name.isalpha() or len(name) > 20:
            raise ParseError(f"{name!r} is not a name for a vector or matrix")
    if len(vectors) + len(matrices) > 20:
        raise ParseError("too many vectors and matrices (limit 20)")
    leaves = _leaves(vectors, matrices, text)
    table = SymbolTable(open=True)
    tree = _parse_tree(text, table, limits)
    dims = _Dims()
    try:
        value = _ShapedBuild(table, limits, leaves, dims).transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, AnswerError):
            raise exc.orig_exc from None
        raise ParseError(f"cannot interpret the expression ({type(exc.orig_exc).__name__})") from None
    except RecursionError:
        raise LimitError("the expression is nested too deeply") from None
    if isinstance(value, Tree):
        value = value.children[0]
    if value is ps._TRANSPOSE:
        raise ParseError("T is only allowed as an exponent (transpose)")
    if mf.is_matrix(value):
        raise ParseError(f"the expression is a {describe(value, dims)}, not a number",
                         None, "derive grad differentiates a scalar: sum(...), norm(...)^2, x^T*A*x")
    used = {n: dims.resolve(v) for n, v in leaves.items() if value.has(v.args[0])}
    scalars = {n: s for n, s in table.scalars.items() if value.has(s)}
    return ShapedExpression(text, dims.resolve(value), used, scalars, ps.detect_syntax(text))


def _parse_tree(text: str, table: SymbolTable, limits: Limits) -> Tree:
    """The lark tree of ``text`` under the answers' limits (as :func:`parse_answer`)."""
    if not isinstance(text, str) or not text.strip():
        raise ParseError("the expression is empty")
    limits.check_length(text)
    if ps._bracket_depth(text) > limits.max_depth:
        raise LimitError(f"brackets nested too deeply (limit {limits.max_depth})")
    ps._POSTLEX.table = table
    ps._POSTLEX.derivatives = False
    try:
        tree = ps._lark().parse(text)
    except AnswerError:
        raise
    except LarkError as exc:
        if isinstance(getattr(exc, "orig_exc", None), AnswerError):
            raise exc.orig_exc from None
        raise ps._syntax_error(exc, text) from None
    except RecursionError:
        raise LimitError("the expression is nested too deeply") from None
    nodes, depth = ps._tree_stats(tree)
    if nodes > limits.max_nodes:
        raise LimitError(f"the expression is too large: {nodes} parse nodes (limit {limits.max_nodes})")
    if depth > limits.max_depth * 3:
        raise LimitError(f"the expression is nested too deeply: depth {depth} (limit {limits.max_depth * 3})")
    return tree if isinstance(tree, Tree) else Tree("start", [tree])
