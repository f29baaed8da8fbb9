r"""The variables of an expected answer given without a result id (``derive verify --expected``).

A key entry or the command line may list them (``x``, ``y_i``, ``delta_ij``); when they are not
given, they are read off the expected expression's text: each name that is not a function,
a LaTeX command, ``e``, ``pi``, the class count ``K`` or a lone index letter, with its subscript
(``y_i`` is the family y). Only names are collected here; the expression itself is parsed by
:func:`derive.answers.parser.parse_answer`.
"""

from __future__ import annotations

import re

from derive.answers import grammar as g
from derive.answers.symbols import INDEX_LETTERS

_NAME = r"(?<![\\A-Za-z\u0370-\u03ff])([A-Za-z\u0370-\u03ff]+)(?:_(\{[A-Za-z0-9 ,]+\}|[A-Za-z0-9]+))?"
_NOT_VARIABLES = set(g.FUNCTIONS) | {"e", "pi", "sum", "K", "T", "d", "frac", "left", "right"}


def guess_variables(expression: str) -> tuple[str, ...]:
    """The names of ``expression`` (untrusted text), in order of appearance, without repeats."""
    out: list[str] = []
    for m in re.finditer(_NAME, expression):
        name, sub = m.group(1), (m.group(2) or "").strip("{}").replace(",", "").replace(" ", "")
        name = g.GREEK_NAMES.get(name, name)
        if name in _NOT_VARIABLES or (name in INDEX_LETTERS and not sub):
            continue
        full = f"{name}_{sub}" if sub else name
        if full not in out:
            out.append(full)
    return tuple(out)
