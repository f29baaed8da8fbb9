r"""LaTeX rendering of a derivation: a fragment using only amsmath/amssymb, or a whole document.

Each chain is an ``align*``: ``lhs &= e_1 && \text{rule} \\ &= e_2 && ...``, the proof method of
each step in a small tag beside the rule; results are boxed.
"""

from __future__ import annotations

import re

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


def _status(step) -> str:
    status = METHOD_TAG.get(step.proof.method, step.proof.method)
    return r"\textbf{FAILED}" if not step.verified else status


def _step_line(step, first: bool) -> str:
    lhs = to_latex(step.lhs) if first else ""
    return rf"{lhs} &= {to_latex(step.expr)} && \text{{{rule_latex(step.rule)}}}\ [\text{{{_status(step)}}}]"


def _visual_length(latex: str) -> int:
    """A rough width of typeset math in glyphs: a macro counts as one, markup as nothing."""
    text = re.sub(r"\\(?:left|right|[,;:! ]|quad|qquad)(?![A-Za-z])", "", latex)
    text = re.sub(r"\\(?:frac|dfrac|tfrac)(?![A-Za-z])", "", text)
    text = re.sub(r"\\(?:operatorname|mathrm|text|mathcal|mathbf|boldsymbol)\{([^{}]*)\}", r"\1", text)
    text = re.sub(r"\\[A-Za-z]+", "x", text)
    return len(re.sub(r"[{}_^\s]", "", text))


#: Rough glyph counts (11pt, 2 cm margins): an equation this long leaves no room beside it for
#: its rule; a boxed result this long is set on two lines.
_BESIDE_LIMIT, _LINE = 46, 62


def _rule_box(step, width: str) -> str:
    return (rf"\parbox[t]{{{width}\linewidth}}{{\raggedright\small {rule_latex(step.rule)}"
            rf"\ [\text{{{_status(step)}}}]}}")


def _chain_rows(steps) -> list[str]:
    r"""The rows of a chain's ``align*``: each rule wraps in a ``\parbox`` beside its step, unless
    some step is too wide to leave room (judged by :func:`_visual_length`)."""
    lhs = to_latex(steps[0].lhs)
    exprs = [to_latex(s.expr) for s in steps]
    if _visual_length(lhs) + max(_visual_length(e) for e in exprs) <= _BESIDE_LIMIT:
        return [f"{lhs if n == 0 else ''} &= {e} && {_rule_box(s, '0.36')}" for n, (s, e) in enumerate(zip(steps, exprs))]
    # Too wide for rules beside: the left side on its own row, each step and its rule below it
    # (all in the second column, so that the rule's box starts at the margin); a sum wider than
    # the line is broken between its terms.
    first, *more = _sum_lines(steps[0].lhs)
    rows = [f"&{first}"] + [f"&\\qquad {m}" for m in more]
    for s in steps:
        first, *more = _sum_lines(s.expr)
        rows.append(f"&\\quad = {first}")
        rows.extend(f"&\\qquad\\quad {m}" for m in more)
        rows.append(f"&\\qquad {_rule_box(s, '0.8')}")
    return rows


def _sum_lines(expr) -> list[str]:
    """``expr`` as LaTeX on one line, or a sum wider than a line as several, each after the first
    starting with its sign (terms in the order the printer writes them)."""
    import sympy as sp

    whole = to_latex(expr)
    if not isinstance(expr, sp.Add) or _visual_length(whole) <= _LINE:
        return [whole]
    lines: list[str] = []
    for n, term in enumerate(_LATEX_ORDER(expr)):
        negative = term.could_extract_minus_sign()
        text = to_latex(-term if negative else term)
        text = (("- " if negative else "") if n == 0 else ("- " if negative else "+ ")) + text
        if lines and _visual_length(lines[-1] + text) <= _LINE - 6:
            lines[-1] += " " + text
        else:
            lines.append(text)
    return lines


def _LATEX_ORDER(expr):
    """The terms of a sum in the order :func:`derive.printing.to_latex` prints them."""
    from derive.printing import _LATEX

    return _LATEX._as_ordered_terms(expr, order=None)


def _chain(title: str, steps, star: str = "*") -> str:
    body = " \\\\\n".join(_chain_rows(steps))
    return f"\\subsection{star}{{{latex_escape(title)}}}\n\\begin{{align*}}\n{body}\n\\end{{align*}}\n"


def _boxed(result) -> str:
    """A boxed result ``lhs = rhs``; a long one on two lines (``aligned``) inside the box."""
    lhs, rhs = to_latex(result.lhs), to_latex(result.expr)
    if _visual_length(lhs) + _visual_length(rhs) <= _LINE:
        return f"\\boxed{{{lhs} = {rhs}}}"
    return f"\\boxed{{\\begin{{aligned}}&{lhs}\\\\ &\\quad = {rhs}\\end{{aligned}}}}"


def _cell(cell: str) -> str:
    """A table cell in text mode: a formula goes between ``$``, prose keeps its ``$...$`` math."""
    return f"${cell}$" if cell_kind(cell) == MATH else latex_escape(cell)


def _table(table, star: str = "*") -> str:
    cols = "l" * len(table.header)
    head = " & ".join(rf"\textbf{{{latex_escape(h)}}}" for h in table.header)
    rows = " \\\\\n".join(" & ".join(_cell(c) for c in row) for row in table.rows)
    return (
        f"\\subsection{star}{{{latex_escape(table.title)}}}\n\\begin{{center}}\\small\\setlength{{\\tabcolsep}}{{4pt}}\n"
        f"\\begin{{tabular}}{{{cols}}}\n"
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
                f"\\[{_boxed(r)}\\]\n"
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
