"""``derive check ANSWER --against RESULT_ID``: check one answer (exit 0/1/3/4)."""

from __future__ import annotations

import json
from enum import Enum
from typing import Optional

import typer

from derive.answers.symbol_docs import help_text


class Syntax(str, Enum):
    auto = "auto"
    plain = "plain"
    latex = "latex"


def list_symbols() -> str:
    """Every result id and the symbols an answer to it may use (builds the topics)."""
    from derive.answers.targets import target_for_result
    from derive.topics import TOPICS

    lines = []
    for topic in TOPICS.values():
        for result in topic.build().results:
            lines.append(result.id)
            try:
                table = target_for_result(result.id).table
                lines += [f"    {line}" for line in table.describe()] or ["    (numbers only)"]
            except Exception as exc:  # a result the checker cannot read
                lines.append(f"    (not checkable: {exc})")
    return "\n".join(lines)


def _print_verdict(v, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(v.to_dict(), indent=2, ensure_ascii=False))
        return
    label = v.verdict.replace("_", " ")
    typer.echo(v.message if v.message.startswith(label) else f"{label}: {v.message}")
    if v.parsed:
        typer.echo(f"  parsed:    {v.parsed}")
    if v.diagnosis:
        typer.echo(f"  diagnosis: {v.diagnosis}")
    if v.counterexample:
        point = ", ".join(f"{k} = {val}" for k, val in v.counterexample["point"].items())
        typer.echo(f"  counterexample: {point}: answer {v.counterexample['answer']}, "
                   f"expected {v.counterexample['expected']}")
    if v.method:
        typer.echo(f"  method:    {v.method}")


def check(
    answer: Optional[str] = typer.Argument(None, help="The answer, e.g. 'sigma(x)*(1-sigma(x))' or "
                                                     "'\\frac{e^{-x}}{(1+e^{-x})^2}'. Put '--' before an answer "
                                                     "that starts with '-'."),
    against: Optional[str] = typer.Option(None, "--against", "-a", help="Result id to check against, "
                                                                          "e.g. sigmoid.derivative (see 'derive list')."),
    syntax: Syntax = typer.Option(Syntax.auto, "--syntax", help="Notation of the answer: plain, latex, or auto-detect."),
    as_json: bool = typer.Option(False, "--json", help="JSON: {verdict, message, parsed, counterexample, diagnosis, "
                                                       "method}."),
    timeout: float = typer.Option(5.0, "--timeout", min=0.1, help="Seconds for the check; overrun gives 'undecided'."),
    max_length: int = typer.Option(2000, "--max-length", min=1, help="Longest answer accepted (characters)."),
    list_symbols_: bool = typer.Option(False, "--list-symbols", help="List every result id with the symbols an "
                                                                     "answer may use, and exit."),
) -> None:
    """Check an answer against a result: exit 0 equivalent, 1 not equivalent, 3 invalid, 4 undecided."""
    if list_symbols_:
        typer.echo(list_symbols())
        return
    if answer is None or against is None:
        raise typer.BadParameter("give an ANSWER and --against RESULT_ID (or --list-symbols)")
    from derive.answers.limits import Limits
    from derive.answers.targets import TargetError, target_for_result
    from derive.answers.worker import run_one

    try:
        target_for_result(against)  # built here, inherited by the worker
    except TargetError as exc:
        raise typer.BadParameter(str(exc), param_hint="--against") from None
    limits = Limits(max_length=max_length, timeout=timeout)
    verdict = run_one(answer, ("result", against), syntax=syntax.value, limits=limits)
    _print_verdict(verdict, as_json)
    raise typer.Exit(verdict.exit_code)


def register(app: typer.Typer) -> None:
    app.command("check", epilog=help_text())(check)
