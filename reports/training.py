"""Training report (``derive train ... --report FILE.md|FILE.tex``): the configuration, loss and
accuracy per epoch as figures, the final metrics, the confusion matrix and, for binary tasks,
the precision-recall curve.

Pure functions of plain data; figures go beside the report (matplotlib, the extra ``plots``), or
pgfplots / tables without it, see :mod:`reports._document`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from reports._document import Document, Rendered, format_of, number, setting, write_text
from reports.metrics_report import confusion_section, metrics_table, pr_section

Series = Mapping[str, Sequence[float]] | Sequence[float]


def _series(values: Series | None, default: str = "train") -> dict[str, list[float]]:
    """``[...]`` -> ``{"train": [...]}``; a mapping (``{"train": ..., "dev": ...}``) as it is."""
    if values is None:
        return {}
    if isinstance(values, Mapping):
        return {str(k): [float(v) for v in vals] for k, vals in values.items()}
    return {default: [float(v) for v in values]}


def render_training_report(
    fmt: str,
    directory: Path,
    stem: str,
    *,
    config: Mapping[str, object],
    loss: Series,
    accuracy: Series | None = None,
    metrics: Mapping[str, object] | None = None,
    confusion=None,
    labels: Sequence | None = None,
    pr_curve: Mapping | None = None,
    title: str = "Training report",
    plots: bool | None = None,
) -> Rendered:
    """The report as ``fmt`` (``markdown`` or ``latex``); figures are written to ``directory``.

    ``loss``/``accuracy``: per-epoch values, a list or ``{"train": [...], "dev": [...]}``;
    ``metrics``: final values; ``confusion``: K x K counts (rows true); ``pr_curve``:
    ``{"precision", "recall", "average_precision"}`` for a binary task.
    """
    doc = Document(fmt, directory, stem, title=title, plots=plots)
    doc.heading("Configuration")
    doc.table(["setting", "value"], [[k, setting(v)] for k, v in config.items()])
    losses, accuracies = _series(loss), _series(accuracy)
    epochs = max((len(v) for v in losses.values()), default=0)
    doc.heading("Loss per epoch")
    doc.paragraph(f"{epochs} epoch(s); final " + ", ".join(f"{k} loss {number(v[-1])}" for k, v in losses.items() if v) + ".")
    doc.line_plot("loss", "Loss per epoch", losses, xlabel="epoch", ylabel="loss")
    if accuracies:
        doc.heading("Accuracy per epoch")
        doc.line_plot("accuracy", "Accuracy per epoch", accuracies, xlabel="epoch", ylabel="accuracy")
    if metrics:
        doc.heading("Final metrics")
        metrics_table(doc, metrics)
    if confusion is not None:
        confusion_section(doc, confusion, labels)
    pr_section(doc, pr_curve)
    return doc.render()


def write_training_report(path: Path, **data) -> Rendered:
    """Render to ``path`` (``.md`` or ``.tex`` picks the format), figures beside it; see
    :func:`render_training_report` for ``data``."""
    path = Path(path)
    rendered = render_training_report(format_of(path), path.parent, path.stem, **data)
    write_text(path, rendered.text)
    return rendered
