"""Edge cases, errors, the seeds' conventions and import hygiene of numeric.metrics."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sklearn.metrics as sklearn_metrics  # noqa: E402  (the reference implementation; a dev dependency)
import numeric.metrics as nm  # noqa: E402


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


@pytest.mark.parametrize(
    "t, p",
    [
        ([0, 0, 0], [0, 0, 0]),  # all negative
        ([1], [0]),  # one sample
        ([1], [1]),
        ([0, 1, 2], [3, 4, 5]),  # no class in both
        (np.array([0, 10**6, 10**6]), np.array([10**6, 0, 5])),  # sparse ints (encoded path)
        (np.array([-5, -3, -5], dtype=np.int8), np.array([-3, -3, -4], dtype=np.int8)),
        (np.array([1, 2, 250], dtype=np.uint8), np.array([250, 2, 2], dtype=np.uint8)),
        (np.array([True, False, True]), np.array([True, True, False])),
        (np.array([1.0, 2.0, 3.0]), np.array([3.0, 2.0, 2.0])),
        (np.array(["b", "a", "c"], dtype=object), np.array(["a", "a", "c"], dtype=object)),
        (np.array([[0], [1], [1]]), np.array([[1], [1], [0]])),  # column vectors
    ],
)
@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
def test_edge_inputs_match_sklearn(t, p, average):
    for zd in ("warn", 1.0, np.nan):
        ours = _quiet(nm.precision_recall_fscore_support, t, p, average=average, zero_division=zd)
        ref = _quiet(sklearn_metrics.precision_recall_fscore_support, t, p, average=average,
                     zero_division=zd)
        for a, b in zip(ours, ref):
            if b is None:
                assert a is None
            else:
                np.testing.assert_allclose(a, b, equal_nan=True, rtol=1e-12)
    np.testing.assert_array_equal(_quiet(nm.confusion_matrix, t, p),
                                  _quiet(sklearn_metrics.confusion_matrix, t, p))
    assert nm.accuracy_score(t, p) == sklearn_metrics.accuracy_score(t, p)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: nm.f1_score([0, 1, 1], [0, 1]), "different lengths"),
        (lambda: nm.f1_score([], []), "empty"),
        (lambda: nm.f1_score([0.0, np.nan], [0, 1]), "NaN"),
        (lambda: nm.f1_score([0.5, 1.0], [0, 1]), "continuous|non-integral"),
        (lambda: nm.f1_score(["a", "b"], [0, 1]), "string and number"),
        (lambda: nm.f1_score([0, 1, 2], [0, 1, 2]), "multiclass"),
        (lambda: nm.f1_score([0, 1], [0, 1], zero_division="nope"), "zero_division"),
        (lambda: nm.f1_score([0, 1], [0, 1], zero_division=0.5), "zero_division"),
        (lambda: nm.fbeta_score([0, 1], [0, 1], beta=-1), "beta"),
        (lambda: nm.f1_score([0, 1], [0, 1], average="mean"), "average"),
        (lambda: nm.f1_score([0, 1], [0, 1], average="samples"), "multilabel"),
        (lambda: nm.f1_score([0, 1, 2], [0, 1, 1], average="macro", negative_label=7),
         "negative_label"),
        (lambda: nm.f1_score([0, 1], [0, 1], negative_label=0), "negative_label"),
        (lambda: nm.f1_score(np.zeros((3, 2)), np.zeros((3, 2))), "multilabel-indicator"),
        (lambda: nm.f1_score(np.arange(6).reshape(3, 2), np.zeros((3, 2)), average="micro"),
         "multiclass-multioutput"),
        (lambda: nm.f1_score(np.zeros((3, 2, 2)), np.zeros((3, 2, 2))), "1-D"),
        (lambda: nm.f1_score([0, 1], [0, 1], sample_weight=[1.0]), "sample_weight"),
        (lambda: nm.f1_score([0, 1], [0, 1], sample_weight=[1.0, np.nan]), "NaN"),
        (lambda: nm.confusion_matrix([0, 1], [0, 1], labels=[5]), "y_true"),
        (lambda: nm.check_labels_cover([0, 1, 2], [0, 1, 3], labels=[0, 1, 2]),
         "labels outside labels="),
        (lambda: nm.f1_score([0, 1], [0, 1], pos_label=2), "pos_label"),
    ],
)
def test_bad_input_raises_clear_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_check_labels_cover_accepts_covered_labels():
    nm.check_labels_cover(["a", "b"], ["b", "b"], labels=["b", "a", "c"])


def test_seeds_example_negative_class_left_out():
    """Micro F1 without the negative class is not accuracy; it sums TP, FP, FN of positives."""
    t = np.array([0, 0, 0, 1, 1, 2, 2, 2])
    p = np.array([0, 1, 0, 1, 0, 2, 2, 1])
    tp = sum(((t == k) & (p == k)).sum() for k in (1, 2))
    fp = sum(((t != k) & (p == k)).sum() for k in (1, 2))
    fn = sum(((t == k) & (p != k)).sum() for k in (1, 2))
    assert nm.f1_score(t, p, average="micro", negative_label=0) == pytest.approx(
        2 * tp / (2 * tp + fp + fn))
    per_class = [2 * ((t == k) & (p == k)).sum()
                 / (2 * ((t == k) & (p == k)).sum() + ((t != k) & (p == k)).sum()
                    + ((t == k) & (p != k)).sum()) for k in (1, 2)]
    assert nm.f1_score(t, p, average="macro", negative_label=0) == pytest.approx(
        np.mean(per_class))
    report = nm.classification_report(t, p, negative_label=0)
    assert "micro avg" in report and "accuracy" not in report


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 40).flatmap(lambda n: st.tuples(
    st.lists(st.integers(0, 4), min_size=n, max_size=n),
    st.lists(st.integers(0, 4), min_size=n, max_size=n))),
    st.sampled_from([1.0, 0.5, 2.0]))
def test_f_of_averages_opitz_burst(pair, beta):
    t, p = map(np.array, pair)
    P = sklearn_metrics.precision_score(t, p, average="macro", zero_division=0.0)
    R = sklearn_metrics.recall_score(t, p, average="macro", zero_division=0.0)
    expected = 0.0 if P == R == 0 else (1 + beta**2) * P * R / (beta**2 * P + R)
    got = nm.fbeta_of_averages(t, p, beta=beta, zero_division=0.0)
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-15)
    if beta == 1.0:
        assert nm.f1_of_averages(t, p, zero_division=0.0) == got
        # Opitz & Burst: the F1 of averages is never below the averaged F1
        assert got >= sklearn_metrics.f1_score(t, p, average="macro", zero_division=0.0) - 1e-12


def test_warnings_are_undefined_metric_warnings():
    with pytest.warns(nm.UndefinedMetricWarning, match="Precision is ill-defined"):
        nm.precision_score([0, 1], [0, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert nm.precision_score([0, 1], [0, 0], zero_division=1.0) == 1.0


def test_import_numeric_metrics_never_imports_sympy():
    code = (
        "import sys; import numeric; assert 'numeric.metrics' not in sys.modules; "
        "import numeric.metrics; "
        "bad = [m for m in ('sympy', 'sklearn') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
