r"""Which symbols an answer to a question may use, and the SymPy objects they stand for.

A :class:`SymbolTable` maps names to the *same* SymPy objects as the result being checked
(``x`` real, ``y`` an IndexedBase, ``K`` the class count, ...), so that the answer and the result
are compared under the topic's proof context. Tables are built from a result generically: the
free symbols and indexed families of its left- and right-hand side, of their expansions through
the topic's definitions (so ``y_i`` brings ``z`` with it, answers may write ``softmax(z)_i``),
and the names in ``Result.variables``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from derive.notation import K as K_SYMBOL
from derive.notation import i as I_INDEX
from derive.notation import j as J_INDEX
from derive.notation import k as K_INDEX

#: Letters that may serve as indices (free ones must be the question's; others must be bound).
INDEX_LETTERS = ("i", "j", "k", "l", "m", "n")
_INDEX_SYMBOLS = {"i": I_INDEX, "j": J_INDEX, "k": K_INDEX}


def index_symbol(name: str) -> sp.Symbol:
    return _INDEX_SYMBOLS.get(name) or sp.Symbol(name, integer=True, positive=True)


@dataclass
class SymbolTable:
    #: Scalar names -> symbols (``x``, ``c``, ``Sigma_C``).
    scalars: dict[str, sp.Symbol] = field(default_factory=dict)
    #: Indexed families -> bases (``y``, ``z``, ``t``); a bare ``y`` is the vector.
    families: dict[str, sp.IndexedBase] = field(default_factory=dict)
    #: The families that are matrices, written with two indices (``X_nd``; index notation of derive grad).
    matrices: frozenset[str] = frozenset()
    #: Free indices an answer may use (``i``, ``j``).
    indices: tuple[sp.Symbol, ...] = ()
    #: The size of the families (K), if any.
    size: sp.Symbol | None = None
    #: Whether the Kronecker delta may appear.
    delta: bool = False
    #: Documentation lines: name -> meaning.
    docs: dict[str, str] = field(default_factory=dict)
    #: Index letters of this question beyond i, j, k, l, m, n (e.g. the feature index d).
    extra_indices: dict[str, sp.Symbol] = field(default_factory=dict)
    #: Order of (row, column) indices of a matrix answer, and the index of a vector answer.
    matrix_order: tuple[sp.Symbol, ...] = ()
    #: A free-standing expression (``derive grad``, ``derive gradcheck --expr``): every name that is not a constant, function or
    #: declared family is a new real scalar, created by :meth:`declare` (letter runs are not split).
    open: bool = False

    def declare(self, name: str) -> sp.Symbol:
        """The real scalar called ``name``, created on first use (open tables only)."""
        return self.scalars.setdefault(name, sp.Symbol(name, real=True))

    def index_names(self) -> tuple[str, ...]:
        return INDEX_LETTERS + tuple(self.extra_indices)

    def index(self, name: str) -> sp.Symbol:
        return self.extra_indices.get(name) or index_symbol(name)

    def single_letters(self) -> set[str]:
        """Names that an unknown letter run such as ``xy`` may be split into."""
        if self.open:
            return set()
        names = {n for n in list(self.scalars) + list(self.families) if len(n) == 1}
        return names | {"e"}

    def known_words(self) -> set[str]:
        return set(self.scalars) | set(self.families) | {"delta", "pi", "sum"}

    def describe(self) -> list[str]:
        """Lines ``name: meaning`` for help texts."""
        lines = [f"{n}: {m}" for n, m in self.docs.items()]
        shown = set(self.docs)
        for n in sorted(self.families):
            if not any(d.startswith(n + "_") or d == n for d in shown):
                lines.append(f"{n}_i: element of the vector {n} (bare {n}: the whole vector)")
        for n in sorted(self.scalars):
            if n not in shown:
                lines.append(f"{n}: a scalar")
        if self.delta and not any(d.startswith("delta") for d in shown):
            lines.append("delta_ij: Kronecker delta (also \\delta_{ij}, δ_ij, KroneckerDelta(i, j))")
        if self.indices:
            lines.append("free indices: " + ", ".join(map(str, self.indices)))
        return lines


def _collect(expr: sp.Basic, table: SymbolTable) -> None:
    if isinstance(expr, sp.MatrixExpr):
        for m in expr.atoms(sp.MatrixSymbol):
            table.families.setdefault(m.name, sp.IndexedBase(m.name))
        return
    for el in expr.atoms(sp.Indexed):
        table.families.setdefault(str(el.base.label), el.base)
    for s in expr.free_symbols:
        if isinstance(s, sp.Symbol) and not isinstance(s, sp.Dummy):
            name = s.name
            if s.is_integer and (name in INDEX_LETTERS or name in table.extra_indices or s == K_SYMBOL
                                 or any(s == lim[2] for sm in expr.atoms(sp.Sum) for lim in sm.limits)):
                continue
            if name not in table.families:
                table.scalars.setdefault(name, s)
    if expr.has(sp.KroneckerDelta):
        table.delta = True


def table_for(lhs: sp.Basic, expr: sp.Basic, variables, ctx) -> SymbolTable:
    """The symbols of a result ``lhs = expr`` with documented ``variables`` under context ``ctx``."""
    table = SymbolTable()
    table.extra_indices = {str(s): s for s in ctx.indices if str(s) not in INDEX_LETTERS}
    parts = [lhs, expr]
    for p in list(parts):
        if not isinstance(p, sp.MatrixExpr):
            try:
                parts.append(ctx.expand_definitions(p))
            except Exception:  # a definition that does not apply to this form
                pass
    for p in parts:
        _collect(p, table)
    if isinstance(lhs, sp.Derivative) and isinstance(lhs.expr, sp.Symbol) and not expr.has(lhs.expr):
        table.scalars.pop(lhs.expr.name, None)  # the function being differentiated (the loss L)
    # Matrix forms state the same result as the index form of the lhs.
    frees = set()
    for p in parts:
        if not isinstance(p, sp.MatrixExpr):
            frees |= {s for s in p.free_symbols if s in ctx.indices}
    table.indices = tuple(s for s in ctx.indices if s in frees)
    if isinstance(lhs, sp.Derivative) and table.indices:
        from derive.answers.contexts import free_indices

        order = free_indices(lhs.expr, *[v for v, _ in lhs.variable_count])
        table.matrix_order = tuple(s for s in order if s in table.indices) or table.indices
    else:
        table.matrix_order = table.indices
    if table.families:
        table.size = ctx.size or K_SYMBOL
    for name, meaning in variables:
        table.docs[name] = meaning
        base, _, sub = name.partition("_")
        if name in table.scalars or name in table.families or name.startswith("1_"):
            continue
        if base == "delta":
            table.delta = True
        elif sub and sub in INDEX_LETTERS + ("K",) and base not in table.scalars:
            table.families.setdefault(base, sp.IndexedBase(base, real=True))
        elif not sub and base not in table.families:
            table.scalars.setdefault(name, sp.Symbol(name, real=True))
    return table


def table_for_variables(variables: list[str]) -> tuple[SymbolTable, tuple[sp.Symbol, ...]]:
    """A table for a key's ``{"expected": ..., "variables": [...]}`` and the free indices used.

    Names follow the notation: ``x`` (scalar), ``y_i`` / ``t_i`` / ``z_i`` (families), ``delta_ij``.
    The families y, z, t and the scalars x, u, c are the shared notation's objects, so that the
    softmax definition (y through z) applies.
    """
    from derive import notation

    known_families = {"y": notation.y, "z": notation.z, "t": notation.t}
    known_scalars = {"x": notation.x, "u": notation.u, "c": notation.c}
    table = SymbolTable()
    free = []
    for name in variables:
        if not isinstance(name, str) or not name:
            raise ValueError(f"bad variable name {name!r}")
        base, _, sub = name.partition("_")
        table.docs[name] = "a variable of the expected answer"
        if base == "delta" and sub:
            table.delta = True
            free.extend(ch for ch in sub.strip("{}").replace(",", "") if ch in INDEX_LETTERS)
        elif sub and all(ch in INDEX_LETTERS for ch in sub):
            table.families.setdefault(base, known_families.get(base) or sp.IndexedBase(base, real=True))
            free.extend(sub)
        else:
            table.scalars.setdefault(name, known_scalars.get(name) or sp.Symbol(name, real=True))
    if "y" in table.families and "z" not in table.families:
        table.families["z"] = notation.z
    indices = tuple(index_symbol(n) for n in dict.fromkeys(free))
    table.indices = indices
    if table.families:
        table.size = K_SYMBOL
    return table, indices
