"""NumPy building blocks copied verbatim into every generated kernel module.

They are floating-point mechanics, not derived formulas: the max-shift of a row with the
rounding error of ``z - max`` recovered exactly (Knuth's TwoSum), and the sum of a shifted
exponential row without its top entry (which is exactly ``exp(0) = 1``), so that
``log(sum) = log1p(rest)`` keeps tiny probabilities. This module must stay NumPy-only: the
generator copies the source of the functions listed in ``RUNTIME`` with :func:`inspect.getsource`.
"""

from __future__ import annotations

import importlib
import os

import numpy


def _as_float(a):
    return numpy.asarray(a, dtype=numpy.float64)


#: Elements per block: the intermediate arrays of a kernel stay in the CPU cache, so a kernel of
#: several NumPy passes runs about as fast as one fused loop.
_BLOCK = 16384


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
RUNTIME = (_as_float, _elementwise, _rowwise, _rows_with_targets, _shift_by_max, _row_sum, _exp_rest, _div_one_plus, _sigma_product, _class_indices, _check_dense, _check_beta)


# --- choosing the fused backend (package module only) ---------------------------------------------

#: Module-level state of the dispatch, emitted as text into the package module.
FUSED_STATE = """#: The fused backend of the kernels that have one: None until the first call decides (see
#: _fused_backend), then the module of fused numba kernels, or False for these NumPy kernels.
_FUSED = None
#: Elements of the first input that loads the fused backend: importing numba takes about 0.5 s,
#: which pays off on large inputs, not on a scalar.
_FUSED_MIN_SIZE = 65536"""

_FUSED = None
_FUSED_MIN_SIZE = 65536


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


DISPATCH = (_fused_backend, _import_fused)
