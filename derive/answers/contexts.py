r"""The proof context an answer to a result is checked in.

In order: a topic's optional hook ``answer_context(result_id) -> ProofContext``; the topic
module's ``CONTEXT`` (sigmoid, softmax); a known layout of a topic without one (the GLM topic
keeps one context per model, see :func:`_glm`); else a context inferred from the result (its
free indices, the size of its sums, the sigmoid/softmax/logit definitions).

A result whose indices run over two sizes (the multiclass weight gradient, :math:`d \le D`,
:math:`i \le K`) is sampled with :math:`D = K` (a numeric check needs one size per point).
"""

from __future__ import annotations

import sympy as sp

from derive.context import ProofContext, VectorDomain, define_symbol
from derive.notation import K, LOGIT_DEFINITION, SIGMA_DEFINITION, SOFTMAX_DEFINITION, t


def free_indices(*exprs: sp.Basic) -> list[sp.Symbol]:
    """Integer symbols used as free indices of Indexed elements, in order of appearance."""
    out: list[sp.Symbol] = []
    for e in exprs:
        if isinstance(e, sp.MatrixExpr):
            continue
        for node in sp.preorder_traversal(e):
            if isinstance(node, sp.Indexed):
                for idx in node.indices:
                    if isinstance(idx, sp.Symbol) and idx.is_integer and idx in e.free_symbols and idx not in out:
                        out.append(idx)
    return out


def _inferred(result) -> ProofContext:
    exprs = [e for e in (result.lhs, result.expr) if not isinstance(e, sp.MatrixExpr)]
    sizes = [lim[2] for e in exprs for s in e.atoms(sp.Sum) for lim in s.limits if isinstance(lim[2], sp.Symbol)]
    size = sizes[0] if sizes else K
    return ProofContext(definitions=(SIGMA_DEFINITION, SOFTMAX_DEFINITION, LOGIT_DEFINITION),
                        families=((t, VectorDomain("one_hot")),), indices=tuple(free_indices(*exprs)), size=size)


def _glm(module, result_id: str) -> ProofContext | None:
    _, model, kind = result_id.split(".", 2)
    if model in getattr(module, "SCALARS", {}):
        logit, weights = module._scalar_contexts(module.SCALARS[model])
        return weights if kind == "gradient" else logit
    if model == "multiclass":
        if kind in ("gradient", "gradient_matrix"):
            base = module.MULTI_LOGIT
            return base.with_(definitions=(*module.MULTI_WEIGHTS.definitions, define_symbol(module.D, base.size)),
                              indices=(module.d, module.i))
        return module.MULTI_LOGIT
    return None


_KNOWN = {"glm": _glm}


def context_for(topic_id: str, module, result) -> ProofContext:
    hook = getattr(module, "answer_context", None)
    ctx = None
    if callable(hook):
        ctx = hook(result.id)
    if ctx is None:
        ctx = getattr(module, "CONTEXT", None)
    if ctx is None and topic_id in _KNOWN:
        try:
            ctx = _KNOWN[topic_id](module, result.id)
        except (AttributeError, KeyError, ValueError, TypeError):  # the topic changed its layout
            ctx = None
    if ctx is None:
        ctx = _inferred(result)
    missing = [s for s in free_indices(result.lhs, result.expr) if s not in ctx.indices]
    if missing:
        ctx = ctx.with_(indices=(*ctx.indices, *missing))
    if ctx.indices and ctx.size is None:
        ctx = ctx.with_(size=K)
    return ctx
