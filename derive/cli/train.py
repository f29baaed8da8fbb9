"""``derive train`` and ``derive predict``: MLPs and GLMs on the generated kernels.

``derive train`` fits a model on the built-in ``digits`` data (scikit-learn's bundled copy,
pixels / 16) or on a CSV/NPZ file with a named target column (or, for multilabel data, several 0/1
label columns: ``--target-columns``), shows a progress bar per epoch (loss, accuracy), prints test
metrics and can ``--save`` the model; ``derive predict`` loads it.
NumPy, rich and numeric are imported inside the commands so ``derive --help`` stays fast.
"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Optional

import typer


class Model(str, Enum):
    mlp = "mlp"
    mlp_regressor = "mlp-regressor"
    mlp_poisson = "mlp-poisson"
    logistic = "logistic"
    softmax = "softmax"
    linear = "linear"
    poisson = "poisson"


class Activation(str, Enum):
    relu = "relu"
    tanh = "tanh"
    logistic = "logistic"
    identity = "identity"


def _fail(message: str, code: int = 1):
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


def _hidden(text: str) -> tuple[int, ...]:
    text = text.strip()
    if text in ("", "none", "0"):
        return ()
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise typer.BadParameter(f"--hidden must be comma-separated positive ints like 100 or 64,32, got {text!r}")
    if any(s <= 0 for s in sizes):
        raise typer.BadParameter(f"--hidden sizes must be positive, got {text!r}")
    return sizes


def _build(model: Model, hidden, activation: str, common: dict):
    import numeric

    if model in (Model.mlp, Model.mlp_regressor, Model.mlp_poisson):
        # the lecture's SGD: no momentum (scikit-learn's MLP default is 0.9)
        mlp = dict(hidden_layer_sizes=hidden, activation=activation, momentum=0.0, **common)
        if model is Model.mlp:
            return numeric.MLPClassifier(**mlp)
        return numeric.MLPRegressor(loss="poisson" if model is Model.mlp_poisson else "squared_error", **mlp)
    common = {k: v for k, v in common.items() if k != "dropout"}
    cls = {Model.logistic: numeric.LogisticRegression, Model.softmax: numeric.SoftmaxRegression,
           Model.linear: numeric.LinearRegression, Model.poisson: numeric.PoissonRegression}[model]
    return cls(**common)


#: Models that take multilabel indicator targets (one sigmoid per label).
MULTILABEL_MODELS = (Model.mlp, Model.logistic)

TARGET_COLUMNS_HELP = ("Multilabel target: the 0/1 label columns, one per label, as comma-separated names "
                       "(e.g. sports,politics,tech) or a number K for the last K columns. Instead of --target.")


def _check_target_columns(spec: Optional[str]) -> None:
    """The form of --target-columns (usage error): a number K >= 2 or at least two names."""
    if spec is None:
        return
    text = spec.strip()
    if text.isdigit() and int(text) >= 2:
        return
    if not text.isdigit() and len([c for c in text.split(",") if c.strip()]) >= 2:
        return
    raise typer.BadParameter(
        f"expected at least two comma-separated label column names (e.g. sports,politics) or a number "
        f"K >= 2 for the last K columns, got {spec!r}; for a single target column use --target",
        param_hint="--target-columns")


def _load(data: str, target: Optional[str], *, need_target: bool, target_columns: Optional[str] = None):
    from numeric._data import load_digits_data, read_table

    _check_target_columns(target_columns)
    if target is not None and target_columns is not None:
        raise typer.BadParameter("give --target (one label column) or --target-columns (multilabel), not both",
                                 param_hint="--target-columns")
    if data == "digits":
        if target_columns is not None:
            raise typer.BadParameter("the built-in digits have one label per example; --target-columns needs "
                                     "a CSV/NPZ file", param_hint="--target-columns")
        return load_digits_data()
    if need_target and target is None and target_columns is None:
        raise typer.BadParameter("--target COLUMN (or, multilabel, --target-columns COLUMNS) is required with "
                                 "a CSV/NPZ file", param_hint="--target")
    return read_table(Path(data), target, target_columns)


def _label_names(data: str, target_columns: Optional[str], k: int) -> list[str]:
    """The names of the K label columns (header names for CSV, array names for NPZ)."""
    from numeric._data import select_target_columns

    if target_columns is None:
        return [str(i) for i in range(k)]
    text = target_columns.strip()
    if not text.isdigit():
        return [c.strip() for c in text.split(",") if c.strip()]
    import csv

    path = Path(data)
    if path.suffix.lower() == ".npz":
        import numpy as np

        with np.load(path, allow_pickle=False) as npz:
            names = [f for f in npz.files if f != "X"]
    else:
        with path.open(newline="", encoding="utf-8") as fh:
            names = [h.strip() for h in next(csv.reader(fh))]
    return select_target_columns(text, names, path)


def _multilabel_metrics(y_true, y_pred) -> dict:
    """Subset accuracy and micro/macro/samples F1 of indicator matrices (numeric.metrics)."""
    from numeric.metrics import accuracy_score, f1_score

    out = {"test_subset_accuracy": float(accuracy_score(y_true, y_pred))}
    for average in ("micro", "macro", "samples"):
        out[f"test_{average}_f1"] = float(f1_score(y_true, y_pred, average=average, zero_division=0.0))
    return out


def train(
    data: str = typer.Argument("digits", help="'digits' (built in, needs scikit-learn) or a .csv/.npz file."),
    target: Optional[str] = typer.Option(None, "--target", "-t", help="Name of the target column (CSV header or NPZ array)."),
    target_columns: Optional[str] = typer.Option(None, "--target-columns", help=TARGET_COLUMNS_HELP),
    model: Model = typer.Option(Model.mlp, "--model", "-m", help="Estimator: an MLP or one of the GLMs."),
    hidden: str = typer.Option("100", "--hidden", help="Hidden layer sizes, comma-separated (MLPs only), e.g. 64,32."),
    activation: Activation = typer.Option(Activation.relu, "--activation", help="Hidden activation (MLPs only)."),
    lr: float = typer.Option(0.1, "--lr", help="SGD learning rate (learning_rate_init)."),
    batch_size: int = typer.Option(10, "--batch-size", "-b", help="Minibatch size."),
    epochs: int = typer.Option(10, "--epochs", "-e", help="Maximum number of epochs (max_iter)."),
    alpha: float = typer.Option(0.0, "--alpha", help="L2 strength alpha (penalty alpha/(2N) sum ||W||^2)."),
    dropout: float = typer.Option(0.0, "--dropout", help="Dropout probability of hidden units (MLPs only)."),
    early_stopping: bool = typer.Option(False, "--early-stopping", help="Hold out 10% of the training data; stop when its score stalls."),
    patience: int = typer.Option(10, "--patience", help="Epochs without improvement before stopping (n_iter_no_change)."),
    test_size: float = typer.Option(0.5, "--test-size", help="Fraction of the examples held out for testing."),
    seed: int = typer.Option(42, "--seed", help="Seed of the split, the initialisation and the shuffling."),
    save: Optional[Path] = typer.Option(None, "--save", help="Store the trained model in FILE.npz (for derive predict)."),
    report: Optional[Path] = typer.Option(None, "--report", help="Write a training report to FILE.md or FILE.tex (figures beside it)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    as_json: bool = typer.Option(False, "--json", help="Print the results as JSON."),
) -> None:
    """Train an MLP or GLM by minibatch SGD; print test accuracy and macro F1 (or R^2).

    Multilabel data (--target-columns, or a 2-D target array in an NPZ file): one sigmoid per
    label (--model mlp or logistic); prints subset accuracy and micro, macro and samples F1.

    Ctrl-C ends training early and keeps the model of the last finished epoch: it is still
    evaluated, saved with --save and reported.
    """
    import warnings

    import numpy as np

    import numeric
    from numeric._data import DataError, train_test_split

    sizes = _hidden(hidden)
    if save is not None and save.suffix != ".npz":
        raise typer.BadParameter("the model file must end in .npz", param_hint="--save")
    if report is not None and report.suffix not in (".md", ".tex"):
        raise typer.BadParameter("the report must end in .md or .tex", param_hint="--report")
    try:
        X, y, _names = _load(data, target, need_target=True, target_columns=target_columns)
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size, seed)
    except DataError as exc:
        _fail(str(exc))
    multilabel = y.ndim == 2 and y.shape[1] > 1
    if multilabel and model not in MULTILABEL_MODELS:
        raise typer.BadParameter(
            f"multilabel targets ({y.shape[1]} label columns) need a model with one sigmoid per label: "
            f"{' or '.join(m.value for m in MULTILABEL_MODELS)}, not {model.value}", param_hint="--model")
    # the lecture's minibatch SGD with a constant step, spelled out: the estimators' defaults are
    # scikit-learn's (adam for the MLPs, L-BFGS for the GLMs)
    common = dict(solver="sgd", learning_rate="constant", alpha=alpha, batch_size=batch_size, learning_rate_init=lr,
                  max_iter=epochs, random_state=seed,
                  early_stopping=early_stopping, n_iter_no_change=patience, dropout=dropout)
    est = _build(model, sizes, activation.value, common)
    classifier = getattr(est, "_estimator_type", "") == "classifier"
    score_name = "subset accuracy" if multilabel else "accuracy" if classifier else ("D^2" if est.__class__.__name__.startswith("Poisson") or model is Model.mlp_poisson else "R^2")

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    progress = Progress(TextColumn("epoch"), MofNCompleteColumn(), BarColumn(), TextColumn("{task.fields[info]}"),
                        TimeElapsedColumn(), console=console, disable=quiet, transient=False)
    try:
        with progress, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            warnings.simplefilter("ignore", numeric.ConvergenceWarning)
            task = progress.add_task("train", total=epochs, info="")
            history = []

            def on_epoch(info):
                history.append(dict(info))
                progress.update(task, completed=info["epoch"],
                                info=f"loss {info['loss']:.4f}  train {score_name} {info['train_score']:.4f}")

            est.fit(X_tr, y_tr, callback=on_epoch)
    except numeric.TrainingDivergedError as exc:
        _fail(str(exc))
    except ValueError as exc:
        _fail(str(exc))
    for warning in caught:  # e.g. Ctrl-C: training ended early, the model of the last epoch is used
        typer.echo(f"Warning: {warning.message}", err=True)

    results = {"model": type(est).__name__, "epochs": int(est.n_iter_), "train_loss": float(est.loss_curve_[-1]),
               "n_train": int(len(y_tr)), "n_test": int(len(y_te))}
    if multilabel:
        pred = est.predict(X_te)
        results["labels"] = _label_names(data, target_columns, y.shape[1])
        results.update(_multilabel_metrics(y_te, pred))
    elif classifier:
        from numeric.metrics import accuracy_score, f1_score

        pred = est.predict(X_te)
        results["test_accuracy"] = float(accuracy_score(y_te, pred))
        results["test_macro_f1"] = float(f1_score(y_te, pred, average="macro", zero_division=0.0))
    else:
        pred = est.predict(X_te)
        results[f"test_{score_name.replace('^', '')}"] = float(est.score(X_te, y_te))
        results["test_mse"] = float(np.mean((np.asarray(y_te, dtype=float) - pred) ** 2))
    if save is not None:
        save.parent.mkdir(parents=True, exist_ok=True)
        if multilabel:  # the label columns' names, for the header of derive predict --proba
            est.label_names_ = list(results["labels"])
        numeric.save_model(est, save)
        results["saved"] = str(save)
    if report is not None:
        from reports.training import write_fit_report

        single = classifier and not multilabel  # multilabel: no K x K confusion matrix, no PR curve
        scores = est.predict_proba(X_te)[:, 1] if single and len(est.classes_) == 2 else None
        config = {"data": data, "model": type(est).__name__, **{k: v for k, v in est.get_params().items()
                                                                  if k not in ("verbose",)}}
        report.parent.mkdir(parents=True, exist_ok=True)
        write_fit_report(report, config=config, history=history,
                         metrics={k: v for k, v in results.items() if k.startswith("test_")},
                         y_true=y_te if single else None, y_pred=pred if single else None,
                         scores=scores, score_name=score_name)
        results["report"] = str(report)
    if as_json:
        typer.echo(json.dumps(results, indent=2))
        return
    lines = [f"{results['model']}: {results['epochs']} epochs, final training loss {results['train_loss']:.4f}"]
    if multilabel:
        lines.append(f"multilabel: {len(results['labels'])} labels ({', '.join(results['labels'])})")
    for key, value in results.items():
        if key.startswith("test_"):
            lines.append(f"{key.replace('test_', 'test ').replace('_', ' ')}: {value:.4f}")
    if save is not None:
        lines.append(f"saved model to {save}")
    if report is not None:
        lines.append(f"wrote report {report}")
    typer.echo("\n".join(lines))


def predict(
    model_file: Path = typer.Argument(..., help="A model saved by 'derive train --save FILE.npz'."),
    data: str = typer.Argument(..., help="'digits' or a .csv/.npz file with the same feature columns."),
    target: Optional[str] = typer.Option(None, "--target", "-t", help="Target column to leave out (and score against)."),
    target_columns: Optional[str] = typer.Option(
        None, "--target-columns", help="Multilabel label columns to leave out (and score against); as for train."),
    proba: bool = typer.Option(False, "--proba", help="Print class probabilities instead of labels (classifiers)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write predictions to FILE instead of stdout."),
) -> None:
    """Predict with a saved model: one prediction per line (CSV with --proba).

    A multilabel model prints one line of 0/1 per example (one value per label, comma-separated).
    """
    import numeric
    from numeric._data import DataError

    from derive.cli.topics import emit

    try:
        est = numeric.load_model(model_file)
    except (ValueError, OSError) as exc:
        _fail(str(exc))
    try:
        X, y, _ = _load(data, target, need_target=False, target_columns=target_columns)
        if proba:
            if not hasattr(est, "predict_proba"):
                raise typer.BadParameter(f"{type(est).__name__} has no class probabilities", param_hint="--proba")
            P = est.predict_proba(X)
            header = getattr(est, "label_names_", None) or [str(c) for c in est.classes_]
            lines = [",".join(header)] + [",".join(f"{p:.6g}" for p in row) for row in P]
        else:
            pred = est.predict(X)
            if pred.ndim == 2:  # multilabel indicators
                lines = [",".join(str(v) for v in row) for row in pred.tolist()]
            else:
                lines = [str(v) if not isinstance(v, float) else f"{v:.6g}" for v in pred.tolist()]
    except (DataError, ValueError) as exc:
        _fail(str(exc))
    if y is not None and (target is not None or target_columns is not None):
        try:
            score = est.score(X, y)
        except ValueError as exc:
            _fail(str(exc))
        typer.echo(f"score on {len(y)} examples: {score:.4f}", err=True)
    emit("\n".join(lines) + "\n", output)


def register(app: typer.Typer) -> None:
    app.command("train")(train)
    app.command("predict")(predict)
