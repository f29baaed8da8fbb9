r"""Provers for steps that :func:`derive.proof.prove_equal` cannot check on its own.

Each factory returns a prover ``(prev, expr, context) -> Proof`` for
:meth:`derive.derivation.Chain.step`; none of them trusts the step it checks:

* :func:`explicit_sizes`: index expressions with *several* sizes (features :math:`D`, classes
  :math:`K`, examples :math:`N`) and matrices such as :math:`W_{d,i}`; both sides are expanded
  for explicit sizes and index values, every element becomes a symbol (one-hot and simplex rows
  drawn as such), and the explicit expressions go through :func:`prove_equal`.
* :func:`on_solutions`: ``prev == expr`` wherever ``equation = 0`` holds; SymPy solves the
  equation for the unknown itself, then both sides are compared at every solution.
* :func:`for_any_function`: identities in an undefined function :math:`a`: symbolically with
  :math:`a` undefined, numerically for several random concrete functions.
* :func:`ode_solution`: ``expr`` is the solution of an ODE found by ``dsolve``.
* :func:`same_solution_set`: two descriptions (equations or a finite set) of the same points.
* :func:`same_argmin`: :math:`\arg\min_w (\alpha g + \beta) = \arg\min_w g` for :math:`\alpha > 0`
  and :math:`\alpha, \beta` free of the objective.

Each prover's ``__qualname__`` names its parameters and a digest of this file, so that proof
certificates (:mod:`derive.certificates`) are keyed on them.
"""

from __future__ import annotations

import hashlib
import itertools
import random
import zlib
from pathlib import Path

import sympy as sp

from derive.context import ProofContext, Uniform
from derive.indices import pull_constants
from derive.proof import Proof, _rename_bound, prove_equal

_DIGEST = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]


def _named(prove, name: str):
    prove.__qualname__ = f"{name}@{_DIGEST}"
    return prove


def _seed(*exprs) -> int:
    return zlib.crc32("|".join(sp.srepr(e) for e in exprs).encode())


def _combine(proofs: list[Proof], what: str) -> Proof:
    failed = [p for p in proofs if not p.verified]
    if failed:
        return Proof(False, failed[0].method, f"{what}: {failed[0].detail}")
    method = "symbolic+numeric" if all(p.method == "symbolic+numeric" for p in proofs) else "numeric"
    if all(p.method == "symbolic" for p in proofs):
        method = "symbolic"
    return Proof(True, method, what)


# --- explicit sizes ------------------------------------------------------------------------------


def explicit_sizes(
    sizes: dict,
    ranges: dict,
    families: dict | None = None,
    cases: int = 4,
    positive: tuple = (),
):
    r"""Prove index expressions for explicit sizes.

    ``sizes``: size symbol -> the values to try (e.g. ``{D: (2, 3), K: (2, 3)}``);
    ``ranges``: free index symbol -> its size symbol (``{d: D, i: K}``);
    ``families``: IndexedBase -> ``"one_hot"`` or ``"simplex"`` (along the last index; a row per
    leading index), every other family is real; ``positive``: families drawn from (0.05, 1).
    Per case: sizes and free index values are drawn (the first case with equal index values
    where the ranges allow, the second with distinct ones), both sides are expanded and
    compared by :func:`prove_equal` (symbolic, and numeric at ``context.points`` points).
    """
    families = dict(families or {})
    size_syms = list(sizes)
    combos = list(itertools.product(*(sizes[s] for s in size_syms)))

    def prove(a, b, ctx: ProofContext) -> Proof:
        rng = random.Random(_seed(a, b))
        a0, b0 = ctx.expand_definitions(a), ctx.expand_definitions(b)
        proofs, where = [], []
        for n in range(cases):
            values = dict(zip(size_syms, combos[n % len(combos)] if n < len(combos) else rng.choice(combos)))
            idx = {}
            for m, (index, size) in enumerate(ranges.items()):
                top = values[size]
                if n == 0:
                    idx[index] = 1
                elif n == 1:
                    idx[index] = min(m + 1, top)
                else:
                    idx[index] = rng.randint(1, top)
            subs = {**values, **idx}
            ea, eb = (
                _rename_bound(e, set(subs)).xreplace({k: sp.Integer(v) for k, v in subs.items()}).doit(deep=True)
                for e in (a0, b0)
            )
            ea, eb, domains = _elements_to_symbols((ea, eb), families, positive, rng)
            local = ProofContext(domains=tuple(domains.items()), digits=ctx.digits, points=ctx.points,
                                 default=ctx.default)
            proofs.append(prove_equal(ea, eb, local))
            where.append(", ".join(f"{k}={v}" for k, v in subs.items()))
            if not proofs[-1].verified:
                return Proof(False, proofs[-1].method, f"at {where[-1]}: {proofs[-1].detail}")
        return _combine(proofs, f"explicit sizes and indices ({'; '.join(where)}), each proved: {proofs[-1].detail}")

    name = ",".join(f"{s}={sizes[s]}" for s in size_syms)
    return _named(prove, f"explicit_sizes({name};{sorted(map(str, ranges))};{sorted((str(k), v) for k, v in families.items())};{cases};{sorted(map(str, positive))})")


def _elements_to_symbols(exprs, families, positive, rng):
    """Indexed elements with integer indices -> symbols (one-hot / simplex rows -> numbers)."""
    elements = set()
    for e in exprs:
        elements |= {el for el in e.atoms(sp.Indexed) if all(i.is_Integer for i in el.indices)}
    table, domains = {}, {}
    rows: dict = {}
    for el in sorted(elements, key=sp.default_sort_key):
        kind = families.get(el.base)
        if kind in ("one_hot", "simplex"):
            rows.setdefault((el.base, tuple(el.indices[:-1])), []).append(el)
            continue
        name = f"{el.base.label}_{'_'.join(str(i) for i in el.indices)}"
        if el.base in positive:
            sym = sp.Symbol(name, positive=True)
            domains[sym] = Uniform(0.05, 1.0)
        else:
            sym = sp.Symbol(name, real=True)
        table[el] = sym
    for (base, lead), els in rows.items():
        # After expansion a sum over the row runs over its whole range, so the largest last
        # index occurring is the row's length.
        row = _draw_row(families[base], max(int(el.indices[-1]) for el in els), rng)
        for el in els:
            table[el] = row[int(el.indices[-1]) - 1]
    return (*(e.xreplace(table) for e in exprs), domains)


def _draw_row(kind: str, width: int, rng: random.Random):
    if kind == "one_hot":
        hot = rng.randrange(width)
        return [sp.Integer(int(k == hot)) for k in range(width)]
    weights = [rng.randint(1, 1000) for _ in range(width)]
    return [sp.Rational(w, sum(weights)) for w in weights]


# --- equations -----------------------------------------------------------------------------------


def _solve(equations, unknowns):
    """SymPy's solutions as dicts; sums are treated as opaque symbols while solving."""
    equations = [pull_constants(sp.expand(sp.sympify(e), power_exp=True, mul=False, multinomial=False))
                 for e in equations]
    sums = set()
    for e in equations:
        sums |= e.atoms(sp.Sum)
    table = {s: sp.Dummy(f"S{n}", positive=s.function.is_positive or None)
             for n, s in enumerate(sorted(sums, key=sp.default_sort_key))}
    opaque = [e.xreplace(table) for e in equations]
    back = {v: k for k, v in table.items()}
    plain = {u: sp.Dummy(str(u), real=True) for u in unknowns}
    opaque = [e.xreplace(plain) for e in opaque]
    solutions = sp.solve(opaque, [plain[u] for u in unknowns], dict=True)
    inverse = {v: k for k, v in plain.items()}
    return [{inverse[k]: v.xreplace(back) for k, v in sol.items()} for sol in solutions]


def on_solutions(equation, unknown, pattern=None, inner=None):
    r"""``prev == expr`` at every solution of ``equation = 0`` for ``unknown`` (found by SymPy).

    With ``pattern`` (free index symbols of ``unknown``, an Indexed element), the solution is
    applied to every element of the family: :math:`\pi_{m,n} \to` the solution with
    :math:`(i, k) \to (m, n)`, so that sums over the family see the stationary point.
    ``inner`` compares the two sides there (default :func:`prove_equal`).
    """
    compare = inner or prove_equal

    def prove(a, b, ctx: ProofContext) -> Proof:
        try:
            solutions = _solve([ctx.expand_definitions(equation)], [unknown])
        except Exception as exc:  # noqa: BLE001 - SymPy failing to solve is "not proved"
            return Proof(False, "symbolic", f"SymPy could not solve {equation} = 0: {exc}")
        if not solutions:
            return Proof(False, "symbolic", f"{equation} = 0 has no solution for {unknown}")
        proofs = []
        for sol in solutions:
            value = sol[unknown]
            if pattern is None:
                rewrite = lambda e: e.xreplace({unknown: value})  # noqa: E731
            else:
                base, free = unknown.base, pattern
                rewrite = lambda e: e.replace(  # noqa: E731
                    lambda x: isinstance(x, sp.Indexed) and x.base == base,
                    lambda x: value.xreplace(dict(zip(free, x.indices))),
                )
            proofs.append(compare(rewrite(ctx.expand_definitions(a)), rewrite(ctx.expand_definitions(b)), ctx))
        shown = ", ".join(f"{unknown} = {s[unknown]}" for s in solutions)
        return _combine(proofs, f"SymPy solves {equation} = 0: {shown}; both sides agree there ({proofs[-1].detail})")

    inner_name = getattr(inner, "__qualname__", "prove_equal")
    return _named(prove, f"on_solutions({sp.srepr(equation)};{sp.srepr(unknown)};{pattern};{inner_name})")


def ode_solution(ode: sp.Eq, func: sp.Basic, ics: dict | None = None):
    """``expr`` is the solution of ``ode`` for ``func`` given by SymPy's ``dsolve`` (with ``ics``)."""

    def prove(a, b, ctx: ProofContext) -> Proof:
        sol = sp.dsolve(ode, func, ics=ics)
        if isinstance(sol, list):
            return Proof(False, "symbolic", f"dsolve gives several solutions: {sol}")
        # dsolve's integration constants C1, C2, ... are the ones of the step (same name).
        named = {s.name: s for s in b.free_symbols | a.free_symbols}
        sol = sol.xreplace({c: named[c.name] for c in sol.free_symbols
                            if c.name in named and c.name.startswith("C") and c.name[1:].isdigit()})
        if a != func:
            first = prove_equal(a, sol.rhs, ctx)
            if not first.verified:
                return Proof(False, first.method, f"the previous line is not dsolve's solution {sol.rhs}: {first.detail}")
        proof = prove_equal(sol.rhs, b, ctx)
        cond = f" with {ics}" if ics else ""
        return Proof(proof.verified, proof.method, f"dsolve({ode}){cond} gives {sol}; {proof.detail}")

    return _named(prove, f"ode_solution({sp.srepr(ode)};{ics})")


def for_any_function(func_class, variable: sp.Symbol, trials: int = 3):
    r"""An identity in an undefined function ``func_class`` (e.g. the activation :math:`a`).

    Symbolic: :func:`prove_equal` with the function left undefined (its derivative is an atom).
    Numeric: the function is replaced by random concrete positive functions
    :math:`a(u) = c_0 e^{c_1 u} + c_2 u^2 + c_3` and both sides compared at random points.
    """

    def prove(a, b, ctx: ProofContext) -> Proof:
        rng = random.Random(_seed(a, b))
        symbolic = prove_equal(a, b, ctx.with_(points=0))  # points=0: symbolic part only
        proofs = []
        for _ in range(trials):
            c = [sp.Rational(rng.randint(1, 2000), 1000) for _ in range(4)]
            body = lambda u: c[0] * sp.exp(c[1] * u) + c[2] * u**2 + c[3]  # noqa: E731
            concrete = lambda e: e.replace(lambda x: getattr(x, "func", None) == func_class,  # noqa: E731
                                           lambda x: body(x.args[0])).doit()
            proofs.append(prove_equal(concrete(ctx.expand_definitions(a)), concrete(ctx.expand_definitions(b)), ctx))
            if not proofs[-1].verified:
                return Proof(False, "numeric", f"for a(u) = {body(variable)}: {proofs[-1].detail}")
        method = "symbolic+numeric" if symbolic.method.startswith("symbolic") else "numeric"
        return Proof(True, method, f"{'symbolic with a undefined; ' if method != 'numeric' else ''}"
                     f"numeric for {trials} random functions a: {proofs[-1].detail}")

    return _named(prove, f"for_any_function({func_class};{variable};{trials})")


def same_solution_set(unknowns: tuple):
    """Two descriptions of one finite point set: SolutionSet(equations) or FiniteSet of tuples."""

    def points(e, ctx):
        if isinstance(e, sp.FiniteSet):
            return [tuple(p) for p in e]
        sols = _solve([ctx.expand_definitions(q) for q in e.args[0]], list(unknowns))
        return [tuple(s.get(u, u) for u in unknowns) for s in sols]

    def prove(a, b, ctx: ProofContext) -> Proof:
        pa, pb = points(a, ctx), points(b, ctx)
        key = lambda p: tuple(sp.N(c, ctx.digits) for c in p)  # noqa: E731
        if len(pa) != len(pb) or any(any(c.free_symbols for c in p) for p in pa + pb):
            return Proof(False, "symbolic", f"solution sets differ: {pa} vs {pb}")
        pa, pb = sorted(pa, key=key), sorted(pb, key=key)
        tol = sp.Float(10, ctx.digits) ** (10 - ctx.digits)
        for p, q in zip(pa, pb):
            if any(sp.simplify(u - v) != 0 for u, v in zip(p, q)):
                return Proof(False, "symbolic", f"solution sets differ: {pa} vs {pb}")
            if any(abs(sp.N(u - v, ctx.digits)) > tol for u, v in zip(p, q)):
                return Proof(False, "numeric", f"solution sets differ numerically: {pa} vs {pb}")
        # Each point also satisfies the other side's equations (numerically, 50 digits).
        for side in (a, b):
            if isinstance(side, sp.FiniteSet):
                continue
            for p in pa:
                for q in side.args[0]:
                    r = sp.N(ctx.expand_definitions(q).xreplace(dict(zip(unknowns, p))), ctx.digits)
                    if abs(r) > tol:
                        return Proof(False, "numeric", f"{p} does not satisfy {q} = 0 (residual {r})")
        return Proof(True, "symbolic+numeric",
                     f"both sides are the points {pa} (SymPy solve; residuals below 1e-{ctx.digits - 10})")

    return _named(prove, f"same_solution_set({unknowns})")


def same_argmin(objective: sp.Symbol, variables: tuple):
    r""":math:`\arg\min (\alpha g + \beta) = \arg\min g` for an objective symbol :math:`g`.

    Both sides are ``ArgMin`` notations (``args[0]`` the function). The left function must be
    :math:`\alpha g + \beta` with :math:`\alpha` and :math:`\beta` free of :math:`g` and of
    ``variables`` (what the minimisation may change), and :math:`\alpha > 0` (SymPy's sign
    assumptions, and positive at random points).
    """

    def prove(a, b, ctx: ProofContext) -> Proof:
        f, g = a.args[0], b.args[0]
        if g != objective:
            return Proof(False, "symbolic", f"the right-hand side must minimise {objective}, not {g}")
        f = sp.expand(f)
        alpha = sp.diff(f, objective)
        beta = sp.expand(f - alpha * objective)
        moving = {objective, *variables}
        touched = lambda e: bool(e.free_symbols & moving) or any(e.has(v) for v in variables)  # noqa: E731
        if touched(alpha) or touched(beta):
            return Proof(False, "symbolic", f"{f} is not alpha {objective} + beta with alpha, beta constant")
        if alpha.is_positive is not True:
            return Proof(False, "symbolic", f"the factor {alpha} is not known to be positive")
        check = prove_equal(sp.Abs(alpha), alpha, ctx)
        if not check.verified:
            return Proof(False, "numeric", f"the factor {alpha} is not positive: {check.detail}")
        return Proof(True, "symbolic+numeric",
                     f"{f} = alpha {objective} + beta with alpha = {alpha} > 0 and beta = {beta} constant; {check.detail}")

    return _named(prove, f"same_argmin({objective};{variables})")
