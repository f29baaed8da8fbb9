"""Text/dict report of per-class precision, recall, F1 and support, as scikit-learn's."""

from __future__ import annotations

import numpy as np

from ._prf import prfs_from_targets
from ._targets import count_targets, resolve_labels

__all__ = ["classification_report"]

_HEADERS = ["precision", "recall", "f1-score", "support"]


def classification_report(y_true, y_pred, *, labels=None, target_names=None, sample_weight=None,
                          digits=2, output_dict=False, zero_division="warn",
                          negative_label=None):
    """Per-class rows and the micro (or accuracy), macro and weighted rows.

    Same text and dict as :func:`sklearn.metrics.classification_report` for binary/multiclass
    targets and multilabel indicator matrices (N, K). The micro row is called "accuracy" when
    every present label of a label vector is reported (then micro P = R = F1 = accuracy); with
    ``negative_label=`` (the seeds' convention) it is "micro avg". Multilabel targets have one
    row per column (label = column index) and the rows micro, macro, weighted and samples avg.
    The labels are counted once (one pass) for all rows.
    """
    targets = count_targets(y_true, y_pred, sample_weight)
    multilabel = targets.kind == "multilabel-indicator"
    labels_given = labels is not None or negative_label is not None
    labels = resolve_labels(targets, labels, negative_label)
    micro_is_accuracy = not multilabel and (
        not labels_given or set(labels.tolist()) >= set(targets.classes.tolist()))

    if target_names is not None and len(labels) != len(target_names):
        if labels_given:
            import warnings

            warnings.warn(
                f"labels size, {len(labels)}, does not match size of target_names, "
                f"{len(target_names)}",
                stacklevel=2,
            )
        else:
            raise ValueError(
                f"Number of classes, {len(labels)}, does not match size of target_names, "
                f"{len(target_names)}. Try specifying the labels parameter"
            )
    if target_names is None:
        target_names = ["%s" % lab for lab in labels]

    p, r, f1, s = prfs_from_targets(targets, labels=labels, average=None,
                                    zero_division=zero_division)
    rows = list(zip(target_names, p, r, f1, s))
    if output_dict:
        report = {name: dict(zip(_HEADERS, [float(v) for v in vals])) for name, *vals in rows}
    else:
        width = max(max(len(cn) for cn in target_names), len("weighted avg"), digits)
        head_fmt = "{:>{width}s} " + " {:>9}" * len(_HEADERS)
        report = head_fmt.format("", *_HEADERS, width=width) + "\n\n"
        row_fmt = "{:>{width}s} " + " {:>9.{digits}f}" * 3 + " {:>9}\n"
        for row in rows:
            report += row_fmt.format(*row, width=width, digits=digits)
        report += "\n"

    averages = ("micro", "macro", "weighted") + (("samples",) if multilabel else ())
    for average in averages:
        heading = "accuracy" if average == "micro" and micro_is_accuracy else average + " avg"
        ap, ar, af, _ = prfs_from_targets(targets, labels=labels, average=average,
                                          zero_division=zero_division)
        avg = [ap, ar, af, np.sum(s)]
        if output_dict:
            report[heading] = dict(zip(_HEADERS, [float(v) for v in avg]))
        elif heading == "accuracy":
            fmt = "{:>{width}s} " + " {:>9.{digits}}" * 2 + " {:>9.{digits}f}" + " {:>9}\n"
            report += fmt.format(heading, "", "", *avg[2:], width=width, digits=digits)
        else:
            report += row_fmt.format(heading, *avg, width=width, digits=digits)

    if output_dict and "accuracy" in report:
        report["accuracy"] = report["accuracy"]["precision"]
    return report
