"""Plain-text rendering for a terminal: one line per step, rule and proof method beside it."""

from __future__ import annotations

from derive.printing import rule_text, to_text

MARK = {True: "✓", False: "✗ FAILED"}


def render_text(derivation, *, steps: bool = True) -> str:
    out = [derivation.title, "=" * len(derivation.title)]
    if derivation.assumptions:
        out.append("Assumptions: " + "; ".join(a.text for a in derivation.assumptions))
    if steps:
        for title, chain in derivation.chains():
            out += ["", rule_text(title), "-" * len(rule_text(title)), to_text(chain[0].lhs)]
            for s in chain:
                out.append(f"  = {to_text(s.expr)}")
                out.append(f"      [{rule_text(s.rule)}; {MARK[s.verified]} {s.proof.method}]")
    for t in derivation.tables:
        out += ["", t.title]
        widths = [max(len(str(r[n])) for r in [t.header, *t.text_rows]) for n in range(len(t.header))]
        for row in [t.header, *t.text_rows]:
            out.append("  " + "  ".join(str(c).ljust(w) for c, w in zip(row, widths)))
    for note in derivation.notes:
        out += ["", f"{note.title}: {note.text}"]
    if derivation.results:
        out += ["", "Results"]
        for r in derivation.results:
            out.append(f"  {r.id}: {to_text(r.lhs)} = {to_text(r.expr)}")
    return "\n".join(out) + "\n"

