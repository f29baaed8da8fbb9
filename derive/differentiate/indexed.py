r"""Index notation for ``derive grad``: vectors :math:`z = (z_1, \dots, z_K)`, sums over the whole
index range, softmax and logsumexp as notation, and the index rules of the lecture.

The parser writes :math:`\operatorname{softmax}(z)_k` as :math:`e^{z_k} / \sum_m e^{z_m}` and
:math:`\operatorname{logsumexp}(z)` as :math:`\log \sum_m e^{z_m}`; :func:`as_notation` turns
these back into :class:`Softmax` and :class:`LogSumExp`, which the derivative table knows
(:data:`INDEX_DERIVATIVES`: the softmax Jacobian cites ``softmax.jacobian``; the gradient of
logsumexp is softmax). :data:`DEFINITIONS` expand them again for the proof engine. The
simplifications are the lecture's: split a sum and take out what does not depend on its index
(:func:`derive.indices.pull_constants`), :math:`\sum_k \delta_{jk} f_k = f_j`
(:func:`derive.indices.contract_deltas`), and :math:`\sum_k t_k = 1` for a target distribution.
"""

from __future__ import annotations

import sympy as sp

from derive.context import Rewrite
from derive.indices import contract_deltas
from derive.notation import K


class Softmax(sp.Function):
    r""":math:`\operatorname{softmax}(z)_k = e^{z_k} / \sum_{m=1}^K e^{z_m}` (args: the IndexedBase
    and the index)."""

    nargs = 2

    def _latex(self, printer, exp=None):
        base, idx = self.args
        tex = r"\operatorname{softmax}\left(%s\right)_{%s}" % (printer._print(base.label), printer._print(idx))
        return tex if exp is None else r"%s^{%s}" % (tex, exp)

    def _derive_text(self, printer):
        base, idx = self.args
        return "softmax(%s)_%s" % (printer._print(base.label), printer._print(idx))


class LogSumExp(sp.Function):
    r""":math:`\operatorname{logsumexp}(z) = \log \sum_{m=1}^K e^{z_m}` (arg: the IndexedBase)."""

    nargs = 1

    def _latex(self, printer, exp=None):
        tex = r"\operatorname{logsumexp}\left(%s\right)" % printer._print(self.args[0].label)
        return tex if exp is None else r"%s^{%s}" % (tex, exp)

    def _derive_text(self, printer):
        return "logsumexp(%s)" % printer._print(self.args[0].label)


def _exp_sum_base(s: sp.Basic) -> sp.IndexedBase | None:
    """``z`` if ``s`` is :math:`\\sum_{m=1}^K e^{z_m}`, else None."""
    if not (isinstance(s, sp.Sum) and len(s.limits) == 1):
        return None
    m, lo, hi = s.limits[0]
    body = s.function
    if lo == 1 and hi == K and isinstance(body, sp.exp) and isinstance(body.args[0], sp.Indexed):
        el = body.args[0]
        if el.indices == (m,):
            return el.base
    return None


def _softmax_in(term: sp.Mul) -> sp.Basic:
    factors = list(term.args)
    for n, f in enumerate(factors):
        if f.is_Pow and f.exp == -1 and (base := _exp_sum_base(f.base)) is not None:
            for m, e in enumerate(factors):
                if isinstance(e, sp.exp) and isinstance(e.args[0], sp.Indexed) and e.args[0].base == base:
                    rest = [x for q, x in enumerate(factors) if q not in (n, m)]
                    return sp.Mul(*rest) * Softmax(base, e.args[0].indices[0])
    return term


def as_notation(expr: sp.Basic) -> sp.Basic:
    """The parser's expanded softmax and logsumexp as :class:`Softmax` and :class:`LogSumExp`."""
    expr = expr.replace(lambda e: isinstance(e, sp.log) and _exp_sum_base(e.args[0]) is not None,
                        lambda e: LogSumExp(_exp_sum_base(e.args[0])))
    return expr.replace(lambda e: isinstance(e, sp.Mul), _softmax_in)


def _softmax_body(base, idx):
    m = sp.Dummy("m", integer=True, positive=True)
    return sp.exp(base[idx]) / sp.Sum(sp.exp(base[m]), (m, 1, K))


def _logsumexp_body(base):
    m = sp.Dummy("m", integer=True, positive=True)
    return sp.log(sp.Sum(sp.exp(base[m]), (m, 1, K)))


def expand_softmax(expr: sp.Basic) -> sp.Basic:
    """:class:`Softmax` and :class:`LogSumExp` by their definitions (for proofs)."""
    expr = expr.replace(lambda e: isinstance(e, Softmax), lambda e: _softmax_body(*e.args))
    return expr.replace(lambda e: isinstance(e, LogSumExp), lambda e: _logsumexp_body(e.args[0]))


DEFINITIONS: tuple[Rewrite, ...] = (expand_softmax,)


def sums_to_one(base: sp.IndexedBase) -> Rewrite:
    r""":math:`\sum_{k=1}^K t_k = 1` (``t`` a distribution), as an identity for proofs and a step."""

    def rewrite(expr: sp.Basic) -> sp.Basic:
        return expr.replace(
            lambda e: isinstance(e, sp.Sum) and len(e.limits) == 1 and e.limits[0][1:] == (1, K)
            and e.function == base[e.limits[0][0]],
            lambda e: sp.S.One,
        )

    rewrite.__qualname__ = f"sums_to_one({base})"
    return rewrite


# --- rules -----------------------------------------------------------------------------------------


def index_rule(g: sp.Basic, x: sp.Indexed):
    r"""The rule for :math:`\partial g / \partial z_j` when ``g`` is an index-notation object:
    (replacement, rule) or None. Derivatives of the parts are left pending for the caller."""
    if len(x.indices) == 2:  # an entry X_ij of a matrix: dX_nd/dX_ij = delta_ni delta_dj
        if isinstance(g, sp.Indexed) and g.base == x.base and len(g.indices) == 2:
            (n, d), (i, j) = g.indices, x.indices
            return (sp.KroneckerDelta(n, i) * sp.KroneckerDelta(d, j),
                    f"$\\partial {sp.latex(g)} / \\partial {sp.latex(x)} = \\delta_{{{n}{i}}} \\delta_{{{d}{j}}}$")
        return None
    z, (j,) = x.base, x.indices
    if isinstance(g, sp.Indexed) and g.base == z:
        (k,) = g.indices
        return sp.KroneckerDelta(k, j), f"$\\partial {sp.latex(g)} / \\partial {sp.latex(x)} = \\delta_{{{k}{j}}}$"
    if isinstance(g, Softmax) and g.args[0] == z:
        k = g.args[1]
        return (g * (sp.KroneckerDelta(k, j) - Softmax(z, j)),
                r"Jacobian of softmax, $\partial y_k / \partial z_j = y_k (\delta_{kj} - y_j)$ (softmax.jacobian)")
    if isinstance(g, LogSumExp) and g.args[0] == z:
        return Softmax(z, j), "the gradient of logsumexp is softmax (derivative of the log, then of the sum)"
    return None


def _split_sum(s: sp.Sum) -> sp.Basic:
    """A sum (over one index or several) split over ``+``, factors free of its indices taken out,
    and an index its body does not use summed away (a factor K)."""
    variables = {lim[0] for lim in s.limits}
    out = []
    for term in sp.Add.make_args(sp.expand(s.function)):
        inside = [f for f in sp.Mul.make_args(term) if f.free_symbols & variables]
        outside = [f for f in sp.Mul.make_args(term) if not f.free_symbols & variables]
        body = sp.Mul(*inside)
        limits = [lim for lim in s.limits if lim[0] in body.free_symbols]
        count = sp.Mul(*[hi - lo + 1 for var, lo, hi in s.limits if var not in body.free_symbols])
        out.append(sp.Mul(*outside) * count * (sp.Sum(body, *limits) if limits else body))
    return sp.Add(*out)


def split_sums(expr: sp.Basic) -> sp.Basic:
    """:func:`_split_sum` everywhere (sums over one index as :func:`derive.indices.pull_constants`)."""
    return expr.replace(lambda e: isinstance(e, sp.Sum), _split_sum)


def _contract_sum(s: sp.Sum) -> sp.Basic:
    r""":math:`\sum_k \delta_{jk} f_k = f_j` in a sum over one or several indices."""
    body = s.function
    for factor in sp.Mul.make_args(body):
        if isinstance(factor, sp.KroneckerDelta):
            for var, lo, hi in s.limits:
                a, b = factor.args
                partner = b if a == var else a if b == var else None
                if partner is not None and var not in partner.free_symbols:
                    rest = (body / factor).xreplace({var: partner})
                    limits = [lim for lim in s.limits if lim[0] != var]
                    return _contract_sum(sp.Sum(rest, *limits)) if limits else rest
    return s


def contract_sums(expr: sp.Basic) -> sp.Basic:
    """:func:`_contract_sum` everywhere, after splitting the sums so that each term is contracted."""
    return contract_deltas(split_sums(expr).replace(lambda e: isinstance(e, sp.Sum), _contract_sum))


def rename_bound(expr: sp.Basic) -> sp.Basic:
    """Every sum over one index written with the same index letter (the first of k, m, n, l not
    free in the expression), so that equal sums are seen to be equal and combine."""
    from derive.answers.symbols import index_symbol

    free = {str(s) for s in expr.free_symbols}
    letter = next((c for c in "kmnlpq" if c not in free), None)
    if letter is None:
        return expr
    new = index_symbol(letter)

    def rename(s: sp.Sum) -> sp.Basic:
        if len(s.limits) != 1 or s.limits[0][0] == new or new in s.function.free_symbols:
            return s
        var, lo, hi = s.limits[0]
        return sp.Sum(s.function.xreplace({var: new}), (new, lo, hi))

    return expr.replace(lambda e: isinstance(e, sp.Sum), rename)


def index_simplifications(distributions: tuple[sp.IndexedBase, ...]):
    """(simplification, rule) pairs for index expressions, in order."""
    out = [
        (lambda e: split_sums(e) if e.has(sp.Sum) else e,
         "split the sum; take out the factors that do not depend on its index"),
        (contract_sums, r"$\sum_k \delta_{jk} f_k = f_j$"),
        (rename_bound, "rename the summation index (a bound index is a dummy); collect equal sums"),
    ]
    for base in distributions:
        out.append((sums_to_one(base), f"${sp.latex(base)}$ is a distribution, $\\sum_k {sp.latex(base)}_k = 1$"))
    return out
