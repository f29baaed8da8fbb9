r"""Markdown rendering: ``$$`` display blocks and ``$...$`` inline math that render on GitHub and
in KaTeX (no macros beyond what both provide, no ``align`` environments: ``aligned`` only)."""

from __future__ import annotations

from derive.printing import to_latex
from reports._cells import MATH, cell_kind

METHODS = {"symbolic+numeric": "symbolic + numeric", "symbolic": "symbolic", "numeric": "numeric"}


def _md_escape(text: str) -> str:
    return text.replace("|", r"\|")


def _cell(cell: str) -> str:
    """A table cell: a formula between ``$``, prose (with its ``$...$`` math) and words as they are."""
    if not cell:
        return ""
    return f"${_md_escape(cell)}$" if cell_kind(cell) == MATH else _md_escape(cell)


def _chain(title: str, steps) -> str:
    lhs = to_latex(steps[0].lhs)
    lines = [f"{lhs} &= {to_latex(s.expr)}" if n == 0 else f"&= {to_latex(s.expr)}" for n, s in enumerate(steps)]
    block = "$$\n\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}\n$$"
    rows = ["| # | rule | proof |", "|---|---|---|"]
    for n, s in enumerate(steps, 1):
        status = METHODS.get(s.proof.method, s.proof.method) if s.verified else "**FAILED**"
        rows.append(f"| {n} | {_md_escape(s.rule)} | {status} |")
    return f"### {title}\n\n{block}\n\n" + "\n".join(rows) + "\n"


def render_markdown(derivation, *, steps: bool = True) -> str:
    out = [f"## {derivation.title}\n"]
    if derivation.assumptions:
        out.append("**Assumptions.** " + "; ".join(f"${a.latex}$" for a in derivation.assumptions) + "\n")
    if steps:
        out.extend(_chain(title, chain) for title, chain in derivation.chains())
        out.append(
            "_Each step is proved equal to the line before it: symbolic = SymPy shows the difference is 0; "
            "numeric = equal at random points in 50-digit arithmetic._\n"
        )
    for t in derivation.tables:
        out.append(f"### {t.title}\n")
        out.append("| " + " | ".join(t.header) + " |")
        out.append("|" + "---|" * len(t.header))
        out.extend("| " + " | ".join(_cell(c) for c in row) + " |" for row in t.rows)
        out.append("")
    for note in derivation.notes:
        out.append(f"**{note.title}.** {note.text}\n")
    if derivation.results:
        out.append("### Results\n")
        for r in derivation.results:
            out.append(f"`{r.id}`: {r.title}\n\n$$\n{to_latex(r.lhs)} = {to_latex(r.expr)}\n$$\n")
    return "\n".join(out)
