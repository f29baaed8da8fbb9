"""``derive gradcheck FILE.py:FUNCTION --against RESULT_ID``: check a user's NumPy gradient code."""

from __future__ import annotations

import inspect
from pathlib import Path

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
    against: str = typer.Option(..., "--against", help="Result id to check against (signatures below)."),
    timeout: float = typer.Option(30.0, "--timeout", min=1.0, help="Seconds the user's code may run (then killed)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the random inputs."),
) -> None:
    """Run FUNCTION (in a separate process, with a time limit) on random and extreme inputs and
    compare it with the generated kernel of RESULT_ID: max abs/rel error, worst input, PASS or
    FAIL (exit code 0 or 1; 2 when the check cannot run)."""
    file_part, sep, function = target.rpartition(":")
    if not sep or not file_part or not function.isidentifier():
        typer.echo(f"Error: expected FILE.py:FUNCTION, got {target!r}", err=True)
        raise typer.Exit(2)
    path = Path(file_part)
    if path.suffix != ".py" or not path.is_file():
        typer.echo(f"Error: {file_part!r} is not a Python file", err=True)
        raise typer.Exit(2)
    from derive.codegen.gradcheck import TARGETS, GradcheckError, gradcheck as run

    if against not in TARGETS:
        typer.echo(f"Error: no gradient check for {against!r}; result ids: {', '.join(TARGETS)}", err=True)
        raise typer.Exit(2)
    try:
        results = run(path.resolve(), function, against, timeout=timeout, seed=seed)
    except GradcheckError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2)
    typer.echo(f"gradcheck {target} against {against}")
    typer.echo(f"  expected signature: {TARGETS[against].signature}")
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


gradcheck.__doc__ = inspect.cleandoc(gradcheck.__doc__) + "\n\nSignatures FUNCTION must have, per result id:\n\n" + "\n\n".join(
    f"{ids}: {signature}" for ids, signature in SIGNATURES
)


def register(app: typer.Typer) -> None:
    app.command("gradcheck")(gradcheck)
