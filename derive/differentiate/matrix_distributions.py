r"""Target distributions in matrix mode: a vector :math:`t` with :math:`t_k \ge 0`,
:math:`\sum_k t_k = 1`, or a matrix :math:`T` each of whose rows is one, :math:`T_{nk} \ge 0`,
:math:`\sum_k T_{nk} = 1` (the targets of softmax regression, one row per example).

As in index notation (:data:`derive.differentiate.gradient.DISTRIBUTION_NAMES`), only a vector
named ``t`` or a matrix named ``T`` can be a distribution, and only where the derivation needs
:math:`\sum_k T_{nk} = 1` is it assumed (:mod:`derive.differentiate.matrix_grad` decides). Then
the proofs sample it on the simplex, row by row (:func:`draw`), at the concrete sizes of each
proof.
"""

from __future__ import annotations

import random

import sympy as sp

from derive.context import Rewrite, VectorDomain
from derive.differentiate import matrix_forms as mf

#: Where a distribution is sampled (the index mode's domain for a target vector).
SIMPLEX = VectorDomain("simplex")


def _names() -> tuple[str, ...]:
    from derive.differentiate.gradient import DISTRIBUTION_NAMES

    return DISTRIBUTION_NAMES


def candidates(leaves: dict[str, mf.MV]) -> tuple[mf.MV, ...]:
    """The declared vectors named ``t`` and matrices named ``T``: the targets that may be distributions."""
    out = []
    for name, leaf in leaves.items():
        is_vector = leaf.args[2] == 1
        if (is_vector and name in _names()) or (not is_vector and name in [n.upper() for n in _names()]):
            out.append(leaf)
    return tuple(out)


def _is_row_sum(e: sp.Basic, leaf: mf.MV) -> bool:
    r"""Whether ``e`` is :math:`\sum_{k=1}^{K} t_k` (a vector of length K) or :math:`\sum_{k=1}^{C}
    T_{nk}` (a row of a matrix with C columns, n free of k)."""
    if not (isinstance(e, sp.Sum) and len(e.limits) == 1):
        return False
    k, lo, hi = e.limits[0]
    base, rows, cols = leaf.args
    body = e.function
    if not (lo == 1 and isinstance(body, sp.Indexed) and body.base == base):
        return False
    if cols == 1:
        return body.indices == (k,) and hi == rows
    return len(body.indices) == 2 and body.indices[1] == k and k not in body.indices[0].free_symbols and hi == cols


def sums_to_one(leaf: mf.MV) -> Rewrite:
    r""":math:`\sum_k t_k = 1`, or :math:`\sum_k T_{nk} = 1` for each row n, as a simplification."""

    def rewrite(expr: sp.Basic) -> sp.Basic:
        return expr.replace(lambda e: _is_row_sum(e, leaf), lambda e: sp.S.One)

    rewrite.__qualname__ = f"sums_to_one({leaf.args[0]})"
    return rewrite


def rule(leaf: mf.MV) -> str:
    """The rule of the simplification step :func:`sums_to_one`."""
    name = leaf.args[0].label
    if leaf.args[2] == 1:
        return f"${name}$ is a distribution, $\\sum_k {name}_k = 1$"
    return f"each row of ${name}$ is a distribution, $\\sum_k {name}_{{nk}} = 1$"


def assumption(leaf: mf.MV) -> tuple[str, str]:
    """The assumption (LaTeX, text) that ``leaf`` is a distribution (each row, for a matrix)."""
    name = leaf.args[0].label
    base, rows, cols = leaf.args
    if cols == 1:
        return (rf"{name} \in \mathbb{{R}}^{{{rows}}},\ {name}_k \ge 0,\ \sum_{{k=1}}^{{{rows}}} {name}_k = 1",
                f"{name} is a distribution of length {rows}: {name}_k >= 0, sum_k {name}_k = 1 (targets)")
    return (rf"{name} \in \mathbb{{R}}^{{{rows} \times {cols}}},\ {name}_{{nk}} \ge 0,\ "
            rf"\sum_{{k=1}}^{{{cols}}} {name}_{{nk}} = 1",
            f"each row of {name} ({rows}×{cols}) is a distribution: {name}_nk >= 0, sum_k {name}_nk = 1 (targets)")


def draw(leaf: mf.MV, sizes: dict, rng: random.Random) -> dict[sp.Indexed, sp.Rational]:
    """Values of every entry of ``leaf`` at the concrete ``sizes`` (dimension -> Integer), each row
    (or the vector) drawn on the simplex: exact rationals, so that the rows sum to 1 exactly."""
    base, rows, cols = leaf.args
    n_rows, n_cols = int(rows.xreplace(sizes)), int(cols.xreplace(sizes))
    if cols == 1:
        return {base[k + 1]: v for k, v in enumerate(SIMPLEX.draw(n_rows, rng))}
    return {base[r + 1, k + 1]: v for r in range(n_rows) for k, v in enumerate(SIMPLEX.draw(n_cols, rng))}
