r"""``derive gradcheck FILE.py:FUNC --expr EXPR --matrix X --vector w,t --wrt w``: a user's gradient
code for a matrix expression, checked against the derived gradient evaluated exactly.

FUNC is called (in a separate process, with a time limit: :func:`derive.codegen.gradcheck._run_user`)
with keyword arguments named after the expression's variables: vectors of shape (n,), matrices
(rows, cols), scalars as 0-d arrays; it returns :math:`\nabla_w f` shaped like ``w``. The inputs
are drawn as in the accuracy check of the generated modules (:mod:`derive.codegen.matrix_accuracy`:
random sizes 2..4; normal, tiny and extreme entries); the reference is every entry of the proved
matrix-form gradient written out in index form and evaluated in mpmath (precision raised until
stable). Inputs where the gradient is not a finite double are left out. The tolerance is that of
``--against`` (:func:`derive.codegen.gradcheck.compare`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sympy as sp

from derive.codegen.gradcheck import CaseResult, _run_user, compare

#: Points per draw of sizes, and the kinds of input they are (matrix_accuracy._sample's modes).
MODES = ((0, "entries ~ N(0, 1)"), (1, "entries ~ N(0, 3)"), (2, "one variable from the extremes"),
         (4, "one variable tiny (1e-10 scale)"))
SIZE_DRAWS = 3


@dataclass
class MatrixExpressionTarget:
    """The derived gradient of a matrix expression by one variable."""

    value: object  # matrix-form value
    variable: object  # the MV leaf (or scalar symbol) of --wrt
    gradient: object  # matrix-form gradient
    leaves: list
    scalars: list

    @property
    def signature(self) -> str:
        from derive.codegen.matrix_accuracy import _name

        def shape(v):
            rows, cols = v.args[1:]
            return f"ndarray ({rows},)" if cols == 1 else f"ndarray ({rows}, {cols})"

        kw = [f"{_name(v)}={shape(v)}" for v in self.leaves] + [f"{s.name}=float" for s in self.scalars]
        out = shape(self.variable) if hasattr(self.variable, "args") and len(self.variable.args) == 3 else "float"
        return f"f({', '.join(kw)}) -> {out}, d/d{_name(self.variable)} (called with keyword arguments)"


def matrix_expression_target(text: str, wrt: list[str], vectors: list[str], matrices: list[str]) -> MatrixExpressionTarget:
    """The proved gradient of the matrix expression ``text`` by the one variable ``wrt``.

    Raises :class:`derive.differentiate.GradError` (a ValueError) for a bad expression or variable."""
    from derive.codegen.matrix_module import matrix_variables
    from derive.differentiate import grad
    from derive.differentiate import matrix_forms as mf
    from derive.differentiate.functions import for_codegen

    if len(wrt) != 1:
        raise ValueError("with --matrix/--vector, check one --wrt at a time")
    derivation = grad(text, wrt, vectors, matrices)
    value = for_codegen(derivation.steps[0].lhs.expr)
    (result,) = derivation.results
    variables = {s.name: s for s in value.free_symbols if isinstance(s, sp.Symbol)}
    variables.update({leaf.args[0].label.name: leaf for leaf in value.atoms(mf.MV)})
    variable = variables.get(result.lhs.variables[0].name, result.lhs.variables[0])
    gradient = for_codegen(result.expr)
    all_leaves, scalars = matrix_variables(value, [(variable, gradient)])
    return MatrixExpressionTarget(value, variable, gradient, all_leaves, scalars)


def _cases(target: MatrixExpressionTarget, rng: np.random.Generator):
    """(name, layout, point) per case: random sizes, then the modes of :data:`MODES`."""
    from derive.codegen.matrix_accuracy import _Layout, _sample

    dims = sorted({d for leaf in target.leaves for d in leaf.args[1:] if d != 1}, key=str)
    out = []
    for _ in range(SIZE_DRAWS):
        layout = _Layout({d: sp.Integer(int(rng.choice((2, 3, 4)))) for d in dims}, target.leaves, target.scalars)
        sizes = ", ".join(f"{d} = {v}" for d, v in layout.sizes.items())
        for mode, what in MODES:
            out.append((f"{sizes}: {what}", layout, _sample(rng, layout, target.leaves, target.scalars, (), mode)))
    return out


def gradcheck_matrix_expression(path: Path, function: str, target: MatrixExpressionTarget, *,
                                timeout: float = 30.0, seed: int = 0) -> list[CaseResult]:
    """Run FUNC on each case and compare it with the exact gradient (module docstring)."""
    from derive.codegen.matrix_accuracy import _arguments, _flat, _name
    from derive.codegen.user_accuracy import Truth

    cases = _cases(target, np.random.default_rng(seed))
    names = [_name(v) for v in target.leaves] + [s.name for s in target.scalars]
    calls = [(name, tuple(np.asarray(_arguments(point, target.leaves)[n]) for n in names))
             for name, _, point in cases]
    outputs = _run_user(path, function, calls, timeout, names)
    big = float(np.finfo(float).max)
    truths: dict = {}  # one per draw of sizes (the cases of a draw share its layout)
    results = []
    for i, (name, layout, point) in enumerate(cases):
        args = calls[i][1]
        if f"e{i}" in outputs:
            results.append(CaseResult(name, args, False, np.inf, np.inf, f"raised {outputs[f'e{i}']}"))
            continue
        if id(layout) not in truths:
            truths[id(layout)] = Truth(layout.entries_of(target.gradient, target.variable), layout.symbols)
        values = truths[id(layout)].values(_flat(point, layout, target.leaves, target.scalars))
        if any(v is None or abs(v) > big for v in values):
            results.append(CaseResult(name + " (outside the domain: left out)", args, True, 0.0, 0.0))
            continue
        wanted = np.shape(_arguments(point, target.leaves).get(_name(target.variable), 0.0))
        ref = np.array([float(v) for v in values]).reshape(wanted)
        passed, max_abs, max_rel, message, worst = compare(outputs[f"r{i}"], ref, ())
        if worst:
            worst = worst.split("; input:")[0] + "; input: " + ", ".join(
                f"{n}={np.array2string(np.asarray(a), precision=17, separator=', ', max_line_width=10**6)}"
                for n, a in zip(names, args))
        results.append(CaseResult(name, args, passed, max_abs, max_rel, message, worst))
    return results
