r"""Stable NumPy code for an index-notation expression and its gradient, checked before it is
written (``derive grad "-sum_k t_k*log(softmax(z)_k)" --wrt z_j --numpy FILE``).

The value :math:`f(z, t, \dots)` is a scalar with sums over :math:`k = 1..K`; the gradient's
entry :math:`\partial f / \partial z_j` is printed for all :math:`j` at once, so ``gradient``
returns the whole vector. The module's functions take vectors as arrays of shape (K,) or
(N, K) (a batch; K is the length of the last axis) and scalars as numbers or arrays of shape
(N,); ``value`` returns shape () or (N,), ``gradient`` shape (K,) or (N, K).

The expressions are rewritten by the proved rules of :mod:`derive.codegen.vector_rules`,
printed by :mod:`derive.codegen.vector_printer` and checked by
:mod:`derive.codegen.vector_accuracy` against the exact expressions in mpmath; a module that fails
the check is refused (:class:`~derive.codegen.user_module.UnstableModuleError`) unless ``force``.
"""

from __future__ import annotations

from typing import Sequence

import sympy as sp

from derive.codegen.user_module import UnstableModuleError, UserModule, module_header
from derive.codegen.user_printer import CHECK_NAMES, python_names
from derive.codegen.vector_accuracy import check_vector_module
from derive.codegen.vector_printer import VECTOR_HELPERS, print_vector_kernel
from derive.codegen.vector_rules import prove_vector_rules, stabilise_vector

__all__ = ["generate_vector_module", "vector_variables"]

_ARGUMENTS = '''
def _arguments(given, function):
    """(vectors, scalars, shape): vectors as float arrays (..., K), scalars with a trailing axis of
    length 1, and the broadcast shape (..., K). TypeError on a missing or unknown name, ValueError
    on vectors of different lengths."""
    _check_names(given, _VECTORS + _SCALARS, function)
    vectors = [numpy.asarray(given[n], dtype=numpy.float64) for n in _VECTORS]
    for n, v in zip(_VECTORS, vectors):
        if v.ndim == 0:
            raise ValueError(f"{function}(): {n} is a vector, give an array of shape (K,) or (N, K)")
    lengths = {v.shape[-1] for v in vectors}
    if len(lengths) != 1:
        raise ValueError(f"{function}(): the vectors {', '.join(_VECTORS)} have different lengths {sorted(lengths)}")
    scalars = [numpy.asarray(given[n], dtype=numpy.float64)[..., None] for n in _SCALARS]
    shape = numpy.broadcast_shapes(*[a.shape for a in vectors + scalars])
    return vectors, scalars, shape
'''


def vector_variables(value: sp.Basic, gradient: sp.Basic):
    """(vectors, scalars) of the expression and its gradient, each sorted by name: the
    IndexedBase objects and the plain real symbols (indices and K left out)."""
    from derive.notation import K

    exprs = (value, gradient)
    vectors = {i.base for e in exprs for i in e.atoms(sp.Indexed)}
    vectors |= {a for e in exprs for a in e.atoms(sp.IndexedBase)}
    labels = {b.label for b in vectors}
    scalars = {s for e in exprs for s in e.free_symbols
               if isinstance(s, sp.Symbol) and s not in labels and s != K and not s.is_integer}
    return sorted(vectors, key=lambda b: b.label.name), sorted(scalars, key=lambda s: s.name)


def _header(expression_text, command, report, rules, wrt, ok, vectors, scalars) -> str:
    vec = ", ".join(b.label.name for b in vectors)
    arguments = [
        f"the variables: the vectors {vec} as arrays of shape (K,) or (N, K) (K from their length)"
        + (f", the scalars {', '.join(s.name for s in scalars)} as numbers or arrays of shape (N,)" if scalars else "")
        + f". value returns shape () or (N,); gradient returns the whole vector d value / d {wrt}, "
        "shape (K,) or (N, K)."]
    return module_header(expression_text, command, report, rules, ok, arguments, shifted=True)


def render_vector_module(value, gradient, index, vectors, scalars, wrt: str, *, header: str) -> str:
    """The module text: ``header``, helpers, the two kernels and the public functions."""
    names = python_names([b.label for b in vectors] + list(scalars))
    vector_names = {b: names[b.label] for b in vectors}
    arguments = [vector_names[b] for b in vectors] + [names[s] for s in scalars]
    keywords = ", ".join([b.label.name for b in vectors] + [s.name for s in scalars])
    parts = [
        '"""' + header.rstrip() + '\n"""',
        "import numpy",
        f"_VECTORS = {tuple(b.label.name for b in vectors)!r}\n_SCALARS = {tuple(s.name for s in scalars)!r}\n"
        f"#: The vector of the gradient.\nWRT = {wrt!r}",
        VECTOR_HELPERS.strip("\n"),
        CHECK_NAMES.strip("\n"),
        _ARGUMENTS.strip("\n"),
        print_vector_kernel("_value_kernel", value, None, arguments, names, vector_names),
        print_vector_kernel("_gradient_kernel", gradient, index, arguments, names, vector_names),
        f'def value(**variables):\n    """The expression at the keyword arguments {keywords}: shape () for vectors\n'
        '    of shape (K,), (N,) for a batch of shape (N, K)."""\n'
        '    vectors, scalars, shape = _arguments(variables, "value")\n'
        '    with numpy.errstate(all="ignore"):\n'
        '        out = _value_kernel(*vectors, *scalars, shape)[..., 0]\n'
        '    return out.copy() if out.ndim else float(out)\n',
        f'def gradient(**variables):\n    """d value / d {wrt}, the whole vector: shape (K,), or (N, K) for a batch.\n\n'
        f'    Keyword arguments: {keywords}."""\n'
        '    vectors, scalars, shape = _arguments(variables, "gradient")\n'
        '    with numpy.errstate(all="ignore"):\n'
        '        return numpy.array(_gradient_kernel(*vectors, *scalars, shape))\n',
    ]
    return "\n\n\n".join(p.rstrip("\n") for p in parts) + "\n"


_proved = False


def generate_vector_module(value: sp.Expr, gradient: sp.Expr, wrt: sp.Indexed, *, expression_text: str,
                           command: str, distributions: Sequence[sp.IndexedBase] = (),
                           force: bool = False) -> UserModule:
    r"""The checked module for an index-notation ``value`` and its derivative ``gradient`` by the
    entry ``wrt`` (:math:`z_j`). ``distributions``: vectors the derivation assumed to be
    distributions (sampled on the simplex by the check). Raises
    :class:`~derive.codegen.user_module.UnstableModuleError` if the check fails and ``force`` is
    False; ``NotImplementedError`` for a form the printer does not print."""
    global _proved
    if not _proved:
        prove_vector_rules()  # no code is printed from a rule that is not an identity
        _proved = True
    (index,) = wrt.indices
    vectors, scalars = vector_variables(value, gradient)
    if wrt.base not in vectors:
        vectors = sorted(vectors + [wrt.base], key=lambda b: b.label.name)
    used: set[str] = set()
    stable_value = stabilise_vector(value, used)
    stable_grad = stabilise_vector(gradient, used)
    wrt_name = wrt.base.label.name
    draft = render_vector_module(stable_value, stable_grad, index, vectors, scalars, wrt_name, header="(pending)")
    namespace: dict = {}
    exec(compile(draft, "<generated vector module>", "exec"), namespace)  # our own generated code
    report = check_vector_module(namespace, value, gradient, wrt, vectors, scalars, distributions)
    ok = report.ok
    source = render_vector_module(stable_value, stable_grad, index, vectors, scalars, wrt_name,
                                  header=_header(expression_text, command, report, used, wrt_name, ok,
                                                 vectors, scalars))
    if not ok and not force:
        raise UnstableModuleError(report, source)
    return UserModule(source, report, ok, stable_value, ((wrt, stable_grad),), tuple(sorted(used)))
