"""``derive glm [MODEL]``: the GLM derivations, all four models or one (e.g. ``derive glm logistic``)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from derive.cli.topics import _pick_format, emit, render_topic, request_reprove
from derive.topics import Topic


class Model(str, Enum):
    linear = "linear"
    logistic = "logistic"
    multiclass = "multiclass"
    poisson = "poisson"


def glm_command(topic: Topic):
    """The ``glm`` command: the generic topic options plus an optional MODEL argument."""

    def command(
        model: Optional[Model] = typer.Argument(
            None, help="Only this model: linear, logistic, multiclass or poisson (default: all four)."
        ),
        latex: bool = typer.Option(False, "--latex", help="LaTeX (amsmath) fragment."),
        markdown: bool = typer.Option(False, "--markdown", help="Markdown with $$ math (GitHub, KaTeX)."),
        text: bool = typer.Option(False, "--text", help="Plain text for a terminal (the default)."),
        as_json: bool = typer.Option(False, "--json", help="JSON: steps, rules, proof methods, results."),
        output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write to FILE instead of stdout."),
        no_steps: bool = typer.Option(False, "--no-steps", help="Only the assumptions, table and results."),
        standalone: bool = typer.Option(False, "--standalone", help="With --latex: a complete document."),
        reprove: bool = typer.Option(False, "--reprove", help="Prove every step live, ignoring certificates."),
    ) -> None:
        fmt = _pick_format(latex, markdown, text, as_json)
        if reprove:
            request_reprove()
        options = {"model": model.value} if model is not None else {}
        emit(render_topic(topic, fmt, steps=not no_steps, standalone=standalone, options=options), output)

    command.__doc__ = f"{topic.title}. Every step proved; optionally one MODEL; --latex, --markdown, --text or --json."
    return command
