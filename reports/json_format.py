"""JSON rendering; the schema is a contract (see README):

``{"id", "title", "assumptions": [...], "steps": [{"chain", "latex", "text", "rule", "verified",
"method", "detail", "certified"}], "results": [{"id", "title", "latex", "text", "variables"}], "tables", "notes"}``
"""

from __future__ import annotations

import json

from derive.printing import rule_text, to_latex, to_text


def derivation_dict(derivation, *, steps: bool = True) -> dict:
    return {
        "id": derivation.id,
        "title": derivation.title,
        "verified": derivation.verified,
        "assumptions": [{"latex": a.latex, "text": a.text} for a in derivation.assumptions],
        "steps": [
            {
                "chain": s.chain,
                "latex": f"{to_latex(s.lhs)} = {to_latex(s.expr)}",
                "text": f"{to_text(s.lhs)} = {to_text(s.expr)}",
                "rule": s.rule,
                "rule_text": rule_text(s.rule),
                "verified": s.verified,
                "method": s.proof.method,
                "detail": s.proof.detail,
                "certified": s.proof.certified,
            }
            for s in (derivation.steps if steps else ())
        ],
        "results": [
            {
                "id": r.id,
                "title": r.title,
                "latex": f"{to_latex(r.lhs)} = {to_latex(r.expr)}",
                "text": f"{to_text(r.lhs)} = {to_text(r.expr)}",
                "variables": dict(r.variables),
            }
            for r in derivation.results
        ],
        "tables": [{"title": t.title, "header": list(t.header), "rows": [list(r) for r in t.text_rows]}
                   for t in derivation.tables],
        "notes": [{"title": n.title, "text": n.text} for n in derivation.notes],
    }


def render_json(derivation, *, steps: bool = True) -> str:
    return json.dumps(derivation_dict(derivation, steps=steps), indent=2, ensure_ascii=False)
