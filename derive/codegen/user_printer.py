r"""Printing a user's expression and its gradient as a standalone NumPy module.

The module holds ``value(**variables)`` and ``gradient(**variables)`` (keyword arguments named
after the expression's variables, Python keywords such as ``lambda`` included), the stable
building blocks it needs (a sign-split sigmoid, a max-shifted logsumexp) written into the file,
and a driver that broadcasts the arguments and evaluates in cache-sized blocks. NumPy only: the
module never imports derive or SymPy.
"""

from __future__ import annotations

import keyword
import textwrap

import sympy as sp

from derive.codegen.printer import KernelPrinter

#: The stable functions the printer calls (_sigmoid, _logsumexp), written into every generated
#: module (source text; NumPy only).
STABLE_FUNCTIONS = '''
def _sigmoid(u):
    """1 / (1 + e^-u), sign-split: only e^-|u| <= 1 is formed (no overflow, subnormals kept)."""
    e = numpy.exp(-numpy.abs(u))
    return numpy.where(u >= 0.0, 1.0, e) / (1.0 + e)


def _logsumexp(*terms):
    """log(sum_i e^{a_i}), max-shifted pairwise: logaddexp(a, b) = max + log1p(e^{-|a - b|})."""
    out = terms[0]
    for a in terms[1:]:
        out = numpy.logaddexp(out, a)
    return out
'''

#: ``_check_names``, written into every generated module: the keyword arguments checked by name.
CHECK_NAMES = '''
def _check_names(given, names, function):
    """TypeError naming the missing and the unknown keyword arguments, if any."""
    unknown = sorted(set(given) - set(names))
    missing = [n for n in names if n not in given]
    if unknown or missing:
        parts = []
        if missing:
            parts.append("missing " + ", ".join(repr(n) for n in missing))
        if unknown:
            parts.append("unknown " + ", ".join(repr(n) for n in unknown))
        raise TypeError(f"{function}() takes the keyword arguments {', '.join(names)}: " + "; ".join(parts))
'''

#: Building blocks written into every user module (source text; NumPy only).
HELPERS = STABLE_FUNCTIONS + CHECK_NAMES + '''

_BLOCK = 16384


def _arguments(given, function):
    """The float arrays of the variables, in the order of _VARIABLES; TypeError on a missing or
    unknown name."""
    _check_names(given, _VARIABLES, function)
    return [numpy.asarray(given[n], dtype=numpy.float64) for n in _VARIABLES]


def _blocked(kernel, n_out, arrays):
    """kernel(*arrays) -> n_out arrays, over the broadcast arrays in blocks of _BLOCK elements
    (the intermediate arrays stay in the CPU cache)."""
    arrays = numpy.broadcast_arrays(*arrays)
    shape = arrays[0].shape
    size = arrays[0].size
    with numpy.errstate(all="ignore"):
        if size <= _BLOCK:
            outs = [numpy.broadcast_to(numpy.asarray(r, dtype=numpy.float64), shape).copy()
                    for r in kernel(*arrays)]
        else:
            flat = [a.reshape(-1) for a in arrays]
            outs = [numpy.empty(size) for _ in range(n_out)]
            for start in range(0, size, _BLOCK):
                stop = min(start + _BLOCK, size)
                for out, r in zip(outs, kernel(*[a[start:stop] for a in flat])):
                    out[start:stop] = r
            outs = [o.reshape(shape) for o in outs]
    return [o[()] if o.ndim == 0 else o for o in outs]
'''


def python_names(symbols) -> dict[sp.Symbol, str]:
    """A Python identifier for each symbol inside the generated functions (``lambda`` ->
    ``lambda_``); the public keyword names stay the symbols' own names."""
    names, used = {}, {"numpy"}
    for s in symbols:
        base = s.name if s.name.isidentifier() else "v"
        if keyword.iskeyword(base) or base.startswith("_"):
            base = base.lstrip("_") + "_"
        name, n = base, 1
        while name in used:
            name, n = f"{base}{n}", n + 1
        used.add(name)
        names[s] = name
    return names


class UserPrinter(KernelPrinter):
    """The kernel printer, with the notation functions printed as the module's stable helpers
    and symbols under their Python names."""

    def __init__(self, names: dict[sp.Symbol, str]):
        super().__init__()
        self.names = names

    def _print_Symbol(self, expr):
        return self.names.get(expr) or super()._print_Symbol(expr)

    def _print_sigma(self, expr):
        return f"_sigmoid({self._print(expr.args[0])})"

    def _print_softplus(self, expr):
        return f"numpy.logaddexp(0.0, {self._print(expr.args[0])})"

    def _print_Pow(self, expr, rational=False):
        # numpy's power is fast only for the exponents -1, 0, 0.5, 1 and 2: x**3 as x*x*x (2
        # roundings, about 3x faster), x**-3 as 1/(x*x*x).
        n = expr.exp
        if n.is_Integer and 3 <= abs(int(n)) <= 6:
            base = self.parenthesize(expr.base, 1000)  # atoms and calls bare, anything else in ()
            product = "*".join([base] * abs(int(n)))
            return f"({product})" if n > 0 else f"(1/({product}))"
        return super()._print_Pow(expr, rational=rational)

    def _print_Heaviside(self, expr):
        u, *h0 = expr.args
        if h0 and h0[0] not in (0, 1):  # H(0) = 1/2 (SymPy's derivative of Max): numpy.heaviside
            return f"numpy.heaviside({self._print(u)}, {float(h0[0])!r})"
        return super()._print_Heaviside(expr)

    def _print_LogSumExp(self, expr):
        return f"_logsumexp({', '.join(self._print(a) for a in expr.args)})"


def print_kernel(name: str, exprs, symbols, names) -> str:
    """``def name(args): ...; return (e_1, ..., e_n)`` with common subexpressions shared."""
    from derive.codegen.rewriting import PRINT_RULES

    printer = UserPrinter(names)
    for rule in PRINT_RULES:
        exprs = [rule(e) for e in exprs]
    cse_names = sp.numbered_symbols("_c")
    replacements, reduced = sp.cse(list(exprs), symbols=cse_names, optimizations=None, order="none")
    lines = [f"{printer.doprint(sym)} = {printer.doprint(sub)}" for sym, sub in replacements]
    lines.append("return (" + ", ".join(printer.doprint(r) for r in reduced) + ",)")
    args = ", ".join(names[s] for s in symbols)
    return f"def {name}({args}):\n" + textwrap.indent("\n".join(lines), "    ") + "\n"


def render_module(value, gradients, symbols, *, header: str) -> str:
    """The module text: ``header`` (a docstring body), helpers, kernels, public functions."""
    names = python_names(symbols)
    wrt = [s.name for s, _ in gradients]
    keywords = ", ".join(s.name for s in symbols)
    one = len(gradients) == 1
    grad_doc = (f"d value / d {wrt[0]}, shaped like the broadcast arguments." if one else
                f"(d value / d {', d value / d '.join(wrt)}), a tuple in this order, each shaped like "
                "the broadcast arguments.")
    parts = [
        '"""' + header.rstrip() + '\n"""',
        "import numpy",
        f"_VARIABLES = {tuple(s.name for s in symbols)!r}\n#: The variables of the gradient, in order.\n"
        f"WRT = {tuple(wrt)!r}",
        HELPERS.strip("\n"),
        print_kernel("_value_kernel", [value], symbols, names),
        print_kernel("_gradient_kernel", [g for _, g in gradients], symbols, names),
        f'def value(**variables):\n    """The expression at the keyword arguments {keywords} (numbers or\n'
        '    arrays, broadcast together)."""\n'
        '    (out,) = _blocked(_value_kernel, 1, _arguments(variables, "value"))\n    return out\n',
        f'def gradient(**variables):\n    """{grad_doc}\n\n    Keyword arguments: {keywords}."""\n'
        f'    outs = _blocked(_gradient_kernel, {len(gradients)}, _arguments(variables, "gradient"))\n'
        + ("    return outs[0]\n" if one else "    return tuple(outs)\n"),
    ]
    return "\n\n\n".join(p.rstrip("\n") for p in parts) + "\n"
