"""Fused kernels generated from the derivations of derive (numba and NumPy).

GENERATED FILE - do not edit. Written by `derive codegen`; `derive codegen --check` fails on drift.
Source derivation results: fscore.fbeta, glm.linear.logit_gradient, glm.linear.nll,
glm.logistic.logit_gradient, glm.logistic.nll, glm.poisson.logit_gradient, glm.poisson.nll,
mlp.hidden_gradient, mlp.output_bias_gradient, mlp.output_weight_gradient,
sigmoid.derivative_stable, sigmoid.symmetry, sigmoid.tanh_derivative, softmax.ce_gradient,
softmax.jacobian, softmax.log_probabilities, softmax.shift_invariance.
Digest of the source derivations (SHA-256): 5ff63bd90e67335b37a63d1dfccf8b82a88738999f09e08d16f155333cbef04a

numba and NumPy only (never SymPy): the 'fast' extra, ``pip install 'derive[fast]'``. Each
kernel is the stable formula of the NumPy module next to this one, its arithmetic compiled by
numba into one loop per stage (ufuncs; loops over blocks of rows for the softmax family) and
its exponentials and logarithms from NumPy's vectorised functions, over cache-sized blocks.
The NumPy module imports this one only when a kernel first needs it; each numba function is
compiled on its first call and cached on disk (numba ``cache=True``; without a writable
cache directory it is compiled in memory).
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


#: Elements per block: a kernel's intermediate arrays stay in the CPU cache (measured best
#: at 64k elements on 2e6 values: fewer Python calls than the NumPy kernels' blocks).
_BLOCK = 65536


def _cached(decorator, fn, *args, **options):
    """``decorator(*args, cache=True, **options)(fn)``: the compiled code is kept on disk
    (numba's cache, next to this module or in the user's cache directory), so a new process
    loads instead of compiling. Where no cache directory is writable numba refuses
    ``cache=True``; then the code is compiled in memory for this process only."""
    try:
        return decorator(*args, cache=True, **options)(fn)
    except RuntimeError:  # "cannot cache function ...: no locator available for file ..."
        return decorator(*args, **options)(fn)


def _jit(fn):
    """A helper compiled by numba into the kernels that call it (inlined: no call, and array
    arguments are not reference-counted per call)."""
    return _cached(numba.njit, fn, inline="always")


class _OnFirstCall:
    """A numba function built at its first call (compiled, or loaded from numba's cache); the
    module global ``name`` is then rebound to the compiled function, so later calls go straight
    to it and a process compiles only the kernels it uses."""

    def __init__(self, name, build):
        self.name = name
        self.build = build

    def __call__(self, *args, **kwargs):
        compiled = self.build()
        globals()[self.name] = compiled
        return compiled(*args, **kwargs)


def _ufunc(name, signature, fn):
    """The elementwise scalar function ``fn`` as a NumPy ufunc (one fused pass over the data)."""
    return _OnFirstCall(name, lambda: _cached(numba.vectorize, fn, [signature]).ufunc)


def _rows_function(name, fn):
    """``fn(*arrays)`` over C-contiguous float64 (rows, K) arrays, compiled for exactly that type
    (the drivers pass such arrays; no other specialisation is ever compiled)."""
    signature = "void(" + ", ".join(["float64[:, ::1]"] * fn.__code__.co_argcount) + ")"
    return _OnFirstCall(name, lambda: _cached(numba.njit, fn, signature))


def _as_float(a):
    return numpy.asarray(a, dtype=numpy.float64)


@_jit
def _div_one_plus(num, e):
    """``num / (1 + e)`` for ``0 <= e <= 1`` with ``1 + e = hi + lo`` exactly (Fast2Sum): the
    rounding of the sum is corrected to first order, ``num/hi * (1 - lo/hi)``."""
    hi = 1.0 + e
    lo = e - (hi - 1.0)
    q = num / hi
    return q - q * (lo / hi)


@_jit
def _sigma_product_of_exp(e, a, scale):
    """``scale * e / (1 + e)**2`` with ``e = exp(-a)`` given, ``a >= 0``: ``scale`` times
    sigma(a) sigma(-a), to about 1.5 ulp.

    ``1 + e`` is kept exactly as ``hi + lo`` (Fast2Sum) and its square as ``s + s_lo`` (``hi``
    split into 25 + 28 bits, so the partial products are exact), leaving only the rounding of
    ``e`` and of one division. No branch, so the compiler vectorises the loop.
    """
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
def _scaled_sigma_product_of_exp(e, h, a, scale):
    """:func:`_sigma_product_of_exp` for ``scale`` a power of 4, with ``h = exp(-a/2)`` given:
    where ``scale * e`` is subnormal but ``e`` would lose bits first (``a > 700``),
    ``(sqrt(scale) h)**2`` (a select, no branch)."""
    half = h * math.sqrt(scale)
    q = _sigma_product_of_exp(e, a, scale)
    return half * half if a > 700.0 else q


@_jit
def _shift(zi, m):
    """``(d, err)`` with ``d + err = zi - m`` exactly (TwoSum): ``err`` is the rounding error of
    ``d = fl(zi - m)``, which ``exp`` would otherwise amplify by ``|d|``. Where ``zi - m`` is
    beyond the double range, ``(-inf, 0)`` (``exp(d) = 0``, the right limit; a select, no
    branch, and compiled code reports no floating-point flags to NumPy)."""
    d = zi - m
    bb = d - zi
    err = (zi - (d - bb)) - (m + bb)
    return d, (0.0 if d == -math.inf else err)


@_jit
def _rest(d, e, err, r):
    """Turns row ``r`` of ``e`` from ``exp(d)`` into ``exp(d) (1 + err)`` (``exp(z_i - m)`` to
    first order in the recovered rounding error; exactly 1 where ``d = 0``, at a maximum) and
    returns ``rest``, the row sum without one top entry, so that the row sum is ``1 + rest``.

    The entries with ``d < 0`` are summed with TwoSum compensation (Neumaier; one final
    rounding, also when they are all far below 1), the ``k`` entries at the maximum are exactly 1
    each and add ``k - 1``. Branch-free: a select and a count instead of skipping the top."""
    s = 0.0
    c = 0.0
    k = 0.0
    for i in range(e.shape[1]):
        v = e[r, i] * (1.0 + err[r, i])
        e[r, i] = v
        at_top = d[r, i] == 0.0  # z_i - m = 0 exactly iff z_i = m (Sterbenz)
        k += 1.0 if at_top else 0.0
        w = 0.0 if at_top else v
        t = s + w
        bb = t - s
        c += (s - (t - bb)) + (w - bb)
        s = t
    return (k - 1.0) + (s + c)


def _shift_rows_compiled(z, d, err):
    """``d + err = z - max(z)`` exactly, entry by entry, for each row of ``z`` (TwoSum)."""
    for r in range(z.shape[0]):
        m = -math.inf
        for i in range(z.shape[1]):
            m = max(m, z[r, i])
        for i in range(z.shape[1]):
            di, ei = _shift(z[r, i], m)
            d[r, i] = di
            err[r, i] = ei


_shift_rows = _rows_function("_shift_rows", _shift_rows_compiled)


def _blocks(block, *args):
    """``block(*arrays, out=...)`` over the broadcast float arrays ``args`` in blocks of
    ``_BLOCK`` elements, each block's result written straight into the output (no copy)."""
    arrays = [_as_float(a) for a in args]
    shape = arrays[0].shape
    if arrays[0].size <= _BLOCK and all(a.shape == shape for a in arrays):
        return block(*arrays)  # the common small case, without broadcasting machinery
    arrays = numpy.broadcast_arrays(*arrays)
    shape = arrays[0].shape
    flat = [a.reshape(-1) for a in arrays]
    out = numpy.empty(flat[0].size)
    for start in range(0, out.size, _BLOCK):
        stop = start + _BLOCK
        block(*[a[start:stop] for a in flat], out=out[start:stop])
    return out.reshape(shape)


def _row_blocks(block, z, axis):
    """``block(rows, out)`` for blocks of (rows, K) of ``z`` along ``axis``, each writing its
    result into the C-contiguous output block ``out``; returns the output shaped like ``z``."""
    z = _as_float(z)
    moved = numpy.moveaxis(z, axis, -1)
    rows = moved.reshape(-1, moved.shape[-1])
    out = numpy.empty(rows.shape)
    step = max(1, _BLOCK // max(1, rows.shape[1]))
    for start in range(0, rows.shape[0], step):
        block(rows[start:start + step], out[start:start + step])
    return numpy.moveaxis(out.reshape(moved.shape), -1, axis)


def _shifted(z, out):
    """``(d, err)`` for a (rows, K) block ``z``: the exact max-shift ``d + err = z - max``
    (compiled), and ``out = exp(d)`` (NumPy's vectorised exp); C-contiguous float64 arrays."""
    z = numpy.ascontiguousarray(z)
    d = numpy.empty_like(z)
    err = numpy.empty_like(z)
    _shift_rows(z, d, err)
    numpy.exp(d, out=out)
    return d, err


def _sigmoid_arg0_scalar(x):
    return -abs(x)


_sigmoid_arg0 = _ufunc("_sigmoid_arg0", "float64(float64)", _sigmoid_arg0_scalar)


def _sigmoid_rest_scalar(x, _t0):
    return _div_one_plus(max(_t0, (1.0 if x >= 0.0 else 0.0)), _t0)


_sigmoid_rest = _ufunc("_sigmoid_rest", "float64(float64, float64)", _sigmoid_rest_scalar)


def _sigmoid_block(x, out=None):
    _t0 = numpy.exp(_sigmoid_arg0(x))
    return _sigmoid_rest(x, _t0, out=out)


def sigmoid(x):
    r"""The logistic sigmoid :math:`\sigma(x) = 1/(1 + e^{-x})`, elementwise.

    Stable form by the symmetry :math:`\sigma(-x) = 1 - \sigma(x)` (``sigmoid.symmetry``):
    :math:`1/(1 + e^{-|x|})` for :math:`x \ge 0` and :math:`e^{-|x|}/(1 + e^{-|x|})` for
    :math:`x < 0`, so only :math:`e^{-|x|} \le 1` is formed (no overflow; subnormal results kept).

    Fused backend: the NumPy kernel's formula, its arithmetic compiled by numba into one loop
    per stage and its exponentials and logarithms from NumPy's vectorised functions.

    Generated from: sigmoid.symmetry.
    """
    return _blocks(_sigmoid_block, x)


def _sigmoid_derivative_arg0_scalar(x):
    return -abs(x)


_sigmoid_derivative_arg0 = _ufunc("_sigmoid_derivative_arg0", "float64(float64)", _sigmoid_derivative_arg0_scalar)


def _sigmoid_derivative_rest_scalar(x, _t0):
    return _sigma_product_of_exp(_t0, abs(x), 1.0)


_sigmoid_derivative_rest = _ufunc("_sigmoid_derivative_rest", "float64(float64, float64)", _sigmoid_derivative_rest_scalar)


def _sigmoid_derivative_block(x, out=None):
    _t0 = numpy.exp(_sigmoid_derivative_arg0(x))
    return _sigmoid_derivative_rest(x, _t0, out=out)


def sigmoid_derivative(x):
    r"""The derivative :math:`\sigma'(x) = \sigma(x)\,\sigma(-x)`, elementwise
    (``sigmoid.derivative_stable``; not :math:`\sigma(1 - \sigma)`, which is 0 instead of
    4.2e-18 at x = 40).

    The product is even, so it is :math:`E/(1 + E)^2` with :math:`E = e^{-|x|}`
    (``sigmoid.symmetry``): no overflow, no cancellation.

    Fused backend: the NumPy kernel's formula, its arithmetic compiled by numba into one loop
    per stage and its exponentials and logarithms from NumPy's vectorised functions.

    Generated from: sigmoid.derivative_stable, sigmoid.symmetry.
    """
    return _blocks(_sigmoid_derivative_block, x)


def _log_sigmoid_arg0_scalar(x):
    return -abs(x)


_log_sigmoid_arg0 = _ufunc("_log_sigmoid_arg0", "float64(float64)", _log_sigmoid_arg0_scalar)


def _log_sigmoid_rest_scalar(x, _t1):
    return -max(-x, 0.0) - _t1


_log_sigmoid_rest = _ufunc("_log_sigmoid_rest", "float64(float64, float64)", _log_sigmoid_rest_scalar)


def _log_sigmoid_block(x, out=None):
    _t0 = numpy.exp(_log_sigmoid_arg0(x))
    _t1 = numpy.log1p(_t0)
    return _log_sigmoid_rest(x, _t1, out=out)


def log_sigmoid(x):
    r""":math:`\log \sigma(x) = -\log(1 + e^{-x}) = -\operatorname{softplus}(-x)`, elementwise.

    Stable form :math:`\min(x, 0) - \operatorname{log1p}(e^{-|x|})` from
    :math:`\log(1 + e^{u}) = u + \log(1 + e^{-u})` (the log-add-exp identity): exact to the last
    bits both for :math:`x \to -\infty` (:math:`\approx x`) and :math:`x \to \infty`
    (:math:`\approx -e^{-x}`).

    Fused backend: the NumPy kernel's formula, its arithmetic compiled by numba into one loop
    per stage and its exponentials and logarithms from NumPy's vectorised functions.

    Generated from: sigmoid.symmetry.
    """
    return _blocks(_log_sigmoid_block, x)


def _softplus_arg0_scalar(x):
    return -abs(x)


_softplus_arg0 = _ufunc("_softplus_arg0", "float64(float64)", _softplus_arg0_scalar)


def _softplus_rest_scalar(x, _t1):
    return max(x, 0.0) + _t1


_softplus_rest = _ufunc("_softplus_rest", "float64(float64, float64)", _softplus_rest_scalar)


def _softplus_block(x, out=None):
    _t0 = numpy.exp(_softplus_arg0(x))
    _t1 = numpy.log1p(_t0)
    return _softplus_rest(x, _t1, out=out)


def softplus(x):
    r""":math:`\operatorname{softplus}(x) = \log(1 + e^{x})`, elementwise.

    Stable form :math:`\max(x, 0) + \operatorname{log1p}(e^{-|x|})` (log-add-exp identity
    :math:`\log(1 + e^{u}) = u + \log(1 + e^{-u})`).

    Fused backend: the NumPy kernel's formula, its arithmetic compiled by numba into one loop
    per stage and its exponentials and logarithms from NumPy's vectorised functions.

    Generated from: definitions stated in the docstring.
    """
    return _blocks(_softplus_block, x)


def _tanh_derivative_arg0_scalar(x):
    return -2*abs(x)


_tanh_derivative_arg0 = _ufunc("_tanh_derivative_arg0", "float64(float64)", _tanh_derivative_arg0_scalar)


def _tanh_derivative_arg1_scalar(x):
    return -abs(x)


_tanh_derivative_arg1 = _ufunc("_tanh_derivative_arg1", "float64(float64)", _tanh_derivative_arg1_scalar)


def _tanh_derivative_rest_scalar(x, _t0, _t1):
    return _scaled_sigma_product_of_exp(_t0, _t1, 2*abs(x), 4.0)


_tanh_derivative_rest = _ufunc("_tanh_derivative_rest", "float64(float64, float64, float64)", _tanh_derivative_rest_scalar)


def _tanh_derivative_block(x, out=None):
    _t0 = numpy.exp(_tanh_derivative_arg0(x))
    _t1 = numpy.exp(_tanh_derivative_arg1(x))
    return _tanh_derivative_rest(x, _t0, _t1, out=out)


def tanh_derivative(x):
    r"""The derivative of tanh, :math:`1 - \tanh^2(x)`, elementwise (``sigmoid.tanh_derivative``).

    Stable form :math:`4\sigma(2x)\sigma(-2x) = 4E/(1 + E)^2` with :math:`E = e^{-2|x|}`
    (``sigmoid.tanh_derivative``, ``sigmoid.symmetry``): :math:`1 - \tanh^2` cancels to 0 for
    :math:`|x| > 19` where the truth is :math:`\approx 4 e^{-2|x|}`.

    Fused backend: the NumPy kernel's formula, its arithmetic compiled by numba into one loop
    per stage and its exponentials and logarithms from NumPy's vectorised functions.

    Generated from: sigmoid.tanh_derivative, sigmoid.symmetry.
    """
    with numpy.errstate(over="ignore"):
        return _blocks(_tanh_derivative_block, x)


def _softmax_rows_compiled(d_rows, err_rows, out):
    for r in range(out.shape[0]):
        rest = _rest(d_rows, out, err_rows, r)  # out: exp(d) in, the shifted exponentials e out
        for i in range(out.shape[1]):
            e = out[r, i]
            out[r, i] = e/(1 + rest)


_softmax_rows = _rows_function("_softmax_rows", _softmax_rows_compiled)


def _softmax_block(z, out):
    d, err = _shifted(z, out)
    _softmax_rows(d, err, out)


def softmax(z, axis=-1):
    r"""Softmax :math:`y_i = e^{z_i} / \sum_k e^{z_k}` along ``axis`` (any shape).

    Max-shift by shift invariance (``softmax.shift_invariance``, :math:`c = -\max_k z_k`): only
    :math:`e^{d}` with :math:`d \le 0` is formed. The rounding error of :math:`z - \max z` is
    recovered exactly (TwoSum) and applied to first order, so tiny probabilities keep full
    relative accuracy, and the sum is :math:`1 + \text{rest}` (the top term is exactly 1).

    Fused backend: the NumPy kernel's formula, its arithmetic compiled by numba into one loop
    per stage and its exponentials and logarithms from NumPy's vectorised functions.

    Generated from: softmax.shift_invariance.
    """
    return _row_blocks(_softmax_block, z, axis)


def _log_softmax_rows_compiled(d_rows, err_rows, out):
    for r in range(out.shape[0]):
        rest = _rest(d_rows, out, err_rows, r)  # out: exp(d) in, the shifted exponentials e out
        _r0 = math.log1p(rest)
        for i in range(out.shape[1]):
            d = d_rows[r, i]
            err = err_rows[r, i]
            out[r, i] = (err - _r0) + d


_log_softmax_rows = _rows_function("_log_softmax_rows", _log_softmax_rows_compiled)


def _log_softmax_block(z, out):
    d, err = _shifted(z, out)
    _log_softmax_rows(d, err, out)


def log_softmax(z, axis=-1):
    r"""Log-softmax :math:`\log y_i = z_i - \log \sum_k e^{z_k}` along ``axis``
    (``softmax.log_probabilities``).

    Max-shift (``softmax.shift_invariance``): :math:`(z_i - m) - \operatorname{log1p}(\text{rest})`
    where rest is the sum without the top term, so the top class gets :math:`-\text{rest}`
    (e.g. -1.7e-27) instead of 0; the recovered rounding error of :math:`z_i - m` is added to the
    small term before the large one.

    Fused backend: the NumPy kernel's formula, its arithmetic compiled by numba into one loop
    per stage and its exponentials and logarithms from NumPy's vectorised functions.

    Generated from: softmax.log_probabilities, softmax.shift_invariance.
    """
    return _row_blocks(_log_softmax_block, z, axis)


def _gaussian_nll_rest_scalar(ybar, t):
    return (0.5)*(ybar - t)**2


_gaussian_nll_rest = _ufunc("_gaussian_nll_rest", "float64(float64, float64)", _gaussian_nll_rest_scalar)


def _gaussian_nll_block(ybar, t, out=None):
    return _gaussian_nll_rest(ybar, t, out=out)


def gaussian_nll(ybar, t):
    r"""Gaussian (MSE) negative log-likelihood per example, :math:`(\bar y - t)^2 / 2`
    (unit variance; the constant :math:`\log(2\pi)/2` is dropped). No mean is taken.

    Fused backend: the NumPy kernel's formula, its arithmetic compiled by numba into one loop
    per stage and its exponentials and logarithms from NumPy's vectorised functions.

    Generated from: glm.linear.nll.
    """
    with numpy.errstate(over="ignore"):
        return _blocks(_gaussian_nll_block, ybar, t)


def _gaussian_nll_grad_rest_scalar(ybar, t):
    return ybar - t


_gaussian_nll_grad_rest = _ufunc("_gaussian_nll_grad_rest", "float64(float64, float64)", _gaussian_nll_grad_rest_scalar)


def _gaussian_nll_grad_block(ybar, t, out=None):
    return _gaussian_nll_grad_rest(ybar, t, out=out)


def gaussian_nll_grad(ybar, t):
    r"""Gradient of :func:`gaussian_nll` with respect to the logit: :math:`\bar y - t`.

    Fused backend: the NumPy kernel's formula, its arithmetic compiled by numba into one loop
    per stage and its exponentials and logarithms from NumPy's vectorised functions.

    Generated from: glm.linear.logit_gradient.
    """
    with numpy.errstate(over="ignore"):
        return _blocks(_gaussian_nll_grad_block, ybar, t)


def _bernoulli_nll_arg0_scalar(ybar):
    return -abs(ybar)


_bernoulli_nll_arg0 = _ufunc("_bernoulli_nll_arg0", "float64(float64)", _bernoulli_nll_arg0_scalar)


def _bernoulli_nll_rest_scalar(ybar, t, _t1):
    return (max(ybar, 0.0) - t*ybar) + _t1


_bernoulli_nll_rest = _ufunc("_bernoulli_nll_rest", "float64(float64, float64, float64)", _bernoulli_nll_rest_scalar)


def _bernoulli_nll_block(ybar, t, out=None):
    _t0 = numpy.exp(_bernoulli_nll_arg0(ybar))
    _t1 = numpy.log1p(_t0)
    return _bernoulli_nll_rest(ybar, t, _t1, out=out)


def bernoulli_nll(ybar, t):
    r"""Bernoulli NLL (binary cross-entropy) from the logit, per example:
    :math:`-t\log\sigma(\bar y) - (1 - t)\log\sigma(-\bar y) = \operatorname{softplus}(\bar y) - t\bar y`.

    Stable form :math:`(\max(\bar y, 0) - t\bar y) + \operatorname{log1p}(e^{-|\bar y|})`
    (``glm.logistic.nll``, then the log-add-exp identity
    :math:`\log(1 + e^{u}) = u + \log(1 + e^{-u})`); exact for :math:`t \in \{0, 1\}` at any
    logit.

    Fused backend: the NumPy kernel's formula, its arithmetic compiled by numba into one loop
    per stage and its exponentials and logarithms from NumPy's vectorised functions.

    Generated from: glm.logistic.nll.
    """
    return _blocks(_bernoulli_nll_block, ybar, t)


def _bernoulli_nll_grad_arg0_scalar(ybar):
    return -abs(ybar)


_bernoulli_nll_grad_arg0 = _ufunc("_bernoulli_nll_grad_arg0", "float64(float64)", _bernoulli_nll_grad_arg0_scalar)


def _bernoulli_nll_grad_rest_scalar(ybar, t, _t0):
    return (1 - t)*_div_one_plus(max(_t0, (1.0 if ybar >= 0.0 else 0.0)), _t0) - t*_div_one_plus(max(_t0, (1.0 if -ybar >= 0.0 else 0.0)), _t0)


_bernoulli_nll_grad_rest = _ufunc("_bernoulli_nll_grad_rest", "float64(float64, float64, float64)", _bernoulli_nll_grad_rest_scalar)


def _bernoulli_nll_grad_block(ybar, t, out=None):
    _t0 = numpy.exp(_bernoulli_nll_grad_arg0(ybar))
    return _bernoulli_nll_grad_rest(ybar, t, _t0, out=out)


def bernoulli_nll_grad(ybar, t):
    r"""Gradient of :func:`bernoulli_nll` with respect to the logit: :math:`\sigma(\bar y) - t`
    (``glm.logistic.logit_gradient``).

    Stable form :math:`(1 - t)\sigma(\bar y) - t\sigma(-\bar y)` (``sigmoid.symmetry``): for
    :math:`t = 1` the result is :math:`-\sigma(-\bar y)` (e.g. -4.2e-18 at 40), not 0.

    Fused backend: the NumPy kernel's formula, its arithmetic compiled by numba into one loop
    per stage and its exponentials and logarithms from NumPy's vectorised functions.

    Generated from: glm.logistic.logit_gradient, sigmoid.symmetry.
    """
    return _blocks(_bernoulli_nll_grad_block, ybar, t)


def _poisson_nll_rest_scalar(eta, t, _t0):
    return -eta*t + _t0


_poisson_nll_rest = _ufunc("_poisson_nll_rest", "float64(float64, float64, float64)", _poisson_nll_rest_scalar)


def _poisson_nll_block(eta, t, out=None):
    _t0 = numpy.exp(eta)
    return _poisson_nll_rest(eta, t, _t0, out=out)


def poisson_nll(eta, t):
    r"""Poisson NLL from the log-rate :math:`\eta` (:math:`\lambda = e^\eta`), per example:
    :math:`e^\eta - t\eta`. The term :math:`\log t!` does not depend on :math:`\eta` and is
    dropped. Formed from the log-rate, never from :math:`\log\lambda` of a rounded rate
    (``glm.poisson.nll``).

    Fused backend: the NumPy kernel's formula, its arithmetic compiled by numba into one loop
    per stage and its exponentials and logarithms from NumPy's vectorised functions.

    Generated from: glm.poisson.nll.
    """
    with numpy.errstate(over="ignore"):
        return _blocks(_poisson_nll_block, eta, t)


def _poisson_nll_grad_rest_scalar(t, _t0):
    return -t + _t0


_poisson_nll_grad_rest = _ufunc("_poisson_nll_grad_rest", "float64(float64, float64)", _poisson_nll_grad_rest_scalar)


def _poisson_nll_grad_block(eta, t, out=None):
    _t0 = numpy.exp(eta)
    return _poisson_nll_grad_rest(t, _t0, out=out)


def poisson_nll_grad(eta, t):
    r"""Gradient of :func:`poisson_nll` with respect to the log-rate: :math:`e^\eta - t`
    (``glm.poisson.logit_gradient``).

    Fused backend: the NumPy kernel's formula, its arithmetic compiled by numba into one loop
    per stage and its exponentials and logarithms from NumPy's vectorised functions.

    Generated from: glm.poisson.logit_gradient.
    """
    with numpy.errstate(over="ignore"):
        return _blocks(_poisson_nll_grad_block, eta, t)
