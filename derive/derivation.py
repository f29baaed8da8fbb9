"""The derivation model: a titled, ordered list of proved steps with named results.

A *chain* is the unit of a derivation a reader follows on a slide::

    lhs = expr_1      (rule_1)
        = expr_2      (rule_2)
        ...

Every step of a chain is proved equal to the line before it (the first step to ``lhs`` itself),
see :mod:`derive.proof`. A :class:`Derivation` is immutable once built; renderers in
:mod:`reports` are pure functions of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp

from derive import certificates
from derive.context import ProofContext
from derive.proof import Proof, prove_equal


class ProofError(AssertionError):
    """A step of a derivation could not be proved equal to the line before it."""


@dataclass(frozen=True)
class Step:
    """One line ``lhs = expr`` of a chain, justified by ``rule`` and checked by ``proof``."""

    chain: str
    lhs: sp.Basic
    expr: sp.Basic
    rule: str
    proof: Proof
    first: bool = False
    #: The step's certificate key (see :mod:`derive.certificates`).
    key: str = ""

    @property
    def verified(self) -> bool:
        return self.proof.verified


@dataclass(frozen=True)
class Result:
    """A named, citable outcome of a derivation, e.g. ``softmax.jacobian``."""

    id: str
    title: str
    lhs: sp.Basic
    expr: sp.Basic
    #: Free symbols an answer to this result may use, with their meaning (for answer checking).
    variables: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Assumption:
    """A symbol and its domain (or another premise), as the reader should see it."""

    latex: str
    text: str


@dataclass(frozen=True)
class Table:
    """A table of LaTeX cells (e.g. the GLM table); ``text_rows`` mirror ``rows`` in plain text."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    text_rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Note:
    """A paragraph of prose (e.g. a numeric confirmation), plain text."""

    title: str
    text: str


@dataclass(frozen=True)
class Derivation:
    id: str
    title: str
    assumptions: tuple[Assumption, ...]
    steps: tuple[Step, ...]
    results: tuple[Result, ...]
    tables: tuple[Table, ...] = ()
    notes: tuple[Note, ...] = ()

    @property
    def verified(self) -> bool:
        return all(s.verified for s in self.steps)

    def result(self, result_id: str) -> Result:
        for r in self.results:
            if r.id == result_id:
                return r
        raise KeyError(f"{self.id} has no result {result_id!r}; results: {[r.id for r in self.results]}")

    def chains(self) -> list[tuple[str, list[Step]]]:
        """Steps grouped by chain, in order."""
        groups: list[tuple[str, list[Step]]] = []
        for s in self.steps:
            if s.first or not groups:
                groups.append((s.chain, []))
            groups[-1][1].append(s)
        return groups

    # Jupyter display; the renderers are imported lazily to keep the model free of them.
    def _repr_latex_(self) -> str:
        # Jupyter typesets only math in text/latex: one $$ aligned block, not \section etc.
        from reports.latex import render_display

        return render_display(self)

    def _repr_markdown_(self) -> str:
        from reports.markdown import render_markdown

        return render_markdown(self)


Prover = Callable[[sp.Basic, sp.Basic, ProofContext], Proof]


@dataclass
class _PendingStep:
    chain: str
    lhs: sp.Basic
    prev: sp.Basic
    expr: sp.Basic
    rule: str
    first: bool
    prover: Prover | None
    context: ProofContext


class Chain:
    """Builds one chain ``lhs = e_1 = e_2 = ...``; obtained from :meth:`DerivationBuilder.chain`."""

    def __init__(self, builder: "DerivationBuilder", title: str, lhs: sp.Basic, context: ProofContext):
        self._builder = builder
        self.title = title
        self.lhs = lhs
        self.context = context
        self.last: sp.Basic = lhs
        self._count = 0

    def step(self, expr, rule: str, *, prover: Prover | None = None) -> "Chain":
        """Add ``= expr`` justified by ``rule``; it will be proved equal to the previous line."""
        expr = sp.sympify(expr)  # trusted: our own derivation code builds these expressions
        self._builder._pending.append(
            _PendingStep(self.title, self.lhs, self.last, expr, rule, self._count == 0, prover, self.context)
        )
        self.last = expr
        self._count += 1
        return self

    def result(self, result_id: str, title: str, variables: dict[str, str] | None = None) -> "Chain":
        """Name the chain's current last line ``lhs = last`` as a result."""
        self._builder._results.append(
            Result(result_id, title, self.lhs, self.last, tuple((variables or {}).items()))
        )
        return self


class DerivationBuilder:
    """Collects chains, results, tables and notes; :meth:`build` proves every step."""

    def __init__(self, id: str, title: str, context: ProofContext):
        self.id = id
        self.title = title
        self.context = context
        self._assumptions: list[Assumption] = []
        self._pending: list[_PendingStep] = []
        self._results: list[Result] = []
        self._tables: list[Table] = []
        self._notes: list[Note] = []

    def assume(self, latex: str, text: str) -> None:
        self._assumptions.append(Assumption(latex, text))

    def chain(self, title: str, lhs, context: ProofContext | None = None) -> Chain:
        return Chain(self, title, sp.sympify(lhs), context or self.context)

    def table(self, table: Table) -> None:
        self._tables.append(table)

    def note(self, title: str, text: str) -> None:
        self._notes.append(Note(title, text))

    def build(self, *, strict: bool = True) -> Derivation:
        """Prove every step and freeze the derivation.

        With ``strict`` (the default) a step that fails its proof raises :class:`ProofError`;
        otherwise it is kept with ``verified = False`` so that it can be shown as failed.
        """
        recorded = {} if certificates.reprove_requested() else certificates.load(self.id)
        digest = certificates.source_digest()
        steps = []
        for p in self._pending:
            prover = p.prover or prove_equal
            key = certificates.step_key(p.prev, p.expr, p.context, prover, digest)
            if key in recorded:
                proof = Proof(**recorded[key], certified=True)
            else:
                proof = prover(p.prev, p.expr, p.context)
            steps.append(Step(p.chain, p.lhs, p.expr, p.rule, proof, p.first, key))
        failed = [s for s in steps if not s.verified]
        if strict and failed:
            lines = "\n".join(f"  [{s.chain}] {s.rule}: {s.expr} ({s.proof.detail})" for s in failed)
            raise ProofError(f"derivation {self.id!r}: {len(failed)} step(s) failed their proof:\n{lines}")
        return Derivation(
            self.id,
            self.title,
            tuple(self._assumptions),
            tuple(steps),
            tuple(self._results),
            tuple(self._tables),
            tuple(self._notes),
        )
