r"""A safe parser for a user-supplied function of one variable, e.g. ``"sin(x) + x^2/2"``.

The text is untrusted: it is never evaluated. Python's :mod:`ast` parses it (``ast.parse`` only
builds a tree, it runs nothing), then a walk over a whitelist of node types builds the SymPy
expression itself: numbers, the variable ``x``, the constants ``pi`` and ``e``, ``+ - * / ** ^``,
unary minus, and calls of whitelisted functions of one argument. Anything else (attributes,
names other than these, keyword arguments, subscripts, comparisons, lambdas, ...) is rejected
with its column. Limits: text length, tree depth and size, and the size of constant exponents.
"""

from __future__ import annotations

import ast

import sympy as sp

X = sp.Symbol("x", real=True)

MAX_LENGTH = 200
MAX_DEPTH = 20
MAX_NODES = 200
MAX_EXPONENT = 20

FUNCTIONS = {
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt,
    "tanh": sp.tanh, "abs": sp.Abs, "atan": sp.atan, "sinh": sp.sinh, "cosh": sp.cosh,
    "sigmoid": lambda u: 1 / (1 + sp.exp(-u)), "relu": lambda u: sp.Max(0, u),
}
CONSTANTS = {"x": X, "pi": sp.pi, "e": sp.E}
_BINARY = {ast.Add: sp.Add, ast.Sub: lambda a, b: a - b, ast.Mult: sp.Mul, ast.Div: lambda a, b: a / b,
           ast.Pow: sp.Pow}


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
        # ^ means power; in Python it is XOR with a lower precedence than -, so rewrite it first
        tree = ast.parse(text.strip().replace("^", "**"), mode="eval")
    except SyntaxError as exc:
        raise FunctionSyntaxError(f"not a formula: {exc.msg}", exc.offset) from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise FunctionSyntaxError(f"formula with more than {MAX_NODES} parts")
    return _build(tree.body, 0)


def _col(node: ast.AST) -> int | None:
    return getattr(node, "col_offset", -1) + 1 if hasattr(node, "col_offset") else None


def _build(node: ast.AST, depth: int) -> sp.Basic:
    if depth > MAX_DEPTH:
        raise FunctionSyntaxError(f"formula nested deeper than {MAX_DEPTH}", _col(node))
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise FunctionSyntaxError(f"only numbers are allowed as constants, not {node.value!r}", _col(node))
        return sp.Rational(repr(node.value)) if isinstance(node.value, float) else sp.Integer(node.value)
    if isinstance(node, ast.Name):
        if node.id not in CONSTANTS:
            raise FunctionSyntaxError(f"unknown name {node.id!r}; use x, pi, e or a function call", _col(node))
        return CONSTANTS[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _build(node.operand, depth + 1)
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _build(node.left, depth + 1), _build(node.right, depth + 1)
        if isinstance(node.op, ast.Pow):
            if right.is_number and abs(right) > MAX_EXPONENT:
                raise FunctionSyntaxError(f"exponent larger than {MAX_EXPONENT}", _col(node))
            if not right.is_number and not left.is_number:
                raise FunctionSyntaxError("x^x-style powers are not supported", _col(node))
        return _BINARY[type(node.op)](left, right)
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            name = node.func.id if isinstance(node.func, ast.Name) else "this"
            raise FunctionSyntaxError(f"unknown function {name!r}; functions: {', '.join(sorted(FUNCTIONS))}",
                                      _col(node))
        if node.keywords or len(node.args) != 1:
            raise FunctionSyntaxError(f"{node.func.id}() takes exactly one argument", _col(node))
        return FUNCTIONS[node.func.id](_build(node.args[0], depth + 1))
    raise FunctionSyntaxError(f"not allowed in a formula: {type(node).__name__}", _col(node))
