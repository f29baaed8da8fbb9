r"""Check one answer against a target and return a :class:`Verdict`.

Order of work: parse (limits, whitelisted SymPy) -> reject an answer that restates the question
-> numeric comparison (a counterexample decides "not equivalent") -> symbolic confirmation or
diagnosis of the mistake. ``on_partial`` receives a provisional verdict as soon as the numeric
comparison has decided, so that a worker killed during the slower symbolic step or diagnosis
still yields what is known.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Callable

import sympy as sp

from derive.answers.diagnosis import diagnose
from derive.answers.equivalence import numeric_compare, symbolic_check
from derive.answers.errors import AnswerError, LimitError
from derive.answers.limits import DEFAULT_LIMITS, Limits
from derive.answers.parser import parse_answer
from derive.answers.targets import Target

VERDICTS = ("equivalent", "not_equivalent", "invalid", "undecided")
EXIT_CODES = {"equivalent": 0, "not_equivalent": 1, "invalid": 3, "undecided": 4}


@dataclass(frozen=True)
class Verdict:
    verdict: str
    message: str
    parsed: str | None = None
    counterexample: dict | None = None
    diagnosis: str | None = None
    method: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]


def _latex(expr: sp.Basic) -> str | None:
    try:
        from derive.printing import to_latex

        return to_latex(expr)
    except Exception:
        try:
            return sp.latex(expr)
        except Exception:
            return None


def _describe_point(ce: dict) -> str:
    point = ", ".join(f"{k} = {v}" for k, v in list(ce["point"].items())[:8])
    return f"at {point} the answer is {ce['answer']} but the expected value is {ce['expected']}"


def check_answer(text: str, target: Target, *, syntax: str = "auto", limits: Limits = DEFAULT_LIMITS,
                 on_partial: Callable[[Verdict], None] | None = None) -> Verdict:
    """Check ``text`` (untrusted) against ``target``; never raises for a bad answer."""
    try:
        parsed = parse_answer(text, target.table, syntax=syntax, limits=limits)
    except LimitError as exc:
        return Verdict("invalid", f"rejected: {exc}", method="limits")
    except AnswerError as exc:
        return Verdict("invalid", f"cannot read the answer: {exc}", method="parse")
    expr = parsed.expr
    latex = _latex(expr)
    size = sum(1 for _ in sp.preorder_traversal(expr))
    if size > 4 * limits.max_nodes:
        return Verdict("invalid", f"rejected: the formula has {size} nodes (limit {4 * limits.max_nodes})",
                       latex, method="limits")
    if target.lhs is not None and expr == target.lhs and (parsed.shape == "scalar") == target.lhs_is_scalar:
        return Verdict("invalid", "the answer restates the question; write the result out", latex, method="parse")
    num = numeric_compare(expr, target.expr, target.ctx)
    if num.equal is None:
        return Verdict("undecided", num.detail, latex, method="numeric")
    if num.equal:
        provisional = Verdict("equivalent", f"equivalent at {num.detail} (the symbolic check did not finish in "
                                            "time)", latex, method="numeric")
        if on_partial:
            on_partial(provisional)
        if symbolic_check(expr, target.expr, target.ctx):
            return Verdict("equivalent", f"equivalent: the difference simplifies to 0, and agrees at {num.detail}",
                           latex, method="symbolic+numeric")
        return Verdict("equivalent", f"equivalent at {num.detail} (found numerically only; SymPy could not show "
                                     "it symbolically)", latex, method="numeric")
    where = _describe_point(num.counterexample)
    provisional = Verdict("not_equivalent", f"not equivalent: {where}", latex, num.counterexample, None, "numeric")
    if on_partial:
        on_partial(provisional)
    try:
        found = diagnose(expr, target)
    except Exception:  # a diagnosis is a courtesy; never let it turn a verdict into a crash
        found = None
    if found is None:
        return provisional
    return Verdict("not_equivalent", f"not equivalent ({found.message}): {where}", latex, num.counterexample,
                   found.name, "numeric")
