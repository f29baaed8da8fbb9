r"""What a checking worker does for each kind of task; every function returns JSON-ready data.

A task is ``(kind, payload)``. ``payload["key"]`` is what the answer is checked against:
``["result", RESULT_ID]`` or ``["expected", EXPRESSION, [VARIABLES]]`` (parsed with the same safe
grammar as answers). A key that cannot be used raises :class:`KeyProblem` (the app answers 422).
"""

from __future__ import annotations

from typing import Callable

from derive.answers.limits import Limits


class KeyProblem(Exception):
    """The question of a request (result id or expected expression) cannot be used."""


def key_tuple(key) -> tuple:
    """A JSON key (lists) as the hashable tuple :func:`derive.answers.targets.resolve` takes; an
    expected expression without variables gets the names read off it."""
    if key[0] == "result":
        return ("result", str(key[1]))
    variables = tuple(str(v) for v in key[2])
    if not variables:
        from derive.answers.variables import guess_variables

        variables = guess_variables(str(key[1]))
    return ("expected", str(key[1]), variables)


def target_of(key):
    from derive.answers.errors import AnswerError
    from derive.answers.targets import TargetError, resolve

    try:
        return resolve(key_tuple(key))
    except (TargetError, AnswerError) as exc:
        what = "expected expression" if key[0] == "expected" else "result id"
        raise KeyProblem(f"the {what} cannot be used: {exc}") from None


def check(payload: dict, limits: Limits, partial: Callable[[dict], None]) -> dict:
    """The JSON of ``derive check``: verdict, message, parsed (LaTeX), counterexample, diagnosis, method."""
    from derive.answers.checker import check_answer

    target = target_of(payload["key"])
    verdict = check_answer(payload["text"], target, syntax=payload.get("syntax", "auto"), limits=limits,
                           on_partial=lambda v: partial(v.to_dict()))
    return verdict.to_dict()


def verify(payload: dict, limits: Limits, partial: Callable[[dict], None]) -> dict:
    """The JSON of ``derive verify --json``: verdict, message, first_error, format, steps, final.

    ``partial`` receives the verdict so far after each expression (kept if the derivation is
    stopped at ``limits.derivation_timeout``).
    """
    from derive.answers.verify import verify_text

    target = target_of(payload["key"])
    verdict = verify_text(payload["text"], target, syntax=payload.get("syntax", "auto"), limits=limits,
                          on_step=lambda v: partial(v.to_dict()))
    return verdict.to_dict()


def preview(payload: dict, limits: Limits, partial: Callable[[dict], None]) -> dict:
    """Parse only: ``{"ok": true, "latex": ...}`` or ``{"ok": false, "message": ...}`` (no check)."""
    from derive.answers.checker import _latex
    from derive.answers.errors import AnswerError, LimitError
    from derive.answers.parser import parse_answer

    target = target_of(payload["key"])
    try:
        parsed = parse_answer(payload["text"], target.table, syntax=payload.get("syntax", "auto"), limits=limits)
    except LimitError as exc:
        return {"ok": False, "latex": None, "message": f"rejected: {exc}"}
    except AnswerError as exc:
        return {"ok": False, "latex": None, "message": f"cannot read the answer: {exc}"}
    return {"ok": True, "latex": _latex(parsed.expr), "message": None}


def topic(payload: dict, limits: Limits, partial: Callable[[dict], None]) -> dict:
    """A topic rendered as ``payload["format"]`` (latex, markdown or json): ``{"text": ...}``."""
    from derive.topics import TOPICS
    from reports import render

    derivation = TOPICS[payload["topic"]].build()
    return {"text": render(derivation, payload["format"], steps=True, standalone=False)}


TASKS: dict[str, Callable[[dict, Limits, Callable[[dict], None]], dict]] = {
    "check": check,
    "verify": verify,
    "preview": preview,
    "topic": topic,
}


def catalogue() -> list[dict]:
    """Every result id with its topic, title, question (LaTeX) and the symbols an answer may use.

    Builds every topic (in the dispatcher, before the workers are forked, so they inherit it).
    """
    from derive.answers.checker import _latex
    from derive.answers.targets import target_for_result
    from derive.topics import TOPICS

    out = []
    for t in TOPICS.values():
        for result in t.build().results:
            entry = {"id": result.id, "topic": t.id, "topic_title": t.title, "title": result.title,
                     "question": _latex(result.lhs), "symbols": [], "checkable": True}
            try:
                entry["symbols"] = target_for_result(result.id).table.describe()
            except Exception as exc:  # a result the checker cannot read: listed, not checkable
                entry["checkable"] = False
                entry["symbols"] = [f"not checkable: {exc}"]
            out.append(entry)
    return out
