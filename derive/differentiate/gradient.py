r"""``derive grad``: the user's expression differentiated step by step, every step proved.

For each variable :math:`x` asked for, one chain

.. math::
    \frac{d}{dx} f = \dots \quad\text{(one rule per step)}\quad = \dots
    \quad\text{(simplifications)}\quad = f_x'

and one result ``grad.x``, :math:`df/dx = f_x'`. The proof context expands the vocabulary's
notation (:data:`derive.differentiate.functions.DEFINITIONS`) and samples each variable where
:math:`f` is real (all reals if possible, else :math:`x > 0`, :math:`0 < x < 1` or
:math:`x > 1`), so that steps with :math:`\log x` or :math:`\sqrt{x}` are checked where they mean
something; the domains are stated as assumptions.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Sequence

import sympy as sp

from derive.answers.errors import AnswerError
from derive.answers.expressions import Expression, parse_expression, parse_variable
from derive.answers.limits import DEFAULT_LIMITS, Limits
from derive.context import ProofContext, Uniform
from derive.derivation import Derivation, DerivationBuilder
from derive.differentiate.display import lecture_order
from derive.differentiate.functions import DEFINITIONS, MEANINGS
from derive.differentiate.rules import NoRuleError, apply_rule, first_pending
from derive.differentiate.simplify import simplification_steps
from derive.printing import to_latex, to_text

#: Most rule applications in one chain (the expression's size is bounded by the parser's limits).
MAX_STEPS = 200
#: The name of the function being differentiated in results (df/dx).
F = sp.Symbol("f")


class GradError(ValueError):
    """Bad input to ``derive grad`` (a usage error): ``position`` is 0-based into ``text``, if known."""

    def __init__(self, message: str, *, text: str | None = None, position: int | None = None,
                 hint: str | None = None):
        super().__init__(message)
        self.message, self.text, self.position, self.hint = message, text, position, hint

    def __str__(self) -> str:
        out = self.message
        if self.position is not None:
            out += f" (at position {self.position + 1})"
        return out + (f"; {self.hint}" if self.hint else "")


# --- sampling domains ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Domain:
    name: str
    uniform: Uniform
    latex: str  # with {v} for the variable's LaTeX
    text: str


DOMAINS = (
    Domain("real", Uniform(-3.0, 3.0), r"{v} \in \mathbb{{R}}", "{v} is real"),
    Domain("positive", Uniform(0.1, 3.0), "{v} > 0", "{v} > 0"),
    Domain("unit", Uniform(0.05, 0.95), "0 < {v} < 1", "0 < {v} < 1"),
    Domain("above one", Uniform(1.05, 3.0), "{v} > 1", "{v} > 1"),
)


def _real_everywhere(expr: sp.Basic, domains: dict[sp.Symbol, Domain], points: int = 32) -> bool:
    """Whether ``expr`` is a finite real number at ``points`` random points of the domains."""
    rng = random.Random(20261130)
    for _ in range(points):
        values = {s: d.uniform.draw(rng) for s, d in domains.items()}
        try:
            value = expr.xreplace(values).evalf(15)
        except (TypeError, ValueError, ZeroDivisionError, ArithmeticError):
            return False
        if not value.is_comparable or value.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
            return False
    return True


def choose_domains(expr: sp.Basic, variables: Sequence[sp.Symbol], ctx: ProofContext) -> dict[sp.Symbol, Domain]:
    """A sampling domain per variable where ``expr`` is real: the first of :data:`DOMAINS` that
    works for all variables together, then each variable widened back to the reals if it can be."""
    plain = ctx.expand_definitions(expr)
    for domain in DOMAINS:
        chosen = {v: domain for v in variables}
        if _real_everywhere(plain, chosen):
            break
    else:
        raise GradError("the expression is not a real number at any sample point tried "
                        "(all reals, positive, between 0 and 1, above 1)")
    for v in variables:
        if chosen[v] is not DOMAINS[0] and _real_everywhere(plain, {**chosen, v: DOMAINS[0]}):
            chosen[v] = DOMAINS[0]
    return chosen


# --- the derivation ------------------------------------------------------------------------------


def derivative_steps(f: sp.Basic, x: sp.Symbol) -> list[tuple[sp.Basic, str]]:
    """The steps from :math:`df/dx` to the simplified derivative: (expression, rule) each."""
    current: sp.Basic = sp.Derivative(f, x)
    steps = []
    while (node := first_pending(current)) is not None:
        if len(steps) >= MAX_STEPS:
            raise GradError(f"the derivation needs more than {MAX_STEPS} steps; differentiate a smaller expression")
        try:
            applied = apply_rule(node.expr, node.variables[0])
        except NoRuleError as exc:
            raise GradError(str(exc)) from None
        current = current.xreplace({node: applied.expr})
        steps.append((current, applied.rule))
    return steps + simplification_steps(current)


def _notation_used(exprs: Sequence[sp.Basic]) -> list:
    return [func for func in MEANINGS if any(e.has(func) for e in exprs)]


def _variables_to(wrt: str | Sequence[str], parsed: Expression) -> list[sp.Symbol]:
    names = [wrt] if isinstance(wrt, str) else list(wrt)
    if not names:
        raise GradError("give at least one variable to differentiate with respect to (--wrt x)")
    out = []
    for text in names:
        try:
            name = parse_variable(text)
        except AnswerError as exc:
            raise GradError(exc.message) from None
        if name not in parsed.variables:
            known = ", ".join(parsed.variables) or "none"
            raise GradError(f"the expression does not contain the variable {name!r}", hint=f"its variables: {known}")
        if parsed.variables[name] not in out:
            out.append(parsed.variables[name])
    return out


def parse(expr: str, limits: Limits = DEFAULT_LIMITS) -> Expression:
    """The user's expression, parsed (a :class:`GradError` with the position for bad input)."""
    try:
        parsed = parse_expression(expr, limits=limits)
    except AnswerError as exc:
        raise GradError(exc.message, text=expr, position=exc.position, hint=exc.hint) from None
    if parsed.expr.has(sp.Indexed, sp.KroneckerDelta, sp.Sum):
        raise GradError("index notation needs the vectors declared", text=expr,
                        hint="vector and matrix expressions are not supported by derive grad yet")
    return parsed


def grad(expr: str, wrt: str | Sequence[str], vectors: Sequence[str] = (), matrices: Sequence[str] = (), *,
         limits: Limits = DEFAULT_LIMITS) -> Derivation:
    r"""The derivation of :math:`\partial f/\partial x` for each variable ``wrt`` of the expression
    ``expr`` (untrusted text, see :mod:`derive.answers.expressions`), every step proved.

    Raises :class:`GradError` for bad input and :class:`derive.derivation.ProofError` when a step
    fails its proof (the derivation is then refused, never shown as proved).
    """
    if vectors or matrices:
        raise GradError("vector and matrix expressions are not supported by derive grad yet; "
                        "write the expression with scalars")
    parsed = parse(expr, limits)
    f = parsed.expr
    xs = _variables_to(wrt, parsed)
    base = ProofContext(definitions=DEFINITIONS)
    domains = choose_domains(f, list(parsed.variables.values()), base)
    ctx = base.with_(domains=tuple((s, d.uniform) for s, d in domains.items()))
    names = ", ".join(to_text(x) for x in xs)
    title = f"{'Derivative' if len(xs) == 1 else 'Gradient'} of f({', '.join(parsed.variables)}) with respect to {names}"
    d = DerivationBuilder("grad", title, ctx)
    shown = lecture_order(f)
    d.assume(f"f = {to_latex(shown)}", f"f = {to_text(shown)}")
    for s, dom in domains.items():
        d.assume(dom.latex.format(v=to_latex(s)), dom.text.format(v=to_text(s)))
    chains = []
    for x in xs:
        chain = d.chain(f"Derivative with respect to {to_text(x)}", sp.Derivative(shown, x))
        for new, rule in derivative_steps(f, x):
            chain.step(lecture_order(new), rule)
        chains.append(chain)
    for func in _notation_used([f] + [c.last for c in chains]):
        latex, text = MEANINGS[func]
        d.assume(latex, text)
    variables = {n: "a variable of f" for n in parsed.variables}
    for x, chain in zip(xs, chains):
        chain.result(f"grad.{x.name}", f"Derivative with respect to {to_text(x)}", variables)
    derivation = d.build()
    # The results state df/dx = ... (the chains start from d/dx of the whole expression).
    results = tuple(replace(r, lhs=sp.Derivative(F, x)) for r, x in zip(derivation.results, xs))
    return replace(derivation, results=results)
