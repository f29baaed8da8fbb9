"""Jupyter display: ``_repr_markdown_`` is the Markdown renderer's output, ``_repr_latex_`` the
display renderer's, a single ``$$ ... $$`` block that math-only typesetters (MathJax in Jupyter,
KaTeX) render, and that also compiles with pdflatex."""

from __future__ import annotations

import pytest

from _katex import katex_errors
from derive.topics import TOPICS
from reports import render
from reports.latex import render_display
from reports.pdf import compile_pdf, undefined_macros


@pytest.fixture(scope="module")
def derivations():
    return {tid: t.build() for tid, t in TOPICS.items()}


def test_repr_markdown_is_the_markdown_renderer(derivations):
    for d in derivations.values():
        assert d._repr_markdown_() == render(d, "markdown")


def test_repr_latex_is_one_display_math_block(derivations):
    for d in derivations.values():
        out = d._repr_latex_()
        assert out == render_display(d)
        assert out.startswith("$$\n\\begin{aligned}") and out.endswith("\\end{aligned}\n$$")
        assert out.count("$$") == 2
        for command in ("\\section", "\\subsection", "\\paragraph", "\\begin{itemize}", "\\noindent"):
            assert command not in out, command
        assert out.count("\\boxed{") == len(d.results)
        assert out.count("[\\text{") == len(d.steps)  # a proof method beside every step


def test_repr_latex_renders_in_katex(derivations):
    blocks = {tid: d._repr_latex_()[2:-2] for tid, d in derivations.items()}
    errors = katex_errors([(tex, True) for tex in blocks.values()])
    names = list(blocks)
    assert not errors, "\n".join(f"{names[e['index']]}: {e['error']}" for e in errors)


def test_repr_latex_compiles(derivations, tmp_path):
    body = "\n\n".join(d._repr_latex_() for d in derivations.values())
    doc = ("\\documentclass{article}\\usepackage{amsmath,amssymb}\\usepackage[margin=1.5cm]{geometry}"
           "\\begin{document}\n" + body + "\n\\end{document}\n")
    compiled = compile_pdf(doc, tmp_path / "jupyter.pdf")
    assert undefined_macros(compiled.log) == []


def test_without_steps_only_results(derivations):
    d = next(iter(derivations.values()))
    out = render_display(d, steps=False)
    assert "[\\text{" not in out and out.count("\\boxed{") == len(d.results)
