r"""Verify a derivation :math:`e_1 = e_2 = \dots = e_n` line by line against a target.

* :math:`e_1` is checked against the target's value directly: it is the question when it equals
  the result's left-hand side (``\frac{\partial y_i}{\partial z_j}``, ``d/dx sigma(x)``; ``L``
  stands for the function being differentiated, e.g. the cross-entropy), or any expression
  equal to the expected result (a derivation need not restate the question).
* Each later :math:`e_k` is checked for equivalence with the last readable expression before
  it, by the same machinery as ``derive check`` (numeric comparison at random points under the
  result's context, symbolic confirmation, named mistakes; the points are shared by all lines,
  :mod:`derive.answers.chain_points`, so each line is evaluated once), and a correct step is
  labelled with the rule that justifies it (:mod:`derive.answers.step_rules`).
* The final answer :math:`e_n` is checked against the expected result on its own, so that "the
  final answer is right, but step 3 does not follow from step 2" (compensating errors) is its own
  outcome.

Derivatives in a line are unevaluated ``sympy.Derivative`` nodes: the context's definitions are
expanded (:math:`y_i` into softmax, :math:`\sigma` into exponentials) and SymPy differentiates the
whitelisted tree; nothing is executed. Each step's work runs under ``limits.timeout`` seconds
(an alarm; a step that overruns is ``undecided``); the whole derivation is bounded by the worker
(:mod:`derive.answers.verify_worker`).
"""

from __future__ import annotations

import signal
import threading
import time
import zlib
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from typing import Callable

import sympy as sp

from derive.answers.derivation_text import Piece, split_chain
from derive.answers.diagnosis import diagnose
from derive.answers.chain_points import ChainPoints
from derive.answers.equivalence import symbolic_check
from derive.answers.errors import AnswerError, LimitError
from derive.answers.limits import DEFAULT_LIMITS, Limits
from derive.answers.parser import parse_answer
from derive.answers.step_rules import rule_for
from derive.answers.targets import Target

OUTCOMES = ("correct", "incorrect", "invalid", "undecided")
EXIT_CODES = {"correct": 0, "incorrect": 1, "invalid": 3, "undecided": 4}
#: The name that stands for the function being differentiated (the loss), as in dL/dz_i.
LOSS_NAME = "L"
_LOSS = sp.Symbol(LOSS_NAME)
#: Share of a step's time for the symbolic confirmation (the numeric check has decided by then).
SYMBOLIC_SHARE = 0.5


@dataclass(frozen=True)
class StepVerdict:
    """One expression of the chain: ``index`` counts the chain's expressions from 1, ``line`` is
    its line in the file, ``compared_with`` the index of the expression it was checked against
    (None for the first, which is checked against the expected result)."""

    index: int
    line: int
    text: str
    latex: str | None
    verdict: str  # equivalent | not_equivalent | invalid | undecided
    message: str
    counterexample: dict | None = None
    diagnosis: str | None = None
    rule: str | None = None
    compared_with: int | None = None


@dataclass(frozen=True)
class FinalVerdict:
    verdict: str
    message: str
    counterexample: dict | None = None
    diagnosis: str | None = None


@dataclass(frozen=True)
class DerivationVerdict:
    verdict: str  # correct | incorrect | invalid | undecided
    message: str
    first_error: int | None
    steps: tuple[StepVerdict, ...]
    final: FinalVerdict | None
    format: str | None = None

    def to_dict(self) -> dict:
        return {"verdict": self.verdict, "message": self.message, "first_error": self.first_error,
                "format": self.format, "steps": [asdict(s) for s in self.steps],
                "final": asdict(self.final) if self.final else None}

    @classmethod
    def from_dict(cls, d: dict) -> "DerivationVerdict":
        return cls(d["verdict"], d["message"], d["first_error"], tuple(StepVerdict(**s) for s in d["steps"]),
                   FinalVerdict(**d["final"]) if d.get("final") else None, d.get("format"))

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]

    @property
    def score(self) -> float:
        """The share of the steps (expressions after the first) right before the first wrong one."""
        later = [s for s in self.steps if s.index > 1]
        if not later:
            return 0.0
        right = 0
        for s in later:
            if s.verdict != "equivalent":
                break
            right += 1
        return right / len(later)


# --- time ------------------------------------------------------------------------------------------


class StepTimeout(BaseException):
    """A step overran its time (a BaseException, so that no ``except Exception`` swallows it)."""


@contextmanager
def time_limit(seconds: float):
    """Raise :class:`StepTimeout` after ``seconds`` (only in the main thread; elsewhere no limit)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def _raise(signum, frame):
        raise StepTimeout()

    old = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# --- one comparison --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Comparison:
    verdict: str
    message: str
    counterexample: dict | None = None
    diagnosis: str | None = None


def _describe(ce: dict, this: str, other: str) -> str:
    point = ", ".join(f"{k} = {v}" for k, v in list(ce["point"].items())[:8])
    return f"at {point} {this} is {ce['answer']} but {other} is {ce['expected']}"


def _function_of(expr: sp.Basic) -> sp.Basic | None:
    """The differentiated function when ``expr`` is a single derivative (for "own_function")."""
    return expr.expr if isinstance(expr, sp.Derivative) else None


@lru_cache(maxsize=256)
def differentiated(expr: sp.Basic, ctx) -> sp.Basic:
    r"""``expr`` with each derivative :math:`\frac{d}{dv} f` carried out by SymPy once, on ``f`` with the
    context's definitions expanded (so that the numeric check need not differentiate at each point)."""
    if not expr.has(sp.Derivative):
        return expr
    return expr.replace(lambda e: isinstance(e, sp.Derivative),
                        lambda d: sp.diff(ctx.expand_definitions(d.expr), *d.variables))


def compare(expr: sp.Basic, reference: sp.Basic, target: Target, points: ChainPoints, seconds: float, *,
            this: str = "this line", other: str = "the previous line",
            function: sp.Basic | None = None) -> _Comparison:
    """Is ``expr`` equal to ``reference`` under the target's context? Numerically at the derivation's
    shared ``points``, then symbolically; with a counterexample and a named mistake (the diagnoses
    of ``derive check``) when it is not."""
    started = time.monotonic()
    try:
        with time_limit(seconds):
            expr, reference = differentiated(expr, target.ctx), differentiated(reference, target.ctx)
            num = points.compare(expr, reference)
    except StepTimeout:
        return _Comparison("undecided", f"the numeric comparison did not finish within {seconds:g} s")
    if num.equal is None:
        return _Comparison("undecided", num.detail)
    left = max(0.05, seconds - (time.monotonic() - started))
    if num.equal:
        try:
            with time_limit(left * SYMBOLIC_SHARE):
                shown = symbolic_check(expr, reference, target.ctx)
        except StepTimeout:
            shown = False
        how = "the difference simplifies to 0, and agrees at " if shown else "found numerically at "
        return _Comparison("equivalent", f"equivalent: {how}{num.detail}")
    ce = {"point": num.counterexample["point"], "answer": num.counterexample["answer"],
          "expected": num.counterexample["expected"]}
    where = _describe(ce, this, other)
    found = None
    try:
        with time_limit(left):
            found = diagnose(expr, replace(target, expr=reference, lhs=None, function=function))
    except StepTimeout:
        pass
    except Exception:  # a diagnosis is a courtesy
        found = None
    if found is None:
        return _Comparison("not_equivalent", f"not equivalent: {where}", ce)
    return _Comparison("not_equivalent", f"not equivalent ({found.message}): {where}", ce, found.name)


# --- the chain -------------------------------------------------------------------------------------


def _latex(expr: sp.Basic) -> str | None:
    from derive.answers.checker import _latex as latex

    return latex(expr)


def verify_table(target: Target):
    """The target's symbol table, plus ``L`` for the differentiated function when there is one."""
    table = target.table
    if target.function is not None and LOSS_NAME not in table.scalars and LOSS_NAME not in table.families:
        table = replace(table, scalars={**table.scalars, LOSS_NAME: _LOSS})
    return table


def _parse(piece: Piece, target: Target, table, limits: Limits):
    """``(expr, None, uses_L)`` or ``(None, message, False)`` for an unreadable line; ``uses_L``: the line
    names the differentiated function ``L`` (replaced by its definition)."""
    try:
        expr = parse_answer(piece.text, table, syntax=piece.syntax, limits=limits, derivatives=True).expr
    except LimitError as exc:
        return None, f"rejected: {exc}", False
    except AnswerError as exc:
        return None, f"cannot read this line: {exc}", False
    except RecursionError:
        return None, "rejected: the line is nested too deeply", False
    uses_loss = target.function is not None and expr.has(_LOSS)
    if uses_loss:
        expr = expr.xreplace({_LOSS: target.function})
    size = sum(1 for _ in sp.preorder_traversal(expr))
    if size > 4 * limits.max_nodes:
        return None, f"rejected: the formula has {size} nodes (limit {4 * limits.max_nodes})", False
    return expr, None, uses_loss


def _first(piece: Piece, expr: sp.Basic, target: Target, points: ChainPoints, seconds: float) -> StepVerdict:
    """The first expression: the question, or an expression equal to the expected result."""
    latex = _latex(expr)
    if target.lhs is not None and expr == target.lhs:
        return StepVerdict(1, piece.line, piece.text, latex, "equivalent", "the question, as stated",
                           rule="the question")
    c = compare(expr, target.expr, target, points, seconds, this="the first line", other="the expected result",
                function=target.function)
    if c.verdict == "equivalent":
        is_question = expr.has(sp.Derivative)
        message = ("the question (its derivative equals the expected result)" if is_question
                   else "the first line equals the expected result") + c.message.removeprefix("equivalent")
        return StepVerdict(1, piece.line, piece.text, latex, "equivalent", message,
                           rule="the question" if is_question else None)
    if c.verdict == "not_equivalent":
        what = "is not the question" if expr.has(sp.Derivative) else "does not equal the expected result"
        return StepVerdict(1, piece.line, piece.text, latex, "not_equivalent",
                           f"the first line {what}: " + c.message, c.counterexample, c.diagnosis)
    return StepVerdict(1, piece.line, piece.text, latex, c.verdict, c.message)


def _step(index: int, piece: Piece, expr: sp.Basic, prev_index: int, prev: sp.Basic, target: Target,
          points: ChainPoints, seconds: float, skipped: bool, prev_named_loss: bool = False) -> StepVerdict:
    latex = _latex(expr)
    other = f"line {prev_index} of the chain" if skipped else "the previous line"
    c = compare(expr, prev, target, points, seconds, other=other, function=_function_of(prev))
    note = f" (checked against expression {prev_index}, the last readable one)" if skipped else ""
    rule = None
    if c.verdict == "equivalent":
        try:
            with time_limit(max(0.05, seconds / 4)):
                if prev_named_loss and prev == expr:
                    rule = f"definition of {LOSS_NAME}"
                else:
                    rule = rule_for(prev, expr, target.ctx)
        except StepTimeout:
            rule = None
    return StepVerdict(index, piece.line, piece.text, latex, c.verdict, c.message + note, c.counterexample,
                       c.diagnosis, rule, prev_index)


def _final(last: StepVerdict, expr: sp.Basic | None, n: int, target: Target, points: ChainPoints,
           seconds: float) -> FinalVerdict:
    if n < 2:
        return FinalVerdict("invalid", "the derivation has no answer: only one expression")
    if expr is None:
        return FinalVerdict("invalid", f"the last line (line {last.line}) cannot be read")
    if expr.has(sp.Derivative):
        return FinalVerdict("invalid", "the last line still contains a derivative: the derivation is not finished")
    if target.lhs is not None and expr == target.lhs:
        return FinalVerdict("invalid", "the last line restates the question")
    c = compare(expr, target.expr, target, points, seconds, this="the final answer", other="the expected result",
                function=target.function)
    if c.verdict == "equivalent":
        return FinalVerdict("equivalent", "the final answer is right" + c.message.removeprefix("equivalent"))
    if c.verdict == "not_equivalent":
        return FinalVerdict("not_equivalent", "the final answer is wrong: " + c.message, c.counterexample,
                            c.diagnosis)
    return FinalVerdict(c.verdict, "the final answer could not be decided: " + c.message)


def summarize(steps: tuple[StepVerdict, ...], final: FinalVerdict | None) -> tuple[str, str, int | None]:
    """``(outcome, message, first_error)``: a wrong step or final answer makes the derivation
    incorrect; else an unreadable line invalid; else an undecided one undecided."""
    wrong = next((s for s in steps if s.verdict == "not_equivalent"), None)
    first_error = wrong.index if wrong else None
    final_ok = final is not None and final.verdict == "equivalent"
    verdicts = {s.verdict for s in steps} | ({final.verdict} if final else set())
    if wrong is not None:
        if wrong.index == 1:
            where = "the first line does not equal the expected result"
        elif wrong.compared_with is None:  # no earlier line could be read: checked against the result
            where = f"step {wrong.index} does not equal the expected result"
        else:
            where = f"step {wrong.index} does not follow from step {wrong.compared_with}"
        if final_ok:
            return "incorrect", f"the final answer is right, but {where}", first_error
        if final is not None and final.verdict == "not_equivalent":
            return "incorrect", f"{where}, and the final answer is wrong", first_error
        return "incorrect", where, first_error
    if final is not None and final.verdict == "not_equivalent":
        return "incorrect", "every step follows from the one before, but the final answer is wrong", None
    if "invalid" in verdicts:
        bad = next((s for s in steps if s.verdict == "invalid"), None)
        if bad is not None:
            return "invalid", f"line {bad.line} cannot be read (expression {bad.index})", None
        return "invalid", final.message, None
    if "undecided" in verdicts:
        return "undecided", "some steps could not be decided", None
    return "correct", "every step follows from the one before, and the final answer is right", None


def verify_text(text: str, target: Target, *, syntax: str = "auto", limits: Limits = DEFAULT_LIMITS,
                on_step: Callable[[DerivationVerdict], None] | None = None) -> DerivationVerdict:
    """Verify the derivation in ``text`` (untrusted) against ``target``; never raises for bad input.

    ``on_step`` receives the verdict so far after each expression (steps not yet checked are
    absent), so that a caller that has to stop the work still has what is known.
    """
    try:
        chain = split_chain(text, syntax, limits)
    except AnswerError as exc:
        return DerivationVerdict("invalid", f"cannot read the derivation: {exc}", None, (),
                                 FinalVerdict("invalid", "no derivation"), None)
    table = verify_table(target)
    seconds = limits.timeout
    points = ChainPoints(target.ctx, zlib.crc32(target.id.encode()))
    steps: list[StepVerdict] = []
    prev, prev_index, last_expr, prev_loss = None, None, None, False
    for n, piece in enumerate(chain.pieces, 1):
        expr, problem, uses_loss = _parse(piece, target, table, limits)
        if expr is None:
            steps.append(StepVerdict(n, piece.line, piece.text, None, "invalid", problem))
        elif n == 1:
            steps.append(_first(piece, expr, target, points, seconds))
        elif prev is None:  # nothing readable before: check against the expected result, as a first line
            first = _first(piece, expr, target, points, seconds)
            steps.append(replace(first, index=n, message=first.message + " (no earlier line could be read)"))
        else:
            steps.append(_step(n, piece, expr, prev_index, prev, target, points, seconds, prev_index != n - 1,
                               prev_loss))
        last_expr = expr
        if expr is not None:
            prev, prev_index, prev_loss = expr, n, uses_loss
        if on_step is not None:
            outcome, message, first_error = summarize(tuple(steps), None)
            on_step(DerivationVerdict(outcome, message, first_error, tuple(steps), None, chain.format))
    final = _final(steps[-1], last_expr, len(steps), target, points, seconds)
    outcome, message, first_error = summarize(tuple(steps), final)
    return DerivationVerdict(outcome, message, first_error, tuple(steps), final, chain.format)
