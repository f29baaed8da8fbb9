r"""Exact rational evaluation of piecewise expressions in one variable, for the proofs of the
approximation topics (a ReLU network and a staircase of steps are equal to their targets at
every breakpoint and between them, in exact arithmetic).

Numbers, the variable, ``+``, ``*`` and ``Piecewise`` with comparisons are understood here; each
topic adds its own functions (ReLU and max; the unit step H) as ``{class: f(*args)}``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Callable, Mapping

import sympy as sp

CONDITIONS = {sp.StrictLessThan: lambda p, q: p < q, sp.LessThan: lambda p, q: p <= q,
              sp.StrictGreaterThan: lambda p, q: p > q, sp.GreaterThan: lambda p, q: p >= q,
              sp.Eq: lambda p, q: p == q}


def exact_value(e: sp.Basic, at: Fraction, var: sp.Symbol, functions: Mapping[type, Callable[..., Fraction]],
                what: str) -> Fraction:
    """``e`` at ``var = at``; ``what`` names the expected kind in the error for anything else."""

    def value(e: sp.Basic) -> Fraction:
        if e == var:
            return at
        if isinstance(e, sp.Float):
            return Fraction(str(e))  # a network's numbers are the decimals they print as
        if isinstance(e, sp.Rational):
            return Fraction(int(e.p), int(e.q))
        if isinstance(e, sp.Add):
            return sum((value(t) for t in e.args), Fraction(0))
        if isinstance(e, sp.Mul):
            out = Fraction(1)
            for t in e.args:
                out *= value(t)
            return out
        if type(e) in functions:
            return functions[type(e)](*(value(a) for a in e.args))
        if isinstance(e, sp.Piecewise):
            for piece, cond in e.args:
                if cond is sp.true or condition(cond):
                    return value(piece)
            raise ValueError("no piece of the Piecewise applies")
        raise ValueError(f"{what}: {type(e).__name__}")

    def condition(cond: sp.Basic) -> bool:
        if type(cond) not in CONDITIONS:
            raise ValueError(f"unsupported condition {cond}")
        return CONDITIONS[type(cond)](value(cond.lhs), value(cond.rhs))

    return value(e)
