r"""A whole document of derivations (the "book"): title, table of contents, one section per topic
with its steps, rules, proof methods, tables, notes and boxed results.

Pure functions of a sequence of :class:`derive.derivation.Derivation`; the sections themselves
are rendered by :func:`reports.latex.render_body` and :func:`reports.markdown.render_markdown`.
The LaTeX needs only packages of ``texlive-latex-base``/``-recommended`` (amsmath, amssymb,
geometry, hyperref).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from reports.latex import latex_escape, render_body
from reports.markdown import render_markdown

DEFAULT_TITLE = "Derivations, every step proved"

_INTRO = (
    "Each derivation is a list of chains $\\mathrm{lhs} = e_1 = e_2 = \\dots$. Every line is proved "
    "equal to the line before it: numerically at random points in 50-digit arithmetic (always), "
    "and symbolically where SymPy can decide it. The method of each step is shown beside its "
    "rule; results are boxed."
)

LATEX_PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[T1]{fontenc}
\IfFileExists{lmodern.sty}{\usepackage{lmodern}}{}
\usepackage{amsmath,amssymb}
\usepackage[margin=2cm]{geometry}
\usepackage[hidelinks]{hyperref}
\allowdisplaybreaks
\setcounter{tocdepth}{2}
"""


def book_latex(derivations: Sequence, *, title: str = DEFAULT_TITLE, steps: bool = True) -> str:
    """A complete LaTeX document: title page matter, contents, one numbered section per derivation."""
    sections = [render_body(d, steps=steps, level="section", numbered=True) for d in derivations]
    topics = ", ".join(latex_escape(d.id) for d in derivations)
    parts = [
        LATEX_PREAMBLE,
        f"\\title{{{latex_escape(title)}}}\n\\author{{\\texttt{{derive report}}}}\n\\date{{\\today}}\n",
        "\\begin{document}\n\\maketitle\n",
        f"\\noindent {latex_escape(_INTRO)}\n\n\\smallskip\\noindent Topics: \\texttt{{{topics}}}.\n",
        "\\tableofcontents\n",
    ]
    for section in sections:
        parts.append("\\clearpage\n" + section)
    parts.append("\\end{document}\n")
    return "\n".join(parts)


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to ``-``."""
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _heading_anchors(markdown: str) -> list[tuple[int, str, str]]:
    """(level, text, anchor) of every ATX heading outside ``$$``/code blocks, GitHub's de-duplication."""
    seen: dict[str, int] = {}
    out = []
    fenced = False
    for line in markdown.splitlines():
        stripped = line.strip()
        if stripped.startswith("```") or stripped == "$$":
            fenced = not fenced
            continue
        m = None if fenced else re.match(r"(#{1,6})\s+(.*?)\s*#*\s*$", line)
        if not m:
            continue
        slug = github_slug(m.group(2))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        out.append((len(m.group(1)), m.group(2), slug if count == 0 else f"{slug}-{count}"))
    return out


def book_markdown(derivations: Sequence, *, title: str = DEFAULT_TITLE, steps: bool = True) -> str:
    """A Markdown document: ``# title``, contents with links, one ``##`` section per derivation.

    Math is ``$...$`` and ``$$`` blocks only, as :mod:`reports.markdown` writes it (GitHub, KaTeX).
    """
    sections = [render_markdown(d, steps=steps).rstrip() + "\n" for d in derivations]
    head = f"# {title}\n\n{_INTRO}\n"
    body = "\n".join(sections)
    # Anchors depend on every heading before them (GitHub numbers duplicates), so compute them
    # on the document as it will be, with the contents heading in place.
    provisional = f"{head}\n## Contents\n\n{body}"
    anchors = [(text, anchor) for level, text, anchor in _heading_anchors(provisional) if level == 2]
    anchors = [a for a in anchors if a[0] != "Contents"]
    titles = {d.title for d in derivations}
    toc = [f"{n}. [{text}](#{anchor})" for n, (text, anchor) in enumerate((a for a in anchors if a[0] in titles), 1)]
    return f"{head}\n## Contents\n\n" + "\n".join(toc) + "\n\n" + body
