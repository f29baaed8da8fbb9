"""Multilabel indicator targets in numeric.metrics: parity with scikit-learn on generated matrices
(empty rows and columns, weights, zero_division, labels=, warnings) and the errors of bad pairs."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sklearn.metrics as sklearn_metrics  # noqa: E402  (the reference implementation; a dev dependency)
import numeric.metrics as nm  # noqa: E402
from test_metrics_parity import ZERO_DIVISIONS, assert_close, run_both  # noqa: E402

SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
AVERAGES = [None, "micro", "macro", "weighted", "samples"]


@st.composite
def indicator_pairs(draw, max_labels=6, max_size=30):
    """T, Y (N, K) indicator matrices, often with all-zero rows and columns on either side."""
    n = draw(st.integers(1, max_size))
    k = draw(st.integers(2, max_labels))
    density = draw(st.sampled_from([0.1, 0.3, 0.5, 0.9]))
    cells = st.lists(st.floats(0, 1, allow_nan=False), min_size=n * k, max_size=n * k)
    t = np.array(draw(cells)).reshape(n, k) < density
    p = np.array(draw(cells)).reshape(n, k) < density
    for m in (t, p):
        if draw(st.booleans()):
            m[:, draw(st.integers(0, k - 1))] = False  # a label never true / never predicted
        if draw(st.booleans()):
            m[draw(st.integers(0, n - 1))] = False  # a sample with no true / predicted label
    dtype = draw(st.sampled_from([np.int64, np.bool_, np.float64, np.int8]))
    return t.astype(dtype), p.astype(draw(st.sampled_from([dtype, np.int64])))


def _weights(draw, n):
    kind = draw(st.sampled_from(["none", "int", "float"]))
    if kind == "none":
        return None
    values = st.integers(0, 3) if kind == "int" else st.floats(0, 5, allow_nan=False)
    w = np.array(draw(st.lists(values, min_size=n, max_size=n)))
    return w if w.any() else None


@SETTINGS
@given(data=st.data(), pair=indicator_pairs(), average=st.sampled_from(AVERAGES + ["binary"]),
       zero_division=st.sampled_from(ZERO_DIVISIONS),
       beta=st.sampled_from([1.0, 0.5, 2.0, 0.0, np.inf]))
def test_prfs_matches_sklearn(data, pair, average, zero_division, beta):
    t, p = pair
    kwargs = dict(average=average, zero_division=zero_division, beta=beta,
                  sample_weight=_weights(data.draw, len(t)))
    (ours, w_ours), (ref, w_ref) = run_both("precision_recall_fscore_support", t, p, **kwargs)
    if average == "binary":
        assert isinstance(ours, ValueError) and isinstance(ref, ValueError)
    assert_close(ours, ref)
    assert w_ours == w_ref


@SETTINGS
@given(data=st.data(), pair=indicator_pairs(), average=st.sampled_from(AVERAGES),
       zero_division=st.sampled_from(ZERO_DIVISIONS))
def test_scores_with_labels_subset(data, pair, average, zero_division):
    """labels= picks (and orders) columns; every score function agrees, warnings included."""
    t, p = pair
    k = t.shape[1]
    labels = data.draw(st.lists(st.integers(0, k - 1), min_size=1, max_size=k, unique=True))
    for name in ("precision_score", "recall_score", "f1_score"):
        (ours, w1), (ref, w2) = run_both(name, t, p, labels=labels, average=average,
                                         zero_division=zero_division)
        assert_close(ours, ref)
        assert w1 == w2
    (ours, w1), (ref, w2) = run_both("fbeta_score", t, p, beta=2.0, labels=labels,
                                     average=average, zero_division=zero_division)
    assert_close(ours, ref)
    assert w1 == w2


def assert_counts_close(ours, ref, w):
    """Confusion counts: scikit-learn forms tn as sum(w) - tp - fp - fn, so with float weights its
    tn carries a cancellation error of a few eps * sum(w); ours sums the weights directly."""
    if isinstance(ref, ValueError) or w is None:
        assert_close(ours, ref)
        return
    scale = float(np.sum(np.abs(w)))
    np.testing.assert_allclose(np.asarray(ours, dtype=float), np.asarray(ref, dtype=float),
                               rtol=1e-12, atol=1e-14 + 16 * np.finfo(float).eps * scale)


@SETTINGS
@given(data=st.data(), pair=indicator_pairs(), samplewise=st.booleans())
def test_multilabel_confusion_matrix_matches_sklearn(data, pair, samplewise):
    t, p = pair
    w = _weights(data.draw, len(t))
    labels = None
    if data.draw(st.booleans()):
        labels = data.draw(st.lists(st.integers(0, t.shape[1] - 1), min_size=1, unique=True))
    (ours, _), (ref, _) = run_both("multilabel_confusion_matrix", t, p, sample_weight=w,
                                   labels=labels, samplewise=samplewise)
    assert_counts_close(ours, ref, w)
    assert np.asarray(ours).shape == np.asarray(ref).shape
    if w is None:
        np.testing.assert_array_equal(ours, ref)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), n=st.integers(1, 30), k=st.integers(1, 5))
def test_multilabel_confusion_matrix_of_label_vectors(data, n, k):
    """Label vectors are binarized one-vs-rest, labels= may add absent ones and reorder."""
    t = np.array(data.draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    p = np.array(data.draw(st.lists(st.integers(0, k), min_size=n, max_size=n)))
    w = _weights(data.draw, n)
    labels = None
    if data.draw(st.booleans()):
        labels = data.draw(st.lists(st.integers(-1, k + 1), min_size=1, unique=True))
    (ours, _), (ref, _) = run_both("multilabel_confusion_matrix", t, p, sample_weight=w,
                                   labels=labels)
    assert_counts_close(ours, ref, w)
    assert np.asarray(ours).shape == np.asarray(ref).shape


def assert_same_report_text(ours, ref, digits):
    """The reports agree word for word, and number for number up to one unit in the last printed
    digit: an average that lands on a rounding tie (0.475 at 2 digits) may round either way when
    the two libraries sum in a different order (the dict reports are compared to 1e-12 below)."""
    if isinstance(ref, ValueError) or isinstance(ours, ValueError):
        assert_close(ours, ref)
        return
    ours_words, ref_words = ours.split(), ref.split()
    assert len(ours_words) == len(ref_words), (ours, ref)
    for a, b in zip(ours_words, ref_words):
        if a != b:
            assert re.fullmatch(r"-?\d+\.\d+", a) and re.fullmatch(r"-?\d+\.\d+", b), (a, b)
            assert abs(float(a) - float(b)) <= 1.01 * 10.0 ** -digits, (a, b)
    assert [len(line) for line in ours.splitlines()] == [len(line) for line in ref.splitlines()]


@SETTINGS
@given(data=st.data(), pair=indicator_pairs(), digits=st.integers(1, 5),
       zero_division=st.sampled_from(ZERO_DIVISIONS))
def test_classification_report_text_and_dict(data, pair, digits, zero_division):
    t, p = pair
    labels = target_names = None
    if data.draw(st.booleans()):
        labels = data.draw(st.lists(st.integers(0, t.shape[1] - 1), min_size=1, unique=True))
    if data.draw(st.booleans()):
        target_names = [f"tag{i}" for i in range(t.shape[1] if labels is None else len(labels))]
    kw = dict(labels=labels, target_names=target_names, digits=digits,
              zero_division=zero_division)
    (ours, w1), (ref, w2) = run_both("classification_report", t, p, **kw)
    if not (t.astype(bool) & p.astype(bool)).any():
        # scikit-learn quirk (as for label vectors): support printed as float without any TP
        ref = re.sub(r" (\d+)\.0$", r"   \1", ref, flags=re.M)
    assert_same_report_text(ours, ref, digits)
    assert w1 == w2
    (ours, _), (ref, _) = run_both("classification_report", t, p, output_dict=True, **kw)
    assert ours.keys() == ref.keys()
    for key in ref:
        assert_close(tuple(ours[key].values()), tuple(ref[key].values()))


@SETTINGS
@given(data=st.data(), pair=indicator_pairs())
def test_subset_accuracy(data, pair):
    t, p = pair
    w = _weights(data.draw, len(t))
    for normalize in (True, False):
        (ours, _), (ref, _) = run_both("accuracy_score", t, p, sample_weight=w,
                                       normalize=normalize)
        assert_close(ours, ref)


def test_seeds_micro_and_macro_f1_of_labels():
    """Lecture 5: micro F1 sums TP, FP, FN over the labels; macro F1 averages per-label F1."""
    t = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1]])
    p = np.array([[1, 0, 0], [0, 1, 1], [1, 0, 0], [0, 0, 1]])
    tp = (t & p).sum(axis=0)
    fp = ((1 - t) & p).sum(axis=0)
    fn = (t & (1 - p)).sum(axis=0)
    assert nm.f1_score(t, p, average="micro") == pytest.approx(
        2 * tp.sum() / (2 * tp.sum() + fp.sum() + fn.sum()))
    assert nm.f1_score(t, p, average="macro") == pytest.approx(
        np.mean(2 * tp / (2 * tp + fp + fn)))


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda f: f(np.eye(3, dtype=int), [0, 1, 2], average="micro"), "mix"),
        (lambda f: f([0, 1, 2], np.eye(3, dtype=int), average="micro"), "mix"),
        (lambda f: f(np.eye(3, dtype=int), np.eye(3, 4, dtype=int), average="micro"),
         "different numbers of labels"),
        (lambda f: f(np.eye(3, dtype=int), np.eye(4, 3, dtype=int), average="micro"),
         "inconsistent|different lengths"),
        (lambda f: f(np.array([[0, 2], [1, 2]]), np.array([[0, 2], [1, 0]]), average="micro"),
         "multiclass-multioutput"),
        (lambda f: f(np.eye(3) / 2, np.eye(3), average="micro"), "continuous"),
        (lambda f: f(np.eye(3, dtype=int), np.eye(3, dtype=int)), "binary"),
        (lambda f: f([0, 1, 1], [0, 1, 0], average="samples"), "multilabel"),
        (lambda f: f(np.eye(3, dtype=int), np.eye(3, dtype=int), average="macro", labels=[3]),
         r"\[0, n labels\)"),
        (lambda f: f(np.eye(3, dtype=int), np.eye(3, dtype=int), average="macro", labels=[-1]),
         r"\[0, n labels\)"),
    ],
)
def test_bad_pairs_raise_value_error_in_both(call, match):
    with pytest.raises(ValueError, match=match):
        call(nm.f1_score)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError):
            call(sklearn_metrics.f1_score)


def test_confusion_matrix_refuses_indicators():
    with pytest.raises(ValueError, match="multilabel_confusion_matrix"):
        nm.confusion_matrix(np.eye(3, dtype=int), np.eye(3, dtype=int))
    with pytest.raises(ValueError, match="Samplewise"):
        nm.multilabel_confusion_matrix([0, 1], [1, 1], samplewise=True)


def test_weighted_counts_over_several_row_blocks():
    """Weighted per-label counts are summed in row blocks on large inputs; same numbers."""
    from numeric.metrics._targets import _WEIGHT_BLOCK_ELEMENTS

    rng = np.random.default_rng(5)
    k = 5
    n = 2 * _WEIGHT_BLOCK_ELEMENTS // k + 17  # three blocks, the last one short
    t = (rng.random((n, k)) < 0.3).astype(np.int8)
    p = (rng.random((n, k)) < 0.3).astype(np.int8)
    w = rng.random(n)
    for average in (None, "micro", "weighted"):
        ours = nm.precision_recall_fscore_support(t, p, average=average, sample_weight=w)
        ref = sklearn_metrics.precision_recall_fscore_support(t, p, average=average,
                                                              sample_weight=w)
        for a, b in zip(ours, ref):
            if b is None:
                assert a is None
            else:
                np.testing.assert_allclose(a, b, rtol=1e-10)
