"""``derive squash-approximation [--function F --interval A B --segments K --slope S]``: the sigmoid
(squash) construction, and optionally the network for a given f with its error table."""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Tuple

import typer

from derive.cli.topics import JSON, LATEX, MARKDOWN, NO_STEPS, OUTPUT, REPROVE, STANDALONE, TEXT, show_topic
from derive.topics import Topic

FUNCTION = typer.Option(
    None, "--function", "-f",
    help='f(x) to approximate, e.g. "sin(x)" or "abs(x - 1)" (numbers, x, pi, e, + - * / ^, sin, cos, tan, exp, '
         "log, sqrt, tanh, abs, atan, sinh, cosh, sigmoid, relu). Parsed, never evaluated.")
INTERVAL = typer.Option(None, "--interval", help="The interval A B to approximate f on (default: 0 3.14).")
SEGMENTS = typer.Option(16, "--segments", "-k", min=1, max=200,
                        help="Number of steps = number of sigmoid units (1..200).")
SLOPE = typer.Option(200.0, "--slope", "-a",
                     help="Slope a of every unit sigma(a (x - c_i)) (0 < a <= 1e6; larger: closer to a step).")
MAX_SLOPE = 1e6


def squash_options(function: Optional[str], interval: Optional[Tuple[float, float]], segments: int,
                   slope: float) -> dict:
    """The build options of the topic from the command line (none without --function)."""
    if function is None and interval is not None:
        raise typer.BadParameter("--interval needs --function", param_hint="--interval")
    if not 0 < slope <= MAX_SLOPE:
        raise typer.BadParameter(f"the slope must be in (0, {MAX_SLOPE:g}], got {slope:g}", param_hint="--slope")
    if function is None:
        return {}
    return {"function": function, "segments": segments, "slope": repr(float(slope)),
            "interval": tuple(repr(float(end)) for end in interval) if interval else ("0", "3.14")}


def show_squash(topic: Topic, options: dict, **shared) -> None:
    """Build and show the topic; a bad function is a usage error (exit 2)."""
    from derive.safe_function import FunctionSyntaxError

    try:
        show_topic(topic, options=options, **shared)
    except FunctionSyntaxError as exc:
        raise typer.BadParameter(str(exc), param_hint="--function") from None
    except ValueError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from None


def squash_command(topic: Topic):
    """The ``squash-approximation`` command: the generic topic options plus the network options."""

    def command(
        function: Optional[str] = FUNCTION,
        interval: Optional[Tuple[float, float]] = INTERVAL,
        segments: int = SEGMENTS,
        slope: float = SLOPE,
        latex: bool = LATEX,
        markdown: bool = MARKDOWN,
        text: bool = TEXT,
        as_json: bool = JSON,
        output: Optional[Path] = OUTPUT,
        no_steps: bool = NO_STEPS,
        standalone: bool = STANDALONE,
        reprove: bool = REPROVE,
    ) -> None:
        show_squash(topic, squash_options(function, interval, segments, slope), latex=latex, markdown=markdown,
                    text=text, as_json=as_json, output=output, no_steps=no_steps, standalone=standalone,
                    reprove=reprove)

    command.__doc__ = (f"{topic.title}. Every step proved; with --function, --interval, --segments and --slope also "
                       "the sigmoid network for that f, its weights and its error table.")
    return command
