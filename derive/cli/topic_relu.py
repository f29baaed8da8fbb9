"""``derive relu-approximation [--function F --interval A B --segments K]``: the ReLU construction,
and optionally the network for a given f with its maximum error (e.g. ``--function "sin(x)"``).
With ``--activation sigmoid [--slope S]`` it shows the squash construction instead (the topic
``squash-approximation``, the lecture's second construction)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional, Tuple

import typer

from derive.cli.topics import JSON, LATEX, MARKDOWN, NO_STEPS, OUTPUT, REPROVE, STANDALONE, TEXT, show_topic
from derive.topics import TOPICS, Topic


class Activation(str, Enum):
    relu = "relu"
    sigmoid = "sigmoid"


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
        activation: Activation = typer.Option(
            Activation.relu, "--activation",
            help="relu: the piecewise-linear construction; sigmoid: the squash construction (a staircase of "
                 "compressed sigmoids, as 'derive squash-approximation')."),
        slope: Optional[float] = typer.Option(
            None, "--slope", help="With --activation sigmoid: the slope a of the units (default 200)."),
        latex: bool = LATEX,
        markdown: bool = MARKDOWN,
        text: bool = TEXT,
        as_json: bool = JSON,
        output: Optional[Path] = OUTPUT,
        no_steps: bool = NO_STEPS,
        standalone: bool = STANDALONE,
        reprove: bool = REPROVE,
    ) -> None:
        from derive.safe_function import FunctionSyntaxError

        if activation is Activation.sigmoid:
            from derive.cli.topic_squash import show_squash, squash_options

            options = squash_options(function, interval, segments, 200.0 if slope is None else slope)
            show_squash(TOPICS["squash-approximation"], options, latex=latex, markdown=markdown, text=text,
                        as_json=as_json, output=output, no_steps=no_steps, standalone=standalone, reprove=reprove)
            return
        if slope is not None:
            raise typer.BadParameter("--slope needs --activation sigmoid", param_hint="--slope")
        if function is None and interval is not None:
            raise typer.BadParameter("--interval needs --function", param_hint="--interval")
        options = {}
        if function is not None:
            options = {"function": function, "segments": segments,
                       "interval": tuple(repr(float(end)) for end in interval) if interval else ("0", "3.14")}
        try:
            show_topic(topic, latex=latex, markdown=markdown, text=text, as_json=as_json, output=output,
                       no_steps=no_steps, standalone=standalone, reprove=reprove, options=options)
        except FunctionSyntaxError as exc:
            raise typer.BadParameter(str(exc), param_hint="--function") from None
        except ValueError as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(2) from None

    command.__doc__ = (f"{topic.title}. Every step proved; with --function, --interval and --segments also the "
                       "network for that f and its maximum error.")
    return command
