r"""``derive grad`` in index notation with matrices: :math:`\partial/\partial w_j` and
:math:`\partial/\partial X_{ij}` of :math:`\sum_n (\sum_d X_{nd} w_d - t_n)^2`.

A name written with two letter subscripts (``X_nd``, ``X_{nd}``, ``X_{n,d}``) is a matrix, one
with one (``w_d``) a vector (:func:`derive.answers.expressions.matrix_names`). The range of
every index is read off its use (:mod:`derive.differentiate.index_ranges`): :math:`n`, the row
of :math:`X` and the index of :math:`t`, runs over :math:`1..N`; :math:`d`, the column of
:math:`X` and the index of :math:`w`, over :math:`1..D`. The expression is then differentiated
with respect to the entry (:math:`w_j`, or :math:`X_{ij}` with
:math:`\partial X_{nd}/\partial X_{ij} = \delta_{ni}\delta_{dj}`) by the project's rules
(:mod:`derive.differentiate.rules`), simplified as matrix calculus does (sums split, deltas
contracted, sums over one index combined), and every step proved numerically at random concrete
sizes (:func:`derive.differentiate.matrix_grad.prove_at_sizes`). The result stays in index
notation, :math:`2\sum_n X_{nj}(\sum_d X_{nd} w_d - t_n)`, the gradient's entry :math:`j`;
:func:`matrix_results` reads it back into matrix form for ``--numpy``.
"""

from __future__ import annotations

import re
from typing import Sequence

import sympy as sp

from derive.answers.errors import AnswerError
from derive.answers.expressions import Expression, parse_expression, parse_variable
from derive.answers.limits import DEFAULT_LIMITS, Limits
from derive.answers.symbols import index_symbol
from derive.context import ProofContext, Uniform, VectorDomain
from derive.derivation import Derivation, DerivationBuilder
from derive.differentiate import matrix_forms as mf
from derive.differentiate.display import lecture_order
from derive.differentiate.functions import DEFINITIONS, MEANINGS
from derive.differentiate.index_ranges import IndexRangeError, infer_ranges
from derive.differentiate.indexed import _split_sum, as_notation, expand_softmax
from derive.differentiate.matrix_grad import (MATRIX_SIMPLIFICATIONS, SCALAR_SIMPLIFICATIONS, _distribute,
                                              prove_at_sizes)
from derive.printing import to_latex, to_text

#: An entry as ``--wrt`` names it: ``w_j``, ``X_ij``, ``X_{ij}``, ``X_{i,j}``.
_ENTRY = r"^\s*([A-Za-z]+)_(?:\{\s*([A-Za-z])\s*,?\s*([A-Za-z])?\s*\}|([A-Za-z])([A-Za-z])?)\s*$"
_VECTOR_ARGUMENT = r"(?:softmax|logsumexp)\}?\s*(?:\\left)?\s*[({]\s*([A-Za-z]+)\s*(?:\\right)?\s*[)}]"
#: Where the entries of the vectors and matrices are drawn for the proofs: the first domain on
#: which the expression is a finite real number.
ENTRY_DOMAINS = (
    ("real", Uniform(-3.0, 3.0), None),
    ("positive", Uniform(0.1, 3.0), ("{v} > 0 \\text{{ (each entry)}}", "{v} > 0 (each entry)")),
    ("in (0, 1)", Uniform(0.05, 0.95), ("0 < {v} < 1 \\text{{ (each entry)}}", "0 < {v} < 1 (each entry)")),
)


def _error(message: str, **kw):
    from derive.differentiate.gradient import GradError

    return GradError(message, **kw)


def _entry_of(text: str, parsed: Expression) -> sp.Basic:
    """The variable ``--wrt`` names: an entry ``w_j`` of a vector, ``X_ij`` of a matrix, or a scalar."""
    m = re.match(_ENTRY, text)
    if m is None:
        try:
            name = parse_variable(text)
        except AnswerError as exc:
            raise _error(exc.message) from None
        if name in parsed.matrices:
            raise _error(f"{name} is a matrix: differentiate with respect to an entry", hint=f"--wrt {name}_ij")
        if name in parsed.vectors:
            raise _error(f"{name} is a vector: differentiate with respect to an entry", hint=f"--wrt {name}_j")
        if name not in parsed.variables:
            raise _error(f"the expression does not contain the variable {name!r}", hint="its variables: " + _known(parsed))
        return parsed.variables[name]
    base = m.group(1)
    letters = [c for c in m.groups()[1:] if c]
    if base in parsed.matrices:
        if len(letters) != 2:
            raise _error(f"{base} is a matrix: give the entry with two indices", hint=f"--wrt {base}_ij")
        if letters[0] == letters[1]:
            raise _error(f"the entry {text.strip()} needs two different index letters", hint=f"--wrt {base}_ij")
        return parsed.matrices[base][index_symbol(letters[0]), index_symbol(letters[1])]
    if base in parsed.vectors:
        if len(letters) != 1:
            raise _error(f"{base} is a vector: give the entry with one index", hint=f"--wrt {base}_j")
        return parsed.vectors[base][index_symbol(letters[0])]
    raise _error(f"the expression has no vector or matrix {base!r}", hint="its variables: " + _known(parsed))


def _known(parsed: Expression) -> str:
    names = (list(parsed.variables) + [f"{v}_j" for v in parsed.vectors] + [f"{m}_ij" for m in parsed.matrices])
    return ", ".join(names) or "none"


def _rename_bound(f: sp.Basic, xs) -> sp.Basic:
    """Summation indices that clash with an index of ``--wrt`` renamed (to a letter unused in ``f``)."""
    wanted = {i for x in xs if isinstance(x, sp.Indexed) for i in x.indices}
    taken = {str(s) for s in f.free_symbols} | {str(v) for s in f.atoms(sp.Sum) for v, *_ in s.limits} | {
        str(i) for i in wanted}
    renames = {}
    for s in f.atoms(sp.Sum):
        for var, *_ in s.limits:
            if var in wanted and var not in renames:
                fresh = next(c for c in "kmnlpqrsabcuvgh" if c not in taken)
                taken.add(fresh)
                renames[var] = index_symbol(fresh)
    return f.xreplace(renames)


def _to_split(s: sp.Basic) -> bool:
    r"""A sum over several indices, or one with a Kronecker delta on its own index that is not
    yet a factor of its body (:math:`\sum_k t_k(\delta_{jk} - y_j)`)."""
    if not isinstance(s, sp.Sum):
        return False
    if len(s.limits) > 1:
        return True
    k = s.limits[0][0]
    direct = set(sp.Mul.make_args(s.function))
    return any(k in delta.args and delta not in direct for delta in s.function.atoms(sp.KroneckerDelta))


def split_sums(expr: sp.Basic) -> sp.Basic:
    r"""Sums over several indices, and sums with a Kronecker delta on their index inside a product,
    multiplied out and split over ``+``, each term summed only over the indices it uses:
    :math:`\sum_{n,m} A_{nm}(x_n\delta_{jm} + x_m\delta_{jn}) = \sum_{n,m} A_{nm}x_n\delta_{jm}
    + \sum_{n,m} A_{nm}x_m\delta_{jn}` (the other sums over one index are split without
    multiplying out, by :data:`~derive.differentiate.matrix_grad.MATRIX_SIMPLIFICATIONS`)."""
    return expr.replace(_to_split, _split_sum)


#: The simplifications of the derivation: matrix calculus's, with the sums that need it multiplied out first.
SIMPLIFICATIONS = (MATRIX_SIMPLIFICATIONS[0],
                   (split_sums, "multiply out the sums over several indices or with a δ on their index; "
                                "split them, each term summed over the indices it uses"),
                   *MATRIX_SIMPLIFICATIONS[1:])


def nest_sums(expr: sp.Basic) -> sp.Basic:
    r"""A sum over several indices as nested sums, each factor taken out of the sums whose index it
    does not use: :math:`\sum_{n,m} x_n A_{nm} x_m = \sum_n x_n \sum_m A_{nm} x_m` (the form the
    matrix readings take)."""

    def nest(s: sp.Sum) -> sp.Basic:
        out = s.function
        for limit in s.limits:  # innermost first
            out = _distribute(sp.Sum(out, limit))
        return out

    return expr.replace(lambda e: isinstance(e, sp.Sum) and len(e.limits) > 1, nest)


def prover(dims: Sequence[sp.Symbol], free: dict):
    r""":func:`prove_at_sizes`, after softmax and logsumexp are written out (their sums run to
    :math:`K`, which the sizes then fix)."""
    inner = prove_at_sizes(dims, free)

    def prove(a, b, ctx):
        return inner(expand_softmax(a), expand_softmax(b), ctx)

    prove.__qualname__ = "prove_at_sizes"
    return prove


def _entry_domain(f: sp.Basic, dims, bases, ctx: ProofContext):
    """The first of :data:`ENTRY_DOMAINS` on which ``f`` evaluates to a finite real number."""
    check = prover(dims, {})
    for name, uniform, said in ENTRY_DOMAINS:
        here = ctx.with_(default=uniform, families=tuple((b, VectorDomain(element=uniform)) for b in bases))
        if check(f, f, here).verified:
            return here, said
    raise _error("the expression is not a real number at any sample point tried (entries real, positive, "
                 "between 0 and 1)")


def index_matrix_grad(expr: str, wrt: Sequence[str], vectors: Sequence[str] = (), *,
                      limits: Limits = DEFAULT_LIMITS) -> Derivation:
    r"""The derivation of :math:`\partial f/\partial x` for each entry ``wrt`` (``w_j``, ``X_ij``, or
    a scalar) of ``expr``, an index-notation expression with matrices (untrusted text);
    ``vectors``: names declared as vectors (``--vector``), optional."""
    from derive.differentiate.gradient import derivative_steps, finish

    vectors = [v.strip() for v in vectors if v.strip()]
    try:
        parsed = parse_expression(expr, vectors=vectors, index_notation=True, limits=limits)
    except AnswerError as exc:
        raise _error(exc.message, text=expr, position=exc.position, hint=exc.hint) from None
    for v in vectors:
        if v in parsed.matrices:
            raise _error(f"{v} is declared a vector (--vector) but written with two indices, as a matrix",
                         hint=f"drop --vector {v}: names with two indices are matrices")
    if not wrt:
        raise _error("give at least one variable to differentiate with respect to (--wrt w_j)")
    xs = list(dict.fromkeys(_entry_of(w, parsed) for w in wrt))
    f = _rename_bound(parsed.expr, xs)
    words = set(re.findall(r"[A-Za-z]+", expr)) - set(parsed.dimensions)
    try:
        ranges = infer_ranges(f, [x for x in xs if isinstance(x, sp.Indexed)],
                              vector_arguments=re.findall(_VECTOR_ARGUMENT, expr), taken=words)
    except IndexRangeError as exc:
        raise _error(str(exc), text=expr) from None
    f = as_notation(ranges.expr)
    dims = ranges.dimensions
    bases = [b for b in list(parsed.vectors.values()) + list(parsed.matrices.values())]
    ctx, said = _entry_domain(f, dims, bases, ProofContext(definitions=DEFINITIONS + (mf.index_form,), points=2))

    names = ", ".join(to_text(x) for x in xs)
    args = ", ".join(list(parsed.variables) + list(parsed.vectors) + list(parsed.matrices))
    d = DerivationBuilder("grad", f"{'Derivative' if len(xs) == 1 else 'Gradient'} of f({args}) with respect to "
                                  f"{names}", ctx)
    shown = lecture_order(f)
    d.assume(f"f = {to_latex(shown)}", f"f = {to_text(shown)}")
    for name, (rows, cols) in ranges.shapes.items():
        space = f"\\mathbb{{R}}^{{{rows}}}" if cols == 1 else f"\\mathbb{{R}}^{{{rows} \\times {cols}}}"
        kind = f"vector of length {rows}" if cols == 1 else f"matrix {rows}×{cols}"
        d.assume(f"{name} \\in {space}", f"{name} is a real {kind}")
        if said:
            d.assume(said[0].format(v=name), said[1].format(v=name))
    for s in parsed.variables.values():
        d.assume(rf"{to_latex(s)} \in \mathbb{{R}}", f"{to_text(s)} is real")
    for idx, dim in ranges.free.items():
        d.assume(rf"{idx} \in \{{1, \dots, {dim}\}}", f"{idx} in 1..{dim}")
    chains = []
    for x in xs:
        free = {i: ranges.free[i] for i in x.indices} if isinstance(x, sp.Indexed) else {}
        prove = prover(dims, free)
        chain = d.chain(f"Derivative with respect to {to_text(x)}", sp.Derivative(shown, x))
        for new, rule in derivative_steps(f, x, SIMPLIFICATIONS, SCALAR_SIMPLIFICATIONS):
            chain.step(lecture_order(new), rule, prover=prove)
        chains.append(chain)
    for func in [fn for fn in MEANINGS if f.has(fn) or any(c.last.has(fn) for c in chains)]:
        d.assume(*MEANINGS[func])
    variables = {n: "a variable of f" for n in parsed.variables}
    variables.update({f"{n}_k": "an entry of the vector " + n for n in parsed.vectors})
    variables.update({f"{n}_nd": "an entry of the matrix " + n for n in parsed.matrices})
    return finish(d, chains, xs, variables)


def is_index_matrix(expr: str, wrt: Sequence[str]) -> bool:
    """Whether ``expr`` is index notation with matrices: a name with two letter subscripts in the
    text, or an entry with two indices asked for (``--wrt X_ij``)."""
    from derive.answers.expressions import index_uses

    return any(len(u.indices) >= 2 for u in index_uses(expr)) or any(
        (m := re.match(_ENTRY, w)) is not None and sum(1 for c in m.groups()[1:] if c) == 2 for w in wrt)


# --- back to matrix form (--numpy) -------------------------------------------------------------------


def leaves_of(expr: sp.Basic) -> dict[str, mf.MV]:
    r"""The vectors and matrices of an index-notation expression as matrix-form leaves
    (name -> :class:`~derive.differentiate.matrix_forms.MV`), their sizes read off the sums
    (:math:`X_{nd}` inside :math:`\sum_{n=1}^N \sum_{d=1}^D` is :math:`N \times D`)."""
    sizes: dict = {}

    def walk(e, env):
        if isinstance(e, sp.Sum):
            env = {**env, **{v: hi for v, _, hi in e.limits}}
            walk(e.function, env)
            return
        if isinstance(e, sp.Indexed):
            dims = tuple(env.get(i) for i in e.indices)
            if all(dims):
                sizes.setdefault(e.base, dims)
            return
        for a in e.args:
            walk(a, env)

    walk(expand_softmax(expr), {})
    return {b.label.name: mf.MV(b, d[0], d[1] if len(d) == 2 else sp.S.One) for b, d in sizes.items()}


class NoMatrixModule(ValueError):
    """The index-notation result has no matrix form the code generator can take (``--numpy``)."""


def _read(g: sp.Basic, x: sp.Basic, leaves: dict) -> sp.Basic:
    """The whole gradient whose entry (``x``'s indices) is ``g``, in matrix form."""
    from derive.differentiate.back_translate import matrix, scalar, vector
    from derive.differentiate.matrix_grad import _expand_bodies

    g = nest_sums(g)
    if not isinstance(x, sp.Indexed):
        return scalar(g, leaves)
    leaf = leaves[x.base.label.name]
    rows, cols = leaf.args[1:]

    def read(e):
        if len(x.indices) == 1:
            return vector(e, x.indices[0], leaves, rows)
        return matrix(e, *x.indices, leaves, (rows, cols))

    from derive.differentiate.back_translate import NoMatrixForm

    try:
        return read(g)
    except NoMatrixForm:  # the products in the sums multiplied out, then read again
        return read(_distribute(_expand_bodies(g)))


def matrix_results(value: sp.Basic, gradients: Sequence[tuple]) -> tuple[sp.Basic, list[tuple]]:
    r"""The value and the gradients of an index-notation derivation in matrix form, for
    :func:`derive.codegen.matrix_module.generate_matrix_module`: ``gradients`` are pairs
    (entry such as :math:`w_j` or :math:`X_{ij}`, or a scalar; its derivative in index form) and
    come back as (leaf or scalar, the whole vector or matrix). Each reading is proved equal to the
    index form at random sizes (:func:`prove_at_sizes`); :class:`NoMatrixModule` if one has no
    matrix form or fails its proof."""
    from derive.differentiate.back_translate import NoMatrixForm

    value, gradients = expand_softmax(value), [(x, expand_softmax(g)) for x, g in gradients]
    leaves = leaves_of(value)
    dims = sorted({d for leaf in leaves.values() for d in leaf.args[1:] if d != 1}, key=str)
    bases = [leaf.args[0] for leaf in leaves.values()]
    ctx, _ = _entry_domain(value, dims, bases, ProofContext(definitions=DEFINITIONS + (mf.index_form,), points=2))
    try:
        value_matrix = _read(value, sp.S.Zero, leaves)
    except NoMatrixForm as exc:
        raise NoMatrixModule(f"the expression has no matrix form ({exc})") from None
    _check(value_matrix, value, prover(dims, {}), ctx, "the expression")
    out = []
    for x, g in gradients:
        try:
            whole = _read(g, x, leaves)
        except NoMatrixForm as exc:
            raise NoMatrixModule(f"the derivative by {to_text(x)} has no matrix form ({exc})") from None
        if isinstance(x, sp.Indexed):
            leaf = leaves[x.base.label.name]
            free = dict(zip(x.indices, [d for d in leaf.args[1:] if d != 1]))
            _check(mf.MatrixEntry(whole, *x.indices), g, prover(dims, free), ctx, f"the derivative by {to_text(x)}")
            out.append((leaf, whole))
        else:
            _check(whole, g, prover(dims, {}), ctx, f"the derivative by {to_text(x)}")
            out.append((x, whole))
    return value_matrix, out


def _check(matrix_form: sp.Basic, index_form: sp.Basic, prove, ctx, what: str) -> None:
    proof = prove(matrix_form, index_form, ctx)
    if not proof.verified:
        raise NoMatrixModule(f"the matrix form of {what}, {to_text(matrix_form)}, failed its proof ({proof.detail})")
