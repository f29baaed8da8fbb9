"""``derive report``: a whole LaTeX or Markdown document of several topics (and its PDF)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer


class BookFormat(str, Enum):
    latex = "latex"
    markdown = "markdown"


def report(
    topics: Optional[List[str]] = typer.Argument(None, help="Topic ids (see 'derive list'), in document order."),
    all_topics: bool = typer.Option(False, "--all", help="Every registered topic, in registry order."),
    fmt: BookFormat = typer.Option(..., "--format", "-f", help="latex (a complete document) or markdown."),
    output: Path = typer.Option(..., "--output", "-o", help="The document to write (e.g. book.tex, book.md)."),
    pdf: bool = typer.Option(False, "--pdf", help="With latex: also compile FILE.pdf with pdflatex (or latexmk)."),
    title: Optional[str] = typer.Option(None, "--title", help="The document's title."),
    no_steps: bool = typer.Option(False, "--no-steps", help="Only assumptions, tables, notes and results."),
) -> None:
    """A whole document: title, contents, one section per topic with steps, rules, proof methods,
    tables, notes and boxed results (e.g. 'derive report --all --format latex -o book.tex --pdf')."""
    from derive.cli.topics import emit
    from derive.topics import TOPICS, UnknownTopicError, get

    if all_topics and topics:
        raise typer.BadParameter("give topic ids or --all, not both")
    if not all_topics and not topics:
        raise typer.BadParameter("give topic ids (see 'derive list') or --all")
    if pdf and fmt is not BookFormat.latex:
        raise typer.BadParameter("--pdf needs --format latex")
    try:
        chosen = list(TOPICS.values()) if all_topics else [get(t) for t in topics]
    except UnknownTopicError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from None

    from reports.book import DEFAULT_TITLE, book_latex, book_markdown

    derivations = []
    for topic in chosen:
        try:
            derivations.append(topic.build())
        except Exception as exc:  # a topic that fails to build or prove is named, not hidden
            typer.echo(f"Error: topic {topic.id!r} failed to build: {type(exc).__name__}: {exc}", err=True)
            raise typer.Exit(1) from None
    render = book_latex if fmt is BookFormat.latex else book_markdown
    document = render(derivations, title=title or DEFAULT_TITLE, steps=not no_steps)
    emit(document, output)
    if pdf:
        from reports.pdf import LatexCompileError, LatexMissingError, compile_pdf

        target = output.with_suffix(".pdf")
        try:
            compiled = compile_pdf(document, target)
        except LatexMissingError as exc:
            typer.echo(f"Error: cannot make the PDF. {exc}", err=True)
            raise typer.Exit(3) from None
        except LatexCompileError as exc:
            typer.echo(f"Error: the LaTeX did not compile: {exc}", err=True)
            raise typer.Exit(1) from None
        typer.echo(f"wrote {compiled.pdf} ({compiled.tool})", err=True)


def register(app: typer.Typer) -> None:
    app.command("report")(report)
