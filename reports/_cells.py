r"""What a table cell is, so that LaTeX and Markdown agree on it.

A :class:`derive.derivation.Table` cell is one of

* prose with inline math, when it contains ``$``: ``"$F_1 = \frac{2PR}{P + R}$, the harmonic mean"``;
* a formula, when it has no ``$`` but LaTeX syntax (``\``, ``_``, ``^``, ``{``): ``"\sigma(\bar y)"``;
* plain words otherwise: ``"micro"``.
"""

from __future__ import annotations

import re

PROSE, MATH, PLAIN = "prose", "math", "plain"


def cell_kind(cell: str) -> str:
    if "$" in cell:
        return PROSE
    if re.search(r"[\\_^{}]", cell):
        return MATH
    return PLAIN
