"""Parity of numeric.metrics label metrics with scikit-learn (the reference) on generated cases."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sklearn.metrics as sklearn_metrics  # noqa: E402  (the reference implementation; a dev dependency)
import numeric.metrics as nm  # noqa: E402

SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
ZERO_DIVISIONS = ["warn", 0.0, 1.0, np.nan]


@st.composite
def label_pairs(draw, max_classes=6, max_size=40, strings=None):
    """y_true, y_pred of one length; small label sets so classes are often absent from one side."""
    n = draw(st.integers(1, max_size))
    k = draw(st.integers(1, max_classes))
    offset = draw(st.sampled_from([0, 0, 0, -2, 3, 100]))
    use_str = draw(st.booleans()) if strings is None else strings
    t = np.array(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n))) + offset
    p = np.array(draw(st.lists(st.integers(0, k), min_size=n, max_size=n))) + offset
    if use_str:
        names = np.array([f"c{i}" for i in range(offset, offset + k + 1)])
        t, p = names[t - offset], names[p - offset]
    return t, p


def _weights(draw, n):
    kind = draw(st.sampled_from(["none", "int", "float"]))
    if kind == "none":
        return None
    if kind == "int":
        return np.array(draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)))
    return np.array(draw(st.lists(st.floats(0, 5, allow_nan=False), min_size=n, max_size=n)))


def _undefined_messages(record):
    return sorted({str(w.message) for w in record
                   if type(w.message).__name__ == "UndefinedMetricWarning"
                   or str(w.message).startswith("Note that pos_label")})


def run_both(name, *args, **kwargs):
    """Call ``name`` in both libraries; return results and the metric warnings of each."""
    out = []
    for lib in (nm, sklearn_metrics):
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            try:
                res = getattr(lib, name)(*args, **kwargs)
            except ValueError as e:
                res = ValueError(str(e))
        out.append((res, _undefined_messages(rec)))
    return out


def assert_close(ours, ref):
    if isinstance(ref, ValueError) or isinstance(ours, ValueError):
        assert isinstance(ours, ValueError) and isinstance(ref, ValueError), (ours, ref)
        return
    if isinstance(ref, tuple):
        assert len(ours) == len(ref)
        for a, b in zip(ours, ref):
            assert_close(a, b)
        return
    if ref is None:
        assert ours is None
        return
    np.testing.assert_allclose(np.asarray(ours, dtype=float), np.asarray(ref, dtype=float),
                               rtol=1e-12, atol=1e-14, equal_nan=True)


@SETTINGS
@given(data=st.data(), pair=label_pairs(),
       average=st.sampled_from([None, "micro", "macro", "weighted", "binary"]),
       zero_division=st.sampled_from(ZERO_DIVISIONS),
       beta=st.sampled_from([1.0, 0.5, 2.0, 0.0, 3.7, np.inf]))
def test_prfs_matches_sklearn(data, pair, average, zero_division, beta):
    t, p = pair
    kwargs = dict(average=average, zero_division=zero_division, beta=beta,
                  sample_weight=_weights(data.draw, len(t)))
    if average == "binary" and t.dtype.kind == "U":
        kwargs["pos_label"] = data.draw(st.sampled_from(sorted(set(t) | set(p))))
    (ours, w_ours), (ref, w_ref) = run_both("precision_recall_fscore_support", t, p, **kwargs)
    assert_close(ours, ref)
    assert w_ours == w_ref


@SETTINGS
@given(data=st.data(), pair=label_pairs(strings=False),
       average=st.sampled_from([None, "micro", "macro", "weighted"]),
       zero_division=st.sampled_from(ZERO_DIVISIONS))
def test_labels_subset_and_absent_labels(data, pair, average, zero_division):
    """labels= may drop present labels (the seeds' negative class) and add absent ones."""
    t, p = pair
    universe = sorted(set(t.tolist()) | set(p.tolist()) | {int(t.max()) + 1, int(t.min()) - 1})
    labels = data.draw(st.lists(st.sampled_from(universe), min_size=1, max_size=len(universe),
                                unique=True))
    for name in ("precision_score", "recall_score", "f1_score"):
        (ours, w1), (ref, w2) = run_both(name, t, p, labels=labels, average=average,
                                         zero_division=zero_division)
        assert_close(ours, ref)
        assert w1 == w2
    (ours, _), (ref, _) = run_both("fbeta_score", t, p, beta=2.0, labels=labels, average=average,
                                   zero_division=zero_division)
    assert_close(ours, ref)


@SETTINGS
@given(data=st.data(), pair=label_pairs(), average=st.sampled_from(["micro", "macro", None]))
def test_negative_label_equals_labels_without_it(data, pair, average):
    t, p = pair
    present = sorted(set(t.tolist()) | set(p.tolist()))
    if len(present) < 2:
        with pytest.raises(ValueError):
            nm.f1_score(t, p, average=average, negative_label=present[0])
        return
    neg = data.draw(st.sampled_from(present))
    rest = [c for c in present if c != neg]
    ours = nm.precision_recall_fscore_support(t, p, average=average, negative_label=neg,
                                              zero_division=0.0)
    ref = sklearn_metrics.precision_recall_fscore_support(t, p, average=average, labels=rest,
                                                          zero_division=0.0)
    assert_close(ours, ref)


@SETTINGS
@given(data=st.data(), pair=label_pairs(),
       normalize=st.sampled_from([None, "true", "pred", "all"]))
def test_confusion_matrix_and_accuracy(data, pair, normalize):
    t, p = pair
    w = _weights(data.draw, len(t))
    labels = None
    if data.draw(st.booleans()):
        present = sorted(set(t.tolist()) | set(p.tolist()))
        labels = data.draw(st.lists(st.sampled_from(present), min_size=1, unique=True))
    (ours, _), (ref, _) = run_both("confusion_matrix", t, p, labels=labels, sample_weight=w,
                                   normalize=normalize)
    assert_close(ours, ref)
    if not isinstance(ref, ValueError):
        assert np.asarray(ours).shape == np.asarray(ref).shape
        if normalize is None and w is None:
            np.testing.assert_array_equal(ours, ref)
    if w is None or w.sum() > 0:
        for normalize_acc in (True, False):
            (ours, _), (ref, _) = run_both("accuracy_score", t, p, sample_weight=w,
                                           normalize=normalize_acc)
            assert_close(ours, ref)


@SETTINGS
@given(data=st.data(), pair=label_pairs(), digits=st.integers(1, 5),
       zero_division=st.sampled_from(ZERO_DIVISIONS))
def test_classification_report_text_and_dict(data, pair, digits, zero_division):
    t, p = pair
    labels = None
    if data.draw(st.booleans()):
        present = sorted(set(t.tolist()) | set(p.tolist()))
        labels = data.draw(st.lists(st.sampled_from(present), min_size=1, unique=True))
    kw = dict(labels=labels, digits=digits, zero_division=zero_division)
    (ours, _), (ref, _) = run_both("classification_report", t, p, **kw)
    if not np.any(t == p):
        # scikit-learn quirk: with no correct prediction at all its support becomes float
        # ("1.0"); numeric keeps integer support. Same column width either way.
        ref = re.sub(r" (\d+)\.0$", r"   \1", ref, flags=re.M)
    assert ours == ref
    (ours, _), (ref, _) = run_both("classification_report", t, p, output_dict=True, **kw)
    assert ours.keys() == ref.keys()
    for key in ref:
        if isinstance(ref[key], dict):
            assert_close(tuple(ours[key].values()), tuple(ref[key].values()))
        else:
            assert_close(ours[key], ref[key])


@settings(max_examples=200, deadline=None)
@given(pair=label_pairs(max_classes=3, max_size=8))
def test_binary_default_average_and_one_sample(pair):
    """The scikit-learn defaults (average='binary', pos_label=1), incl. tiny inputs."""
    t, p = pair
    if t.dtype.kind == "U":
        t, p = (t == t[0]).astype(int), (p == t[0]).astype(int)
    for name in ("precision_score", "recall_score", "f1_score"):
        (ours, w1), (ref, w2) = run_both(name, t[:1], p[:1])
        assert_close(ours, ref)
        (ours, w1), (ref, w2) = run_both(name, t, p)
        assert_close(ours, ref)
        assert w1 == w2
