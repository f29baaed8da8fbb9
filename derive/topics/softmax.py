r"""Softmax :math:`y_i = e^{z_i} / \Sigma_C` with :math:`\Sigma_C = \sum_{k=1}^K e^{z_k}`
(NPFL129 lecture 4; notes on softmax).

Chains: the Jacobian for general K in index notation (case i = j, case i != j, then
:math:`y_i(\delta_{ij} - y_j)`), its matrix form :math:`\operatorname{diag}(y) - y y^T`
checked for explicit K = 2..5; shift invariance; the sigmoid as a two-class softmax; the
cross-entropy gradient :math:`y - t`; logits as log-probabilities up to a constant and the
K - 1 logits that suffice.
"""

from __future__ import annotations

import random
from functools import lru_cache

import sympy as sp
from sympy.matrices.expressions.diagonal import DiagMatrix

from derive.context import ProofContext, VectorDomain, define_function, define_symbol
from derive.derivation import Derivation, DerivationBuilder
from derive.notation import (
    SIGMA_DEFINITION,
    SOFTMAX_DEFINITION,
    K,
    c,
    frac,
    i,
    j,
    k,
    shown,
    sigma,
    softmax_sum,
    t,
    x,
    y,
    z,
)
from derive.proof import Proof

#: :math:`\Sigma_C`, the seeds' abbreviation of the softmax denominator.
Sigma_C = sp.Symbol("Sigma_C", positive=True)
DELTA = sp.KroneckerDelta(i, j)


class softmax(sp.Function):
    r""":math:`\operatorname{softmax}(v)_n` of an explicit vector ``v`` (a Tuple), component ``n``
    (0-based, as in the lecture's :math:`\operatorname{softmax}([x, 0])_0`)."""

    def _latex(self, printer, exp=None):
        v, n = self.args
        items = ", ".join(printer._print(a) for a in v)
        tex = r"\operatorname{softmax}\left(\left[%s\right]\right)_{%s}" % (items, printer._print(n))
        return tex if exp is None else r"\left(%s\right)^{%s}" % (tex, exp)

    def _derive_text(self, printer):
        v, n = self.args
        return "softmax([%s])_%s" % (", ".join(printer._print(a) for a in v), printer._print(n))


def _explicit_softmax(v, n):
    return sp.exp(v[int(n)]) / sp.Add(*[sp.exp(a) for a in v])


def _sum_t_is_one(expr: sp.Basic) -> sp.Basic:
    r""":math:`\sum_j t_j = 1`: the targets are a distribution (one-hot :math:`\mathbf 1_t`)."""
    return expr.replace(
        lambda e: isinstance(e, sp.Sum) and e.function.is_Indexed and e.function.base == t
        and e.limits[0][1:] == (1, K),
        lambda e: sp.S.One,
    )


SIGMA_C_DEFINITION = define_symbol(Sigma_C, softmax_sum())
CONTEXT = ProofContext(
    definitions=(SIGMA_DEFINITION, SOFTMAX_DEFINITION, SIGMA_C_DEFINITION, define_function(softmax, _explicit_softmax)),
    identities=(_sum_t_is_one,),
    families=((t, VectorDomain("one_hot")),),
    indices=(i, j),
    size=K,
)
JACOBIAN_VARIABLES = {
    "y_i": "the i-th softmax output",
    "y_j": "the j-th softmax output",
    "delta_ij": "Kronecker delta, 1 if i = j else 0",
}


def _e(power):
    return sp.exp(power)


def prove_matrix_form(index_form: sp.Basic, matrix_form: sp.Basic, ctx: ProofContext) -> Proof:
    r"""Prove :math:`\partial y/\partial z = \operatorname{diag}(y) - y y^T` for explicit K = 2..5.

    For each K: the Jacobian of the explicit softmax vector (SymPy's ``jacobian``) minus
    ``diag(y) - y y^T`` simplifies to the zero matrix, and agrees at random points in mpmath.
    """
    rng = random.Random(len(ctx.sizes))
    for size in ctx.sizes:
        zs = sp.symbols(f"z1:{size + 1}", real=True)
        total = sum(sp.exp(v) for v in zs)
        ys = sp.Matrix([sp.exp(v) / total for v in zs])
        jac = ys.jacobian(sp.Matrix(zs))
        claimed = sp.diag(*ys) - ys * ys.T
        if sp.simplify(jac - claimed) != sp.zeros(size, size):
            return Proof(False, "symbolic", f"the Jacobian differs from diag(y) - y y^T at K = {size}")
        point = {v: sp.Rational(rng.randint(-3000, 3000), 1000) for v in zs}
        gap = max(abs(e) for e in (jac - claimed).xreplace(point).evalf(ctx.digits))
        if gap > sp.Float(10, ctx.digits) ** (10 - ctx.digits):
            return Proof(False, "numeric", f"the Jacobian differs from diag(y) - y y^T at K = {size}, {point}")
    sizes = ", ".join(map(str, ctx.sizes))
    return Proof(True, "symbolic+numeric",
                 f"explicit K = {sizes}: Jacobian - (diag(y) - y y^T) simplifies to 0 and is 0 at a random point "
                 f"({ctx.digits} digits)")


@lru_cache(maxsize=None)
def build() -> Derivation:
    d = DerivationBuilder("softmax", "Softmax", CONTEXT)
    d.assume(r"z \in \mathbb{R}^K,\ K \ge 2", "logits z in R^K, K >= 2")
    d.assume(r"y_i = \operatorname{softmax}(z)_i = \frac{e^{z_i}}{\Sigma_C},\quad \Sigma_C = \sum_{k=1}^{K} e^{z_k}",
             "y_i = softmax(z)_i = e^(z_i) / Sigma_C, Sigma_C = sum_k e^(z_k)")
    d.assume(r"t \in \{0, 1\}^K,\ \sum_{k=1}^{K} t_k = 1", "one-hot target t, sum_k t_k = 1")
    d.assume(r"i, j, k \in \{1, \dots, K\}", "class indices i, j, k in 1..K")
    yi = _e(z[i]) / Sigma_C

    (
        d.chain("Jacobian, case $i = j$", sp.Derivative(y[i], z[i]))
        .step(sp.Derivative(yi, z[i]), "definition of softmax")
        .step((_e(z[i]) * Sigma_C - _e(z[i]) * _e(z[i])) / Sigma_C**2,
              r"quotient rule, $\partial \Sigma_C / \partial z_i = e^{z_i}$")
        .step(shown(yi, (Sigma_C - _e(z[i])) / Sigma_C), r"factor out $e^{z_i} / \Sigma_C$")
        .step(shown(yi, 1 - yi), "split the fraction")
        .step(y[i] * (1 - y[i]), "definition of softmax")
    )
    (
        d.chain("Jacobian, case $i \\ne j$", sp.Derivative(y[i], z[j]), CONTEXT.with_(distinct_indices=True))
        .step(sp.Derivative(yi, z[j]), "definition of softmax")
        .step((0 - _e(z[i]) * _e(z[j])) / Sigma_C**2,
              r"quotient rule, $\partial e^{z_i} / \partial z_j = 0$ for $i \ne j$")
        .step(-shown(yi, _e(z[j]) / Sigma_C), "split the fraction")
        .step(-y[i] * y[j], "definition of softmax")
    )
    (
        d.chain("Jacobian, general $K$ (index notation)", sp.Derivative(y[i], z[j]))
        .step(sp.Derivative(yi, z[j]), "definition of softmax")
        .step((_e(z[i]) * DELTA * Sigma_C - _e(z[i]) * _e(z[j])) / Sigma_C**2,
              r"quotient rule, $\partial e^{z_i}/\partial z_j = \delta_{ij} e^{z_i}$, "
              r"$\partial \Sigma_C / \partial z_j = e^{z_j}$")
        .step(shown(yi, (DELTA * Sigma_C - _e(z[j])) / Sigma_C), r"factor out $e^{z_i} / \Sigma_C$")
        .step(y[i] * (DELTA - y[j]), r"definition of softmax; both cases in one, with $\delta_{ij}$")
        .result("softmax.jacobian", "Jacobian of softmax", JACOBIAN_VARIABLES)
    )
    yv = sp.MatrixSymbol("y", K, 1)
    (
        d.chain("Jacobian, matrix form", y[i] * (DELTA - y[j]))
        .step(sp.MatAdd(DiagMatrix(yv), sp.MatMul(-1, yv, yv.T)), r"entry $(i, j)$ of $\operatorname{diag}(y) - y y^T$",
              prover=prove_matrix_form)
        .result("softmax.jacobian_matrix", "Jacobian of softmax, matrix form", {"y": "the softmax output vector"})
    )
    zc = _e(z[k] + c)
    (
        d.chain("Shift invariance", _e(z[i] + c) / sp.Sum(zc, (k, 1, K)))
        .step(frac(shown(_e(z[i]), _e(c)), sp.Sum(shown(_e(z[k]), _e(c)), (k, 1, K))), "$e^{a + b} = e^{a} e^{b}$")
        .step(sp.Mul(_e(z[i]) / softmax_sum(), sp.Mul(_e(c), sp.Pow(_e(c), -1, evaluate=False), evaluate=False),
                     evaluate=False), "factor $e^{c}$ out of the sum")
        .step(y[i], "definition of softmax")
        .result("softmax.shift_invariance", "Softmax is invariant to adding a constant",
                {"z_i": "the i-th logit", "c": "the added constant", "y_i": "the i-th softmax output"})
    )
    (
        d.chain("The sigmoid is a two-class softmax", softmax(sp.Tuple(x, 0), 0))
        .step(_e(x) / (_e(x) + sp.exp(0, evaluate=False)), "definition of softmax")
        .step(1 / (1 + _e(-x)), "divide by $e^{x}$")
        .step(sigma(x), "definition of the sigmoid")
        .result("softmax.sigmoid", "The sigmoid as a two-class softmax", {"x": "the logit of class 0"})
    )
    loss = -sp.Sum(t[k] * sp.log(y[k]), (k, 1, K))
    (
        d.chain("Gradient of the cross-entropy", sp.Derivative(loss, z[i]))
        .step(-sp.Sum(t[j] * sp.Derivative(sp.log(y[j]), z[i]), (j, 1, K)), "linearity of the derivative")
        .step(-sp.Sum(t[j] / y[j] * sp.Derivative(y[j], z[i]), (j, 1, K)), r"chain rule, $(\log u)' = u'/u$")
        .step(-sp.Sum(t[j] / y[j] * y[j] * (sp.KroneckerDelta(j, i) - y[i]), (j, 1, K)), "Jacobian of softmax")
        .step(-sp.Sum(t[j] * sp.KroneckerDelta(i, j), (j, 1, K)) + y[i] * sp.Sum(t[j], (j, 1, K)),
              "cancel $y_j$, expand")
        .step(-t[i] + y[i] * sp.Sum(t[j], (j, 1, K)), r"$\sum_j t_j \delta_{ij} = t_i$")
        .step(y[i] - t[i], r"$\sum_j t_j = 1$")
        .result("softmax.ce_gradient", "Gradient of the cross-entropy after softmax",
                {"y_i": "the i-th softmax output", "t_i": "the i-th component of the one-hot target"})
    )
    (
        d.chain("Logits are log-probabilities up to a constant", sp.log(y[i]))
        .step(sp.log(yi), "definition of softmax")
        .step(z[i] - sp.log(Sigma_C), r"log of a quotient, $\log e^{z_i} = z_i$")
        .result("softmax.log_probabilities", "Logits as log-probabilities",
                {"z_i": "the i-th logit", "Sigma_C": "the softmax denominator"})
    )
    (
        d.chain("$K - 1$ logits suffice", y[i])
        .step(_e(z[i] - z[K]) / sp.Sum(_e(z[k] - z[K]), (k, 1, K)), "shift invariance with $c = -z_K$")
        .result("softmax.reduced_logits", "Softmax with the last logit fixed at 0",
                {"z_i": "the i-th logit", "z_K": "the last logit"})
    )
    return d.build()
