r"""The prover of ``derive grad``'s steps: the engine's numeric proof, and a bounded symbolic one.

The numeric proof is the engine's own (:func:`derive.proof.numeric_equal`: random points,
50 digits), and it alone decides whether a step is accepted. The symbolic proof of
:func:`derive.proof.prove_equal` ends in ``sympy.simplify``, which on a user's expression can run
for minutes (``logit(sigma(x))``); here the difference is tried only with the quick, bounded
transformations — expand, cancel, expanding logarithms, and the same after rewriting in
exponentials — and the index algebra of :mod:`derive.indices`. A step they do not settle is
shown as proved numerically.
"""

from __future__ import annotations

import zlib

import sympy as sp

from derive.context import ProofContext
from derive.indices import contract_deltas, index_cases, pull_constants, sums_to_symbols
from derive.proof import Proof, _normalise, numeric_equal


def _quick_zero(expr: sp.Basic) -> bool:
    """True only when a quick transformation shows ``expr == 0``."""
    attempts = (sp.expand, sp.cancel, lambda e: sp.expand_log(e, force=True),
                lambda e: sp.cancel(sp.expand(e.rewrite(sp.exp))))
    for attempt in attempts:
        try:
            if attempt(expr) == 0:
                return True
        except Exception:  # SymPy raises on some forms; that is "don't know"
            continue
    return False


def quick_symbolic_equal(a: sp.Basic, b: sp.Basic, ctx: ProofContext) -> bool:
    """Whether the quick transformations show ``a == b`` under the context (False: not shown)."""
    try:
        diff = _normalise(a, ctx) - _normalise(b, ctx)
    except Exception:
        return False
    if not diff.has(sp.Sum, sp.KroneckerDelta):
        return _quick_zero(diff)
    for _, case in index_cases(diff, ctx.indices):
        try:
            case = ctx.apply_identities(pull_constants(contract_deltas(case)))
            (opaque,) = sums_to_symbols(case)
        except Exception:
            return False
        if opaque.has(sp.Sum) or not _quick_zero(opaque):
            return False
    return True


def prove_step(a: sp.Basic, b: sp.Basic, ctx: ProofContext) -> Proof:
    """Prove ``a == b``: numerically always, symbolically where the quick transformations can."""
    seed = zlib.crc32(sp.srepr(a).encode() + b"|" + sp.srepr(b).encode())
    ok, detail = numeric_equal(a, b, ctx, seed)
    if not ok:
        return Proof(False, "numeric", detail)
    if quick_symbolic_equal(a, b, ctx):
        return Proof(True, "symbolic+numeric", "difference simplifies to 0; " + detail)
    return Proof(True, "numeric", "not shown symbolically by expand/cancel; " + detail)
