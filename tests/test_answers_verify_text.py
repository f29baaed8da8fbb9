"""Reading derivations: every input format into a chain with line numbers, and derivative notation."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from answers_helpers import table
from derive.answers.derivation_text import detect_format, split_chain, split_top_level
from derive.answers.errors import AnswerError, LimitError, ParseError, RestatesQuestion
from derive.answers.limits import Limits
from derive.answers.parser import parse_answer
from derive.notation import sigma, x, y, z, i, j


def texts(chain):
    return [(p.text, p.line) for p in chain.pieces]


# --- formats -----------------------------------------------------------------------------------------


def test_plain_lines_starting_with_equals():
    c = split_chain("d/dx sigma(x)\n= sigma(x)*(1 - sigma(x))\n\n# a comment\n= sigma(x) - sigma(x)^2\n")
    assert c.format == "plain"
    assert texts(c) == [("d/dx sigma(x)", 1), ("sigma(x)*(1 - sigma(x))", 2), ("sigma(x) - sigma(x)^2", 5)]


def test_plain_chain_on_one_line_and_continuations():
    assert texts(split_chain("a = b = c")) == [("a", 1), ("b", 1), ("c", 1)]
    c = split_chain("x^2 +\n  2x\n= x(x + 2)\n  - 0\nx^2 + 2x")
    assert texts(c) == [("x^2 + 2x", 1), ("x(x + 2) - 0", 3), ("x^2 + 2x", 5)]


def test_equals_inside_brackets_does_not_split():
    assert split_top_level(r"\sum_{k=1}^K t_k = 1") == [r"\sum_{k=1}^K t_k ", " 1"]
    assert texts(split_chain("sum_{k=1}^{K} t_k\n= 1")) == [("sum_{k=1}^{K} t_k", 1), ("1", 2)]


ALIGN = r"""\documentclass{article}
\begin{document}
Prose with $x = 1$ inline, ignored.
\begin{align*}
\frac{\partial y_i}{\partial z_j} &= \frac{\partial}{\partial z_j} \frac{e^{z_i}}{\sum_{k=1}^K e^{z_k}} \\
  &= \frac{e^{z_i}\delta_{ij} \sum_k e^{z_k}
      - e^{z_i} e^{z_j}}{(\sum_k e^{z_k})^2} \quad \text{(quotient rule)} \\[2pt]
  &= {y}_{i}(\delta_{ij} - y_j). \label{eq:jac} % done
\end{align*}
\end{document}
"""


def test_latex_align_rows_decorations_and_lines():
    c = split_chain(ALIGN)
    assert c.format == "latex"
    assert [p.line for p in c.pieces] == [5, 5, 6, 8]
    assert c.pieces[2].text.startswith(r"\frac{e^{z_i}\delta_{ij}") and "quotient" not in c.pieces[2].text
    assert c.pieces[3].text == r"y_{i}(\delta_{ij} - y_j)"  # label, comment, trailing '.' gone
    assert all(p.syntax == "latex" for p in c.pieces)


@pytest.mark.parametrize("doc", [
    "\\begin{equation}\n\\frac{d}{dx}\\sigma(x) = \\sigma(x)(1-\\sigma(x))\n\\end{equation}",
    "text\n\\[\n\\frac{d}{dx}\\sigma(x)\n= \\sigma(x)(1-\\sigma(x))\n\\]",
    "text\n$$\\frac{d}{dx}\\sigma(x) = \\sigma(x)(1-\\sigma(x))$$\n\\begin{equation*}x\\end{equation*}",
    "\\[\n\\begin{aligned}\n\\frac{\\mathrm{d}}{\\mathrm{d}x}\\sigma(x) &= \\sigma(x)(1-\\sigma(x)) \\\\\n&= x\n"
    "\\end{aligned}\n\\]",
])
def test_latex_environments(doc):
    c = split_chain(doc, "latex")
    assert [p.text for p in c.pieces][:2] == [r"\frac{d}{dx}\sigma(x)", r"\sigma(x)(1-\sigma(x))"]


def test_markdown_dollar_blocks_ignore_prose_and_code():
    md = ("# Q1\nSo $y = 2$ here.\n\n```\n$$ a = b $$\n```\n$$\n\\frac{d}{dx}\\sigma(x)\n$$\nthen\n\n"
          "$$\n= \\sigma(x)\\sigma(-x)\n$$\n")
    c = split_chain(md)
    assert c.format == "markdown"
    assert texts(c) == [(r"\frac{d}{dx}\sigma(x)", 8), (r"\sigma(x)\sigma(-x)", 13)]


def test_format_detection_and_errors():
    assert detect_format("a\n= b") == "plain"
    assert detect_format("\\begin{align*}a\\end{align*}") == "latex"
    assert detect_format("$$a$$") == "markdown"
    with pytest.raises(ParseError, match="no derivation found"):
        split_chain("just prose", "markdown")
    with pytest.raises(ParseError, match="empty"):
        split_chain("\n# nothing\n")
    with pytest.raises(LimitError):
        split_chain("x\n" * 30000)
    with pytest.raises(LimitError, match="expressions"):
        split_chain(" = ".join(["x"] * 100), limits=Limits(max_steps=20))


EXPRESSIONS = st.sampled_from(["x", "sigma(x)", "2x + 1", "sum_{k=1}^{K} t_k", "(x + 1)^2", "e^{-x}", "y_i y_j"])


@settings(max_examples=60, deadline=None)
@given(st.lists(EXPRESSIONS, min_size=1, max_size=8), st.sampled_from(["plain", "align", "markdown", "oneline"]),
       st.integers(0, 3))
def test_any_chain_round_trips_with_its_lines(exprs, fmt, blank):
    """The chain written in any format is read back as the same expressions at the lines written."""
    pad = "\n" * blank
    if fmt == "plain":
        body = pad + "\n".join((e if n == 0 else "= " + e) for n, e in enumerate(exprs))
        lines = [blank + 1 + n for n in range(len(exprs))]
    elif fmt == "oneline":
        body = pad + " = ".join(exprs)
        lines = [blank + 1] * len(exprs)
    elif fmt == "align":
        rows = [exprs[0]] + ["&= " + e for e in exprs[1:]]
        body = "intro\n" + pad + "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}\n"
        lines = [blank + 3 + n for n in range(len(exprs))]
    else:
        blocks = [f"prose {n}\n$$\n{'= ' if n else ''}{e}\n$$" for n, e in enumerate(exprs)]
        body = pad + "\n".join(blocks)
        lines = [blank + 3 + 4 * n for n in range(len(exprs))]
    c = split_chain(body)
    assert [p.text for p in c.pieces] == exprs
    assert [p.line for p in c.pieces] == lines


# --- derivative notation -----------------------------------------------------------------------------

JACOBIAN = sp.Derivative(y[i], z[j])


@pytest.mark.parametrize("text", [
    "d/dz_j y_i", "dy_i/dz_j", "\u2202y_i/\u2202z_j", "\u2202/\u2202z_j y_i", r"\frac{\partial y_i}{\partial z_j}",
    r"\frac{\partial}{\partial z_j} y_i", r"\frac{\partial {y}_{i}}{\partial z_{j}}",
    r"\dfrac{\partial y_i}{\partial z_j}",
])
def test_derivative_notations_of_the_jacobian(text):
    t = table("softmax.jacobian")
    assert parse_answer(text.replace("{y}_{i}", "y_{i}"), t, derivatives=True).expr == JACOBIAN


@pytest.mark.parametrize("text", ["d/dx sigma(x)", "d/d x sigma(x)", r"\frac{d}{dx}\sigma(x)", r"\frac{d\sigma(x)}{dx}",
                                  r"\frac{d}{d x} \left(\sigma(x)\right)", "d/dx \u03c3(x)"])
def test_derivative_notations_of_the_sigmoid(text):
    assert parse_answer(text, table("sigmoid.derivative"), derivatives=True).expr == sp.Derivative(sigma(x), x)


def test_operator_form_takes_the_product_that_follows_and_fraction_form_ends():
    t = table("sigmoid.derivative")
    assert parse_answer("d/dx x^2 * sigma(x) + 1", t, derivatives=True).expr == sp.Derivative(x**2 * sigma(x), x) + 1
    assert parse_answer(r"\frac{d\sigma(x)}{dx} x", t, derivatives=True).expr == x * sp.Derivative(sigma(x), x)


def test_derivatives_are_kept_unevaluated_and_need_the_flag():
    t = table("sigmoid.derivative")
    expr = parse_answer("d/dx x^3", t, derivatives=True).expr
    assert isinstance(expr, sp.Derivative) and expr.doit() == 3 * x**2
    with pytest.raises(RestatesQuestion):
        parse_answer("d/dx x^3", t)
    with pytest.raises(RestatesQuestion):
        parse_answer("\u2202/\u2202x x", t)


@pytest.mark.parametrize("text", ["d/dK x", "d/di x", r"\frac{\partial}{\partial} x", "d/dz x", "\u2202 x"])
def test_bad_derivatives_are_errors(text):
    with pytest.raises(AnswerError):
        parse_answer(text, table("softmax.jacobian") if "z" in text else table("sigmoid.derivative"), derivatives=True)


def test_unicode_sum_sigma_delta():
    t = table("softmax.ce_gradient")
    e = parse_answer("-\u03a3_k t_k log y_k", t, derivatives=True).expr
    k = sp.Symbol("k", integer=True, positive=True)
    assert e == -sp.Sum(t.families["t"][k] * sp.log(t.families["y"][k]), (k, 1, t.size))
