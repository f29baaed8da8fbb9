"""Math of Markdown documents, checked with a real renderer: KaTeX through Node.

``math_blocks`` finds every ``$$...$$`` display block and ``$...$`` inline formula (outside code);
``katex_errors`` renders them all in one ``node`` process (tests/js/katex_check.js, katex pinned
in tests/js/package.json; ``.ci/run`` installs it with ``npm ci --prefix tests/js``).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

JS = Path(__file__).parent / "js"
SCRIPT = JS / "katex_check.js"


def math_blocks(markdown: str) -> list[tuple[str, bool]]:
    """``(tex, display)`` of every formula, in order. Raises ValueError on an unclosed ``$$``/``$``."""
    out: list[tuple[str, bool]] = []
    lines = markdown.splitlines()
    n = 0
    in_code = False
    while n < len(lines):
        line = lines[n]
        if line.strip().startswith("```"):
            in_code = not in_code
            n += 1
            continue
        if in_code:
            n += 1
            continue
        if line.strip() == "$$":
            end = next((k for k in range(n + 1, len(lines)) if lines[k].strip() == "$$"), None)
            if end is None:
                raise ValueError(f"unclosed $$ block at line {n + 1}")
            out.append(("\n".join(lines[n + 1:end]), True))
            n = end + 1
            continue
        if "$$" in line:
            m = re.fullmatch(r"\s*\$\$(.+)\$\$\s*", line)
            if not m:
                raise ValueError(f"line {n + 1}: $$ must stand on its own line or enclose the whole line: {line!r}")
            out.append((m.group(1), True))
            n += 1
            continue
        text = re.sub(r"`[^`]*`", "", line)  # code spans hold no math
        if text.lstrip().startswith("|"):
            text = text.replace(r"\|", "|")  # a table cell's escaped bar is a bar to the math
        text = text.replace(r"\$", "")
        if text.count("$") % 2:
            raise ValueError(f"line {n + 1}: unbalanced $ in {line!r}")
        for m in re.finditer(r"\$([^$]*)\$", text):
            tex = m.group(1)
            if not tex or tex != tex.strip():
                # GitHub (and pandoc) do not treat "$ x$" or "$x $" as math.
                raise ValueError(f"line {n + 1}: inline math must not start or end with a space: ${tex}$")
            out.append((tex, False))
        n += 1
    return out


def katex_errors(formulas: list[tuple[str, bool]]) -> list[dict]:
    """Render each formula with KaTeX (throwOnError, strict); the failures as {index, tex, error}."""
    node = shutil.which("node")
    assert node, "node is needed for the KaTeX check (Debian: apt-get install nodejs npm)"
    assert (JS / "node_modules" / "katex").is_dir(), "KaTeX is not installed: run 'npm ci --prefix tests/js'"
    payload = json.dumps([{"tex": t, "display": d} for t, d in formulas])
    proc = subprocess.run([node, str(SCRIPT)], input=payload, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)
