r"""Derivative notation at the token level: rewrite it into ``DERIV var operand`` for the grammar.

The rule of the grammar is ``derivative: DERIV name product``: the derivative with respect to
``name`` of the product that follows. This module turns the ways people write it into that
form, on the raw token stream (before the LaTeX post-lexer translates commands):

* ``d/dx f``, ``d/d x f``, ``∂/∂z_j f``, ``\partial/\partial z_j f``  -> ``DERIV x f``;
* ``dy_i/dz_j``, ``∂y_i/∂z_j``                                   -> ``( DERIV z_j ( y_i ) )``;
* ``\frac{d}{dx} f``, ``\frac{\partial}{\partial z_j} f``          -> ``DERIV x f``;
* ``\frac{dy}{dx}``, ``\frac{\partial y_i}{\partial z_j}``,
  ``\frac{d \sigma(x)}{dx}``                                      -> ``( DERIV x ( ... ) )``.

Anything else passes through unchanged (and a bare ``\partial`` or ``∂`` is then rejected by the
post-lexer). Only tokens are moved; nothing is evaluated.
"""

from __future__ import annotations

from collections import deque
from typing import Iterable, Iterator

from lark import Token

_FRACS = ("\\frac", "\\dfrac", "\\tfrac")
#: At most this many tokens are buffered while looking for the end of a ``\frac``.
MAX_LOOKAHEAD = 400


def _tok(type_: str, value: str, like: Token, offset: int = 0) -> Token:
    return Token(type_, value, like.start_pos + offset if like.start_pos is not None else None,
                 like.line, like.column + offset if like.column is not None else None,
                 like.end_line, like.end_column, like.end_pos)


def _is_d(t: Token | None) -> bool:
    """The operator letter: ``d``, ``∂`` or ``\\partial``."""
    if t is None:
        return False
    return (t.type == "NAME" and t.value == "d") or t.type == "PARTIAL" or (t.type == "CMD" and t.value == "\\partial")


def _d_word(t: Token | None) -> Token | None:
    """``dx`` (one NAME) -> the NAME ``x``; None if ``t`` is not such a word."""
    if t is not None and t.type == "NAME" and len(t.value) > 1 and t.value[0] == "d":
        return _tok("NAME", t.value[1:], t, 1)
    return None


class _Stream:
    def __init__(self, tokens: Iterable[Token]):
        self.it = iter(tokens)
        self.buf: deque[Token] = deque()

    def peek(self, n: int = 0) -> Token | None:
        while len(self.buf) <= n:
            t = next(self.it, None)
            if t is None:
                return None
            self.buf.append(t)
        return self.buf[n]

    def take(self, n: int = 1) -> list[Token]:
        self.peek(n - 1)
        return [self.buf.popleft() for _ in range(min(n, len(self.buf)))]


def _group_end(s: _Stream, start: int) -> int | None:
    """Index (in the lookahead) of the ``}`` closing the ``{`` at ``start``; None if absent or too far."""
    depth = 0
    for n in range(start, start + MAX_LOOKAHEAD):
        t = s.peek(n)
        if t is None:
            return None
        if t.type == "LBRACE":
            depth += 1
        elif t.type == "RBRACE":
            depth -= 1
            if depth == 0:
                return n
    return None


def _subscript_len(s: _Stream, n: int) -> int:
    """Length of a subscript ``_i`` / ``_{ij}`` starting at lookahead ``n`` (0 if none)."""
    if s.peek(n) is None or s.peek(n).type != "UNDERSCORE":
        return 0
    nxt = s.peek(n + 1)
    if nxt is None:
        return 0
    if nxt.type in ("NAME", "NUMBER"):
        return 2
    if nxt.type == "LBRACE":
        end = _group_end(s, n + 1)
        return 0 if end is None else end - n + 1
    return 0


def _strip_d(tokens: list[Token]) -> list[Token] | None:
    """``d x`` / ``dx`` / ``\\partial z_j`` -> the tokens after the operator letter; None if no operator."""
    if not tokens:
        return None
    if _is_d(tokens[0]):
        return tokens[1:]
    word = _d_word(tokens[0])
    return [word, *tokens[1:]] if word is not None else None


def _wrap(tokens: list[Token], like: Token) -> list[Token]:
    return [_tok("LPAR", "(", like), *tokens, _tok("RPAR", ")", like)]


def _derivative(head: Token, var: list[Token], function: list[Token]) -> list[Token]:
    """``DERIV var`` (an operator on what follows), or ``( DERIV var ( function ) )`` when the function is
    written in the numerator: then the derivative ends there (``\\frac{dy}{dx} x`` is :math:`y' x`)."""
    if not function:
        return [_tok("DERIV", "d", head), *var]
    return _wrap([_tok("DERIV", "d", head), *var, *_wrap(function, head)], head)


def _frac(s: _Stream) -> list[Token] | None:
    r"""``\frac{d ...}{d var}`` at the head of the stream, rewritten; None if it is another fraction."""
    if s.peek(1) is None or s.peek(1).type != "LBRACE":
        return None
    end_num = _group_end(s, 1)
    if end_num is None or s.peek(end_num + 1) is None or s.peek(end_num + 1).type != "LBRACE":
        return None
    end_den = _group_end(s, end_num + 1)
    if end_den is None:
        return None
    num = [s.peek(n) for n in range(2, end_num)]
    den = [s.peek(n) for n in range(end_num + 2, end_den)]
    function, var = _strip_d(num), _strip_d(den)
    if function is None or not var:
        return None
    head = s.peek(0)
    s.take(end_den + 1)
    return _derivative(head, var, function)


def _slash(s: _Stream) -> list[Token] | None:
    """``d/dx``, ``∂/∂ z_j``, ``dy_i/dz_j`` at the head of the stream, rewritten; None otherwise."""
    head = s.peek(0)
    if _is_d(head):
        nxt = s.peek(1)
        if nxt is not None and nxt.type == "NAME":  # ∂y_i/∂z_j
            fn = (1, 2 + _subscript_len(s, 2))
        else:  # d/dx
            fn = (1, 1)
    elif _d_word(head) is not None:  # dy_i/dz_j
        fn = (0, 1 + _subscript_len(s, 1))
    else:
        return None
    var_at = fn[1]
    div = s.peek(var_at)
    if div is None or div.type != "DIV":
        return None
    den = s.peek(var_at + 1)
    if _is_d(den):
        name = s.peek(var_at + 2)
        if name is None or name.type != "NAME":
            return None
        var, used = [name], var_at + 3
    else:
        word = _d_word(den)
        if word is None:
            return None
        var, used = [word], var_at + 2
    sub = _subscript_len(s, used)
    var += [s.peek(n) for n in range(used, used + sub)]
    taken = s.take(used + sub)
    function = taken[fn[0]:fn[1]]
    if function and fn[0] == 0:
        function = [_d_word(function[0]), *function[1:]]
    return _derivative(head, var, function)


def rewrite_derivatives(tokens: Iterable[Token]) -> Iterator[Token]:
    """The token stream with each derivative operator replaced by ``DERIV`` and its variable."""
    s = _Stream(tokens)
    while True:
        head = s.peek(0)
        if head is None:
            return
        out = None
        if head.type == "CMD" and head.value in _FRACS:
            out = _frac(s)
        elif head.type in ("NAME", "PARTIAL", "CMD"):
            out = _slash(s)
        if out is None:
            yield s.take(1)[0]
        else:
            yield from out
