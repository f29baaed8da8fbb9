r"""Maximum entropy (NPFL129 lecture 5): the uniform distribution, and softmax as the
maximum-entropy classifier.

(a) Minimise :math:`-H(p) = \sum_k p_k \log p_k` subject to :math:`\sum_k p_k = 1`: the Lagrangian
:math:`\mathcal L = \sum_k p_k \log p_k - \lambda(\sum_k p_k - 1)` has
:math:`\partial \mathcal L / \partial p_i = \log p_i + 1 - \lambda`, so every :math:`p_i = e^{\lambda - 1}`
and the constraint gives :math:`p_i = 1/n` (``maxent.uniform``).

(b) With training data :math:`(x_i, t_i)`, :math:`i = 1..N`, features :math:`j = 1..D` and classes
:math:`k = 1..K`, minimise :math:`\sum_{i,k} \pi_{i,k} \log \pi_{i,k}` (:math:`\pi_{i,k} = \pi(x_i)_k`)
subject to :math:`\sum_k \pi_{i,k} = 1` (multipliers :math:`\beta_i`) and the feature matching
:math:`\sum_i (\pi_{i,k} - [t_i = k]) x_{i,j} = 0` (multipliers :math:`\lambda_{j,k}`). Then
:math:`\partial\mathcal L / \partial \pi_{i,k} = \log \pi_{i,k} + 1 - x_i^T\lambda_{*,k} - \beta_i`,
:math:`\pi_{i,k} = e^{x_i^T \lambda_{*,k} + \beta_i - 1}`, the normalisation gives
:math:`e^{\beta_i} = 1 / \sum_{k'} e^{x_i^T \lambda_{*,k'} - 1}` and
:math:`\pi_{i,k} = \operatorname{softmax}(x_i^T \lambda)_k` (``maxent.softmax``). A numeric
confirmation (:mod:`derive.topics._maxent_numeric`) solves both problems with SciPy.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from derive.context import ProofContext, Uniform, VectorDomain, define_function, define_symbol
from derive.derivation import Derivation, DerivationBuilder
from derive.topics._provers import explicit_sizes, on_solutions


class Lag(sp.Symbol):
    r""":math:`\mathcal L`, the Lagrangian (a symbol defined in the proof context)."""

    def _latex(self, printer):
        return r"\mathcal{L}"

    def _derive_text(self, printer):
        return "𝓛"


# --- (a) the uniform distribution --------------------------------------------------------------

n = sp.Symbol("n", integer=True, positive=True)
i, k = sp.symbols("i k", integer=True, positive=True)
p = sp.IndexedBase("p", positive=True)
lam = sp.Symbol("lambda", real=True)
LA = Lag("L_uniform", real=True)
LAGRANGIAN_A = sp.Sum(p[k] * sp.log(p[k]), (k, 1, n)) - lam * (sp.Sum(p[k], (k, 1, n)) - 1)
CONTEXT_A = ProofContext(
    definitions=(define_symbol(LA, LAGRANGIAN_A),),
    families=((p, VectorDomain(element=Uniform(0.05, 1.0))),),
    indices=(i,),
    size=n,
)
STATIONARY_A = sp.log(p[i]) + 1 - lam

# --- (b) softmax ---------------------------------------------------------------------------------

N, K, D = sp.symbols("N K D", integer=True, positive=True)
a_, c_, j = sp.symbols("a c j", integer=True, positive=True)  # bound: example, class, feature
pi = sp.IndexedBase("pi", positive=True)
xv = sp.IndexedBase("x", real=True)
lv = sp.IndexedBase("lambda", real=True)
beta = sp.IndexedBase("beta", real=True)
T = sp.IndexedBase("T", nonnegative=True)  # T_{i,k} = [t_i = k]


class score(sp.Function):
    r""":math:`x_i^T \lambda_{*,k} = \sum_j x_{i,j} \lambda_{j,k}`."""

    def _latex(self, printer, exp=None):
        tex = r"\mathbf{x}_{%s}^{T} \boldsymbol{\lambda}_{*,%s}" % (printer._print(self.args[0]), printer._print(self.args[1]))
        return tex if exp is None else r"\left(%s\right)^{%s}" % (tex, exp)

    def _derive_text(self, printer):
        return "x_%s^T λ_*%s" % (printer._print(self.args[0]), printer._print(self.args[1]))


class softmax_row(sp.Function):
    r""":math:`\operatorname{softmax}(x_i^T \lambda)_k`."""

    def _latex(self, printer, exp=None):
        tex = r"\operatorname{softmax}\left(\mathbf{x}_{%s}^{T} \boldsymbol{\lambda}\right)_{%s}" % (
            printer._print(self.args[0]), printer._print(self.args[1]))
        return tex if exp is None else r"\left(%s\right)^{%s}" % (tex, exp)

    def _derive_text(self, printer):
        return "softmax(x_%s^T λ)_%s" % (printer._print(self.args[0]), printer._print(self.args[1]))


LB = Lag("L_softmax", real=True)
LAGRANGIAN_B = (
    sp.Sum(sp.Sum(pi[a_, c_] * sp.log(pi[a_, c_]), (c_, 1, K)), (a_, 1, N))
    - sp.Sum(sp.Sum(lv[j, c_] * sp.Sum((pi[a_, c_] - T[a_, c_]) * xv[a_, j], (a_, 1, N)), (c_, 1, K)), (j, 1, D))
    - sp.Sum(beta[a_] * (sp.Sum(pi[a_, c_], (c_, 1, K)) - 1), (a_, 1, N))
)
SCORE_DEFINITION = define_function(score, lambda r, q: sp.Sum(xv[r, j] * lv[j, q], (j, 1, D)))
SOFTMAX_ROW_DEFINITION = define_function(
    softmax_row, lambda r, q: sp.exp(score(r, q)) / sp.Sum(sp.exp(score(r, c_)), (c_, 1, K)))
CONTEXT_B = ProofContext(definitions=(define_symbol(LB, LAGRANGIAN_B), SCORE_DEFINITION, SOFTMAX_ROW_DEFINITION))
SIZES = {N: (2, 3), K: (2, 3), D: (2,)}
RANGES = {i: N, k: K}
PROVE_B = explicit_sizes(SIZES, RANGES, {T: "one_hot"}, cases=3, positive=(pi,))
PROVE_B_SIMPLEX = explicit_sizes(SIZES, RANGES, {T: "one_hot", pi: "simplex"}, cases=3)
STATIONARY_B = sp.log(pi[i, k]) + 1 - score(i, k) - beta[i]
VARIABLES_B = {
    "pi_ik": "the probability pi(x_i)_k of class k for example i",
    "x_i": "the features of example i", "lambda": "the multipliers lambda_{j,k} of the feature matching (D x K)",
    "beta_i": "the multiplier of the normalisation of example i",
}


@lru_cache(maxsize=None)
def build(confirm: bool = True) -> Derivation:
    """The derivations; with ``confirm`` also the SciPy confirmation of (b) as a note."""
    dv = DerivationBuilder("maxent", "Maximum entropy: the uniform distribution and softmax", CONTEXT_A)
    dv.assume(r"\mathcal{L} = \sum_{k=1}^{n} p_k \log p_k - \lambda\left(\sum_{k=1}^{n} p_k - 1\right)",
              "(a) L = sum_k p_k log p_k - lambda (sum_k p_k - 1), p_k > 0")
    dv.assume(r"\mathcal{L} = \sum_{i,k} \pi_{i,k} \log \pi_{i,k} - \sum_{j,k} \lambda_{j,k} \sum_{i} "
              r"(\pi_{i,k} - [t_i = k]) x_{i,j} - \sum_{i} \beta_i \left(\sum_{k} \pi_{i,k} - 1\right)",
              "(b) L = sum_ik pi_ik log pi_ik - sum_jk lambda_jk sum_i (pi_ik - [t_i = k]) x_ij "
              "- sum_i beta_i (sum_k pi_ik - 1), pi_ik = pi(x_i)_k")
    (
        dv.chain("(a) Derivative of the Lagrangian", sp.Derivative(LA, p[i]))
        .step(1 * sp.log(p[i]) + p[i] * (1 / p[i]) - lam,
              r"only the terms with $k = i$ depend on $p_i$; product rule, $(\log p)' = 1/p$")
        .step(STATIONARY_A, "cancel $p_i$")
    )
    (
        dv.chain("(a) Setting the derivative to zero", p[i])
        .step(sp.exp(lam - 1), r"$\log p_i + 1 - \lambda = 0$: all $p_i$ are the same",
              prover=on_solutions(STATIONARY_A, p[i]))
    )
    e = sp.exp(lam - 1)
    (
        dv.chain("(a) The constraint fixes the value", p[i])
        .step(p[i] / sp.Sum(p[k], (k, 1, n)), r"the constraint $\sum_k p_k = 1$",
              prover=explicit_sizes({n: (2, 3, 4)}, {i: n}, {p: "simplex"}, cases=3))
        .step(e / sp.Sum(e, (k, 1, n)), r"$p_k = e^{\lambda - 1}$ for every $k$",
              prover=on_solutions(STATIONARY_A, p[i], pattern=(i,)))
        .step(e / (n * e), r"a sum of $n$ equal terms")
        .step(1 / n, r"cancel $e^{\lambda - 1}$")
        .result("maxent.uniform", "The maximum-entropy categorical distribution is uniform",
                {"p_i": "the probability of outcome i", "n": "the number of outcomes"})
    )
    g = sp.exp(score(i, k) + beta[i] - 1)
    (
        dv.chain(r"(b) Derivative of the Lagrangian with respect to $\pi(x_i)_k$", sp.Derivative(LB, pi[i, k]),
                 CONTEXT_B)
        .step(STATIONARY_B, r"$(\pi \log \pi)' = \log \pi + 1$; from the constraints $-\sum_j \lambda_{j,k} x_{i,j} "
              r"= -\mathbf{x}_i^T \boldsymbol{\lambda}_{*,k}$ and $-\beta_i$", prover=PROVE_B)
    )
    (
        dv.chain("(b) Setting the derivative to zero", pi[i, k], CONTEXT_B)
        .step(g, r"$\log \pi_{i,k} = \mathbf{x}_i^T \boldsymbol{\lambda}_{*,k} + \beta_i - 1$; "
              r"positive, so $\pi \ge 0$ holds without imposing it",
              prover=on_solutions(STATIONARY_B, pi[i, k], inner=PROVE_B))
    )
    (
        dv.chain(r"(b) The normalisation determines $e^{\beta_i}$", sp.exp(beta[i]), CONTEXT_B)
        .step(sp.exp(beta[i]) / sp.Sum(pi[i, c_], (c_, 1, K)), r"the constraint $\sum_{k'} \pi(x_i)_{k'} = 1$",
              prover=PROVE_B_SIMPLEX)
        .step(sp.exp(beta[i]) / sp.Sum(sp.exp(score(i, c_) + beta[i] - 1), (c_, 1, K)),
              r"$\pi_{i,k'} = e^{\mathbf{x}_i^T \boldsymbol{\lambda}_{*,k'} + \beta_i - 1}$ for every $k'$",
              prover=on_solutions(STATIONARY_B, pi[i, k], pattern=(i, k), inner=PROVE_B))
        .step(1 / sp.Sum(sp.exp(score(i, c_) - 1), (c_, 1, K)),
              r"$e^{\beta_i}$ is a factor of every term of the sum", prover=PROVE_B)
    )
    (
        dv.chain(r"(b) The normalised probabilities are softmax", pi[i, k], CONTEXT_B)
        .step(pi[i, k] / sp.Sum(pi[i, c_], (c_, 1, K)), r"the constraint $\sum_{k'} \pi(x_i)_{k'} = 1$",
              prover=PROVE_B_SIMPLEX)
        .step(g / sp.Sum(sp.exp(score(i, c_) + beta[i] - 1), (c_, 1, K)),
              r"$\pi_{i,k'} = e^{\mathbf{x}_i^T \boldsymbol{\lambda}_{*,k'} + \beta_i - 1}$ for every $k'$",
              prover=on_solutions(STATIONARY_B, pi[i, k], pattern=(i, k), inner=PROVE_B))
        .step(sp.exp(score(i, k)) / sp.Sum(sp.exp(score(i, c_)), (c_, 1, K)),
              r"cancel the common factor $e^{\beta_i - 1}$ (its value, above, is not needed)",
              prover=PROVE_B)
        .step(softmax_row(i, k), "definition of softmax", prover=PROVE_B)
        .result("maxent.softmax", "The maximum-entropy classifier is softmax regression", VARIABLES_B)
    )
    if confirm:
        from derive.topics._maxent_numeric import confirm as run, describe

        dv.note("Numeric confirmation", describe(run()))
    return dv.build()
