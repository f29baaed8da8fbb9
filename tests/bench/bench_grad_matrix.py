"""Benchmark of the matrix modules of ``derive grad ... --matrix X --vector w,t --numpy`` (run by
hand: ``python tests/bench/bench_grad_matrix.py [NAME ...]``).

For each matrix function below, in one run:

1. ``derive grad`` time: the derivation (every step proved) plus the module (rules proved,
   printed, checked), wall seconds in this process;
2. accuracy: the worst *checked* error (derive.codegen.matrix_accuracy: random sizes 2..4,
   normal, tiny and extreme entries up to ±745, against mpmath; inf for NaN/inf where the truth is
   finite) of the generated module, of the textbook NumPy formula of the same gradient (what a
   user types from the derivation: ``1/(1 + exp(-z))``, ``log(sum(exp(z)))``), and of
   ``jax.grad`` of the formula as written in ``jax.numpy`` (float64; when jax is installed);
3. speed: time of the generated ``gradient`` over the textbook NumPy gradient and over jitted
   ``jax.grad``, with X of 1e6 entries (100000 x 10; W 10 x 5 for the multinomial loss), best of
   5 (goal <= 1.5 against NumPy).
"""

from __future__ import annotations

import re
import sys
import time
import warnings

import numpy as np

from bench_grad import _time  # the same timing (tests/bench is the script's directory)
from derive.codegen.matrix_accuracy import check_matrix_module
from derive.codegen.matrix_module import generate_matrix_module, matrix_variables
from derive.codegen.user_module import UnstableModuleError
from derive.differentiate import grad
from derive.differentiate import matrix_forms as mf
from derive.differentiate.functions import for_codegen

warnings.simplefilter("ignore")
np.seterr(all="ignore")


def _sig(z):
    return 1 / (1 + np.exp(-z))


#: name -> (text, vectors, matrices, wrt, jax value (jnp, variables), NumPy textbook gradient, inputs).
FUNCTIONS = {
    "logistic loss": (
        "sum(log(1 + exp(-t .* (X*w))))", ["w", "t"], ["X"],
        lambda j, v: j.sum(j.log(1 + j.exp(-v["t"] * (v["X"] @ v["w"])))),
        lambda v: -v["X"].T @ (v["t"] * _sig(-v["t"] * (v["X"] @ v["w"]))), "pm1"),
    "binary cross-entropy": (
        "-sum(t .* log(sigma(X*w)) + (1 - t) .* log(1 - sigma(X*w)))", ["w", "t"], ["X"],
        lambda j, v: -j.sum(v["t"] * j.log(1 / (1 + j.exp(-(v["X"] @ v["w"]))))
                            + (1 - v["t"]) * j.log(1 - 1 / (1 + j.exp(-(v["X"] @ v["w"]))))),
        lambda v: v["X"].T @ (_sig(v["X"] @ v["w"]) - v["t"]), "01"),
    "least squares": (
        "norm(X*w - t)^2", ["w", "t"], ["X"],
        lambda j, v: j.sum((v["X"] @ v["w"] - v["t"]) ** 2),
        lambda v: 2 * v["X"].T @ (v["X"] @ v["w"] - v["t"]), "real"),
    "ridge": (
        "norm(X*w - t)^2 + lambda*norm(w)^2", ["w", "t"], ["X"],
        lambda j, v: j.sum((v["X"] @ v["w"] - v["t"]) ** 2) + v["lambda"] * j.sum(v["w"] ** 2),
        lambda v: 2 * (v["X"].T @ (v["X"] @ v["w"] - v["t"]) + v["lambda"] * v["w"]), "real"),
    "log-sum-exp": (
        "log(sum(exp(X*w)))", ["w"], ["X"],
        lambda j, v: j.log(j.sum(j.exp(v["X"] @ v["w"]))),
        lambda v: v["X"].T @ (np.exp(v["X"] @ v["w"]) / np.sum(np.exp(v["X"] @ v["w"]))), None),
    "log-cosh": (
        "sum(log(cosh(X*w - t)))", ["w", "t"], ["X"],
        lambda j, v: j.sum(j.log(j.cosh(v["X"] @ v["w"] - v["t"]))),
        lambda v: v["X"].T @ (np.sinh(v["X"] @ v["w"] - v["t"]) / np.cosh(v["X"] @ v["w"] - v["t"])), "real"),
    "pseudo-Huber": (
        "sum(sqrt(1 + (X*w - t).^2) - 1)", ["w", "t"], ["X"],
        lambda j, v: j.sum(j.sqrt(1 + (v["X"] @ v["w"] - v["t"]) ** 2) - 1),
        lambda v: v["X"].T @ ((v["X"] @ v["w"] - v["t"]) / np.sqrt(1 + (v["X"] @ v["w"] - v["t"]) ** 2)), "real"),
    "multinomial logistic": (
        "-sum(T .* log_softmax(X*W))", [], ["X", "W", "T"],
        lambda j, v: -j.sum(v["T"] * j.log(j.exp(v["X"] @ v["W"])
                                           / j.sum(j.exp(v["X"] @ v["W"]), axis=1, keepdims=True))),
        lambda v: v["X"].T @ (np.exp(v["X"] @ v["W"]) / np.sum(np.exp(v["X"] @ v["W"]), axis=1, keepdims=True)
                              - v["T"]), "onehot"),
    "Poisson": (
        "sum(exp(X*w)) - sum(t .* (X*w))", ["w", "t"], ["X"],
        lambda j, v: j.sum(j.exp(v["X"] @ v["w"])) - v["t"] @ (v["X"] @ v["w"]),
        lambda v: v["X"].T @ (np.exp(v["X"] @ v["w"]) - v["t"]), "count"),
}


def _wrt(matrices):
    return "W" if "W" in matrices else "w"


def _parts(text, vectors, matrices):
    d = grad(text, [_wrt(matrices)], vectors, matrices)
    value = for_codegen(d.steps[0].lhs.expr)
    leaves = {leaf.args[0].label.name: leaf for leaf in value.atoms(mf.MV)}
    said = [re.search(r"(\w+)(?: \([^)]*\))? is a distribution", a.text) for a in d.assumptions]
    distributions = [m.group(1) for m in said if m]
    return value, [(leaves[_wrt(matrices)], for_codegen(r.expr)) for r in d.results], distributions


def _inputs(kind, n, d, rng):
    v = {"X": rng.normal(0, 1, (n, d)), "w": rng.normal(0, 1, d) / np.sqrt(d)}
    if kind == "onehot":
        return {"X": v["X"], "W": rng.normal(0, 1, (d, 5)) / np.sqrt(d), "T": np.eye(5)[rng.integers(0, 5, n)]}
    if kind == "pm1":
        v["t"] = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    elif kind == "01":
        v["t"] = rng.integers(0, 2, n).astype(float)
    elif kind == "count":
        v["t"] = rng.poisson(1.0, n).astype(float)
    elif kind == "real":
        v["t"] = rng.normal(0, 1, n)
    return v


def _jax(value_fn, key):
    """(value, gradient by ``key``) of the formula as written, jax.grad in float64; None without jax."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)

    def f(x, rest):
        return value_fn(jnp, {**rest, key: x})

    g = jax.jit(jax.grad(f))
    return (lambda **v: float(f(jnp.asarray(v[key]), {k: jnp.asarray(a) for k, a in v.items() if k != key})),
            lambda **v: np.asarray(g(jnp.asarray(v[key]), {k: jnp.asarray(a) for k, a in v.items() if k != key})))


def _checked(namespace, value, gradients, distributions):
    leaves, scalars = matrix_variables(value, gradients)
    report = check_matrix_module(namespace, value, gradients, leaves, scalars, distributions)
    worst = report.outputs[1]
    return np.inf if worst.failure else worst.checked


def run(name):
    text, vectors, matrices, jax_value, numpy_grad, kind = FUNCTIONS[name]
    t0 = time.perf_counter()
    value, gradients, distributions = _parts(text, vectors, matrices)
    try:
        module = generate_matrix_module(value, gradients, expression_text=text, command="bench",
                                        distributions=distributions)
        status = "ok"
    except UnstableModuleError as exc:
        module, status = None, "refused"
        print(f"  {name}: {exc}", file=sys.stderr)
    seconds = time.perf_counter() - t0
    ours: dict = {}
    if module is not None:
        exec(compile(module.source, "<bench module>", "exec"), ours)
    err_ours = _checked(ours, value, gradients, distributions) if module is not None else np.inf
    textbook = {"value": lambda **v: float(jax_value(np, v)), "gradient": lambda **v: numpy_grad(v)}
    err_numpy = _checked(textbook, value, gradients, distributions)
    jx = _jax(jax_value, _wrt(matrices))
    err_jax = np.nan if jx is None else _checked({"value": jx[0], "gradient": jx[1]}, value, gradients, distributions)
    v = _inputs(kind, 100_000, 10, np.random.default_rng(0))
    if "lambda" in text:
        v["lambda"] = 0.5
    t_ours = _time(lambda: ours["gradient"](**v)) if module is not None else np.nan
    t_numpy = _time(lambda: numpy_grad(v))
    if jx is not None:
        jx[1](**v)  # compile once
        t_jax = _time(lambda: jx[1](**v))
    else:
        t_jax = np.nan
    return status, seconds, err_ours, err_numpy, err_jax, t_ours / t_numpy, t_ours / t_jax


def main(names=None):
    names = names or list(FUNCTIONS)
    print(f"{'function':22s} {'module':8s} {'grad s':>7s} {'generated':>10s} {'NumPy':>10s} {'jax.grad':>10s} "
          f"{'/NumPy':>7s} {'/jax':>7s}")
    ratios = []
    for name in names:
        status, sec, e_ours, e_np, e_jax, r_np, r_jax = run(name)
        ratios.append(r_np)
        print(f"{name:22s} {status:8s} {sec:7.1f} {e_ours:10.3g} {e_np:10.3g} {e_jax:10.3g} {r_np:7.2f} {r_jax:7.2f}",
              flush=True)
    print(f"median time ratio against the textbook NumPy gradient: {np.median(ratios):.2f} (goal <= 1.5)")


if __name__ == "__main__":
    main(sys.argv[1:] or None)
