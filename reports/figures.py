"""Figures of training and metrics reports: matplotlib (the optional extra ``plots``) when it is
installed, else a fallback the caller chooses (pgfplots in LaTeX, a table in Markdown).

Every figure function takes plain data, writes one file (SVG, PNG or PDF, chosen by the suffix of
``path``) atomically and returns its path. matplotlib is imported inside them, and only its
object-oriented API is used (no pyplot, no global backend state).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping, Sequence
from pathlib import Path

INSTALL_PLOTS = "pip install 'derive[plots]' (matplotlib)"


def have_matplotlib() -> bool:
    """Whether matplotlib can be imported (without importing it)."""
    return importlib.util.find_spec("matplotlib") is not None


def _save(fig, path: Path) -> Path:
    import matplotlib

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = path.suffix.lstrip(".").lower()
    part = path.with_name(path.name + ".part")
    # Reproducible files: no date in the metadata, fixed SVG ids.
    metadata = {"Date": None} if fmt in ("svg", "pdf") else {}
    with matplotlib.rc_context({"svg.hashsalt": "derive", "svg.fonttype": "none"}):
        fig.savefig(part, format=fmt, dpi=150, bbox_inches="tight", metadata=metadata)
    part.replace(path)
    return path


def _figure(width: float = 6.0, height: float = 3.4):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.subplots()


def line_figure(series: Mapping[str, Sequence[float]], path: Path, *, xlabel: str, ylabel: str,
                title: str = "") -> Path:
    """One line per series against epochs ``1..len(series)``."""
    fig, ax = _figure()
    for name, values in series.items():
        ax.plot(range(1, len(values) + 1), list(values), marker="o" if len(values) <= 30 else None,
                markersize=3, label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    if len(series) > 1:
        ax.legend()
    ax.xaxis.get_major_locator().set_params(integer=True)
    return _save(fig, path)


def confusion_figure(matrix, labels: Sequence[str], path: Path) -> Path:
    """A heat map of ``matrix`` (rows: true class, columns: predicted class) with the counts."""
    import numpy as np

    m = np.asarray(matrix)
    size = max(3.0, 0.55 * len(labels) + 2.0)
    fig, ax = _figure(size, size * 0.85)
    image = ax.imshow(m, cmap="Blues")
    fig.colorbar(image, ax=ax, shrink=0.8)
    ax.set_xticks(range(len(labels)), [str(l) for l in labels], rotation=45 if len(labels) > 6 else 0)
    ax.set_yticks(range(len(labels)), [str(l) for l in labels])
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if m.size <= 400:
        high = m.max() if m.size else 0
        for (i, j), v in np.ndenumerate(m):
            ax.text(j, i, f"{v:g}", ha="center", va="center", fontsize=8,
                    color="white" if high and v > high / 2 else "black")
    return _save(fig, path)


def pr_figure(precision: Sequence[float], recall: Sequence[float], path: Path, *,
              average_precision: float | None = None) -> Path:
    """The precision-recall curve (recall on x, drawn as a step function as AP sums it)."""
    fig, ax = _figure(4.6, 4.0)
    label = None if average_precision is None else f"AP = {average_precision:.3f}"
    ax.step(list(recall), list(precision), where="post", label=label)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    if label:
        ax.legend(loc="lower left")
    return _save(fig, path)
