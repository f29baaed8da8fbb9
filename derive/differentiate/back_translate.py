r"""Index form back to matrix form: the entry :math:`g_j` of a gradient as a vector expression.

A small table of patterns (:data:`PATTERNS`), each the reading of one index form as a matrix
form, tried in order on the outermost operation:

=====================================================  ===========================================
index form (free index :math:`i`)                      matrix form
=====================================================  ===========================================
:math:`v_i` (a declared vector)                        :math:`v`
:math:`\sum_k M_{ik} a_k`                              :math:`M a`
:math:`\sum_k M_{ki} a_k`                              :math:`M^T a`
:math:`a_i + b_i`, :math:`c\, a_i`                     :math:`a + b`, :math:`c\, a` (c free of i)
:math:`a_i b_i`                                        :math:`a \odot b`
:math:`f(a_i)`                                         :math:`f(a)` (elementwise)
=====================================================  ===========================================

(and :math:`\sum_k F_{ik} a_k \to F a` for any matrix form F), an entry :math:`c` free of
:math:`i` as :math:`c\mathbf{1}`, and for scalars (no free index): :math:`\sum_k a_k b_k = a^T b`,
:math:`\sum_k a_k = \operatorname{sum}(a)`, :math:`\sum_k a_k^2 = \lVert a\rVert^2`, over two
indices :math:`\sum_{r,c} A_{rc}^2 = \lVert A\rVert^2` and :math:`\sum_{r,c} A_{rc} =
\operatorname{sum}(A)`. Then :math:`M a + M' a = (M + M')a` collects a common right factor.

Entries with two free indices :math:`(r, c)` have their own table (:data:`MATRIX_PATTERNS`):
:math:`M_{rc} \to M`, :math:`M_{cr} \to M^T`, sums, :math:`\sum_k A_{rk} B_{kc} \to AB`, the
softmax of each row :math:`e^{A_{rc}} / \sum_k e^{A_{rk}} \to \operatorname{softmax}(A)`, a row's
normaliser taken into a sum over the row (:math:`\operatorname{softmax}(A) B`), outer and
elementwise products, elementwise functions.

A pattern is a claim like an entry of the derivative table: the derivation proves the matrix
form equal to the index form (numerically at random sizes), so a wrong pattern is refused.
"""

from __future__ import annotations

from typing import Callable

import sympy as sp

from derive.differentiate import matrix_forms as mf


class NoMatrixForm(ValueError):
    """No pattern reads the index form as a matrix form."""


#: (entry, free index, leaves, length of the vector or None) -> matrix form or None.
Pattern = Callable[[sp.Basic, sp.Symbol, dict, "sp.Basic | None"], "sp.Basic | None"]
_U = sp.Dummy("u", real=True)


def _leaf(leaves: dict, base: sp.IndexedBase) -> mf.MV | None:
    """The declared vector or matrix (``leaves``: name -> leaf) whose entries are ``base``."""
    return next((leaf for leaf in leaves.values() if leaf.args[0] == base), None)


def _declared_vector(e, i, leaves, size=None):
    r""":math:`v_i \to v`."""
    if isinstance(e, sp.Indexed) and e.indices == (i,):
        leaf = _leaf(leaves, e.base)
        if leaf is not None and leaf.args[2] == 1:
            return leaf
    return None


def _matrix_times_vector(e, i, leaves, size=None):
    r""":math:`\sum_k M_{ik} a_k \to M a` and :math:`\sum_k M_{ki} a_k \to M^T a`."""
    if not (isinstance(e, sp.Sum) and len(e.limits) == 1):
        return None
    k = e.limits[0][0]
    factors = sp.Mul.make_args(e.function)
    for n, f in enumerate(factors):
        if isinstance(f, sp.Indexed) and len(f.indices) == 2 and _leaf(leaves, f.base) is not None:
            rest = sp.Mul(*factors[:n], *factors[n + 1:])
            if i in rest.free_symbols:
                continue
            size = e.limits[0][2]
            if f.indices == (i, k):
                return mf.MMul(_leaf(leaves, f.base), vector(rest, k, leaves, size))
            if f.indices == (k, i):
                return mf.MMul(mf.MT(_leaf(leaves, f.base)), vector(rest, k, leaves, size))
    return None


def _sum_of_vectors(e, i, leaves, size=None):
    """:math:`a_i + b_i \\to a + b` (terms free of i are added to each entry)."""
    if not isinstance(e, sp.Add):
        return None
    return collect_right(mf.MAdd(*[vector(t, i, leaves, size) if i in t.free_symbols or size is not None
                                   else scalar(t, leaves) for t in _ordered(e.args)]))


def _product(e, i, leaves, size=None):
    r""":math:`c\, a_i b_i \to c\,(a \odot b)` (c free of i)."""
    if not isinstance(e, sp.Mul):
        return None
    outside = [f for f in e.args if i not in f.free_symbols]
    inside = sorted((f for f in e.args if i in f.free_symbols), key=lambda f: not isinstance(f, sp.Indexed))
    if not inside:
        return None
    node = vector(inside[0], i, leaves, size)
    for f in inside[1:]:
        node = mf.MHad(node, vector(f, i, leaves, size))
    coeff = scalar(sp.Mul(*outside), leaves)
    return node if coeff == 1 else softmax_form(mf.MScale(coeff, node))


def _elementwise(e, i, leaves, size=None):
    """:math:`f(a_i) \\to f(a)`; :math:`a_i^p \\to a^{\\odot p}`."""
    if isinstance(e, sp.Pow) and i not in e.exp.free_symbols:
        return mf.MMap(sp.Lambda(_U, _U**e.exp), vector(e.base, i, leaves, size))
    if isinstance(e, sp.Function) and len(e.args) == 1 and not isinstance(e, mf.MatrixNode):
        return mf.MMap(sp.Lambda(_U, e.func(_U)), vector(e.args[0], i, leaves, size))
    return None


def _row_sums(e, i, leaves, size=None):
    r""":math:`\sum_k F_{ik} a_k \to F a` for any matrix form F (:math:`\sum_k F_{ik} \to F\mathbf{1}`):
    the factors with i (and k) read as the matrix F, the others as the vector a."""
    if not (isinstance(e, sp.Sum) and len(e.limits) == 1):
        return None
    k, _, hi = e.limits[0]
    factors = sp.Mul.make_args(e.function)
    left = sp.Mul(*[f for f in factors if i in f.free_symbols])
    right = sp.Mul(*[f for f in factors if i not in f.free_symbols])
    if left == 1 or k not in left.free_symbols:
        return None
    return mf.MMul(matrix(left, i, k, leaves, (size, hi)), vector(right, k, leaves, hi))


def _row_logsumexp(e, i, leaves, size=None):
    r""":math:`\log \sum_{k=1}^{C} e^{A_{ik}} \to \operatorname{logsumexp}(A)_i`, the logsumexp of each
    row of a matrix form A with C columns (a column vector)."""
    if not (isinstance(e, sp.log) and isinstance(e.args[0], sp.Sum) and len(e.args[0].limits) == 1):
        return None
    (k, lo, hi), body = e.args[0].limits[0], e.args[0].function
    if not (lo == 1 and isinstance(body, sp.exp) and i in body.free_symbols and k in body.free_symbols):
        return None
    rows = matrix(body.args[0], i, k, leaves, (size, hi))
    return mf.MRowLogSumExp(rows) if mf.shape(rows)[1] == hi else None


#: The patterns for an entry with a free index, in the order they are tried.
PATTERNS: list[Pattern] = [_declared_vector, _matrix_times_vector, _row_sums, _sum_of_vectors, _product,
                           _row_logsumexp, _elementwise]


def vector(e: sp.Basic, i: sp.Symbol, leaves: dict, size: sp.Basic | None = None) -> sp.Basic:
    """The column-vector expression whose entry ``i`` is ``e`` (:class:`NoMatrixForm` if none);
    with the vector's ``size``, an entry free of ``i`` is :math:`c\\mathbf{1}`."""
    if size is not None and i not in e.free_symbols:
        c = scalar(e, leaves)
        return mf.MOnes(size) if c == 1 else mf.MScale(c, mf.MOnes(size))
    for pattern in PATTERNS:
        node = pattern(e, i, leaves, size)
        if node is not None:
            return node
    raise NoMatrixForm(f"no matrix form for the entry {e} (index {i})")


def scalar(e: sp.Basic, leaves: dict) -> sp.Basic:
    r"""A scalar index expression in matrix form: :math:`\sum_k a_k b_k = a^T b`,
    :math:`\sum_k a_k = \operatorname{sum}(a)`, elsewhere the same operation on the parts."""
    if not e.has(sp.Sum, sp.Indexed):
        return e
    if isinstance(e, sp.Sum) and len(e.limits) == 1 and (taken := _normaliser_taken_in(e.function, set())) is not None:
        return scalar(sp.Sum(taken, e.limits[0]), leaves)  # sum_n sum_k softmax(A)_nk B_nk
    if isinstance(e, sp.Sum) and len(e.limits) == 1:
        k = e.limits[0][0]
        inside = [f for f in sp.Mul.make_args(e.function) if k in f.free_symbols]
        if len(inside) == 1 and inside[0].is_Pow and inside[0].exp == 2:
            outside = sp.Mul(*[f for f in sp.Mul.make_args(e.function) if k not in f.free_symbols])
            return scalar(outside, leaves) * mf.MNorm(vector(inside[0].base, k, leaves)) ** 2
        if len(inside) == 2:
            a, b = (vector(f, k, leaves) for f in inside)
            outside = sp.Mul(*[f for f in sp.Mul.make_args(e.function) if k not in f.free_symbols])
            return scalar(outside, leaves) * mf.M11(mf.MMul(mf.MT(a), b))
        return mf.MSum(vector(e.function, k, leaves))
    if isinstance(e, sp.Sum) and len(e.limits) == 2:
        return _sum_of_entries(e, leaves)
    if isinstance(e, sp.Indexed):
        raise NoMatrixForm(f"no matrix form for the entry {e}")
    out = e.func(*[scalar(a, leaves) for a in e.args])
    if isinstance(out, sp.Mul):
        out = _softmax_in_product(out)
    if isinstance(out, sp.log) and isinstance(out.args[0], mf.MSum) and _is_exp_map(out.args[0].args[0]):
        return mf.MLogSumExp(out.args[0].args[0].args[1])  # log sum(exp(u)) = logsumexp(u)
    return out


def _sum_of_entries(e: sp.Sum, leaves: dict) -> sp.Basic:
    r""":math:`\sum_{r,c} A_{rc}^2 \to \lVert A\rVert^2` (Frobenius), else :math:`\sum_{r,c} A_{rc} \to
    \operatorname{sum}(A)` (:math:`\sum_{r,c} A_{rc} B_{rc} = \operatorname{sum}(A \odot B)`); r is the
    outer index, c the inner, factors free of both taken out."""
    (c, _, cols), (r, _, rows) = e.limits
    factors = sp.Mul.make_args(e.function)
    outside = scalar(sp.Mul(*[f for f in factors if not f.free_symbols & {r, c}]), leaves)
    inside = [f for f in factors if f.free_symbols & {r, c}]
    if len(inside) == 1 and inside[0].is_Pow and inside[0].exp == 2:
        return outside * mf.MNorm(matrix(inside[0].base, r, c, leaves, (rows, cols))) ** 2
    return outside * mf.MSum(matrix(sp.Mul(*inside), r, c, leaves, (rows, cols)))


def _softmax_in_product(out: sp.Mul) -> sp.Basic:
    r""":math:`a^T e^{u} / \operatorname{sum}(e^{u}) = a^T \operatorname{softmax}(u)` in a scalar product
    (:func:`softmax_form` applied to its :math:`1 \times 1` factor)."""
    for f in out.args:
        if isinstance(f, mf.M11):
            scaled = mf.MScale(out / f, f.args[0])
            new = softmax_form(scaled)
            if new != scaled:
                coeff, node = new.args if isinstance(new, mf.MScale) else (sp.S.One, new)
                return coeff * mf.M11(node)
    return out


def _is_exp_map(node) -> bool:
    return isinstance(node, mf.MMap) and node.args[0].expr == sp.exp(node.args[0].variables[0])


def softmax_form(node: sp.Basic) -> sp.Basic:
    r""":math:`c\, g(e^{u}) / \operatorname{sum}(e^{u}) = c\, g(\operatorname{softmax}(u))` where ``g`` uses
    :math:`e^{u}` once and linearly (a matrix product or :math:`\odot`)."""
    if not isinstance(node, mf.MScale):
        return node
    coeff, inner = node.args
    for factor in sp.Mul.make_args(coeff):
        if factor.is_Pow and factor.exp == -1 and isinstance(factor.base, mf.MSum) and _is_exp_map(factor.base.args[0]):
            exp_u = factor.base.args[0]
            uses = [n for n in sp.preorder_traversal(inner) if n == exp_u]
            linear = all(not isinstance(n, (mf.MMap, mf.MNorm, mf.MSum)) or n == exp_u
                         for n in sp.preorder_traversal(inner) if n.has(exp_u))
            if len(uses) == 1 and linear:
                rest = coeff / factor
                new = inner.xreplace({exp_u: mf.MSoftmax(exp_u.args[1])})
                return new if rest == 1 else mf.MScale(rest, new)
    return node


def _ordered(terms):
    """Positive terms first (:math:`Xw - t`, not :math:`-t + Xw`)."""
    return sorted(terms, key=lambda t: t.could_extract_minus_sign())


def _transposes(node) -> int:
    return sum(1 for n in sp.preorder_traversal(node) if isinstance(n, mf.MT))


def _sign_inside(term: sp.Basic) -> sp.Basic:
    """:math:`c(M a)` as :math:`M(c a)`, so that it can share the left factor :math:`M`."""
    if isinstance(term, mf.MScale) and isinstance(term.args[1], mf.MMul):
        left, right = term.args[1].args
        return mf.MMul(left, mf.MScale(term.args[0], right))
    return term


def _scale_into(term: sp.Basic, side: int) -> sp.Basic:
    """:math:`c(AB)` as :math:`(cA)B` (``side`` 0) or :math:`A(cB)` (``side`` 1); other terms as they are."""
    if isinstance(term, mf.MScale) and isinstance(term.args[1], mf.MMul):
        c, (left, right) = term.args[0], term.args[1].args
        return mf.MMul(mf.MScale(c, left), right) if side == 0 else mf.MMul(left, mf.MScale(c, right))
    return term


def collect_right(node: sp.Basic) -> sp.Basic:
    r""":math:`A x + B x = (A + B) x` for the terms of a sum with the same right factor."""
    if not isinstance(node, mf.MAdd):
        return node
    if any(isinstance(t, mf.MScale) for t in node.args):
        signed = mf.MAdd(*[_sign_inside(t) for t in node.args])
        lefts = [t.args[0] for t in signed.args if isinstance(t, mf.MMul)]
        if len(lefts) != len(set(lefts)):
            node = signed
    for side in (1, 0):  # A x + B x = (A + B)x, then X^T a + X^T b = X^T(a + b)
        groups: dict = {}
        for term in node.args:
            product = _scale_into(term, 1 - side)
            key = product.args[side] if isinstance(product, mf.MMul) else None
            groups.setdefault(key, []).append(term)
        terms = []
        for key, members in groups.items():
            if key is not None and len(members) > 1:
                others = [_scale_into(m, 1 - side).args[1 - side] for m in members]
                if side == 1:
                    terms.append(mf.MMul(mf.MAdd(*sorted(others, key=_transposes)), key))
                else:
                    terms.append(mf.MMul(key, mf.MAdd(*others)))
            else:
                terms.extend(members)
        node = terms[0] if len(terms) == 1 else mf.MAdd(*terms)
        if not isinstance(node, mf.MAdd):
            return node
    return node


# --- entries with two free indices: a matrix ---------------------------------------------------------

#: (entry, row index, column index, leaves, (rows, cols)) -> matrix form or None.
MatrixPattern = Callable[[sp.Basic, sp.Symbol, sp.Symbol, dict, tuple], "sp.Basic | None"]


def _declared_matrix(e, r, c, leaves, sizes):
    r""":math:`M_{rc} \to M` and :math:`M_{cr} \to M^T` (a declared matrix)."""
    if isinstance(e, sp.Indexed) and len(e.indices) == 2 and _leaf(leaves, e.base) is not None:
        if e.indices == (r, c):
            return _leaf(leaves, e.base)
        if e.indices == (c, r):
            return mf.MT(_leaf(leaves, e.base))
    return None


def _sum_of_matrices(e, r, c, leaves, sizes):
    r""":math:`A_{rc} + B_{rc} \to A + B`."""
    if isinstance(e, sp.Add):
        return collect_right(mf.MAdd(*[matrix(t, r, c, leaves, sizes) for t in _ordered(e.args)]))
    return None


def _matrix_product(e, r, c, leaves, sizes):
    r""":math:`\sum_k A_{rk} B_{kc} \to AB` (the factors with the row index r make A, the others B)."""
    if isinstance(e, sp.Sum) and len(e.limits) == 1:
        k, _, hi = e.limits[0]
        left = [f for f in sp.Mul.make_args(e.function) if r in f.free_symbols]
        right = [f for f in sp.Mul.make_args(e.function) if r not in f.free_symbols]
        if not any(c in f.free_symbols for f in left):
            return mf.MMul(matrix(sp.Mul(*left), r, k, leaves, (sizes[0], hi)),
                           matrix(sp.Mul(*right), k, c, leaves, (hi, sizes[1])))
    return None


def _canonical(e: sp.Basic) -> sp.Basic:
    """``e`` with its summation indices renamed in reading order (equal sums compare equal)."""
    names = iter(sp.Symbol(f"_bound{n}", integer=True, positive=True) for n in range(10**6))

    def rename(x: sp.Basic) -> sp.Basic:
        if isinstance(x, sp.Sum):
            body, limits = x.function, []
            for var, lo, hi in x.limits:
                new = next(names)
                body = body.xreplace({var: new})
                limits.append((new, lo, hi))
            return sp.Sum(rename(body), *limits)
        if not x.args or isinstance(x, sp.Indexed):
            return x
        return x.func(*[rename(a) for a in x.args])

    return rename(e)


def _row_softmax(e, r, c, leaves, sizes):
    r""":math:`e^{A_{rc}} / \sum_{k=1}^{C} e^{A_{rk}} \to \operatorname{softmax}(A)_{rc}`, softmax of
    each row (C: the number of columns); other factors of the product are read as a matrix
    :math:`B` and multiplied elementwise, :math:`B \odot \operatorname{softmax}(A)`."""
    if not isinstance(e, sp.Mul):
        return None
    factors = list(e.args)
    for n, f in enumerate(factors):
        if not (f.is_Pow and f.exp == -1 and isinstance(f.base, sp.Sum) and len(f.base.limits) == 1):
            continue
        k, lo, hi = f.base.limits[0]
        body = f.base.function
        if not (isinstance(body, sp.exp) and lo == 1 and hi == sizes[1] and c not in body.free_symbols):
            continue
        wanted = _canonical(body.xreplace({k: c}))
        for m, g in enumerate(factors):
            if m != n and isinstance(g, sp.exp) and _canonical(g) == wanted:
                node = mf.MSoftmax(matrix(g.args[0], r, c, leaves, sizes))
                rest = [x for q, x in enumerate(factors) if q not in (n, m)]
                coeff = scalar(sp.Mul(*[x for x in rest if not x.free_symbols & {r, c}]), leaves)
                other = sp.Mul(*[x for x in rest if x.free_symbols & {r, c}])
                if other != 1:
                    node = mf.MHad(matrix(other, r, c, leaves, sizes), node)
                return node if coeff == 1 else mf.MScale(coeff, node)
    return None


def _normaliser_taken_in(e: sp.Basic, free: set) -> sp.Basic | None:
    r""":math:`\frac{1}{\sum_q e^{A_{rq}}} \sum_k e^{A_{rk}} B_k = \sum_k \frac{e^{A_{rk}}}{\sum_q e^{A_{rq}}}
    B_k` for a product ``e`` (the normaliser, free of the indices ``free``, does not depend on k);
    None if ``e`` has no such pair of factors."""
    if not isinstance(e, sp.Mul):
        return None
    factors = list(e.args)
    for n, f in enumerate(factors):
        if not (f.is_Pow and f.exp == -1 and isinstance(f.base, sp.Sum) and len(f.base.limits) == 1
                and isinstance(f.base.function, sp.exp) and not f.free_symbols & free):
            continue
        q = f.base.limits[0][0]
        for m, g in enumerate(factors):
            if m == n or not (isinstance(g, sp.Sum) and len(g.limits) == 1):
                continue
            k = g.limits[0][0]
            fresh = sp.Dummy(str(q), integer=True, positive=True)  # the normaliser's own index, apart from k
            normaliser = sp.Sum(f.base.function.xreplace({q: fresh}), (fresh, *f.base.limits[0][1:])) ** -1
            wanted = _canonical(f.base.function.xreplace({q: k}))
            if any(isinstance(x, sp.exp) and _canonical(x) == wanted for x in sp.Mul.make_args(g.function)):
                rest = sp.Mul(*[x for p, x in enumerate(factors) if p not in (n, m)])
                return rest * sp.Sum(g.function * normaliser, g.limits[0])
    return None


def _normaliser_into_sum(e, r, c, leaves, sizes):
    r""":math:`\frac{1}{\sum_q e^{A_{rq}}} \sum_k e^{A_{rk}} B_{kc} \to \sum_k
    \frac{e^{A_{rk}}}{\sum_q e^{A_{rq}}} B_{kc}`: a row's normaliser taken into a sum over the same
    row (it does not depend on k), where :func:`_row_softmax` reads it (:math:`\operatorname{softmax}(A) B`)."""
    inside = _normaliser_taken_in(e, {c})
    return None if inside is None else matrix(inside, r, c, leaves, sizes)


def _outer_and_elementwise(e, r, c, leaves, sizes):
    r""":math:`s\, a_r b_c\, F_{rc} \to s\,(a b^T) \odot F` (s free of r and c, :math:`a b^T` left
    out when it is :math:`\mathbf{1}\mathbf{1}^T`)."""
    if not (isinstance(e, sp.Mul) or r not in e.free_symbols or c not in e.free_symbols):
        return None
    factors = sp.Mul.make_args(e)
    both = [f for f in factors if r in f.free_symbols and c in f.free_symbols]
    rows = sp.Mul(*[f for f in factors if r in f.free_symbols and c not in f.free_symbols])
    cols = sp.Mul(*[f for f in factors if c in f.free_symbols and r not in f.free_symbols])
    coeff = scalar(sp.Mul(*[f for f in factors if not f.free_symbols & {r, c}]), leaves)
    node = None
    if rows != 1 or cols != 1 or not both:
        node = mf.MMul(vector(rows, r, leaves, sizes[0]), mf.MT(vector(cols, c, leaves, sizes[1])))
    for f in both:
        part = matrix(f, r, c, leaves, sizes)
        node = part if node is None else mf.MHad(node, part)
    return node if coeff == 1 else softmax_form(mf.MScale(coeff, node))


def _elementwise_matrix(e, r, c, leaves, sizes):
    r""":math:`f(A_{rc}) \to f(A)` (elementwise)."""
    if isinstance(e, sp.Function) and len(e.args) == 1 and not isinstance(e, mf.MatrixNode):
        return mf.MMap(sp.Lambda(_U, e.func(_U)), matrix(e.args[0], r, c, leaves, sizes))
    return None


#: The patterns for an entry with two free indices, in the order they are tried.
MATRIX_PATTERNS: list[MatrixPattern] = [_declared_matrix, _sum_of_matrices, _matrix_product, _row_softmax,
                                        _normaliser_into_sum, _outer_and_elementwise, _elementwise_matrix]


def matrix(e: sp.Basic, r: sp.Symbol, c: sp.Symbol, leaves: dict, sizes: tuple) -> sp.Basic:
    r"""The matrix expression whose entry :math:`(r, c)` is ``e`` (``sizes``: the ranges of r, c), by
    the first of :data:`MATRIX_PATTERNS` that reads it: :math:`M_{rc} \to M`, :math:`M_{cr} \to
    M^T`, :math:`a_r b_c \to a b^T`, :math:`\sum_k A_{rk} B_{kc} \to AB`, row-wise softmax, sums,
    scalar multiples, elementwise products and functions."""
    for pattern in MATRIX_PATTERNS:
        node = pattern(e, r, c, leaves, sizes)
        if node is not None:
            return node
    raise NoMatrixForm(f"no matrix form for the entry {e} (indices {r}, {c})")
