r"""Mean squared error as maximum likelihood (NPFL129 lecture 4, "MSE as MLE").

With :math:`p(t \mid x; w) = \mathcal N(t; y(x; w), \sigma^2)` and :math:`N` examples:

* the NLL is :math:`\frac N2 \log(2\pi\sigma^2) + \sum_i (t_i - y_i)^2 / (2\sigma^2)` (``mse-nll.nll``);
* it is :math:`\frac N{2\sigma^2}\,\mathrm{MSE} + \text{const}`, so its minimiser over the weights
  does not depend on :math:`\sigma` and is the MSE minimiser (``mse-nll.argmin``);
* its stationary point in :math:`\sigma^2` is :math:`\hat\sigma^2 = \frac1N \sum_i (t_i - y_i)^2`,
  the MSE (``mse-nll.sigma2``).

Sums run over :math:`i = 1..N`; the numeric proofs draw :math:`N \in \{2, \dots, 5\}`.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from derive.context import ProofContext, Uniform, define_symbol
from derive.derivation import Derivation, DerivationBuilder
from derive.proof import Proof, prove_equal
from derive.topics._provers import on_solutions, same_argmin
from derive.topics.glm import PMF_DEFINITIONS, Normal

N = sp.Symbol("N", integer=True, positive=True)
n = sp.Symbol("i", integer=True, positive=True)
tv = sp.IndexedBase("t", real=True)
yv = sp.IndexedBase("y", real=True)
w = sp.Symbol("w", real=True)
s2 = sp.Symbol("sigma^2", positive=True)
NLL = sp.Symbol("NLL", real=True)
MSE = sp.Symbol("MSE", nonnegative=True)


class SigmaHat2(sp.Symbol):
    r""":math:`\hat\sigma^2`, the maximum-likelihood estimate of the variance."""

    def _latex(self, printer):
        return r"\hat{\sigma}^{2}"

    def _derive_text(self, printer):
        return "σ̂^2"


class ArgMin(sp.Function):
    r""":math:`\arg\min_w f`, kept as notation (proved by :func:`same_argmin` or on its argument)."""

    def _latex(self, printer, exp=None):
        return r"\arg\min_{%s} \left(%s\right)" % (printer._print(self.args[1]), printer._print(self.args[0]))

    def _derive_text(self, printer):
        return "argmin_%s (%s)" % (printer._print(self.args[1]), printer._print(self.args[0]))


hat = SigmaHat2("sigmahat2", positive=True)
SQUARES = sp.Sum((tv[n] - yv[n]) ** 2, (n, 1, N))
NLL_FORM = N / 2 * sp.log(2 * sp.pi * s2) + SQUARES / (2 * s2)
CONTEXT = ProofContext(
    definitions=(*PMF_DEFINITIONS, define_symbol(NLL, NLL_FORM),
                 define_symbol(MSE, sp.Sum((yv[n] - tv[n]) ** 2, (n, 1, N)) / N)),
    domains=((s2, Uniform(0.2, 3.0)), (hat, Uniform(0.2, 3.0))),
    size=N,
)
VARIABLES = {"N": "the number of examples", "t_i": "the target of example i",
             "y_i": "the model output y(x_i; w) for example i", "sigma^2": "the variance of the normal distribution"}


def prove_same_function(a: sp.Basic, b: sp.Basic, ctx: ProofContext) -> Proof:
    r""":math:`\arg\min_w f = \arg\min_w g` because :math:`f = g` (proved by :func:`prove_equal`)."""
    if a.args[1:] != b.args[1:]:
        return Proof(False, "symbolic", "the minimisations run over different variables")
    return prove_equal(a.args[0], b.args[0], ctx)


@lru_cache(maxsize=None)
def build() -> Derivation:
    dv = DerivationBuilder("mse-nll", "Mean squared error as maximum likelihood", CONTEXT)
    dv.assume(r"p(t \mid x; w) = \mathcal{N}(t; y(x; w), \sigma^2)", "p(t | x; w) = N(t; y(x; w), sigma^2)")
    dv.assume(r"y_i = y(x_i; w),\ i = 1, \dots, N", "y_i = y(x_i; w) for the N examples i = 1..N")
    dv.assume(r"\mathrm{MSE} = \frac{1}{N} \sum_{i=1}^{N} (y_i - t_i)^2", "MSE = 1/N sum_i (y_i - t_i)^2")
    density = (2 * sp.pi * s2) ** sp.Rational(-1, 2) * sp.exp(-(tv[n] - yv[n]) ** 2 / (2 * s2))
    (
        dv.chain("The Gaussian NLL of $N$ examples", -sp.Sum(sp.log(Normal(tv[n], yv[n], s2)), (n, 1, N)))
        .step(-sp.Sum(sp.log(density), (n, 1, N)), "density of the normal distribution")
        .step(-N * sp.log(sp.UnevaluatedExpr((2 * sp.pi * s2) ** sp.Rational(-1, 2)))
              + sp.Sum((tv[n] - yv[n]) ** 2 / (2 * s2), (n, 1, N)),
              r"log of a product, $\log e^{u} = u$; the constant term is summed $N$ times")
        .step(NLL_FORM, r"$\log a^{-1/2} = -\frac{1}{2} \log a$, $\sigma^2$ out of the sum")
        .result("mse-nll.nll", "The Gaussian NLL of N examples", VARIABLES)
    )
    (
        dv.chain(r"The minimiser over the weights does not depend on $\sigma$", ArgMin(NLL, w))
        .step(ArgMin(NLL_FORM, w), "the NLL (above)", prover=prove_same_function)
        .step(ArgMin(N / 2 * sp.log(2 * sp.pi * s2) + N / (2 * s2) * MSE, w),
              r"$\sum_i (t_i - y_i)^2 = N \cdot \mathrm{MSE}$", prover=prove_same_function)
        .step(ArgMin(MSE, w), r"drop the constant $\frac{N}{2} \log(2\pi\sigma^2)$ and the positive factor "
              r"$\frac{N}{2\sigma^2}$: neither depends on $w$", prover=same_argmin(MSE, (w, yv)))
        .result("mse-nll.argmin", "Maximum likelihood under a normal distribution minimises the MSE",
                {**VARIABLES, "w": "the weights", "MSE": "the mean squared error 1/N sum_i (y_i - t_i)^2"})
    )
    stationary = N / (2 * s2) - SQUARES / (2 * s2**2)
    (
        dv.chain(r"Derivative of the NLL with respect to $\sigma^2$", sp.Derivative(NLL, s2))
        .step(sp.Derivative(NLL_FORM, s2), "the NLL (above)")
        .step(stationary, r"$\frac{d}{dv} \log v = \frac{1}{v}$, $\frac{d}{dv} \frac{1}{v} = -\frac{1}{v^2}$")
    )
    (
        dv.chain(r"The maximum-likelihood estimate of $\sigma^2$", hat)
        .step(SQUARES / N, r"the root of $\partial\,\mathrm{NLL} / \partial \sigma^2 = 0$ (SymPy solve)",
              prover=on_solutions(stationary.xreplace({s2: hat}), hat))
        .result("mse-nll.sigma2", "The MLE of the variance is the MSE", VARIABLES)
    )
    second = sp.Derivative(NLL_FORM, s2, 2)
    (
        dv.chain(r"It is a minimum: the second derivative at $\hat{\sigma}^2$", second.xreplace({s2: hat}))
        .step(-N / (2 * hat**2) + SQUARES / hat**3, r"differentiate $\frac{N}{2\sigma^2} - \frac{S}{2\sigma^4}$ again")
        .step(N / (2 * hat**2), r"$\sum_i (t_i - y_i)^2 = N \hat{\sigma}^2$; positive",
              prover=on_solutions(stationary.xreplace({s2: hat}), hat))
    )
    return dv.build()
