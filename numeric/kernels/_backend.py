"""Which implementation the public kernels run: the fused numba kernels (the 'fast' extra,
``pip install 'derive[fast]'``) or the NumPy ones.

By default (``"auto"``) the choice is made on the first call with a large input (see
``numeric.kernels._generated._fused_backend``): fused when numba is installed, else NumPy. The
environment variable ``DERIVE_KERNELS`` (auto, numpy, fused) sets the default for a process;
:func:`set_backend` and :func:`kernel_backend` change it in code.
"""

from __future__ import annotations

import importlib.util
from contextlib import contextmanager

from numeric.kernels import _generated

BACKENDS = ("auto", "numpy", "fused")


def fused_available() -> bool:
    """Whether numba (the 'fast' extra) is installed; does not import it."""
    return importlib.util.find_spec("numba") is not None


def get_backend() -> str:
    """``"fused"`` or ``"numpy"`` once chosen, ``"auto"`` while no kernel call has chosen yet."""
    state = _generated._FUSED
    return "auto" if state is None else "fused" if state else "numpy"


def set_backend(name: str) -> str:
    """Run the kernels with ``name`` (auto, numpy or fused) from now on; returns the previous
    backend. ``"fused"`` loads numba at once (ImportError without it)."""
    if name not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {name!r}")
    previous = get_backend()
    if name == "fused":
        _generated._FUSED = _generated._import_fused(required=True)
    else:
        _generated._FUSED = None if name == "auto" else False
    return previous


@contextmanager
def kernel_backend(name: str):
    """``with kernel_backend("numpy"): ...`` runs the block with that backend, then restores."""
    state = _generated._FUSED
    set_backend(name)
    try:
        yield
    finally:
        _generated._FUSED = state
