"""Benchmark of the stable user modules of ``derive grad --numpy`` (run by hand:
``python tests/bench/bench_grad.py [NAME ...]``).

For each user function below (the kinds of issue 13; several are not in the unit tests):

1. accuracy at the extreme and random inputs of the accuracy check (derive.codegen.user_accuracy:
   0, +-1e-10, +-1, +-40, +-720, +-745 and their combinations, random points), against the exact
   expression in mpmath: the worst *checked* error (relative, scaled by the condition number where
   the expression itself cancels; inf for NaN/inf where the truth is finite) of the generated
   gradient, of naive ``sympy.lambdify(sympy.diff(f))`` (NumPy, the sigmoid written out) and of
   ``jax.grad`` of the formula as written (float64; when jax is installed);
2. speed: time of the generated ``gradient`` over the time of the naive lambdified gradient, on
   1e6 inputs per variable (interleaved runs, best of 5; goal <= 1.5).

Index-notation functions (``VECTOR_FUNCTIONS``, ``derive grad TEXT --wrt z_j --numpy``): the
worst checked error of the generated gradient (the whole vector) at the vector check's inputs
(K = 2..6; extremes, spread and dominant vectors, one-hot and Dirichlet targets), against the
textbook NumPy formula (``exp(z) / sum(exp(z))``) and against SciPy's stable
``scipy.special.softmax`` / ``log_softmax``; speed: time of the generated gradient over the
textbook NumPy formula and over SciPy on a batch (N, K) = (100000, 10).
"""

from __future__ import annotations

import sys
import time
import warnings

import numpy as np
import sympy as sp

from derive.codegen.functions import softplus, to_plain
from derive.codegen.user_accuracy import THRESHOLD, Truth, check_output, points
from derive.codegen.user_module import UnstableModuleError, derivative, generate_user_module
from derive.notation import SIGMA_DEFINITION, sigma

warnings.simplefilter("ignore")
np.seterr(all="ignore")

R = dict(real=True)
x, y, t, b, d, c, s, mu, a, z0, z1, z2, w1, w2, x1, x2 = sp.symbols(
    "x y t b d c s mu a z0 z1 z2 w1 w2 x1 x2", real=True)
lam = sp.Symbol("lambda", real=True)
S = sp.exp(z0) + sp.exp(z1) + sp.exp(z2)
p0, p1, p2 = (sp.exp(z) / S for z in (z0, z1, z2))
GELU_ARG = sp.sqrt(2 / sp.pi) * (x + sp.Float("0.044715") * x ** 3)


def _sig_written(u):
    return 1 / (1 + sp.exp(-u))


#: name -> (expression, wrt). Functions users write, in the forms they write them.
FUNCTIONS = {
    "sigmoid": (sigma(x), [x]),
    "sigmoid (written out)": (1 / (1 + sp.exp(-x)), [x]),
    "log sigmoid": (sp.log(sigma(x)), [x]),
    "swish": (x * sigma(x), [x]),
    "swish-beta (written out)": (x / (1 + sp.exp(-b * x)), [x, b]),
    "GELU (tanh form)": (x / 2 * (1 + sp.tanh(GELU_ARG)), [x]),
    "mish": (x * sp.tanh(sp.log(1 + sp.exp(x))), [x]),
    "softplus (log form)": (sp.log(1 + sp.exp(x)), [x]),
    "softplus (function)": (softplus(x), [x]),
    "softplus-beta": (sp.log(1 + sp.exp(b * x)) / b, [x]),
    "log-cosh": (sp.log(sp.cosh(x)), [x]),
    "softsign": (x / (1 + sp.Abs(x)), [x]),
    "pseudo-Huber": (d ** 2 * (sp.sqrt(1 + (x / d) ** 2) - 1), [x, d]),
    "ELU": (sp.Piecewise((x, x > 0), (sp.exp(x) - 1, True)), [x]),
    "tanh (written out)": ((sp.exp(x) - sp.exp(-x)) / (sp.exp(x) + sp.exp(-x)), [x]),
    "logistic loss, labels +-1": (sp.log(1 + sp.exp(-y * x)), [x]),
    "binary cross-entropy (sigma)": (-(t * sp.log(sigma(x)) + (1 - t) * sp.log(1 - sigma(x))), [x]),
    "binary cross-entropy (written out)": (
        -(t * sp.log(_sig_written(x)) + (1 - t) * sp.log(1 - _sig_written(x))), [x]),
    "focal loss, gamma = 2": (
        -(t * (1 - sigma(x)) ** 2 * sp.log(sigma(x)) + (1 - t) * sigma(x) ** 2 * sp.log(1 - sigma(x))), [x]),
    "Poisson NLL (log link)": (sp.exp(x) - t * x, [x]),
    "Poisson NLL (softplus link)": (softplus(x) - t * sp.log(softplus(x)), [x]),
    "Gaussian NLL, learned log-scale": ((y - mu) ** 2 * sp.exp(-2 * s) / 2 + s, [mu, s]),
    "Cauchy loss": (sp.log(1 + ((x - mu) / c) ** 2), [x, c]),
    "Student-t NLL (nu = 3)": (2 * sp.log(1 + x ** 2 / 3), [x]),
    "least squares, one example": ((a * x1 + b - y) ** 2 / 2, [a, b]),
    "quadratic form (2x2)": (a * x1 ** 2 + 2 * b * x1 * x2 + c * x2 ** 2, [x1, x2]),
    "logsumexp (3)": (sp.log(S), [z0, z1, z2]),
    "softmax cross-entropy (3, class 0)": (-z0 + sp.log(S), [z0, z1, z2]),
    "softmax cross-entropy (log of softmax)": (-sp.log(p1), [z0, z1, z2]),
    "softmax entropy (3)": (-(p0 * sp.log(p0) + p1 * sp.log(p1) + p2 * sp.log(p2)), [z0, z1]),
    "logistic regression (2 features)": (
        -(t * sp.log(sigma(w1 * x1 + w2 * x2 + b)) + (1 - t) * sp.log(1 - sigma(w1 * x1 + w2 * x2 + b))),
        [w1, w2]),
    "L2-regularised (lambda keyword)": (sp.log(1 + sp.exp(-x)) + lam * x ** 2 / 2, [x, lam]),
    "squared hinge": (sp.Max(0, 1 - y * x) ** 2, [x]),
    "ReLU": (sp.Max(x, 0), [x]),
}


def gradients_of(expr, wrt):
    return [(v, derivative(expr, v)) for v in wrt]


def naive_gradient(expr, wrt, symbols):
    plain = to_plain(SIGMA_DEFINITION(expr))
    return sp.lambdify(symbols, [sp.diff(plain, v) for v in wrt], modules="numpy")


def _jax_gradient(expr, wrt, symbols):
    try:
        import jax
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    f = sp.lambdify(symbols, to_plain(SIGMA_DEFINITION(expr)), modules="jax")
    return [jax.vmap(jax.grad(f, argnums=symbols.index(v))) for v in wrt]


def _worst(outs, truth, values, pts, symbols):
    """The worst checked error over the gradient's components (values: the truths at pts)."""
    return max(check_output("g", truth, np.broadcast_to(o, pts.shape[:1]), pts, symbols,
                            values=[v[k] for v in values], output=k)[0].checked
               for k, o in enumerate(outs))


def _time(f, repeat=5):
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t0)
    return best


def run(name, expr, wrt):
    grads = gradients_of(expr, wrt)
    try:
        module = generate_user_module(expr, grads, expression_text=name, command="bench_grad")
        status = "ok"
    except UnstableModuleError as exc:
        module = generate_user_module(expr, grads, expression_text=name, command="bench_grad", force=True)
        status = "REFUSED"
    ns: dict = {}
    exec(module.source, ns)
    symbols = sorted(expr.free_symbols | set(wrt), key=lambda v: v.name)
    pts = points(symbols, np.random.default_rng(7))
    kwargs = {v.name: pts[:, i] for i, v in enumerate(symbols)}
    ours = ns["gradient"](**kwargs)
    ours = [ours] if len(wrt) == 1 else list(ours)
    truth = Truth([g for _, g in grads], symbols)
    values = [truth.values(p) for p in pts]
    naive = naive_gradient(expr, wrt, symbols)
    err_ours = _worst(ours, truth, values, pts, symbols)
    err_naive = _worst(naive(*pts.T), truth, values, pts, symbols)
    jax_grads = _jax_gradient(expr, wrt, symbols)
    err_jax = ("jax not installed" if jax_grads is None else
               f"{_worst([np.asarray(g(*pts.T)) for g in jax_grads], truth, values, pts, symbols):.3g}")
    rng = np.random.default_rng(1)
    big = [rng.normal(0.0, 3.0, 10 ** 6) for _ in symbols]
    big_kwargs = {v.name: arr for v, arr in zip(symbols, big)}
    t_ours = t_naive = np.inf
    for _ in range(2):  # interleaved
        t_ours = min(t_ours, _time(lambda: ns["gradient"](**big_kwargs)))
        t_naive = min(t_naive, _time(lambda: naive(*big)))
    return status, err_ours, err_naive, err_jax, t_ours / t_naive


#: name -> (index-notation text, textbook NumPy gradient, SciPy gradient); z, t of shape (N, K).
def _np_softmax(z):
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _np_entropy_grad(z):
    p = _np_softmax(z)
    h = -(p * np.log(p)).sum(axis=-1, keepdims=True)
    return -p * (np.log(p) + h)


def _sp_entropy_grad(z):
    from scipy.special import log_softmax, softmax

    p, lp = softmax(z, axis=-1), log_softmax(z, axis=-1)
    h = -(p * lp).sum(axis=-1, keepdims=True)
    return -p * (lp + h)


def _sp(name):
    def f(*args):
        from scipy import special

        return getattr(special, name)(*args, axis=-1)
    return f


VECTOR_FUNCTIONS = {
    "logsumexp (vector)": ("logsumexp(z)", lambda z, t: _np_softmax(z), lambda z, t: _sp("softmax")(z)),
    "logsumexp (written as a sum)": ("log(sum_k exp(z_k))", lambda z, t: _np_softmax(z),
                                     lambda z, t: _sp("softmax")(z)),
    "softmax cross-entropy (vector)": ("-sum_k t_k*log(softmax(z)_k)", lambda z, t: _np_softmax(z) - t,
                                       lambda z, t: _sp("softmax")(z) - t),
    "log-likelihood via log_softmax": ("sum_k t_k*log_softmax(z)_k", lambda z, t: t - _np_softmax(z),
                                       lambda z, t: t - _sp("softmax")(z)),
    "softmax entropy (vector)": ("-sum_k softmax(z)_k*log(softmax(z)_k)", lambda z, t: _np_entropy_grad(z),
                                 lambda z, t: _sp_entropy_grad(z)),
}


def run_vector(name, text, naive, scipy_grad):
    from derive.codegen.user_accuracy import Truth
    from derive.codegen.vector_accuracy import SIZES, _Layout, _vector_samples
    from derive.codegen.vector_module import generate_vector_module, vector_variables
    from derive.differentiate import grad
    from derive.differentiate.functions import for_codegen

    deriv = grad(text, ["z_j"])
    value = for_codegen(deriv.steps[0].lhs.expr)
    (res,) = deriv.results
    gradient, wrt = for_codegen(res.expr), res.lhs.variables[0]
    said = {a.text.split(" is a distribution")[0] for a in deriv.assumptions if " is a distribution" in a.text}
    vectors, scalars = vector_variables(value, gradient)
    vectors = sorted(set(vectors) | {wrt.base}, key=lambda v: v.label.name)
    dists = [v for v in vectors if v.label.name in said]
    try:
        module = generate_vector_module(value, gradient, wrt, expression_text=name, command="bench_grad",
                                        distributions=dists)
        status = "ok"
    except UnstableModuleError:
        module = generate_vector_module(value, gradient, wrt, expression_text=name, command="bench_grad",
                                        distributions=dists, force=True)
        status = "REFUSED"
    ns: dict = {}
    exec(module.source, ns)
    rng = np.random.default_rng(7)
    errors = [0.0, 0.0, 0.0]
    for k in SIZES:
        layout = _Layout(k, vectors, scalars)
        z = _vector_samples(rng, k, False, 32)
        tz = _vector_samples(rng, k, True, 32)
        arrays = {v: (tz if v.label.name == "t" else z) for v in vectors}
        pts = np.concatenate([arrays[v] for v in vectors], axis=1)
        exprs = [layout.concrete(gradient, wrt.indices[0], j) for j in range(1, k + 1)]
        exact = [n for n, s_ in enumerate(layout.symbols) if any(s_ in layout.entries[v] for v in dists)]
        truth = Truth(exprs, layout.symbols, exact)
        values = [truth.values(p_) for p_ in pts]
        kw = {v.label.name: arrays[v] for v in vectors}
        for n, out in enumerate([ns["gradient"](**kw), naive(z, tz), scipy_grad(z, tz)]):
            for j in range(k):
                w, _ = check_output("g", truth, out[:, j], pts, layout.symbols, values=[v[j] for v in values],
                                    output=j)
                errors[n] = max(errors[n], w.checked)
    big_z = np.random.default_rng(1).normal(0.0, 3.0, (100_000, 10))
    big_t = np.eye(10)[np.random.default_rng(2).integers(0, 10, 100_000)]
    kw = {v.label.name: (big_t if v.label.name == "t" else big_z) for v in vectors}
    t_ours = t_naive = t_scipy = np.inf
    for _ in range(2):  # interleaved
        t_ours = min(t_ours, _time(lambda: ns["gradient"](**kw)))
        t_naive = min(t_naive, _time(lambda: naive(big_z, big_t)))
        t_scipy = min(t_scipy, _time(lambda: scipy_grad(big_z, big_t)))
    return status, errors, t_ours / t_naive, t_ours / t_scipy


def main_vector(names=None):
    chosen = {k: v for k, v in VECTOR_FUNCTIONS.items() if not names or k in names}
    if not chosen:
        return
    print()
    print(f"{'index notation (gradient vector)':40s} {'check':8s} {'generated':>10s} {'textbook':>10s} "
          f"{'scipy':>10s} {'t/textbook':>10s} {'t/scipy':>10s}")
    for name, (text, naive, scipy_grad) in chosen.items():
        status, (e_ours, e_naive, e_scipy), r_naive, r_scipy = run_vector(name, text, naive, scipy_grad)
        print(f"{name:40s} {status:8s} {e_ours:10.3g} {e_naive:10.3g} {e_scipy:10.3g} {r_naive:10.2f} "
              f"{r_scipy:10.2f}", flush=True)


def main(names=None):
    chosen = {k: v for k, v in FUNCTIONS.items() if not names or k in names}
    main_vector(names)
    if not chosen:
        return
    print(f"{'function':40s} {'check':8s} {'generated':>10s} {'lambdify':>10s} {'jax.grad':>18s} {'time ratio':>10s}")
    print(f"{'':40s} {'':8s} {'worst checked error of the gradient (threshold %g)' % THRESHOLD:>40s}")
    ratios = []
    for name, (expr, wrt) in chosen.items():
        status, e_ours, e_naive, e_jax, ratio = run(name, expr, wrt)
        ratios.append(ratio)
        print(f"{name:40s} {status:8s} {e_ours:10.3g} {e_naive:10.3g} {e_jax:>18s} {ratio:10.2f}", flush=True)
    print(f"time ratio generated / lambdify: median {np.median(ratios):.2f}, max {np.max(ratios):.2f} (goal <= 1.5)")


if __name__ == "__main__":
    main(sys.argv[1:])
