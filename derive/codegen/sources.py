"""Looking up the derivation results the kernels are generated from.

A kernel names the result ids it is generated from; while a topic that will provide a result has
not landed yet, the kernel names a *fallback* (the closest existing result, or an explicitly
stated definition) and switches as soon as the result exists.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp


@lru_cache(maxsize=None)
def _derivation(topic_id: str):
    from derive.topics import TOPICS

    topic = TOPICS.get(topic_id)
    return None if topic is None else topic.build()


def find_result(result_id: str):
    """The :class:`derive.derivation.Result` with this id, or ``None`` if its topic has not landed."""
    derivation = _derivation(result_id.split(".", 1)[0])
    if derivation is None:
        return None
    try:
        return derivation.result(result_id)
    except KeyError:
        return None


def result(result_id: str):
    found = find_result(result_id)
    if found is None:
        raise LookupError(f"codegen needs the derivation result {result_id!r}, which does not exist")
    return found


def fingerprint(result_ids) -> list[str]:
    """Stable text of each result (``id: lhs = expr`` in SymPy's srepr) for the module digest."""
    return [f"{rid}: {sp.srepr(result(rid).lhs)} = {sp.srepr(result(rid).expr)}" for rid in sorted(set(result_ids))]
