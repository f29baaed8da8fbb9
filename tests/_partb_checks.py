"""Checks shared by the tests of the topics mlp, fscore, poisson, relu-approximation, dropout."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from reports import FORMATS, render


def check_renders(derivation) -> dict[str, str]:
    """Every format renders; the JSON names every step's method and every result's variables."""
    out = {fmt: render(derivation, fmt) for fmt in FORMATS}
    data = json.loads(out["json"])
    assert data["verified"] is True
    assert all(s["verified"] and s["method"] in {"symbolic", "numeric", "symbolic+numeric"} for s in data["steps"])
    assert all(r["variables"] for r in data["results"])
    for r in derivation.results:
        assert r.id in out["text"] and r.id in out["markdown"]
    return out


def check_latex_compiles(derivation) -> None:
    """The standalone LaTeX compiles with pdflatex (halting on the first error)."""
    assert shutil.which("pdflatex"), "pdflatex is required for the LaTeX tests"
    with tempfile.TemporaryDirectory() as tmp:
        tex = Path(tmp) / "doc.tex"
        tex.write_text(render(derivation, "latex", standalone=True), encoding="utf-8")
        run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name],
                             cwd=tmp, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stdout[-3000:]
        assert (Path(tmp) / "doc.pdf").exists()
