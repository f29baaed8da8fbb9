"""Building blocks copied verbatim into the generated fused (numba) kernel module.

They are the floating-point mechanics of :mod:`derive.codegen.runtime` written for one value
(elementwise) or one row (softmax family) at a time, so that numba compiles the arithmetic of a
kernel into one loop; the exponentials and logarithms come from NumPy's vectorised (SIMD) ``exp``
and ``log1p`` between those loops (a scalar libm call per value is several times slower). The
generator copies the source of ``DECORATORS``, of the helpers in ``SCALAR`` (each compiled with
``_jit``) and of the row functions in ``ROWS`` with :func:`inspect.getsource`; this module is
plain Python (numba is imported only by the generated module).
"""

from __future__ import annotations

import math

numba = None  # the generated module imports numba; named here so that linters accept the source
numpy = None  # likewise (the generated module imports numpy)

#: Elements per block of the fused kernels: fewer, larger blocks than the NumPy kernels' (a fused
#: kernel keeps two or three arrays per block, and every block costs a few Python calls);
#: measured best at 64k on 2e6 values.
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


def _div_one_plus(num, e):
    """``num / (1 + e)`` for ``0 <= e <= 1`` with ``1 + e = hi + lo`` exactly (Fast2Sum): the
    rounding of the sum is corrected to first order, ``num/hi * (1 - lo/hi)``."""
    hi = 1.0 + e
    lo = e - (hi - 1.0)
    q = num / hi
    return q - q * (lo / hi)


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


def _scaled_sigma_product_of_exp(e, h, a, scale):
    """:func:`_sigma_product_of_exp` for ``scale`` a power of 4, with ``h = exp(-a/2)`` given:
    where ``scale * e`` is subnormal but ``e`` would lose bits first (``a > 700``),
    ``(sqrt(scale) h)**2`` (a select, no branch)."""
    half = h * math.sqrt(scale)
    q = _sigma_product_of_exp(e, a, scale)
    return half * half if a > 700.0 else q


def _shift(zi, m):
    """``(d, err)`` with ``d + err = zi - m`` exactly (TwoSum): ``err`` is the rounding error of
    ``d = fl(zi - m)``, which ``exp`` would otherwise amplify by ``|d|``. Where ``zi - m`` is
    beyond the double range, ``(-inf, 0)`` (``exp(d) = 0``, the right limit; a select, no
    branch, and compiled code reports no floating-point flags to NumPy)."""
    d = zi - m
    bb = d - zi
    err = (zi - (d - bb)) - (m + bb)
    return d, (0.0 if d == -math.inf else err)


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


def _shift_rows(z, d, err):
    """``d + err = z - max(z)`` exactly, entry by entry, for each row of ``z`` (TwoSum)."""
    for r in range(z.shape[0]):
        m = -math.inf
        for i in range(z.shape[1]):
            m = max(m, z[r, i])
        for i in range(z.shape[1]):
            di, ei = _shift(z[r, i], m)
            d[r, i] = di
            err[r, i] = ei


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


SCALAR = (_div_one_plus, _sigma_product_of_exp, _scaled_sigma_product_of_exp, _shift, _rest)
#: Row functions over (rows, K) blocks, compiled with ``_rows_function``.
ROWS = (_shift_rows,)

#: numba's decorators with the on-disk cache (and its in-memory fallback), applied on first use.
DECORATORS = (_cached, _jit, _OnFirstCall, _ufunc, _rows_function)
#: NumPy drivers: blocks of elements or rows, written into the output.
DRIVERS = (_blocks, _row_blocks, _shifted)
