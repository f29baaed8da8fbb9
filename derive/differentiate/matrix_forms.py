r"""Matrix expressions as written on matrixcalculus.org, and their index form.

A matrix expression is a small tree of SymPy functions (so that it can sit in a derivation
step and be proved like any other expression):

* :class:`MV` — a declared vector (:math:`D \times 1`) or matrix (:math:`N \times D`), with its
  dimensions (integer symbols) as arguments;
* :class:`MT` transpose, :class:`MMul` matrix product, :class:`MAdd` sum, :class:`MScale` a
  scalar times a matrix, :class:`MHad` the elementwise product :math:`\odot`, :class:`MMap` an
  elementwise function;
* scalar-valued: :class:`MSum` (sum of all entries), :class:`MNorm` (2-norm, Frobenius for a
  matrix), :class:`M11` (a :math:`1 \times 1` product such as :math:`x^T A x`), and
  :class:`MatrixEntry`, the entry :math:`(M)_j` of a vector expression.

:func:`entry` writes the entry :math:`(M)_{rc}` in index form (sums over the named dimensions,
:math:`(XW)_{rc} = \sum_k X_{rk} W_{kc}`), the route of Laue, Mitterreiter and Giesen (AAAI
2020); :func:`index_form` does so for every scalar-valued node of an expression, and is the
definition the proof engine expands before comparing.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.precedence import PRECEDENCE

ONE = sp.S.One


class MatrixNode(sp.Function):
    """A node of a matrix expression (never evaluated by SymPy)."""

    is_commutative = True

    @classmethod
    def eval(cls, *args):
        return None


class MV(MatrixNode):
    """A declared vector or matrix: args (IndexedBase, rows, cols); a vector has cols = 1."""

    nargs = 3


class MOnes(MatrixNode):
    r"""The vector of ones :math:`\mathbf{1}` (arg: its length)."""

    nargs = 1


class MT(MatrixNode):
    """Transpose :math:`A^T`."""

    nargs = 1


class MMul(MatrixNode):
    """Matrix product :math:`AB`."""

    nargs = 2


class MAdd(MatrixNode):
    """Sum :math:`A + B + \\dots` of matrices of one shape; a scalar term is added to each entry."""


class MScale(MatrixNode):
    """A scalar times a matrix, :math:`cA` (args: c, A)."""

    nargs = 2


class MHad(MatrixNode):
    r"""Elementwise product :math:`A \odot B`."""

    nargs = 2


class MMap(MatrixNode):
    r"""An elementwise function :math:`f(A)` (args: ``Lambda(u, f(u))``, A)."""

    nargs = 2


class MSoftmax(MatrixNode):
    r""":math:`\operatorname{softmax}` of a vector, or of each row of a matrix."""

    nargs = 1


class MLogSoftmax(MatrixNode):
    r""":math:`\log\operatorname{softmax}` of a vector, or of each row of a matrix."""

    nargs = 1


class MRowLogSumExp(MatrixNode):
    r""":math:`\operatorname{logsumexp}` of each row of a matrix: a column vector."""

    nargs = 1


class MLogSumExp(MatrixNode):
    r""":math:`\operatorname{logsumexp}(v) = \log \sum_k e^{v_k}` of a vector: a scalar."""

    nargs = 1


class MSum(MatrixNode):
    """The sum of all entries, a scalar."""

    nargs = 1


class MNorm(MatrixNode):
    r""":math:`\lVert A\rVert`: the 2-norm of a vector, the Frobenius norm of a matrix; a scalar."""

    nargs = 1

    def _eval_is_extended_real(self):
        return True

    def _eval_is_extended_nonnegative(self):
        return True

    def _eval_is_finite(self):
        return True


class M11(MatrixNode):
    r"""A :math:`1 \times 1` matrix expression (such as :math:`x^T A x`) as a scalar."""

    nargs = 1


class MatrixEntry(MatrixNode):
    r"""The entry :math:`(M)_j` of a column-vector expression M (args: M, j), or :math:`(M)_{ij}` of
    a matrix expression (args: M, i, j)."""

    nargs = (2, 3)


SCALAR_NODES = (MSum, MNorm, M11, MatrixEntry, MLogSumExp)


# --- shapes ------------------------------------------------------------------------------------------


def shape(node: sp.Basic) -> tuple[sp.Basic, sp.Basic]:
    """(rows, cols) of a matrix expression; a scalar is (1, 1)."""
    if hasattr(node, "matrix_shape"):  # a node defined elsewhere (the code generator's)
        return node.matrix_shape()
    if isinstance(node, MV):
        return node.args[1], node.args[2]
    if isinstance(node, MOnes):
        return node.args[0], ONE
    if isinstance(node, MT):
        r, c = shape(node.args[0])
        return c, r
    if isinstance(node, MMul):
        return shape(node.args[0])[0], shape(node.args[1])[1]
    if isinstance(node, MAdd):
        return next(shape(a) for a in node.args if is_matrix(a))
    if isinstance(node, MHad):
        return shape(node.args[0])
    if isinstance(node, (MScale, MMap)):
        return shape(node.args[1])
    if isinstance(node, (MSoftmax, MLogSoftmax)):
        return shape(node.args[0])
    if isinstance(node, MRowLogSumExp):
        return shape(node.args[0])[0], ONE
    return ONE, ONE


def is_matrix(node: sp.Basic) -> bool:
    """Whether ``node`` is vector- or matrix-valued (not a scalar)."""
    return isinstance(node, MatrixNode) and not isinstance(node, SCALAR_NODES)


def describe(node: sp.Basic) -> str:
    """The shape in words, e.g. ``matrix N×D``, ``vector of length D``, ``row vector``, ``scalar``."""
    r, c = shape(node)
    if r == 1 and c == 1:
        return "scalar"
    if c == 1:
        return f"vector of length {r}"
    if r == 1:
        return f"row vector of length {c}"
    return f"matrix {r}×{c}"


# --- index form --------------------------------------------------------------------------------------


def _fresh() -> sp.Dummy:
    return sp.Dummy("k", integer=True, positive=True)


def entry(node: sp.Basic, r: sp.Basic, c: sp.Basic = ONE) -> sp.Basic:
    r"""The entry :math:`(\text{node})_{rc}` in index form (a scalar node: itself, in index form)."""
    if not is_matrix(node):
        return index_form(node)
    if hasattr(node, "index_entry"):  # a node defined elsewhere (the code generator's)
        return node.index_entry(r, c)
    if isinstance(node, MV):
        base, _, cols = node.args
        return base[r] if cols == 1 else base[r, c]
    if isinstance(node, MOnes):
        return ONE
    if isinstance(node, MT):
        return entry(node.args[0], c, r)
    if isinstance(node, MMul):
        a, b = node.args
        inner = shape(a)[1]
        if inner == 1:
            return entry(a, r, ONE) * entry(b, ONE, c)
        k = _fresh()
        return sp.Sum(entry(a, r, k) * entry(b, k, c), (k, 1, inner))
    if isinstance(node, MAdd):
        return sp.Add(*[entry(a, r, c) for a in node.args])
    if isinstance(node, MScale):
        return index_form(node.args[0]) * entry(node.args[1], r, c)
    if isinstance(node, MHad):
        return entry(node.args[0], r, c) * entry(node.args[1], r, c)
    if isinstance(node, MMap):
        return node.args[0](entry(node.args[1], r, c))
    if isinstance(node, (MSoftmax, MLogSoftmax, MRowLogSumExp)):
        a = node.args[0]
        rows, cols = shape(a)
        k = _fresh()
        if cols == 1:  # a vector: over its entries
            here, each, size = entry(a, r, ONE), entry(a, k, ONE), rows
        else:  # a matrix: over the entries of row r
            here, each, size = entry(a, r, c), entry(a, r, k), cols
        total = sp.Sum(sp.exp(each), (k, 1, size))
        if isinstance(node, MSoftmax):
            return sp.exp(here) / total
        if isinstance(node, MLogSoftmax):
            return here - sp.log(total)
        return sp.log(total)
    raise TypeError(f"no index form for {type(node).__name__}")


def _all_entries(node: sp.Basic, body) -> sp.Basic:
    r""":math:`\sum_{r,c} \text{body}(A_{rc})` over the dimensions of ``node`` that are not 1."""
    rows, cols = shape(node)
    r, c = (_fresh() if rows != 1 else ONE), (_fresh() if cols != 1 else ONE)
    out = body(entry(node, r, c))
    for idx, dim in ((c, cols), (r, rows)):
        if dim != 1:
            out = sp.Sum(out, (idx, 1, dim))
    return out


def _scalar_node(node: sp.Basic) -> sp.Basic:
    if isinstance(node, MSum):
        return _all_entries(node.args[0], lambda e: e)
    if isinstance(node, MNorm):
        return sp.sqrt(_all_entries(node.args[0], lambda e: e**2))
    if isinstance(node, M11):
        return entry(node.args[0], ONE, ONE)
    if isinstance(node, MatrixEntry):
        return entry(node.args[0], node.args[1], node.args[2] if len(node.args) == 3 else ONE)
    if isinstance(node, MLogSumExp):
        k = _fresh()
        return sp.log(sp.Sum(sp.exp(entry(node.args[0], k, ONE)), (k, 1, shape(node.args[0])[0])))
    return node


def index_form(expr: sp.Basic) -> sp.Basic:
    """``expr`` with every scalar-valued matrix node written in index form (a proof definition)."""
    if not expr.has(*SCALAR_NODES):
        return expr
    return expr.replace(lambda e: isinstance(e, SCALAR_NODES), _scalar_node)


# --- printing ----------------------------------------------------------------------------------------

_ATOMIC = (MV, MOnes, MT, MMap, MSum, MNorm, MSoftmax, MLogSoftmax, MRowLogSumExp, MLogSumExp)
_NAMED = {MSoftmax: "softmax", MLogSoftmax: "log_softmax", MRowLogSumExp: "logsumexp", MLogSumExp: "logsumexp"}


def _wrap(printer, node, latex: bool, loose: bool = False) -> str:
    """``node`` printed as an operand: in parentheses unless it is a name, a function
    application, or (``loose``: as a factor of a matrix product) itself a product or transpose."""
    text = _show(printer, node, latex)
    atomic = isinstance(node, _ATOMIC) or (loose and isinstance(node, (MMul, MT))) or (
        not isinstance(node, MatrixNode) and (node.is_Symbol or (node.is_Number and node >= 0)))
    return text if atomic else (r"\left(%s\right)" if latex else "(%s)") % text


def _juxtapose(left: str, right: str, latex: bool) -> str:
    if latex:
        return f"{left} {right}"
    short = len(left.rstrip("ᵀ")) == 1 and len(right) <= 2  # Xw, not X w
    if right.startswith("(") or left.endswith(")") or left.isdigit() or short:
        return left + right
    return f"{left} {right}"


def _show(printer, node, latex: bool) -> str:
    if not isinstance(node, MatrixNode):
        return printer._print(node)
    if isinstance(node, MV):
        return printer._print(node.args[0].label)
    if isinstance(node, MOnes):
        return r"\mathbf{1}" if latex else "𝟏"
    if isinstance(node, MT):
        inner = _wrap(printer, node.args[0], latex)
        return inner + ("^{T}" if latex else "^T")
    if isinstance(node, MMul):
        return _juxtapose(_wrap(printer, node.args[0], latex, True), _wrap(printer, node.args[1], latex, True), latex)
    if isinstance(node, MAdd):
        out = _show(printer, node.args[0], latex)
        for term in node.args[1:]:
            if isinstance(term, MScale) and term.args[0].could_extract_minus_sign():
                out += " - " + _show(printer, MScale(-term.args[0], term.args[1]), latex)
            else:
                out += " + " + _show(printer, term, latex)
        return out
    if isinstance(node, MScale):
        c, a = node.args
        if c == 1:
            return _show(printer, a, latex)
        if c == -1:
            return "-" + _wrap(printer, a, latex, not isinstance(a, MT))
        inner = _wrap(printer, a, latex, True)
        num, den = sp.fraction(c)
        if den != 1 and not c.is_Number:  # A^T(Ax - b)/‖Ax - b‖
            top = _show(printer, MScale(num, a), latex) if num != 1 else _show(printer, a, latex)
            if latex:
                return r"\frac{%s}{%s}" % (top, printer._print(den))
            bottom = printer.parenthesize(den, PRECEDENCE["Mul"], strict=True)
            return f"{top}/{bottom}"
        coeff = printer.parenthesize(c, PRECEDENCE["Add"], strict=True)
        return f"{coeff} {inner}" if latex or not c.is_Number else _juxtapose(coeff, inner, latex)
    if isinstance(node, MHad):
        op = r" \odot " if latex else " ⊙ "
        return _wrap(printer, node.args[0], latex) + op + _wrap(printer, node.args[1], latex)
    if isinstance(node, MMap):
        fn, a = node.args
        u = fn.variables[0]
        body = fn.expr
        placeholder = sp.Symbol(_show(printer, a, latex))
        if body.is_Pow and body.base == u:
            power = printer._print(body.exp)
            return (r"%s^{\odot %s}" if latex else "%s^⊙%s") % (_wrap(printer, a, latex), power)
        return printer._print(body.xreplace({u: placeholder}))
    if type(node) in _NAMED:
        name = _NAMED[type(node)]
        return (r"\operatorname{%s}\left(%s\right)" if latex else "%s(%s)") % (
            name.replace("_", r"\_") if latex else name, _show(printer, node.args[0], latex))
    if isinstance(node, MSum):
        return (r"\operatorname{sum}\left(%s\right)" if latex else "sum(%s)") % _show(printer, node.args[0], latex)
    if isinstance(node, MNorm):
        return (r"\left\lVert %s\right\rVert" if latex else "‖%s‖") % _show(printer, node.args[0], latex)
    if isinstance(node, M11):
        return _show(printer, node.args[0], latex)
    if isinstance(node, MatrixEntry):
        m, idx = node.args[0], "".join(printer._print(a) for a in node.args[1:])
        return (r"\left(%s\right)_{%s}" if latex else "(%s)_%s") % (_show(printer, m, latex), idx)
    raise TypeError(type(node).__name__)


def _latex(self, printer, exp=None):
    tex = _show(printer, self, True)
    if exp is None:
        return tex
    return r"%s^{%s}" % (tex, exp) if isinstance(self, (MNorm, MSum)) else r"\left(%s\right)^{%s}" % (tex, exp)


def _text(self, printer):
    return _show(printer, self, False)


for _cls in (MV, MOnes, MT, MMul, MAdd, MScale, MHad, MMap, MSum, MNorm, M11, MatrixEntry, MSoftmax, MLogSoftmax,
             MRowLogSumExp, MLogSumExp):
    _cls._latex = _latex
    _cls._derive_text = _text


# --- index names -------------------------------------------------------------------------------------

#: Index letters tried after the dimension's own lower-case letter (i and j are kept for results).
INDEX_POOL = "klmnpqrsabcdefgh"


def name_indices(expr: sp.Basic, reserved: set[str] = frozenset({"i", "j"})) -> sp.Basic:
    """Every summation index renamed after its range (:math:`\\sum_{n=1}^N`, :math:`\\sum_{d=1}^D`),
    distinct from the indices of the enclosing sums and the free names of ``expr``."""
    taken = {str(s) for s in expr.free_symbols} | set(reserved)

    def rename(e: sp.Basic, active: frozenset) -> sp.Basic:
        if isinstance(e, sp.Sum):
            body, limits = e.function, []
            used = set(active)
            for var, lo, hi in e.limits:
                wanted = [str(hi).lower()] if str(hi).isalpha() else []
                letter = next(c for c in wanted + list(INDEX_POOL) + [f"k{n}" for n in range(99)]
                              if c not in used and c not in taken)
                used.add(letter)
                new = sp.Symbol(letter, integer=True, positive=True)
                body = body.xreplace({var: new})
                limits.append((new, lo, hi))
            return sp.Sum(rename(body, frozenset(used)), *limits)
        if not e.args or isinstance(e, (sp.Indexed, MV)):
            return e
        return e.func(*[rename(a, active) for a in e.args])

    return rename(expr, frozenset())
