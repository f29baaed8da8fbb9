r"""The range of every index of an index-notation expression with matrices, read off its use.

In :math:`\sum_n (\sum_d X_{nd} w_d - t_n)^2` the index :math:`n` is the row of :math:`X` and
the index of :math:`t`, so the rows of :math:`X` and the entries of :math:`t` share one range
:math:`1..N`; :math:`d` is the column of :math:`X` and the index of :math:`w`: :math:`1..D`.
The slots (row of X, column of X, entry of w, ...) and the bound indices of the sums are joined
into classes by their use (union-find); each class is one dimension, named after the upper bound
the text gives (``sum_{n=1}^N``), else :math:`K` for the arguments of softmax and logsumexp, else
after its first summation letter (:math:`n \to N`). A class given two different upper bounds is
a usage error (:class:`IndexRangeError`) naming the index and both uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import sympy as sp

from derive.notation import K

#: Dimension names tried when a class's own letter is taken.
DIMENSION_POOL = "NDPMQRSTUVABCEFGHL"


class IndexRangeError(ValueError):
    """An index used with two different ranges (a usage error)."""


@dataclass
class _Class:
    """One dimension: its declared upper bound (and where it was declared) and its uses."""

    bound: sp.Basic | None = None
    declared: str = ""
    letters: list = field(default_factory=list)  # summation letters, in order of use
    uses: list = field(default_factory=list)  # readable uses ("the rows of X", "sum over n")


class _Ranges:
    """Union-find over slots (``(base, position)``) and bindings (one per summation index)."""

    def __init__(self):
        self.parent: dict = {}
        self.info: dict = {}

    def add(self, node, use: str, bound=None, declared: str = "", letter: str | None = None) -> None:
        if node not in self.parent:
            self.parent[node] = node
            self.info[node] = _Class()
        info = self.info[self.find(node)]
        if use not in info.uses:
            info.uses.append(use)
        if letter and letter not in info.letters:
            info.letters.append(letter)
        if bound is not None and info.bound is None:
            info.bound, info.declared = bound, declared

    def find(self, node):
        while self.parent[node] != node:
            self.parent[node] = self.parent[self.parent[node]]
            node = self.parent[node]
        return node

    def union(self, a, b, index: sp.Symbol, use: str) -> None:
        """Join the class of ``a`` (the index's) and of ``b`` (the slot ``use`` where it is used)."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        ia, ib = self.info[ra], self.info[rb]
        if ia.bound is not None and ib.bound is not None and ia.bound != ib.bound:
            raise IndexRangeError(
                f"the index {index} runs over 1..{ia.bound} ({ia.declared}) but is used for {use}, "
                f"which run over 1..{ib.bound} ({ib.declared})")
        self.parent[rb] = ra
        ia.uses += [u for u in ib.uses if u not in ia.uses]
        ia.letters += [c for c in ib.letters if c not in ia.letters]
        if ia.bound is None:
            ia.bound, ia.declared = ib.bound, ib.declared


_AXES = ("rows", "columns")


def _slot_use(base: sp.IndexedBase, position: int, rank: int) -> str:
    name = base.label.name
    return f"the entries of {name}" if rank == 1 else f"the {_AXES[position]} of {name}"


@dataclass(frozen=True)
class IndexRanges:
    """The result: the expression with every sum's upper bound its dimension, the shape of
    every vector and matrix (name -> (rows, cols), cols 1 for a vector) and the range of each
    free index asked for."""

    expr: sp.Basic
    shapes: dict
    free: dict  # index symbol -> dimension
    dimensions: tuple  # the dimension symbols, in order of first use


def infer_ranges(expr: sp.Basic, free: Sequence[tuple[sp.Indexed, ...]] = (), *, vector_arguments: Sequence[str] = (),
                 taken: set[str] = frozenset(), default_bound: sp.Basic = K) -> IndexRanges:
    r"""The ranges of the indices of ``expr`` (sums with upper bound ``default_bound`` have no
    declared range). ``free``: entries such as :math:`X_{ij}` or :math:`w_j` whose indices are
    free (the ``--wrt`` entries); ``vector_arguments``: vectors of softmax/logsumexp (their
    class is named K); ``taken``: names a new dimension must not have (the text's words).
    Raises :class:`IndexRangeError` for an index used with two ranges, or a sum over part of a range."""
    ranges = _Ranges()
    ranks = {}
    placeholders = {}

    def walk(e: sp.Basic, env: dict) -> sp.Basic:
        if isinstance(e, sp.Sum):
            env = dict(env)
            limits = []
            for var, lo, hi in e.limits:
                if lo != 1 or not (hi == default_bound or (hi.is_Symbol and hi.is_integer)):
                    raise IndexRangeError(f"the sum over {var} runs over part of a range (from {lo} to {hi}); "
                                          "with matrices a sum runs over the whole range of its index "
                                          "(sum_n, or sum_{n=1}^N)")
                node = sp.Dummy(f"range_{var}", integer=True, positive=True)
                declared = None if hi == default_bound else hi
                ranges.add(node, f"sum over {var}", declared, f"sum_{{{var}=1}}^{{{hi}}}", str(var))
                env[var] = node
                placeholders[node] = node
                limits.append((var, lo, node))
            return sp.Sum(walk(e.function, env), *limits)
        if isinstance(e, sp.Indexed):
            _use(e, env)
            return e
        if not e.args:
            return e
        return e.func(*[walk(a, env) for a in e.args])

    def _use(e: sp.Indexed, env: dict, free_entry: bool = False) -> None:
        base, rank = e.base, len(e.indices)
        ranks.setdefault(base, rank)
        for position, idx in enumerate(e.indices):
            slot = (base, position)
            use = _slot_use(base, position, rank)
            ranges.add(slot, use)
            if idx in env:
                ranges.union(env[idx], slot, idx, use)
            elif free_entry or idx.is_Symbol:
                node = ("free", idx)
                ranges.add(node, f"the free index {idx}")
                ranges.union(node, slot, idx, use)

    new = walk(expr, {})
    for entry in free:
        _use(entry, {}, True)
    softmax_roots = {ranges.find((sp.IndexedBase(n, real=True), 0)) for n in vector_arguments
                     if (sp.IndexedBase(n, real=True), 0) in ranges.parent}

    # One dimension per class: declared bound, K for softmax's vectors, the letter of its first sum.
    dims: dict = {}
    used = set(taken) | {str(i.bound) for i in ranges.info.values() if i.bound is not None}
    roots = list(dict.fromkeys(ranges.find(n) for n in ranges.parent))
    for root in roots:
        info = ranges.info[root]
        if info.bound is not None:
            dims[root] = info.bound
        elif root in softmax_roots:
            dims[root] = default_bound
            used.add(str(default_bound))
    for root in roots:
        if root in dims:
            continue
        info = ranges.info[root]
        wanted = [c.upper() for c in info.letters] + list(DIMENSION_POOL) + [f"N{k}" for k in range(1, 99)]
        name = next(c for c in wanted if c not in used)
        used.add(name)
        dims[root] = sp.Symbol(name, integer=True, positive=True)
    new = new.xreplace({p: dims[ranges.find(p)] for p in placeholders})
    shapes = {}
    for base, rank in ranks.items():
        rows = dims[ranges.find((base, 0))]
        shapes[base.label.name] = (rows, dims[ranges.find((base, 1))] if rank == 2 else sp.S.One)
    free_ranges = {idx: dims[ranges.find(("free", idx))] for entry in free for idx in entry.indices}
    order = list(dict.fromkeys(dims[r] for r in roots))
    return IndexRanges(new, shapes, free_ranges, tuple(order))
