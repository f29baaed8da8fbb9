"""Renderers: pure functions of a :class:`derive.derivation.Derivation` (and of training and metric
results) to LaTeX, Markdown, plain text and JSON.

``render(derivation, fmt)`` dispatches on the format name.
"""

from __future__ import annotations

FORMATS = ("text", "latex", "markdown", "json")


def render(derivation, fmt: str, *, steps: bool = True, standalone: bool = False) -> str:
    """Render ``derivation`` as ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "latex":
        from reports.latex import render_latex

        return render_latex(derivation, steps=steps, standalone=standalone)
    if fmt == "markdown":
        from reports.markdown import render_markdown

        return render_markdown(derivation, steps=steps)
    if fmt == "json":
        from reports.json_format import render_json

        return render_json(derivation, steps=steps)
    if fmt == "text":
        from reports.text import render_text

        return render_text(derivation, steps=steps)
    raise ValueError(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}")
