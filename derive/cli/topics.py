"""``derive list`` and one command per topic: ``derive softmax --latex``."""

from __future__ import annotations

import importlib
import json
import os
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from derive.topics import TOPICS, Topic


class Format(str, Enum):
    text = "text"
    latex = "latex"
    markdown = "markdown"
    json = "json"


def _pick_format(latex: bool, markdown: bool, text: bool, as_json: bool) -> str:
    chosen = [name for name, on in (("latex", latex), ("markdown", markdown), ("text", text), ("json", as_json)) if on]
    if len(chosen) > 1:
        raise typer.BadParameter(f"choose one output format, not {' and '.join('--' + c for c in chosen)}")
    return chosen[0] if chosen else "text"


def emit(content: str, output: Optional[Path]) -> None:
    """Write ``content`` to ``output`` (atomically) or to standard output."""
    if output is None:
        typer.echo(content, nl=not content.endswith("\n"))
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".part")
    tmp.write_text(content, encoding="utf-8")
    tmp.replace(output)
    typer.echo(f"wrote {output}", err=True)


def request_reprove() -> None:
    """Make the builds of this process prove every step live (see derive.certificates)."""
    os.environ["DERIVE_REPROVE"] = "1"


def render_topic(topic: Topic, fmt: str, *, steps: bool, standalone: bool, options: dict | None = None) -> str:
    from reports import render

    derivation = topic.build(**(options or {}))
    return render(derivation, fmt, steps=steps, standalone=standalone)


# The output options every topic command shares (typer reads these defaults as option specs).
LATEX = typer.Option(False, "--latex", help="LaTeX (amsmath) fragment.")
MARKDOWN = typer.Option(False, "--markdown", help="Markdown with $$ math (GitHub, KaTeX).")
TEXT = typer.Option(False, "--text", help="Plain text for a terminal (the default).")
JSON = typer.Option(False, "--json", help="JSON: steps, rules, proof methods, results.")
OUTPUT = typer.Option(None, "--output", "-o", help="Write to FILE instead of stdout.")
NO_STEPS = typer.Option(False, "--no-steps", help="Only the assumptions, tables and results.")
STANDALONE = typer.Option(False, "--standalone", help="With --latex: a complete document.")
REPROVE = typer.Option(False, "--reprove", help="Prove every step live, ignoring certificates.")


def show_topic(topic: Topic, *, latex: bool, markdown: bool, text: bool, as_json: bool, output: Optional[Path],
               no_steps: bool, standalone: bool, reprove: bool, options: dict | None = None) -> None:
    """What every topic command does with the shared options: build, render, write."""
    fmt = _pick_format(latex, markdown, text, as_json)
    if reprove:
        request_reprove()
    emit(render_topic(topic, fmt, steps=not no_steps, standalone=standalone, options=options), output)


def topic_command(topic: Topic):
    """The generic command for a topic without options of its own."""

    def command(
        latex: bool = LATEX,
        markdown: bool = MARKDOWN,
        text: bool = TEXT,
        as_json: bool = JSON,
        output: Optional[Path] = OUTPUT,
        no_steps: bool = NO_STEPS,
        standalone: bool = STANDALONE,
        reprove: bool = REPROVE,
    ) -> None:
        show_topic(topic, latex=latex, markdown=markdown, text=text, as_json=as_json, output=output,
                   no_steps=no_steps, standalone=standalone, reprove=reprove)

    command.__doc__ = f"{topic.title}. Every step proved; --latex, --markdown, --text or --json."
    return command


def list_topics(
    as_json: bool = typer.Option(False, "--json", help="JSON: {topics: [{id, title, results}]}."),
) -> None:
    """List the topics and the ids of their results (for 'derive check --against')."""
    topics = [{"id": t.id, "title": t.title, "results": [r.id for r in t.build().results]} for t in TOPICS.values()]
    if as_json:
        typer.echo(json.dumps({"topics": topics}, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("topic", "title", "result ids")
    for t in topics:
        table.add_row(t["id"], t["title"], "\n".join(t["results"]))
    Console().print(table)


def register(app: typer.Typer) -> None:
    app.command("list")(list_topics)
    for topic in TOPICS.values():
        factory = topic_command
        if topic.cli:
            module, _, name = topic.cli.partition(":")
            factory = getattr(importlib.import_module(module), name)
        app.command(topic.id, help=f"{topic.title}.")(factory(topic))
