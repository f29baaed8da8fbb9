r"""LaTeX rendering of a derivation: a fragment using only amsmath/amssymb, or a whole document.

Each chain is an ``align*``: ``lhs &= e_1 && \text{rule} \\ &= e_2 && ...``, the proof method of
each step in a small tag beside the rule; results are boxed.
"""

from __future__ import annotations

from derive.printing import rule_latex, to_latex
from reports._cells import MATH, cell_kind

PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage{amsmath,amssymb}
\usepackage[margin=2cm]{geometry}
\allowdisplaybreaks
"""

#: How a proof method is shown beside each step.
METHOD_TAG = {"symbolic+numeric": "sym.+num.", "symbolic": "sym.", "numeric": "num."}


def latex_escape(text: str) -> str:
    """Escape prose for LaTeX (keeping ``$...$`` math as is)."""
    return rule_latex(text)


def _step_line(step, first: bool) -> str:
    lhs = to_latex(step.lhs) if first else ""
    status = METHOD_TAG.get(step.proof.method, step.proof.method)
    if not step.verified:
        status = r"\textbf{FAILED}"
    return rf"{lhs} &= {to_latex(step.expr)} && \text{{{rule_latex(step.rule)}}}\ [\text{{{status}}}]"


def _chain(title: str, steps, star: str = "*") -> str:
    lines = [_step_line(s, n == 0) for n, s in enumerate(steps)]
    body = " \\\\\n".join(lines)
    return f"\\subsection{star}{{{latex_escape(title)}}}\n\\begin{{align*}}\n{body}\n\\end{{align*}}\n"


def _cell(cell: str) -> str:
    """A table cell in text mode: a formula goes between ``$``, prose keeps its ``$...$`` math."""
    return f"${cell}$" if cell_kind(cell) == MATH else latex_escape(cell)


def _table(table, star: str = "*") -> str:
    cols = "l" * len(table.header)
    head = " & ".join(rf"\textbf{{{latex_escape(h)}}}" for h in table.header)
    rows = " \\\\\n".join(" & ".join(_cell(c) for c in row) for row in table.rows)
    return (
        f"\\subsection{star}{{{latex_escape(table.title)}}}\n\\begin{{center}}\n\\begin{{tabular}}{{{cols}}}\n"
        f"{head} \\\\ \\hline\n{rows}\n\\end{{tabular}}\n\\end{{center}}\n"
    )


def render_body(derivation, *, steps: bool = True, level: str = "section", numbered: bool = False) -> str:
    """The derivation as LaTeX, headed by ``\\section*`` (or ``level``).

    With ``numbered`` the heading and the chains' subsections are numbered (and so enter a
    table of contents), as in the book of :mod:`reports.book`.
    """
    star = "" if numbered else "*"
    out = [f"\\{level}{star}{{{latex_escape(derivation.title)}}}\n"]
    if derivation.assumptions:
        items = "\n".join(rf"  \item ${a.latex}$" for a in derivation.assumptions)
        out.append(f"\\paragraph{{Assumptions.}}\n\\begin{{itemize}}\n{items}\n\\end{{itemize}}\n")
    if steps:
        out.extend(_chain(title, chain, star) for title, chain in derivation.chains())
        out.append(
            r"\noindent\textit{Every step is proved equal to the line before it: "
            r"sym.\ = SymPy shows the difference is 0; num.\ = equal at random points in "
            r"50-digit arithmetic.}" "\n"
        )
    out.extend(_table(t, star) for t in derivation.tables)
    for note in derivation.notes:
        out.append(f"\\paragraph{{{latex_escape(note.title)}}}\n{latex_escape(note.text)}\n")
    if derivation.results:
        out.append("\\subsection*{Results}\n")
        for r in derivation.results:
            out.append(
                f"\\noindent\\texttt{{{latex_escape(r.id)}}}: {latex_escape(r.title)}\n"
                f"\\[\\boxed{{{to_latex(r.lhs)} = {to_latex(r.expr)}}}\\]\n"
            )
    return "\n".join(out)


def render_latex(derivation, *, steps: bool = True, standalone: bool = False) -> str:
    """LaTeX of ``derivation``: a fragment (amsmath/amssymb), or with ``standalone`` a document."""
    body = render_body(derivation, steps=steps)
    if not standalone:
        return body
    return f"{PREAMBLE}\\begin{{document}}\n{body}\n\\end{{document}}\n"


def render_display(derivation, *, steps: bool = True) -> str:
    r"""The derivation as one display-math block ``$$\begin{aligned} ... \end{aligned}$$``.

    For Jupyter's ``_repr_latex_`` (MathJax typesets only math there, so headings, rules and
    proof methods are ``\text``/``\textbf`` rows inside the block) and anything else that renders
    math only. The macros are those of the LaTeX fragment that KaTeX and MathJax also know.
    """
    rows = [rf"&\textbf{{{rule_latex(derivation.title)}}}"]
    if derivation.assumptions:
        rows.append(r"&\text{Assumptions: }" + r",\quad ".join(a.latex for a in derivation.assumptions))
    if steps:
        for title, chain in derivation.chains():
            rows.append(rf"&\textit{{{rule_latex(title)}}}")
            rows.extend(_step_line(s, n == 0) for n, s in enumerate(chain))
    for table in derivation.tables:
        rows.append(rf"&\textit{{{rule_latex(table.title)}}}")
        rows.extend(
            "&" + r",\quad ".join(c if cell_kind(c) == MATH else rf"\text{{{latex_escape(c)}}}" for c in row)
            for row in table.rows
        )
    if derivation.results:
        rows.append(r"&\textit{Results}")
        rows.extend(
            rf"&\boxed{{{to_latex(r.lhs)} = {to_latex(r.expr)}}} && \text{{{latex_escape(r.id)}}}"
            for r in derivation.results
        )
    return "$$\n\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}\n$$"
