r"""Proving an inequality :math:`a \ge 0` inside an equality chain.

A chain ``lhs = e_1 = ... = e_n`` may end with the step ``= AtLeastZero(e)``, displayed as
:math:`e \ge 0`. :func:`prove_nonnegative` proves it in three parts:

1. ``e`` equals the line before it (:func:`derive.proof.prove_equal`, numeric and symbolic);
2. ``e`` is *manifestly* non-negative: after expanding the context's definitions and factoring,
   SymPy's assumption system shows ``is_nonnegative`` from the signs of the symbols alone
   (e.g. :math:`p\,d/(2p + d)` with :math:`p > 0,\ d \ge 0`); this is the symbolic proof;
3. the line before is :math:`\ge 0` at ``NONNEG_POINTS`` random points of the context's domains
   (50-digit arithmetic), which also rejects a step whose sign facts were mis-stated.

Order constraints such as :math:`p \le r` are expressed by a definition ``r -> p + d`` with a
non-negative symbol ``d`` in the context, so that both the samplers and the assumption system
see them.
"""

from __future__ import annotations

import random
import zlib

import sympy as sp

from derive.context import ProofContext
from derive.proof import EvaluationError, Proof, evaluate_at, prove_equal

NONNEG_POINTS = 40


class AtLeastZero(sp.Function):
    r"""Display and meaning :math:`e \ge 0` as the last line of a chain (proved by :func:`prove_nonnegative`)."""

    nargs = 1

    def _latex(self, printer, exp=None):
        return r"%s \ge 0" % printer._print(self.args[0])

    def _derive_text(self, printer):
        return "%s ≥ 0" % printer._print(self.args[0])


def manifestly_nonnegative(expr: sp.Basic, ctx: ProofContext) -> bool:
    """Whether SymPy's assumptions show ``expr >= 0`` from the symbols' signs (after factoring)."""
    e = ctx.expand_definitions(expr).doit(deep=True)
    for form in (e, sp.factor(e), sp.factor(sp.together(e))):
        if form.is_nonnegative:
            return True
    return False


def prove_nonnegative(prev: sp.Basic, expr: sp.Basic, ctx: ProofContext) -> Proof:
    r"""Prove ``prev = e`` and ``e >= 0`` for ``expr = AtLeastZero(e)`` (see the module docstring)."""
    if not isinstance(expr, AtLeastZero):
        return Proof(False, "symbolic", "prove_nonnegative expects AtLeastZero(e) as the step")
    (body,) = expr.args
    equal = prove_equal(prev, body, ctx)
    if not equal.verified:
        return Proof(False, equal.method, "not equal to the line before: " + equal.detail)
    rng = random.Random(zlib.crc32(sp.srepr(prev).encode()))
    for _ in range(NONNEG_POINTS):
        try:
            value = evaluate_at(prev, ctx, max(ctx.sizes), {}, random.Random(rng.random()))
        except EvaluationError as exc:
            return Proof(False, "numeric", f"could not evaluate: {exc}")
        if value < 0:
            return Proof(False, "numeric", f"negative ({sp.N(value, 15)}) at a random point")
    sampled = f"non-negative at {NONNEG_POINTS} random points ({ctx.digits} digits)"
    if not manifestly_nonnegative(body, ctx):
        return Proof(True, "numeric", f"equal to the line before ({equal.detail}); SymPy could not show "
                                      f"the sign; {sampled}")
    method = "symbolic+numeric" if equal.method == "symbolic+numeric" else "numeric"
    return Proof(True, method, f"equal to the line before ({equal.detail}); every factor has a known sign; {sampled}")
