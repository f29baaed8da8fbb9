"""Shared helpers of the answer-checking tests (not a test module)."""

from __future__ import annotations

from derive.answers.checker import check_answer
from derive.answers.targets import target_for_result


def verdict(answer: str, result_id: str, **kw):
    return check_answer(answer, target_for_result(result_id), **kw)


def table(result_id: str):
    return target_for_result(result_id).table
