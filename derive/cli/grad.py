"""``derive grad EXPR --wrt VAR``: the derivative of the user's expression, every step proved.

Exit codes: 0 done, 1 refused (a step failed its proof), 2 usage error (bad expression or
variable, with the position in the text), 3 time limit reached.
"""

from __future__ import annotations

import signal
from contextlib import contextmanager
from pathlib import Path
from typing import List, Optional

import typer

from derive.cli.topics import JSON, LATEX, MARKDOWN, NO_STEPS, STANDALONE, TEXT, _pick_format, emit

EXAMPLES = """Examples:

  derive grad "x*sigma(x)" --wrt x

  derive grad "-(1 - sigma(z))^2*log(sigma(z))" --wrt z --latex

  derive grad "r + (t - m)^2/(2*exp(2*r))" --wrt m --wrt r

  derive grad '\\log\\left(1 + e^{x}\\right)' --wrt x --markdown

Names: e and pi are constants; exp, log (ln), sqrt, abs, sin, cos, tan, atan, sinh, cosh, tanh,
sigma (σ, \\sigma, sigmoid), relu, softplus, logit are functions; every other name (x, m, alpha,
lambda, λ, x_1) is a real variable. A word directly before '(' must be a function: write
alpha*(1 - x) for a product.
"""


class _TimeLimit(BaseException):
    """The time limit (a BaseException, like KeyboardInterrupt: no library's ``except Exception``
    turns it into a parse error or a "not shown" proof)."""


@contextmanager
def _time_limit(seconds: float):
    """Raise :class:`_TimeLimit` after ``seconds`` (SIGALRM; no limit where it is unavailable)."""
    if seconds <= 0 or not hasattr(signal, "setitimer"):
        yield
        return

    def alarm(signum, frame):
        raise _TimeLimit()

    try:
        previous = signal.signal(signal.SIGALRM, alarm)
    except ValueError:  # not the main thread
        yield
        return
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def usage_error(exc) -> None:
    """Print a :class:`~derive.differentiate.GradError` with a caret under its position; exit 2."""
    lines = [f"Error: {exc.message}"]
    if exc.text is not None and exc.position is not None and "\n" not in exc.text:
        lines += [f"  {exc.text}", "  " + " " * min(exc.position, len(exc.text)) + "^"]
        lines[0] += f" (at position {exc.position + 1})"
    if exc.hint:
        lines.append(f"Hint: {exc.hint}")
    typer.echo("\n".join(lines), err=True)
    raise typer.Exit(2)


def grad(
    expression: str = typer.Argument(..., help="The expression, plain ('x*sigma(x)') or LaTeX "
                                                  "('\\log\\left(1 + e^{x}\\right)')."),
    wrt: List[str] = typer.Option(..., "--wrt", help="Differentiate with respect to this variable; repeat the "
                                                    "option for several (one result each)."),
    vector: Optional[str] = typer.Option(None, "--vector", help="Comma-separated names of vectors (not supported "
                                                                "yet)."),
    matrix: Optional[str] = typer.Option(None, "--matrix", help="Comma-separated names of matrices (not supported "
                                                                "yet)."),
    latex: bool = LATEX,
    markdown: bool = MARKDOWN,
    text: bool = TEXT,
    as_json: bool = JSON,
    output: Optional[Path] = typer.Option(None, "--output", help="Write to FILE instead of stdout."),
    no_steps: bool = NO_STEPS,
    standalone: bool = STANDALONE,
    timeout: float = typer.Option(60.0, "--timeout", min=0, help="Give up after this many seconds (0: no limit); "
                                                                  "exit 3."),
) -> None:
    """Differentiate EXPRESSION step by step, every step proved (text, --latex, --markdown or --json)."""
    fmt = _pick_format(latex, markdown, text, as_json)
    from derive.derivation import ProofError
    from derive.differentiate import GradError
    from derive.differentiate import grad as derive_grad
    from reports import render

    vectors = [v for v in (vector or "").split(",") if v.strip()]
    matrices = [m for m in (matrix or "").split(",") if m.strip()]
    try:
        with _time_limit(timeout):
            derivation = derive_grad(expression, wrt, vectors, matrices)
            content = render(derivation, fmt, steps=not no_steps, standalone=standalone)
    except GradError as exc:
        usage_error(exc)
    except ProofError as exc:
        typer.echo(f"Error: derive grad refuses this derivation, a step failed its proof.\n{exc}", err=True)
        raise typer.Exit(1) from None
    except _TimeLimit:
        typer.echo(f"Error: no derivation within the time limit of {timeout:g} s (--timeout)", err=True)
        raise typer.Exit(3) from None
    emit(content, output)


def register(app: typer.Typer) -> None:
    # ignore_unknown_options: an expression may start with '-' ("-(1 - sigma(z))^2"); the command
    # has no short options, so such an argument is passed through whole.
    app.command("grad", epilog=EXAMPLES, context_settings={"ignore_unknown_options": True})(grad)
