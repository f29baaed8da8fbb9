r"""The Poisson distribution as a limit of binomials; its mean and variance (NPFL129 lecture 4, 2022).

With :math:`n` independent events of probability :math:`p_n = \lambda/n` (so :math:`n p_n \to \lambda`):

.. math::
    \lim_{n\to\infty} \binom{n}{k} p_n^k (1 - p_n)^{n-k} = e^{-\lambda} \frac{\lambda^k}{k!},

by the seeds' argument: write the binomial coefficient as a falling product, move :math:`n^k` into
it, split the limit into a product of limits, and use :math:`(1 - \lambda/n)^n \to e^{-\lambda}`,
:math:`(1 - \lambda/n)^{-k} \to 1`. Then :math:`\mathbb{E}[X] = \lambda` and
:math:`\operatorname{Var}[X] = \lambda` from the exponential series.

Steps with limits are proved by :func:`prove_limit_step`: SymPy's ``limit()`` (Gruntz) for
explicit :math:`k = 0..4` with symbolic :math:`\lambda` (symbolic), and both sides evaluated at
large :math:`n` in 50-digit mpmath arithmetic for random :math:`\lambda`, :math:`k` (numeric).
"""

from __future__ import annotations

import random
import zlib
from functools import lru_cache

import mpmath
import sympy as sp

from derive.context import Integers, ProofContext, Uniform, define_function, define_symbol
from derive.derivation import Derivation, DerivationBuilder
from derive.proof import Proof

n = sp.Symbol("n", positive=True)
lam = sp.Symbol("lambda", positive=True)
k = sp.Symbol("k", integer=True, nonnegative=True)
j = sp.Symbol("j", integer=True, nonnegative=True)
m = sp.Symbol("m", integer=True, nonnegative=True)
p_n = sp.Symbol("p_n", positive=True)
X = sp.Symbol("X", integer=True, nonnegative=True)

#: k values of the symbolic limit proofs, and n values of the numeric ones.
SYMBOLIC_KS = (0, 1, 2, 3, 4)
LARGE_N = (10**8, 10**12)


def poisson_pmf(value):
    return sp.exp(-lam) * lam**value / sp.factorial(value)


class EX(sp.Function):
    r""":math:`\mathbb{E}[g(X)]` for :math:`X \sim \operatorname{Poisson}(\lambda)`; the argument is ``g(X)``."""

    def _latex(self, printer, exp=None):
        tex = r"\mathbb{E}\left[%s\right]" % printer._print(self.args[0])
        return tex if exp is None else r"\mathbb{E}\left[%s\right]^{%s}" % (printer._print(self.args[0]), exp)

    def _derive_text(self, printer):
        return "E[%s]" % printer._print(self.args[0])


class VarX(sp.Function):
    r""":math:`\operatorname{Var}[g(X)] = \mathbb{E}[g^2] - \mathbb{E}[g]^2`."""

    def _latex(self, printer, exp=None):
        return r"\operatorname{Var}\left[%s\right]" % printer._print(self.args[0])

    def _derive_text(self, printer):
        return "Var[%s]" % printer._print(self.args[0])


def _expectation(g):
    return sp.Sum(g.xreplace({X: k}) * poisson_pmf(k), (k, 0, sp.oo))


CONTEXT = ProofContext(
    definitions=(
        define_function(EX, _expectation),
        define_function(VarX, lambda g: EX(g**2) - EX(g) ** 2),
        define_symbol(p_n, lam / n),
    ),
    domains=((lam, Uniform(0.1, 5.0)), (k, Integers(0, 6)), (n, Uniform(50.0, 500.0))),
)
VARIABLES = {"lambda": "the rate of the Poisson distribution, the limit of n p_n", "k": "the number of events"}


# --- the limit prover ---------------------------------------------------------------------------


def _at_k(expr: sp.Basic, ctx: ProofContext, kval: int) -> sp.Basic:
    e = ctx.expand_definitions(expr).xreplace({k: sp.Integer(kval)})
    e = e.replace(lambda x: isinstance(x, sp.Product), lambda x: x.doit())
    return sp.expand_func(e)


def _limits_taken(expr: sp.Basic) -> sp.Basic:
    """Every ``Limit(f, n, oo)`` replaced by SymPy's ``limit`` of ``f`` (Gruntz)."""
    return expr.replace(lambda e: isinstance(e, sp.Limit),
                        lambda e: sp.limit(sp.expand_func(e.args[0].doit()), *e.args[1:3]))


def _at_large_n(expr: sp.Basic, nval: int) -> sp.Basic:
    """Every ``Limit(f, n, oo)`` replaced by ``f`` at ``n = nval`` (and any free ``n`` too)."""
    e = expr.replace(lambda e: isinstance(e, sp.Limit), lambda e: e.args[0].xreplace({e.args[1]: nval}))
    return e.xreplace({n: sp.Float(nval, 60)})  # a Float: an exact power with exponent 10^12 would never finish


def prove_limit_step(prev: sp.Basic, expr: sp.Basic, ctx: ProofContext) -> Proof:
    r"""Prove a step between expressions containing :math:`\lim_{n\to\infty}`.

    Symbolic: for :math:`k` in :data:`SYMBOLIC_KS` both sides' limits (SymPy ``limit``) agree
    for symbolic :math:`\lambda`. Numeric: at random :math:`\lambda \in [0.1, 5]`,
    :math:`k \in 0..6`, the limit bodies at :math:`n = 10^8` and :math:`n = 10^{12}` (50-digit
    mpmath) differ by less than :math:`10^{-6}` at :math:`n = 10^{12}` and the difference does
    not grow with :math:`n` (both sides tend to the same limit).
    """
    for kval in SYMBOLIC_KS:
        try:
            a = _limits_taken(_at_k(prev, ctx, kval))
            b = _limits_taken(_at_k(expr, ctx, kval))
        except (NotImplementedError, ValueError) as exc:
            return Proof(False, "symbolic", f"SymPy could not take the limit at k = {kval}: {exc}")
        if a.has(sp.Limit) or b.has(sp.Limit) or sp.simplify(a - b) != 0:
            return Proof(False, "symbolic", f"the limits differ at k = {kval}: {a} vs {b}")
    rng = random.Random(zlib.crc32(sp.srepr(prev).encode() + sp.srepr(expr).encode()))
    worst = mpmath.mpf(0)
    with mpmath.workdps(ctx.digits):
        for _ in range(ctx.points):
            point = {lam: sp.Float(sp.Rational(rng.randint(100, 5000), 1000), 60)}
            kval = rng.randint(0, 6)
            gaps = []
            for nval in LARGE_N:
                va = _at_large_n(_at_k(prev, ctx, kval), nval).xreplace(point).doit().evalf(ctx.digits)
                vb = _at_large_n(_at_k(expr, ctx, kval), nval).xreplace(point).doit().evalf(ctx.digits)
                if not (va.is_comparable and vb.is_comparable):
                    return Proof(False, "numeric", f"could not evaluate at n = {nval}, k = {kval}, {point}")
                gaps.append(abs(mpmath.mpf(va) - mpmath.mpf(vb)))
            if gaps[-1] > mpmath.mpf("1e-6") or gaps[-1] > gaps[0] + mpmath.mpf(10) ** (10 - ctx.digits):
                return Proof(False, "numeric", f"differs at large n: k = {kval}, lambda = {point[lam]}, "
                                               f"gaps {[mpmath.nstr(g, 5) for g in gaps]} at n = {LARGE_N}")
            worst = max(worst, gaps[-1])
    ks = ", ".join(map(str, SYMBOLIC_KS))
    return Proof(True, "symbolic+numeric",
                 f"SymPy limit() agrees for k = {ks} (symbolic lambda); at n = 10^12, {ctx.points} random "
                 f"(lambda, k) differ by at most {mpmath.nstr(worst, 3)} ({ctx.digits} digits)")


# --- the derivation ------------------------------------------------------------------------------


def _lim(body):
    return sp.Limit(body, n, sp.oo)


def _product(*factors):
    return sp.Mul(*factors, evaluate=False)


@lru_cache(maxsize=None)
def build() -> Derivation:
    d = DerivationBuilder("poisson", "The Poisson distribution: binomial limit, mean and variance", CONTEXT)
    d.assume(r"p_n = \frac{\lambda}{n},\ \text{so } n p_n \to \lambda > 0", "p_n = lambda / n, so n p_n -> lambda > 0")
    d.assume(r"k \in \{0, 1, 2, \dots\} \text{ fixed}", "k = 0, 1, 2, ... fixed")
    d.assume(r"X \sim \operatorname{Poisson}(\lambda),\ P(X = k) = \frac{\lambda^k e^{-\lambda}}{k!}",
             "X ~ Poisson(lambda), P(X = k) = lambda^k e^(-lambda) / k!")
    q = 1 - lam / n
    falling = sp.Product(n - j, (j, 0, k - 1))
    (
        d.chain("The binomial distribution tends to the Poisson distribution",
                _lim(sp.binomial(n, k) * p_n**k * (1 - p_n) ** (n - k)))
        .step(_lim(falling / sp.factorial(k) * (lam / n) ** k * q ** (n - k)),
              r"$\binom{n}{k} = \frac{n(n-1)\cdots(n-k+1)}{k!}$ and $p_n = \lambda/n$", prover=prove_limit_step)
        .step(_lim(_product(lam**k / sp.factorial(k), sp.Product(1 - j / n, (j, 0, k - 1)), q**n, q ** (-k))),
              r"divide each of the $k$ factors of the product by $n$, split $(1 - \lambda/n)^{n-k}$",
              prover=prove_limit_step)
        .step(_product(lam**k / sp.factorial(k), _lim(sp.Product(1 - j / n, (j, 0, k - 1))), _lim(q**n),
                       _lim(q ** (-k))),
              "the limit of a product is the product of the limits (each exists)", prover=prove_limit_step)
        .step(_product(lam**k / sp.factorial(k), sp.S.One, sp.exp(-lam), sp.S.One),
              r"$1 - j/n \to 1$ for fixed $j$; $(1 - \lambda/n)^n \to e^{-\lambda}$; "
              r"$(1 - \lambda/n)^{-k} \to 1$", prover=prove_limit_step)
        .step(sp.exp(-lam) * lam**k / sp.factorial(k), "the Poisson probability of $k$ events",
              prover=prove_limit_step)
        .result("poisson.limit", "The Poisson distribution as the limit of binomials", VARIABLES)
    )
    d.note("General sequences p_n", (
        "The chain takes p_n = lambda/n. For any p_n with n p_n -> lambda the same steps go through with "
        "lambda_n = n p_n in place of lambda, since (1 - lambda_n/n)^n -> e^(-lambda) whenever lambda_n -> lambda."))
    series = sp.Sum(lam**m / sp.factorial(m), (m, 0, sp.oo))
    (
        d.chain("The probabilities sum to one", EX(sp.S.One))
        .step(sp.Sum(poisson_pmf(k), (k, 0, sp.oo)), "definition of the expectation")
        .step(_product(sp.exp(-lam), sp.Sum(lam**k / sp.factorial(k), (k, 0, sp.oo))), r"factor out $e^{-\lambda}$")
        .step(_product(sp.exp(-lam), sp.exp(lam)), r"the exponential series $\sum_m \lambda^m/m! = e^{\lambda}$")
        .step(sp.S.One, "cancel")
    )
    (
        d.chain("Mean of the Poisson distribution", EX(X))
        .step(sp.Sum(k * poisson_pmf(k), (k, 0, sp.oo)), "definition of the expectation")
        .step(_product(lam, sp.exp(-lam), sp.Sum(lam ** (k - 1) / sp.factorial(k - 1), (k, 1, sp.oo))),
              r"the $k = 0$ term vanishes; $k/k! = 1/(k-1)!$; factor out $\lambda e^{-\lambda}$")
        .step(_product(lam, sp.exp(-lam), series), "substitute $m = k - 1$")
        .step(_product(lam, sp.exp(-lam), sp.exp(lam)), r"the exponential series $\sum_m \lambda^m/m! = e^{\lambda}$")
        .step(lam, "cancel")
        .result("poisson.mean", "Mean of the Poisson distribution", {"lambda": "the rate of the Poisson distribution"})
    )
    (
        d.chain("The second moment", EX(X**2))
        .step(sp.Sum(k**2 * poisson_pmf(k), (k, 0, sp.oo)), "definition of the expectation")
        .step(_product(lam, sp.exp(-lam), sp.Sum(k * lam ** (k - 1) / sp.factorial(k - 1), (k, 1, sp.oo))),
              r"the $k = 0$ term vanishes; $k^2/k! = k/(k-1)!$; factor out $\lambda e^{-\lambda}$")
        .step(_product(lam, sp.exp(-lam), sp.Add(sp.Sum(m * lam**m / sp.factorial(m), (m, 0, sp.oo)), series,
                                                 evaluate=False)),
              "substitute $m = k - 1$, so $k = m + 1$; split the sum")
        .step(_product(lam, sp.exp(-lam), sp.Add(lam * sp.exp(lam), sp.exp(lam), evaluate=False)),
              r"$\sum_m m \lambda^m/m! = \lambda e^{\lambda}$ (as for the mean); the exponential series")
        .step(lam**2 + lam, "cancel")
    )
    (
        d.chain("Variance of the Poisson distribution", VarX(X))
        .step(EX(X**2) - EX(X) ** 2, r"$\operatorname{Var}[X] = \mathrm{E}[X^2] - \mathrm{E}[X]^2$")
        .step(sp.Add(lam**2 + lam, -(lam**2), evaluate=False),
              r"$\mathrm{E}[X^2] = \lambda^2 + \lambda$, $\mathrm{E}[X] = \lambda$ (above)")
        .step(lam, "cancel")
        .result("poisson.variance", "Variance of the Poisson distribution",
                {"lambda": "the rate of the Poisson distribution"})
    )
    return d.build()
