r"""The fused backend: the same kernel formulas, their arithmetic compiled by numba into one loop
per stage, their exponentials and logarithms taken from NumPy's vectorised (SIMD) functions.

An elementwise kernel's rewritten (stable) expression (``KernelCode.stable``) is split at its
transcendental calls (``exp``, ``log1p``), innermost first: each call's argument, when it is not
already a variable, is one ``numba.vectorize`` ufunc printed with
:class:`~derive.codegen.printer.ScalarPrinter`, the call itself one NumPy pass in place, and the
rest of the expression one last ufunc. ``sigmoid`` is thus three passes (``-|x|``, ``exp``, the
compensated quotient) instead of a dozen NumPy passes, and a libm ``exp`` per value (several times
slower than NumPy's) is avoided. The passes run over cache-sized blocks (the NumPy runtime's
``_elementwise``). Row-wise kernels (softmax, log-softmax) are three passes as well, over blocks of
rows: the max-shift with its rounding error (compiled), NumPy's ``exp``, and a compiled loop with
the compensated row sum and the per-entry formula (``KernelCode.entry``).

The module is written next to the NumPy one (``<name>_fused.py``) and imported by it only when a
kernel first needs it; each ufunc is compiled (or loaded from numba's on-disk cache) on its first
call.
"""

from __future__ import annotations

import inspect
import textwrap

import sympy as sp

from derive.codegen import fused_runtime, runtime
from derive.codegen.functions import SigmaProduct, SigmaProductOfExp, log1p
from derive.codegen.kernels import FUSED, KernelCode
from derive.codegen.printer import ScalarPrinter

#: Transcendental functions taken from NumPy (vectorised) rather than compiled per value.
_NUMPY_FUNCTIONS = {sp.exp: "numpy.exp", log1p: "numpy.log1p"}


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
    return (f"{k.doc}\n\n    Fused backend: the NumPy kernel's formula, its arithmetic compiled by numba into one loop\n"
            f"    per stage and its exponentials and logarithms from NumPy's vectorised functions.\n\n"
            f"    Generated from: {sources}.\n    ")


def _transcendental(e) -> bool:
    return type(e) in _NUMPY_FUNCTIONS


def split_stages(expr: sp.Basic) -> tuple[list[tuple[sp.Symbol, str, sp.Basic]], sp.Basic]:
    """``expr`` as NumPy transcendental stages and a rest: ``([(temp, numpy function, argument)],
    rest)``, innermost call first; each argument and the rest hold no transcendental call (earlier
    calls are the temporaries ``_t0, _t1, ...``). A ``SigmaProduct`` shows its exponential
    (``SigmaProductOfExp``), so that it is a stage too."""
    def of_exp(e):
        a, c = e.args
        if c == 1:
            return SigmaProductOfExp(sp.exp(-a), a, c)
        return SigmaProductOfExp(sp.exp(-a), a, c, sp.exp(-a / 2))

    expr = expr.replace(lambda e: isinstance(e, SigmaProduct), of_exp)
    stages = []
    while True:
        inner = [a for a in expr.atoms(*_NUMPY_FUNCTIONS) if not a.args[0].has(*_NUMPY_FUNCTIONS)]
        if not inner:
            return stages, expr
        call = sorted(inner, key=sp.default_sort_key)[0]
        temp = sp.Symbol(f"_t{len(stages)}", real=True)
        stages.append((temp, _NUMPY_FUNCTIONS[type(call)], call.args[0]))
        expr = replace_keeping_order(expr, {call: temp})


def replace_keeping_order(expr: sp.Basic, mapping: dict) -> sp.Basic:
    """``expr`` with the subexpressions in ``mapping`` replaced, every other node rebuilt
    unevaluated: the order and grouping of sums (which the rewrite rules chose so that small terms
    are added last) is kept, unlike with ``xreplace``."""
    if expr in mapping:
        return mapping[expr]
    if not expr.args:
        return expr
    args = [replace_keeping_order(a, mapping) for a in expr.args]
    if all(a is b for a, b in zip(args, expr.args)):
        return expr
    return expr.func(*args, evaluate=False)


def _ordered(symbols, args: list[str]) -> list[str]:
    """Names of ``symbols``: the kernel's arguments in signature order, then the temporaries."""
    names = {s.name for s in symbols}
    return [a for a in args if a in names] + sorted(names - set(args))


def _ufunc_source(name: str, params: list[str], expr: sp.Basic) -> str:
    # Printed as one expression (no CSE, which would rebuild and reorder sums); the compiler
    # shares the repeated arithmetic, and the repeated transcendental calls are shared stages.
    signature = f'float64({", ".join(["float64"] * len(params))})'
    return "\n".join([
        f"def {name}_scalar({', '.join(params)}):",
        f"    return {ScalarPrinter().doprint(expr)}",
        "",
        "",
        f'{name} = _ufunc("{name}", "{signature}", {name}_scalar)',
    ])


def _elementwise_source(k: KernelCode) -> str:
    args = _params(k.signature)
    stages, rest = split_stages(k.stable)
    parts, block = [], []
    for i, (temp, function, argument) in enumerate(stages):
        if isinstance(argument, sp.Symbol):
            block.append(f"{temp.name} = {function}({argument.name})")
            continue
        params = _ordered(argument.free_symbols, args)
        parts.append(_ufunc_source(f"_{k.name}_arg{i}", params, argument))
        block.append(f"{temp.name} = {function}(_{k.name}_arg{i}({', '.join(params)}))")
    params = _ordered(rest.free_symbols, args) or args[:1]
    parts.append(_ufunc_source(f"_{k.name}_rest", params, rest))
    block.append(f"return _{k.name}_rest({', '.join(params)}, out=out)")
    parts.append(f"def _{k.name}_block({', '.join(args)}, out=None):\n" + textwrap.indent("\n".join(block), "    "))
    call = f"return _blocks(_{k.name}_block, {', '.join(args)})"
    state = _errstate(k)
    body = [state, "    " + call] if state else [call]
    parts.append(f'def {k.signature}:\n    r"""{_doc(k)}"""\n' + textwrap.indent("\n".join(body), "    "))
    return "\n\n\n".join(parts)


def _rowwise_source(k: KernelCode) -> str:
    entry = k.entry
    names = {s.name for s in entry.free_symbols}
    unknown = names - {"e", "rest", "d", "err"}
    if unknown:
        raise AssertionError(f"kernel {k.name}: no row form for the symbols {sorted(unknown)}")
    rest_symbol = sp.Symbol("rest", real=True)
    # Per-row quantities (functions of the row sum only) are computed once per row.
    per_row = sorted((a for a in entry.atoms(sp.Function) if a.free_symbols and a.free_symbols <= {rest_symbol}),
                     key=sp.default_sort_key)
    hoisted = {a: sp.Symbol(f"_r{i}", real=True) for i, a in enumerate(per_row)}
    printer = ScalarPrinter()
    loop = ["        for i in range(out.shape[1]):"]
    loop += ["            e = out[r, i]"] if "e" in names else []
    loop += ["            d = d_rows[r, i]"] if "d" in names else []
    loop += ["            err = err_rows[r, i]"] if "err" in names else []
    loop.append(f"            out[r, i] = {printer.doprint(replace_keeping_order(entry, hoisted))}")
    name = f"_{k.name}_rows"
    rows = "\n".join([
        f"def {name}_compiled(d_rows, err_rows, out):",
        "    for r in range(out.shape[0]):",
        "        rest = _rest(d_rows, out, err_rows, r)  # out: exp(d) in, the shifted exponentials e out",
        *[f"        {s.name} = {printer.doprint(a)}" for a, s in hoisted.items()],
        *loop,
        "",
        "",
        f'{name} = _rows_function("{name}", {name}_compiled)',
    ])
    block = "\n".join([
        f"def _{k.name}_block(z, out):",
        "    d, err = _shifted(z, out)",
        f"    {name}(d, err, out)",
    ])
    public = (f'def {k.signature}:\n    r"""{_doc(k)}"""\n'
              f"    return _row_blocks(_{k.name}_block, z, axis)")
    return "\n\n\n".join([rows, block, public])


def kernel_source(k: KernelCode) -> str:
    if k.entry is not None:
        return _rowwise_source(k)
    if k.stable is None:
        raise AssertionError(f"kernel {k.name} has no stable expression to fuse")
    return _elementwise_source(k)


def _row_function_source(fn) -> str:
    compiled = f"{fn.__name__}_compiled"
    text = inspect.getsource(fn).replace(f"def {fn.__name__}(", f"def {compiled}(", 1)
    return f'{text}\n\n{fn.__name__} = _rows_function("{fn.__name__}", {compiled})'


def render_fused(kernels: list[KernelCode], header: list[str]) -> str:
    """The text of the fused module for the fused subset of ``kernels``; ``header`` holds the
    docstring's lines (generated-file notice, sources, digest) shared with the NumPy module."""
    chosen = fused_kernels(kernels)
    lines = [
        '"""Fused kernels generated from the derivations of derive (numba and NumPy).',
        "",
        *header,
        "",
        "numba and NumPy only (never SymPy): the 'fast' extra, ``pip install 'derive[fast]'``. Each",
        "kernel is the stable formula of the NumPy module next to this one, its arithmetic compiled by",
        "numba into one loop per stage (ufuncs; loops over blocks of rows for the softmax family) and",
        "its exponentials and logarithms from NumPy's vectorised functions, over cache-sized blocks.",
        "The NumPy module imports this one only when a kernel first needs it; each numba function is",
        "compiled on its first call and cached on disk (numba ``cache=True``; without a writable",
        "cache directory it is compiled in memory).",
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
    parts.append("#: Elements per block: a kernel's intermediate arrays stay in the CPU cache (measured best\n"
                 "#: at 64k elements on 2e6 values: fewer Python calls than the NumPy kernels' blocks).\n"
                 f"_BLOCK = {fused_runtime._BLOCK}")
    for fn in fused_runtime.DECORATORS:
        parts.append(inspect.getsource(fn))
    for fn in (runtime._as_float,):
        parts.append(inspect.getsource(fn))
    for fn in fused_runtime.SCALAR:
        parts.append("@_jit\n" + inspect.getsource(fn))
    for fn in fused_runtime.ROWS:
        parts.append(_row_function_source(fn))
    for fn in fused_runtime.DRIVERS:
        parts.append(inspect.getsource(fn))
    for k in chosen:
        parts.append(kernel_source(k))
    return "\n\n\n".join(p.rstrip("\n") for p in parts) + "\n"
