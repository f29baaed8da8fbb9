r"""Split a file holding a derivation into its chain :math:`e_1 = e_2 = \dots = e_n`, with line numbers.

Formats (``syntax``; ``auto`` detects them):

* ``plain``: the first line an expression, each later line starting with ``=`` (or
  ``a = b = c`` on one line); a line that starts with ``+``, ``-``, ``*`` or ``/``, or follows
  a line ending in an operator or an open bracket, continues the previous expression; any
  other new line is a new expression of the chain. Lines starting with ``#`` are comments.
* ``latex``: the math of ``align``/``align*``/``equation``/``gather``/``multline`` environments,
  ``\[...\]`` and ``$$...$$``; rows split at ``\\``, ``&`` dropped, and the decorations
  of a typeset derivation removed (``\text{...}``, ``\label``, ``\tag``, ``\nonumber``,
  ``\quad``, a trailing ``,`` or ``.``). Text outside the math is ignored.
* ``markdown``: the ``$$...$$`` blocks (prose around them ignored), read like LaTeX.

The chain is cut at each ``=`` outside brackets (``\sum_{k=1}`` keeps its ``=``). Nothing here
interprets the math: each piece is later parsed by :func:`derive.answers.parser.parse_answer`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from derive.answers.errors import LimitError, ParseError
from derive.answers.limits import DEFAULT_LIMITS, Limits

SYNTAXES = ("auto", "plain", "latex", "markdown")


@dataclass(frozen=True)
class Piece:
    """One expression of the chain: its text, its (1-based) line in the file, and its notation."""

    text: str
    line: int
    syntax: str  # "auto" (plain files: per line) | "latex"


@dataclass(frozen=True)
class Chain:
    pieces: tuple[Piece, ...]
    format: str  # "plain" | "latex" | "markdown"


_ENV = r"(align\*?|equation\*?|gather\*?|multline\*?|flalign\*?|eqnarray\*?)"
# Patterns are plain strings (the answer code calls nothing named ``compile``; re caches them).
_BLOCK = (r"\\begin\{" + _ENV + r"\}(?P<env>.*?)\\end\{\1\}|\\\[(?P<bracket>.*?)\\\]"
          r"|\$\$(?P<dollars>.*?)\$\$")
_DOLLARS = r"\$\$(?P<dollars>.*?)\$\$"
_DECORATIONS = [
    (r"(?<!\\)%.*", ""),  # TeX comments
    (r"\\(text|textrm|textit|mbox|intertext|label|tag\*?|hbox)\s*\{[^{}]*\}", " "),
    (r"\\(nonumber|notag|qquad|quad|displaystyle|medskip|smallskip|hfill)(?![A-Za-z])", " "),
    (r"\\(mathrm|operatorname|mathit)\s*\{\s*d\s*\}", "d"),  # \mathrm{d}x -> dx
    (r"\\(begin|end)\s*\{(aligned|split|gathered|alignedat)\}(\{\d+\})?", " "),  # inner environments
    (r"&", " "),
    (r"\{\s*(\\?[A-Za-z]+)\s*\}(?=_)", r"\1"),  # {y}_{i} (as SymPy prints it) -> y_{i}
]


def detect_format(text: str) -> str:
    """``latex`` for LaTeX environments or ``\\[``, ``markdown`` for ``$$`` blocks, else ``plain``."""
    if re.search(r"\\begin\{" + _ENV + r"\}", text) or "\\[" in text:
        return "latex"
    if "$$" in text:
        return "markdown"
    return "plain"


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _clean_latex(row: str) -> str:
    for pattern, repl in _DECORATIONS:
        row = re.sub(pattern, repl, row)
    return row.strip().rstrip(",.;").strip()


def _rows_of_block(source: str, body: str, start: int) -> list[tuple[str, int, bool]]:
    """The physical lines of one math block with their line numbers, and whether each begins a row
    (the block's start, or after ``\\\\``); the other lines continue their row."""
    out, begin = [], 0
    for end in [*re.finditer(r"\\\\(\[[^\]]*\])?", body), None]:  # rows end at \\ or \\[2pt]
        row = body[begin:end.start() if end else len(body)]
        first = True
        for m in re.finditer(r"[^\n]+", row):
            text = _clean_latex(m.group(0))
            if text:
                out.append((text, _line_of(source, start + begin + m.start()), first))
                first = False
        begin = end.end() if end else len(body)
    return out


def _math_rows(text: str, fmt: str) -> list[tuple[str, int, bool]]:
    pattern = _DOLLARS if fmt == "markdown" else _BLOCK
    if fmt == "markdown":
        text = re.sub(r"```.*?```", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)  # code is not math
    rows = []
    for m in re.finditer(pattern, text, re.S):
        group = next(g for g in ("env", "bracket", "dollars") if m.groupdict().get(g) is not None)
        rows += _rows_of_block(text, m.group(group), m.start(group))
    if not rows:
        where = "$$ ... $$ block" if fmt == "markdown" else "align*, equation, \\[ ... \\] or $$ ... $$ block"
        raise ParseError(f"no derivation found: the file has no {where}")
    return rows


def _plain_rows(text: str) -> list[tuple[str, int, bool]]:
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            rows.append((stripped, n, True))
    return rows


def split_top_level(text: str) -> list[str]:
    """``text`` cut at each ``=`` outside brackets."""
    parts, depth, start = [], 0, 0
    for n, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "=" and depth <= 0:
            parts.append(text[start:n])
            start = n + 1
    parts.append(text[start:])
    return parts


_CONTINUES_AFTER = ("+", "-", "*", "/", "(", "[", "{", "^", "\\cdot", "\\times", "\\left(")
_CONTINUES_BEFORE = ("+", "-", "*", "/", ")", "]", "\\cdot", "\\times", "\\right", "\u2212", "\u00b7")


def _join(rows: list[tuple[str, int, bool]], syntax: str) -> list[Piece]:
    """The chain's pieces from lines of text (see the module docstring for the rules)."""
    pieces: list[list] = []  # [text, line]
    open_eq = False  # the previous line ended with "="
    for row, line, new_row in rows:
        segments = split_top_level(row)
        first, rest = segments[0], segments[1:]
        if pieces and not open_eq and first.strip():
            prev = pieces[-1][0].rstrip()
            if (not new_row or prev.endswith(_CONTINUES_AFTER)
                    or first.lstrip().startswith(_CONTINUES_BEFORE)):
                pieces[-1][0] = prev + " " + first.strip()
            else:
                pieces.append([first.strip(), line])
        elif first.strip():
            pieces.append([first.strip(), line])
        for seg in rest:
            if seg.strip():
                pieces.append([seg.strip(), line])
        open_eq = bool(rest) and not rest[-1].strip()
    return [Piece(text, line, syntax) for text, line in pieces]


def split_chain(text: str, syntax: str = "auto", limits: Limits = DEFAULT_LIMITS) -> Chain:
    """The chain of expressions in ``text`` (untrusted); raises :class:`ParseError`/:class:`LimitError`."""
    if not isinstance(text, str):
        raise ParseError("the derivation must be text")
    if syntax not in SYNTAXES:
        raise ParseError(f"unknown syntax {syntax!r}; use {', '.join(SYNTAXES)}")
    if len(text) > limits.max_derivation_length:
        raise LimitError(f"derivation too long: {len(text)} characters, the limit is {limits.max_derivation_length}")
    fmt = detect_format(text) if syntax == "auto" else syntax
    rows = _plain_rows(text) if fmt == "plain" else _math_rows(text, fmt)
    pieces = _join(rows, "auto" if fmt == "plain" else "latex")
    if not pieces:
        raise ParseError("the derivation is empty")
    if len(pieces) > limits.max_steps:
        raise LimitError(f"the derivation has {len(pieces)} expressions, the limit is {limits.max_steps}")
    return Chain(tuple(pieces), fmt)
