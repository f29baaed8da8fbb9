r"""Stable NumPy code for a matrix expression and its gradients, checked before it is written
(``derive grad "sum(log(1 + exp(-t .* (X*w))))" --matrix X --vector w,t --wrt w --numpy FILE``).

The value :math:`f(X, w, \dots)` and each gradient (a matrix form such as
:math:`-X^T(t \odot \sigma(-t \odot Xw))`) are rewritten by the proved rules of
:mod:`derive.codegen.matrix_rules` and, region by region, by the scalar rules; printed by
:mod:`derive.codegen.matrix_printer`; and checked by :mod:`derive.codegen.matrix_accuracy`
against the exact expressions in mpmath. A module that fails the check is refused
(:class:`~derive.codegen.user_module.UnstableModuleError`) unless ``force``.

The module's ``value(**variables)`` and ``gradient(**variables)`` take the declared vectors as
arrays of shape (n,) (or (n, 1)), the matrices as arrays of shape (rows, cols), the scalars as
numbers; the sizes are read from the arrays and must agree (``X*w`` needs ``len(w) ==
X.shape[1]``). ``value`` returns a float, ``gradient`` an array shaped like the variable (a
tuple in --wrt order for several).
"""

from __future__ import annotations

from typing import Sequence

import sympy as sp

from derive.codegen.matrix_accuracy import check_matrix_module
from derive.codegen.matrix_printer import MATRIX_HELPERS, print_matrix_kernel
from derive.codegen.matrix_rules import prove_matrix_rules, stabilise_matrix
from derive.codegen.user_module import UnstableModuleError, UserModule, _prove_once, module_header
from derive.codegen.user_printer import CHECK_NAMES, python_names
from derive.differentiate import matrix_forms as mf

__all__ = ["generate_matrix_module", "matrix_variables"]

_ARGUMENTS = '''
def _arguments(given, function):
    """The arguments in the kernels' order: vectors as columns (n, 1), matrices (rows, cols),
    scalars as floats. TypeError on a missing or unknown name, ValueError on a wrong shape or on
    sizes that do not agree."""
    _check_names(given, tuple(_SHAPES) + _SCALARS, function)
    sizes, out = {}, []
    for name, (rows, cols) in _SHAPES.items():
        a = numpy.asarray(given[name], dtype=numpy.float64)
        shape = a.shape
        if cols is None and a.ndim == 1:
            a = a[:, None]
        if a.ndim != 2 or (cols is None and a.shape[1] != 1):
            wanted = f"a vector, shape ({rows},)" if cols is None else f"a matrix, shape ({rows}, {cols})"
            raise ValueError(f"{function}(): {name} is {wanted}; got shape {shape}")
        for dim, size in zip((rows, cols), a.shape):
            if dim is None:
                continue
            if dim in sizes and sizes[dim][0] != size:
                raise ValueError(f"{function}(): {name} has {dim} = {size} (shape {shape}) but "
                                 f"{sizes[dim][1]} has {dim} = {sizes[dim][0]}; the sizes must agree")
            sizes.setdefault(dim, (size, name))
        out.append(a)
    for name in _SCALARS:
        v = numpy.asarray(given[name], dtype=numpy.float64)
        if v.ndim != 0:
            raise ValueError(f"{function}(): {name} is a scalar; got shape {v.shape}")
        out.append(float(v))
    return out
'''


def matrix_variables(value: sp.Basic, gradients) -> tuple[list[mf.MV], list[sp.Symbol]]:
    """(leaves, scalars): the declared vectors and matrices of the expression and its
    gradients (and the --wrt ones), and the scalar variables (dimensions left out), each sorted
    by name."""
    exprs = [value] + [g for _, g in gradients]
    leaves = {leaf for e in exprs for leaf in e.atoms(mf.MV)} | {w for w, _ in gradients if isinstance(w, mf.MV)}
    labels = {leaf.args[0].label for leaf in leaves}
    dims = {d for leaf in leaves for d in leaf.args[1:]}
    scalars = {s for e in exprs for s in e.free_symbols
               if isinstance(s, sp.Symbol) and s not in labels and s not in dims and not s.is_integer}
    scalars |= {w for w, _ in gradients if isinstance(w, sp.Symbol)}
    return sorted(leaves, key=lambda v: v.args[0].label.name), sorted(scalars, key=lambda s: s.name)


def _name(variable) -> str:
    return variable.args[0].label.name if isinstance(variable, mf.MV) else variable.name


def _shape_text(leaf: mf.MV) -> str:
    rows, cols = leaf.args[1:]
    return f"({rows},)" if cols == 1 else f"({rows}, {cols})"


def _header(expression_text, command, report, rules, leaves, scalars, wrt, ok) -> str:
    shapes = ", ".join(f"{_name(v)} {_shape_text(v)}" for v in leaves)
    arguments = [
        f"the variables: {shapes}" + (f"; the scalars {', '.join(s.name for s in scalars)} as numbers" if scalars
                                      else "") + ". The sizes are read from the arrays and must agree.",
        "value returns a float; gradient returns d value / d " + ", ".join(wrt) + " shaped like "
        + ("that variable." if len(wrt) == 1 else "each variable, a tuple in this order.")]
    return module_header(expression_text, command, report, rules, ok, arguments, shifted=True)


def render_matrix_module(value, gradients, leaves, scalars) -> tuple[str, set]:
    """The module's code without its docstring (helpers, the two kernels, the public functions)
    and the names of the rules its printing used."""
    names = python_names([leaf.args[0].label for leaf in leaves] + list(scalars))
    arguments = [names[leaf.args[0].label] for leaf in leaves] + [names[s] for s in scalars]
    dims = {}
    for leaf in leaves:
        for axis, d in enumerate(leaf.args[1:]):
            if d != 1:
                dims.setdefault(d, (names[leaf.args[0].label], axis))
    shapes = {_name(leaf): (str(leaf.args[1]), None if leaf.args[2] == 1 else str(leaf.args[2])) for leaf in leaves}
    wrt = [_name(w) for w, _ in gradients]
    keywords = ", ".join([_name(v) for v in leaves] + [s.name for s in scalars])
    value_kernel, used = print_matrix_kernel("_value_kernel", [value], arguments, names, dims)
    grad_kernel, used_g = print_matrix_kernel("_gradient_kernel", [g for _, g in gradients], arguments, names, dims)
    reshape = []
    for n, (w, _) in enumerate(gradients):
        if isinstance(w, mf.MV):
            reshape.append(f"numpy.reshape(outs[{n}], numpy.shape(variables[{_name(w)!r}])).copy()")
        else:
            reshape.append(f"outs[{n}]")
    result = reshape[0] if len(reshape) == 1 else "(" + ", ".join(reshape) + ",)"
    parts = [
        "import numpy",
        f"#: name -> (rows, cols) of each vector (cols None) and matrix.\n_SHAPES = {shapes!r}\n"
        f"_SCALARS = {tuple(s.name for s in scalars)!r}\n#: The variables of the gradient, in order.\n"
        f"WRT = {tuple(wrt)!r}",
        MATRIX_HELPERS.strip("\n"),
        CHECK_NAMES.strip("\n"),
        _ARGUMENTS.strip("\n"),
        value_kernel,
        grad_kernel,
        f'def value(**variables):\n    """The expression (a float) at the keyword arguments {keywords}."""\n'
        '    arguments = _arguments(variables, "value")\n'
        '    with numpy.errstate(all="ignore"):\n'
        '        (out,) = _value_kernel(*arguments)\n'
        '    return float(out)\n',
        f'def gradient(**variables):\n    """d value / d {", ".join(wrt)}, shaped like '
        + ("the variable" if len(wrt) == 1 else "each variable (a tuple in this order)")
        + f'.\n\n    Keyword arguments: {keywords}."""\n'
        '    arguments = _arguments(variables, "gradient")\n'
        '    with numpy.errstate(all="ignore"):\n'
        '        outs = _gradient_kernel(*arguments)\n'
        f'    return {result}\n',
    ]
    return "\n\n\n".join(p.rstrip("\n") for p in parts) + "\n", used | used_g


_proved = False


def generate_matrix_module(value: sp.Basic, gradients: Sequence[tuple], *, expression_text: str, command: str,
                           distributions: Sequence[str] = (), force: bool = False) -> UserModule:
    r"""The checked module for a matrix expression ``value`` and its ``gradients``: pairs
    ``(variable, gradient)`` in --wrt order, the variable a declared vector or matrix
    (:class:`~derive.differentiate.matrix_forms.MV`) or a scalar symbol. ``distributions``: names
    of vectors (matrices: each row) the derivation assumed to be distributions. Raises
    :class:`~derive.codegen.user_module.UnstableModuleError` if the check fails and ``force`` is
    False; ``NotImplementedError`` for a node the printer does not print."""
    global _proved
    if not _proved:
        _prove_once()  # the scalar rules used inside elementwise regions
        prove_matrix_rules()
        _proved = True
    leaves, scalars = matrix_variables(value, gradients)
    used: set[str] = set()
    stable_value = stabilise_matrix(value, used)
    stable_grads = [(w, stabilise_matrix(g, used)) for w, g in gradients]
    wrt = [_name(w) for w, _ in gradients]
    code, printed = render_matrix_module(stable_value, stable_grads, leaves, scalars)
    used |= printed
    namespace: dict = {}
    exec(compile(code, "<generated matrix module>", "exec"), namespace)  # our own generated code
    report = check_matrix_module(namespace, value, list(gradients), leaves, scalars, distributions)
    ok = report.ok
    header = _header(expression_text, command, report, used, leaves, scalars, wrt, ok)
    source = '"""' + header.rstrip() + '\n"""\n\n\n' + code
    if not ok and not force:
        raise UnstableModuleError(report, source)
    return UserModule(source, report, ok, stable_value, tuple(stable_grads), tuple(sorted(used)))
