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
import re
from dataclasses import dataclass, replace
from typing import Sequence

import sympy as sp

from derive.answers.errors import AnswerError
from derive.answers.expressions import Expression, parse_expression, parse_variable
from derive.answers.limits import DEFAULT_LIMITS, Limits
from derive.answers.symbols import index_symbol
from derive.context import ProofContext, Uniform, VectorDomain
from derive.derivation import Derivation, DerivationBuilder
from derive.differentiate.display import lecture_order
from derive.differentiate.functions import DEFINITIONS, MEANINGS
from derive.differentiate.indexed import DEFINITIONS as INDEX_DEFINITIONS
from derive.differentiate.indexed import as_notation, index_simplifications, sums_to_one
from derive.differentiate.proving import prove_step
from derive.differentiate.rules import NoRuleError, apply_rule, first_pending
from derive.differentiate.simplify import simplification_steps
from derive.notation import K
from derive.printing import to_latex, to_text

#: Most rule applications in one chain (the expression's size is bounded by the parser's limits).
MAX_STEPS = 200
#: Vectors that are target distributions (t_k >= 0, sum_k t_k = 1), as in the lecture's notation.
DISTRIBUTION_NAMES = ("t",)
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


def derivative_steps(f: sp.Basic, x: sp.Basic, extra=(), simplifications=None) -> list[tuple[sp.Basic, str]]:
    """The steps from :math:`df/dx` to the simplified derivative: (expression, rule) each; ``extra``
    simplifications (index notation) come before the scalar ones (``simplifications``, by default
    :data:`derive.differentiate.simplify.SIMPLIFICATIONS`)."""
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
    for simplify, rule in extra:
        new = simplify(current)
        if new != current:
            steps.append((new, rule))
            current = new
    return steps + simplification_steps(current, simplifications)


def _notation_used(exprs: Sequence[sp.Basic]) -> list:
    return [func for func in MEANINGS if any(e.has(func) for e in exprs)]


_ENTRY = re.compile(r"^\s*([A-Za-z]+)_\{?\s*([A-Za-z])\s*\}?\s*$")


def _is_entry(text: str) -> bool:
    return bool(_ENTRY.match(text)) and not re.match(r"^\s*[A-Za-z]+_\{?\s*[0-9]", text)


def _variables_to(names: Sequence[str], parsed: Expression) -> list[sp.Basic]:
    """The variables (symbols, or vector entries :math:`z_j`) that ``--wrt`` names."""
    if not names:
        raise GradError("give at least one variable to differentiate with respect to (--wrt x)")
    out = []
    for text in names:
        entry = _ENTRY.match(text) if _is_entry(text) else None
        if entry:
            base, letter = entry.groups()
            if base not in parsed.vectors:
                known = ", ".join(parsed.vectors) or "none"
                raise GradError(f"the expression has no vector {base!r}", hint=f"its vectors: {known}")
            var = parsed.vectors[base][index_symbol(letter)]
        else:
            try:
                name = parse_variable(text)
            except AnswerError as exc:
                raise GradError(exc.message) from None
            if name not in parsed.variables:
                known = ", ".join(list(parsed.variables) + [f"{v}_j" for v in parsed.vectors]) or "none"
                raise GradError(f"the expression does not contain the variable {name!r}",
                                hint=f"its variables: {known}")
            var = parsed.variables[name]
        if var not in out:
            out.append(var)
    return out


def parse(expr: str, limits: Limits = DEFAULT_LIMITS, *, vectors: Sequence[str] = (),
          index_notation: bool = False) -> Expression:
    """The user's expression, parsed (a :class:`GradError` with the position for bad input)."""
    try:
        parsed = parse_expression(expr, vectors=vectors, index_notation=index_notation, limits=limits)
    except AnswerError as exc:
        raise GradError(exc.message, text=expr, position=exc.position, hint=exc.hint) from None
    if not parsed.vectors and parsed.expr.has(sp.Indexed, sp.KroneckerDelta, sp.Sum):
        raise GradError("index notation needs a vector: --wrt z_j or --vector z", text=expr)
    return replace(parsed, expr=as_notation(parsed.expr))


def _free_index_letter(f: sp.Basic, xs) -> dict:
    """Bound summation indices of ``f`` that clash with an index of ``--wrt``, renamed."""
    taken = {str(s) for s in f.free_symbols} | {str(i) for x in xs if isinstance(x, sp.Indexed) for i in x.indices}
    renames = {}
    for s in f.atoms(sp.Sum):
        for var, *_ in s.limits:
            if str(var) in {str(i) for x in xs if isinstance(x, sp.Indexed) for i in x.indices}:
                fresh = next(c for c in "kmnlipqrs" if c not in taken)
                taken.add(fresh)
                renames[var] = index_symbol(fresh)
    return renames


def _distributions_needed(parsed: Expression, f: sp.Basic, xs) -> tuple[sp.IndexedBase, ...]:
    r"""The target vectors whose :math:`\sum_k t_k` is left in some derivative once the index rules
    are done: only those are assumed to be distributions (and sampled on the simplex)."""
    candidates = [b for n, b in parsed.vectors.items() if n in DISTRIBUTION_NAMES]
    if not candidates:
        return ()
    finals = [derivative_steps(f, x, index_simplifications(()))[-1][0] for x in xs]
    return tuple(b for b in candidates if any(sums_to_one(b)(e) != e for e in finals))


def _context(parsed: Expression, f: sp.Basic, xs) -> tuple[ProofContext, list[tuple[str, str]]]:
    """The proof context and the assumptions (LaTeX, text) about the variables."""
    base = ProofContext(definitions=DEFINITIONS + INDEX_DEFINITIONS)
    assumptions = []
    if not parsed.vectors:
        domains = choose_domains(f, list(parsed.variables.values()), base)
        for s, dom in domains.items():
            assumptions.append((dom.latex.format(v=to_latex(s)), dom.text.format(v=to_text(s))))
        return base.with_(domains=tuple((s, d.uniform) for s, d in domains.items())), assumptions
    # Index notation: scalars and vectors sampled on the reals, a target vector t on the simplex.
    distributions = _distributions_needed(parsed, f, xs)
    indices = tuple(dict.fromkeys(i for x in xs if isinstance(x, sp.Indexed) for i in x.indices))
    for name, b in parsed.vectors.items():
        if b in distributions:
            assumptions.append((rf"{name}_k \ge 0,\ \sum_{{k=1}}^K {name}_k = 1",
                                f"{name} is a distribution: {name}_k >= 0, sum_k {name}_k = 1 (targets)"))
        else:
            assumptions.append((rf"{name} \in \mathbb{{R}}^K", f"{name} is a real vector of length K"))
    for s in parsed.variables.values():
        assumptions.append((rf"{to_latex(s)} \in \mathbb{{R}}", f"{to_text(s)} is real"))
    if indices:
        assumptions.append((", ".join(map(str, indices)) + r" \in \{1, \dots, K\}",
                            ", ".join(map(str, indices)) + " in 1..K"))
    ctx = base.with_(identities=tuple(sums_to_one(b) for b in distributions),
                     families=tuple((b, VectorDomain("simplex")) for b in distributions),
                     indices=indices, size=K)
    return ctx, assumptions


_INDEX_NOTATION = re.compile(r"[A-Za-z]_\{?\s*[A-Za-z]")


def is_matrix_expression(expr: str, wrt: Sequence[str], vectors: Sequence[str], matrices: Sequence[str]) -> bool:
    """Matrix calculus (``X*w``, ``norm``, ``.*``) rather than index notation (``sum_k z_k``): a
    matrix is declared, or vectors are and neither the text nor ``--wrt`` uses a letter subscript."""
    if any(m.strip() for m in matrices):
        return True
    text = expr.replace("log_softmax", "logsoftmax")
    return bool(vectors) and not any(_is_entry(n) for n in wrt) and not _INDEX_NOTATION.search(text)


def grad(expr: str, wrt: str | Sequence[str], vectors: Sequence[str] = (), matrices: Sequence[str] = (), *,
         limits: Limits = DEFAULT_LIMITS) -> Derivation:
    r"""The derivation of :math:`\partial f/\partial x` for each variable ``wrt`` of the expression
    ``expr`` (untrusted text, see :mod:`derive.answers.expressions`), every step proved.

    ``wrt`` names scalars (``x``, ``lambda``) or entries of vectors (``z_j``: index notation,
    where every name with a letter subscript and every argument of softmax, log_softmax and
    logsumexp is a vector of length K; a vector called ``t`` is a target distribution). Raises
    :class:`GradError` for bad input and :class:`derive.derivation.ProofError` when a step fails
    its proof (the derivation is then refused, never shown as proved).
    """
    names = [wrt] if isinstance(wrt, str) else list(wrt)
    if is_matrix_expression(expr, names, vectors, matrices):
        from derive.differentiate.matrix_grad import matrix_grad

        return matrix_grad(expr, names, vectors, matrices, limits=limits)
    from derive.differentiate.index_matrix import index_matrix_grad, is_index_matrix

    if is_index_matrix(expr, names):
        return index_matrix_grad(expr, names, vectors, limits=limits)
    index_notation = bool(vectors) or any(_is_entry(n) for n in names)
    parsed = parse(expr, limits, vectors=[v.strip() for v in vectors], index_notation=index_notation)
    xs = _variables_to(names, parsed)
    f = parsed.expr.xreplace(_free_index_letter(parsed.expr, xs))
    ctx, assumptions = _context(parsed, f, xs)
    distributions = tuple(b for b, _ in ctx.families)
    extra = index_simplifications(distributions) if parsed.vectors else ()
    shown_names = ", ".join(to_text(x) for x in xs)
    args = ", ".join(list(parsed.variables) + list(parsed.vectors))
    title = f"{'Derivative' if len(xs) == 1 else 'Gradient'} of f({args}) with respect to {shown_names}"
    d = DerivationBuilder("grad", title, ctx)
    shown = lecture_order(f)
    d.assume(f"f = {to_latex(shown)}", f"f = {to_text(shown)}")
    for latex, text in assumptions:
        d.assume(latex, text)
    chains = []
    for x in xs:
        chain = d.chain(f"Derivative with respect to {to_text(x)}", sp.Derivative(shown, x))
        for new, rule in derivative_steps(f, x, extra):
            chain.step(lecture_order(new), rule, prover=prove_step)
        chains.append(chain)
    for func in _notation_used([f] + [c.last for c in chains]):
        latex, text = MEANINGS[func]
        d.assume(latex, text)
    variables = {n: "a variable of f" for n in parsed.variables}
    variables.update({f"{n}_k": "an entry of the vector " + n for n in parsed.vectors})
    return finish(d, chains, xs, variables)


def finish(d: DerivationBuilder, chains, xs, variables: dict) -> Derivation:
    r"""The derivation with one result ``grad.x`` per chain, stated as :math:`df/dx = \dots`
    (the chains start from d/dx of the whole expression); ``variables``: name -> meaning."""
    for x, chain in zip(xs, chains):
        name = x.base.label.name if isinstance(x, sp.Indexed) else x.name
        chain.result(f"grad.{name}", f"Derivative with respect to {to_text(x)}", variables)
    derivation = d.build()
    results = tuple(replace(r, lhs=sp.Derivative(F, x)) for r, x in zip(derivation.results, xs))
    return replace(derivation, results=results)
