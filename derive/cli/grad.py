"""``derive grad EXPR --wrt VAR``: the derivative of the user's expression, every step proved.

With ``--numpy FILE`` the expression and its derivatives become a stable NumPy module
(:func:`derive.codegen.user_module.generate_user_module`), checked against mpmath before it is
written; a module that fails the check is not written (exit 1, naming the worst input) unless
``--force`` is given (then it is written, with a warning). In index notation (``--wrt z_j``) the
module's ``gradient`` is the whole vector (:func:`derive.codegen.vector_module.generate_vector_module`);
with matrices (``X_nd``) the results are read back into matrix form
(:func:`derive.differentiate.index_matrix.matrix_results`) and, as for matrix calculus
(``--matrix/--vector``), the module takes and returns arrays in their shapes
(:func:`derive.codegen.matrix_module.generate_matrix_module`).

Exit codes: 0 done, 1 refused (a step failed its proof, or the module failed its accuracy
check), 2 usage error (bad expression or variable, with the position in the text), 3 time limit.
"""

from __future__ import annotations

import re
import shlex
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

  derive grad "x*sigma(x)" --wrt x --numpy swish.py

  derive grad "sum(log(1 + exp(-t .* (X*w))))" --matrix X --vector w,t --wrt w --numpy logistic.py

  derive grad "-sum_k t_k*log(softmax(z)_k)" --wrt z_j

  derive grad "-sum_k t_k*log(softmax(z)_k)" --wrt z_j --numpy ce.py

  derive grad "sum_n (sum_d X_nd*w_d - t_n)^2" --wrt X_ij --numpy ls.py

""" + (  # one paragraph per line: the help formatter wraps it
    "Names: e and pi are constants; exp, log (ln), sqrt, abs, sin, cos, tan, atan, sinh, cosh, tanh, "
    "sigma (σ, \\sigma, sigmoid), relu, softplus, logit are functions; every other name (x, m, alpha, "
    "lambda, λ, x_1) is a real variable. A word directly before '(' must be a function: write "
    "alpha*(1 - x) for a product.\n\n"
    "Matrix calculus (--matrix X --vector w,t --wrt w): * is the matrix product, .* (\\odot) elementwise, "
    ".^ the elementwise power, "
    "^T the transpose, sum(M) the sum of all entries, norm(v) (\\|v\\|) the 2-norm; the gradient ends in "
    "matrix form: derive grad \"norm(X*w - t)^2\" --matrix X --vector w,t --wrt w gives 2X^T(Xw - t).\n\n"
    "Index notation (--wrt z_j): every name with a letter subscript and every argument of softmax, "
    "log_softmax, logsumexp is a vector of length K; sum_k runs over 1..K; a vector t is a target "
    "distribution where the derivation needs sum_k t_k = 1. A name with two subscripts (X_nd) is a matrix: each "
    "index then runs over the range its use gives it (n, the row of X and the index of t: 1..N), and --wrt X_ij "
    "differentiates by an entry.\n"
)


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
    vector: Optional[str] = typer.Option(None, "--vector", help="Comma-separated names of vectors: matrix calculus "
                                                                "(norm(X*w - t)^2 --wrt w), or index notation "
                                                                "(z_k, sum_k; implied by --wrt z_j)."),
    matrix: Optional[str] = typer.Option(None, "--matrix", help="Comma-separated names of matrices (matrix "
                                                                "calculus: X*w, .*, ^T, sum(M), norm(v))."),
    latex: bool = LATEX,
    markdown: bool = MARKDOWN,
    text: bool = TEXT,
    as_json: bool = JSON,
    output: Optional[Path] = typer.Option(None, "--output", help="Write to FILE instead of stdout."),
    no_steps: bool = NO_STEPS,
    standalone: bool = STANDALONE,
    numpy: Optional[Path] = typer.Option(None, "--numpy", help="Also write a stable NumPy module with value() "
                                                               "and gradient(), checked before it is written."),
    force: bool = typer.Option(False, "--force", help="With --numpy: write the module even if it fails its "
                                                      "accuracy check (with a warning)."),
    timeout: float = typer.Option(60.0, "--timeout", min=0, help="Give up after this many seconds (0: no limit); "
                                                                  "exit 3."),
) -> None:
    """Differentiate EXPRESSION step by step, every step proved (text, --latex, --markdown or --json)."""
    fmt = _pick_format(latex, markdown, text, as_json)
    if force and numpy is None:
        raise typer.BadParameter("--force only applies to --numpy FILE", param_hint="--force")
    from derive.derivation import ProofError
    from derive.differentiate import GradError
    from derive.differentiate import grad as derive_grad
    from reports import render

    from derive.differentiate.index_matrix import NoMatrixModule

    no_module = None
    vectors = [v.strip() for v in (vector or "").split(",") if v.strip()]
    matrices = [m.strip() for m in (matrix or "").split(",") if m.strip()]
    try:
        with _time_limit(timeout):
            derivation = derive_grad(expression, wrt, vectors, matrices)
            content = render(derivation, fmt, steps=not no_steps, standalone=standalone)
            module = None
            if numpy is not None:
                shapes = [f"--{kind} {shlex.quote(names)}" for kind, names in (("matrix", matrix), ("vector", vector))
                          if names]
                command = " ".join(["derive grad", shlex.quote(expression), *shapes,
                                    *(f"--wrt {shlex.quote(w)}" for w in wrt),
                                    f"--numpy {shlex.quote(str(numpy))}", *(["--force"] if force else [])])
                try:
                    module = _module(expression, derivation, command, force)
                except NoMatrixModule as exc:  # the derivation is shown all the same
                    no_module = exc
    except GradError as exc:
        usage_error(exc)
    except ProofError as exc:
        typer.echo(f"Error: derive grad refuses this derivation, a step failed its proof.\n{exc}", err=True)
        raise typer.Exit(1) from None
    except _TimeLimit:
        typer.echo(f"Error: no derivation within the time limit of {timeout:g} s (--timeout)", err=True)
        raise typer.Exit(3) from None
    emit(content, output)
    if no_module is not None:
        typer.echo(f"Error: no module written: {no_module}. The derivation above stands; --numpy for index "
                   "notation with matrices needs its result in matrix form.", err=True)
        raise typer.Exit(1)
    if module is not None:
        _write_module(module, numpy)


def _module(expression: str, derivation, command: str, force: bool):
    """The checked NumPy module of the derivation's results; exit 1 if it fails the check."""
    import sympy as sp

    from derive.codegen.user_module import UnstableModuleError, generate_user_module
    from derive.codegen.vector_module import generate_vector_module
    from derive.differentiate.functions import for_codegen
    from derive.differentiate.matrix_forms import MatrixNode

    value = for_codegen(derivation.steps[0].lhs.expr)
    gradients = [(r.lhs.variables[0], for_codegen(r.expr)) for r in derivation.results]
    if value.has(MatrixNode):
        return _matrix_module(expression, derivation, value, gradients, command, force)
    if any(len(el.indices) == 2 for el in value.atoms(sp.Indexed)):
        return _index_matrix_module(expression, derivation, value, gradients, command, force)
    indexed = any(isinstance(x, sp.Indexed) for x, _ in gradients)
    if indexed and len(gradients) != 1:
        typer.echo("Error: --numpy in index notation takes one --wrt (the gradient is the whole vector)", err=True)
        raise typer.Exit(2)
    try:
        if indexed:
            (wrt, gradient), = gradients
            return generate_vector_module(value, gradient, wrt, expression_text=expression, command=command,
                                          distributions=_distributions(derivation, value), force=force)
        return generate_user_module(value, gradients, expression_text=expression, command=command, force=force)
    except UnstableModuleError as exc:
        typer.echo(f"Error: no module written: {exc}.\nUse --force to write it anyway (with a warning).",
                   err=True)
        raise typer.Exit(1) from None
    except (sp.SympifyError, NotImplementedError, TypeError, ValueError, KeyError) as exc:  # cannot print
        typer.echo(f"Error: no module written: the code generator cannot print this expression ({exc})", err=True)
        raise typer.Exit(1) from None


def _matrix_module(expression: str, derivation, value, gradients, command: str, force: bool):
    """The checked module of a matrix derivation (gradients by vectors, matrices or scalars)."""
    import sympy as sp

    from derive.differentiate.matrix_forms import MV

    variables = {s.name: s for s in value.free_symbols if isinstance(s, sp.Symbol)}
    variables.update({leaf.args[0].label.name: leaf for leaf in value.atoms(MV)})
    pairs = [(variables.get(x.name, x), g) for x, g in gradients]
    return _checked_matrix_module(expression, derivation, value, pairs, command, force)


def _checked_matrix_module(expression: str, derivation, value, pairs, command: str, force: bool):
    """:func:`generate_matrix_module` of a matrix-form value and (leaf, gradient) pairs; exit 1
    if the module fails its check (unless ``force``) or cannot be printed."""
    from derive.codegen.matrix_module import generate_matrix_module
    from derive.codegen.user_module import UnstableModuleError

    # "t is a distribution ...", "each row of T (N×P) is a distribution ..."
    said = [re.search(r"(\w+)(?: \([^)]*\))? is a distribution", a.text) for a in derivation.assumptions]
    try:
        return generate_matrix_module(value, pairs, expression_text=expression, command=command,
                                      distributions=[m.group(1) for m in said if m], force=force)
    except UnstableModuleError as exc:
        typer.echo(f"Error: no module written: {exc}.\nUse --force to write it anyway (with a warning).", err=True)
        raise typer.Exit(1) from None
    except NotImplementedError as exc:
        typer.echo(f"Error: no module written: the code generator cannot print this expression ({exc})", err=True)
        raise typer.Exit(1) from None


def _index_matrix_module(expression: str, derivation, value, gradients, command: str, force: bool):
    """The checked module of an index-notation derivation with matrices: the results read back
    into matrix form (each reading proved), the gradients the whole vectors and matrices; raises
    :class:`~derive.differentiate.index_matrix.NoMatrixModule` if there is no such reading."""
    from derive.differentiate.index_matrix import matrix_results

    value_matrix, pairs = matrix_results(value, gradients)  # NoMatrixModule: reported after the derivation
    return _checked_matrix_module(expression, derivation, value_matrix, pairs, command, force)


def _distributions(derivation, value) -> list:
    """The vectors the derivation assumed to be distributions (its assumption "t is a
    distribution: ..."), as the IndexedBase objects of ``value``."""
    import sympy as sp

    said = {a.text.split(" is a distribution")[0] for a in derivation.assumptions if " is a distribution" in a.text}
    return [b for b in value.atoms(sp.IndexedBase) if b.label.name in said]


def _write_module(module, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(module.source, encoding="utf-8")
    tmp.replace(path)
    if module.ok:
        typer.echo(f"wrote {path} (accuracy check passed)", err=True)
    else:
        worst = module.accuracy.worst
        typer.echo(f"Warning: {path} FAILED its accuracy check ({worst.output} at {worst.where()}) and was "
                   "written only because of --force; its results can be wrong.", err=True)


def register(app: typer.Typer) -> None:
    # ignore_unknown_options: an expression may start with '-' ("-(1 - sigma(z))^2"); the command
    # has no short options, so such an argument is passed through whole.
    app.command("grad", epilog=EXAMPLES, context_settings={"ignore_unknown_options": True})(grad)
