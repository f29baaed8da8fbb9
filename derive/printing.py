r"""How derivation expressions are written: LaTeX (amsmath only) and one-line Unicode text.

The printers differ from SymPy's defaults only where the lecture's notation differs:
:math:`\frac{\partial y_i}{\partial z_j}` instead of :math:`\frac{\partial}{\partial z_j} y_i`,
:math:`\operatorname{diag}(y)`, and in text ``y_i``, ``δ_ij``, ``Σ_C``, ``∂y_i/∂z_j``.
Rules are prose with inline math between ``$...$``; :func:`rule_text` makes them plain text.
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter


def _is_simple(expr: sp.Basic) -> bool:
    return isinstance(expr, (sp.Symbol, sp.Indexed)) or (isinstance(expr, sp.Function) and len(expr.args) == 1)


class _Latex(LatexPrinter):
    def _print_Derivative(self, expr):
        if len(expr.variable_count) != 1 or expr.variable_count[0][1] != 1:
            return super()._print_Derivative(expr)
        var = expr.variables[0]
        d = r"\partial" if isinstance(var, sp.Indexed) or expr.expr.has(sp.Indexed) else "d"
        if _is_simple(expr.expr):
            return r"\frac{%s %s}{%s %s}" % (d, self._print(expr.expr), d, self._print(var))
        return r"\frac{%s}{%s %s} \left(%s\right)" % (d, d, self._print(var), self._print(expr.expr))

    def _print_DiagMatrix(self, expr):
        return r"\operatorname{diag}\left(%s\right)" % self._print(expr.args[0])

    def _print_Subs(self, expr):
        inner, old, new = expr.args
        pairs = ", ".join(f"{self._print(o)} = {self._print(n)}" for o, n in zip(old, new))
        return r"\left. %s \right|_{%s}" % (self._print(inner), pairs)


class _Text(StrPrinter):
    # Objects of ours print themselves through ``_derive_text``; SymPy's own ``_sympystr``
    # methods (Indexed has one) are bypassed so that the ``_print_*`` methods below apply.
    printmethod = "_derive_text"

    def _print_Indexed(self, expr):
        parts = [self._print(i) for i in expr.indices]
        if all(isinstance(i, (sp.Symbol, sp.Integer)) for i in expr.indices) and all(len(p) == 1 for p in parts):
            return f"{self._print(expr.base.label)}_{''.join(parts)}"  # y_i, W_dk
        return f"{self._print(expr.base.label)}_({', '.join(parts)})"  # a_(i - 1), W_(12, 3)

    def _print_KroneckerDelta(self, expr):
        return "δ_" + "".join(self._print(a) for a in expr.args)

    def _print_Symbol(self, expr):
        return {"Sigma_C": "Σ_C"}.get(expr.name, expr.name)

    def _print_Derivative(self, expr):
        var = expr.variables[0]
        d = "∂" if isinstance(var, sp.Indexed) or expr.expr.has(sp.Indexed) else "d"
        body = self._print(expr.expr)
        if len(expr.variables) == 1:
            return f"{d}{body}/{d}{self._print(var)}" if _is_simple(expr.expr) else f"{d}/{d}{self._print(var)}({body})"
        return super()._print_Derivative(expr)

    def _print_Sum(self, expr):
        # limits[0] is the innermost sum: the outermost is written first
        signs = " ".join(f"Σ_{{{self._print(var)}={self._print(lo)}..{self._print(hi)}}}"
                         for var, lo, hi in reversed(expr.limits))
        return f"{signs} ({self._print(expr.function)})"

    def _print_DiagMatrix(self, expr):
        return f"diag({self._print(expr.args[0])})"

    def _print_Transpose(self, expr):
        return f"{self._print(expr.args[0])}ᵀ"

    def _print_Subs(self, expr):
        inner, old, new = expr.args
        pairs = ", ".join(f"{self._print(o)} = {self._print(n)}" for o, n in zip(old, new))
        return f"[{self._print(inner)}]_({pairs})"

    def _print_UnevaluatedExpr(self, expr):
        inner = self._print(expr.args[0])
        return f"({inner})" if isinstance(expr.args[0], (sp.Add, sp.Mul, sp.Pow)) else inner

    def _print_exp(self, expr):
        return f"exp({self._print(expr.args[0])})"


_LATEX = _Latex({"mul_symbol": None})
_TEXT = _Text()


def to_latex(expr: sp.Basic) -> str:
    """LaTeX of an expression, using only amsmath/amssymb macros."""
    return _LATEX.doprint(expr)


def to_text(expr: sp.Basic) -> str:
    """A one-line Unicode rendering of an expression, readable in a terminal."""
    return _TEXT.doprint(expr)


_MACROS = {
    r"\partial": "∂", r"\Sigma": "Σ", r"\sigma": "σ", r"\delta": "δ", r"\ne": "≠", r"\neq": "≠",
    r"\sum": "Σ", r"\lambda": "λ", r"\beta": "β", r"\pi": "π", r"\mu": "μ", r"\le": "≤", r"\ge": "≥",
    r"\cdot": "·", r"\infty": "∞", r"\to": "→", r"\log": "log", r"\exp": "exp", r"\tanh": "tanh",
    r"\operatorname{diag}": "diag", r"\operatorname{softmax}": "softmax", r"\mathbb{R}": "ℝ", r"\in": "∈",
    r"\top": "T", r"\min": "min", r"\max": "max", r"\approx": "≈", r"\%": "%", r"\mathbb{E}": "E", r"\quad": " ", r"\,": " ", r"\ ": " ", r"\dots": "...", r"\prod": "∏", r"\theta": "θ",
    r"\mid": "|",
    r"\sin": "sin", r"\cos": "cos", r"\tan": "tan", r"\arctan": "atan", r"\sinh": "sinh", r"\cosh": "cosh",
    r"\lvert": "|", r"\rvert": "|",
}
_MACRO_RE = re.compile("|".join(re.escape(m) + r"(?![A-Za-z])" for m in sorted(_MACROS, key=len, reverse=True)))


def _group(text: str, start: int) -> int | None:
    """The index just past the brace group opening at ``text[start]``, or None if unbalanced."""
    depth = 0
    for n in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[n], 0)
        if depth == 0:
            return n + 1
    return None


def _nested_fractions(text: str) -> str:
    r"""``\frac{A}{B}`` with braces inside A or B (``\frac{1}{u^{2} + 1}``) as ``(A)/(B)``, and
    ``\sqrt{A}`` as ``sqrt(A)``; the simple cases are left to the regular expressions."""
    for macro in ("\\frac", "\\sqrt"):
        while (at := text.find(macro + "{")) >= 0:
            a0 = at + len(macro)
            a1 = _group(text, a0)
            if a1 is None:
                break
            if macro == "\\sqrt":
                text = text[:at] + f"sqrt({_nested_fractions(text[a0 + 1:a1 - 1])})" + text[a1:]
                continue
            b1 = _group(text, a1) if a1 < len(text) and text[a1] == "{" else None
            if b1 is None:
                break
            inner = [_nested_fractions(text[a0 + 1:a1 - 1]), _nested_fractions(text[a1 + 1:b1 - 1])]
            text = text[:at] + f"({inner[0]})/({inner[1]})" + text[b1:]
    return text


def latex_to_text(latex: str) -> str:
    r"""Best-effort plain text of a short LaTeX snippet (``\partial \Sigma_C`` -> ``∂Σ_C``)."""
    text = _MACRO_RE.sub(lambda m: _MACROS[m.group(0)], latex)
    text = _nested_fractions(text)
    text = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"(\1)/(\2)", text)
    text = re.sub(r"\\(?:text|mathrm|mathbf|boldsymbol|operatorname|mathcal)\{([^{}]*)\}", r"\1", text)
    text = re.sub(r"\\(bar|hat)\{([^{}]*)\}", lambda m: m.group(2) + {"bar": "\u0304", "hat": "\u0302"}[m.group(1)], text)
    text = re.sub(r"_\{([^{}]*)\}", r"_\1", text)
    text = re.sub(r"\^\{([^{}]*)\}", r"^(\1)", text)
    text = text.replace(r"\left", "").replace(r"\right", "")
    text = re.sub(r"(∂|Σ|δ|σ) ", r"\1", text)
    text = re.sub(r"\s+\)", ")", text)
    return text.replace("{", "").replace("}", "")


def rule_text(rule: str) -> str:
    """A rule (prose with ``$...$`` math) as plain text."""
    return re.sub(r"\$([^$]*)\$", lambda m: latex_to_text(m.group(1)), rule)


def rule_latex(rule: str) -> str:
    r"""A rule as LaTeX for use inside ``\text{...}`` (math stays between ``$``)."""
    parts = re.split(r"(\$[^$]*\$)", rule)
    escape = {"&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\~{}", "^": r"\^{}"}
    # Inline math inside \text{} of a display would be set in display style (big sums): \textstyle.
    return "".join(
        "$\\textstyle " + p[1:] if p.startswith("$") else "".join(escape.get(ch, ch) for ch in p) for p in parts
    )
