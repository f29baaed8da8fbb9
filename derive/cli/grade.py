"""``derive grade ANSWERS.csv --key KEY.json --output RESULTS.csv``: grade a course, resumably.

ANSWERS may also be a directory of derivations (``STUDENT/QUESTION.(tex|md|txt)``), or, with
``--derivations``, a CSV whose answer column holds whole derivations: each is then verified line by
line as ``derive verify`` does (see :mod:`derive.answers.derivation_grading`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer


def grade(
    answers: Path = typer.Argument(..., exists=True, dir_okay=True, readable=True,
                                   help="CSV with columns student,question,answer, or a directory of derivations "
                                        "STUDENT/QUESTION.(tex|md|txt)."),
    key: Path = typer.Option(..., "--key", "-k", exists=True, dir_okay=False, readable=True,
                             help='JSON: {QUESTION: {"against": RESULT_ID}} or {QUESTION: {"expected": EXPR, '
                                  '"variables": [...]}}.'),
    output: Path = typer.Option(..., "--output", "-o", help="Results CSV (student,question,verdict,message,diagnosis); "
                                                            "rows already in it are not graded again (resume)."),
    report: Optional[Path] = typer.Option(None, "--report", "-r", help="Write a Markdown report with a per-question "
                                                                       "summary to FILE."),
    jobs: int = typer.Option(0, "--jobs", "-j", min=0, help="Worker processes (0: one per CPU)."),
    timeout: float = typer.Option(5.0, "--timeout", min=0.1, help="Seconds per answer; overrun gives 'undecided'."),
    max_length: int = typer.Option(2000, "--max-length", min=1, help="Longest answer accepted (characters)."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar on stderr."),
    derivations: bool = typer.Option(False, "--derivations", help="The CSV's answers are derivations (implied for a "
                                                                   "directory); the key may add \"scoring\": "
                                                                   "\"full\" or \"partial\"."),
    total_timeout: float = typer.Option(60.0, "--total-timeout", min=0.1, help="Seconds per derivation."),
) -> None:
    """Grade every answer of a course against a key; each row is written as soon as it is graded."""
    if derivations or answers.is_dir():
        _grade_derivations(answers, key, output, report, jobs, timeout, total_timeout, max_length)
        return
    from derive.answers.grading import GradingError, grade_file, write_report
    from derive.answers.limits import Limits

    limits = Limits(max_length=max_length, timeout=timeout)
    try:
        summary = grade_file(answers, key, output, jobs=jobs or os.cpu_count() or 1, limits=limits,
                             progress=progress)
    except GradingError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from None
    if report is not None:
        write_report(output, report, key)
        typer.echo(f"wrote {report}", err=True)
    typer.echo(f"graded {summary.graded} answer(s), {summary.skipped} already in {output}"
               + (f", {summary.duplicates} duplicate row(s) ignored" if summary.duplicates else ""), err=True)


def _grade_derivations(answers: Path, key: Path, output: Path, report: Optional[Path], jobs: int, timeout: float,
                       total_timeout: float, max_length: int) -> None:
    from derive.answers.derivation_grading import grade_derivations, write_report
    from derive.answers.grading import GradingError
    from derive.answers.limits import Limits

    limits = Limits(max_length=max_length, timeout=timeout, derivation_timeout=total_timeout)
    try:
        summary = grade_derivations(answers, key, output, jobs=jobs or os.cpu_count() or 1, limits=limits,
                                    csv_input=not answers.is_dir())
    except GradingError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from None
    if report is not None:
        write_report(output, report)
        typer.echo(f"wrote {report}", err=True)
    typer.echo(f"graded {summary.graded} derivation(s), {summary.skipped} already in {output}"
               + (f", {summary.duplicates} duplicate(s) ignored" if summary.duplicates else ""), err=True)


def register(app: typer.Typer) -> None:
    app.command("grade")(grade)
