"""``derive relu-approximation [--function F --interval A B --segments K]``: the ReLU construction,
and optionally the network for a given f with its maximum error (e.g. ``--function "sin(x)"``)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Tuple

import typer

from derive.cli.topics import _pick_format, emit, render_topic, request_reprove
from derive.topics import Topic


def relu_command(topic: Topic):
    """The ``relu-approximation`` command: the generic topic options plus the network options."""

    def command(
        function: Optional[str] = typer.Option(
            None, "--function", "-f",
            help='f(x) to approximate, e.g. "sin(x)" or "x^2 - 1" (numbers, x, pi, e, + - * / ^, sin, cos, '
                 "tan, exp, log, sqrt, tanh, abs, atan, sinh, cosh, sigmoid, relu). Parsed, never evaluated."),
        interval: Optional[Tuple[float, float]] = typer.Option(
            None, "--interval", help="The interval A B to approximate f on (default: 0 3.14)."),
        segments: int = typer.Option(8, "--segments", "-k", min=1, max=200,
                                     help="Number of linear segments = number of ReLU units (1..200)."),
        latex: bool = typer.Option(False, "--latex", help="LaTeX (amsmath) fragment."),
        markdown: bool = typer.Option(False, "--markdown", help="Markdown with $$ math (GitHub, KaTeX)."),
        text: bool = typer.Option(False, "--text", help="Plain text for a terminal (the default)."),
        as_json: bool = typer.Option(False, "--json", help="JSON: steps, rules, proof methods, results."),
        output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write to FILE instead of stdout."),
        no_steps: bool = typer.Option(False, "--no-steps", help="Only the assumptions, tables and results."),
        standalone: bool = typer.Option(False, "--standalone", help="With --latex: a complete document."),
        reprove: bool = typer.Option(False, "--reprove", help="Prove every step live, ignoring certificates."),
    ) -> None:
        from derive.safe_function import FunctionSyntaxError

        fmt = _pick_format(latex, markdown, text, as_json)
        if reprove:
            request_reprove()
        if function is None and interval is not None:
            raise typer.BadParameter("--interval needs --function", param_hint="--interval")
        options = {}
        if function is not None:
            options = {"function": function, "segments": segments,
                       "interval": tuple(repr(float(end)) for end in interval) if interval else ("0", "3.14")}
        try:
            content = render_topic(topic, fmt, steps=not no_steps, standalone=standalone, options=options)
        except FunctionSyntaxError as exc:
            raise typer.BadParameter(str(exc), param_hint="--function") from None
        except ValueError as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(2) from None
        emit(content, output)

    command.__doc__ = (f"{topic.title}. Every step proved; with --function, --interval and --segments also the "
                       "network for that f and its maximum error.")
    return command
