r"""The accuracy check of a generated vector module (index notation), run before it is written.

For each length K = 2..6 the exact value and every entry of the gradient are written out for
that K (the sums expanded, softmax and logsumexp by their definitions) and evaluated in mpmath
with :class:`derive.codegen.user_accuracy.Truth` (precision raised until stable). The error
measure, the threshold and the condition-number scaling are those of
:mod:`derive.codegen.user_accuracy`.

Vectors tried: entries from the extremes (0, ±1e-10, ±1, ±40, ±720, ±745), normal (scales 1 and
10), uniform on [-800, 800], spread (-745..745 evenly), one dominant entry (745 among moderate
ones), all equal. A vector the derivation assumed to be a distribution is drawn on the simplex
instead: one-hot, flat Dirichlet, and peaked Dirichlet (concentration 0.05), normalised in
doubles. In the condition term of the error measure, an entry of a distribution that is exactly
0 or 1 (a one-hot label) counts as exact. The gradient (every entry) is compared with fourth-order central differences of the
generated ``value`` at moderate points.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from derive.codegen.user_accuracy import EXTREMES, FD_TOLERANCE, THRESHOLD, AccuracyReport, Truth, Worst, check_output
from derive.codegen.vector_rules import expand_vector_notation
from derive.notation import K

SIZES = (2, 3, 4, 5, 6)


def _vector_samples(rng: np.random.Generator, k: int, distribution: bool, n: int) -> np.ndarray:
    """(n, k) vectors: see the module docstring."""
    if distribution:
        hot = np.eye(k)[rng.integers(0, k, n // 3)]
        flat = rng.dirichlet(np.ones(k), n // 3)
        peaked = rng.dirichlet(np.full(k, 0.05), n - 2 * (n // 3))
        out = np.concatenate([hot, flat, peaked])
        out = np.where(out < 1e-300, 0.0, out)
        return out / out.sum(axis=1, keepdims=True)
    spread = np.linspace(-745.0, 745.0, k)
    dominant = np.concatenate([[745.0], rng.normal(0.0, 3.0, k - 1)])
    kinds = [
        lambda: rng.choice(np.array(EXTREMES), k),
        lambda: rng.normal(0.0, 1.0, k),
        lambda: rng.normal(0.0, 10.0, k),
        lambda: rng.uniform(-800.0, 800.0, k),
        lambda: rng.permutation(spread),
        lambda: rng.permutation(dominant),
        lambda: np.full(k, rng.choice(np.array(EXTREMES))),
        lambda: rng.choice(np.array(EXTREMES), k),
    ]
    return np.array([kinds[i % len(kinds)]() for i in range(n)])


def _scalar_samples(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.where(rng.random(n) < 0.5, rng.choice(np.array(EXTREMES), n), rng.normal(0.0, 3.0, n))


class _Layout:
    """The flat symbols of one length K: entry symbols of each vector, then the scalars."""

    def __init__(self, k: int, vectors, scalars):
        self.k = k
        self.entries = {b: [sp.Symbol(f"{b.label.name}_{i}", real=True) for i in range(1, k + 1)] for b in vectors}
        self.symbols = [s for b in vectors for s in self.entries[b]] + list(scalars)

    def concrete(self, expr: sp.Basic, index=None, value: int | None = None) -> sp.Basic:
        """``expr`` for this K (and the free index = ``value``), sums written out, entries as symbols."""
        e = expand_vector_notation(expr).xreplace({K: sp.Integer(self.k)})
        if index is not None:
            e = e.xreplace({index: sp.Integer(value)})
        e = e.doit()
        return e.replace(lambda a: isinstance(a, sp.Indexed),
                         lambda a: self.entries[a.base][int(a.indices[0]) - 1])


def check_vector_module(namespace: dict, value_expr: sp.Basic, gradient_expr: sp.Basic, wrt: sp.Indexed, vectors,
                        scalars, distributions=(), *, seed: int = 20261130, per_size: int = 32,
                        threshold: float = THRESHOLD) -> AccuracyReport:
    """Check the module loaded into ``namespace`` against the exact expressions; see the module
    docstring."""
    rng = np.random.default_rng(seed)
    (index,) = wrt.indices
    worst_value, worst_grad = Worst("value"), Worst(f"d/d{wrt.base.label.name}_j")
    fd = Worst("finite differences")
    n_points, outside = 0, 0
    for k in SIZES:
        layout = _Layout(k, vectors, scalars)
        arrays = {b: _vector_samples(rng, k, b in distributions, per_size) for b in vectors}
        scalar_values = {s: _scalar_samples(rng, per_size) for s in scalars}
        kwargs = {b.label.name: arrays[b] for b in vectors} | {s.name: scalar_values[s] for s in scalars}
        pts = np.concatenate([arrays[b] for b in vectors] + [scalar_values[s][:, None] for s in scalars], axis=1)
        exprs = [layout.concrete(value_expr)] + [layout.concrete(gradient_expr, index, j) for j in range(1, k + 1)]
        exact = [n for n, sym in enumerate(layout.symbols)
                 if any(sym in layout.entries.get(b, ()) for b in distributions)]
        truth = Truth(exprs, layout.symbols, exact)
        values = [truth.values(p) for p in pts]
        computed_value = namespace["value"](**kwargs)
        computed_grad = namespace["gradient"](**kwargs)
        w, out = check_output("value", truth, computed_value, pts, layout.symbols, threshold,
                              [v[0] for v in values], 0)
        _merge(worst_value, w)
        outside = max(outside, out)
        for j in range(k):
            w, out = check_output(worst_grad.output, truth, computed_grad[:, j], pts, layout.symbols, threshold,
                                  [v[j + 1] for v in values], j + 1)
            _merge(worst_grad, w)
        n_points += len(pts)
        _merge(fd, _finite_differences(namespace, wrt, vectors, scalars, distributions, k, rng))
    return AccuracyReport([worst_value, worst_grad], fd, n_points, outside, threshold)


def _merge(into: Worst, w: Worst) -> None:
    """Keep the worse of ``into`` and ``w`` in ``into`` (a failure first)."""
    into.ulps = max(into.ulps, w.ulps)
    into.relative = max(into.relative, w.relative)
    if into.failure:
        return
    if w.failure or w.checked > into.checked or (not into.point and w.point):
        name = into.output
        into.__dict__.update({key: v for key, v in w.__dict__.items() if key not in ("relative", "ulps")})
        into.output = name


def _finite_differences(namespace, wrt, vectors, scalars, distributions, k, rng, n: int = 16) -> Worst:
    """Every entry of the gradient against fourth-order central differences of ``value``."""
    worst = Worst("finite differences")
    value, gradient = namespace["value"], namespace["gradient"]
    arrays = {b: (_vector_samples(rng, k, True, n) if b in distributions else rng.normal(0.0, 2.0, (n, k)))
              for b in vectors}
    kwargs = {b.label.name: arrays[b] for b in vectors} | {s.name: rng.normal(0.0, 1.0, n) for s in scalars}
    name = wrt.base.label.name
    with np.errstate(all="ignore"):
        g = np.asarray(gradient(**kwargs), dtype=float)
        x = arrays[wrt.base]
        for j in range(k):
            best = np.full(n, np.inf)
            for step in (1e-3, 1e-4, 1e-5):
                h = step * np.maximum(1.0, np.abs(x[:, j]))

                def at(m):
                    shifted = x.copy()
                    shifted[:, j] += m * h
                    return value(**(kwargs | {name: shifted}))

                f1, f_1, f2, f_2 = at(1), at(-1), at(2), at(-2)
                fd = (8.0 * (f1 - f_1) - (f2 - f_2)) / (12.0 * h)
                scale = np.maximum.reduce([np.abs(f1), np.abs(f_1), np.abs(f2), np.abs(f_2)])
                allowed = FD_TOLERANCE * np.abs(g[:, j]) + 1e-13 * scale / h + 1e-300
                ratio = np.where(np.isfinite(fd), np.abs(fd - g[:, j]) / allowed, np.inf)
                best = np.minimum(best, ratio)
                if step == 1e-3:
                    fd_first = fd
            m = int(np.argmax(best))
            rel = float(abs(fd_first[m] - g[m, j]) / max(abs(g[m, j]), 1e-300))
            if best[m] > 1.0 or rel > worst.relative:
                worst.relative = max(worst.relative, rel)
                worst.point = {f"{b.label.name}": arrays[b][m].tolist() for b in vectors}
                worst.point |= {s.name: float(kwargs[s.name][m]) for s in scalars}
                worst.computed, worst.truth = float(g[m, j]), float(fd_first[m])
            if best[m] > 1.0 and not worst.failure:
                worst.failure = (f"d/d{name}_{j + 1} = {g[m, j]!r} but the finite difference of value is "
                                 f"{fd_first[m]!r}")
    return worst
