"""NumPy kernels generated from the derivations of derive.

GENERATED FILE - do not edit. Written by `derive codegen`; `derive codegen --check` fails on drift.
Source derivation results: fscore.fbeta, glm.linear.logit_gradient, glm.linear.nll,
glm.logistic.logit_gradient, glm.logistic.nll, glm.poisson.logit_gradient, glm.poisson.nll,
mlp.hidden_gradient, mlp.output_bias_gradient, mlp.output_weight_gradient,
sigmoid.derivative_stable, sigmoid.symmetry, sigmoid.tanh_derivative, softmax.ce_gradient,
softmax.jacobian, softmax.log_probabilities, softmax.shift_invariance.
Digest of the source derivations (SHA-256): 5ff63bd90e67335b37a63d1dfccf8b82a88738999f09e08d16f155333cbef04a

NumPy only (never SymPy). Every kernel is vectorised; its docstring states the formula, the
derived identity that makes it stable and the results it was generated from.

With numba installed (the 'fast' extra), the kernels with a fused twin in the module
`<this module>_fused` run it instead once it is loaded: on the first call with at least
_FUSED_MIN_SIZE elements, or at once with DERIVE_KERNELS=fused (DERIVE_KERNELS=numpy: never).
"""

import importlib
import os

import numpy

__all__ = [
    'sigmoid',
    'sigmoid_derivative',
    'log_sigmoid',
    'softplus',
    'tanh_derivative',
    'relu',
    'relu_derivative',
    'identity',
    'identity_derivative',
    'softmax',
    'log_softmax',
    'softmax_jacobian',
    'gaussian_nll',
    'gaussian_nll_grad',
    'bernoulli_nll',
    'bernoulli_nll_grad',
    'poisson_nll',
    'poisson_nll_grad',
    'categorical_nll',
    'categorical_nll_grad',
    'dense_backward',
    'fbeta_from_counts',
    'sigmoid_unchecked',
    'relu_unchecked',
    'identity_unchecked',
    'gaussian_nll_grad_unchecked',
    'bernoulli_nll_grad_unchecked',
    'poisson_nll_grad_unchecked',
    'relu_backward_unchecked',
    'logistic_backward_unchecked',
    'tanh_backward_unchecked',
    'categorical_nll_grad_unchecked',
    'log_softmax_unchecked',
    'dense_backward_unchecked',
    'dense_param_grads_unchecked',
    'dense_weight_grads_unchecked',
    'dense_weight_input_grads_unchecked',
]


#: Elements per block: a kernel's intermediate arrays stay in the CPU cache, so several
#: NumPy passes cost about as much as one fused loop.
_BLOCK = 16384


#: The fused backend of the kernels that have one: None until the first call decides (see
#: _fused_backend), then the module of fused numba kernels, or False for these NumPy kernels.
_FUSED = None
#: Elements of the first input that loads the fused backend: importing numba takes about 0.5 s,
#: which pays off on large inputs, not on a scalar.
_FUSED_MIN_SIZE = 65536


def _as_float(a):
    return numpy.asarray(a, dtype=numpy.float64)


def _elementwise(block, *args):
    """``block`` applied to the broadcast float arrays ``args`` in blocks of ``_BLOCK`` elements."""
    arrays = [_as_float(a) for a in args]
    shape = arrays[0].shape
    if arrays[0].size <= _BLOCK and all(a.shape == shape for a in arrays):
        return block(*arrays)  # the common small case, without broadcasting machinery
    arrays = numpy.broadcast_arrays(*arrays)
    shape = arrays[0].shape
    if arrays[0].size <= _BLOCK:
        return block(*arrays)
    flat = [a.reshape(-1) for a in arrays]
    out = numpy.empty(flat[0].size)
    for start in range(0, out.size, _BLOCK):
        stop = start + _BLOCK
        out[start:stop] = block(*[a[start:stop] for a in flat])
    return out.reshape(shape)


def _rowwise(block, z, axis):
    """``block`` (rows, K) -> (rows, K) applied along ``axis`` of ``z``, a few rows at a time."""
    z = _as_float(z)
    if z.ndim == 2 and axis in (-1, 1) and z.size <= _BLOCK:
        return block(z)
    moved = numpy.moveaxis(z, axis, -1)
    rows = moved.reshape(-1, moved.shape[-1]) if moved.ndim else moved.reshape(1, 1)
    step = max(1, _BLOCK // max(1, rows.shape[1]))
    if rows.shape[0] <= step:
        out = block(rows)
    else:
        out = numpy.empty_like(rows)
        for start in range(0, rows.shape[0], step):
            out[start:start + step] = block(rows[start:start + step])
    return numpy.moveaxis(out.reshape(moved.shape), -1, axis)


def _rows_with_targets(block, z, t):
    """``block(z_rows, t_rows)`` over row blocks of logits ``z`` (N, K) and classes ``t`` (N,)."""
    z = _as_float(z)
    t = _class_indices(t, z)
    step = max(1, _BLOCK // max(1, z.shape[1]))
    if z.shape[0] <= step:
        return block(z, t)
    parts = [block(z[start:start + step], t[start:start + step]) for start in range(0, z.shape[0], step)]
    return numpy.concatenate(parts)


def _shift_by_max(z):
    """``z - max(z)`` along the rows of ``z`` (n, K) as ``(d, err, rows, top)`` with
    ``d + err = z - max`` exactly.

    ``d = fl(z - m)``; ``err`` is its rounding error (TwoSum), which ``exp`` would otherwise
    amplify by ``|d|`` (about 460 ulp at probabilities near 1e-200). ``top`` (n,) is the column of
    a maximum of each row (``rows = arange(n)``), where ``d = err = 0`` exactly.
    """
    rows = numpy.arange(z.shape[0])
    top = numpy.argmax(z, axis=1)
    m = z[rows, top][:, None]
    with numpy.errstate(over="ignore", invalid="ignore"):
        d = z - m
        bb = d - z
        err = d - bb
        numpy.subtract(z, err, out=err)
        bb += m
        err -= bb
    return d, err, rows, top


def _row_sum(a):
    """Row sums (n, 1) by einsum (2-4x faster than sum(axis=1) on short rows; the order of the
    additions does not matter where it is used: exact sums or tiny remainders)."""
    return numpy.einsum("ij->i", a)[:, None]


def _exp_rest(d, err, rows, top):
    """``(e, rest)``: ``e = exp(d) (1 + err)``, which is ``exp(d + err)`` to first order (the top
    entry exactly 1), and ``rest`` (n, 1), the row sum of ``e`` without the top entry, so that the
    full sum is ``1 + rest``. A plain sum of K terms is off by a few ulp; here the sum of the
    leading parts is exact, leaving one final rounding."""
    e = numpy.exp(d, order="C")
    part = err + 1.0
    e *= part
    flat = e.reshape(-1)  # a view, since e is a fresh C-contiguous array
    at_top = rows * e.shape[1] + top
    flat[at_top] = 0.0
    # Rump's extraction: with sigma a power of two above (K + 2) * sum, hi = (sigma + e) - sigma
    # lies on the grid of ulp(sigma), so sum(hi) is exact; lo = e - hi is exact and tiny.
    _, exponent = numpy.frexp(_row_sum(e))
    sigma = numpy.ldexp(1.0, exponent + int(e.shape[1] + 2).bit_length())
    numpy.add(e, sigma, out=part)
    part -= sigma
    rest = _row_sum(part)
    numpy.subtract(e, part, out=part)
    rest += _row_sum(part)
    flat[at_top] = 1.0
    if not numpy.isfinite(rest).all():
        # |z - m| beyond the double range gave err = NaN where exp(d) = 0: no correction there
        err[~numpy.isfinite(err)] = 0.0
        return _exp_rest(d, err, rows, top)
    return e, rest


def _div_one_plus(num, e):
    """``num / (1 + e)`` for ``0 <= e <= 1`` with ``1 + e = hi + lo`` exactly (Fast2Sum): the
    rounding of the sum is corrected to first order, ``num/hi * (1 - lo/hi)``."""
    hi = 1.0 + e
    lo = e - (hi - 1.0)
    q = num / hi
    return q - q * (lo / hi)


def _sigma_product(a, scale):
    """``scale * E / (1 + E)**2`` with ``E = exp(-a)``, ``a >= 0``: ``scale`` times
    sigma(a) sigma(-a), to about 1.5 ulp.

    ``1 + E`` is kept exactly as ``hi + lo`` (Fast2Sum) and its square as ``s_hi + s_lo``
    (``hi`` split into 25 + 28 bits, so the partial products are exact), leaving only the rounding
    of ``E`` and of one division. Where ``scale * E`` is subnormal but ``E`` would lose bits first,
    ``(sqrt(scale) exp(-a/2))**2`` is used (``scale`` a power of 4).
    """
    shape = numpy.shape(a)
    a = numpy.atleast_1d(a)
    with numpy.errstate(over="ignore"):
        e = numpy.exp(-a)
    hi = 1.0 + e
    lo = hi - 1.0
    numpy.subtract(e, lo, out=lo)  # 1 + e = hi + lo exactly, since 1 >= e
    h1 = hi + 268435456.0  # 2**28: h1 is hi rounded to 25 bits, so h1 * h1 is exact
    h1 -= 268435456.0
    h2 = hi - h1
    s_hi = h1 * h1
    b = h1 * h2
    b *= 2.0
    s_lo = s_hi + b
    s_hi, s_lo = s_lo, s_lo - s_hi
    numpy.subtract(b, s_lo, out=s_lo)  # h1**2 + 2 h1 h2 = s_hi + s_lo exactly (Fast2Sum)
    h2 *= h2
    s_lo += h2
    lo *= hi
    lo *= 2.0
    s_lo += lo  # (hi + lo)**2 = s_hi + s_lo up to 2**-100 relative
    q = e / s_hi
    s_lo /= s_hi
    s_lo *= q
    q -= s_lo
    if scale != 1.0:
        q *= scale
        tiny = a > 700.0  # e near or below the subnormal range: square a normal half instead
        if tiny.any():
            with numpy.errstate(over="ignore"):
                half = numpy.exp(-0.5 * a[tiny]) * numpy.sqrt(scale)
            q[tiny] = half * half
    return q.reshape(shape)[()]


def _class_indices(t, z):
    """``t`` as an (N,) integer index array into the rows of ``z`` (N, K); ValueError otherwise."""
    t = numpy.asarray(t)
    if z.ndim != 2:
        raise ValueError(f"logits must have shape (N, K), got {z.shape}")
    if t.shape != z.shape[:1]:
        raise ValueError(f"targets must have shape ({z.shape[0]},), got {t.shape}")
    if t.size and not numpy.issubdtype(t.dtype, numpy.integer):
        if not numpy.all(numpy.mod(t, 1) == 0):
            raise ValueError("targets must be integer class indices")
    t = t.astype(numpy.intp)
    if t.size and (t.min() < 0 or t.max() >= z.shape[1]):
        raise ValueError(f"class indices must lie in 0..{z.shape[1] - 1}")
    return t


def _check_dense(grad_out, inputs, weights):
    if grad_out.ndim != 2 or inputs.ndim != 2 or weights.ndim != 2:
        raise ValueError("grad_out, inputs and weights must be 2-D: (N, O), (N, M), (M, O)")
    n, o = grad_out.shape
    if inputs.shape[0] != n or weights.shape != (inputs.shape[1], o):
        raise ValueError(
            f"shapes do not match: grad_out {grad_out.shape}, inputs {inputs.shape}, weights {weights.shape}"
        )


def _check_beta(beta):
    beta = float(beta)
    if not beta >= 0 or beta == numpy.inf:
        raise ValueError(f"beta must be a finite number >= 0, got {beta}")
    return beta


def _fused_backend(x):
    """The fused kernel module for a call on ``x``, or a false value for the NumPy kernels.

    Decided once, on the first call with an array of at least ``_FUSED_MIN_SIZE`` elements (or
    on the first call with the environment variable ``DERIVE_KERNELS=fused``;
    ``DERIVE_KERNELS=numpy`` keeps NumPy): the fused module when numba (the 'fast' extra) is
    installed, else False.
    """
    global _FUSED
    if _FUSED is None:
        choice = os.environ.get("DERIVE_KERNELS", "auto")
        if choice not in ("auto", "numpy", "fused"):
            raise ValueError(f"DERIVE_KERNELS must be auto, numpy or fused, got {choice!r}")
        if choice == "numpy":
            _FUSED = False
        elif choice == "fused" or getattr(x, "size", 0) >= _FUSED_MIN_SIZE:  # a large NumPy array
            _FUSED = _import_fused(required=choice == "fused")
    return _FUSED


def _import_fused(required=False):
    """The fused twin of this module (``<module>_fused``), or False where numba is not installed
    (ImportError if ``required``)."""
    try:
        return importlib.import_module(__name__ + "_fused")
    except ImportError as exc:
        if required:
            raise ImportError(f"the fused kernels need numba ({exc}); install them with "
                              "pip install 'derive[fast]'") from exc
        return False


def _sigmoid_block(x):
    _c0 = numpy.exp(-numpy.abs(x))
    return _div_one_plus(numpy.maximum(_c0, numpy.greater_equal(x, 0.0)), _c0)


def sigmoid(x):
    r"""The logistic sigmoid :math:`\sigma(x) = 1/(1 + e^{-x})`, elementwise.

    Stable form by the symmetry :math:`\sigma(-x) = 1 - \sigma(x)` (``sigmoid.symmetry``):
    :math:`1/(1 + e^{-|x|})` for :math:`x \ge 0` and :math:`e^{-|x|}/(1 + e^{-|x|})` for
    :math:`x < 0`, so only :math:`e^{-|x|} \le 1` is formed (no overflow; subnormal results kept).

    Generated from: sigmoid.symmetry.
    """
    if _FUSED or (_FUSED is None and _fused_backend(x)):
        return _FUSED.sigmoid(x)
    return _elementwise(_sigmoid_block, x)


def _sigmoid_derivative_block(x):
    return _sigma_product(numpy.abs(x), 1.0)


def sigmoid_derivative(x):
    r"""The derivative :math:`\sigma'(x) = \sigma(x)\,\sigma(-x)`, elementwise
    (``sigmoid.derivative_stable``; not :math:`\sigma(1 - \sigma)`, which is 0 instead of
    4.2e-18 at x = 40).

    The product is even, so it is :math:`E/(1 + E)^2` with :math:`E = e^{-|x|}`
    (``sigmoid.symmetry``): no overflow, no cancellation.

    Generated from: sigmoid.derivative_stable, sigmoid.symmetry.
    """
    if _FUSED or (_FUSED is None and _fused_backend(x)):
        return _FUSED.sigmoid_derivative(x)
    return _elementwise(_sigmoid_derivative_block, x)


def _log_sigmoid_block(x):
    return -numpy.maximum(-x, 0.0) - numpy.log1p(numpy.exp(-numpy.abs(x)))


def log_sigmoid(x):
    r""":math:`\log \sigma(x) = -\log(1 + e^{-x}) = -\operatorname{softplus}(-x)`, elementwise.

    Stable form :math:`\min(x, 0) - \operatorname{log1p}(e^{-|x|})` from
    :math:`\log(1 + e^{u}) = u + \log(1 + e^{-u})` (the log-add-exp identity): exact to the last
    bits both for :math:`x \to -\infty` (:math:`\approx x`) and :math:`x \to \infty`
    (:math:`\approx -e^{-x}`).

    Generated from: sigmoid.symmetry.
    """
    if _FUSED or (_FUSED is None and _fused_backend(x)):
        return _FUSED.log_sigmoid(x)
    return _elementwise(_log_sigmoid_block, x)


def _softplus_block(x):
    return numpy.maximum(x, 0.0) + numpy.log1p(numpy.exp(-numpy.abs(x)))


def softplus(x):
    r""":math:`\operatorname{softplus}(x) = \log(1 + e^{x})`, elementwise.

    Stable form :math:`\max(x, 0) + \operatorname{log1p}(e^{-|x|})` (log-add-exp identity
    :math:`\log(1 + e^{u}) = u + \log(1 + e^{-u})`).

    Generated from: definitions stated in the docstring.
    """
    if _FUSED or (_FUSED is None and _fused_backend(x)):
        return _FUSED.softplus(x)
    return _elementwise(_softplus_block, x)


def _tanh_derivative_block(x):
    return _sigma_product(2*numpy.abs(x), 4.0)


def tanh_derivative(x):
    r"""The derivative of tanh, :math:`1 - \tanh^2(x)`, elementwise (``sigmoid.tanh_derivative``).

    Stable form :math:`4\sigma(2x)\sigma(-2x) = 4E/(1 + E)^2` with :math:`E = e^{-2|x|}`
    (``sigmoid.tanh_derivative``, ``sigmoid.symmetry``): :math:`1 - \tanh^2` cancels to 0 for
    :math:`|x| > 19` where the truth is :math:`\approx 4 e^{-2|x|}`.

    Generated from: sigmoid.tanh_derivative, sigmoid.symmetry.
    """
    if _FUSED or (_FUSED is None and _fused_backend(x)):
        return _FUSED.tanh_derivative(x)
    with numpy.errstate(over="ignore"):
        return _elementwise(_tanh_derivative_block, x)


def _relu_block(x):
    return numpy.maximum(x, 0.0)


def relu(x):
    r""":math:`\operatorname{relu}(x) = \max(x, 0)`, elementwise.

    Generated from: definitions stated in the docstring.
    """
    return _elementwise(_relu_block, x)


def _relu_derivative_block(x):
    return 1.0*numpy.greater(x, 0.0)


def relu_derivative(x):
    r"""The derivative of relu, the Heaviside step: 1 where :math:`x > 0`, else 0 (the value
    at 0 is the subgradient 0).

    Generated from: definitions stated in the docstring.
    """
    return _elementwise(_relu_derivative_block, x)


def _identity_block(x):
    return x


def identity(x):
    r"""The identity activation :math:`x` (as a float array; no copy is made).

    Generated from: definitions stated in the docstring.
    """
    return _elementwise(_identity_block, x)


def identity_derivative(x):
    r"""The derivative of the identity, :math:`1`, shaped like ``x``.

    Generated from: definitions stated in the docstring.
    """
    x = _as_float(x)
    return numpy.full_like(x, 1.0)


def _softmax_block(z):
    d, err, rows, top = _shift_by_max(z)
    e, rest = _exp_rest(d, err, rows, top)
    return e/(1 + rest)


def softmax(z, axis=-1):
    r"""Softmax :math:`y_i = e^{z_i} / \sum_k e^{z_k}` along ``axis`` (any shape).

    Max-shift by shift invariance (``softmax.shift_invariance``, :math:`c = -\max_k z_k`): only
    :math:`e^{d}` with :math:`d \le 0` is formed. The rounding error of :math:`z - \max z` is
    recovered exactly (TwoSum) and applied to first order, so tiny probabilities keep full
    relative accuracy, and the sum is :math:`1 + \text{rest}` (the top term is exactly 1).

    Generated from: softmax.shift_invariance.
    """
    if _FUSED or (_FUSED is None and _fused_backend(z)):
        return _FUSED.softmax(z, axis)
    return _rowwise(_softmax_block, z, axis)


def _log_softmax_block(z):
    d, err, rows, top = _shift_by_max(z)
    e, rest = _exp_rest(d, err, rows, top)
    return (err - numpy.log1p(rest)) + d


def log_softmax(z, axis=-1):
    r"""Log-softmax :math:`\log y_i = z_i - \log \sum_k e^{z_k}` along ``axis``
    (``softmax.log_probabilities``).

    Max-shift (``softmax.shift_invariance``): :math:`(z_i - m) - \operatorname{log1p}(\text{rest})`
    where rest is the sum without the top term, so the top class gets :math:`-\text{rest}`
    (e.g. -1.7e-27) instead of 0; the recovered rounding error of :math:`z_i - m` is added to the
    small term before the large one.

    Generated from: softmax.log_probabilities, softmax.shift_invariance.
    """
    if _FUSED or (_FUSED is None and _fused_backend(z)):
        return _FUSED.log_softmax(z, axis)
    return _rowwise(_log_softmax_block, z, axis)


def softmax_jacobian(z):
    r"""Jacobian of softmax along the last axis: ``z`` (..., K) -> (..., K, K) with entry
    ``[..., i, j]`` :math:`= \partial y_i / \partial z_j = y_i(\delta_{ij} - y_j)`
    (``softmax.jacobian``; :math:`\operatorname{diag}(y) - y y^T`, ``softmax.jacobian_matrix``),
    with :math:`y` from :func:`softmax` (max-shifted).

    Generated from: softmax.jacobian.
    """
    y = softmax(z, axis=-1)
    y_i = y[..., :, None]
    y_j = y[..., None, :]
    delta_ij = numpy.eye(y.shape[-1])
    return y_i*(delta_ij - y_j)


def _gaussian_nll_block(ybar, t):
    return (1/2)*(ybar - t)**2


def gaussian_nll(ybar, t):
    r"""Gaussian (MSE) negative log-likelihood per example, :math:`(\bar y - t)^2 / 2`
    (unit variance; the constant :math:`\log(2\pi)/2` is dropped). No mean is taken.

    Generated from: glm.linear.nll.
    """
    if _FUSED or (_FUSED is None and _fused_backend(ybar)):
        return _FUSED.gaussian_nll(ybar, t)
    with numpy.errstate(over="ignore"):
        return _elementwise(_gaussian_nll_block, ybar, t)


def _gaussian_nll_grad_block(ybar, t):
    return ybar - t


def gaussian_nll_grad(ybar, t):
    r"""Gradient of :func:`gaussian_nll` with respect to the logit: :math:`\bar y - t`.

    Generated from: glm.linear.logit_gradient.
    """
    if _FUSED or (_FUSED is None and _fused_backend(ybar)):
        return _FUSED.gaussian_nll_grad(ybar, t)
    with numpy.errstate(over="ignore"):
        return _elementwise(_gaussian_nll_grad_block, ybar, t)


def _bernoulli_nll_block(ybar, t):
    return -t*ybar + numpy.maximum(ybar, 0.0) + numpy.log1p(numpy.exp(-numpy.abs(ybar)))


def bernoulli_nll(ybar, t):
    r"""Bernoulli NLL (binary cross-entropy) from the logit, per example:
    :math:`-t\log\sigma(\bar y) - (1 - t)\log\sigma(-\bar y) = \operatorname{softplus}(\bar y) - t\bar y`.

    Stable form :math:`(\max(\bar y, 0) - t\bar y) + \operatorname{log1p}(e^{-|\bar y|})`
    (``glm.logistic.nll``, then the log-add-exp identity
    :math:`\log(1 + e^{u}) = u + \log(1 + e^{-u})`); exact for :math:`t \in \{0, 1\}` at any
    logit.

    Generated from: glm.logistic.nll.
    """
    if _FUSED or (_FUSED is None and _fused_backend(ybar)):
        return _FUSED.bernoulli_nll(ybar, t)
    return _elementwise(_bernoulli_nll_block, ybar, t)


def _bernoulli_nll_grad_block(ybar, t):
    _c0 = numpy.exp(-numpy.abs(ybar))
    return (1 - t)*_div_one_plus(numpy.maximum(_c0, numpy.greater_equal(ybar, 0.0)), _c0) - t*_div_one_plus(numpy.maximum(_c0, numpy.greater_equal(-ybar, 0.0)), _c0)


def bernoulli_nll_grad(ybar, t):
    r"""Gradient of :func:`bernoulli_nll` with respect to the logit: :math:`\sigma(\bar y) - t`
    (``glm.logistic.logit_gradient``).

    Stable form :math:`(1 - t)\sigma(\bar y) - t\sigma(-\bar y)` (``sigmoid.symmetry``): for
    :math:`t = 1` the result is :math:`-\sigma(-\bar y)` (e.g. -4.2e-18 at 40), not 0.

    Generated from: glm.logistic.logit_gradient, sigmoid.symmetry.
    """
    if _FUSED or (_FUSED is None and _fused_backend(ybar)):
        return _FUSED.bernoulli_nll_grad(ybar, t)
    return _elementwise(_bernoulli_nll_grad_block, ybar, t)


def _poisson_nll_block(eta, t):
    return -eta*t + numpy.exp(eta)


def poisson_nll(eta, t):
    r"""Poisson NLL from the log-rate :math:`\eta` (:math:`\lambda = e^\eta`), per example:
    :math:`e^\eta - t\eta`. The term :math:`\log t!` does not depend on :math:`\eta` and is
    dropped. Formed from the log-rate, never from :math:`\log\lambda` of a rounded rate
    (``glm.poisson.nll``).

    Generated from: glm.poisson.nll.
    """
    if _FUSED or (_FUSED is None and _fused_backend(eta)):
        return _FUSED.poisson_nll(eta, t)
    with numpy.errstate(over="ignore"):
        return _elementwise(_poisson_nll_block, eta, t)


def _poisson_nll_grad_block(eta, t):
    return -t + numpy.exp(eta)


def poisson_nll_grad(eta, t):
    r"""Gradient of :func:`poisson_nll` with respect to the log-rate: :math:`e^\eta - t`
    (``glm.poisson.logit_gradient``).

    Generated from: glm.poisson.logit_gradient.
    """
    if _FUSED or (_FUSED is None and _fused_backend(eta)):
        return _FUSED.poisson_nll_grad(eta, t)
    with numpy.errstate(over="ignore"):
        return _elementwise(_poisson_nll_grad_block, eta, t)


def _categorical_nll_block(z, t):
    d, err, rows, top = _shift_by_max(z)
    e, rest = _exp_rest(d, err, rows, top)
    d_t = d[rows, t]
    err_t = err[rows, t]
    rest = rest[:, 0]
    return (numpy.log1p(rest) - err_t) - d_t


def categorical_nll(z, t):
    r"""Categorical NLL (cross-entropy) from logits, per example: ``z`` (N, K), ``t`` (N,)
    integer classes -> (N,), :math:`\log\sum_k e^{z_k} - z_t = -\log\operatorname{softmax}(z)_t`
    (``softmax.log_probabilities``), max-shifted (``softmax.shift_invariance``) with the
    rounding error of :math:`z_t - \max z` recovered and :math:`\operatorname{log1p}` of the
    sum without its top term.

    Generated from: softmax.log_probabilities, softmax.shift_invariance.
    """
    return _rows_with_targets(_categorical_nll_block, z, t)


def _categorical_nll_grad_block(z, t):
    d, err, rows, top = _shift_by_max(z)
    e, rest = _exp_rest(d, err, rows, top)
    y = e/(1 + rest)
    y_t = y[rows, t]
    rest = rest[:, 0]
    y[rows, t] = numpy.where(t == top, -rest/(1 + rest), -1 + y_t)
    return y


def categorical_nll_grad(z, t):
    r"""Gradient of :func:`categorical_nll` with respect to the logits: ``z`` (N, K), ``t``
    (N,) -> (N, K), :math:`\operatorname{softmax}(z) - \mathbf 1_t` (``softmax.ce_gradient``).

    Softmax as in :func:`softmax`; at the target class, when it is the top logit, the entry
    :math:`y_t - 1` is formed as :math:`-\text{rest}/(1 + \text{rest})` (exact algebra on the
    shifted sum), so a confident correct prediction gives -1e-30, not 0.

    Generated from: softmax.ce_gradient, softmax.shift_invariance.
    """
    return _rows_with_targets(_categorical_nll_grad_block, z, t)


def dense_backward(grad_out, inputs, weights):
    r"""Backward step of a dense layer :math:`\bar Y = X W + \mathbf 1 b^T`.

    ``grad_out`` :math:`G = \partial L/\partial \bar Y` (N, O), ``inputs`` X (N, M), ``weights``
    W (M, O) -> ``(grad_weights, grad_bias, grad_inputs)``: :math:`X^T G` (M, O),
    :math:`G^T \mathbf 1` (O,), :math:`G W^T` (N, M) (matrix calculus of
    :math:`\operatorname{tr}(G^T \bar Y)`, or the ``mlp`` results :math:`H^T G^{(y)}`,
    :math:`G^{(y)T}\mathbf 1` and the :math:`G^{(y)} W^{(y)T}` factor of :math:`G^{(h)}`; BLAS
    products). No :math:`1/N` inside: the caller scales ``grad_out``.

    Generated from: mlp.output_weight_gradient, mlp.output_bias_gradient, mlp.hidden_gradient.
    """
    grad_out = _as_float(grad_out)
    inputs = _as_float(inputs)
    weights = _as_float(weights)
    _check_dense(grad_out, inputs, weights)
    grad_weights = (inputs.T).dot(grad_out)
    grad_bias = ((grad_out.T)).sum(axis=1)
    grad_inputs = (grad_out).dot(weights.T)
    return grad_weights, grad_bias, grad_inputs


def fbeta_from_counts(tp, fp, fn, beta=1.0, zero_division=0.0):
    r"""F-beta from the counts, elementwise over broadcast arrays (``fscore.fbeta``):
    :math:`(1 + \beta^2) TP / ((1 + \beta^2) TP + \beta^2 FN + FP)`; ``zero_division`` where
    the denominator is 0 (no TP, FP or FN).

    Generated from: fscore.fbeta.
    """
    tp, fp, fn = numpy.broadcast_arrays(_as_float(tp), _as_float(fp), _as_float(fn))
    beta = _check_beta(beta)
    num = tp*(1 + beta**2)
    den = fp + fn*beta**2 + tp*(1 + beta**2)
    out = numpy.full(den.shape, zero_division, dtype=numpy.float64)
    numpy.divide(num, den, out=out, where=den != 0)
    return out


def sigmoid_unchecked(x):
    r"""Training-path variant of :func:`sigmoid`: the same generated block (same formula, same stable form).

    No validation: the arguments must already be float64 arrays of one
    shape (small enough for one block; numeric's SGD loop passes minibatches).

    Generated from: sigmoid.symmetry.
    """
    return _sigmoid_block(x)


def relu_unchecked(x):
    r"""Training-path variant of :func:`relu`: the same generated block (same formula, same stable form).

    No validation: the arguments must already be float64 arrays of one
    shape (small enough for one block; numeric's SGD loop passes minibatches).

    Generated from: definitions stated in the docstring.
    """
    return _relu_block(x)


def identity_unchecked(x):
    r"""Training-path variant of :func:`identity`: the same generated block (same formula, same stable form).

    No validation: the arguments must already be float64 arrays of one
    shape (small enough for one block; numeric's SGD loop passes minibatches).

    Generated from: definitions stated in the docstring.
    """
    return _identity_block(x)


def gaussian_nll_grad_unchecked(ybar, t):
    r"""Training-path variant of :func:`gaussian_nll_grad`: the same generated block (same formula, same stable form).

    No validation: the arguments must already be float64 arrays of one
    shape (small enough for one block; numeric's SGD loop passes minibatches).

    Generated from: glm.linear.logit_gradient.
    """
    with numpy.errstate(over="ignore"):
        return _gaussian_nll_grad_block(ybar, t)


def bernoulli_nll_grad_unchecked(ybar, t):
    r"""Training-path variant of :func:`bernoulli_nll_grad`: the same generated block (same formula, same stable form).

    No validation: the arguments must already be float64 arrays of one
    shape (small enough for one block; numeric's SGD loop passes minibatches).

    Generated from: glm.logistic.logit_gradient, sigmoid.symmetry.
    """
    return _bernoulli_nll_grad_block(ybar, t)


def poisson_nll_grad_unchecked(eta, t):
    r"""Training-path variant of :func:`poisson_nll_grad`: the same generated block (same formula, same stable form).

    No validation: the arguments must already be float64 arrays of one
    shape (small enough for one block; numeric's SGD loop passes minibatches).

    Generated from: glm.poisson.logit_gradient.
    """
    with numpy.errstate(over="ignore"):
        return _poisson_nll_grad_block(eta, t)


def relu_backward_unchecked(grad, x):
    r"""The chain-rule step through the activation relu: ``grad * relu_derivative(x)`` (the same generated formula as :func:`relu_derivative`), computed in place in ``grad`` (returned).

    No validation: the arguments must already be float64 arrays of one
    shape (small enough for one block; numeric's SGD loop passes minibatches).

    Generated from: definitions stated in the docstring.
    """
    grad *= numpy.greater(x, 0.0)
    return grad


def logistic_backward_unchecked(grad, x):
    r"""The chain-rule step through the activation logistic: ``grad * sigmoid_derivative(x)`` (the same generated formula as :func:`sigmoid_derivative`), computed in place in ``grad`` (returned).

    No validation: the arguments must already be float64 arrays of one
    shape (small enough for one block; numeric's SGD loop passes minibatches).

    Generated from: sigmoid.derivative_stable, sigmoid.symmetry.
    """
    grad *= _sigma_product(numpy.abs(x), 1.0)
    return grad


def tanh_backward_unchecked(grad, x):
    r"""The chain-rule step through the activation tanh: ``grad * tanh_derivative(x)`` (the same generated formula as :func:`tanh_derivative`), computed in place in ``grad`` (returned).

    No validation: the arguments must already be float64 arrays of one
    shape (small enough for one block; numeric's SGD loop passes minibatches).

    Generated from: sigmoid.tanh_derivative, sigmoid.symmetry.
    """
    with numpy.errstate(over="ignore"):
        grad *= _sigma_product(2*numpy.abs(x), 4.0)
        return grad


def categorical_nll_grad_unchecked(z, onehot):
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
    minibatch would cost as much as a NumPy pass).

    Generated from: softmax.ce_gradient, softmax.shift_invariance.
    """
    z -= z.max(axis=1, keepdims=True)  # beyond the double range: -inf, so e = 0
    e = numpy.exp(z, out=z)
    S = e.sum(axis=1, keepdims=True)
    y = e/S
    return y - onehot


def log_softmax_unchecked(z):
    r"""Log-softmax over the last axis for the training path (L-BFGS objectives): ``z`` (..., K)
    float64 logits -> (..., K), :math:`\log \operatorname{softmax}(z)_i`.

    No validation. Stable by shift invariance (``softmax.shift_invariance``, with
    :math:`c = -\max_k z_k`): :math:`\log y_i = d_i - \log \sum_k e^{d_k}`,
    :math:`d = z - \max z \le 0`, so nothing overflows and the sum is :math:`\ge 1`. This is the
    plain max-shift (the rounding of :math:`z - \max z` and of the sum is not recovered): every
    entry is within :math:`(K + 3)\varepsilon \max(1, |\log y_i|)` of the true value, ample for
    a loss, but use :func:`log_softmax` (compensated, a few ulp) where the largest entries' last
    digits matter. Floating-point warnings are the caller's (an entry :math:`z - \max z` beyond
    the double range overflows to :math:`-\infty`, the right limit).

    Generated from: softmax.shift_invariance.
    """
    d = z - z.max(axis=-1, keepdims=True)  # beyond the double range: -inf, so e^d = 0
    S = numpy.exp(d).sum(axis=-1, keepdims=True)
    return d - numpy.log(S)


def dense_backward_unchecked(grad_out, inputs, weights):
    r"""Same as :func:`dense_backward`: ``(grad_weights, grad_bias, grad_inputs)`` = :math:`(X^T G, G^T \mathbf 1, G W^T)`.

    Training-path variant, no validation: float64 2-D arrays of matching shapes.

    Generated from: mlp.output_weight_gradient, mlp.output_bias_gradient, mlp.hidden_gradient.
    """
    return (inputs.T).dot(grad_out), ((grad_out.T)).sum(axis=1), (grad_out).dot(weights.T)


def dense_param_grads_unchecked(grad_out, inputs):
    r"""The parameter gradients of :func:`dense_backward` only: ``(grad_weights, grad_bias)`` = :math:`(X^T G, G^T \mathbf 1)`, for a first layer whose inputs are data (the input gradient :math:`G W^T` is not needed).

    Training-path variant, no validation: float64 2-D arrays of matching shapes.

    Generated from: mlp.output_weight_gradient, mlp.output_bias_gradient, mlp.hidden_gradient.
    """
    return (inputs.T).dot(grad_out), ((grad_out.T)).sum(axis=1)


def dense_weight_grads_unchecked(grad_out, inputs):
    r"""The weight gradient of :func:`dense_backward` only: :math:`X^T G` (M, O). With a column of ones appended to the inputs, :math:`[X\ \mathbf 1]^T G = [X^T G;\ \mathbf 1^T G]` (M + 1, O) is the weight gradient with the bias gradient :math:`G^T \mathbf 1` as its last row: one BLAS product for both, for a layer stored as :math:`[W; b^T]` whose inputs are data (the SGD loop's first layer).

    Training-path variant, no validation: float64 2-D arrays of matching shapes.

    Generated from: mlp.output_weight_gradient, mlp.output_bias_gradient, mlp.hidden_gradient.
    """
    return (inputs.T).dot(grad_out)


def dense_weight_input_grads_unchecked(grad_out, inputs, weights):
    r"""The weight and input gradients of :func:`dense_backward`: ``(grad_weights, grad_inputs)`` = :math:`(X^T G, G W^T)`; with a column of ones on the inputs (and ``weights`` the rows of :math:`[W; b^T]` without the bias) the first is :math:`[X^T G;\ \mathbf 1^T G]`, the bias gradient as its last row (see :func:`dense_weight_grads_unchecked`).

    Training-path variant, no validation: float64 2-D arrays of matching shapes.

    Generated from: mlp.output_weight_gradient, mlp.output_bias_gradient, mlp.hidden_gradient.
    """
    return (inputs.T).dot(grad_out), (grad_out).dot(weights.T)
