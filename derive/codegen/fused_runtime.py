"""Scalar building blocks copied verbatim into the generated fused (numba) kernel module.

They are the floating-point mechanics of :mod:`derive.codegen.runtime` written for one value
(elementwise) or one row (softmax family) at a time, so that numba compiles each kernel into a
single pass over memory. The generator copies the source of the functions in ``SCALAR`` (each
compiled with ``_jit``) and of ``DECORATORS`` with :func:`inspect.getsource`; this module is
plain Python (numba is imported only by the generated module), so the blocks can also be tested
as Python functions.
"""

from __future__ import annotations

import math

numba = None  # the generated module imports numba; named here so that linters accept the source


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


def _row_top(z):
    """``(top, m)``: the first column of a maximum of the row ``z`` and that maximum."""
    top = 0
    m = z[0]
    for i in range(1, z.shape[0]):
        if z[i] > m:
            top = i
            m = z[i]
    return top, m


def _shift(zi, m):
    """``(d, err)`` with ``d + err = zi - m`` exactly (TwoSum): ``err`` is the rounding error of
    ``d = fl(zi - m)``, which ``exp`` would otherwise amplify by ``|d|``. Where ``zi - m`` is
    beyond the double range, ``(-inf, 0)``, without an overflow (``exp(d) = 0``, the right limit)."""
    if 0.5 * zi - 0.5 * m < -8.98846567431158e307:  # half the largest double: 2 h overflows
        return -math.inf, 0.0
    d = zi - m
    bb = d - zi
    return d, (zi - (d - bb)) - (m + bb)


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


#: The scalar helpers, compiled with ``_jit`` in the generated module.
SCALAR = (_div_one_plus, _sigma_product, _row_top, _shift, _exp_rest)
#: numba's decorators with the on-disk cache (and its in-memory fallback), applied on first use.
DECORATORS = (_cached, _jit, _OnFirstCall, _ufunc, _row_gufunc)
