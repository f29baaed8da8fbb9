r"""``derive gradcheck``: compare a user's NumPy implementation of a derived result with the
generated kernel, on random and extreme inputs.

The user's code runs in a separate Python process with a time limit (it is untrusted code; the
parent never imports it); inputs and outputs travel as ``.npz`` files loaded with
``allow_pickle=False``. An output passes when every entry satisfies
:math:`|got - ref| \le \text{rtol}\,|ref| + \text{atol}\,\max|ref|` (rtol = 1e-6, atol = 1e-9:
loose enough for a naive but correct formula such as :math:`\sigma(1 - \sigma)`, whose absolute
error is below 1e-16, tight enough that a wrong sign, factor or index is an O(1) failure); a NaN,
inf, wrong shape or exception fails.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

RTOL = 1e-6
ATOL = 1e-9


@dataclass(frozen=True)
class Target:
    """What a user's function for one result id receives and must return."""

    signature: str
    make_cases: Callable[[np.random.Generator], list[tuple[str, tuple[np.ndarray, ...]]]]
    reference: Callable[..., np.ndarray]


def _vector_cases(rng):
    extreme = np.array([-745.0, -709.78, -40.0, -1e-12, 0.0, 1e-12, 40.0, 709.78, 745.0])
    return [
        ("random x ~ N(0, 1), 50 values", (rng.normal(0, 1, 50),)),
        ("random x ~ N(0, 10), 50 values", (rng.normal(0, 10, 50),)),
        ("extreme x (+-40, +-709.78, +-745, tiny)", (extreme,)),
    ]


def _binary_cases(rng):
    logits = [rng.normal(0, 1, 40), rng.normal(0, 10, 40), np.array([-745.0, -40.0, 0.0, 40.0, 709.0, 745.0])]
    return [(f"logits case {i}, targets in {{0, 1}}", (z, rng.integers(0, 2, z.size).astype(float)))
            for i, z in enumerate(logits)]


def _count_cases(rng):
    logits = [rng.normal(0, 1, 40), rng.normal(0, 3, 40), np.array([-745.0, -40.0, 0.0, 5.0, 20.0])]
    return [(f"log-rates case {i}, counts 0..20", (z, rng.integers(0, 21, z.size).astype(float)))
            for i, z in enumerate(logits)]


def _real_target_cases(rng):
    return [(f"logits case {i}", (rng.normal(0, s, 40), rng.normal(0, s, 40))) for i, s in enumerate((1.0, 100.0))]


def _logit_rows(rng):
    return [
        ("random z (8, 3) ~ N(0, 1)", rng.normal(0, 1, (8, 3))),
        ("random z (5, 10) ~ N(0, 10)", rng.normal(0, 10, (5, 10))),
        ("extreme z: 1000 apart, +-745", np.array([[1000.0, 0.0, -1000.0], [745.0, -745.0, 0.0], [0.0, -62.0, -40.0]])),
    ]


def _class_cases(rng):
    return [(name, (z, rng.integers(0, z.shape[1], z.shape[0]))) for name, z in _logit_rows(rng)]


def _jacobian_cases(rng):
    return [(f"{name}, row 0", (z[0],)) for name, z in _logit_rows(rng)]


def _design_cases(rng, targets, k=None):
    cases = []
    for i, (n, d, s) in enumerate(((20, 3, 1.0), (15, 4, 5.0))):
        x = rng.normal(0, s, (n, d))
        w = rng.normal(0, 1, (d,) if k is None else (d, k))
        cases.append((f"X ({n}, {d}) ~ N(0, {s}), weights ~ N(0, 1)", (x, w, targets(rng, n))))
    return cases


def _kernels():
    import numeric.kernels as K

    return K


def _softmax_jacobian(z):
    return _kernels().softmax_jacobian(z)


def _weight_gradient(logit_grad, multiclass=False):
    def reference(x, w, t):
        return x.T @ logit_grad(x @ w, t)

    return reference


TARGETS: dict[str, Target] = {}


def _register():
    K = _kernels()
    elementwise = {
        "sigmoid.derivative": K.sigmoid_derivative,
        "sigmoid.derivative_stable": K.sigmoid_derivative,
        "sigmoid.tanh_derivative": K.tanh_derivative,
    }
    for rid, ref in elementwise.items():
        TARGETS[rid] = Target("f(x: ndarray (N,)) -> ndarray (N,)", _vector_cases, ref)
    jac = Target("f(z: ndarray (K,)) -> ndarray (K, K), entry [i, j] = dy_i/dz_j", _jacobian_cases, _softmax_jacobian)
    TARGETS["softmax.jacobian"] = jac
    TARGETS["softmax.jacobian_matrix"] = jac
    ce = Target("f(z: ndarray (N, K) logits, t: ndarray (N,) int classes) -> ndarray (N, K)",
                _class_cases, K.categorical_nll_grad)
    TARGETS["softmax.ce_gradient"] = ce
    TARGETS["glm.multiclass.logit_gradient"] = ce
    logit = "f(ybar: ndarray (N,) logits, t: ndarray (N,) targets) -> ndarray (N,)"
    TARGETS["glm.logistic.logit_gradient"] = Target(logit, _binary_cases, K.bernoulli_nll_grad)
    TARGETS["glm.linear.logit_gradient"] = Target(logit, _real_target_cases, K.gaussian_nll_grad)
    TARGETS["glm.poisson.logit_gradient"] = Target(logit, _count_cases, K.poisson_nll_grad)
    weights = ("f(X: ndarray (N, D), w: ndarray (D,), t: ndarray (N,)) -> ndarray (D,), "
               "the gradient of the summed NLL (no mean)")
    TARGETS["glm.logistic.gradient"] = Target(
        weights, lambda rng: _design_cases(rng, lambda r, n: r.integers(0, 2, n).astype(float)),
        _weight_gradient(K.bernoulli_nll_grad))
    TARGETS["glm.linear.gradient"] = Target(
        weights, lambda rng: _design_cases(rng, lambda r, n: r.normal(0, 1, n)), _weight_gradient(K.gaussian_nll_grad))
    TARGETS["glm.poisson.gradient"] = Target(
        weights, lambda rng: _design_cases(rng, lambda r, n: r.integers(0, 6, n).astype(float)),
        _weight_gradient(K.poisson_nll_grad))
    TARGETS["glm.multiclass.gradient"] = Target(
        "f(X: ndarray (N, D), W: ndarray (D, K), t: ndarray (N,) int classes) -> ndarray (D, K), "
        "the gradient of the summed NLL (no mean)",
        lambda rng: _design_cases(rng, lambda r, n: r.integers(0, 3, n), k=3),
        _weight_gradient(K.categorical_nll_grad))


_register()

_RUNNER = r"""
import importlib.util, sys
import numpy as np
path, name, inputs, outputs = sys.argv[1:5]
sys.path.insert(0, str(__import__("pathlib").Path(path).parent))
spec = importlib.util.spec_from_file_location("user_module", path)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
function = getattr(module, name, None)
if not callable(function):
    print(f"{path} has no function {name!r}", file=sys.stderr)
    sys.exit(3)
data = np.load(inputs, allow_pickle=False)
results = {}
for i in range(int(data["n_cases"])):
    args = [data[f"c{i}_a{j}"] for j in range(int(data[f"c{i}_nargs"]))]
    names = [str(n) for n in data[f"c{i}_names"]] if f"c{i}_names" in data.files else None
    try:
        with np.errstate(all="ignore"):
            out = function(**dict(zip(names, args))) if names else function(*args)
            results[f"r{i}"] = np.asarray(out, dtype=np.float64)
    except Exception as exc:
        results[f"e{i}"] = np.array(f"{type(exc).__name__}: {exc}"[:500])
np.savez(outputs, **results)
"""


class GradcheckError(Exception):
    """The check could not run (bad file, missing function, timeout): not a verdict."""


@dataclass
class CaseResult:
    name: str
    inputs: tuple
    passed: bool
    max_abs: float
    max_rel: float
    message: str = ""
    worst: str = ""


def _run_user(path: Path, function: str, cases, timeout: float, names: list[str] | None = None):
    with tempfile.TemporaryDirectory(prefix="derive-gradcheck-") as tmp:
        inputs, outputs = Path(tmp) / "in.npz", Path(tmp) / "out.npz"
        arrays = {"n_cases": np.array(len(cases))}
        for i, (_, args) in enumerate(cases):
            arrays[f"c{i}_nargs"] = np.array(len(args))
            if names is not None:
                arrays[f"c{i}_names"] = np.array(names)
            for j, a in enumerate(args):
                arrays[f"c{i}_a{j}"] = np.asarray(a)
        np.savez(inputs, **arrays)
        try:
            proc = subprocess.run(
                [sys.executable, "-c", _RUNNER, str(path), function, str(inputs), str(outputs)],
                capture_output=True, text=True, timeout=timeout, cwd=path.parent,
            )
        except subprocess.TimeoutExpired:
            raise GradcheckError(f"{path.name}:{function} did not finish within {timeout:g} s (killed)") from None
        if proc.returncode != 0 or not outputs.exists():
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
            raise GradcheckError(f"running {path.name}:{function} failed:\n  " + "\n  ".join(tail))
        with np.load(outputs, allow_pickle=False) as out:
            return {k: out[k] for k in out.files}


def _format_input(args, index, shape):
    """The inputs at the worst entry: the matching entry of inputs shaped like the output, the
    whole (abbreviated) array otherwise."""
    parts = []
    for a in args:
        a = np.asarray(a)
        if a.shape == shape:
            parts.append(f"{a[index]:.17g}")
        else:
            parts.append(np.array2string(a, precision=6, threshold=8, edgeitems=2).replace("\n", ""))
    return ", ".join(parts)


def compare(got, ref, args) -> tuple[bool, float, float, str, str]:
    """(passed, max abs error, max rel error, message, worst input)."""
    got, ref = np.asarray(got, dtype=float), np.asarray(ref, dtype=float)
    if got.shape != ref.shape:
        return False, np.inf, np.inf, f"shape {got.shape}, expected {ref.shape}", ""
    if got.size == 0:
        return True, 0.0, 0.0, "", ""
    bad = ~np.isfinite(got)
    with np.errstate(over="ignore", invalid="ignore"):  # huge errors are inf, as they should be
        diff = np.where(bad, np.inf, np.abs(got - ref))
        scale = np.max(np.abs(ref))
        rel = diff / np.maximum(np.abs(ref), np.finfo(float).tiny)
        allowed = RTOL * np.abs(ref) + ATOL * scale
        failing = diff > allowed
        worst = np.unravel_index(np.argmax(np.where(failing, diff / np.maximum(allowed, 1e-300), diff)), got.shape)
    message = "NaN/inf in the output" if bad.any() else ""
    where = f"entry {tuple(int(i) for i in worst)}: got {got[worst]:.17g}, expected {ref[worst]:.17g}; input: " \
            + _format_input(args, worst, got.shape)
    return not failing.any(), float(diff.max()), float(rel.max()), message, where


def gradcheck(path: Path, function: str, result_id: str, *, timeout: float = 30.0, seed: int = 0) -> list[CaseResult]:
    target = TARGETS.get(result_id)
    if target is None:
        raise KeyError(result_id)
    cases = target.make_cases(np.random.default_rng(seed))
    outputs = _run_user(path, function, cases, timeout)
    results = []
    for i, (name, args) in enumerate(cases):
        ref = target.reference(*args)
        if f"e{i}" in outputs:
            results.append(CaseResult(name, args, False, np.inf, np.inf, f"raised {outputs[f'e{i}']}"))
            continue
        passed, max_abs, max_rel, message, worst = compare(outputs[f"r{i}"], ref, args)
        results.append(CaseResult(name, args, passed, max_abs, max_rel, message, worst))
    return results


# --- any expression: derive gradcheck FILE.py:FUNC --expr EXPR --wrt VAR -----------------------


@dataclass
class ExpressionTarget:
    """The derived gradient of a user's expression: what FUNC receives and must return."""

    expr: object  # sympy expression
    wrt: list  # sympy symbols, in --wrt order
    symbols: list  # all variables, sorted by name
    gradients: list  # d expr / d wrt, sympy

    @property
    def signature(self) -> str:
        kw = ", ".join(f"{s.name}=ndarray (N,)" for s in self.symbols)
        out = ("ndarray (N,), d/d" + self.wrt[0].name if len(self.wrt) == 1 else
               "tuple (" + ", ".join(f"d/d{s.name}" for s in self.wrt) + "), each ndarray (N,)")
        return f"f({kw}) -> {out} (called with keyword arguments)"


def expression_target(text: str, wrt: list[str]) -> ExpressionTarget:
    """The gradient of ``text`` (untrusted: the language of ``derive grad``) by each of ``wrt``,
    as ``derive grad`` derives and proves it.

    Raises :class:`derive.differentiate.GradError` (a ValueError) for a bad expression or a
    variable that is not in it, :class:`derive.derivation.ProofError` if a step fails its proof.
    """
    from derive.differentiate import grad
    from derive.differentiate.functions import for_codegen

    derivation = grad(text, wrt)
    if any(len(r.lhs.variables) != 1 or not r.lhs.variables[0].is_Symbol for r in derivation.results):
        raise ValueError("--expr takes scalar variables (index notation is not checked yet)")
    expr = for_codegen(derivation.steps[0].lhs.expr)
    variables = [r.lhs.variables[0] for r in derivation.results]
    symbols = sorted(expr.free_symbols, key=lambda s: s.name)
    return ExpressionTarget(expr, variables, symbols, [for_codegen(r.expr) for r in derivation.results])


def _expression_cases(target: ExpressionTarget, rng):
    from derive.codegen.user_accuracy import EXTREMES

    n = len(target.symbols)
    grid = rng.choice(np.array(EXTREMES), size=(60, n))
    if n == 1:
        grid = np.array(EXTREMES)[:, None]
    return [
        ("random values ~ N(0, 1), 50 points", rng.normal(0.0, 1.0, (50, n))),
        ("random values ~ N(0, 10), 50 points", rng.normal(0.0, 10.0, (50, n))),
        ("extreme values (0, +-1e-10, +-1, +-40, +-720, +-745)", grid),
    ]


def gradcheck_expression(path: Path, function: str, target: ExpressionTarget, *, timeout: float = 30.0,
                         seed: int = 0) -> list[CaseResult]:
    """Run FUNC on random and extreme inputs (keyword arguments named after the variables) and
    compare it with the derived gradient evaluated exactly (mpmath, precision raised until stable);
    points outside the expression's domain, or where the gradient overflows, are left out."""
    from derive.codegen.user_accuracy import Truth

    rng = np.random.default_rng(seed)
    cases = _expression_cases(target, rng)
    names = [s.name for s in target.symbols]
    outputs = _run_user(path, function, [(name, tuple(pts.T)) for name, pts in cases], timeout, names)
    truth = Truth(target.gradients, target.symbols)
    big = float(np.finfo(float).max)
    results = []
    for i, (name, pts) in enumerate(cases):
        if f"e{i}" in outputs:
            results.append(CaseResult(name, tuple(pts.T), False, np.inf, np.inf, f"raised {outputs[f'e{i}']}"))
            continue
        values = [truth.values(p) for p in pts]
        ref = np.array([[np.nan if v is None or abs(v) > big else float(v) for v in row] for row in values]).T
        keep = np.all(np.isfinite(ref), axis=0)
        got = np.asarray(outputs[f"r{i}"], dtype=float)
        if len(target.wrt) == 1:
            ref = ref[0]
            got_kept = got[keep] if got.shape == ref.shape else got
            ref_kept = ref[keep]
        else:
            got_kept = got[:, keep] if got.shape == ref.shape else got
            ref_kept = ref[:, keep]
        passed, max_abs, max_rel, message, worst = compare(got_kept, ref_kept, ())
        if worst and got_kept.shape == ref_kept.shape:
            import re

            entry = re.match(r"entry \(([0-9, ]+)\)", worst)
            if entry:
                k = int(entry.group(1).split(",")[-1] or entry.group(1).split(",")[0])
                point = pts[keep][k]
                worst = worst.split("; input:")[0] + "; input: " + ", ".join(
                    f"{n}={v:.17g}" for n, v in zip(names, point))
        results.append(CaseResult(f"{name} ({int(keep.sum())} in the domain)", tuple(pts.T), passed, max_abs,
                                  max_rel, message, worst))
    return results
