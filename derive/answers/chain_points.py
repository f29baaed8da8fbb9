r"""Sample points shared by every line of a derivation, so that each line is evaluated once.

``derive check`` compares two sides at random points (:func:`derive.answers.equivalence.numeric_compare`).
A derivation compares each line with the one before, so every line would be evaluated twice. Here
all lines of one derivation are evaluated at the *same* points: per point one class count, one
assignment of the free indices (the first point :math:`i = j`, the second :math:`i \ne j`, as in
``derive check``), and one dictionary of drawn values that every line reads and extends (a
symbol has one value per point whichever line draws it first). The values of a line are cached,
and two lines are compared by their values: the same tolerance and the same handling of
undefined points as :func:`~derive.answers.equivalence.numeric_compare` (a point where the
reference is undefined is skipped; one where only the line is undefined is a counterexample).
"""

from __future__ import annotations

import random

import sympy as sp

from derive.answers.equivalence import NumericResult, _expanded, _fmt, _point
from derive.context import ProofContext
from derive.proof import _index_assignments, evaluate_at


class ChainPoints:
    def __init__(self, ctx: ProofContext, seed: int, points: int | None = None):
        rng = random.Random(seed)
        self.ctx = ctx
        self.plain = ctx.with_(definitions=())  # lines are expanded once, then evaluated as they are
        self.points = []
        for size, idx in _index_assignments(ctx, rng, points or ctx.points):
            where = {}
            if ctx.size is not None:
                where[str(ctx.size)] = size
            where.update({str(k): v for k, v in idx.items()})
            self.points.append((size, idx, where, random.Random(rng.random()), {}))
        self._values: dict[sp.Basic, tuple] = {}

    def values(self, expr: sp.Basic) -> tuple:
        """The value of ``expr`` at each point (None where it is undefined), computed once."""
        cached = self._values.get(expr)
        if cached is not None:
            return cached
        expanded = _expanded(expr, self.ctx)
        out = []
        for size, idx, _, rng, shared in self.points:
            try:
                out.append(evaluate_at(expanded, self.plain, size, idx, rng, shared))
            except Exception:  # undefined here (or SymPy cannot evaluate it)
                out.append(None)
        self._values[expr] = tuple(out)
        return self._values[expr]

    def compare(self, expr: sp.Basic, reference: sp.Basic) -> NumericResult:
        """``expr`` against ``reference`` at the shared points (the result of ``numeric_compare``)."""
        tol = sp.Float(10, self.ctx.digits) ** (10 - self.ctx.digits)
        compared, worst = [], sp.Float(0)
        for (_, _, where, _, shared), va, vb in zip(self.points, self.values(expr), self.values(reference)):
            if vb is None:
                continue
            drawn = {k: v for k, v in shared.items() if isinstance(k, sp.Basic)}
            if va is None:
                point = _point(where, drawn)
                return NumericResult(False, f"the answer is undefined at {point}",
                                     {"point": point, "answer": "undefined", "expected": _fmt(vb)}, tuple(compared))
            compared.append((va, vb))
            err = abs(va - vb) / max(sp.Float(1), abs(va), abs(vb))
            worst = max(worst, err)
            if err > tol:
                point = _point(where, drawn)
                return NumericResult(False, f"differs at {point}: {_fmt(va)} vs {_fmt(vb)}",
                                     {"point": point, "answer": _fmt(va), "expected": _fmt(vb)}, tuple(compared))
        if not compared:
            return NumericResult(None, "the expected result could not be evaluated at any sample point")
        return NumericResult(True, f"{len(compared)} random points at {self.ctx.digits} digits, max rel. diff "
                                   f"{sp.N(worst, 2)}", None, tuple(compared))
