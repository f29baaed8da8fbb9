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
    score_name: str = "accuracy",
) -> Rendered:
    """The report as ``fmt`` (``markdown`` or ``latex``); figures are written to ``directory``.

    ``loss``/``accuracy``: per-epoch values, a list or ``{"train": [...], "dev": [...]}``;
    ``metrics``: final values; ``confusion``: K x K counts (rows true); ``pr_curve``:
    ``{"precision", "recall", "average_precision"}`` for a binary task; ``score_name`` names the
    per-epoch score (accuracy, or R^2 for a regressor).
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
        heading = f"{score_name[:1].upper()}{score_name[1:]} per epoch"
        doc.heading(heading)
        doc.line_plot("accuracy", heading, accuracies, xlabel="epoch", ylabel=score_name)
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


def write_fit_report(path: Path, *, config: Mapping[str, object], history: Sequence[Mapping[str, object]],
                     metrics: Mapping[str, object], y_true=None, y_pred=None, scores=None, pos_label=None,
                     score_name: str = "accuracy", plots: bool | None = None) -> Rendered:
    """The report of ``derive train``: ``history`` is the per-epoch ``callback(info)`` dicts of
    numeric's SGD (``{"epoch", "loss", "train_score", "validation_score"}``); with test labels
    ``y_true``/``y_pred`` of a classifier the confusion matrix is counted, and with binary
    ``scores`` (probability of ``pos_label``) the precision-recall curve drawn."""
    import numpy as np

    loss = {"train": [float(h["loss"]) for h in history]}
    accuracy: dict[str, list[float]] = {"train": [float(h["train_score"]) for h in history
                                                  if h.get("train_score") is not None]}
    validation = [float(h["validation_score"]) for h in history if h.get("validation_score") is not None]
    if validation:
        accuracy["validation"] = validation
    confusion = labels = pr = None
    if y_true is not None and y_pred is not None:
        from numeric.metrics import confusion_matrix

        y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
        classes = np.unique(np.concatenate([y_true, y_pred]))
        confusion, labels = confusion_matrix(y_true, y_pred, labels=classes), [str(c) for c in classes]
        if scores is not None and len(classes) <= 2:
            from reports.metrics_report import pr_curve_data

            positive = classes[-1] if pos_label is None else pos_label
            pr = pr_curve_data(y_true, np.asarray(scores, dtype=float), pos_label=positive)
    path = Path(path)
    doc_fmt = format_of(path)
    rendered = render_training_report(
        doc_fmt, path.parent, path.stem, config=config, loss=loss,
        accuracy={k: v for k, v in accuracy.items() if v} or None, metrics=metrics,
        confusion=confusion, labels=labels, pr_curve=pr, plots=plots, score_name=score_name,
    )
    write_text(path, rendered.text)
    return rendered
