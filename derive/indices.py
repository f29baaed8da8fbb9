r"""Index algebra for sums over a class index, which SymPy's ``simplify`` does not finish.

SymPy 1.14 differentiates ``Sum(exp(z[k]), (k, 1, K))`` with respect to ``z[j]`` into
``Sum(KroneckerDelta(j, k) exp(z[k]), (k, 1, K))`` but its ``simplify`` crashes
(``StopIteration`` in ``sum_simplify``) on such expressions. The rules here are the ones a
lecture uses by hand, each one line:

* ``contract_deltas``:  \sum_k \delta_{jk} f(k) = f(j)          (j within the summation range)
* ``pull_constants``:   \sum_k c f(k) = c \sum_k f(k)          (c free of k), sums of sums split
* ``index_cases``:      the two cases i = j (\delta_{ij} = 1) and i \ne j (\delta_{ij} = 0)
* ``sums_to_symbols``:  each distinct remaining sum becomes an opaque symbol
"""

from __future__ import annotations

from itertools import combinations

import sympy as sp


def _delta_partner(delta: sp.KroneckerDelta, k: sp.Symbol):
    a, b = delta.args
    if a == k and b != k:
        return b
    if b == k and a != k:
        return a
    return None


def _contract_one(s: sp.Sum) -> sp.Basic:
    if len(s.limits) != 1:
        return s
    k, lo, hi = s.limits[0]
    body = sp.expand(s.function)
    terms = sp.Add.make_args(body)
    if len(terms) > 1:
        return sp.Add(*[_contract_one(sp.Sum(t, (k, lo, hi))) for t in terms])
    for factor in sp.Mul.make_args(body):
        if isinstance(factor, sp.KroneckerDelta):
            partner = _delta_partner(factor, k)
            if partner is not None and k not in partner.free_symbols:
                rest = body / factor
                return rest.xreplace({k: partner})
    return s


def contract_deltas(expr: sp.Basic) -> sp.Basic:
    r"""Replace :math:`\sum_k \delta_{jk} f(k)` by :math:`f(j)` everywhere in ``expr``."""
    return expr.replace(lambda e: isinstance(e, sp.Sum), _contract_one)


def _pull_one(s: sp.Sum) -> sp.Basic:
    if len(s.limits) != 1:
        return s
    k = s.limits[0][0]
    body = sp.expand(s.function)
    terms = sp.Add.make_args(body)
    if len(terms) > 1:
        return sp.Add(*[_pull_one(sp.Sum(t, s.limits[0])) for t in terms])
    inside, outside = [], []
    for factor in sp.Mul.make_args(body):
        (inside if k in factor.free_symbols else outside).append(factor)  # bound k of an inner sum is another k
    if not inside:
        lo, hi = s.limits[0][1:]
        return sp.Mul(*outside) * (hi - lo + 1)
    return sp.Mul(*outside) * sp.Sum(sp.Mul(*inside), s.limits[0])


def pull_constants(expr: sp.Basic) -> sp.Basic:
    r"""Split sums over ``+`` and move factors free of the summation index outside."""
    return expr.replace(lambda e: isinstance(e, sp.Sum), _pull_one)


def delta_pairs(expr: sp.Basic) -> list[tuple[sp.Basic, sp.Basic]]:
    """The pairs of distinct index symbols that appear together in a KroneckerDelta."""
    pairs = set()
    for d in expr.atoms(sp.KroneckerDelta):
        a, b = d.args
        if a != b:
            pairs.add(tuple(sorted((a, b), key=sp.default_sort_key)))
    return sorted(pairs, key=sp.default_sort_key)


def index_cases(expr: sp.Basic, indices) -> list[tuple[str, sp.Basic]]:
    r"""Split ``expr`` into the cases of its free indices: all distinct, or some equal.

    Returns ``[(description, expr_in_that_case)]``. In the distinct case every
    :math:`\delta_{ij}` with i != j is 0; in a case i = j the index j is renamed i, which makes
    :math:`\delta_{ij} = 1`. With two indices this is the lecture's "if i = j / if i \ne j".
    """
    present = [i for i in indices if i in expr.free_symbols]
    free = set(present)
    distinct = expr.replace(
        lambda e: isinstance(e, sp.KroneckerDelta) and set(e.args) <= free and e.args[0] != e.args[1],
        lambda e: sp.S.Zero,
    )
    cases = [("distinct", distinct)]
    for a, b in combinations(present, 2):
        cases.append((f"{a} = {b}", expr.subs(b, a)))  # subs leaves bound summation indices alone
    return cases


def sums_to_symbols(*exprs: sp.Basic) -> tuple[sp.Basic, ...]:
    """Replace each distinct Sum (after normalisation) by one fresh symbol, consistently."""
    sums = set()
    for e in exprs:
        sums |= e.atoms(sp.Sum)
    table = {
        s: sp.Dummy(f"S{n}", positive=s.function.is_positive or None)  # a sum of positives is positive
        for n, s in enumerate(sorted(sums, key=sp.default_sort_key))
    }
    return tuple(e.xreplace(table) for e in exprs)


def in_range_conditions_true(expr: sp.Basic, indices, size) -> sp.Basic:
    """Resolve SymPy's ``Piecewise((f, K >= i), ...)`` for indices known to lie in 1..K.

    ``Sum(delta_{ij} t_j, (j, 1, K)).doit()`` gives ``Piecewise((t_i, K >= i), (0, True))``;
    with ``i`` in ``1..K`` (an assumption of every derivation with indices) it is ``t_i``.
    """
    if size is None or not expr.has(sp.Piecewise):
        return expr
    facts = {}
    for idx in indices:
        facts[sp.Ge(size, idx)] = sp.true
        facts[sp.Le(idx, size)] = sp.true
        facts[sp.Ge(idx, 1)] = sp.true
        facts[sp.Le(1, idx)] = sp.true
    return expr.replace(lambda e: isinstance(e, sp.Piecewise), lambda e: e.xreplace(facts))
