"""``derive gradcheck FILE.py:FUNCTION --against RESULT_ID | --expr EXPR --wrt VAR``: check a
user's NumPy gradient code against a derived result or the derived gradient of any expression."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import List, Optional

import typer

SIGNATURES = (
    ("sigmoid.derivative, sigmoid.derivative_stable, sigmoid.tanh_derivative", "f(x (N,)) -> (N,)"),
    ("softmax.jacobian, softmax.jacobian_matrix", "f(z (K,)) -> (K, K), entry (i, j) = dy_i/dz_j"),
    ("softmax.ce_gradient, glm.multiclass.logit_gradient", "f(z (N, K), t (N,) int classes) -> (N, K)"),
    ("glm.logistic.logit_gradient, glm.linear.logit_gradient, glm.poisson.logit_gradient",
     "f(ybar (N,), t (N,)) -> (N,)"),
    ("glm.logistic.gradient, glm.linear.gradient, glm.poisson.gradient",
     "f(X (N, D), w (D,), t (N,)) -> (D,), summed over the examples"),
    ("glm.multiclass.gradient", "f(X (N, D), W (D, K), t (N,) int classes) -> (D, K), summed over the examples"),
)


def gradcheck(
    target: str = typer.Argument(..., help="FILE.py:FUNCTION, the user's NumPy implementation."),
    against: Optional[str] = typer.Option(None, "--against", help="Result id to check against (signatures below)."),
    expr: Optional[str] = typer.Option(None, "--expr", help="An expression (plain or LaTeX, e.g. 'x*sigma(x)'): "
                                       "check FUNCTION against its derived gradient."),
    wrt: Optional[List[str]] = typer.Option(None, "--wrt", help="With --expr: the variable(s) FUNCTION "
                                            "differentiates by (repeat for several; a tuple in this order)."),
    vector: Optional[str] = typer.Option(None, "--vector", help="With --expr: comma-separated vectors (matrix "
                                         "calculus, as derive grad: norm(X*w - t)^2)."),
    matrix: Optional[str] = typer.Option(None, "--matrix", help="With --expr: comma-separated matrices."),
    timeout: float = typer.Option(30.0, "--timeout", min=1.0, help="Seconds the user's code may run (then killed)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the random inputs."),
) -> None:
    """Run FUNCTION (in a separate process, with a time limit) on random and extreme inputs and
    compare it with the generated kernel of RESULT_ID, or with the derived gradient of EXPR
    evaluated exactly: max abs/rel error, worst input, PASS or FAIL (exit code 0 or 1; 2 when the
    check cannot run).

    With --expr, FUNCTION is called with keyword arguments named after the expression's variables
    (arrays of shape (N,)) and returns d EXPR / d VAR (one array; a tuple in --wrt order for
    several). With --matrix/--vector (one --wrt), it gets the vectors as arrays (n,), the matrices
    (rows, cols), at random sizes, and returns the gradient shaped like VAR."""
    file_part, sep, function = target.rpartition(":")
    if not sep or not file_part or not function.isidentifier():
        _usage(f"expected FILE.py:FUNCTION, got {target!r}")
    path = Path(file_part)
    if path.suffix != ".py" or not path.is_file():
        _usage(f"{file_part!r} is not a Python file")
    if (against is None) == (expr is None):
        _usage("give either --against RESULT_ID or --expr EXPR (with --wrt VAR)")
    if expr is not None and not wrt:
        _usage("--expr needs --wrt VAR (the variable FUNCTION differentiates by)")
    if against is not None and wrt:
        _usage("--wrt goes with --expr, not with --against")
    vectors = [v.strip() for v in (vector or "").split(",") if v.strip()]
    matrices = [m.strip() for m in (matrix or "").split(",") if m.strip()]
    if (vectors or matrices) and expr is None:
        _usage("--vector and --matrix go with --expr")
    from derive.codegen.gradcheck import TARGETS, GradcheckError, gradcheck as run

    if against is not None:
        if against not in TARGETS:
            _usage(f"no gradient check for {against!r}; result ids: {', '.join(TARGETS)}")
        signature, what = TARGETS[against].signature, against
    else:
        from derive.codegen.gradcheck import expression_target
        from derive.codegen.gradcheck_matrix import matrix_expression_target

        try:
            if vectors or matrices:
                expression = matrix_expression_target(expr, list(wrt), vectors, matrices)
            else:
                expression = expression_target(expr, list(wrt))
        except ValueError as exc:  # GradError: an unreadable expression or an unknown variable
            _usage(str(exc))
        signature = expression.signature
        what = "the derived gradient of " + expr + " by " + ", ".join(wrt)
    try:
        if against is not None:
            results = run(path.resolve(), function, against, timeout=timeout, seed=seed)
        else:
            from derive.codegen.gradcheck import gradcheck_expression
            from derive.codegen.gradcheck_matrix import MatrixExpressionTarget, gradcheck_matrix_expression

            check = gradcheck_matrix_expression if isinstance(expression, MatrixExpressionTarget) else gradcheck_expression
            results = check(path.resolve(), function, expression, timeout=timeout, seed=seed)
    except GradcheckError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2)
    typer.echo(f"gradcheck {target} against {what}")
    typer.echo(f"  expected signature: {signature}")
    for r in results:
        status = "PASS" if r.passed else "FAIL"
        typer.echo(f"  {status}  {r.name}: max abs error {r.max_abs:.3g}, max rel error {r.max_rel:.3g}"
                   + (f" ({r.message})" if r.message else ""))
    worst = max(results, key=lambda r: (not r.passed, r.max_abs))
    if worst.worst:
        typer.echo(f"  worst: {worst.name}, {worst.worst}")
    ok = all(r.passed for r in results)
    typer.echo("PASS" if ok else "FAIL")
    raise typer.Exit(0 if ok else 1)


def _usage(message: str):
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(2)


gradcheck.__doc__ = inspect.cleandoc(gradcheck.__doc__) + "\n\nSignatures FUNCTION must have, per result id:\n\n" + "\n\n".join(
    f"{ids}: {signature}" for ids, signature in SIGNATURES
)


def register(app: typer.Typer) -> None:
    app.command("gradcheck")(gradcheck)
