"""The checker's own error type: every rejection of an answer is an :class:`AnswerError`.

Parsing, symbol resolution and limit checks raise only this type (or a subclass), so callers
(the CLI, batch grading, the fuzz tests) can tell a bad answer from a bug.
"""

from __future__ import annotations


class AnswerError(ValueError):
    """An answer that cannot be checked; ``position`` is a 0-based offset into the answer."""

    kind = "invalid"

    def __init__(self, message: str, position: int | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.position = position
        self.hint = hint

    def __str__(self) -> str:
        text = self.message
        if self.position is not None:
            text += f" (at position {self.position + 1})"
        if self.hint:
            text += f"; hint: {self.hint}"
        return text


class ParseError(AnswerError):
    """The answer is not a formula in the accepted notation."""


class RestatesQuestion(AnswerError):
    """The answer contains the question itself (a derivative operator, or the left-hand side)."""


class LimitError(AnswerError):
    """The answer exceeds a configured limit (length, size, depth, number magnitude)."""
