"""``derive glm [MODEL]``: the GLM derivations, all four models or one (e.g. ``derive glm logistic``)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from derive.cli.topics import JSON, LATEX, MARKDOWN, NO_STEPS, OUTPUT, REPROVE, STANDALONE, TEXT, show_topic
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
                   no_steps=no_steps, standalone=standalone, reprove=reprove,
                   options={"model": model.value} if model is not None else {})

    command.__doc__ = f"{topic.title}. Every step proved; optionally one MODEL; --latex, --markdown, --text or --json."
    return command
