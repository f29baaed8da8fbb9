r"""Vectors and matrices in answers, as index expressions.

An answer may be written in matrix form (``diag(y) - y y^T``). Each vector/matrix value is kept
as its *entry* at placeholder indices :data:`ROW`, :data:`COL`:

* a column vector :math:`v` has entry :math:`v_r`, a row vector :math:`v^T` entry :math:`v_c`;
* :math:`\operatorname{diag}(v)` has entry :math:`\delta_{rc} v_r`;
* a product contracts the inner index: :math:`(AB)_{rc} = \sum_k A_{rk} B_{kc}` (no sum when the
  inner dimension is 1, as in the outer product :math:`y y^T`).

At the end a column vector becomes its entry at the question's first index (``i``) and a
matrix its entry at ``(i, j)``, which is what the index form of a result states.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from derive.answers.errors import ParseError

ROW = sp.Dummy("r", integer=True, positive=True)
COL = sp.Dummy("c", integer=True, positive=True)


@dataclass(frozen=True)
class Tensor:
    shape: str  # "col" | "row" | "mat"
    entry: sp.Basic

    def T(self) -> "Tensor":
        if self.shape == "col":
            return Tensor("row", self.entry.xreplace({ROW: COL}))
        if self.shape == "row":
            return Tensor("col", self.entry.xreplace({COL: ROW}))
        return Tensor("mat", self.entry.xreplace({ROW: COL, COL: ROW}))


_NAMES = {"col": "column vector", "row": "row vector", "mat": "matrix"}


def _what(v) -> str:
    return _NAMES[v.shape] if isinstance(v, Tensor) else "number"


def _dims(v):
    if not isinstance(v, Tensor):
        return ("1", "1")
    return {"col": ("n", "1"), "row": ("1", "n"), "mat": ("n", "n")}[v.shape]


def _shape_of(dims) -> str | None:
    return {("n", "1"): "col", ("1", "n"): "row", ("n", "n"): "mat", ("1", "1"): None}[dims]


def matmul(a, b, size, position=None):
    """The product of two values (scalars, vectors, matrices)."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        return a * b
    if not isinstance(a, Tensor):
        return Tensor(b.shape, a * b.entry)
    if not isinstance(b, Tensor):
        return Tensor(a.shape, a.entry * b)
    (ar, ac), (br, bc) = _dims(a), _dims(b)
    if ac != br:
        raise ParseError(
            f"cannot multiply a {_what(a)} by a {_what(b)} (shapes do not match)", position,
            "a column vector times a row vector is y y^T; y^T y is a number",
        )
    if ac == "1":  # outer product
        entry = a.entry * b.entry
    else:
        k = sp.Dummy("k", integer=True, positive=True)
        entry = sp.Sum(a.entry.xreplace({COL: k}) * b.entry.xreplace({ROW: k}), (k, 1, size))
    shape = _shape_of((ar, bc))
    return entry if shape is None else Tensor(shape, entry)


def add(a, b, sign, position=None):
    if isinstance(a, Tensor) != isinstance(b, Tensor) or (
        isinstance(a, Tensor) and a.shape != b.shape
    ):
        raise ParseError(
            f"cannot add a {_what(a)} and a {_what(b)}", position,
            "both terms must have the same shape",
        )
    if isinstance(a, Tensor):
        return Tensor(a.shape, a.entry + sign * b.entry)
    return a + sign * b


def elementwise(f, v):
    return Tensor(v.shape, f(v.entry)) if isinstance(v, Tensor) else f(v)


def diag(v, position=None):
    if not isinstance(v, Tensor) or v.shape == "mat":
        raise ParseError("diag(...) takes a vector", position)
    col = v if v.shape == "col" else v.T()
    return Tensor("mat", sp.KroneckerDelta(ROW, COL) * col.entry)


def component(v, indices, position=None):
    """``v_i`` of a vector value (or ``M_{ij}`` of a matrix)."""
    if not isinstance(v, Tensor):
        raise ParseError("only a vector or matrix has components", position)
    if v.shape == "mat":
        if len(indices) != 2:
            raise ParseError("a matrix component needs two indices", position)
        return v.entry.xreplace({ROW: indices[0], COL: indices[1]})
    if len(indices) != 1:
        raise ParseError("a vector component needs one index", position)
    return v.entry.xreplace({ROW: indices[0], COL: indices[0]})


def to_index_form(v, indices):
    """The entry of a final answer at the question's free indices."""
    if not isinstance(v, Tensor):
        return v
    idx = list(indices) or [sp.Symbol("i", integer=True, positive=True)]
    if v.shape == "mat":
        if len(idx) < 2:
            raise ParseError("the answer is a matrix, but the question asks for a vector or number")
        return v.entry.xreplace({ROW: idx[0], COL: idx[1]})
    return v.entry.xreplace({ROW: idx[0], COL: idx[0]})
