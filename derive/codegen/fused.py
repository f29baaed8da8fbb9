r"""The fused backend: the same kernel formulas printed for one value (or one row) at a time and
compiled by numba into ufuncs, so that each kernel is a single pass over memory.

Elementwise kernels print the rewritten (stable) expression of their NumPy block
(``KernelCode.stable``) with :class:`~derive.codegen.printer.ScalarPrinter` into a
``numba.vectorize`` ufunc. Row-wise kernels (softmax, log-softmax) print their per-entry formula
(``KernelCode.entry``) inside a ``numba.guvectorize`` row function, around the scalar max-shift
and compensated row sum of :mod:`derive.codegen.fused_runtime`. The module is written next to the
NumPy one (``<name>_fused.py``) and is imported by it only when a kernel first needs it.
"""

from __future__ import annotations

import inspect
import textwrap

from derive.codegen import fused_runtime
from derive.codegen.kernels import FUSED, KernelCode
from derive.codegen.printer import ScalarPrinter, print_assignments


def fused_kernels(kernels: list[KernelCode]) -> list[KernelCode]:
    """The kernels of ``kernels`` that get a fused twin (``kernels.FUSED``), in module order."""
    return [k for k in kernels if k.name in FUSED]


def _params(signature: str) -> list[str]:
    """Parameter names of ``"name(a, b=1)"``: ``["a", "b"]``."""
    inside = signature[signature.index("(") + 1:-1]
    return [p.split("=")[0].strip() for p in inside.split(",") if p.strip()]


def call_arguments(k: KernelCode) -> str:
    """The public kernel's parameters passed on positionally (``"z, axis"``)."""
    return ", ".join(_params(k.signature))


def _errstate(k: KernelCode) -> str | None:
    first = k.body[0]
    return first if first.startswith("with numpy.errstate") else None


def _doc(k: KernelCode) -> str:
    sources = ", ".join(k.sources) if k.sources else "definitions stated in the docstring"
    return (f"{k.doc}\n\n    Fused backend: the NumPy kernel's formula compiled by numba into one loop over the\n"
            f"    data (no temporary arrays).\n\n    Generated from: {sources}.\n    ")


def _elementwise_source(k: KernelCode) -> str:
    args = _params(k.signature)
    lines, final = print_assignments(k.stable, ScalarPrinter())
    signature = f'float64({", ".join(["float64"] * len(args))})'
    kernel = "\n".join([
        f"def _{k.name}_scalar({', '.join(args)}):",
        *["    " + line for line in lines],
        f"    return {final}",
        "",
        "",
        f'_{k.name}_fused = _ufunc("_{k.name}_fused", "{signature}", _{k.name}_scalar)',
    ])
    call = f"return _{k.name}_fused({', '.join(f'_as_float({a})' for a in args)})"
    state = _errstate(k)
    body = [state, "    " + call] if state else [call]
    public = f'def {k.signature}:\n    r"""{_doc(k)}"""\n' + textwrap.indent("\n".join(body), "    ")
    return kernel + "\n\n\n" + public


def _rowwise_source(k: KernelCode) -> str:
    names = {s.name for s in k.entry.free_symbols}
    unknown = names - {"e", "rest", "d", "err"}
    if unknown:
        raise AssertionError(f"kernel {k.name}: no scalar form for the row symbols {sorted(unknown)}")
    loop = ["    for i in range(z.shape[0]):"]
    if "e" in names:
        loop.append("        e = out[i]")
    if names & {"d", "err"}:
        loop.append("        d, err = _shift(z[i], m)")
    loop.append(f"        out[i] = {ScalarPrinter().doprint(k.entry)}")
    kernel = "\n".join([
        f"def _{k.name}_row(z, out):",
        "    if z.shape[0] == 0:",
        "        return",
        "    top, m = _row_top(z)",
        "    rest = _exp_rest(z, m, top, out)  # out holds the shifted exponentials e",
        *loop,
        "",
        "",
        f'_{k.name}_fused = _row_gufunc("_{k.name}_fused", "void(float64[:], float64[:])", _{k.name}_row)',
    ])
    public = (f'def {k.signature}:\n    r"""{_doc(k)}"""\n'
              f"    return _{k.name}_fused(_as_float(z), axis=axis)")
    return kernel + "\n\n\n" + public


def kernel_source(k: KernelCode) -> str:
    if k.entry is not None:
        return _rowwise_source(k)
    if k.stable is None:
        raise AssertionError(f"kernel {k.name} has no stable scalar expression to fuse")
    return _elementwise_source(k)


def render_fused(kernels: list[KernelCode], header: list[str]) -> str:
    """The text of the fused module for the fused subset of ``kernels``; ``header`` holds the
    docstring's lines (generated-file notice, sources, digest) shared with the NumPy module."""
    chosen = fused_kernels(kernels)
    lines = [
        '"""Fused numba kernels generated from the derivations of derive.',
        "",
        *header,
        "",
        "numba and NumPy only (never SymPy): the 'fast' extra, ``pip install 'derive[fast]'``. Each",
        "kernel is one compiled pass over its data (a numba ufunc; softmax and log-softmax a",
        "generalized ufunc over rows), printed from the same stable formulas as the NumPy module next",
        "to this one, which imports this module only when a kernel first needs it. Compiled code is",
        "cached on disk (numba ``cache=True``); without a writable cache it is compiled in memory.",
        '"""',
        "",
        "import math",
        "",
        "import numba",
        "import numpy",
        "",
        "__all__ = [",
        *[f"    {k.name!r}," for k in chosen],
        "]",
        "",
    ]
    parts = ["\n".join(lines)]
    for fn in fused_runtime.DECORATORS:
        parts.append(inspect.getsource(fn))
    for fn in fused_runtime.SCALAR:
        parts.append("@_jit\n" + inspect.getsource(fn))
    parts.append("def _as_float(a):\n    return numpy.asarray(a, dtype=numpy.float64)")
    for k in chosen:
        parts.append(kernel_source(k))
    return "\n\n\n".join(p.rstrip("\n") for p in parts) + "\n"
