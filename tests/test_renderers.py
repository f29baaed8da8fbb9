"""Renderers: the JSON contract, LaTeX that pdflatex compiles, Markdown and text structure."""

import json
import re
import shutil
import subprocess

import pytest

from derive.derivation import DerivationBuilder
from derive.notation import SIGMA_DEFINITION, sigma, x
from derive.context import ProofContext
from derive.topics import get
from reports import FORMATS, render

TOPICS = ["sigmoid", "softmax"]


@pytest.mark.parametrize("topic", TOPICS)
def test_json_contract(topic):
    d = get(topic).build()
    data = json.loads(render(d, "json"))
    assert {"id", "title", "steps", "results"} <= set(data)
    assert data["id"] == topic and len(data["steps"]) == len(d.steps)
    for step in data["steps"]:
        assert {"latex", "text", "rule", "verified", "method"} <= set(step)
        assert step["verified"] is True
        assert step["method"] in ("symbolic", "numeric", "symbolic+numeric")
    assert [r["id"] for r in data["results"]] == [r.id for r in d.results]
    assert all({"id", "title", "latex", "text"} <= set(r) for r in data["results"])


def test_no_steps_keeps_only_results():
    d = get("sigmoid").build()
    data = json.loads(render(d, "json", steps=False))
    assert data["steps"] == [] and data["results"]
    assert "align*" not in render(d, "latex", steps=False)


def test_failed_step_is_shown_as_failed_in_every_format():
    b = DerivationBuilder("demo", "Demo", ProofContext(definitions=(SIGMA_DEFINITION,)))
    b.chain("wrong", sigma(-x)).step(sigma(x) - 1, "a wrong rule")
    d = b.build(strict=False)
    assert "FAILED" in render(d, "latex") and "FAILED" in render(d, "markdown") and "FAILED" in render(d, "text")
    assert json.loads(render(d, "json"))["steps"][0]["verified"] is False


def test_unknown_format_is_an_error():
    with pytest.raises(ValueError, match="formats"):
        render(get("sigmoid").build(), "html")


@pytest.mark.parametrize("topic", TOPICS)
def test_markdown_uses_only_dollar_math_blocks(topic):
    md = render(get(topic).build(), "markdown")
    assert md.count("$$") % 2 == 0
    assert not re.search(r"\\begin\{align\*?\}", md)  # KaTeX/GitHub: aligned only
    assert "\\boxed" not in md


@pytest.mark.parametrize("topic", TOPICS)
def test_text_lists_every_step_with_its_method(topic):
    d = get(topic).build()
    text = render(d, "text")
    assert text.count("✓") == len(d.steps)
    assert "\\frac" not in text and "\\partial" not in text  # plain text, no LaTeX macros


@pytest.mark.parametrize("topic", TOPICS)
def test_latex_compiles_as_fragment_and_standalone(topic, tmp_path):
    assert shutil.which("pdflatex"), "pdflatex is needed (Debian: texlive-latex-base; .ci/run installs it)"
    d = get(topic).build()
    fragment = render(d, "latex")
    assert "\\documentclass" not in fragment
    wrapped = "\\documentclass{article}\\usepackage{amsmath,amssymb}\\begin{document}\n" + fragment + "\n\\end{document}\n"
    for name, source in (("fragment", wrapped), ("standalone", render(d, "latex", standalone=True))):
        tex = tmp_path / f"{name}.tex"
        tex.write_text(source)
        run = subprocess.run(
            ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name],
            cwd=tmp_path, capture_output=True, text=True, timeout=120,
        )
        log = (tmp_path / f"{name}.log").read_text(errors="replace")
        assert run.returncode == 0, log[-3000:]
        assert "Undefined control sequence" not in log
        assert (tmp_path / f"{name}.pdf").stat().st_size > 1000


def test_formats_constant_is_complete():
    assert set(FORMATS) == {"text", "latex", "markdown", "json"}
