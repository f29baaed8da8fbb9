"""``derive verify FILE --against RESULT_ID | --expected EXPR``: check a derivation line by line.

Exit codes: 0 every step and the final answer right; 1 a step or the final answer wrong; 3 a
line cannot be read (the other steps are still judged); 4 undecided; 2 usage errors.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer


class FileSyntax(str, Enum):
    auto = "auto"
    plain = "plain"
    latex = "latex"
    markdown = "markdown"


def read_derivation(file: str, limit: int) -> str:
    """The text of FILE (``-``: standard input), at most ``limit + 1`` characters (more is rejected later)."""
    if file == "-":
        return sys.stdin.read(limit + 1)
    path = Path(file)
    if not path.is_file():
        raise typer.BadParameter(f"no such file: {file}", param_hint="FILE")
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read(limit + 1)
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {file}: {exc}", param_hint="FILE") from None


def task_key(against: Optional[str], expected: Optional[str], variables: Optional[str]):
    """The target key (resolved here, so that the worker inherits it); usage errors exit 2."""
    from derive.answers.errors import AnswerError
    from derive.answers.targets import TargetError, resolve
    from derive.answers.variables import guess_variables

    if (against is None) == (expected is None):
        raise typer.BadParameter("give either --against RESULT_ID or --expected EXPRESSION")
    if against is not None:
        key = ("result", against)
    else:
        names = tuple(v.strip() for v in variables.split(",") if v.strip()) if variables else guess_variables(expected)
        key = ("expected", expected, names)
    try:
        resolve(key)
    except (TargetError, AnswerError) as exc:
        raise typer.BadParameter(str(exc), param_hint="--against" if against else "--expected") from None
    return key


def verify(
    file: str = typer.Argument(..., help="The derivation: a .tex (align*, equation, display math), .md ($$ blocks) or "
                                         "plain text file; '-' reads standard input."),
    against: Optional[str] = typer.Option(None, "--against", "-a", help="Result id giving the symbols' meaning "
                                                                          "and the expected answer, e.g. "
                                                                          "softmax.jacobian."),
    expected: Optional[str] = typer.Option(None, "--expected", "-e", help="The expected final answer, without a "
                                                                           "result id, e.g. 'sigma(z) - t'."),
    variables: Optional[str] = typer.Option(None, "--variables", help="With --expected: its variables, e.g. "
                                                                      "'x,y_i,delta_ij' (default: read off the "
                                                                      "expression)."),
    syntax: FileSyntax = typer.Option(FileSyntax.auto, "--syntax", help="Format of the file (default: detected)."),
    as_json: bool = typer.Option(False, "--json", help="JSON: {verdict, first_error, steps: [...], final}."),
    as_latex: bool = typer.Option(False, "--latex", help="A feedback sheet as a LaTeX document (pdflatex)."),
    as_markdown: bool = typer.Option(False, "--markdown", help="A feedback sheet in Markdown (KaTeX math)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the output to FILE instead of stdout."),
    timeout: float = typer.Option(5.0, "--timeout", min=0.1, help="Seconds per line; overrun gives 'undecided'."),
    total_timeout: float = typer.Option(60.0, "--total-timeout", min=0.1, help="Seconds for the whole derivation."),
    max_length: int = typer.Option(2000, "--max-length", min=1, help="Longest line (expression) accepted."),
) -> None:
    """Check a derivation step by step: exit 0 right, 1 a step or the final answer wrong, 3 unreadable, 4 undecided."""
    if sum((as_json, as_latex, as_markdown)) > 1:
        raise typer.BadParameter("choose one of --json, --latex, --markdown")
    from derive.answers import feedback
    from derive.answers.limits import Limits
    from derive.answers.verify_worker import run_verify

    limits = Limits(max_length=max_length, timeout=timeout, derivation_timeout=total_timeout)
    text = read_derivation(file, limits.max_derivation_length)
    key = task_key(against, expected, variables)
    verdict = run_verify(text, key, syntax=syntax.value, limits=limits)
    if as_json:
        rendered = json.dumps(verdict.to_dict(), indent=2, ensure_ascii=False) + "\n"
    elif as_latex:
        rendered = feedback.to_latex(verdict)
    elif as_markdown:
        rendered = feedback.to_markdown(verdict)
    else:
        rendered = feedback.to_text(verdict) + "\n"
    if output is None:
        typer.echo(rendered, nl=False)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(rendered, encoding="utf-8")
    raise typer.Exit(verdict.exit_code)


def register(app: typer.Typer) -> None:
    app.command("verify")(verify)
