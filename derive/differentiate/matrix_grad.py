r"""``derive grad`` for matrix expressions: :math:`\nabla_w \lVert Xw - t\rVert^2 = 2X^T(Xw - t)`.

The route of Laue, Mitterreiter and Giesen (AAAI 2020): no second calculus. The expression is
written in index form (:func:`derive.differentiate.matrix_forms.index_form`,
:math:`\lVert Xw - t\rVert^2 = \sum_n (\sum_d X_{nd} w_d - t_n)^2`), differentiated with respect
to the entry :math:`w_j` by the index rules the project already has
(:mod:`derive.differentiate.rules`), simplified (sums split, :math:`\sum_d X_{nd}\delta_{dj} =
X_{nj}`), and read back as a matrix form (:mod:`derive.differentiate.back_translate`) as the
last step, :math:`(2X^T(Xw - t))_j`.

Every step is proved numerically at random concrete sizes (each dimension 2..4, the index
:math:`j` in its range, 50 digits): :func:`prove_at_sizes`.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, replace
from typing import Sequence

import sympy as sp

from derive.answers.errors import AnswerError
from derive.answers.limits import DEFAULT_LIMITS, Limits
from derive.answers.shaped import parse_shaped
from derive.context import ProofContext
from derive.derivation import Derivation, DerivationBuilder
from derive.differentiate import matrix_distributions as distributions
from derive.differentiate import matrix_forms as mf
from derive.differentiate.back_translate import NoMatrixForm, vector
from derive.differentiate.back_translate import scalar as scalar_form
from derive.differentiate.back_translate import matrix as matrix_form
from derive.differentiate.display import lecture_order
from derive.differentiate.functions import DEFINITIONS, MEANINGS
from derive.differentiate.indexed import _contract_sum
from derive.differentiate.simplify import SIMPLIFICATIONS, sigmoid_symmetry
from derive.proof import Proof, numeric_equal
from derive.printing import to_latex, to_text

#: Sizes tried for each dimension in the numeric proofs.
SIZES = (2, 3, 4)
#: Size draws per proof (each with ``ProofContext.points`` random points).
SIZE_DRAWS = 3


def _distribute(expr: sp.Basic) -> sp.Basic:
    r"""Sums split over ``+`` and factors free of the summation index taken out (no expansion
    of products, except of a sum holding a Kronecker delta, so that it can be contracted):
    :math:`\sum_n (a_n + b_n) = \sum_n a_n + \sum_n b_n`, :math:`\sum_n c a_n = c \sum_n a_n`, and
    over two indices :math:`\sum_{n,k} a_n b_{nk} = \sum_n a_n \sum_k b_{nk}`."""

    def one(s: sp.Sum) -> sp.Basic:
        limits = s.limits
        variables = {lim[0] for lim in limits}
        body = s.function
        if isinstance(body, sp.Mul) and any(isinstance(f, sp.Add) and f.has(sp.KroneckerDelta) for f in body.args):
            body = sp.expand_mul(body, deep=False)
        if isinstance(body, sp.Add):
            return sp.Add(*[one(sp.Sum(t, *limits)) for t in body.args])
        factors = sp.Mul.make_args(body)
        outside = [f for f in factors if not f.free_symbols & variables]
        inside = [f for f in factors if f.free_symbols & variables]
        if not inside:
            return sp.Mul(*outside) * sp.Mul(*[hi - lo + 1 for _, lo, hi in limits])
        if outside:
            return sp.Mul(*outside) * one(sp.Sum(sp.Mul(*inside), *limits))
        if len(limits) == 1:
            return s
        first = limits[0]  # the innermost index: its factors summed first
        inner = [f for f in factors if first[0] in f.free_symbols]
        rest = [f for f in factors if first[0] not in f.free_symbols]
        if not inner:
            return (first[2] - first[1] + 1) * one(sp.Sum(body, *limits[1:]))
        if not rest:
            return s
        return one(sp.Sum(sp.Mul(*rest) * one(sp.Sum(sp.Mul(*inner), first)), *limits[1:]))

    for _ in range(20):
        new = expr.replace(lambda e: isinstance(e, sp.Sum), one)
        if new == expr:
            return new
        expr = new
    return expr


def _expand_bodies(expr: sp.Basic) -> sp.Basic:
    r"""The body of every sum multiplied out at its top level: :math:`\sum_n t_n (a_n - b_n) =
    \sum_n (t_n a_n - t_n b_n)` (arguments of functions are left alone)."""
    return expr.replace(lambda e: isinstance(e, sp.Sum),
                        lambda e: sp.Sum(sp.expand_mul(e.function, deep=False), *e.limits))


def _contract(expr: sp.Basic) -> sp.Basic:
    r""":math:`\sum_d X_{nd} \delta_{dj} = X_{nj}` everywhere (after splitting the sums)."""
    return _distribute(_distribute(expr).replace(lambda e: isinstance(e, sp.Sum), _contract_sum))


#: The scalar simplifications kept in matrix form: sigma(-t ⊙ Xw) stays (no 1 - sigma(t ⊙ Xw)).
SCALAR_SIMPLIFICATIONS = tuple(s for s in SIMPLIFICATIONS if s[0] is not sigmoid_symmetry)

def _combine(expr: sp.Basic) -> sp.Basic:
    r"""Sums over the same range added into one, its body collected:
    :math:`\sum_n a_n + \sum_n b_n = \sum_n (a_n + b_n)` (only where two or more meet)."""
    if not isinstance(expr, sp.Add):
        return expr
    groups: dict = {}
    rest = []
    for term in expr.args:
        coeff, sums = term.as_independent(sp.Sum, as_Add=False)
        if isinstance(sums, sp.Sum) and len(sums.limits) == 1:
            groups.setdefault(sums.limits[0], []).append((term, coeff * sums.function))
        else:
            rest.append(term)
    out = list(rest)
    for limits, members in groups.items():
        if len(members) == 1:  # left as it is
            out.append(members[0][0])
            continue
        body = sp.Add(*[b for _, b in members])
        out.append(sp.Sum(sp.factor_terms(sp.expand(body, power_exp=False)), limits))
    return sp.Add(*out)


MATRIX_SIMPLIFICATIONS = (
    (_distribute, "split the sums; take out the factors that do not depend on their index"),
    (_contract, r"$\sum_d \delta_{dj} a_d = a_j$"),
    (_combine, "sums over the same index added into one; its terms collected"),
)


def _multiply_out(expr: sp.Basic) -> sp.Basic:
    r"""The bodies of the sums multiplied out and split, so that a sum of a target stands alone:
    :math:`\sum_n t_n (X_{nj} - s_j) = \sum_n t_n X_{nj} - s_j \sum_n t_n`."""
    return _distribute(_expand_bodies(expr))


def _simplifications(targets: Sequence[mf.MV]) -> tuple:
    r""":data:`MATRIX_SIMPLIFICATIONS`, with, for the possible target distributions ``targets``, the
    bodies multiplied out and :math:`\sum_k T_{nk} = 1` before the sums are combined."""
    if not targets:
        return MATRIX_SIMPLIFICATIONS
    sums = tuple((distributions.sums_to_one(leaf), distributions.rule(leaf)) for leaf in targets)
    return (*MATRIX_SIMPLIFICATIONS[:2], (_multiply_out, "multiply out the sums' terms; take out the factors "
                                          "that do not depend on their index"), *sums, *MATRIX_SIMPLIFICATIONS[2:])


def _derivative_steps(f: sp.Basic, x: sp.Indexed, candidates: Sequence[mf.MV]) -> tuple[list, tuple]:
    r"""The steps from :math:`\partial f / \partial x` to the simplified derivative, and the
    ``candidates`` (vectors t, matrices T) the derivation uses as distributions: only those whose
    :math:`\sum_k T_{nk} = 1` simplifies the derivative; without any, no distribution step."""
    from derive.differentiate.gradient import derivative_steps

    if candidates:
        steps = derivative_steps(f, x, _simplifications(candidates), SCALAR_SIMPLIFICATIONS)
        rules = {rule for _, rule in steps}
        used = tuple(leaf for leaf in candidates if distributions.rule(leaf) in rules)
        if used:
            return steps, used
    return derivative_steps(f, x, MATRIX_SIMPLIFICATIONS, SCALAR_SIMPLIFICATIONS), ()


def prove_at_sizes(dims: Sequence[sp.Symbol], index_ranges: dict, leaves: dict | None = None):
    """A prover for :meth:`Chain.step`: ``a == b`` numerically at random concrete sizes of the
    dimensions ``dims`` and values of the free indices (``index_ranges``: index -> dimension).
    The declared ``leaves`` (name -> leaf) that the context samples on the simplex
    (``ctx.families``: target distributions) get the same values on both sides, each row on
    the simplex at the drawn sizes (:func:`derive.differentiate.matrix_distributions.draw`)."""

    def prove(a: sp.Basic, b: sp.Basic, ctx: ProofContext) -> Proof:
        seed = zlib.crc32(sp.srepr(a).encode() + b"|" + sp.srepr(b).encode())
        rng = random.Random(seed)
        ea, eb = mf.index_form(a), mf.index_form(b)
        simplex = [leaf for leaf in (leaves or {}).values()
                   if ctx.family_domain(leaf.args[0]).kind == distributions.SIMPLEX.kind]
        if simplex:  # the entries made concrete, so that they can be given values
            ea, eb = ctx.expand_definitions(ea), ctx.expand_definitions(eb)
        worst, tried = [], []
        for _ in range(SIZE_DRAWS):
            sizes = {d: sp.Integer(rng.choice(SIZES)) for d in dims}
            values = {i: sp.Integer(rng.randint(1, int(d.xreplace(sizes)))) for i, d in index_ranges.items()}
            subs = {**sizes, **values}
            sa, sb = ea.xreplace(subs), eb.xreplace(subs)
            if simplex:
                targets = {k: v for leaf in simplex for k, v in distributions.draw(leaf, sizes, rng).items()}
                sa, sb = (e.doit(deep=True).xreplace(targets) for e in (sa, sb))
            ok, detail = numeric_equal(sa, sb, ctx, rng.randrange(2**31))
            where = ", ".join(f"{k} = {v}" for k, v in subs.items())
            if not ok:
                return Proof(False, "numeric", f"at {where}: {detail}")
            tried.append(where)
            worst.append(detail)
        shown = f" ({', '.join(str(leaf.args[0]) for leaf in simplex)} on the simplex)" if simplex else ""
        return Proof(True, "numeric", f"at sizes {'; '.join(tried)}{shown}: {worst[-1]}")

    prove.__qualname__ = "prove_at_sizes"
    return prove


#: What softmax, log_softmax and logsumexp of a matrix mean (row by row): (LaTeX, text).
ROW_MEANINGS = {
    mf.MSoftmax: (r"\operatorname{softmax}(A)_{nk} = e^{A_{nk}} / \textstyle\sum_m e^{A_{nm}}"
                  r"\ \text{(each row of a matrix } A\text{)}",
                  "softmax(A) of a matrix A: of each row, softmax(A)_nk = exp(A_nk)/sum_m exp(A_nm)"),
    mf.MLogSoftmax: (r"\operatorname{log\_softmax}(A)_{nk} = A_{nk} - \log \textstyle\sum_m e^{A_{nm}}"
                     r"\ \text{(each row of a matrix } A\text{)}",
                     "log_softmax(A) of a matrix A: of each row, log_softmax(A)_nk = A_nk - log sum_m exp(A_nm)"),
    mf.MRowLogSumExp: (r"\operatorname{logsumexp}(A)_{n} = \log \textstyle\sum_k e^{A_{nk}}"
                       r"\ \text{(a column vector, one entry per row of } A\text{)}",
                       "logsumexp(A) of a matrix A: a column vector, logsumexp(A)_n = log sum_k exp(A_nk)"),
}


def _row_meanings(exprs: Sequence[sp.Basic]) -> list[tuple[str, str]]:
    """The meanings of the row-wise functions of a matrix that ``exprs`` use (softmax of each row)."""
    used = {type(n) for e in exprs for n in sp.preorder_traversal(e)
            if type(n) in ROW_MEANINGS and mf.shape(n.args[0])[1] != 1}
    return [meaning for node, meaning in ROW_MEANINGS.items() if node in used]


def _wrt(names: Sequence[str], parsed) -> list[tuple[str, sp.Basic]]:
    """(name, leaf or scalar symbol) for each name of ``--wrt``."""
    from derive.differentiate.gradient import GradError

    if not names:
        raise GradError("give at least one variable to differentiate with respect to (--wrt w)")
    out = []
    for text in names:
        name = text.strip().split("_")[0]
        if name in parsed.leaves:
            out.append((name, parsed.leaves[name]))
        elif name in parsed.scalars and not parsed.leaves:
            raise GradError(f"{name} is a scalar and the expression uses no declared vector or matrix",
                            hint="drop --vector/--matrix to differentiate a scalar expression")
        elif name in parsed.scalars:
            out.append((name, parsed.scalars[name]))
        else:
            known = ", ".join(n for n, v in parsed.leaves.items() if v.args[2] == 1) or "none"
            raise GradError(f"the expression has no vector {name!r}", hint=f"its vectors: {known}")
    return out


I = sp.Symbol("i", integer=True, positive=True)
J = sp.Symbol("j", integer=True, positive=True)


def _read_scalar(e: sp.Basic, leaves: dict) -> sp.Basic:
    r"""A derivative with respect to a scalar in matrix form: :math:`\sum_k w_k^2 = \lVert w\rVert^2`,
    :math:`\sum_k a_k b_k = a^T b`, ... (:func:`derive.differentiate.back_translate.scalar`)."""
    out = scalar_form(e, leaves)
    if out.has(sp.Sum, sp.Indexed):
        raise NoMatrixForm(f"no matrix form for {e}")
    return out


@dataclass(frozen=True)
class _Target:
    """What ``--wrt`` names, as differentiated: a vector w (by its entry :math:`w_j`), a matrix W
    (by :math:`W_{ij}`) or a scalar."""

    #: The declared leaf, or the scalar symbol.
    target: sp.Basic
    leaves: dict

    @property
    def kind(self) -> str:
        if not isinstance(self.target, mf.MV):
            return "scalar"
        return "vector" if self.target.args[2] == 1 else "matrix"

    @property
    def variable(self) -> sp.Basic:
        """The variable of the index rules: :math:`w_j`, :math:`W_{ij}` or the scalar."""
        if self.kind == "scalar":
            return self.target
        base = self.target.args[0]
        return base[J] if self.kind == "vector" else base[I, J]

    @property
    def ranges(self) -> dict:
        """The free indices and their dimensions."""
        if self.kind == "scalar":
            return {}
        rows, cols = self.target.args[1:]
        return {J: rows} if self.kind == "vector" else {I: rows, J: cols}

    def read(self, e: sp.Basic) -> sp.Basic:
        """The derivative ``e`` (index form) as the last step shows it: the entry of a matrix form."""
        if self.kind == "scalar":
            return _read_scalar(e, self.leaves)
        rows, cols = self.target.args[1:]
        if self.kind == "vector":
            return mf.MatrixEntry(vector(e, J, self.leaves, rows), J)
        return mf.MatrixEntry(matrix_form(e, I, J, self.leaves, (rows, cols)), I, J)

    def result(self, shown: sp.Basic) -> sp.Basic:
        """The gradient itself from the last step's expression (the entry taken off)."""
        return shown.args[0] if isinstance(shown, mf.MatrixEntry) else shown


def matrix_grad(expr: str, wrt: Sequence[str], vectors: Sequence[str], matrices: Sequence[str], *,
                limits: Limits = DEFAULT_LIMITS) -> Derivation:
    r"""The derivation of :math:`\nabla_w f` for a matrix expression ``expr`` (untrusted text,
    :func:`derive.answers.shaped.parse_shaped`) and each vector ``w`` of ``wrt``."""
    from derive.differentiate.gradient import F, GradError

    try:
        parsed = parse_shaped(expr, [v.strip() for v in vectors], [m.strip() for m in matrices], limits=limits)
    except AnswerError as exc:
        raise GradError(exc.message, text=expr, position=exc.position, hint=exc.hint) from None
    targets = _wrt(wrt, parsed)
    f_matrix = parsed.expr
    f_index = mf.name_indices(mf.index_form(f_matrix))
    dims = sorted({d for leaf in parsed.leaves.values() for d in leaf.args[1:] if d != 1}, key=str)
    kinds = {name: _Target(target, parsed.leaves) for name, target in targets}
    candidates = distributions.candidates(parsed.leaves)
    derived = {name: _derivative_steps(f_index, kinds[name].variable, candidates) for name, _ in targets}
    needed = tuple(leaf for leaf in candidates if any(leaf in used for _, used in derived.values()))
    ctx = ProofContext(definitions=DEFINITIONS + (mf.index_form,), points=2,
                       identities=tuple(distributions.sums_to_one(leaf) for leaf in needed),
                       families=tuple((leaf.args[0], distributions.SIMPLEX) for leaf in needed))
    args = ", ".join(list(parsed.scalars) + list(parsed.leaves))
    d = DerivationBuilder("grad", f"Gradient of f({args}) with respect to " + ", ".join(n for n, _ in targets), ctx)
    d.assume(f"f = {to_latex(f_matrix)}", f"f = {to_text(f_matrix)}")
    for name, leaf in parsed.leaves.items():
        if leaf in needed:
            d.assume(*distributions.assumption(leaf))
            continue
        r, c = leaf.args[1:]
        space = f"\\mathbb{{R}}^{{{r}}}" if c == 1 else f"\\mathbb{{R}}^{{{r} \\times {c}}}"
        d.assume(f"{name} \\in {space}", f"{name} is a real {mf.describe(leaf)}")
    for name, s in parsed.scalars.items():
        d.assume(f"{to_latex(s)} \\in \\mathbb{{R}}", f"{to_text(s)} is real")
    results = []
    for name, target in targets:
        kind = kinds[name]
        x = kind.variable
        prover = prove_at_sizes(dims, kind.ranges, parsed.leaves)
        what = "Derivative" if kind.kind == "scalar" else "Gradient"
        chain = d.chain(f"{what} with respect to {name}", sp.Derivative(f_matrix, x))
        chain.step(sp.Derivative(lecture_order(f_index), x),
                   "in index form: $(Xw)_n = \\sum_d X_{nd} w_d$, $(A^T)_{nd} = A_{dn}$, "
                   "the norm $\\sqrt{\\sum_n v_n^2}$, $\\operatorname{sum}(v) = \\sum_n v_n$",
                   prover=prover)
        last = None
        for new, rule in derived[name][0]:
            chain.step(lecture_order(new), rule, prover=prover)
            last = new
        try:
            try:
                matrix = kind.read(last)
            except NoMatrixForm:  # the products in the sums multiplied out, then read again
                matrix = kind.read(_distribute(_expand_bodies(last)))
        except NoMatrixForm as exc:
            raise GradError(f"derive grad found the gradient in index form but cannot write it in matrix "
                            f"form ({exc})", hint="differentiate in index notation instead (--wrt w_j)") from None
        chain.step(matrix,
                   "in matrix form: $\\sum_n X_{nj} a_n = (X^T a)_j$, "
                   "$\\sum_d A_{jd} x_d = (A x)_j$, elementwise $a_j b_j$ and $f(a_j)$", prover=prover)
        chain.result(f"grad.{name}", f"{what} with respect to {name}",
                     {n: "a " + mf.describe(v) for n, v in parsed.leaves.items()})
        results.append((name, kind.result(matrix)))
    for func in [fn for fn in MEANINGS if f_matrix.has(fn) or any(m.has(fn) for _, m in results)]:
        d.assume(*MEANINGS[func])
    for meaning in _row_meanings([f_matrix] + [m for _, m in results]):
        d.assume(*meaning)
    derivation = d.build()
    shown = tuple(replace(r, lhs=sp.Derivative(F, sp.Symbol(name)), expr=m)
                  for r, (name, m) in zip(derivation.results, results))
    return replace(derivation, results=shown)
