"""The book (derive report): every registered topic in one LaTeX document that compiles with
pdflatex without undefined control sequences, and a Markdown document with a linked contents."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from derive.cli import app
from derive.printing import to_latex
from derive.topics import TOPICS
from reports.latex import latex_escape
from reports.book import book_latex, book_markdown, github_slug
from reports.pdf import TOOLS, LatexCompileError, compile_pdf, log_errors, undefined_macros

runner = CliRunner()


@pytest.fixture(scope="session")
def derivations():
    """Every registered topic, built (and so proved); a topic that fails names itself."""
    built = []
    for topic in TOPICS.values():
        try:
            built.append(topic.build())
        except Exception as exc:  # pragma: no cover - the message is the point
            pytest.fail(f"topic {topic.id!r} does not build: {type(exc).__name__}: {exc}")
    return built


@pytest.fixture(scope="session")
def book(derivations):
    return book_latex(derivations)


@pytest.fixture(scope="session")
def compiled_book(book, tmp_path_factory):
    """The whole book compiled once per test session."""
    out = tmp_path_factory.mktemp("book") / "book.pdf"
    try:
        return compile_pdf(book, out)
    except LatexCompileError as exc:
        pytest.fail(f"the book does not compile:\n{exc}\n{chr(10).join(log_errors(exc.log))}")


def test_book_compiles_without_undefined_control_sequences(compiled_book, derivations):
    assert compiled_book.pdf.read_bytes().startswith(b"%PDF")
    assert undefined_macros(compiled_book.log) == []
    assert "Undefined control sequence" not in compiled_book.log
    assert log_errors(compiled_book.log) == []
    pages = int(re.search(r"Output written on \S+ \((\d+) pages?", compiled_book.log).group(1))
    assert pages >= 1 + len(derivations)  # title/contents page, then each topic on a new page


def test_book_has_title_contents_and_every_topic_in_order(book, derivations):
    assert book.startswith("\\documentclass") and book.rstrip().endswith("\\end{document}")
    assert "\\maketitle" in book and book.index("\\tableofcontents") < book.index("\\section{")
    sections = re.findall(r"^\\section\{(.*)\}$", book, flags=re.M)
    assert len(sections) == len(derivations)
    positions = [book.index(f"\\section{{{s}}}") for s in sections]
    assert positions == sorted(positions)


def test_book_carries_every_step_rule_method_and_boxed_result(book, derivations):
    for d in derivations:
        for title, _ in d.chains():
            assert f"\\subsection{{{latex_escape(title)}}}" in book
        for s in d.steps:
            assert to_latex(s.expr) in book
        for r in d.results:
            boxed = re.findall(r"\\boxed\{(.*)\}\\\]", book)
            assert any(to_latex(r.lhs) in b and to_latex(r.expr) in b for b in boxed), r.id
        for t in d.tables:
            assert f"\\subsection{{{latex_escape(t.title)}}}" in book
            for cell in (c for row in t.rows for c in row):
                pieces = re.findall(r"\$([^$]*)\$", cell) or [cell if "\\" in cell else latex_escape(cell)]
                assert all(p in book for p in pieces), cell
        for n in d.notes:
            assert n.title.split("$")[0].replace("_", "\\_") in book
    assert book.count("\\boxed{") == sum(len(d.results) for d in derivations)
    # One proof-method tag per step.
    assert len(re.findall(r"\[\\text\{(?:sym\.\+num\.|sym\.|num\.|\\textbf\{FAILED\})\}\]", book)) == sum(
        len(d.steps) for d in derivations
    )


@pytest.mark.parametrize("tool", TOOLS)
def test_undefined_control_sequence_is_caught_and_named(tmp_path, tool):
    doc = "\\documentclass{article}\\begin{document}\nfine \\nosuchmacro{x}\n\\end{document}\n"
    with pytest.raises(LatexCompileError) as info:
        compile_pdf(doc, tmp_path / "bad.pdf", tool=tool)
    assert undefined_macros(info.value.log) == ["\\nosuchmacro"]
    assert str(info.value).startswith(f"{tool} failed")
    assert "Undefined control sequence" in str(info.value)
    assert not (tmp_path / "bad.pdf").exists()


@pytest.mark.parametrize("tool", TOOLS)
def test_both_latex_drivers_resolve_references(tmp_path, tool):
    # A forward reference needs a second pass: latexmk decides that itself, pdflatex runs twice.
    doc = ("\\documentclass{article}\\begin{document}\nSee section~\\ref{s}.\n"
           "\\section{Target}\\label{s}\n\\end{document}\n")
    compiled = compile_pdf(doc, tmp_path / "ok.pdf", tool=tool)
    assert compiled.tool == tool
    assert compiled.pdf.read_bytes().startswith(b"%PDF")
    assert "undefined references" not in compiled.log and "Rerun to get" not in compiled.log


def test_log_errors_reads_both_error_styles():
    log = "x\n! Undefined control sequence.\nl.2 \\foo\n./doc.tex:7: Missing $ inserted.\n<inserted text>\nok\n"
    assert log_errors(log) == ["! Undefined control sequence. l.2 \\foo",
                               "./doc.tex:7: Missing $ inserted. <inserted text>"]


def test_unknown_latex_tool_is_refused(tmp_path):
    with pytest.raises(ValueError, match="latexmk, pdflatex"):
        compile_pdf("", tmp_path / "x.pdf", tool="lualatex")


@pytest.mark.parametrize(
    "heading, anchor",
    [
        ("The logistic sigmoid", "the-logistic-sigmoid"),
        ("Softmax: Jacobian, shift invariance", "softmax-jacobian-shift-invariance"),
        ("MSE = Gaussian NLL (fixed variance)", "mse--gaussian-nll-fixed-variance"),
        ("K-1 logits suffice", "k-1-logits-suffice"),
    ],
)
def test_github_slug(heading, anchor):
    assert github_slug(heading) == anchor


def test_markdown_book_contents_link_to_each_topic_heading(derivations):
    md = book_markdown(derivations, title="My notes")
    assert md.startswith("# My notes\n")
    links = re.findall(r"^\d+\. \[(.*)\]\(#(.*)\)$", md, flags=re.M)
    assert [text for text, _ in links] == [d.title for d in derivations]
    headings = [line[3:] for line in md.splitlines() if line.startswith("## ")]
    for text, anchor in links:
        assert text in headings
        before = headings[: headings.index(text)]
        dupes = sum(github_slug(h) == github_slug(text) for h in before)
        assert anchor == github_slug(text) + (f"-{dupes}" if dupes else "")


def test_cli_markdown_keeps_the_given_order(tmp_path):
    ids = list(TOPICS)[:2][::-1]
    out = tmp_path / "b.md"
    result = runner.invoke(app, ["report", *ids, "--format", "markdown", "--output", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    titles = [TOPICS[i].build().title for i in ids]
    assert text.index(f"## {titles[0]}") < text.index(f"## {titles[1]}")


def test_cli_pdf(tmp_path):
    first = next(iter(TOPICS))
    out = tmp_path / "one.tex"
    result = runner.invoke(app, ["report", first, "--format", "latex", "--output", str(out), "--pdf"])
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("\\documentclass")
    assert out.with_suffix(".pdf").read_bytes().startswith(b"%PDF")


def test_cli_pdf_without_latex_says_what_to_install(tmp_path, monkeypatch):
    import reports.pdf

    monkeypatch.setattr(reports.pdf.shutil, "which", lambda name: None)
    out = tmp_path / "one.tex"
    result = runner.invoke(app, ["report", "--all", "-f", "latex", "-o", str(out), "--pdf"])
    assert result.exit_code == 3
    assert "apt-get install texlive-latex-base" in result.output
    assert out.exists() and not out.with_suffix(".pdf").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["report", "--format", "latex", "--output", "x.tex"],  # no topic
        ["report", "sigmoid", "--all", "--format", "latex", "--output", "x.tex"],
        ["report", "sigmoid", "--format", "markdown", "--output", "x.md", "--pdf"],
        ["report", "sigmoid", "--format", "html", "--output", "x.html"],
        ["report", "no-such-topic", "--format", "latex", "--output", "x.tex"],
    ],
)
def test_cli_bad_input_exits_2(args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert not list(tmp_path.iterdir())


def test_book_fits_the_page(compiled_book):
    """No line of the book runs off the page: rules wrap beside short steps, below wide ones."""
    too_wide = [float(w) for w in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\)", compiled_book.log)]
    assert [w for w in too_wide if w > 60] == []  # 60 pt: an eighth of the line


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([-3, -1, 1, 2, -0.5]), st.integers(0, 4), st.integers(-9, 9)),
                min_size=1, max_size=14))
def test_a_wide_sum_is_broken_between_its_terms_without_changing_it(terms):
    import sympy as sp

    from reports.latex import _LINE, _sum_lines, _visual_length

    x, y, z = sp.symbols("x y z")
    f = sp.Function("ReLU")
    shapes = [lambda k: f(k * x + 1), lambda k: x**2 * y + k, lambda k: sp.exp(-k * x) / z,
              lambda k: sp.sqrt(y) * k, lambda k: sp.log(x + k * y)]
    expr = sp.Add(*(c * shapes[s](k) for c, s, k in terms))
    lines = _sum_lines(expr)
    assert re.sub(r"\s+", "", "".join(lines)) == re.sub(r"\s+", "", to_latex(expr))
    wide = isinstance(expr, sp.Add) and _visual_length(to_latex(expr)) > _LINE
    assert (len(lines) > 1) == wide
    assert all(line[:1] in "+-" for line in lines[1:])
