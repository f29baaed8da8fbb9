"""Fused numba kernels generated from the derivations of derive.

GENERATED FILE - do not edit. Written by `derive codegen`; `derive codegen --check` fails on drift.
Source derivation results: fscore.fbeta, glm.linear.logit_gradient, glm.linear.nll,
glm.logistic.logit_gradient, glm.logistic.nll, glm.poisson.logit_gradient, glm.poisson.nll,
mlp.hidden_gradient, mlp.output_bias_gradient, mlp.output_weight_gradient,
sigmoid.derivative_stable, sigmoid.symmetry, sigmoid.tanh_derivative, softmax.ce_gradient,
softmax.jacobian, softmax.log_probabilities, softmax.shift_invariance.
Digest of the source derivations (SHA-256): 226fa4f92949e124115a03f83d647bf788f508bc816e9f119c62aa87326825c9

numba and NumPy only (never SymPy): the 'fast' extra, ``pip install 'derive[fast]'``. Each
kernel is one compiled pass over its data (a numba ufunc; softmax and log-softmax a
generalized ufunc over rows), printed from the same stable formulas as the NumPy module next
to this one, which imports this module only when a kernel first needs it. Compiled code is
cached on disk (numba ``cache=True``); without a writable cache it is compiled in memory.
"""

import math

import numba
import numpy

__all__ = [
    'sigmoid',
    'sigmoid_derivative',
    'log_sigmoid',
    'softplus',
    'tanh_derivative',
    'softmax',
    'log_softmax',
    'gaussian_nll',
    'gaussian_nll_grad',
    'bernoulli_nll',
    'bernoulli_nll_grad',
    'poisson_nll',
    'poisson_nll_grad',
]


def _cached(decorator, fn, *args):
    """``decorator(*args, cache=True)(fn)``: the compiled code is kept on disk (numba's cache,
    next to this module or in the user's cache directory), so a new process loads instead of
    compiling. Where no cache directory is writable numba refuses ``cache=True``; then the code is
    compiled in memory for this process only."""
    try:
        return decorator(*args, cache=True)(fn)
    except RuntimeError:  # "cannot cache function ...: no locator available for file ..."
        return decorator(*args)(fn)


def _jit(fn):
    """A scalar helper compiled by numba (when a kernel that calls it is compiled)."""
    return _cached(numba.njit, fn)


class _OnFirstCall:
    """A numba ufunc built at its first call (compiled, or loaded from numba's cache); the module
    global ``name`` is then rebound to the NumPy ufunc itself, so later calls go straight to it
    and a process compiles only the kernels it uses."""

    def __init__(self, name, build):
        self.name = name
        self.build = build

    def __call__(self, *args, **kwargs):
        compiled = self.build().ufunc
        globals()[self.name] = compiled
        return compiled(*args, **kwargs)


def _ufunc(name, signature, fn):
    """The elementwise scalar function ``fn`` as a NumPy ufunc (one fused pass over the data)."""
    return _OnFirstCall(name, lambda: _cached(numba.vectorize, fn, [signature]))


def _row_gufunc(name, signature, fn):
    """The row function ``fn(z, out)`` as a generalized ufunc ``(n)->(n)`` over an axis."""
    return _OnFirstCall(name, lambda: _cached(numba.guvectorize, fn, [signature], "(n)->(n)"))


@_jit
def _div_one_plus(num, e):
    """``num / (1 + e)`` for ``0 <= e <= 1`` with ``1 + e = hi + lo`` exactly (Fast2Sum): the
    rounding of the sum is corrected to first order, ``num/hi * (1 - lo/hi)``."""
    hi = 1.0 + e
    lo = e - (hi - 1.0)
    q = num / hi
    return q - q * (lo / hi)


@_jit
def _sigma_product(a, scale):
    """``scale * E / (1 + E)**2`` with ``E = exp(-a)``, ``a >= 0``: ``scale`` times
    sigma(a) sigma(-a), to about 1.5 ulp.

    ``1 + E`` is kept exactly as ``hi + lo`` (Fast2Sum) and its square as ``s_hi + s_lo``
    (``hi`` split into 25 + 28 bits, so the partial products are exact), leaving only the
    rounding of ``E`` and of one division. Where ``scale * E`` is subnormal but ``E`` would
    lose bits first, ``(sqrt(scale) exp(-a/2))**2`` is used (``scale`` a power of 4).
    """
    e = math.exp(-a)
    if scale != 1.0 and a > 700.0:  # e near or below the subnormal range: square a normal half
        half = math.exp(-0.5 * a) * math.sqrt(scale)
        return half * half
    hi = 1.0 + e
    lo = e - (hi - 1.0)  # 1 + e = hi + lo exactly, since 1 >= e
    h1 = (hi + 268435456.0) - 268435456.0  # 2**28: hi rounded to 25 bits, so h1 * h1 is exact
    h2 = hi - h1
    s_hi = h1 * h1
    b = 2.0 * (h1 * h2)
    s = s_hi + b
    s_lo = b - (s - s_hi)  # h1**2 + 2 h1 h2 = s + s_lo exactly (Fast2Sum)
    s_lo += h2 * h2
    s_lo += 2.0 * (lo * hi)  # (hi + lo)**2 = s + s_lo up to 2**-100 relative
    q = e / s
    q -= q * (s_lo / s)
    return q * scale


@_jit
def _row_top(z):
    """``(top, m)``: the first column of a maximum of the row ``z`` and that maximum."""
    top = 0
    m = z[0]
    for i in range(1, z.shape[0]):
        if z[i] > m:
            top = i
            m = z[i]
    return top, m


@_jit
def _shift(zi, m):
    """``(d, err)`` with ``d + err = zi - m`` exactly (TwoSum): ``err`` is the rounding error of
    ``d = fl(zi - m)``, which ``exp`` would otherwise amplify by ``|d|``. Where ``zi - m`` is
    beyond the double range, ``(-inf, 0)``, without an overflow (``exp(d) = 0``, the right limit)."""
    if 0.5 * zi - 0.5 * m < -8.98846567431158e307:  # half the largest double: 2 h overflows
        return -math.inf, 0.0
    d = zi - m
    bb = d - zi
    return d, (zi - (d - bb)) - (m + bb)


@_jit
def _exp_rest(z, m, top, e):
    """Writes ``e[i] = exp(d_i) (1 + err_i)`` (``exp(z_i - m)`` to first order in the recovered
    rounding error; exactly 1 at ``top``) and returns ``rest``, the sum of ``e`` without the top
    entry, so that the row sum is ``1 + rest``. The terms are non-negative and summed with
    TwoSum-compensation (Neumaier), leaving one final rounding."""
    s = 0.0
    c = 0.0
    for i in range(z.shape[0]):
        d, err = _shift(z[i], m)
        v = math.exp(d) * (1.0 + err)
        e[i] = v
        if i != top:
            t = s + v
            bb = t - s
            c += (s - (t - bb)) + (v - bb)
            s = t
    e[top] = 1.0
    return s + c


def _as_float(a):
    return numpy.asarray(a, dtype=numpy.float64)


def _sigmoid_scalar(x):
    _c0 = math.exp(-abs(x))
    return _div_one_plus(max(_c0, (1.0 if x >= 0.0 else 0.0)), _c0)


_sigmoid_fused = _ufunc("_sigmoid_fused", "float64(float64)", _sigmoid_scalar)


def sigmoid(x):
    r"""The logistic sigmoid :math:`\sigma(x) = 1/(1 + e^{-x})`, elementwise.

    Stable form by the symmetry :math:`\sigma(-x) = 1 - \sigma(x)` (``sigmoid.symmetry``):
    :math:`1/(1 + e^{-|x|})` for :math:`x \ge 0` and :math:`e^{-|x|}/(1 + e^{-|x|})` for
    :math:`x < 0`, so only :math:`e^{-|x|} \le 1` is formed (no overflow; subnormal results kept).

    Fused backend: the NumPy kernel's formula compiled by numba into one loop over the
    data (no temporary arrays).

    Generated from: sigmoid.symmetry.
    """
    return _sigmoid_fused(_as_float(x))


def _sigmoid_derivative_scalar(x):
    return _sigma_product(abs(x), 1.0)


_sigmoid_derivative_fused = _ufunc("_sigmoid_derivative_fused", "float64(float64)", _sigmoid_derivative_scalar)


def sigmoid_derivative(x):
    r"""The derivative :math:`\sigma'(x) = \sigma(x)\,\sigma(-x)`, elementwise
    (``sigmoid.derivative_stable``; not :math:`\sigma(1 - \sigma)`, which is 0 instead of
    4.2e-18 at x = 40).

    The product is even, so it is :math:`E/(1 + E)^2` with :math:`E = e^{-|x|}`
    (``sigmoid.symmetry``): no overflow, no cancellation.

    Fused backend: the NumPy kernel's formula compiled by numba into one loop over the
    data (no temporary arrays).

    Generated from: sigmoid.derivative_stable, sigmoid.symmetry.
    """
    return _sigmoid_derivative_fused(_as_float(x))


def _log_sigmoid_scalar(x):
    return -max(-x, 0.0) - math.log1p(math.exp(-abs(x)))


_log_sigmoid_fused = _ufunc("_log_sigmoid_fused", "float64(float64)", _log_sigmoid_scalar)


def log_sigmoid(x):
    r""":math:`\log \sigma(x) = -\log(1 + e^{-x}) = -\operatorname{softplus}(-x)`, elementwise.

    Stable form :math:`\min(x, 0) - \operatorname{log1p}(e^{-|x|})` from
    :math:`\log(1 + e^{u}) = u + \log(1 + e^{-u})` (the log-add-exp identity): exact to the last
    bits both for :math:`x \to -\infty` (:math:`\approx x`) and :math:`x \to \infty`
    (:math:`\approx -e^{-x}`).

    Fused backend: the NumPy kernel's formula compiled by numba into one loop over the
    data (no temporary arrays).

    Generated from: sigmoid.symmetry.
    """
    return _log_sigmoid_fused(_as_float(x))


def _softplus_scalar(x):
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


_softplus_fused = _ufunc("_softplus_fused", "float64(float64)", _softplus_scalar)


def softplus(x):
    r""":math:`\operatorname{softplus}(x) = \log(1 + e^{x})`, elementwise.

    Stable form :math:`\max(x, 0) + \operatorname{log1p}(e^{-|x|})` (log-add-exp identity
    :math:`\log(1 + e^{u}) = u + \log(1 + e^{-u})`).

    Fused backend: the NumPy kernel's formula compiled by numba into one loop over the
    data (no temporary arrays).

    Generated from: definitions stated in the docstring.
    """
    return _softplus_fused(_as_float(x))


def _tanh_derivative_scalar(x):
    return _sigma_product(2*abs(x), 4.0)


_tanh_derivative_fused = _ufunc("_tanh_derivative_fused", "float64(float64)", _tanh_derivative_scalar)


def tanh_derivative(x):
    r"""The derivative of tanh, :math:`1 - \tanh^2(x)`, elementwise (``sigmoid.tanh_derivative``).

    Stable form :math:`4\sigma(2x)\sigma(-2x) = 4E/(1 + E)^2` with :math:`E = e^{-2|x|}`
    (``sigmoid.tanh_derivative``, ``sigmoid.symmetry``): :math:`1 - \tanh^2` cancels to 0 for
    :math:`|x| > 19` where the truth is :math:`\approx 4 e^{-2|x|}`.

    Fused backend: the NumPy kernel's formula compiled by numba into one loop over the
    data (no temporary arrays).

    Generated from: sigmoid.tanh_derivative, sigmoid.symmetry.
    """
    with numpy.errstate(over="ignore"):
        return _tanh_derivative_fused(_as_float(x))


def _softmax_row(z, out):
    if z.shape[0] == 0:
        return
    top, m = _row_top(z)
    rest = _exp_rest(z, m, top, out)  # out holds the shifted exponentials e
    for i in range(z.shape[0]):
        e = out[i]
        out[i] = e/(1 + rest)


_softmax_fused = _row_gufunc("_softmax_fused", "void(float64[:], float64[:])", _softmax_row)


def softmax(z, axis=-1):
    r"""Softmax :math:`y_i = e^{z_i} / \sum_k e^{z_k}` along ``axis`` (any shape).

    Max-shift by shift invariance (``softmax.shift_invariance``, :math:`c = -\max_k z_k`): only
    :math:`e^{d}` with :math:`d \le 0` is formed. The rounding error of :math:`z - \max z` is
    recovered exactly (TwoSum) and applied to first order, so tiny probabilities keep full
    relative accuracy, and the sum is :math:`1 + \text{rest}` (the top term is exactly 1).

    Fused backend: the NumPy kernel's formula compiled by numba into one loop over the
    data (no temporary arrays).

    Generated from: softmax.shift_invariance.
    """
    return _softmax_fused(_as_float(z), axis=axis)


def _log_softmax_row(z, out):
    if z.shape[0] == 0:
        return
    top, m = _row_top(z)
    rest = _exp_rest(z, m, top, out)  # out holds the shifted exponentials e
    for i in range(z.shape[0]):
        d, err = _shift(z[i], m)
        out[i] = (err - math.log1p(rest)) + d


_log_softmax_fused = _row_gufunc("_log_softmax_fused", "void(float64[:], float64[:])", _log_softmax_row)


def log_softmax(z, axis=-1):
    r"""Log-softmax :math:`\log y_i = z_i - \log \sum_k e^{z_k}` along ``axis``
    (``softmax.log_probabilities``).

    Max-shift (``softmax.shift_invariance``): :math:`(z_i - m) - \operatorname{log1p}(\text{rest})`
    where rest is the sum without the top term, so the top class gets :math:`-\text{rest}`
    (e.g. -1.7e-27) instead of 0; the recovered rounding error of :math:`z_i - m` is added to the
    small term before the large one.

    Fused backend: the NumPy kernel's formula compiled by numba into one loop over the
    data (no temporary arrays).

    Generated from: softmax.log_probabilities, softmax.shift_invariance.
    """
    return _log_softmax_fused(_as_float(z), axis=axis)


def _gaussian_nll_scalar(ybar, t):
    return (0.5)*(ybar - t)**2


_gaussian_nll_fused = _ufunc("_gaussian_nll_fused", "float64(float64, float64)", _gaussian_nll_scalar)


def gaussian_nll(ybar, t):
    r"""Gaussian (MSE) negative log-likelihood per example, :math:`(\bar y - t)^2 / 2`
    (unit variance; the constant :math:`\log(2\pi)/2` is dropped). No mean is taken.

    Fused backend: the NumPy kernel's formula compiled by numba into one loop over the
    data (no temporary arrays).

    Generated from: glm.linear.nll.
    """
    with numpy.errstate(over="ignore"):
        return _gaussian_nll_fused(_as_float(ybar), _as_float(t))


def _gaussian_nll_grad_scalar(ybar, t):
    return ybar - t


_gaussian_nll_grad_fused = _ufunc("_gaussian_nll_grad_fused", "float64(float64, float64)", _gaussian_nll_grad_scalar)


def gaussian_nll_grad(ybar, t):
    r"""Gradient of :func:`gaussian_nll` with respect to the logit: :math:`\bar y - t`.

    Fused backend: the NumPy kernel's formula compiled by numba into one loop over the
    data (no temporary arrays).

    Generated from: glm.linear.logit_gradient.
    """
    with numpy.errstate(over="ignore"):
        return _gaussian_nll_grad_fused(_as_float(ybar), _as_float(t))


def _bernoulli_nll_scalar(ybar, t):
    return -t*ybar + max(ybar, 0.0) + math.log1p(math.exp(-abs(ybar)))


_bernoulli_nll_fused = _ufunc("_bernoulli_nll_fused", "float64(float64, float64)", _bernoulli_nll_scalar)


def bernoulli_nll(ybar, t):
    r"""Bernoulli NLL (binary cross-entropy) from the logit, per example:
    :math:`-t\log\sigma(\bar y) - (1 - t)\log\sigma(-\bar y) = \operatorname{softplus}(\bar y) - t\bar y`.

    Stable form :math:`(\max(\bar y, 0) - t\bar y) + \operatorname{log1p}(e^{-|\bar y|})`
    (``glm.logistic.nll``, then the log-add-exp identity
    :math:`\log(1 + e^{u}) = u + \log(1 + e^{-u})`); exact for :math:`t \in \{0, 1\}` at any
    logit.

    Fused backend: the NumPy kernel's formula compiled by numba into one loop over the
    data (no temporary arrays).

    Generated from: glm.logistic.nll.
    """
    return _bernoulli_nll_fused(_as_float(ybar), _as_float(t))


def _bernoulli_nll_grad_scalar(ybar, t):
    _c0 = math.exp(-abs(ybar))
    return (1 - t)*_div_one_plus(max(_c0, (1.0 if ybar >= 0.0 else 0.0)), _c0) - t*_div_one_plus(max(_c0, (1.0 if -ybar >= 0.0 else 0.0)), _c0)


_bernoulli_nll_grad_fused = _ufunc("_bernoulli_nll_grad_fused", "float64(float64, float64)", _bernoulli_nll_grad_scalar)


def bernoulli_nll_grad(ybar, t):
    r"""Gradient of :func:`bernoulli_nll` with respect to the logit: :math:`\sigma(\bar y) - t`
    (``glm.logistic.logit_gradient``).

    Stable form :math:`(1 - t)\sigma(\bar y) - t\sigma(-\bar y)` (``sigmoid.symmetry``): for
    :math:`t = 1` the result is :math:`-\sigma(-\bar y)` (e.g. -4.2e-18 at 40), not 0.

    Fused backend: the NumPy kernel's formula compiled by numba into one loop over the
    data (no temporary arrays).

    Generated from: glm.logistic.logit_gradient, sigmoid.symmetry.
    """
    return _bernoulli_nll_grad_fused(_as_float(ybar), _as_float(t))


def _poisson_nll_scalar(eta, t):
    return -eta*t + math.exp(eta)


_poisson_nll_fused = _ufunc("_poisson_nll_fused", "float64(float64, float64)", _poisson_nll_scalar)


def poisson_nll(eta, t):
    r"""Poisson NLL from the log-rate :math:`\eta` (:math:`\lambda = e^\eta`), per example:
    :math:`e^\eta - t\eta`. The term :math:`\log t!` does not depend on :math:`\eta` and is
    dropped. Formed from the log-rate, never from :math:`\log\lambda` of a rounded rate
    (``glm.poisson.nll``).

    Fused backend: the NumPy kernel's formula compiled by numba into one loop over the
    data (no temporary arrays).

    Generated from: glm.poisson.nll.
    """
    with numpy.errstate(over="ignore"):
        return _poisson_nll_fused(_as_float(eta), _as_float(t))


def _poisson_nll_grad_scalar(eta, t):
    return -t + math.exp(eta)


_poisson_nll_grad_fused = _ufunc("_poisson_nll_grad_fused", "float64(float64, float64)", _poisson_nll_grad_scalar)


def poisson_nll_grad(eta, t):
    r"""Gradient of :func:`poisson_nll` with respect to the log-rate: :math:`e^\eta - t`
    (``glm.poisson.logit_gradient``).

    Fused backend: the NumPy kernel's formula compiled by numba into one loop over the
    data (no temporary arrays).

    Generated from: glm.poisson.logit_gradient.
    """
    with numpy.errstate(over="ignore"):
        return _poisson_nll_grad_fused(_as_float(eta), _as_float(t))
