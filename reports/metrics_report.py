"""Metrics report (``derive fscore ... --report FILE.md|FILE.tex``): overall metrics, per-class
precision/recall/F, the confusion matrix and, for binary scores, the precision-recall curve.

Pure functions of plain data (dicts, lists, arrays); figures go beside the report, see
:mod:`reports._document`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from reports._document import Document, Rendered, format_of, number, setting, write_text


def metrics_table(doc: Document, metrics: Mapping[str, object]) -> None:
    """``metric | value`` rows; nested dicts (e.g. ``{"macro": {"precision": ...}}``) are flattened."""
    rows = []
    for name, value in metrics.items():
        if isinstance(value, Mapping):
            rows += [[f"{name} {k}", number(v)] for k, v in value.items()]
        elif isinstance(value, (list, tuple)):
            rows.append([name, ", ".join(number(v) for v in value)])
        else:
            rows.append([name, number(value)])
    doc.table(["metric", "value"], rows)


def per_class_table(doc: Document, per_class: Mapping[str, Mapping[str, object]]) -> None:
    """One row per class, one column per measure (the union of the measures, in first-seen order)."""
    columns: list[str] = []
    for measures in per_class.values():
        columns += [c for c in measures if c not in columns]
    rows = [[str(label)] + [number(measures.get(c)) for c in columns] for label, measures in per_class.items()]
    doc.table(["class", *columns], rows)


def confusion_section(doc: Document, confusion, labels: Sequence | None) -> None:
    """The confusion matrix as a table (rows: true class, columns: predicted), and as a heat map."""
    import numpy as np

    m = np.asarray(confusion)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError(f"confusion matrix must be square, got shape {m.shape}")
    names = [str(l) for l in (labels if labels is not None else range(m.shape[0]))]
    if len(names) != m.shape[0]:
        raise ValueError(f"{len(names)} labels for a {m.shape[0]}x{m.shape[0]} confusion matrix")
    doc.heading("Confusion matrix")
    doc.paragraph("Rows: true class; columns: predicted class.")
    doc.table(["true / predicted", *names], [[names[i]] + [number(v) for v in m[i]] for i in range(len(names))])
    if doc.plots:
        from reports.figures import confusion_figure

        doc.image(confusion_figure(m, names, doc._path("confusion")), "Confusion matrix", width="0.5")


def pr_section(doc: Document, pr_curve: Mapping | None) -> None:
    """``pr_curve = {"precision": [...], "recall": [...], "average_precision": float (optional)}``."""
    if not pr_curve:
        return
    if len(pr_curve["precision"]) != len(pr_curve["recall"]):
        raise ValueError("precision and recall of the PR curve differ in length")
    ap = pr_curve.get("average_precision")
    doc.heading("Precision-recall curve")
    if ap is not None:
        doc.paragraph(f"Average precision: {number(ap)}.")
    doc.pr_plot("pr-curve", "Precision against recall over all thresholds", pr_curve["precision"],
                pr_curve["recall"], average_precision=None if ap is None else float(ap))


def render_metrics_report(
    fmt: str,
    directory: Path,
    stem: str,
    *,
    metrics: Mapping[str, object],
    per_class: Mapping[str, Mapping[str, object]] | None = None,
    confusion=None,
    labels: Sequence | None = None,
    pr_curve: Mapping | None = None,
    inputs: Mapping[str, object] | None = None,
    title: str = "Metrics report",
    plots: bool | None = None,
) -> Rendered:
    """The report as ``fmt`` (``markdown`` or ``latex``); figures are written to ``directory``.

    ``metrics``: overall values (accuracy, micro/macro/weighted P/R/F, ...); ``per_class``:
    ``{label: {"precision", "recall", "fscore", "support"}}``; ``confusion``: a K x K array;
    ``inputs``: what was scored (files, beta, threshold); ``plots=None`` uses matplotlib if installed.
    """
    doc = Document(fmt, directory, stem, title=title, plots=plots)
    if inputs:
        doc.heading("Inputs")
        doc.table(["setting", "value"], [[k, setting(v)] for k, v in inputs.items()])
    doc.heading("Metrics")
    metrics_table(doc, metrics)
    if per_class:
        doc.heading("Per class")
        per_class_table(doc, per_class)
    if confusion is not None:
        confusion_section(doc, confusion, labels)
    pr_section(doc, pr_curve)
    return doc.render()


def write_metrics_report(path: Path, **data) -> Rendered:
    """Render to ``path`` (``.md`` or ``.tex`` picks the format), figures beside it; see
    :func:`render_metrics_report` for ``data``."""
    path = Path(path)
    rendered = render_metrics_report(format_of(path), path.parent, path.stem, **data)
    write_text(path, rendered.text)
    return rendered


def pr_curve_data(y_true, scores, *, pos_label=1) -> dict:
    """``{"precision", "recall", "average_precision"}`` of binary ``scores`` (numeric.metrics)."""
    from numeric.metrics import average_precision_score, precision_recall_curve

    precision, recall, _ = precision_recall_curve(y_true, scores, pos_label=pos_label)
    ap = average_precision_score(y_true, scores, pos_label=pos_label)
    return {"precision": [float(p) for p in precision], "recall": [float(r) for r in recall],
            "average_precision": float(ap)}


def write_scores_report(path: Path, result: Mapping, y_true, y_pred, *, scores=None, pos_label=None,
                        inputs: Mapping[str, object] | None = None, plots: bool | None = None) -> Rendered:
    """The report of ``derive fscore``: ``result`` is its JSON dict (``per_class``, ``micro``,
    ``macro``, ``weighted``, ``accuracy``, ...); the confusion matrix is counted from the labels and,
    with binary ``scores``, the precision-recall curve drawn for ``pos_label`` (default 1)."""
    import numpy as np

    from numeric.metrics import confusion_matrix

    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    labels = np.unique(np.concatenate([y_true, y_pred]))
    metrics = {"accuracy": result.get("accuracy")}
    for key in ("micro", "macro", "weighted"):
        if key in result:
            metrics[key] = {k: v for k, v in result[key].items() if k != "support"}
    for key in ("macro_f_of_averages", "threshold", "n_samples"):
        if result.get(key) is not None:
            metrics[key] = result[key]
    pr = None
    if scores is not None:
        pr = pr_curve_data(y_true, np.asarray(scores, dtype=float), pos_label=1 if pos_label is None else pos_label)
    return write_metrics_report(
        path, metrics=metrics, per_class=result.get("per_class"), inputs=inputs, plots=plots,
        confusion=confusion_matrix(y_true, y_pred, labels=labels), labels=[str(l) for l in labels], pr_curve=pr,
    )
