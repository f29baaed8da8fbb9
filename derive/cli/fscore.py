"""``derive fscore``: precision, recall, F-beta and support from files of labels or scores.

Inputs are CSV or NPY files: either two files (true labels, predicted labels) or one file with
two columns (true, predicted). With ``--threshold T`` (or ``--tune``) the second file holds scores
and ``score >= T`` predicts the positive class. With ``--multilabel`` the two files are 0/1
indicator matrices (N, K), one column per label (CSV with a header of label names, or 2-D NPY),
scored per label with micro, macro, weighted and samples averages (``--threshold``: the second
file holds per-label scores). NumPy, rich and numeric are imported inside the
command so ``derive --help`` stays fast.
"""

from __future__ import annotations

import contextvars
import functools
from pathlib import Path
from typing import Optional

import typer

_HEADER_NAMES = {"y_true", "y_pred", "true", "pred", "predicted", "prediction", "gold", "label",
                 "labels", "target", "targets", "score", "scores", "y", "t"}


class InputError(ValueError):
    """Bad command-line input (reported as a clean message, exit code 1)."""


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _column(values: list[str], name: str):
    """A column of strings as an int, float or string array (ints preferred)."""
    import numpy as np

    if not values:
        raise InputError(f"{name}: no values")
    try:
        return np.array([int(v) for v in values], dtype=np.int64)
    except ValueError:
        pass
    try:
        return np.array([float(v) for v in values], dtype=np.float64)
    except ValueError:
        return np.array(values)


def _read_table(path: Path, header: Optional[bool]) -> list:
    """The columns of a CSV/NPY file, each a 1-D array."""
    return _read_named_table(path, header)[0]


def _read_named_table(path: Path, header: Optional[bool]) -> tuple[list, Optional[list[str]]]:
    """The columns of a CSV/NPY file, each a 1-D array, and the header names (None without)."""
    import numpy as np

    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.suffix.lower() == ".npy":
        try:
            arr = np.load(path, allow_pickle=False)
        except ValueError as exc:
            raise InputError(f"{path}: not a plain NPY array ({exc})") from None
        if arr.ndim == 1:
            return [arr], None
        if arr.ndim == 2:
            return [arr[:, j] for j in range(arr.shape[1])], None
        raise InputError(f"{path}: expected a 1-D or 2-D array, got shape {arr.shape}")

    import csv

    with path.open(newline="", encoding="utf-8") as fh:
        sample = fh.read(4096)
        fh.seek(0)
        delimiter = "\t" if "\t" in sample and "," not in sample else ","
        rows = [[c.strip() for c in row] for row in csv.reader(fh, delimiter=delimiter)
                if row and any(c.strip() for c in row)]
    if not rows:
        raise InputError(f"{path}: empty file")
    width = len(rows[0])
    for i, row in enumerate(rows, 1):
        if len(row) != width:
            raise InputError(f"{path}: line {i} has {len(row)} fields, expected {width}")
    if header is None:  # auto: a known column name, or a text row above numbers
        first = rows[0]
        header = any(c.lower() in _HEADER_NAMES for c in first) or (
            len(rows) > 1 and any(not _is_number(c) for c in first)
            and all(_is_number(c) for c in rows[1])
        )
    names = None
    if header:
        names, rows = rows[0], rows[1:]
    return [_column([row[j] for row in rows], f"{path} column {j + 1}") for j in range(width)], names


def _load_pair(first: Path, second: Optional[Path], header: Optional[bool]):
    a = _read_table(first, header)
    if second is None:
        if len(a) != 2:
            raise InputError(
                f"{first}: a single input file needs exactly two columns (true, predicted); "
                f"it has {len(a)}"
            )
        return a[0], a[1]
    b = _read_table(second, header)
    for path, cols in ((first, a), (second, b)):
        if len(cols) != 1:
            raise InputError(f"{path}: expected one column, found {len(cols)} (for label matrices, one "
                             "0/1 column per label, pass --multilabel)")
    return a[0], b[0]


def _as_label(text: Optional[str], like):
    """Convert a label given on the command line to the labels' type in the data."""
    if text is None:
        return None
    kind = like.dtype.kind
    try:
        if kind in "iu":
            return int(text)
        if kind == "f":
            return float(text)
    except ValueError:
        raise InputError(f"label {text!r} is not a number, but the labels in the data are") from None
    return text


def _threshold_predictions(y_true, scores, threshold, tune, pos_text, beta):
    """Turn scores into predicted labels of y_true's two classes (score >= threshold)."""
    import numpy as np

    from numeric.metrics import best_threshold
    from numeric.metrics._curves import check_binary_scores

    pos_label = _as_label(pos_text, y_true)
    classes = np.unique(y_true).tolist()
    if pos_label is None:
        if set(classes) <= {0, 1}:
            pos_label, neg_label = 1, 0
        elif set(classes) <= {-1, 1}:
            pos_label, neg_label = 1, -1
        else:
            raise InputError(
                f"true labels are {classes!r}: pass --pos-label to say which one is positive"
            )
    else:
        others = [c for c in classes if c != pos_label]
        if len(others) != 1 or len(classes) > 2:
            raise InputError(
                f"with scores, y_true must have exactly two labels, one of them --pos-label "
                f"{pos_label!r}; found {classes!r}"
            )
        neg_label = others[0]
    if scores.dtype.kind not in "iuf":
        raise InputError("with --threshold/--tune the second input must hold numeric scores")
    _, s, _ = check_binary_scores(y_true, scores, pos_label=pos_label)
    if tune:
        threshold, _ = best_threshold(y_true, s, beta=beta, pos_label=pos_label)
    y_pred = np.where(s >= threshold, pos_label, neg_label).astype(y_true.dtype)
    return y_pred, float(threshold)


def _load_indicators(first: Path, second: Optional[Path], header: Optional[bool], threshold):
    """``(T, Y, names)``: the (N, K) 0/1 matrices of two files and the label names (the CSV
    header, else ``0..K-1``); with ``threshold`` the second file holds scores, ``Y = S >= T``."""
    import numpy as np

    if second is None:
        raise InputError("--multilabel needs two files, Y_TRUE and Y_PRED, each with one 0/1 column per label")
    (t_cols, t_names), (p_cols, p_names) = (_read_named_table(f, header) for f in (first, second))
    if len(t_cols) < 2:
        raise InputError(f"{first}: --multilabel needs one column per label (at least 2), found {len(t_cols)}")
    if len(p_cols) != len(t_cols):
        raise InputError(f"{first} has {len(t_cols)} label columns but {second} has {len(p_cols)}")
    if t_names is not None and p_names is not None and t_names != p_names:
        raise InputError(f"{first} and {second} name their label columns differently: "
                         f"{', '.join(t_names)} vs {', '.join(p_names)}")
    names = t_names or p_names or [str(j) for j in range(len(t_cols))]
    matrices = []
    for path, cols, scores in ((first, t_cols, False), (second, p_cols, threshold is not None)):
        for j, c in enumerate(cols):
            if c.dtype.kind not in "iuf":
                raise InputError(f"{path}: label column {names[j]!r} must be numeric (0/1"
                                 f"{' or scores' if scores else ''})")
        m = np.column_stack(cols)
        if scores:
            if not np.isfinite(m).all():
                raise InputError(f"{path}: scores must be finite numbers")
            m = (m >= threshold).astype(np.int64)
        elif np.any((m != 0) & (m != 1)):
            hint = "; for scores pass --threshold" if path == second else ""
            raise InputError(f"{path}: --multilabel columns must hold 0/1 indicators{hint}")
        matrices.append(m.astype(np.int64))
    if matrices[0].shape[0] != matrices[1].shape[0]:
        raise InputError(f"{first} has {matrices[0].shape[0]} rows but {second} has {matrices[1].shape[0]}")
    return matrices[0], matrices[1], names


def _label_columns(text: Optional[str], names: list[str]):
    """``--labels`` of multilabel data: label (column) names -> column indices."""
    import numpy as np

    if text is None:
        return None
    chosen = [x.strip() for x in text.split(",") if x.strip()]
    unknown = [c for c in chosen if c not in names]
    if unknown or not chosen:
        raise InputError(f"--labels: unknown label(s) {', '.join(map(repr, unknown))}; the labels are "
                         f"{', '.join(names)}")
    return np.array([names.index(c) for c in chosen])


def _multilabel_scores(T, Y, names: list[str], *, beta, columns, zero_division):
    """The report of indicator matrices ``T``, ``Y`` (N, K) (one counting pass, several views):
    per label, micro, macro, weighted and samples averages, subset accuracy."""
    from numeric.metrics._accuracy import accuracy_score
    from numeric.metrics._averages import fbeta_of_averages
    from numeric.metrics._prf import prfs_from_targets
    from numeric.metrics._targets import count_targets

    targets = count_targets(T, Y)
    reported = targets.classes if columns is None else columns
    kw = dict(beta=beta, labels=reported, zero_division=zero_division)
    p, r, f, s = prfs_from_targets(targets, average=None, **kw)
    rows = {names[j]: {"precision": _nan_to_none(float(pi)), "recall": _nan_to_none(float(ri)),
                       "fscore": _nan_to_none(float(fi)), "support": int(si)}
            for j, pi, ri, fi, si in zip(reported.tolist(), p, r, f, s)}
    total = int(sum(int(x) for x in s))
    result = {"kind": "multilabel", "beta": beta, "labels": [names[j] for j in reported.tolist()],
              "negative_label": None, "per_class": rows}
    for average in ("micro", "macro", "weighted", "samples"):
        ap, ar, af, _ = prfs_from_targets(targets, average=average, **kw)
        result[average] = {"precision": _nan_to_none(ap), "recall": _nan_to_none(ar),
                           "fscore": _nan_to_none(af), "support": total}
    result["accuracy"] = accuracy_score(T, Y)
    result["macro_f_of_averages"] = _nan_to_none(fbeta_of_averages(
        T, Y, beta=beta, labels=reported, zero_division=zero_division))
    result["n_samples"] = int(targets.n_samples)
    return result


def _averages(result: dict) -> list[str]:
    return [k for k in ("micro", "macro", "weighted", "samples") if k in result]


def _nan_to_none(x):
    import math

    return None if isinstance(x, float) and math.isnan(x) else x


def _scores(y_true, y_pred, *, beta, labels, negative_label, zero_division):
    """All numbers of the report, as a JSON-ready dict (one counting pass, several views)."""
    from numeric.metrics._accuracy import accuracy_score
    from numeric.metrics._averages import fbeta_of_averages
    from numeric.metrics._prf import prfs_from_targets
    from numeric.metrics._targets import check_labels_cover, count_targets, resolve_labels

    if labels is not None:
        check_labels_cover(y_true, y_pred, labels)
    targets = count_targets(y_true, y_pred)
    reported = resolve_labels(targets, labels, negative_label)
    kw = dict(beta=beta, labels=reported, zero_division=zero_division)
    p, r, f, s = prfs_from_targets(targets, average=None, **kw)
    rows = {str(lab): {"precision": _nan_to_none(float(pi)), "recall": _nan_to_none(float(ri)),
                       "fscore": _nan_to_none(float(fi)), "support": int(si)}
            for lab, pi, ri, fi, si in zip(reported.tolist(), p, r, f, s)}
    total = int(sum(int(x) for x in s))
    averages = {}
    for average in ("micro", "macro", "weighted"):
        ap, ar, af, _ = prfs_from_targets(targets, average=average, **kw)
        averages[average] = {"precision": _nan_to_none(ap), "recall": _nan_to_none(ar),
                             "fscore": _nan_to_none(af), "support": total}
    return {
        "kind": "labels",
        "beta": beta,
        "labels": [str(x) for x in reported.tolist()],
        "negative_label": None if negative_label is None else str(negative_label),
        "per_class": rows,
        **averages,
        "accuracy": accuracy_score(y_true, y_pred),
        "macro_f_of_averages": _nan_to_none(fbeta_of_averages(
            y_true, y_pred, beta=beta, labels=reported, zero_division=zero_division)),
        "n_samples": int(targets.n_samples),
    }


def _fmt(x, digits: int) -> str:
    return "nan" if x is None else f"{x:.{digits}f}"


def _markdown(result: dict, digits: int, fname: str) -> str:
    lines = [f"| label | precision | recall | {fname} | support |", "|---|---:|---:|---:|---:|"]
    rows = list(result["per_class"].items()) + [
        (f"**{k} avg**", result[k]) for k in _averages(result)]
    for name, row in rows:
        lines.append(f"| {name} | {_fmt(row['precision'], digits)} | {_fmt(row['recall'], digits)}"
                     f" | {_fmt(row['fscore'], digits)} | {row['support']} |")
    lines.append("")
    lines.append(_summary(result, digits, fname))
    return "\n".join(lines) + "\n"


def _summary(result: dict, digits: int, fname: str) -> str:
    accuracy = "subset accuracy" if result.get("kind") == "multilabel" else "accuracy"
    parts = [f"{accuracy} {_fmt(result['accuracy'], digits)}",
             f"{fname} of macro P and R (Opitz & Burst) {_fmt(result['macro_f_of_averages'], digits)}",
             f"n = {result['n_samples']}"]
    if result["negative_label"] is not None:
        parts.append(f"negative class {result['negative_label']!r} left out of the averages")
    if result.get("threshold") is not None:
        parts.append(f"threshold {result['threshold']:.6g}")
    return "; ".join(parts)


def _print_table(result: dict, digits: int, fname: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Precision, recall and {fname} per class")
    table.add_column("label")
    for col in ("precision", "recall", fname, "support"):
        table.add_column(col, justify="right")
    for name, row in result["per_class"].items():
        table.add_row(name, _fmt(row["precision"], digits), _fmt(row["recall"], digits),
                      _fmt(row["fscore"], digits), str(row["support"]))
    table.add_section()
    for key in _averages(result):
        row = result[key]
        table.add_row(f"{key} avg", _fmt(row["precision"], digits), _fmt(row["recall"], digits),
                      _fmt(row["fscore"], digits), str(row["support"]), style="bold")
    console = Console()
    console.print(table)
    console.print(_summary(result, digits, fname))


def fscore(
    y_true_file: Optional[Path] = typer.Argument(
        None, metavar="[Y_TRUE]",
        help="CSV or NPY file of true labels; or, alone, a file with two columns (true, predicted)."),
    y_pred_file: Optional[Path] = typer.Argument(
        None, metavar="[Y_PRED]",
        help="CSV or NPY file of predicted labels (or of scores with --threshold/--tune)."),
    threshold: Optional[float] = typer.Option(
        None, "--threshold", help="Y_PRED holds scores; predict the positive class where score >= THRESHOLD."),
    tune: bool = typer.Option(
        False, "--tune", help="Y_PRED holds scores; use the threshold with the best F-beta on this data."),
    pos_label: Optional[str] = typer.Option(
        None, "--pos-label", help="Positive class for scores (default 1 when labels are 0/1 or -1/1)."),
    beta: float = typer.Option(
        1.0, "--beta", min=0.0, help="F-beta weight: recall counts BETA times as much as precision."),
    negative_label: Optional[str] = typer.Option(
        None, "--negative-label", help="The negative class, left out of the per-class rows and the averages."),
    labels: Optional[str] = typer.Option(
        None, "--labels", help="Comma-separated labels to report; data with any other label is an error."),
    zero_division: str = typer.Option(
        "0", "--zero-division", help="Value of 0/0 precision, recall or F: 0, 1 or nan."),
    header: Optional[bool] = typer.Option(
        None, "--header/--no-header", help="Whether CSV files start with a header row (default: detect)."),
    digits: int = typer.Option(4, "--digits", min=0, max=12, help="Decimal places in the table."),
    multilabel: bool = typer.Option(
        False, "--multilabel", help="Y_TRUE and Y_PRED are 0/1 matrices, one column per label (CSV with a header "
        "of label names, or 2-D NPY); adds the samples average. With --threshold Y_PRED holds per-label scores."),
    as_json: bool = typer.Option(False, "--json", help="Print the results as JSON."),
    markdown: bool = typer.Option(False, "--markdown", help="Print the results as a Markdown table."),
    report: Optional[Path] = typer.Option(
        None, "--report", help="Also write a metrics report to FILE.md or FILE.tex: tables, confusion "
        "matrix, precision-recall curve with scores (figures beside it)."),
    latex: bool = typer.Option(False, "--latex", help="Without files: the F-score derivation as LaTeX."),
    text: bool = typer.Option(False, "--text", help="Without files: the F-score derivation as plain text."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Without files: write the derivation to FILE."),
    no_steps: bool = typer.Option(False, "--no-steps", help="Without files: only assumptions and results."),
    standalone: bool = typer.Option(False, "--standalone", help="Without files, with --latex: a complete document."),
) -> None:
    """Per-class precision, recall, F-beta and support, with micro, macro and weighted averages
    (and samples for --multilabel data: several labels per example, one 0/1 column each).

    Without files, shows the F-score derivation (the 'fscore' topic) instead.
    """
    import math
    import warnings

    if report is not None and (y_true_file is None or report.suffix.lower() not in (".md", ".tex")):
        typer.echo("Error: --report needs files of labels and a FILE ending in .md or .tex", err=True)
        raise typer.Exit(2)
    if y_true_file is None:
        _show_topic(latex=latex, markdown=markdown, text=text, as_json=as_json, output=output,
                    no_steps=no_steps, standalone=standalone)
        return
    if latex or text or output is not None or no_steps or standalone:
        typer.echo("Error: --latex/--text/--output/--no-steps/--standalone are for the "
                   "derivation (no files); with files use --json or --markdown", err=True)
        raise typer.Exit(2)

    if as_json and markdown:
        typer.echo("Error: choose one of --json and --markdown", err=True)
        raise typer.Exit(2)
    if multilabel:
        given = [name for name, on in (("--tune", tune), ("--pos-label", pos_label is not None),
                                       ("--negative-label", negative_label is not None),
                                       ("--report", report is not None)) if on]
        if y_pred_file is None:
            typer.echo("Error: --multilabel needs two files, Y_TRUE and Y_PRED, each with one 0/1 column "
                       "per label", err=True)
            raise typer.Exit(2)
        if given:
            typer.echo(f"Error: {', '.join(given)} cannot be used with --multilabel (labels are columns; "
                       "per-label scores take --threshold)", err=True)
            raise typer.Exit(2)
    try:
        zd = {"0": 0.0, "0.0": 0.0, "1": 1.0, "1.0": 1.0, "nan": math.nan}[zero_division.lower()]
    except KeyError:
        typer.echo(f"Error: --zero-division must be 0, 1 or nan, got {zero_division!r}", err=True)
        raise typer.Exit(2) from None
    if multilabel:
        try:
            T, Y, names = _load_indicators(y_true_file, y_pred_file, header, threshold)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = _multilabel_scores(T, Y, names, beta=beta, columns=_label_columns(labels, names),
                                            zero_division=zd)
            result["threshold"] = threshold
        except (ValueError, OSError) as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(1) from None
        _emit(result, as_json=as_json, markdown=markdown, digits=digits, beta=beta)
        return
    try:
        import numpy as np

        y_true, y_pred = _load_pair(y_true_file, y_pred_file, header)
        used_threshold = scores = None
        if threshold is not None or tune:
            if threshold is not None and tune:
                raise InputError("choose one of --threshold and --tune")
            scores = y_pred  # kept for the report's precision-recall curve
            y_pred, used_threshold = _threshold_predictions(y_true, y_pred, threshold, tune,
                                                            pos_label, beta)
        elif pos_label is not None:
            raise InputError("--pos-label only applies to scores (with --threshold or --tune)")
        if y_true.dtype.kind in "US" and y_pred.dtype.kind in "iuf":
            y_pred = y_pred.astype(str)  # e.g. labels "1","2" read as text in one file only
        label_list = None
        if labels is not None:
            label_list = np.array([_as_label(x.strip(), y_true) for x in labels.split(",")
                                   if x.strip()])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = _scores(y_true, y_pred, beta=beta, labels=label_list,
                             negative_label=_as_label(negative_label, y_true), zero_division=zd)
        result["threshold"] = used_threshold
    except (ValueError, OSError) as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(1) from None
    if report is not None:
        from reports.metrics_report import write_scores_report

        positive = 1 if pos_label is None else _as_label(pos_label, y_true)
        inputs = {"Y_TRUE": y_true_file, "Y_PRED": y_pred_file, "beta": beta, "threshold": used_threshold,
                  "negative label": negative_label}
        try:
            write_scores_report(report, result, y_true, y_pred, scores=scores, pos_label=positive,
                                inputs={k: str(v) if isinstance(v, Path) else v for k, v in inputs.items() if v is not None})
        except (ValueError, OSError) as exc:
            typer.echo(f"Error: cannot write the report: {exc}", err=True)
            raise typer.Exit(1) from None
        typer.echo(f"wrote report {report}", err=True)

    _emit(result, as_json=as_json, markdown=markdown, digits=digits, beta=beta)


def _emit(result: dict, *, as_json: bool, markdown: bool, digits: int, beta: float) -> None:
    import json

    fname = "F1" if beta == 1 else f"F{beta:g}"
    if as_json:
        typer.echo(json.dumps(result, indent=2))
    elif markdown:
        typer.echo(_markdown(result, digits, fname), nl=False)
    else:
        _print_table(result, digits, fname)


#: The command of the 'fscore' topic (the derivation) that this command serves, per app call.
_TOPIC_COMMAND = contextvars.ContextVar("fscore_topic_command", default=None)


def _show_topic(**given) -> None:
    """Render the F-score derivation through the topic's own command."""
    import inspect

    topic_command = _TOPIC_COMMAND.get()
    if topic_command is None:
        typer.echo("Error: missing Y_TRUE (a CSV or NPY file of labels); see --help", err=True)
        raise typer.Exit(2)
    kwargs = {}
    for name, param in inspect.signature(topic_command).parameters.items():
        default = getattr(param.default, "default", param.default)
        kwargs[name] = given.get(name, default)
    topic_command(**kwargs)


def register(app: typer.Typer) -> None:
    """Add ``fscore``; a topic command of the same name (the derivation) is served by it."""
    same = [c for c in app.registered_commands if c.name == "fscore"]
    topic_command = same[-1].callback if same else None
    for c in same:
        app.registered_commands.remove(c)

    @functools.wraps(fscore)
    def command(*args, **kwargs):
        token = _TOPIC_COMMAND.set(topic_command)
        try:
            return fscore(*args, **kwargs)
        finally:
            _TOPIC_COMMAND.reset(token)

    app.command("fscore")(command)
