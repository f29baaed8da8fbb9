r"""Generalized linear models (NPFL129 lecture 4): :math:`y = a(\bar y)`, :math:`\bar y = x^T w + b`.

For each model of the GLM table (linear/identity/Normal, logistic/:math:`\sigma`/Bernoulli,
multiclass/softmax/categorical, Poisson/exp/Poisson) the chains are

* the NLL of one example, down to its form *from logits* (``glm.MODEL.nll``): Gaussian
  :math:`(\bar y - t)^2/2 + \log(2\pi)/2` (:math:`\sigma^2 = 1`), Bernoulli
  :math:`\operatorname{softplus}(\bar y) - t\bar y`, categorical :math:`\log\sum_m e^{z_m} - \sum_k t_k z_k`,
  Poisson :math:`e^{\bar y} - t\bar y + \log t!`;
* its gradient with respect to the logit (``glm.MODEL.logit_gradient``): :math:`a(\bar y) - t`;
* its gradient with respect to the weights (``glm.MODEL.gradient``): :math:`(y - t) x_d`, and
  :math:`x_d (y_i - t_i)`, i.e. :math:`x (y - \mathbf 1_t)^T`, for the multiclass model;

then the GLM table, and the inverse problem: which activation :math:`a` gives the Poisson NLL
the gradient :math:`(a(\bar y) - t)x` (SymPy's ``dsolve``: :math:`a = e^{\bar y}`).
Indices: features :math:`d, e \in 1..D`, classes :math:`i, k, m \in 1..K`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from derive.context import Integers, ProofContext, Uniform, VectorDomain, define_function, define_indexed, define_symbol
from derive.derivation import Derivation, DerivationBuilder, Table
from derive.notation import SIGMA_DEFINITION, sigma
from derive.printing import to_latex, to_text
from derive.proof import Proof
from derive.topics._provers import explicit_sizes, for_any_function, ode_solution

MODELS = ("linear", "logistic", "multiclass", "poisson")

D = sp.Symbol("D", integer=True, positive=True)
K = sp.Symbol("K", integer=True, positive=True)
d, e = sp.symbols("d e", integer=True, positive=True)
i, k, m = sp.symbols("i k m", integer=True, positive=True)
xv = sp.IndexedBase("x", real=True)
w = sp.IndexedBase("w", real=True)
W = sp.IndexedBase("W", real=True)
z = sp.IndexedBase("z", real=True)
yv = sp.IndexedBase("y", positive=True)
tv = sp.IndexedBase("t", nonnegative=True)
b = sp.Symbol("b", real=True)
ybar = sp.Symbol("ybar", real=True)  # prints as \bar{y}
y = sp.Symbol("y", real=True)
L = sp.Symbol("L", real=True)
t_real = sp.Symbol("t", real=True)
t_binary = sp.Symbol("t", integer=True, nonnegative=True)
t_count = sp.Symbol("t", integer=True, nonnegative=True)


# --- notation --------------------------------------------------------------------------------


class _Pmf(sp.Function):
    """A probability mass/density function ``Name(t; params)``, kept as notation."""

    label = ""

    def _latex(self, printer, exp=None):
        t, *params = self.args
        tex = r"%s\left(%s; %s\right)" % (self.label, printer._print(t), ", ".join(printer._print(p) for p in params))
        return tex if exp is None else r"\left(%s\right)^{%s}" % (tex, exp)

    def _derive_text(self, printer):
        t, *params = self.args
        return "%s(%s; %s)" % (type(self).__name__, printer._print(t), ", ".join(printer._print(p) for p in params))


class Normal(_Pmf):
    r""":math:`\mathcal N(t; \mu, \sigma^2) = e^{-(t - \mu)^2/(2\sigma^2)} / \sqrt{2\pi\sigma^2}`."""

    label = r"\mathcal{N}"


class Bernoulli(_Pmf):
    r""":math:`\operatorname{Bernoulli}(t; p) = p^t (1 - p)^{1 - t}`, :math:`t \in \{0, 1\}`."""

    label = r"\operatorname{Bernoulli}"


class Poisson(_Pmf):
    r""":math:`\operatorname{Poisson}(t; \lambda) = \lambda^t e^{-\lambda} / t!`."""

    label = r"\operatorname{Poisson}"


class softplus(sp.Function):
    r""":math:`\operatorname{softplus}(u) = \log(1 + e^{u})` (NumPy: ``np.logaddexp(0, u)``)."""

    def _latex(self, printer, exp=None):
        tex = r"\operatorname{softplus}\left(%s\right)" % printer._print(self.args[0])
        return tex if exp is None else r"\left(%s\right)^{%s}" % (tex, exp)


#: The activation function of a GLM, unknown in the inverse problem.
a = sp.Function("a", real=True)


class da(sp.Function):
    """The derivative :math:`a'(v)` of the activation, as notation (see :data:`DA_DEFINITION`)."""

    def _latex(self, printer, exp=None):
        tex = r"a'\left(%s\right)" % printer._print(self.args[0])
        return tex if exp is None else r"\left(%s\right)^{%s}" % (tex, exp)

    def _derive_text(self, printer):
        return "a'(%s)" % printer._print(self.args[0])


PMF_DEFINITIONS = (
    define_function(Normal, lambda t, mu, var: sp.exp(-(t - mu) ** 2 / (2 * var)) / sp.sqrt(2 * sp.pi * var)),
    define_function(Bernoulli, lambda t, p: p**t * (1 - p) ** (1 - t)),
    define_function(Poisson, lambda t, lam: lam**t * sp.exp(-lam) / sp.factorial(t)),
    define_function(softplus, lambda u: sp.log(1 + sp.exp(u))),
)
LINEAR_PART = sp.Sum(xv[e] * w[e], (e, 1, D)) + b


def _sum_t_is_one(expr: sp.Basic) -> sp.Basic:
    r""":math:`\sum_k t_k = 1` for a one-hot target."""
    return expr.replace(
        lambda q: isinstance(q, sp.Sum) and q.function == tv[q.limits[0][0]] and q.limits[0][1:] == (1, K),
        lambda q: sp.S.One,
    )


# --- the binary/scalar models ----------------------------------------------------------------


@dataclass(frozen=True)
class Scalar:
    """A GLM with one output: activation, distribution and the target's symbol and domain."""

    name: str
    title: str
    activation: sp.Basic  # a(ybar)
    nll: sp.Basic  # -log p(t | y)
    t: sp.Symbol
    t_domain: object
    activation_name: tuple[str, str]  # (LaTeX, text)
    distribution: str
    target: str


SCALARS = {
    "linear": Scalar("linear", "Linear regression", ybar, -sp.log(Normal(t_real, y, 1)), t_real, Uniform(),
                     (r"\bar{y}", "ybar (identity)"), "Normal", "a real target"),
    "logistic": Scalar("logistic", "Logistic regression", sigma(ybar), -sp.log(Bernoulli(t_binary, y)), t_binary,
                       Integers(0, 1), (r"\sigma(\bar{y})", "σ(ybar)"), "Bernoulli", "the target class, 0 or 1"),
    "poisson": Scalar("poisson", "Poisson regression", sp.exp(ybar), -sp.log(Poisson(t_count, y)), t_count,
                      Integers(0, 6), (r"\exp(\bar{y})", "exp(ybar)"), "Poisson", "the target count, 0, 1, 2, ..."),
}


def _scalar_contexts(model: Scalar) -> tuple[ProofContext, ProofContext]:
    """(logit context: ybar free; weight context: ybar = sum_e x_e w_e + b over e = 1..D)."""
    defs = (SIGMA_DEFINITION, *PMF_DEFINITIONS, define_symbol(L, model.nll), define_symbol(y, model.activation))
    logit = ProofContext(definitions=defs, domains=((model.t, model.t_domain),))
    weights = logit.with_(definitions=(*defs, define_symbol(ybar, LINEAR_PART)), indices=(d,), size=D)
    return logit, weights


def _variables(model: str, extra: dict | None = None) -> dict[str, str]:
    base = {
        "ybar": r"the logit, \bar y = x^T w + b",
        "t": SCALARS[model].target if model in SCALARS else "the one-hot target",
    }
    return {**base, **(extra or {})}


def _scalar_chains(dv: DerivationBuilder, model: Scalar) -> None:
    logit, weights = _scalar_contexts(model)
    t = model.t
    name = model.name
    if name == "linear":
        nll = (
            dv.chain("Linear regression: NLL of one example", L, logit)
            .step(-sp.log(sp.exp(-(t - y) ** 2 / 2) / sp.sqrt(2 * sp.pi)),
                  r"density of the normal distribution $\mathcal{N}(t; y, \sigma^2)$ with $\sigma^2 = 1$")
            .step((t - y) ** 2 / 2 + sp.log(2 * sp.pi) / 2, r"log of a product, $\log e^{u} = u$")
            .step((ybar - t) ** 2 / 2 + sp.log(2 * sp.pi) / 2, r"identity activation, $y = \bar{y}$")
        )
        from_logits = nll.last
        slope, slope_rule = ybar - t, r"derivative of $(\bar{y} - t)^2/2$"
    elif name == "logistic":
        nll = (
            dv.chain("Logistic regression: NLL of one example", L, logit)
            .step(-sp.log(y**t * (1 - y) ** (1 - t)), r"Bernoulli distribution with $p = y$")
            .step(-t * sp.log(y) - (1 - t) * sp.log(1 - y), "log of a product of powers")
            .step(-t * sp.log(sigma(ybar)) - (1 - t) * sp.log(sigma(-ybar)),
                  r"$y = \sigma(\bar{y})$ and $1 - \sigma(\bar{y}) = \sigma(-\bar{y})$")
            .step(t * sp.log(1 + sp.exp(-ybar)) + (1 - t) * sp.log(1 + sp.exp(ybar)),
                  r"$\sigma(u) = 1/(1 + e^{-u})$, $\log(1/v) = -\log v$")
            .step(sp.log(1 + sp.exp(ybar)) - t * ybar, r"$\log(1 + e^{\bar{y}}) - \log(1 + e^{-\bar{y}}) = \bar{y}$")
            .step(softplus(ybar) - t * ybar, r"$\operatorname{softplus}(u) = \log(1 + e^{u})$: the NLL from logits")
        )
        from_logits = nll.last
        slope, slope_rule = sp.exp(ybar) / (1 + sp.exp(ybar)) - t, r"$\operatorname{softplus}'(u) = e^{u}/(1 + e^{u})$"
    else:
        nll = (
            dv.chain("Poisson regression: NLL of one example", L, logit)
            .step(-sp.log(y**t * sp.exp(-y) / sp.factorial(t)), r"Poisson distribution with rate $\lambda = y$")
            .step(y - t * sp.log(y) + sp.log(sp.factorial(t)), "log of a product and a quotient")
            .step(sp.exp(ybar) - t * ybar + sp.log(sp.factorial(t)), r"$y = e^{\bar{y}}$, $\log e^{\bar{y}} = \bar{y}$")
        )
        from_logits = nll.last
        slope, slope_rule = sp.exp(ybar) - t, r"$(e^{u})' = e^{u}$, $\log t!$ is constant"
    nll.result(f"glm.{name}.nll", f"{model.title}: NLL of one example, from the logit",
               _variables(name, {"L": "the negative log-likelihood of one example"}))

    grad = dv.chain(f"{model.title}: gradient with respect to the logit", sp.Derivative(L, ybar), logit)
    grad.step(sp.Derivative(from_logits, ybar), "the NLL from the logit (above)").step(slope, slope_rule)
    if name == "logistic":
        grad.step(sigma(ybar) - t, r"$e^{u}/(1 + e^{u}) = 1/(1 + e^{-u}) = \sigma(u)$")
    grad.result(f"glm.{name}.logit_gradient", f"{model.title}: gradient of the NLL with respect to the logit",
                _variables(name))
    act = grad.last + t  # a(ybar)
    (
        dv.chain(f"{model.title}: gradient with respect to the weights", sp.Derivative(L, w[d]), weights)
        .step((act - t) * sp.Derivative(ybar, w[d]),
              r"chain rule, $\partial L/\partial w_d = (\partial L/\partial \bar{y})(\partial \bar{y}/\partial w_d)$")
        .step((act - t) * sp.Derivative(sp.Sum(xv[e] * w[e], (e, 1, D)) + b, w[d]), r"$\bar{y} = x^T w + b$")
        .step((act - t) * xv[d], r"only the term $e = d$ of $\sum_e x_e w_e$ depends on $w_d$")
        .step((y - t) * xv[d], f"$y = {model.activation_name[0]}$")
        .result(f"glm.{name}.gradient", f"{model.title}: gradient of the NLL with respect to the weights",
                _variables(name, {"y": "the model output a(ybar)", "x_d": "the d-th input feature"}))
    )


# --- multiclass --------------------------------------------------------------------------------

SOFTMAX_Y = define_indexed(yv, lambda q: sp.exp(z[q]) / sp.Sum(sp.exp(z[m]), (m, 1, K)))
CATEGORICAL_NLL = -sp.Sum(tv[k] * sp.log(yv[k]), (k, 1, K))
MULTI_LOGIT = ProofContext(
    definitions=(define_symbol(L, CATEGORICAL_NLL), SOFTMAX_Y),
    identities=(_sum_t_is_one,),
    families=((tv, VectorDomain("one_hot")),),
    indices=(i,),
    size=K,
)
MULTI_WEIGHTS = ProofContext(
    definitions=(define_symbol(L, CATEGORICAL_NLL), SOFTMAX_Y,
                 define_indexed(z, lambda q: sp.Sum(xv[e] * W[e, q], (e, 1, D)))),
)
MULTI_PROVER = explicit_sizes({D: (2, 3), K: (2, 3)}, {d: D, i: K}, {tv: "one_hot"}, cases=4)
MULTI_VARIABLES = {
    "y_i": "the i-th softmax output", "t_i": "the i-th component of the one-hot target 1_t",
    "z_i": "the i-th logit", "x_d": "the d-th input feature",
}


def _outer_product_prover(index_form: sp.Basic, matrix_form: sp.Basic, ctx: ProofContext) -> Proof:
    r"""Entry :math:`(d, i)` of :math:`x (y - \mathbf 1_t)^T` is :math:`x_d (y_i - t_i)`, explicit D, K."""
    rng = random.Random(7)
    checked = []
    for size_d, size_k in ((2, 2), (2, 3), (3, 2), (3, 4)):
        xs = sp.Matrix(sp.symbols(f"x1:{size_d + 1}", real=True))
        ys = sp.Matrix(sp.symbols(f"y1:{size_k + 1}", positive=True))
        hot = rng.randrange(size_k)
        ts = sp.Matrix([int(n == hot) for n in range(size_k)])
        env = {sp.MatrixSymbol("x", D, 1): xs, sp.MatrixSymbol("y", K, 1): ys, sp.MatrixSymbol("1_t", K, 1): ts}
        explicit = matrix_form.subs({D: size_d, K: size_k})
        explicit = explicit.xreplace({sp.MatrixSymbol(str(s.name), size_d if s.name == "x" else size_k, 1): v
                                      for s, v in env.items()}).doit()
        explicit = sp.Matrix(explicit)
        for dd in range(size_d):
            for ii in range(size_k):
                entry = index_form.xreplace({d: dd + 1, i: ii + 1})
                entry = entry.xreplace({xv[dd + 1]: xs[dd], yv[ii + 1]: ys[ii], tv[ii + 1]: ts[ii]})
                if sp.expand(entry - explicit[dd, ii]) != 0:
                    return Proof(False, "symbolic", f"entry ({dd + 1}, {ii + 1}) differs at D = {size_d}, K = {size_k}")
        checked.append(f"{size_d}x{size_k}")
    return Proof(True, "symbolic", f"every entry equal for explicit D x K = {', '.join(checked)} (one-hot t)")


def _multiclass_chains(dv: DerivationBuilder) -> None:
    (
        dv.chain("Multiclass logistic regression: NLL of one example", L, MULTI_LOGIT)
        .step(-sp.Sum(tv[k] * sp.log(yv[k]), (k, 1, K)),
              r"categorical distribution, $p(t \mid x) = y_t = \prod_k y_k^{t_k}$ for the one-hot $\mathbf{1}_t$")
        .step(-sp.Sum(tv[k] * (z[k] - sp.log(sp.Sum(sp.exp(z[m]), (m, 1, K)))), (k, 1, K)),
              r"log of the softmax, $\log y_k = z_k - \log \sum_m e^{z_m}$")
        .step(sp.log(sp.Sum(sp.exp(z[m]), (m, 1, K))) - sp.Sum(tv[k] * z[k], (k, 1, K)),
              r"$\sum_k t_k = 1$; this is log-sum-exp minus $z_t$: the NLL from logits")
        .result("glm.multiclass.nll", "Multiclass logistic regression: NLL of one example, from the logits",
                {**MULTI_VARIABLES, "L": "the negative log-likelihood of one example"})
    )
    (
        dv.chain("Multiclass logistic regression: gradient with respect to the logits", sp.Derivative(L, z[i]),
                 MULTI_LOGIT)
        .step(sp.Derivative(sp.log(sp.Sum(sp.exp(z[m]), (m, 1, K))) - sp.Sum(tv[k] * z[k], (k, 1, K)), z[i]),
              "the NLL from the logits (above)")
        .step(sp.exp(z[i]) / sp.Sum(sp.exp(z[m]), (m, 1, K)) - tv[i],
              r"derivative of the log, $\partial z_m / \partial z_i = \delta_{mi}$")
        .step(yv[i] - tv[i], "definition of softmax")
        .result("glm.multiclass.logit_gradient", "Multiclass logistic regression: gradient with respect to the logits",
                MULTI_VARIABLES)
    )
    (
        dv.chain("Multiclass logistic regression: gradient with respect to the weights", sp.Derivative(L, W[d, i]),
                 MULTI_WEIGHTS)
        .step(sp.Sum((yv[k] - tv[k]) * sp.Derivative(z[k], W[d, i]), (k, 1, K)),
              r"chain rule through the logits $z_k = \sum_e x_e W_{e,k}$, with $\partial L / \partial z_k = y_k - t_k$",
              prover=MULTI_PROVER)
        .step(sp.Sum((yv[k] - tv[k]) * xv[d] * sp.KroneckerDelta(i, k), (k, 1, K)),
              r"$\partial z_k / \partial W_{d,i} = x_d \delta_{ik}$", prover=MULTI_PROVER)
        .step(xv[d] * (yv[i] - tv[i]), r"$\sum_k \delta_{ik} f_k = f_i$", prover=MULTI_PROVER)
        .result("glm.multiclass.gradient", "Multiclass logistic regression: gradient with respect to the weights",
                {**MULTI_VARIABLES, "W_di": "the weight from feature d to class i"})
    )
    xm, ym, onet = sp.MatrixSymbol("x", D, 1), sp.MatrixSymbol("y", K, 1), sp.MatrixSymbol("1_t", K, 1)
    (
        dv.chain("Multiclass gradient, matrix form", xv[d] * (yv[i] - tv[i]))
        .step(xm * (ym - onet).T, r"entry $(d, i)$ of $x (y - \mathbf{1}_t)^T$", prover=_outer_product_prover)
        .result("glm.multiclass.gradient_matrix", r"Multiclass gradient $\nabla_W L$ as a matrix",
                {"x": "the input vector", "y": "the softmax output vector", "1_t": "the one-hot target"})
    )


# --- the inverse problem -----------------------------------------------------------------------

u = sp.Symbol("u", real=True)
#: a'(v) = d a(u)/du at u = v
DA_DEFINITION = define_function(da, lambda v: sp.Subs(sp.Derivative(a(u), u), u, v))
C1 = sp.Symbol("C1", positive=True)


def _inverse_chains(dv: DerivationBuilder) -> None:
    t = t_count
    nll = a(ybar) - t * sp.log(a(ybar)) + sp.log(sp.factorial(t))
    ctx = ProofContext(definitions=(DA_DEFINITION, define_symbol(ybar, LINEAR_PART)), domains=((t, Integers(0, 6)),),
                       indices=(d,), size=D)
    any_a = for_any_function(a, ybar)
    deriv = da(ybar)
    (
        dv.chain(r"Poisson regression: which activation $a$ gives the gradient $(a(\bar{y}) - t) x$?",
                 sp.Derivative(nll, w[d]), ctx)
        .step((deriv - t * deriv / a(ybar)) * xv[d],
              r"Poisson NLL $a - t \log a + \log t!$ with rate $\lambda = a(\bar{y})$; chain rule, "
              r"$\partial \bar{y} / \partial w_d = x_d$", prover=any_a)
        .step(deriv / a(ybar) * (a(ybar) - t) * xv[d], r"factor out $a'(\bar{y}) / a(\bar{y})$", prover=any_a)
    )
    ode_ctx = ProofContext(domains=((C1, Uniform(0.1, 3.0)),))
    ode = sp.Eq(sp.Derivative(a(ybar), ybar), a(ybar))
    (
        dv.chain(r"This is $(a(\bar{y}) - t) x_d$ for every $t$ exactly when $a' = a$; solving the ODE",
                 a(ybar), ode_ctx)
        .step(C1 * sp.exp(ybar), r"general solution of $a'(\bar{y}) = a(\bar{y})$ (SymPy dsolve)",
              prover=ode_solution(ode, a(ybar)))
        .step(sp.exp(ybar + sp.log(C1)), r"$C_1 = e^{\log C_1}$ (a rate is positive, $C_1 > 0$): a shift of the bias $b$")
    )
    (
        dv.chain(r"The activation of Poisson regression (the constant absorbed in the bias, $a(0) = 1$)",
                 a(ybar), ode_ctx)
        .step(sp.exp(ybar), r"solution of $a' = a$ with $a(0) = 1$ (SymPy dsolve)",
              prover=ode_solution(ode, a(ybar), {a(0): 1}))
        .result("glm.poisson.activation", "The activation whose Poisson NLL has the GLM gradient",
                {"ybar": r"the logit, \bar y = x^T w + b"})
    )


# --- the table and the derivation ------------------------------------------------------------


def _table(dv: DerivationBuilder, models, results) -> None:
    text_rows, rows = [], []
    grad = {r.id: r for r in results}
    spec = {
        "linear": ("linear regression", "linear regression", r"\bar{y}", "identity", "Normal",
                   r"\text{NLL} \propto \text{MSE}", "NLL ∝ MSE"),
        "logistic": ("logistic regression", "logistic regression", r"\sigma(\bar{y})", "σ(ybar)", "Bernoulli",
                     r"\text{NLL} = -\log p(t \mid x)", "NLL = -log p(t|x)"),
        "multiclass": ("multiclass logistic regression", "multiclass logistic regression",
                       r"\operatorname{softmax}(\bar{y})", "softmax(ybar)", "categorical",
                       r"\text{NLL} = -\log p(t \mid x)", "NLL = -log p(t|x)"),
        "poisson": ("Poisson regression", "Poisson regression", r"\exp(\bar{y})", "exp(ybar)", "Poisson",
                    r"\text{NLL} = -\log p(t \mid x)", "NLL = -log p(t|x)"),
    }
    for name in models:
        name_tex, name_text, act_tex, act_text, dist, loss_tex, loss_text = spec[name]
        key = "glm.multiclass.gradient_matrix" if name == "multiclass" else f"glm.{name}.gradient"
        r = grad[key]
        rows.append((name_tex, act_tex, dist, loss_tex, f"{to_latex(r.lhs)} = {to_latex(r.expr)}"))
        text_rows.append((name_text, act_text, dist, loss_text, f"{to_text(r.lhs)} = {to_text(r.expr)}"))
    dv.table(Table("The GLM table", ("Name", "Activation", "Distribution", "Loss", "Gradient"),
                   tuple(rows), tuple(text_rows)))


@lru_cache(maxsize=None)
def build(model: str | None = None) -> Derivation:
    """The GLM derivations: all four models, or only ``model`` (one of :data:`MODELS`)."""
    if model is not None and model not in MODELS:
        raise ValueError(f"unknown GLM {model!r}; models: {', '.join(MODELS)}")
    models = MODELS if model is None else (model,)
    title = "Generalized linear models" if model is None else f"Generalized linear models: {model}"
    dv = DerivationBuilder("glm", title, MULTI_LOGIT)
    dv.assume(r"\bar{y} = x^T w + b = \sum_{e=1}^{D} x_e w_e + b,\ y = a(\bar{y})",
              "logit ybar = x^T w + b = sum_e x_e w_e + b, output y = a(ybar)")
    dv.assume(r"L = -\log p(t \mid x; w)", "L = -log p(t | x; w), the NLL of one example (x, t)")
    if "multiclass" in models:
        dv.assume(r"z_i = \bar{y}_i = \sum_{e} x_e W_{e,i},\ y_i = \frac{e^{z_i}}{\sum_{m=1}^{K} e^{z_m}},\ "
                  r"t = \mathbf{1}_t \in \{0, 1\}^K",
                  "multiclass: logits z_i = sum_e x_e W_ei, y = softmax(z), one-hot target t")
    for name in models:
        if name == "multiclass":
            _multiclass_chains(dv)
        else:
            _scalar_chains(dv, SCALARS[name])
    if "poisson" in models:
        _inverse_chains(dv)
    _table(dv, models, dv._results)
    return dv.build()
