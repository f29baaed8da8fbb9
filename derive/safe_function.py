r"""A user-supplied function of one variable, e.g. ``"sin(x) + x^2/2"`` (``--function`` of the
approximation topics), read with the project's one language for user math
(:mod:`derive.answers.expressions`, the grammar of ``derive grad`` and ``derive check``).

The text is untrusted: it is never evaluated. On top of the language's own limits (length,
nesting, tree size, number and exponent size) a function here may use no variable but ``x``
(with the constants ``pi`` and ``e``), no power with ``x`` in both base and exponent, and no
constant exponent beyond :data:`MAX_EXPONENT`. The result is plain SymPy: the sigmoid and
softplus written out, ReLU as :math:`\max(0, u)`, the logit as :math:`\log(p/(1 - p))`.
"""

from __future__ import annotations

import sympy as sp

from derive.answers.errors import AnswerError
from derive.answers.expressions import parse_expression
from derive.codegen.functions import to_plain
from derive.differentiate.functions import for_codegen
from derive.notation import SIGMA_DEFINITION

X = sp.Symbol("x", real=True)

MAX_LENGTH = 200
MAX_EXPONENT = 20


class FunctionSyntaxError(ValueError):
    """The text is not a function of x in the accepted grammar; ``column`` is 1-based (or None)."""

    def __init__(self, message: str, column: int | None = None):
        where = f" (at column {column})" if column is not None else ""
        super().__init__(message + where)
        self.column = column


def parse_function(text: str) -> sp.Basic:
    """The SymPy expression of ``text``, a function of ``x`` (see the module docstring)."""
    if not isinstance(text, str) or not text.strip():
        raise FunctionSyntaxError("empty function")
    if len(text) > MAX_LENGTH:
        raise FunctionSyntaxError(f"function longer than {MAX_LENGTH} characters")
    try:
        parsed = parse_expression(text)
    except AnswerError as exc:
        column = exc.position + 1 if exc.position is not None else None
        raise FunctionSyntaxError(exc.message + (f"; {exc.hint}" if exc.hint else ""), column) from None
    others = sorted(set(parsed.variables) - {"x"})
    if others or parsed.vectors:
        name = others[0] if others else next(iter(parsed.vectors))
        raise FunctionSyntaxError(f"unknown name {name!r}; a function of x only (with pi, e and function calls)")
    expr = to_plain(SIGMA_DEFINITION(for_codegen(parsed.expr)))
    for power in expr.atoms(sp.Pow):
        base, exponent = power.args
        if exponent.is_number and abs(exponent) > MAX_EXPONENT:
            raise FunctionSyntaxError(f"exponent larger than {MAX_EXPONENT}")
        if not exponent.is_number and not base.is_number:
            raise FunctionSyntaxError("x^x-style powers are not supported")
    if expr.is_Integer and abs(expr) > 2 ** MAX_EXPONENT:
        raise FunctionSyntaxError(f"a constant larger than 2^{MAX_EXPONENT}")
    return expr.xreplace({parsed.variables["x"]: X}) if "x" in parsed.variables else expr
