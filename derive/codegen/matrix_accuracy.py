r"""The accuracy check of a generated matrix module, run before it is written.

For a few random concrete sizes (each dimension 2..4) the exact value and every entry of each
gradient are written out in index form (:func:`derive.differentiate.matrix_forms.index_form`,
the sums expanded, entries as symbols) and evaluated in mpmath with
:class:`derive.codegen.user_accuracy.Truth` (precision raised until stable). The error measure,
the threshold and the condition-number scaling are those of :mod:`derive.codegen.user_accuracy`,
entry by entry.

Inputs tried, per size: all entries normal (scales 1 and 3); one variable with entries from the
extremes (0, ±1e-10, ±1, ±40, ±720, ±745) or uniform on [-30, 30] or tiny (1e-10 scale), the
others normal; every variable from the extremes. A vector the derivation assumed to be a
distribution (a matrix: each row) is drawn one-hot or from a flat or peaked Dirichlet instead.
Where the exact value overflows a double, the gradient is not compared (counted as outside the
domain): an entry such as :math:`(X^T e^{Xw})_j` with :math:`X_{nj} = 0` is :math:`\infty \cdot 0`
in any double formula. Each gradient (every entry) is also compared with fourth-order central
differences of the generated ``value`` at moderate points.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from derive.codegen.user_accuracy import _MAX, EXTREMES, FD_TOLERANCE, THRESHOLD, AccuracyReport, Truth, Worst, check_output
from derive.codegen.vector_accuracy import _merge
from derive.differentiate import matrix_forms as mf

SIZES = (2, 3, 4)
SIZE_DRAWS = 3


def _name(variable) -> str:
    return variable.args[0].label.name if isinstance(variable, mf.MV) else variable.name


class _Layout:
    """One draw of concrete sizes: an entry symbol per entry of each leaf, then the scalars."""

    def __init__(self, sizes: dict, leaves, scalars):
        self.sizes = sizes
        self.shapes = {leaf: tuple(int(d.xreplace(sizes)) for d in leaf.args[1:]) for leaf in leaves}
        self.entries = {}
        for leaf, (rows, cols) in self.shapes.items():
            name = _name(leaf)
            self.entries[leaf] = [[sp.Symbol(f"{name}_{r + 1}" + (f"_{c + 1}" if cols > 1 else ""), real=True)
                                   for c in range(cols)] for r in range(rows)]
        self.symbols = [s for leaf in leaves for row in self.entries[leaf] for s in row] + list(scalars)

    def concrete(self, expr: sp.Basic) -> sp.Basic:
        """A scalar-valued expression at these sizes: index form, sums written out, entries as symbols."""
        e = mf.index_form(expr).xreplace(self.sizes).doit()
        by_base = {leaf.args[0]: self.entries[leaf] for leaf in self.entries}

        def entry(a):
            rows = by_base[a.base]
            r = int(a.indices[0]) - 1
            c = int(a.indices[1]) - 1 if len(a.indices) == 2 else 0
            return rows[r][c]

        return e.replace(lambda a: isinstance(a, sp.Indexed) and a.base in by_base, entry)

    def entries_of(self, gradient: sp.Basic, variable) -> list[sp.Basic]:
        """Every entry of a gradient (row-major), or the gradient itself if it is a scalar."""
        if not isinstance(variable, mf.MV):
            return [self.concrete(gradient)]
        rows, cols = self.shapes[variable]
        if cols == 1:
            return [self.concrete(mf.MatrixEntry(gradient, sp.Integer(r))) for r in range(1, rows + 1)]
        return [self.concrete(mf.MatrixEntry(gradient, sp.Integer(r), sp.Integer(c)))
                for r in range(1, rows + 1) for c in range(1, cols + 1)]


def _distribution(rng: np.random.Generator, rows: int, cols: int) -> np.ndarray:
    """A vector (rows, 1) on the simplex, or each row of a matrix: one-hot, flat or peaked Dirichlet."""
    n, k = (1, rows) if cols == 1 else (rows, cols)
    kind = rng.integers(3)
    if kind == 0:
        out = np.eye(k)[rng.integers(0, k, n)]
    else:
        out = rng.dirichlet(np.full(k, 1.0 if kind == 1 else 0.05), n)
        out = np.where(out < 1e-300, 0.0, out)
        out = out / out.sum(axis=1, keepdims=True)
    return out.reshape(rows, cols) if cols > 1 else out.reshape(rows, 1)


def _sample(rng: np.random.Generator, layout: _Layout, leaves, scalars, distributions, mode: int) -> dict:
    """One point: variable name -> array (rows, cols) or float; ``mode`` picks the kind (module docstring)."""
    out = {}
    special = rng.integers(len(leaves) + len(scalars))
    for n, leaf in enumerate(leaves):
        rows, cols = layout.shapes[leaf]
        if _name(leaf) in distributions:
            out[_name(leaf)] = _distribution(rng, rows, cols)
            continue
        if mode == 5 or (mode == 2 and n == special):
            a = rng.choice(np.array(EXTREMES), (rows, cols))
        elif mode == 3 and n == special:
            a = rng.uniform(-30.0, 30.0, (rows, cols))
        elif mode == 4 and n == special:
            a = 1e-10 * rng.normal(0.0, 1.0, (rows, cols))
        else:
            a = rng.normal(0.0, 3.0 if mode == 1 else 1.0, (rows, cols))
        out[_name(leaf)] = a
    for n, s in enumerate(scalars):
        extreme = mode == 5 or (mode == 2 and n + len(leaves) == special)
        out[s.name] = float(rng.choice(np.array(EXTREMES))) if extreme else float(rng.normal(0.0, 3.0))
    return out


def _flat(point: dict, layout: _Layout, leaves, scalars) -> list[float]:
    values = [float(v) for leaf in leaves for v in np.ravel(point[_name(leaf)])]
    return values + [point[s.name] for s in scalars]


def _arguments(point: dict, leaves) -> dict:
    """The keyword arguments of the module: vectors as shape (n,), as a user passes them."""
    out = dict(point)
    for leaf in leaves:
        if leaf.args[2] == 1:
            out[_name(leaf)] = point[_name(leaf)].reshape(-1)
    return out


def check_matrix_module(namespace: dict, value_expr: sp.Basic, gradients, leaves, scalars, distributions=(), *,
                        seed: int = 20261130, per_draw: int = 24, threshold: float = THRESHOLD) -> AccuracyReport:
    """Check the module loaded into ``namespace`` against the exact expressions; see the module
    docstring. ``gradients``: (variable, exact gradient) pairs in --wrt order."""
    rng = np.random.default_rng(seed)
    dims = sorted({d for leaf in leaves for d in leaf.args[1:] if d != 1}, key=str)
    worst_value = Worst("value")
    worst_grads = [Worst(f"d/d{_name(w)}") for w, _ in gradients]
    fd = Worst("finite differences")
    n_points, outside = 0, 0
    for _ in range(SIZE_DRAWS):
        layout = _Layout({d: sp.Integer(int(rng.choice(SIZES))) for d in dims}, leaves, scalars)
        per_output = [[layout.concrete(value_expr)]] + [layout.entries_of(g, w) for w, g in gradients]
        exprs = [e for group in per_output for e in group]
        exact = set()
        for leaf in leaves:
            if _name(leaf) in distributions:
                exact |= {layout.symbols.index(s) for row in layout.entries[leaf] for s in row}
        truth = Truth(exprs, layout.symbols, exact)
        points = [_sample(rng, layout, leaves, scalars, distributions, m % 6) for m in range(per_draw)]
        pts = np.array([_flat(p, layout, leaves, scalars) for p in points])
        values = [truth.values(p) for p in pts]
        # where the value itself overflows a double, its gradient is left out too: X^T e^{Xw} at
        # such a point is inf * 0 = NaN in any double formula, however exact its other entries
        values = [[v[0]] + [None] * (len(v) - 1) if v[0] is not None and abs(v[0]) > _MAX else v for v in values]
        computed = [[namespace["value"](**_arguments(p, leaves))] for p in points]
        for p, row in zip(points, computed):
            grads = namespace["gradient"](**_arguments(p, leaves))
            grads = [grads] if len(gradients) == 1 else list(grads)
            row.extend(float(x) for g in grads for x in np.ravel(g))
        computed = np.array(computed)
        owners = [worst_value] + [w for w, group in zip(worst_grads, per_output[1:]) for _ in group]
        for k, into in enumerate(owners):
            w, out = check_output(into.output, truth, computed[:, k], pts, layout.symbols, threshold,
                                  [v[k] for v in values], k)
            _merge(into, w)
            outside = max(outside, out)
        n_points += len(points)
        _merge(fd, _finite_differences(namespace, gradients, layout, leaves, scalars, distributions, rng))
    return AccuracyReport([worst_value, *worst_grads], fd, n_points, outside, threshold)


def _finite_differences(namespace, gradients, layout, leaves, scalars, distributions, rng, n: int = 6) -> Worst:
    """Every entry of each gradient against fourth-order central differences of ``value``."""
    worst = Worst("finite differences")
    value, gradient = namespace["value"], namespace["gradient"]
    for _ in range(n):
        point = _sample(rng, layout, leaves, scalars, distributions, 0)
        kwargs = _arguments(point, leaves)
        with np.errstate(all="ignore"):
            grads = gradient(**kwargs)
        grads = [grads] if len(gradients) == 1 else list(grads)
        for (w, _), g in zip(gradients, grads):
            name = _name(w)
            x = np.asarray(point[name], dtype=float)
            g = np.ravel(np.asarray(g, dtype=float))
            for m in range(x.size):
                best, fd_first = np.inf, np.nan
                for step in (1e-3, 1e-4, 1e-5):
                    h = step * max(1.0, abs(float(x.flat[m])))

                    def at(k):
                        shifted = x.copy()
                        shifted.flat[m] += k * h
                        return value(**_arguments({**point, name: shifted}, leaves))

                    f1, f_1, f2, f_2 = at(1), at(-1), at(2), at(-2)
                    d = (8.0 * (f1 - f_1) - (f2 - f_2)) / (12.0 * h)
                    allowed = FD_TOLERANCE * abs(g[m]) + 1e-13 * max(abs(f1), abs(f_1), abs(f2), abs(f_2)) / h + 1e-300
                    ratio = abs(d - g[m]) / allowed if np.isfinite(d) else np.inf
                    if ratio < best:
                        best, fd_first = ratio, d
                rel = float(abs(fd_first - g[m]) / max(abs(g[m]), 1e-300))
                if best > 1.0 or rel > worst.relative:
                    worst.relative = max(worst.relative, rel)
                    worst.point = {k: np.round(np.asarray(v, dtype=float), 6).tolist() for k, v in point.items()}
                    worst.computed, worst.truth = float(g[m]), float(fd_first)
                if best > 1.0 and not worst.failure:
                    worst.failure = (f"entry {m + 1} of d/d{name} = {g[m]!r} but the finite difference of value "
                                     f"is {fd_first!r}")
    return worst
