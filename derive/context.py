"""What a proof needs to know about the symbols of a derivation.

A :class:`ProofContext` says

* how to *expand* notation into primitives (``definitions``: sigma(u) -> 1/(1 + e^{-u}),
  y_i -> e^{z_i} / sum_k e^{z_k}, ...), applied before any comparison;
* which *identities* the derivation may use (``identities``: sum_j t_j = 1, ...), applied in
  symbolic proofs and respected by the samplers of numeric proofs;
* where to *sample* each free symbol (``domains``) and indexed family (``families``), and
  which symbols are indices (``indices``) running over 1..``size`` for the sizes ``sizes``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Callable

import sympy as sp

Rewrite = Callable[[sp.Basic], sp.Basic]


# --- sampling domains --------------------------------------------------------------------------


@dataclass(frozen=True)
class Uniform:
    """A real number drawn uniformly from [lo, hi] (as an exact rational)."""

    lo: float = -3.0
    hi: float = 3.0

    def draw(self, rng: random.Random) -> sp.Rational:
        return sp.Rational(round(rng.uniform(self.lo, self.hi) * 1000), 1000)


@dataclass(frozen=True)
class Integers:
    """An integer drawn uniformly from lo..hi."""

    lo: int = 0
    hi: int = 5

    def draw(self, rng: random.Random) -> sp.Integer:
        return sp.Integer(rng.randint(self.lo, self.hi))


@dataclass(frozen=True)
class VectorDomain:
    """How to draw a whole indexed family ``v_1..v_K`` at once."""

    kind: str = "uniform"  # "uniform" | "one_hot" | "simplex"
    element: Uniform = Uniform()

    def draw(self, size: int, rng: random.Random) -> list[sp.Rational]:
        if self.kind == "one_hot":
            hot = rng.randrange(size)
            return [sp.Integer(int(k == hot)) for k in range(size)]
        if self.kind == "simplex":
            weights = [rng.randint(1, 1000) for _ in range(size)]
            total = sum(weights)
            return [sp.Rational(w, total) for w in weights]
        return [self.element.draw(rng) for _ in range(size)]


# --- the context -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProofContext:
    definitions: tuple[Rewrite, ...] = ()
    identities: tuple[Rewrite, ...] = ()
    domains: tuple[tuple[sp.Symbol, object], ...] = ()
    families: tuple[tuple[sp.IndexedBase, VectorDomain], ...] = ()
    indices: tuple[sp.Symbol, ...] = ()
    size: sp.Symbol | None = None
    sizes: tuple[int, ...] = (2, 3, 4, 5)
    #: The indices are known to differ (a case "i != j" of a derivation).
    distinct_indices: bool = False
    default: Uniform = Uniform()
    #: Digits of the numeric proofs and number of random points.
    digits: int = 50
    points: int = 6

    def with_(self, **changes) -> "ProofContext":
        return replace(self, **changes)

    def expand_definitions(self, expr: sp.Basic) -> sp.Basic:
        """Apply the definitions until nothing changes (notation -> primitives)."""
        for _ in range(10):
            new = expr
            for rewrite in self.definitions:
                new = rewrite(new)
            if new == expr:
                return new
            expr = new
        return expr

    def apply_identities(self, expr: sp.Basic) -> sp.Basic:
        for rewrite in self.identities:
            expr = rewrite(expr)
        return expr

    def domain_of(self, symbol: sp.Symbol):
        return dict(self.domains).get(symbol, self.default)

    def family_domain(self, base: sp.IndexedBase) -> VectorDomain:
        return dict(self.families).get(base, VectorDomain(element=self.default))

    def fingerprint(self) -> str:
        """A stable description of everything that can change a proof's outcome."""
        return repr(
            (
                [getattr(d, "__qualname__", repr(d)) for d in self.definitions],
                [getattr(d, "__qualname__", repr(d)) for d in self.identities],
                [(str(s), d) for s, d in self.domains],
                [(str(b), d) for b, d in self.families],
                [str(i) for i in self.indices],
                str(self.size),
                self.sizes,
                self.distinct_indices,
                self.default,
                self.digits,
                self.points,
            )
        )


# --- helpers to write definitions --------------------------------------------------------------


def define_function(func, body: Callable[..., sp.Basic]) -> Rewrite:
    """Rewrite every application ``func(args)`` as ``body(*args)``."""

    def rewrite(expr: sp.Basic) -> sp.Basic:
        return expr.replace(lambda e: getattr(e, "func", None) == func, lambda e: body(*e.args))

    rewrite.__qualname__ = f"define_function({func})"
    return rewrite


def define_indexed(base: sp.IndexedBase, body: Callable[[sp.Basic], sp.Basic]) -> Rewrite:
    """Rewrite every element ``base[k]`` as ``body(k)``."""

    def rewrite(expr: sp.Basic) -> sp.Basic:
        return expr.replace(
            lambda e: isinstance(e, sp.Indexed) and e.base == base, lambda e: body(*e.indices)
        )

    rewrite.__qualname__ = f"define_indexed({base})"
    return rewrite


def define_symbol(symbol: sp.Symbol, value: sp.Basic) -> Rewrite:
    """Rewrite ``symbol`` as ``value`` (an abbreviation such as Sigma_C)."""

    def rewrite(expr: sp.Basic) -> sp.Basic:
        return expr.xreplace({symbol: value})

    rewrite.__qualname__ = f"define_symbol({symbol})"
    return rewrite
