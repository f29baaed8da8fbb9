r"""A small report document written either as Markdown or as a LaTeX document, with figures.

Used by :mod:`reports.training` and :mod:`reports.metrics_report`. Text given to it is plain
(untrusted: file names, labels, configuration values) and is escaped for the target format.
Figures are written beside the report as ``{stem}-{name}.{svg|png}`` by :mod:`reports.figures`;
without matplotlib a line plot becomes a pgfplots axis (LaTeX) or a table (Markdown), and the
report says so.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reports import figures

_TEX_SPECIAL = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}


def tex_text(text) -> str:
    """Plain text for LaTeX: every special character escaped (no math is kept)."""
    return "".join(_TEX_SPECIAL.get(ch, ch) for ch in str(text))


def md_text(text) -> str:
    """Plain text for a Markdown table cell or line: no math, no HTML, no table breaks."""
    text = str(text).replace("\n", " ")
    for ch in "\\`*_[]<>|$#":
        text = text.replace(ch, "\\" + ch)
    return text


def number(value, digits: int = 4) -> str:
    """A metric value: integers as they are, floats to ``digits`` decimals, None/NaN as 'n/a'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int) or (hasattr(value, "dtype") and getattr(value.dtype, "kind", "") in "iu"):
        return str(int(value))
    if isinstance(value, (float,)) or hasattr(value, "dtype"):
        return f"{float(value):.{digits}f}"
    return str(value)


def setting(value) -> str:
    """A configuration value as given: floats in shortest form (0.05, 1e-05), lists comma-separated."""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(setting(v) for v in value)
    return "" if value is None else str(value)


@dataclass
class Rendered:
    """A rendered report: its text, the figure files written beside it, and notes for the user."""

    text: str
    figures: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def format_of(path: Path) -> str:
    """``markdown`` for ``.md``/``.markdown``, ``latex`` for ``.tex``; anything else is an error."""
    suffix = Path(path).suffix.lower()
    if suffix in (".md", ".markdown"):
        return "markdown"
    if suffix == ".tex":
        return "latex"
    raise ValueError(f"report file must end in .md or .tex, not {Path(path).name!r}")


class Document:
    """Collects headings, paragraphs, tables and figures; :meth:`render` gives the text."""

    def __init__(self, fmt: str, directory: Path, stem: str, *, title: str, plots: bool | None = None,
                 figure_format: str | None = None):
        if fmt not in ("markdown", "latex"):
            raise ValueError(f"report format must be markdown or latex, not {fmt!r}")
        self.fmt = fmt
        self.directory = Path(directory)
        self.stem = re.sub(r"[^A-Za-z0-9_-]", "-", stem) or "report"
        self.title = title
        self.plots = figures.have_matplotlib() if plots is None else plots
        self.figure_format = figure_format or ("svg" if fmt == "markdown" else "png")
        self.parts: list[str] = []
        self.figures: list[Path] = []
        self.notes: list[str] = []
        self._pgfplots = False
        self._graphics = False
        if not self.plots:
            how = "pgfplots" if fmt == "latex" else "tables"
            self.notes.append(f"matplotlib is not installed, so figures are drawn as {how}; "
                              f"for image figures: {figures.INSTALL_PLOTS}.")

    # -- text ------------------------------------------------------------------------------
    def heading(self, text: str, level: int = 2) -> None:
        if self.fmt == "markdown":
            self.parts.append(f"{'#' * level} {md_text(text)}\n")
        else:
            cmd = {2: "section", 3: "subsection"}.get(level, "paragraph")
            self.parts.append(f"\\{cmd}*{{{tex_text(text)}}}\n")

    def paragraph(self, text: str) -> None:
        self.parts.append((md_text(text) if self.fmt == "markdown" else tex_text(text)) + "\n")

    def table(self, header: Sequence, rows: Sequence[Sequence], *, align: str | None = None) -> None:
        """A table of plain-text cells (numbers already formatted)."""
        if self.fmt == "markdown":
            lines = ["| " + " | ".join(md_text(h) for h in header) + " |",
                     "|" + "".join("---|" if n == 0 else "--:|" for n in range(len(header)))]
            lines += ["| " + " | ".join(md_text(c) for c in row) + " |" for row in rows]
            self.parts.append("\n".join(lines) + "\n")
            return
        cols = align or ("l" + "r" * (len(header) - 1))
        lines = [" & ".join(rf"\textbf{{{tex_text(h)}}}" for h in header) + r" \\ \hline"]
        lines += [" & ".join(tex_text(c) for c in row) + r" \\" for row in rows]
        body = "\n".join(lines)
        self.parts.append(
            f"\\begin{{center}}\n\\begin{{tabular}}{{{cols}}}\n\\hline\n{body}\n\\hline\n"
            "\\end{tabular}\n\\end{center}\n"
        )

    # -- figures ---------------------------------------------------------------------------
    def _path(self, name: str) -> Path:
        return self.directory / f"{self.stem}-{name}.{self.figure_format}"

    def image(self, path: Path, caption: str, width: str = "0.8") -> None:
        self.figures.append(path)
        if self.fmt == "markdown":
            self.parts.append(f"![{md_text(caption)}]({path.name})\n")
        else:
            self._graphics = True
            self.parts.append(
                f"\\begin{{center}}\n\\includegraphics[width={width}\\linewidth]{{{path.name}}}\n\n"
                f"\\small {tex_text(caption)}\n\\end{{center}}\n"
            )

    def line_plot(self, name: str, caption: str, series: Mapping[str, Sequence[float]], *,
                  xlabel: str, ylabel: str) -> None:
        """Series against epochs 1..n: a figure, or pgfplots / a table without matplotlib."""
        series = {k: [float(v) for v in vals] for k, vals in series.items() if len(vals)}
        if not series:
            return
        if self.plots:
            self.image(figures.line_figure(series, self._path(name), xlabel=xlabel, ylabel=ylabel), caption)
        elif self.fmt == "latex":
            self._pgf_axis(caption, series, xlabel=xlabel, ylabel=ylabel, x=None)
        else:
            n = max(len(v) for v in series.values())
            rows = [[str(e + 1)] + [number(v[e]) if e < len(v) else "" for v in series.values()] for e in range(n)]
            self.paragraph(caption + ":")
            self.table([xlabel, *series], rows)

    def pr_plot(self, name: str, caption: str, precision: Sequence[float], recall: Sequence[float], *,
                average_precision: float | None = None, max_rows: int = 25) -> None:
        """A precision-recall curve: a figure, or pgfplots / a table of (sampled) points."""
        rs, ps = [float(v) for v in recall], [float(v) for v in precision]
        if not rs:
            return
        if self.plots:
            path = figures.pr_figure(ps, rs, self._path(name), average_precision=average_precision)
            self.image(path, caption, width="0.55")
        elif self.fmt == "latex":
            label = "precision" if average_precision is None else f"AP = {average_precision:.3f}"
            self._pgf_axis(caption, {label: ps}, xlabel="recall", ylabel="precision", x=rs, const=True)
        else:
            step = max(1, math.ceil(len(rs) / max_rows))
            idx = sorted(set(range(0, len(rs), step)) | {len(rs) - 1})
            self.paragraph(caption + (f" (every {step}th point)" if step > 1 else "") + ":")
            self.table(["recall", "precision"], [[number(rs[i]), number(ps[i])] for i in idx])

    def _pgf_axis(self, caption, series, *, xlabel, ylabel, x, const: bool = False) -> None:
        self._pgfplots = True
        plots = []
        for name, ys in series.items():
            xs = x if x is not None else range(1, len(ys) + 1)
            coords = " ".join(f"({float(a):.6g},{float(b):.6g})" for a, b in zip(xs, ys))
            style = "const plot, mark=none" if const else "mark=*, mark size=1pt"
            plots.append(f"\\addplot+[{style}] coordinates {{{coords}}};\n\\addlegendentry{{{tex_text(name)}}}")
        self.parts.append(
            "\\begin{center}\n\\begin{tikzpicture}\n"
            f"\\begin{{axis}}[width=0.8\\linewidth, height=6cm, xlabel={{{tex_text(xlabel)}}}, "
            f"ylabel={{{tex_text(ylabel)}}}, grid=major, legend pos=outer north east]\n"
            + "\n".join(plots)
            + f"\n\\end{{axis}}\n\\end{{tikzpicture}}\n\n\\small {tex_text(caption)}\n\\end{{center}}\n"
        )

    # -- output ----------------------------------------------------------------------------
    def render(self) -> Rendered:
        notes = [n for n in self.notes]
        if self.fmt == "markdown":
            head = [f"# {md_text(self.title)}\n"] + [f"> {n}\n" for n in notes]  # our own words, not user text
            return Rendered("\n".join(head + self.parts), list(self.figures), notes)
        preamble = [r"\documentclass[11pt]{article}", r"\usepackage[T1]{fontenc}",
                    r"\IfFileExists{lmodern.sty}{\usepackage{lmodern}}{}", r"\usepackage{amsmath}",
                    r"\usepackage[margin=2cm]{geometry}"]
        if self._graphics:
            preamble.append(r"\usepackage{graphicx}")
        if self._pgfplots:
            preamble += [r"\usepackage{pgfplots}", r"\pgfplotsset{compat=1.16}"]
        head = [f"\\title{{{tex_text(self.title)}}}", r"\date{}", r"\begin{document}", r"\maketitle"]
        head += [f"\\noindent\\textit{{{tex_text(n)}}}\n" for n in notes]
        return Rendered("\n".join(preamble + head) + "\n" + "\n".join(self.parts) + "\\end{document}\n",
                        list(self.figures), notes)


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    part.write_text(text, encoding="utf-8")
    part.replace(path)
    return path
