r"""The one validation path for label metrics: check ``y_true``/``y_pred`` and count them.

:func:`count_targets` detects the target type (scikit-learn's ``type_of_target``: binary,
multiclass or multilabel indicator, :func:`target_type`), validates the pair (and sample weights)
and counts it. Label vectors (N,) are counted into the confusion matrix over the labels present in
either vector, in one pass (:class:`Targets`):

.. math::

    C_{ij} = \sum_{n=1}^{N} w_n \,[t_n = c_i]\,[y_n = c_j], \qquad
    \text{code}_n = K\,\text{idx}(t_n) + \text{idx}(y_n), \quad
    C = \operatorname{bincount}(\text{code}, \text{minlength}=K^2).reshape(K, K).

Non-negative small integer labels (the usual case) are used as indices directly (no sort, no
``np.unique``); anything else (strings, floats with integral values, sparse integers) is encoded
with ``np.unique``. Memory beyond the inputs is one int vector of codes and :math:`O(K^2)`.
Every other per-class count is read off :math:`C`: :math:`TP = \operatorname{diag} C`,
support (true count) :math:`= C \mathbf{1}`, predicted count :math:`= \mathbf{1}^T C`.

Multilabel indicator matrices :math:`T, Y \in \{0, 1\}^{N \times K}` (any non-zero entry counts
as 1, as in scikit-learn) are counted per label (column) and, for ``average="samples"``, per sample
(row) (:class:`MultilabelTargets`):

.. math::

    TP_k = \sum_n w_n T_{nk} Y_{nk}, \quad \text{pred}_k = \sum_n w_n Y_{nk}, \quad
    \text{true}_k = \sum_n w_n T_{nk}; \qquad
    TP_n = w_n \sum_k T_{nk} Y_{nk}, \ \ldots
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

__all__ = [
    "MultilabelTargets",
    "ScoredTargets",
    "Targets",
    "check_scored_targets",
    "count_targets",
    "check_sample_weight",
    "check_zero_division",
    "label_positions",
    "resolve_labels",
    "as_1d",
    "check_labels_cover",
    "check_multilabel_labels",
    "one_hot",
    "target_type",
]

#: Largest dense code space (span of integer labels squared) counted directly with bincount.
_MAX_DENSE = 1 << 22
#: Largest number of classes for which the K x K matrix is built.
_MAX_CLASSES = 20_000
#: Rows per block when weighted indicator counts are formed (bounds the float copy to ~8 MB).
_WEIGHT_BLOCK_ELEMENTS = 1 << 20


@dataclass(frozen=True)
class Targets:
    """Validated targets: ``classes`` (K,) sorted labels present in ``y_true`` or ``y_pred``;
    ``cm`` (K, K) (weighted) confusion counts, rows true, columns predicted; ``kind`` is
    ``"binary"`` (K <= 2) or ``"multiclass"``; ``n_samples`` the input length; ``in_true`` (K,)
    whether each class occurs in ``y_true``."""

    classes: np.ndarray
    cm: np.ndarray
    kind: str
    n_samples: int
    in_true: np.ndarray  # (K,) bool: the class occurs in y_true (whatever its weight)

    @property
    def tp(self) -> np.ndarray:
        return np.diagonal(self.cm)

    @property
    def true_sum(self) -> np.ndarray:
        return self.cm.sum(axis=1)

    @property
    def pred_sum(self) -> np.ndarray:
        return self.cm.sum(axis=0)


@dataclass(frozen=True)
class MultilabelTargets:
    r"""Validated multilabel indicator targets: ``true``, ``pred`` (N, K) bool (an entry is a
    positive where the input is non-zero); ``sample_weight`` (N,) or ``None``.

    ``tp``, ``pred_sum``, ``true_sum`` (K,) are the (weighted) per-label counts, computed on first
    use; :meth:`samplewise_counts` gives the per-sample counts of ``average="samples"``. Counts are
    ints without weights and floats with them. The "labels" are the column indices ``0..K-1``.
    """

    true: np.ndarray
    pred: np.ndarray
    sample_weight: np.ndarray | None

    kind = "multilabel-indicator"

    @property
    def n_samples(self) -> int:
        return self.true.shape[0]

    @property
    def classes(self) -> np.ndarray:
        return np.arange(self.true.shape[1])

    @cached_property
    def _both(self) -> np.ndarray:
        return self.true & self.pred

    @cached_property
    def tp(self) -> np.ndarray:
        return _column_counts(self._both, self.sample_weight)

    @cached_property
    def pred_sum(self) -> np.ndarray:
        return _column_counts(self.pred, self.sample_weight)

    @cached_property
    def true_sum(self) -> np.ndarray:
        return _column_counts(self.true, self.sample_weight)

    def samplewise_counts(self, columns: np.ndarray | None = None):
        """``tp``, ``pred_sum``, ``true_sum`` (N,) per sample over ``columns`` (default all),
        each multiplied by the sample's weight."""
        out = []
        for m in (self._both, self.pred, self.true):
            if columns is not None:
                m = m[:, columns]
            c = np.count_nonzero(m, axis=1)
            out.append(c if self.sample_weight is None else c * self.sample_weight)
        return tuple(out)


def _column_counts(m: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    r""":math:`\sum_n w_n m_{nk}` (K,) of a bool matrix ``m`` (N, K); ints when ``w`` is None."""
    if w is None:
        return np.count_nonzero(m, axis=0)
    w = w.astype(np.float64, copy=False)
    rows = max(1, _WEIGHT_BLOCK_ELEMENTS // max(1, m.shape[1]))
    out = np.zeros(m.shape[1])
    for start in range(0, m.shape[0], rows):
        out += w[start:start + rows] @ m[start:start + rows].astype(np.float64)
    return out


def as_1d(y, name: str) -> np.ndarray:
    """``y`` as a 1-D array; a column vector (N, 1) is flattened; anything else is an error."""
    a = np.asarray(y)
    if a.ndim == 2 and a.shape[1] == 1:
        a = a.ravel()
    if a.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D array of labels, got shape {a.shape} "
            "(multilabel/multioutput targets are not supported)"
        )
    return a


def _check_labels_vector(a: np.ndarray, name: str) -> np.ndarray:
    """Labels must be integers, integral floats, bools or strings; no NaN, no mixed types."""
    kind = a.dtype.kind
    if kind == "O":
        values = a.tolist()
        if all(isinstance(v, str) for v in values):
            return a.astype(str)
        if any(isinstance(v, str) for v in values):
            raise ValueError(f"{name} mixes string and number labels")
        try:
            a = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{name} holds labels that are neither strings nor numbers") from None
        kind = "f"
    if kind == "c":
        raise ValueError(f"{name} holds complex numbers, which are not class labels")
    if kind == "f":
        if not np.isfinite(a).all():
            raise ValueError(f"{name} contains NaN or infinity; labels must be finite")
        if a.size and not np.array_equal(a, np.floor(a)):
            raise ValueError(
                f"{name} holds non-integral floats (continuous values, not class labels); "
                "threshold scores first"
            )
    if kind not in "biufUS":
        raise ValueError(f"{name} has unsupported dtype {a.dtype}")
    return a


def check_sample_weight(sample_weight, n: int) -> np.ndarray | None:
    """``None`` or a finite 1-D float/int array of length ``n``, not all zero."""
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight)
    if w.ndim != 1 or w.shape[0] != n:
        raise ValueError(f"sample_weight has shape {w.shape}, expected ({n},)")
    if w.dtype.kind not in "biuf":
        raise ValueError(f"sample_weight must be numeric, got dtype {w.dtype}")
    if w.dtype.kind == "f" and not np.isfinite(w).all():
        raise ValueError("sample_weight contains NaN or infinity")
    if not w.any():
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return w


def check_zero_division(zero_division) -> float:
    """``"warn"`` -> 0.0; 0, 1 -> themselves; NaN -> NaN; anything else is an error."""
    if isinstance(zero_division, str):
        if zero_division == "warn":
            return 0.0
        if zero_division == "nan":
            return math.nan
    elif isinstance(zero_division, (int, float, np.integer, np.floating)) and not isinstance(
        zero_division, bool
    ):
        if math.isnan(zero_division):
            return math.nan
        if zero_division in (0, 1):
            return float(zero_division)
    raise ValueError(
        f"zero_division must be 'warn', 0.0, 1.0 or np.nan, got {zero_division!r}"
    )


def _kind_group(a: np.ndarray) -> str:
    return "str" if a.dtype.kind in "US" else "num"


def _is_multicolumn(a: np.ndarray) -> bool:
    return a.ndim == 2 and a.shape[1] > 1


def count_targets(y_true, y_pred, sample_weight=None) -> Targets | MultilabelTargets:
    """Validate ``y_true``/``y_pred`` and count them: label vectors (N,) (or column vectors
    (N, 1)) into a :class:`Targets`, multilabel indicator matrices (N, K) into a
    :class:`MultilabelTargets`.

    Raises ``ValueError`` for different lengths, empty input, NaN or non-integral float labels,
    string labels mixed with numbers, a label vector paired with an indicator matrix, indicator
    matrices of different widths, and 2-D targets that are not indicators (multiclass-multioutput).
    """
    t_arr, p_arr = np.asarray(y_true), np.asarray(y_pred)
    if _is_multicolumn(t_arr) or _is_multicolumn(p_arr):
        return _count_multilabel(t_arr, p_arr, sample_weight)
    t = _check_labels_vector(as_1d(t_arr, "y_true"), "y_true")
    p = _check_labels_vector(as_1d(p_arr, "y_pred"), "y_pred")
    n = t.shape[0]
    if p.shape[0] != n:
        raise ValueError(
            f"y_true and y_pred have different lengths: {n} and {p.shape[0]}"
        )
    if n == 0:
        raise ValueError("y_true and y_pred are empty; at least 1 sample is required")
    if _kind_group(t) != _kind_group(p):
        raise ValueError("y_true and y_pred mix string and number labels")
    w = check_sample_weight(sample_weight, n)

    cm = classes = None
    if t.dtype.kind in "iu" and p.dtype.kind in "iu":
        lo = min(int(t.min()), int(p.min()))
        hi = max(int(t.max()), int(p.max()))
        span = hi - lo + 1
        if span * span <= _MAX_DENSE:
            classes, cm, in_true = _count_dense(t, p, w, lo, span)
    if cm is None:
        classes, cm, in_true = _count_encoded(t, p, w)
    kind = "binary" if classes.shape[0] <= 2 else "multiclass"
    return Targets(classes=classes, cm=cm, kind=kind, n_samples=n, in_true=in_true)


def _indicator(a: np.ndarray, name: str, kind: str) -> np.ndarray:
    """The (N, K) bool positives of ``a`` of target type ``kind`` (a multilabel indicator; other
    types are errors)."""
    if kind != "multilabel-indicator":
        raise ValueError(
            f"{kind} is not supported: {name} of shape {a.shape} is not a multilabel indicator "
            "matrix (at most two distinct integral values, e.g. 0/1)"
        )
    return a if a.dtype == np.bool_ else a != 0


def _count_multilabel(t: np.ndarray, p: np.ndarray, sample_weight) -> MultilabelTargets:
    """Validate a pair where at least one side has several columns (see :func:`count_targets`)."""
    kinds = []
    for a, name in ((t, "y_true"), (p, "y_pred")):
        if a.ndim == 2 and a.shape[0] == 0:
            raise ValueError("y_true and y_pred are empty; at least 1 sample is required")
        kinds.append(target_type(a, name) if a.ndim in (1, 2) else "unknown")
    if kinds[0] != kinds[1]:
        raise ValueError(
            f"Classification metrics can't handle a mix of {kinds[0]} and {kinds[1]} targets"
        )
    tb, pb = _indicator(t, "y_true", kinds[0]), _indicator(p, "y_pred", kinds[1])
    if tb.shape[0] != pb.shape[0]:
        raise ValueError(
            f"y_true and y_pred have different lengths: {tb.shape[0]} and {pb.shape[0]}"
        )
    if tb.shape[1] != pb.shape[1]:
        raise ValueError(
            "Multi-label binary indicator input with different numbers of labels: "
            f"y_true has {tb.shape[1]} columns, y_pred {pb.shape[1]}"
        )
    w = check_sample_weight(sample_weight, tb.shape[0])
    return MultilabelTargets(true=tb, pred=pb, sample_weight=w)


def check_multilabel_labels(labels: np.ndarray, n_labels: int) -> np.ndarray:
    """``labels`` of multilabel targets are column indices: integers in ``[0, n_labels)``."""
    if labels.dtype.kind not in "iu" and not (
        labels.dtype.kind in "fb" and np.array_equal(labels, np.floor(labels))
    ):
        raise ValueError(
            f"labels of multilabel targets are column indices 0..{n_labels - 1}, got "
            f"{labels.tolist()!r}"
        )
    idx = labels.astype(np.intp)
    if idx.size and idx.max() >= n_labels:
        raise ValueError(
            f"All labels must be in [0, n labels) for multilabel targets. Got {idx.max()} > "
            f"{n_labels - 1}"
        )
    if idx.size and idx.min() < 0:
        raise ValueError(
            f"All labels must be in [0, n labels) for multilabel targets. Got {idx.min()} < 0"
        )
    return idx


def _as_index(a: np.ndarray, lo: int) -> np.ndarray:
    if lo != 0:
        return a.astype(np.intp) - lo
    return a if a.dtype == np.intp else a.astype(np.intp)


def _count_dense(t, p, w, lo: int, span: int):
    """One bincount over the code space ``span x span`` of integer labels ``lo..lo+span-1``."""
    ti = _as_index(t, lo)
    pi = _as_index(p, lo)
    codes = ti * span
    codes += pi
    full = np.bincount(codes, weights=w, minlength=span * span).reshape(span, span)
    if w is None:
        in_true = full.sum(axis=1) > 0
        present = in_true | (full.sum(axis=0) > 0)
    else:  # zero weights must not hide a label
        in_true = np.bincount(ti, minlength=span) > 0
        present = in_true | (np.bincount(pi, minlength=span) > 0)
    idx = np.flatnonzero(present)
    classes = (idx + lo).astype(np.result_type(t.dtype, p.dtype, np.int64))
    if idx.shape[0] == span:
        return classes, full, in_true
    return classes, full[np.ix_(idx, idx)], in_true[idx]


def _count_encoded(t, p, w):
    """Encode labels with ``np.unique`` and bincount ``K * t + p``."""
    n = t.shape[0]
    both = np.concatenate([t, p])
    classes, inv = np.unique(both, return_inverse=True)
    k = classes.shape[0]
    if k > _MAX_CLASSES:
        raise ValueError(f"{k} distinct labels; at most {_MAX_CLASSES} classes are supported")
    inv = inv.reshape(-1).astype(np.intp, copy=False)
    codes = inv[:n] * k
    codes += inv[n:]
    cm = np.bincount(codes, weights=w, minlength=k * k).reshape(k, k)
    in_true = np.bincount(inv[:n], minlength=k) > 0
    return classes, cm, in_true


def label_positions(classes: np.ndarray, labels) -> np.ndarray:
    """Index of each of ``labels`` in the sorted ``classes``, or -1 where it is absent."""
    labels = np.asarray(labels)
    out = np.full(labels.shape[0], -1, dtype=np.intp)
    if labels.shape[0] == 0 or classes.shape[0] == 0:
        return out
    if _kind_group(labels) != _kind_group(classes) or labels.dtype.kind not in "biufUS":
        lookup = {c: i for i, c in enumerate(classes.tolist())}
        for j, lab in enumerate(labels.tolist()):
            out[j] = lookup.get(lab, -1)
        return out
    pos = np.searchsorted(classes, labels)
    pos = np.minimum(pos, classes.shape[0] - 1)
    hit = classes[pos] == labels
    out[hit] = pos[hit]
    return out


def resolve_labels(targets: Targets, labels=None, negative_label=None) -> np.ndarray:
    """The labels to report: ``labels`` (default: all present, sorted) minus ``negative_label``.

    ``negative_label`` is the seeds' negative class, left out of micro/macro averaging; it must be
    one of the labels, otherwise the call is an error.
    """
    if labels is None:
        labels = targets.classes
    else:
        labels = as_1d(labels, "labels")
        if labels.shape[0] == 0:
            raise ValueError("labels= must contain at least one label")
    if negative_label is None:
        return labels
    keep = np.array([lab != negative_label for lab in labels.tolist()], dtype=bool)
    if keep.all():
        raise ValueError(
            f"negative_label={negative_label!r} is not one of the labels "
            f"{labels.tolist()!r}"
        )
    if not keep.any():
        raise ValueError("negative_label leaves no positive label to score")
    return labels[keep]


def check_labels_cover(y_true, y_pred, labels) -> None:
    """Strict check (used by ``derive fscore --labels``): every label in ``y_true``/``y_pred`` is
    one of ``labels``; otherwise ``ValueError`` naming the strays. (scikit-learn's functions
    instead silently treat samples of unlisted labels as negatives of the listed ones.)"""
    targets = count_targets(y_true, y_pred)
    labels = as_1d(labels, "labels")
    known = np.unique(labels) if labels.size else labels
    stray = targets.classes[label_positions(known, targets.classes) < 0]
    if stray.shape[0]:
        raise ValueError(
            f"labels outside labels=: {stray.tolist()!r} occur in y_true/y_pred but are not in "
            f"labels={labels.tolist()!r}"
        )


# --- targets of ranking metrics (scores rather than predicted labels) -------------------------

#: The target types the ranking metrics (AP, ROC AUC) accept.
SCORED_KINDS = ("binary", "multiclass", "multilabel-indicator")


@dataclass(frozen=True)
class ScoredTargets:
    """Validated inputs of a ranking metric. ``kind`` is one of :data:`SCORED_KINDS`;
    ``y_true`` is (N,) labels (binary/multiclass) or the (N, K) indicator (multilabel);
    ``y_score`` is (N,) or (N, K) finite numbers (shape not yet matched to ``kind``);
    ``sample_weight`` is (N,) or ``None``."""

    kind: str
    y_true: np.ndarray
    y_score: np.ndarray
    sample_weight: np.ndarray | None


def _n_distinct(a: np.ndarray) -> int:
    """The number of distinct values of ``a``, exact up to 2 and capped at 3 for numbers
    (min/max and one comparison pass instead of a sort)."""
    if a.size == 0:
        return 0
    if a.dtype.kind == "b":
        return 1 + int(bool(a.any()) and not bool(a.all()))
    if a.dtype.kind in "iuf":
        lo, hi = a.min(), a.max()
        if lo == hi:
            return 1
        if a.dtype.kind in "iu" and int(hi) - int(lo) == 1:  # nothing strictly between
            return 2
        return 3 if np.any((a != lo) & (a != hi)) else 2
    return np.unique(a).shape[0]


def target_type(y, name: str = "y_true") -> str:
    """scikit-learn's ``type_of_target`` for dense arrays.

    ``"binary"``: (N,) or (N, 1) with at most 2 distinct values; ``"multiclass"``: more;
    ``"multilabel-indicator"``: (N, K > 1) with at most 2 distinct integral values;
    ``"continuous"`` (non-integral floats), ``"*-multioutput"`` (other (N, K > 1)) and
    ``"unknown"`` (other shapes) are not class labels.
    """
    a = np.asarray(y)
    if a.ndim not in (1, 2) or (a.ndim == 2 and 0 in a.shape):
        return "unknown"
    suffix = "-multioutput" if a.ndim == 2 and a.shape[1] > 1 else ""
    if a.dtype.kind == "f":
        if not np.isfinite(a).all():
            raise ValueError(f"{name} contains NaN or infinity")
        if not np.array_equal(a, np.floor(a)):
            return "continuous" + suffix
    if a.dtype.kind == "O" and a.size and not isinstance(a.flat[0], str):
        return "unknown"
    if a.dtype.kind == "c":
        raise ValueError(f"{name} holds complex numbers, which are not class labels")
    try:
        n_distinct = _n_distinct(a)
    except TypeError:  # labels of mixed types cannot be sorted
        return "unknown"
    if suffix:
        integral = a.dtype.kind in "biuf"
        return "multilabel-indicator" if integral and n_distinct < 3 else "multiclass" + suffix
    return "multiclass" if n_distinct > 2 else "binary"


def check_scored_targets(y_true, y_score, sample_weight=None) -> ScoredTargets:
    """The one validation path of the ranking metrics: ``y_true`` (N,) / (N, 1) labels or an
    (N, K) indicator, ``y_score`` (N,) or (N, K) finite numbers of the same length, weights.

    Raises ``ValueError`` for continuous or multioutput ``y_true``, NaN/inf, different lengths,
    empty input, and multilabel scores whose shape is not ``y_true``'s.
    """
    t = np.asarray(y_true)
    kind = target_type(t)
    if kind not in SCORED_KINDS:
        raise ValueError(
            f"{kind} format is not supported: y_true must be binary or multiclass labels (N,) "
            "or a multilabel indicator matrix (N, K)"
        )
    if kind != "multilabel-indicator":
        t = _check_labels_vector(as_1d(t, "y_true"), "y_true")
    s = np.asarray(y_score)
    if s.ndim not in (1, 2):
        raise ValueError(f"y_score must be (N,) or (N, K), got shape {s.shape}")
    if s.dtype.kind not in "biuf":
        raise ValueError(f"y_score must be numeric, got dtype {s.dtype}")
    if s.dtype.kind == "f" and not np.isfinite(s).all():
        raise ValueError("y_score contains NaN or infinity; scores must be finite")
    n = t.shape[0]
    if s.shape[0] != n:
        raise ValueError(f"y_true and y_score have different lengths: {n} and {s.shape[0]}")
    if n == 0:
        raise ValueError("y_true and y_score are empty; at least 1 sample is required")
    if kind == "multilabel-indicator" and s.shape != t.shape:
        raise ValueError(
            f"y_score must have the shape of the multilabel indicator y_true {t.shape}, "
            f"got {s.shape}"
        )
    return ScoredTargets(kind, t, s, check_sample_weight(sample_weight, n))


def one_hot(y: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Indicator :math:`Y_{nk} = [y_n = c_k]` (N, K) int8 of labels ``y`` (N,) over sorted
    ``classes`` (K,); rows of labels outside ``classes`` are zero (scikit-learn's
    ``label_binarize`` for K > 2)."""
    idx = label_positions(classes, y)
    out = np.zeros((y.shape[0], classes.shape[0]), dtype=np.int8)
    rows = np.flatnonzero(idx >= 0)
    out[rows, idx[rows]] = 1
    return out
