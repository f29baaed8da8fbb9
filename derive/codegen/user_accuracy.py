r"""The accuracy check of a generated user module, run before the module is written.

The truth is the user's exact expression (and each derived gradient), notation expanded to its
definition, evaluated in mpmath at a precision raised until two evaluations agree: the start
precision grows with the size of the inputs (a cancellation such as
:math:`\log(1 + e^{-745})` needs 330 digits), and it is doubled until the value is stable.

Points: every combination of the extreme values (0, ±1e-10, ±1, ±40, ±720, ±745; -720 and
-745 make outputs such as :math:`e^{x}` subnormal), sampled when there are too many, and random
points (normal with scales 1 and 10, uniform on [-800, 800]). Points where the truth is not a
finite real number (outside the domain) are left out.

Error at a point, for a computed :math:`c` and truth :math:`t`:

* :math:`c` NaN or inf while :math:`t` is a finite double: failure.
* the relative error :math:`|c - t| / \max(|t|, \text{tiny})` (tiny = 2.2e-308, so below the
  normal range it is the absolute error over tiny); reported as it is, and in ulps;
* the *checked* error :math:`|c - t| / \max(|t|, C, \text{tiny})` with the condition term
  :math:`C = \sum_i |x_i\, \partial t / \partial x_i|`, which is what a relative change of
  1e-16 in the inputs alone changes the result by (computed only where the relative error is
  over the threshold): near a root of a sum such as :math:`e^x - t`, no formula in doubles is
  relatively accurate, and such a point is not held against the module.

The gradient is also compared with central finite differences of the generated ``value``
(fourth order, at random moderate points), which checks that the gradient belongs to the value.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import mpmath
import numpy as np
import sympy as sp

#: A module whose checked error exceeds this (or gives NaN/inf for a finite truth) is refused.
THRESHOLD = 1e-10
#: Finite differences must match the gradient to this relative tolerance (plus rounding noise).
FD_TOLERANCE = 1e-6
EXTREMES = (0.0, 1e-10, -1e-10, 1.0, -1.0, 40.0, -40.0, 720.0, -720.0, 745.0, -745.0)
_TINY = 2.2250738585072014e-308
_MAX = mpmath.mpf(np.finfo(float).max)
MAX_GRID = 400
#: The truth is never evaluated with more digits (a point needing more has a truth far below
#: the double range, where 0 is exact enough).
MAX_DIGITS = 3000


@dataclass
class Worst:
    """The worst point of one output: relative error (and in ulps), checked error, where."""

    output: str
    relative: float = 0.0
    ulps: float = 0.0
    checked: float = 0.0
    point: dict = field(default_factory=dict)
    computed: float = 0.0
    truth: float = 0.0
    failure: str = ""

    def where(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in self.point.items())


@dataclass
class AccuracyReport:
    """What the check found: per output (value, d/d each wrt) the worst point, the finite
    difference check, and the verdict."""

    outputs: list[Worst]
    finite_differences: Worst
    n_points: int
    n_outside_domain: int
    threshold: float = THRESHOLD

    @property
    def failures(self) -> list[Worst]:
        out = [w for w in self.outputs if w.failure or w.checked > self.threshold]
        if self.finite_differences.failure:
            out.append(self.finite_differences)
        return out

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def worst(self) -> Worst:
        """The failing output (or the output with the largest checked error)."""
        failures = self.failures
        if failures:
            return failures[0]
        return max(self.outputs, key=lambda w: w.checked)

    def lines(self) -> list[str]:
        """A summary for the module header and the CLI."""
        out = [f"Accuracy check: {self.n_points} points (random and extreme: 0, +-1e-10, +-1, +-40, "
               f"+-720, +-745) against mpmath; {self.n_outside_domain} outside the domain left out.",
               f"Threshold: relative error {self.threshold:g} (scaled by the condition number where the "
               "expression itself cancels); no NaN/inf where the truth is finite."]
        for w in self.outputs:
            text = (f"{w.output}: worst relative error {w.relative:.3g} ({w.ulps:.3g} ulp), "
                    f"checked error {w.checked:.3g}")
            if w.point:
                text += f" at {w.where()}"
            if w.failure:
                text += f": FAILED, {w.failure}"
            out.append(text)
        fd = self.finite_differences
        text = f"gradient vs central finite differences of value: worst relative difference {fd.relative:.3g}"
        if fd.point:
            text += f" at {fd.where()}"
        if fd.failure:
            text += f": FAILED, {fd.failure}"
        out.append(text)
        return out


def _plain(expr: sp.Basic) -> sp.Basic:
    from derive.codegen.functions import to_plain
    from derive.notation import SIGMA_DEFINITION

    return to_plain(SIGMA_DEFINITION(expr))


def points(symbols, rng: np.random.Generator, n_random: int = 240) -> np.ndarray:
    """(n, len(symbols)) inputs: combinations of the extremes, then random points."""
    n = len(symbols)
    combos = len(EXTREMES) ** n
    if combos <= MAX_GRID:
        grid = np.array(list(itertools.product(EXTREMES, repeat=n)), dtype=float)
    else:
        grid = rng.choice(np.array(EXTREMES), size=(MAX_GRID, n))
    random = np.concatenate([
        rng.normal(0.0, 1.0, (n_random // 4, n)),
        rng.normal(0.0, 10.0, (n_random // 4, n)),
        rng.uniform(-800.0, 800.0, (n_random // 4, n)),
        # one variable extreme, the others moderate
        np.where(rng.random((n_random // 4, n)) < 0.5, rng.choice(np.array(EXTREMES), (n_random // 4, n)),
                 rng.normal(0.0, 2.0, (n_random // 4, n))),
    ])
    return np.unique(np.concatenate([grid.reshape(-1, n), random]), axis=0)


class Truth:
    """Expressions evaluated exactly enough in mpmath (precision raised until stable), all of
    them at once (their common subexpressions shared)."""

    def __init__(self, exprs, symbols, exact_positions=()):
        self.symbols = list(symbols)
        #: Inputs (their positions) that are exact when 0 or 1, such as the entries of a one-hot
        #: label: no rounding of theirs excuses an error in the condition term.
        self.exact_positions = set(exact_positions)
        self.exprs = list(exprs) if isinstance(exprs, (list, tuple)) else [exprs]
        self.single = not isinstance(exprs, (list, tuple))
        self.f = sp.lambdify(self.symbols, [_plain(e) for e in self.exprs], modules="mpmath", cse=True)
        self.one = [sp.lambdify(self.symbols, _plain(e), modules="mpmath") for e in self.exprs]
        # Arguments of the exponentials: a cancellation such as 1 + tanh(v) ~ 2 e^{2v} needs about
        # |v| digits, whatever the size of the inputs.
        plain = [_plain(e) for e in self.exprs]
        args = {a.args[0] for p in plain for a in p.atoms(sp.exp, sp.tanh, sp.sinh, sp.cosh)}
        args |= {a.base for p in plain for a in p.atoms(sp.Pow) if a.base.free_symbols and a.exp.free_symbols}
        self.args = sp.lambdify(self.symbols, sorted(args, key=sp.default_sort_key), modules="mpmath") if args else None

    def start_digits(self, point) -> int:
        """Digits that keep e^{-|a|} next to 1 for every exponential's argument a at ``point``."""
        size = max((abs(float(x)) for x in point), default=0.0)
        if self.args is not None:
            with mpmath.workdps(30):
                try:
                    for a in self.args(*[mpmath.mpf(float(x)) for x in point]):
                        a = abs(mpmath.re(a))
                        if mpmath.isfinite(a):
                            size = max(size, float(a))
                except (ZeroDivisionError, ValueError, OverflowError, TypeError):
                    pass
        # tiny inputs: cosh(x) - 1 ~ x^2 / 2 needs twice their number of leading zeros
        tiny = min((abs(float(x)) for x in point if x != 0.0), default=1.0)
        zeros = max(0.0, -math.log10(tiny)) if tiny > 0 else 0.0
        return int(min(MAX_DIGITS, 30 + 0.9 * size + 2 * zeros))

    @staticmethod
    def _real(v, dps):
        if isinstance(v, mpmath.mpc):
            if abs(v.imag) > abs(v) * mpmath.mpf(10) ** (-dps // 2):
                return None
            v = v.real
        try:
            v = mpmath.mpf(v)
        except (TypeError, ValueError):
            return None
        return v if mpmath.isfinite(v) else None

    def _eval(self, point, dps):
        with mpmath.workdps(dps):
            args = [mpmath.mpf(float(x)) for x in point]
            try:
                values = self.f(*args)
            except (ZeroDivisionError, ValueError, OverflowError, TypeError):
                values = []
                for f in self.one:  # one output may be defined where another is not
                    try:
                        values.append(f(*args))
                    except (ZeroDivisionError, ValueError, OverflowError, TypeError):
                        values.append(None)
            return [None if v is None else self._real(v, dps) for v in values]

    @staticmethod
    def _stable(a, b):
        return a is None or b is None or a == b or abs(a - b) <= abs(b) * mpmath.mpf(10) ** -30

    def values(self, point) -> list:
        """The values at ``point`` (mpf; None outside the domain: complex, undefined, infinite)."""
        dps = self.start_digits(point)
        prev = self._eval(point, dps)
        for _ in range(3):
            if all(v is None for v in prev) or dps >= MAX_DIGITS:
                return prev
            dps = min(2 * dps, MAX_DIGITS)
            now = self._eval(point, dps)
            if all(self._stable(a, b) for a, b in zip(prev, now)):
                return now
            prev = now
        return prev

    def __call__(self, point):
        vals = self.values(point)
        return vals[0] if self.single else vals

    def condition_term(self, point, output: int = 0, dps=120) -> mpmath.mpf:
        r""":math:`\sum_i |x_i \partial f/\partial x_i|` by central differences in high precision."""
        f = self.one[output]
        total = mpmath.mpf(0)
        with mpmath.workdps(dps + 40):
            for i, x in enumerate(point):
                if x == 0.0 or (i in self.exact_positions and x == 1.0):
                    continue
                h = abs(mpmath.mpf(float(x))) * mpmath.mpf(10) ** (-dps // 3)
                plus = [mpmath.mpf(float(v)) for v in point]
                minus = list(plus)
                plus[i] += h
                minus[i] -= h
                try:
                    d = (f(*plus) - f(*minus)) / (2 * h)
                    total += abs(mpmath.mpf(float(x)) * mpmath.re(d))
                except (ZeroDivisionError, ValueError, OverflowError, TypeError):
                    return mpmath.inf
        return total


def _relative(c: float, t) -> tuple[float, float]:
    """(relative error, ulps) of ``c`` against ``t`` (mpf)."""
    err = abs(mpmath.mpf(c) - t)
    rel = float(err / max(abs(t), mpmath.mpf(_TINY)))
    ulp = float(err / mpmath.mpf(np.spacing(max(abs(float(t)), _TINY))))
    return rel, ulp


def check_output(name: str, truth: Truth, computed: np.ndarray, pts: np.ndarray, symbols,
                 threshold: float = THRESHOLD, values=None, output: int = 0) -> tuple[Worst, int]:
    """The worst point of output number ``output`` of ``truth`` (``values``: its precomputed
    values at ``pts``); also the number of points outside the domain."""
    worst, outside = Worst(name), 0
    if values is None:
        values = [truth.values(p)[output] for p in pts]
    for point, c, t in zip(pts, np.ravel(computed), values):
        if t is None:
            outside += 1
            continue
        where = {s.name: float(v) for s, v in zip(symbols, point)}
        c = float(c)
        if abs(t) > _MAX * (1 + mpmath.mpf(2) ** -54):  # the truth is beyond the double range
            if math.isinf(c) and (c > 0) == (t > 0) or abs(c) >= float(_MAX) * (1 - threshold):
                continue
            if not worst.failure:
                worst.failure = f"{c!r} where the truth overflows to {'+' if t > 0 else '-'}inf"
                worst.point, worst.computed, worst.truth, worst.checked = where, c, float(t), math.inf
            continue
        if not math.isfinite(c):
            if not worst.failure:
                worst.failure = f"{c!r} where the truth is {mpmath.nstr(t, 17)}"
                worst.point, worst.computed, worst.truth, worst.checked = where, c, float(t), math.inf
            continue
        rel, ulps = _relative(c, t)
        checked = rel
        if rel > threshold:
            cond = truth.condition_term(point, output)
            checked = float(abs(mpmath.mpf(c) - t) / max(abs(t), cond, mpmath.mpf(_TINY)))
        if rel > worst.relative:
            worst.relative = rel
        worst.ulps = max(worst.ulps, ulps if abs(t) >= _TINY else 0.0)
        if checked > worst.checked or not worst.point:
            if not worst.failure:
                worst.checked, worst.point, worst.computed, worst.truth = checked, where, c, float(t)
    return worst, outside


def finite_differences(value, gradient, symbols, wrt, rng: np.random.Generator, n: int = 40) -> Worst:
    """Gradient against fourth-order central differences of ``value`` at random moderate points."""
    names = [s.name for s in symbols]
    worst = Worst("finite differences")
    pts = np.concatenate([rng.normal(0.0, 1.0, (n // 2, len(names))), rng.normal(0.0, 4.0, (n - n // 2, len(names)))])
    with np.errstate(all="ignore"):
        grads = gradient(**{k: pts[:, i] for i, k in enumerate(names)})
        grads = [grads] if len(wrt) == 1 else list(grads)
        for j, s in enumerate(wrt):
            i = names.index(s.name)
            x = pts[:, i]
            g = np.asarray(grads[j], dtype=float)
            best_diff = np.full(len(pts), np.inf)
            best_allowed = np.full(len(pts), 1e-300)
            best_fd = np.full(len(pts), np.nan)
            usable = np.zeros(len(pts), dtype=bool)
            # Several steps: a steep function (GELU's e^{-x^3}) needs a small one, a flat one a large one.
            for step in (1e-3, 1e-4, 1e-5):
                h = step * np.maximum(1.0, np.abs(x))

                def at(k):
                    shifted = pts.copy()
                    shifted[:, i] = x + k * h
                    return value(**{name: shifted[:, m] for m, name in enumerate(names)})

                f1, f_1, f2, f_2 = at(1), at(-1), at(2), at(-2)
                fd = (8.0 * (f1 - f_1) - (f2 - f_2)) / (12.0 * h)
                scale = np.maximum.reduce([np.abs(f1), np.abs(f_1), np.abs(f2), np.abs(f_2)])
                ok = np.isfinite(fd) & np.isfinite(scale)
                allowed = FD_TOLERANCE * np.abs(g) + 1e-13 * scale / h + 1e-300
                diff = np.where(ok, np.abs(fd - g), np.inf)
                better = ok & (diff / allowed < best_diff / best_allowed)
                best_diff = np.where(better, diff, best_diff)
                best_allowed = np.where(better, allowed, best_allowed)
                best_fd = np.where(better, fd, best_fd)
                usable |= ok
            rel = np.where(usable, best_diff / np.maximum(np.abs(g), 1e-300), 0.0)
            bad = usable & ~(best_diff <= best_allowed)
            k = int(np.argmax(np.where(bad, best_diff / best_allowed, rel)))
            if bad.any() or rel[k] > worst.relative:
                worst.relative = float(rel[k])
                worst.point = {name: float(pts[k, m]) for m, name in enumerate(names)}
                worst.computed, worst.truth = float(g[k]), float(best_fd[k])
            if bad.any() and not worst.failure:
                worst.failure = (f"d/d{s.name} = {g[k]!r} but the finite difference of value is {best_fd[k]!r}")
    return worst


def check_module(namespace: dict, value_expr: sp.Basic, gradients, symbols, *, seed: int = 20261130,
                 threshold: float = THRESHOLD) -> AccuracyReport:
    """Check the module loaded into ``namespace`` (its ``value`` and ``gradient``) against the
    exact expressions; see the module docstring."""
    rng = np.random.default_rng(seed)
    pts = points(symbols, rng)
    kwargs = {s.name: pts[:, i] for i, s in enumerate(symbols)}
    computed_value = namespace["value"](**kwargs)
    computed_grads = namespace["gradient"](**kwargs)
    if len(gradients) == 1:
        computed_grads = (computed_grads,)
    truth = Truth([value_expr] + [g for _, g in gradients], symbols)
    values = [truth.values(p) for p in pts]
    names = ["value"] + [f"d/d{s.name}" for s, _ in gradients]
    outputs, outside = [], 0
    for k, (name, c) in enumerate(zip(names, [computed_value, *computed_grads])):
        w, out = check_output(name, truth, c, pts, symbols, threshold, [v[k] for v in values], k)
        outputs.append(w)
        outside = max(outside, out)
    fd = finite_differences(namespace["value"], namespace["gradient"], symbols, [s for s, _ in gradients], rng)
    return AccuracyReport(outputs, fd, len(pts), outside, threshold)
