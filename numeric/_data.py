"""Tabular data for ``derive train``/``derive predict``: the built-in digits, CSV and NPZ files.

CSV: a header row of column names, one example per row; every column but the target must be
numeric. NPZ: either an array ``X`` ``(N, D)`` plus the target array, or one 1-D array per column.

Multilabel targets (several labels per example) are several 0/1 columns, one per label, chosen by
``target_columns``: comma-separated column names (``"sports,politics,tech"``) or a number ``K``
for the last ``K`` columns (:func:`select_target_columns`); they are read as an (N, K) int
indicator matrix. In an NPZ file a 2-D target array is such a matrix already.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np


class DataError(ValueError):
    """A data source that cannot be read or used (reported without a traceback)."""


def load_digits_data() -> tuple[np.ndarray, np.ndarray, list[str]]:
    """scikit-learn's bundled 8x8 digits, pixels scaled to [0, 1] (divided by 16)."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise DataError(
            "the built-in 'digits' data comes with scikit-learn, which is not installed; "
            "install it with pip install 'derive[sklearn]', or pass a CSV/NPZ file"
        ) from None
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y, [f"pixel_{i}" for i in range(X.shape[1])]


def _numeric_column(values: list[str], name: str, source) -> np.ndarray:
    try:
        return np.array([float(v) for v in values])
    except ValueError:
        bad = next(v for v in values if not _is_float(v))
        raise DataError(f"{source}: column {name!r} must be numeric, found {bad!r}") from None


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _labels(values: list[str]) -> np.ndarray:
    """Targets: ints if all are ints, floats if all are numbers, strings otherwise."""
    try:
        return np.array([int(v) for v in values])
    except ValueError:
        pass
    try:
        return np.array([float(v) for v in values])
    except ValueError:
        return np.array([v.strip() for v in values])


def select_target_columns(spec: str, names: list[str], source) -> list[str]:
    """The multilabel target columns named by ``spec``: comma-separated names (at least two), or
    a positive integer ``K`` for the last ``K`` of ``names`` (leaving at least one feature)."""
    text = spec.strip()
    if text.isdigit():
        k = int(text)
        if not 2 <= k < len(names):
            raise DataError(
                f"{source}: --target-columns {k} asks for the last {k} of {len(names)} columns as "
                "labels; it needs at least 2 label columns and 1 feature column"
            )
        return names[-k:]
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    if len(chosen) < 2:
        raise DataError(
            f"{source}: --target-columns needs at least two comma-separated column names (one "
            f"per label) or a number K (the last K columns), got {spec!r}; for a single target "
            "column use --target"
        )
    missing = [c for c in chosen if c not in names]
    if missing:
        raise DataError(f"{source}: no column(s) {', '.join(map(repr, missing))}; columns: {', '.join(names)}")
    repeated = sorted({c for c in chosen if chosen.count(c) > 1})
    if repeated:
        raise DataError(f"{source}: --target-columns names {', '.join(map(repr, repeated))} more than once")
    return chosen


def _indicator_column(values, name: str, source) -> np.ndarray:
    """A 0/1 label column (text or numbers) as int8; anything else is an error naming it."""
    try:
        col = np.array([float(v) for v in values])
    except ValueError:
        bad = next(v for v in values if not _is_float(v))
        raise DataError(f"{source}: label column {name!r} must hold 0/1, found {bad!r}") from None
    bad = col[(col != 0) & (col != 1)]
    if bad.size:
        raise DataError(f"{source}: label column {name!r} must hold 0/1, found {bad[0]:g}")
    return col.astype(np.int8)


def read_table(path: Path, target: str | None, target_columns: str | None = None
               ) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
    """``(X, y, feature_names)`` from a CSV or NPZ file; ``y`` is None when ``target`` and
    ``target_columns`` are None (prediction on features only). With ``target_columns`` (see
    :func:`select_target_columns`) ``y`` is the (N, K) 0/1 indicator matrix of those columns."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    if target is not None and target_columns is not None:
        raise DataError("give the target as one column (--target) or as label columns (--target-columns), not both")
    suffix = path.suffix.lower()
    if suffix == ".npz":
        return _read_npz(path, target, target_columns)
    if suffix in (".csv", ".txt"):
        return _read_csv(path, target, target_columns)
    raise DataError(f"{path}: unsupported file type {suffix!r} (use .csv or .npz)")


def _read_csv(path: Path, target: str | None, target_columns: str | None = None):
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = [r for r in csv.reader(fh) if r and any(c.strip() for c in r)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"{path}: cannot read CSV ({exc})") from None
    if len(rows) < 2:
        raise DataError(f"{path}: needs a header row and at least one data row")
    header = [h.strip() for h in rows[0]]
    for i, r in enumerate(rows[1:], start=2):
        if len(r) != len(header):
            raise DataError(f"{path}: line {i} has {len(r)} fields, the header has {len(header)}")
    columns = {h: [r[j].strip() for r in rows[1:]] for j, h in enumerate(header)}
    y = None
    if target is not None:
        if target not in columns:
            raise DataError(f"{path}: no target column {target!r}; columns: {', '.join(header)}")
        y = _labels(columns.pop(target))
    elif target_columns is not None:
        chosen = select_target_columns(target_columns, header, path)
        y = np.column_stack([_indicator_column(columns.pop(c), c, path) for c in chosen])
    names = list(columns)
    if not names:
        raise DataError(f"{path}: no feature columns besides the target")
    X = np.column_stack([_numeric_column(columns[n], n, path) for n in names])
    return X, y, names


def _read_npz(path: Path, target: str | None, target_columns: str | None = None):
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: cannot read NPZ ({exc})") from None
    with data:
        files = list(data.files)
        y = None
        if target is not None:
            if target not in files:
                raise DataError(f"{path}: no target array {target!r}; arrays: {', '.join(files)}")
            y = np.asarray(data[target])
        chosen = []
        if target_columns is not None:
            chosen = select_target_columns(target_columns, [f for f in files if f != "X"], path)
            y = np.column_stack([_indicator_column(np.asarray(data[c]).ravel(), c, path) for c in chosen])
        if "X" in files and target != "X":
            X = np.asarray(data["X"])
            names = [f"x{i}" for i in range(X.shape[1])] if X.ndim == 2 else []
        else:
            names = [f for f in files if f != target and f not in chosen]
            cols = [np.asarray(data[f]) for f in names]
            if not cols or any(c.ndim != 1 for c in cols):
                raise DataError(f"{path}: expected an array 'X' (N, D) or 1-D column arrays")
            X = np.column_stack(cols)
    if X.ndim != 2:
        raise DataError(f"{path}: X must be 2-D (examples x features), got shape {X.shape}")
    if X.dtype.kind not in "biuf":
        raise DataError(f"{path}: features must be numeric, got dtype {X.dtype}")
    if y is not None and y.shape[0] != X.shape[0]:
        raise DataError(f"{path}: target has {y.shape[0]} rows but X has {X.shape[0]}")
    return X.astype(np.float64), y, names


def train_test_split(X, y, test_size: float, seed: int):
    """A shuffled split; ``test_size`` is the fraction of examples held out (at least one)."""
    n = X.shape[0]
    n_test = int(round(test_size * n))
    if not 0 < n_test < n:
        raise DataError(f"test size {test_size} leaves no training or no test examples out of {n}")
    perm = np.random.default_rng(seed).permutation(n)
    te, tr = perm[:n_test], perm[n_test:]
    return X[tr], X[te], y[tr], y[te]
