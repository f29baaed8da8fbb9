r"""The kernel specifications: for each public kernel, the derivation results it comes from, the
rewrite rules that make it stable, and how its body is laid out around the printed formulas.

Elementwise kernels are a derived expression, rewritten by :mod:`derive.codegen.rewriting` and
printed (with common subexpressions shared) by :mod:`derive.codegen.printer`. Row-wise kernels
(softmax family) print their per-entry formulas the same way; the row reductions around them
(max-shift, sum without the top entry) are the NumPy building blocks of
:mod:`derive.codegen.runtime`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from derive.codegen import rewriting as rw
from derive.codegen.functions import log1p, softplus
from derive.codegen.printer import KernelPrinter, print_assignments
from derive.codegen.sources import find_result, result
from derive.notation import sigma

x = sp.Symbol("x", real=True)
ybar = sp.Symbol("ybar", real=True)
eta = sp.Symbol("eta", real=True)
tt = sp.Symbol("t", real=True)


@dataclass
class KernelCode:
    name: str
    signature: str
    doc: str
    #: Result ids the kernel is generated from (they enter the module digest).
    sources: tuple[str, ...]
    body: list[str]
    #: The SymPy expressions the body was printed from (they enter the digest too).
    exprs: list = field(default_factory=list)
    topic: str = "sigmoid"
    #: ``(signature, body lines)`` of the private per-block function the public one drives
    #: over cache-sized blocks (see ``derive.codegen.runtime._elementwise``).
    block: tuple[str, list[str]] | None = None
    #: The rewritten (stable) expression an elementwise block was printed from.
    stable: sp.Basic | None = None
    #: Row-wise kernels: the formula of one entry in the shifted row's symbols ``e`` (the
    #: shifted exponential), ``rest`` (its row sum without the top entry), ``d`` and ``err``
    #: (``z_i - max z`` and its rounding error); printed for the fused backend.
    entry: sp.Basic | None = None


def _sources(*ids: str) -> tuple[str, ...]:
    return tuple(i for i in ids if find_result(i) is not None)


def _elementwise(name, args, expr, doc, sources, *, rules, errstate=None, topic="sigmoid", as_float=True):
    original = expr
    for rule in rules:
        expr = rule(expr)
    lines, final = print_assignments(expr)
    block = (f"_{name}_block({', '.join(args)})", lines + [f"return {final}"])
    call = f"return _elementwise(_{name}_block, {', '.join(args)})"
    body = [f"with numpy.errstate({errstate}):", "    " + call] if errstate else [call]
    return KernelCode(name, f"{name}({', '.join(args)})", doc, sources, body, [original], topic, block, expr)


def _rule_names(*rules):
    return "; ".join(f"{r.name} ({r.identity})" for r in rules)


# --- activations ------------------------------------------------------------------------------


def sigmoid_kernels() -> list[KernelCode]:
    out = []
    rules = (rw.SIGMA_BY_SIGN,)
    out.append(_elementwise(
        "sigmoid", ["x"], sigma(x),
        r"""The logistic sigmoid :math:`\sigma(x) = 1/(1 + e^{-x})`, elementwise.

    Stable form by the symmetry :math:`\sigma(-x) = 1 - \sigma(x)` (``sigmoid.symmetry``):
    :math:`1/(1 + e^{-|x|})` for :math:`x \ge 0` and :math:`e^{-|x|}/(1 + e^{-|x|})` for
    :math:`x < 0`, so only :math:`e^{-|x|} \le 1` is formed (no overflow; subnormal results kept).""",
        _sources("sigmoid.symmetry"), rules=rules))
    stable = result("sigmoid.derivative_stable")
    rules = (rw.SIGMA_PRODUCT,)
    out.append(_elementwise(
        "sigmoid_derivative", ["x"], stable.expr,
        r"""The derivative :math:`\sigma'(x) = \sigma(x)\,\sigma(-x)`, elementwise
    (``sigmoid.derivative_stable``; not :math:`\sigma(1 - \sigma)`, which is 0 instead of
    4.2e-18 at x = 40).

    The product is even, so it is :math:`E/(1 + E)^2` with :math:`E = e^{-|x|}`
    (``sigmoid.symmetry``): no overflow, no cancellation.""",
        _sources("sigmoid.derivative_stable", "sigmoid.symmetry"), rules=rules))
    rules = (rw.LOG_SIGMA, rw.SOFTPLUS_STABLE)
    out.append(_elementwise(
        "log_sigmoid", ["x"], sp.log(sigma(x)),
        r""":math:`\log \sigma(x) = -\log(1 + e^{-x}) = -\operatorname{softplus}(-x)`, elementwise.

    Stable form :math:`\min(x, 0) - \operatorname{log1p}(e^{-|x|})` from
    :math:`\log(1 + e^{u}) = u + \log(1 + e^{-u})` (the log-add-exp identity): exact to the last
    bits both for :math:`x \to -\infty` (:math:`\approx x`) and :math:`x \to \infty`
    (:math:`\approx -e^{-x}`).""",
        _sources("sigmoid.symmetry"), rules=rules))
    rules = (rw.SOFTPLUS_STABLE,)
    out.append(_elementwise(
        "softplus", ["x"], softplus(x),
        r""":math:`\operatorname{softplus}(x) = \log(1 + e^{x})`, elementwise.

    Stable form :math:`\max(x, 0) + \operatorname{log1p}(e^{-|x|})` (log-add-exp identity
    :math:`\log(1 + e^{u}) = u + \log(1 + e^{-u})`).""",
        (), rules=rules))
    tanh_d = result("sigmoid.tanh_derivative")
    rules = (rw.TANH_DERIVATIVE, rw.SIGMA_PRODUCT)
    out.append(_elementwise(
        "tanh_derivative", ["x"], tanh_d.expr,
        r"""The derivative of tanh, :math:`1 - \tanh^2(x)`, elementwise (``sigmoid.tanh_derivative``).

    Stable form :math:`4\sigma(2x)\sigma(-2x) = 4E/(1 + E)^2` with :math:`E = e^{-2|x|}`
    (``sigmoid.tanh_derivative``, ``sigmoid.symmetry``): :math:`1 - \tanh^2` cancels to 0 for
    :math:`|x| > 19` where the truth is :math:`\approx 4 e^{-2|x|}`.""",
        _sources("sigmoid.tanh_derivative", "sigmoid.symmetry"), rules=rules, errstate='over="ignore"'))
    relu = sp.Max(x, 0)
    out.append(_elementwise(
        "relu", ["x"], relu,
        r""":math:`\operatorname{relu}(x) = \max(x, 0)`, elementwise.""", (), rules=(), topic="mlp"))
    rules = (rw.HEAVISIDE,)
    out.append(_elementwise(
        "relu_derivative", ["x"], sp.diff(relu, x),
        r"""The derivative of relu, the Heaviside step: 1 where :math:`x > 0`, else 0 (the value
    at 0 is the subgradient 0).""", (), rules=rules, topic="mlp"))
    out.append(_elementwise(
        "identity", ["x"], x, r"""The identity activation :math:`x` (as a float array; no copy is made).""", (), rules=(),
        topic="mlp"))
    out.append(KernelCode(
        "identity_derivative", "identity_derivative(x)",
        r"""The derivative of the identity, :math:`1`, shaped like ``x``.""", (),
        ["x = _as_float(x)", f"return numpy.full_like(x, {float(sp.diff(x, x))!r})"], [sp.diff(x, x)], "mlp"))
    return out


# --- softmax family -----------------------------------------------------------------------------

_E, _REST, _D, _ERR = sp.symbols("e rest d err", real=True)
_SHIFT_PRELUDE = [
    "d, err, rows, top = _shift_by_max(z)",
    "e, rest = _exp_rest(d, err, rows, top)",
]


def _shifted_softmax_expr():
    r"""``softmax.shift_invariance`` with :math:`c = -\max_k z_k`: the numerator
    :math:`e^{z_i - m}` is ``e``, and the sum is ``1 + rest`` (the top term is :math:`e^0 = 1`)."""
    inv = result("softmax.shift_invariance")
    expr = inv.lhs.replace(lambda a: isinstance(a, sp.Sum), lambda a: 1 + _REST)
    # e = e^{d + err} ~ e^d (1 + err): the recovered rounding error of z - m to first order.
    return expr.replace(lambda a: isinstance(a, sp.exp), lambda a: _E), inv.lhs


def _log1p_rule(expr):
    return expr.replace(lambda a: isinstance(a, sp.log) and a.args[0] == 1 + _REST, lambda a: log1p(_REST))


def softmax_kernels() -> list[KernelCode]:
    printer = KernelPrinter()
    y, source = _shifted_softmax_expr()
    out = [KernelCode(
        "softmax", "softmax(z, axis=-1)",
        r"""Softmax :math:`y_i = e^{z_i} / \sum_k e^{z_k}` along ``axis`` (any shape).

    Max-shift by shift invariance (``softmax.shift_invariance``, :math:`c = -\max_k z_k`): only
    :math:`e^{d}` with :math:`d \le 0` is formed. The rounding error of :math:`z - \max z` is
    recovered exactly (TwoSum) and applied to first order, so tiny probabilities keep full
    relative accuracy, and the sum is :math:`1 + \text{rest}` (the top term is exactly 1).""",
        _sources("softmax.shift_invariance"),
        ["return _rowwise(_softmax_block, z, axis)"], [source], "softmax",
        ("_softmax_block(z)", [*_SHIFT_PRELUDE, f"return {printer.doprint(y)}"]), entry=y)]

    logp = result("softmax.log_probabilities")
    # log y_i = z_i - log Sigma_C, shifted: d_i - log(1 + rest), then the recovered rounding error.
    shifted = logp.expr.replace(lambda a: isinstance(a, sp.Indexed), lambda a: _D)
    shifted = shifted.replace(lambda a: isinstance(a, sp.Symbol) and a.name == "Sigma_C", lambda a: 1 + _REST)
    shifted = _log1p_rule(shifted)
    # d - log1p(rest) + err, summed as (err - log1p(rest)) + d: the small terms first.
    small = sp.Add(_ERR, shifted - _D, evaluate=False)
    ordered = sp.Add(small, shifted - (shifted - _D), evaluate=False)
    out.append(KernelCode(
        "log_softmax", "log_softmax(z, axis=-1)",
        r"""Log-softmax :math:`\log y_i = z_i - \log \sum_k e^{z_k}` along ``axis``
    (``softmax.log_probabilities``).

    Max-shift (``softmax.shift_invariance``): :math:`(z_i - m) - \operatorname{log1p}(\text{rest})`
    where rest is the sum without the top term, so the top class gets :math:`-\text{rest}`
    (e.g. -1.7e-27) instead of 0; the recovered rounding error of :math:`z_i - m` is added to the
    small term before the large one.""",
        _sources("softmax.log_probabilities", "softmax.shift_invariance"),
        ["return _rowwise(_log_softmax_block, z, axis)"], [logp.expr], "softmax",
        ("_log_softmax_block(z)", [*_SHIFT_PRELUDE, f"return {printer.doprint(ordered)}"]), entry=ordered))
    jac = result("softmax.jacobian")
    names = {}
    for a in jac.expr.atoms(sp.Indexed):
        names[a] = sp.Symbol(f"y_{a.indices[0]}")
    for a in jac.expr.atoms(sp.KroneckerDelta):
        names[a] = sp.Symbol("delta_ij")
    out.append(KernelCode(
        "softmax_jacobian", "softmax_jacobian(z)",
        r"""Jacobian of softmax along the last axis: ``z`` (..., K) -> (..., K, K) with entry
    ``[..., i, j]`` :math:`= \partial y_i / \partial z_j = y_i(\delta_{ij} - y_j)`
    (``softmax.jacobian``; :math:`\operatorname{diag}(y) - y y^T`, ``softmax.jacobian_matrix``),
    with :math:`y` from :func:`softmax` (max-shifted).""",
        _sources("softmax.jacobian"),
        ["y = softmax(z, axis=-1)",
         "y_i = y[..., :, None]",
         "y_j = y[..., None, :]",
         "delta_ij = numpy.eye(y.shape[-1])",
         f"return {printer.doprint(jac.expr.xreplace(names))}"], [jac.expr], "softmax"))
    return out


# --- losses from logits --------------------------------------------------------------------------


def _from_glm(result_id: str, logit: sp.Symbol, *, drop_constants: bool = False) -> sp.Basic:
    """A GLM result in the kernels' symbols: the logit symbol ``ybar`` renamed to ``logit``,
    the target to ``t``, the topic's ``softplus`` notation to :class:`softplus`; with
    ``drop_constants`` (NLLs), additive terms that do not depend on the logit (normalising
    constants such as log t!) are dropped."""
    expr = result(result_id).expr
    names = {"ybar": logit, "t": tt}
    expr = expr.xreplace({s: names[s.name] for s in expr.free_symbols if s.name in names})
    expr = expr.replace(lambda e: isinstance(e, sp.Function) and type(e).__name__ == "softplus"
                        and not isinstance(e, softplus), lambda e: softplus(*e.args))
    if drop_constants and expr.is_Add:
        return expr.as_independent(logit, as_Add=True)[1]
    return expr


def loss_kernels() -> list[KernelCode]:
    out = []
    g = _from_glm("glm.linear.nll", ybar, drop_constants=True)
    out.append(_elementwise(
        "gaussian_nll", ["ybar", "t"], g,
        r"""Gaussian (MSE) negative log-likelihood per example, :math:`(\bar y - t)^2 / 2`
    (unit variance; the constant :math:`\log(2\pi)/2` is dropped). No mean is taken.""",
        ("glm.linear.nll",), rules=(), errstate='over="ignore"', topic="glm"))
    out.append(_elementwise(
        "gaussian_nll_grad", ["ybar", "t"], _from_glm("glm.linear.logit_gradient", ybar),
        r"""Gradient of :func:`gaussian_nll` with respect to the logit: :math:`\bar y - t`.""",
        ("glm.linear.logit_gradient",), rules=(), errstate='over="ignore"', topic="glm"))
    b = _from_glm("glm.logistic.nll", ybar, drop_constants=True)
    rules = (rw.SOFTPLUS_IN_SUM,)
    out.append(_elementwise(
        "bernoulli_nll", ["ybar", "t"], b,
        r"""Bernoulli NLL (binary cross-entropy) from the logit, per example:
    :math:`-t\log\sigma(\bar y) - (1 - t)\log\sigma(-\bar y) = \operatorname{softplus}(\bar y) - t\bar y`.

    Stable form :math:`(\max(\bar y, 0) - t\bar y) + \operatorname{log1p}(e^{-|\bar y|})`
    (``glm.logistic.nll``, then the log-add-exp identity
    :math:`\log(1 + e^{u}) = u + \log(1 + e^{-u})`); exact for :math:`t \in \{0, 1\}` at any
    logit.""",
        ("glm.logistic.nll",), rules=rules, topic="glm"))
    bgrad = _from_glm("glm.logistic.logit_gradient", ybar)
    rules = (rw.SIGMA_MINUS_TARGET, rw.SIGMA_BY_SIGN)
    out.append(_elementwise(
        "bernoulli_nll_grad", ["ybar", "t"], bgrad,
        r"""Gradient of :func:`bernoulli_nll` with respect to the logit: :math:`\sigma(\bar y) - t`
    (``glm.logistic.logit_gradient``).

    Stable form :math:`(1 - t)\sigma(\bar y) - t\sigma(-\bar y)` (``sigmoid.symmetry``): for
    :math:`t = 1` the result is :math:`-\sigma(-\bar y)` (e.g. -4.2e-18 at 40), not 0.""",
        ("glm.logistic.logit_gradient", "sigmoid.symmetry"), rules=rules, topic="glm"))
    p = _from_glm("glm.poisson.nll", eta, drop_constants=True)
    out.append(_elementwise(
        "poisson_nll", ["eta", "t"], p,
        r"""Poisson NLL from the log-rate :math:`\eta` (:math:`\lambda = e^\eta`), per example:
    :math:`e^\eta - t\eta`. The term :math:`\log t!` does not depend on :math:`\eta` and is
    dropped. Formed from the log-rate, never from :math:`\log\lambda` of a rounded rate
    (``glm.poisson.nll``).""",
        ("glm.poisson.nll",), rules=(), errstate='over="ignore"', topic="glm"))
    out.append(_elementwise(
        "poisson_nll_grad", ["eta", "t"], _from_glm("glm.poisson.logit_gradient", eta),
        r"""Gradient of :func:`poisson_nll` with respect to the log-rate: :math:`e^\eta - t`
    (``glm.poisson.logit_gradient``).""",
        ("glm.poisson.logit_gradient",), rules=(), errstate='over="ignore"', topic="glm"))
    out += _categorical_kernels()
    return out


def _categorical_kernels() -> list[KernelCode]:
    printer = KernelPrinter()
    logp = result("softmax.log_probabilities")
    d_t, err_t = sp.symbols("d_t err_t", real=True)
    # -log y_t = -(z_t - log Sigma_C), shifted; the rounding error of z_t - m is subtracted last.
    neg = -logp.expr
    neg = neg.replace(lambda a: isinstance(a, sp.Indexed), lambda a: d_t)
    neg = neg.replace(lambda a: isinstance(a, sp.Symbol) and a.name == "Sigma_C", lambda a: 1 + _REST)
    neg = _log1p_rule(neg)
    # log1p(rest) - d_t - err_t, summed as (log1p(rest) - err_t) - d_t.
    nll = sp.Add(sp.Add(neg + d_t, -err_t, evaluate=False), -d_t, evaluate=False)
    take = [*_SHIFT_PRELUDE]
    out = [KernelCode(
        "categorical_nll", "categorical_nll(z, t)",
        r"""Categorical NLL (cross-entropy) from logits, per example: ``z`` (N, K), ``t`` (N,)
    integer classes -> (N,), :math:`\log\sum_k e^{z_k} - z_t = -\log\operatorname{softmax}(z)_t`
    (``softmax.log_probabilities``), max-shifted (``softmax.shift_invariance``) with the
    rounding error of :math:`z_t - \max z` recovered and :math:`\operatorname{log1p}` of the
    sum without its top term.""",
        _sources("softmax.log_probabilities", "softmax.shift_invariance"),
        ["return _rows_with_targets(_categorical_nll_block, z, t)"], [logp.expr], "glm",
        ("_categorical_nll_block(z, t)",
         [*take,
          "d_t = d[rows, t]",
          "err_t = err[rows, t]",
          "rest = rest[:, 0]",
          f"return {printer.doprint(nll)}"]))]
    y, _ = _shifted_softmax_expr()
    ce = result("softmax.ce_gradient")
    # At the target, y_t - 1; when the target is the top entry, y_t = 1/(1 + rest), so the
    # gradient simplifies to -rest/(1 + rest) (no cancellation of y_t - 1).
    (y_sym,) = [a for a in ce.expr.atoms(sp.Indexed) if a.base.name == "y"]
    (t_sym,) = [a for a in ce.expr.atoms(sp.Indexed) if a.base.name == "t"]
    at_target = ce.expr.subs({t_sym: 1})
    at_top = sp.cancel(at_target.subs({y_sym: 1 / (1 + _REST)}))
    at_target = at_target.subs({y_sym: sp.Symbol("y_t")})
    out.append(KernelCode(
        "categorical_nll_grad", "categorical_nll_grad(z, t)",
        r"""Gradient of :func:`categorical_nll` with respect to the logits: ``z`` (N, K), ``t``
    (N,) -> (N, K), :math:`\operatorname{softmax}(z) - \mathbf 1_t` (``softmax.ce_gradient``).

    Softmax as in :func:`softmax`; at the target class, when it is the top logit, the entry
    :math:`y_t - 1` is formed as :math:`-\text{rest}/(1 + \text{rest})` (exact algebra on the
    shifted sum), so a confident correct prediction gives -1e-30, not 0.""",
        _sources("softmax.ce_gradient", "softmax.shift_invariance"),
        ["return _rows_with_targets(_categorical_nll_grad_block, z, t)"], [ce.expr], "glm",
        ("_categorical_nll_grad_block(z, t)",
         [*take,
          f"y = {printer.doprint(y)}",
          "y_t = y[rows, t]",
          "rest = rest[:, 0]",
          f"y[rows, t] = numpy.where(t == top, {printer.doprint(at_top)}, {printer.doprint(at_target)})",
          "return y"])))
    return out


# --- dense layer and F-beta ---------------------------------------------------------------------


def dense_kernels() -> list[KernelCode]:
    r"""Backward step of :math:`\bar Y = X W + \mathbf 1 b^T`: the gradients of any loss
    :math:`L` with :math:`G = \partial L / \partial \bar Y` are those of the linear form
    :math:`\operatorname{tr}(G^T \bar Y)`; SymPy's matrix calculus differentiates it."""
    n, m, o = sp.symbols("N M O", integer=True, positive=True)
    X = sp.MatrixSymbol("inputs", n, m)
    W = sp.MatrixSymbol("weights", m, o)
    G = sp.MatrixSymbol("grad_out", n, o)
    b = sp.MatrixSymbol("bias", o, 1)
    linear = sp.Trace(G.T * (X * W + sp.OneMatrix(n, 1) * b.T))
    printer = KernelPrinter()
    grads = _mlp_dense_gradients()
    sources = ("mlp.output_weight_gradient", "mlp.output_bias_gradient", "mlp.hidden_gradient") if grads else ()
    if grads is None:  # before the mlp topic: SymPy's matrix calculus of the linear form
        grads = [sp.diff(linear, v) for v in (W, b, X)]
    texts = [printer.doprint(g) for g in grads]
    body = [
        "grad_out = _as_float(grad_out)",
        "inputs = _as_float(inputs)",
        "weights = _as_float(weights)",
        "_check_dense(grad_out, inputs, weights)",
        f"grad_weights = {texts[0]}",
        f"grad_bias = {texts[1]}",
        f"grad_inputs = {texts[2]}",
        "return grad_weights, grad_bias, grad_inputs",
    ]
    return [KernelCode(
        "dense_backward", "dense_backward(grad_out, inputs, weights)",
        r"""Backward step of a dense layer :math:`\bar Y = X W + \mathbf 1 b^T`.

    ``grad_out`` :math:`G = \partial L/\partial \bar Y` (N, O), ``inputs`` X (N, M), ``weights``
    W (M, O) -> ``(grad_weights, grad_bias, grad_inputs)``: :math:`X^T G` (M, O),
    :math:`G^T \mathbf 1` (O,), :math:`G W^T` (N, M) (matrix calculus of
    :math:`\operatorname{tr}(G^T \bar Y)`, or the ``mlp`` results :math:`H^T G^{(y)}`,
    :math:`G^{(y)T}\mathbf 1` and the :math:`G^{(y)} W^{(y)T}` factor of :math:`G^{(h)}`; BLAS
    products). No :math:`1/N` inside: the caller scales ``grad_out``.""",
        sources, body, grads, "mlp")]


def _mlp_dense_gradients():
    """``[X^T G, G^T 1, G W^T]`` from the mlp results (output weight and bias gradients, and the
    factor of the hidden gradient before the elementwise f'), renamed to the kernel's arguments;
    ``None`` while the mlp topic has not landed."""
    ids = ("mlp.output_weight_gradient", "mlp.output_bias_gradient", "mlp.hidden_gradient")
    found = [find_result(i) for i in ids]
    if any(r is None for r in found):
        return None
    weight, bias, hidden = (r.expr for r in found)
    if isinstance(hidden, sp.HadamardProduct):
        (hidden,) = [a for a in hidden.args if not (isinstance(a, sp.MatrixSymbol) and a.name == "fprime")]
    rename = {}
    for expr in (weight, bias, hidden):
        for m in expr.atoms(sp.MatrixSymbol):
            target = {"H": "inputs", "Gy": "grad_out", "Wy": "weights"}.get(m.name)
            if target:
                rename[m] = sp.MatrixSymbol(target, *m.shape)
            elif m.name == "ones":
                rename[m] = sp.OneMatrix(*m.shape)
    return [e.xreplace(rename) for e in (weight, bias, hidden)]


def fbeta_kernels() -> list[KernelCode]:
    f = result("fscore.fbeta")
    names = {s: sp.Symbol(s.name.lower(), real=True) for s in f.expr.free_symbols}
    expr = f.expr.xreplace(names)
    num, den = sp.fraction(sp.together(expr))
    printer = KernelPrinter()
    body = [
        "tp, fp, fn = numpy.broadcast_arrays(_as_float(tp), _as_float(fp), _as_float(fn))",
        "beta = _check_beta(beta)",
        f"num = {printer.doprint(num)}",
        f"den = {printer.doprint(den)}",
        "out = numpy.full(den.shape, zero_division, dtype=numpy.float64)",
        "numpy.divide(num, den, out=out, where=den != 0)",
        "return out",
    ]
    return [KernelCode(
        "fbeta_from_counts", "fbeta_from_counts(tp, fp, fn, beta=1.0, zero_division=0.0)",
        r"""F-beta from the counts, elementwise over broadcast arrays (``fscore.fbeta``):
    :math:`(1 + \beta^2) TP / ((1 + \beta^2) TP + \beta^2 FN + FP)`; ``zero_division`` where
    the denominator is 0 (no TP, FP or FN).""",
        _sources("fscore.fbeta"), body, [f.expr], "fscore")]


# --- training-path variants ----------------------------------------------------------------------

#: Elementwise kernels that the SGD loop calls once per minibatch; each gets an ``_unchecked``
#: twin that runs the same generated block without the conversion/broadcasting/blocking wrapper.
TRAINING_ELEMENTWISE = ("sigmoid", "relu", "identity", "gaussian_nll_grad", "bernoulli_nll_grad", "poisson_nll_grad")
#: Activation derivatives that get a ``<activation>_backward_unchecked(grad, x)`` twin: the chain
#: rule step ``grad * f'(x)`` done in place.
TRAINING_BACKWARD = {"relu": "relu_derivative", "logistic": "sigmoid_derivative", "tanh": "tanh_derivative"}

_UNCHECKED_NOTE = r"""

    No validation: the arguments must already be float64 arrays of one
    shape (small enough for one block; numeric's SGD loop passes minibatches)."""


def _unchecked_elementwise(k: KernelCode) -> KernelCode:
    """The ``_unchecked`` twin of an elementwise kernel: the same block (same formula, same
    stable form), called directly."""
    args = k.block[0][k.block[0].index("(") + 1:-1]
    call = f"return _{k.name}_block({args})"
    body = [line.replace(k.body[-1].strip(), call) for line in k.body]
    doc = f"Training-path variant of :func:`{k.name}`: the same generated block (same formula, same stable form)."
    return KernelCode(f"{k.name}_unchecked", f"{k.name}_unchecked({args})", doc + _UNCHECKED_NOTE, k.sources,
                      body, k.exprs, k.topic)


def _backward_unchecked(activation: str, k: KernelCode) -> KernelCode:
    """``grad *= f'(x)`` in place, with :math:`f'` the stable expression of the derivative kernel
    ``k``; a factor 1.0 in front of a 0/1 step is dropped (``grad`` times a boolean array is the
    same product without a float copy of the step)."""
    expr = k.stable.replace(lambda a: a.is_Mul and sp.Float(1.0) in a.args and any(isinstance(f, sp.Heaviside) for f in a.args),
                            lambda a: sp.Mul(*[f for f in a.args if f != sp.Float(1.0)]))
    lines, final = print_assignments(expr)
    body = [*lines, f"grad *= {final}", "return grad"]
    if k.body[0].startswith("with numpy.errstate"):
        body = [k.body[0], *["    " + line for line in body]]
    doc = (f"The chain-rule step through the activation {activation}: ``grad * {k.name}(x)`` (the same "
           f"generated formula as :func:`{k.name}`), computed in place in ``grad`` (returned)." + _UNCHECKED_NOTE)
    return KernelCode(f"{activation}_backward_unchecked", f"{activation}_backward_unchecked(grad, x)", doc, k.sources,
                      body, k.exprs, k.topic)


def categorical_training_kernels() -> list[KernelCode]:
    r"""``categorical_nll_grad_unchecked``: :math:`y - t` (``softmax.ce_gradient``) with one-hot
    targets and the plain max-shift (``softmax.shift_invariance``), as few NumPy passes as
    possible for minibatches."""
    printer = KernelPrinter()
    inv = result("softmax.shift_invariance")
    e, s = sp.symbols("e S", positive=True)
    y = inv.lhs.replace(lambda a: isinstance(a, sp.Sum), lambda a: s).replace(lambda a: isinstance(a, sp.exp), lambda a: e)
    ce = result("softmax.ce_gradient")
    y_sym, t_sym = sp.symbols("y onehot", real=True)
    grad = ce.expr.replace(lambda a: isinstance(a, sp.Indexed) and a.base.name == "y", lambda a: y_sym)
    grad = grad.replace(lambda a: isinstance(a, sp.Indexed) and a.base.name == "t", lambda a: t_sym)
    return [KernelCode(
        "categorical_nll_grad_unchecked", "categorical_nll_grad_unchecked(z, onehot)",
        r"""Gradient of :func:`categorical_nll` with respect to the logits for one-hot targets:
    ``z`` (N, K) float64 logits, ``onehot`` (N, K) the indicators :math:`t_k \in \{0, 1\}` of
    the classes -> (N, K), :math:`\operatorname{softmax}(z) - t` (``softmax.ce_gradient``).

    Training-path variant of :func:`categorical_nll_grad`, no validation (the caller encodes and
    checks the classes once per fit) and ``z`` is overwritten (used as scratch). Stable by shift
    invariance (``softmax.shift_invariance``,
    :math:`e^{z_i + c} / \sum_k e^{z_k + c} = y_i` with :math:`c = -\max_k z_k`): only
    :math:`e^{d}` with :math:`d \le 0` is formed, so nothing overflows and the row sum is
    :math:`\ge 1`. This is the plain max-shift (the rounding of :math:`z - \max z` is not
    recovered): every entry is within a few ulp of the true value *relative to 1*, ample for a
    gradient step, but tiny probabilities (below about 1e-16) lose relative accuracy; use
    :func:`categorical_nll_grad` for those. Floating-point warnings are the caller's (an entry
    :math:`z - \max z` beyond the double range overflows to :math:`-\infty`, so :math:`e = 0`,
    the right limit; numeric's SGD loop runs under ``numpy.errstate``, and a context manager per
    minibatch would cost as much as a NumPy pass).""",
        _sources("softmax.ce_gradient", "softmax.shift_invariance"),
        ["z -= z.max(axis=1, keepdims=True)  # beyond the double range: -inf, so e = 0",
         "e = numpy.exp(z, out=z)",
         "S = e.sum(axis=1, keepdims=True)",
         f"y = {printer.doprint(y)}",
         f"return {printer.doprint(grad)}"],
        [inv.lhs, ce.expr], "glm"), _log_softmax_unchecked(printer, inv)]


def _log_softmax_unchecked(printer, inv) -> KernelCode:
    r"""``log_softmax_unchecked``: :math:`\log y_i = d_i - \log \sum_k e^{d_k}` with
    :math:`d = z - \max_k z_k`, the logarithm of ``softmax.shift_invariance`` (plain max-shift)."""
    d, s = sp.symbols("d S", real=True)
    z_i = next(a for a in inv.lhs.atoms(sp.Indexed) if a.indices[0].name == "i")
    shift = next(a for a in inv.lhs.free_symbols if a.name == "c")
    log_y = sp.expand_log(sp.log(inv.lhs), force=True)
    log_y = log_y.replace(lambda a: isinstance(a, sp.Sum), lambda a: s).subs(z_i, d - shift)
    return KernelCode(
        "log_softmax_unchecked", "log_softmax_unchecked(z)",
        r"""Log-softmax over the last axis for the training path (L-BFGS objectives): ``z`` (..., K)
    float64 logits -> (..., K), :math:`\log \operatorname{softmax}(z)_i`.

    No validation. Stable by shift invariance (``softmax.shift_invariance``, with
    :math:`c = -\max_k z_k`): :math:`\log y_i = d_i - \log \sum_k e^{d_k}`,
    :math:`d = z - \max z \le 0`, so nothing overflows and the sum is :math:`\ge 1`. This is the
    plain max-shift (the rounding of :math:`z - \max z` and of the sum is not recovered): every
    entry is within :math:`(K + 3)\varepsilon \max(1, |\log y_i|)` of the true value, ample for
    a loss, but use :func:`log_softmax` (compensated, a few ulp) where the largest entries' last
    digits matter. Floating-point warnings are the caller's (an entry :math:`z - \max z` beyond
    the double range overflows to :math:`-\infty`, the right limit).""",
        _sources("softmax.shift_invariance"),
        ["d = z - z.max(axis=-1, keepdims=True)  # beyond the double range: -inf, so e^d = 0",
         "S = numpy.exp(d).sum(axis=-1, keepdims=True)",
         f"return {printer.doprint(log_y)}"],
        [inv.lhs], "softmax")


def dense_training_kernels() -> list[KernelCode]:
    """``dense_backward_unchecked`` (no conversion or shape checks) and
    ``dense_param_grads_unchecked`` (the first layer: no gradient for the inputs, which are data)."""
    (k,) = dense_kernels()
    grads = k.exprs
    printer = KernelPrinter()
    texts = [printer.doprint(g) for g in grads]
    note = r"""

    Training-path variant, no validation: float64 2-D arrays of matching shapes."""
    return [
        KernelCode("dense_backward_unchecked", "dense_backward_unchecked(grad_out, inputs, weights)",
                   "Same as :func:`dense_backward`: ``(grad_weights, grad_bias, grad_inputs)`` = "
                   r":math:`(X^T G, G^T \mathbf 1, G W^T)`." + note, k.sources,
                   [f"return {texts[0]}, {texts[1]}, {texts[2]}"], grads, "mlp"),
        KernelCode("dense_param_grads_unchecked", "dense_param_grads_unchecked(grad_out, inputs)",
                   "The parameter gradients of :func:`dense_backward` only: ``(grad_weights, grad_bias)`` = "
                   r":math:`(X^T G, G^T \mathbf 1)`, for a first layer whose inputs are data (the "
                   r"input gradient :math:`G W^T` is not needed)." + note, k.sources,
                   [f"return {texts[0]}, {texts[1]}"], grads[:2], "mlp"),
        KernelCode("dense_weight_grads_unchecked", "dense_weight_grads_unchecked(grad_out, inputs)",
                   r"The weight gradient of :func:`dense_backward` only: :math:`X^T G` (M, O). With a column "
                   r"of ones appended to the inputs, :math:`[X\ \mathbf 1]^T G = [X^T G;\ \mathbf 1^T G]` "
                   r"(M + 1, O) is the weight gradient with the bias gradient :math:`G^T \mathbf 1` as its last "
                   r"row: one BLAS product for both, for a layer stored as :math:`[W; b^T]` whose inputs are "
                   r"data (the SGD loop's first layer)." + note, k.sources,
                   [f"return {texts[0]}"], grads[:1], "mlp"),
        KernelCode("dense_weight_input_grads_unchecked", "dense_weight_input_grads_unchecked(grad_out, inputs, weights)",
                   r"The weight and input gradients of :func:`dense_backward`: ``(grad_weights, grad_inputs)`` = "
                   r":math:`(X^T G, G W^T)`; with a column of ones on the inputs (and ``weights`` the rows of "
                   r":math:`[W; b^T]` without the bias) the first is :math:`[X^T G;\ \mathbf 1^T G]`, the bias "
                   r"gradient as its last row (see :func:`dense_weight_grads_unchecked`)." + note, k.sources,
                   [f"return {texts[0]}, {texts[2]}"], [grads[0], grads[2]], "mlp"),
    ]


def training_kernels(public: list[KernelCode]) -> list[KernelCode]:
    """The training-path variants, generated from the same results as the public kernels."""
    by_name = {k.name: k for k in public}
    out = [_unchecked_elementwise(by_name[n]) for n in TRAINING_ELEMENTWISE]
    out += [_backward_unchecked(a, by_name[n]) for a, n in TRAINING_BACKWARD.items()]
    return out + categorical_training_kernels() + dense_training_kernels()


#: Kernels that also get a fused numba twin (numeric/kernels/_generated_fused.py): those whose
#: NumPy form takes several passes over memory. relu and the identity are one NumPy pass already.
FUSED = ("sigmoid", "sigmoid_derivative", "log_sigmoid", "softplus", "tanh_derivative", "softmax", "log_softmax",
         "gaussian_nll", "gaussian_nll_grad", "bernoulli_nll", "bernoulli_nll_grad", "poisson_nll", "poisson_nll_grad")


def all_kernels() -> list[KernelCode]:
    """Every public kernel, in the order of the generated module."""
    public = sigmoid_kernels() + softmax_kernels() + loss_kernels() + dense_kernels() + fbeta_kernels()
    return public + training_kernels(public)
