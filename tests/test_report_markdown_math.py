"""Markdown math renders in KaTeX (strict, throwOnError) and follows GitHub's $ rules: every
formula of every registered topic's Markdown and of the Markdown book, checked with KaTeX in Node."""

from __future__ import annotations

import pytest

from _katex import katex_errors, math_blocks
from derive.topics import TOPICS
from reports import render
from reports.book import book_markdown


@pytest.fixture(scope="module")
def documents():
    """``{name: markdown}`` for every topic, plus the whole book."""
    derivations = {tid: topic.build() for tid, topic in TOPICS.items()}
    docs = {f"topic {tid}": render(d, "markdown") for tid, d in derivations.items()}
    docs["book"] = book_markdown(list(derivations.values()))
    return docs


def test_every_formula_of_every_topic_renders_in_katex(documents):
    formulas, owners = [], []
    for name, md in documents.items():
        try:
            found = math_blocks(md)
        except ValueError as exc:
            pytest.fail(f"{name}: {exc}")
        assert found, f"{name} has no math"
        formulas += found
        owners += [name] * len(found)
    errors = katex_errors(formulas)
    report = "\n".join(f"{owners[e['index']]}: {e['error']}" for e in errors)
    assert not errors, f"{len(errors)} formula(s) KaTeX cannot render:\n{report}"


def test_display_math_uses_aligned_not_align(documents):
    for name, md in documents.items():
        for tex, display in math_blocks(md):
            assert "\\begin{align" not in tex.replace("\\begin{aligned}", ""), name


def test_katex_check_can_fail():
    errors = katex_errors([(r"\frac{a}{b}", True), (r"\nosuchmacro{x}", False), (r"\begin{align*} a \end{align*}", False)])
    assert [e["index"] for e in errors] == [1, 2]
    assert "nosuchmacro" in errors[0]["error"]


@pytest.mark.parametrize(
    "markdown, expected",
    [
        ("a $x$ b $y_1$", [("x", False), ("y_1", False)]),
        ("$$\n\\frac{1}{2}\n$$\n", [("\\frac{1}{2}", True)]),
        ("| $a \\| b$ | c |", [("a | b", False)]),
        ("`$not math$` and $m$", [("m", False)]),
        ("```\n$$\n```\n$z$", [("z", False)]),
    ],
)
def test_math_blocks_finds_formulas(markdown, expected):
    assert math_blocks(markdown) == expected


@pytest.mark.parametrize("markdown", ["a $x b", "$$\nx\n", "a $ x$ b", "text $$x$$ text"])
def test_math_blocks_rejects_what_github_would_not_render(markdown):
    with pytest.raises(ValueError):
        math_blocks(markdown)
