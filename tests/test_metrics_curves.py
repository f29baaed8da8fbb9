"""Parity of the curves, AP, ROC AUC with scikit-learn; best_threshold against brute force."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sklearn.metrics as sklearn_metrics  # noqa: E402  (the reference implementation; a dev dependency)
import numeric.metrics as nm  # noqa: E402

SETTINGS = settings(max_examples=300, deadline=None)


@st.composite
def scored(draw, max_size=40):
    """Binary labels and scores with many ties (scores drawn from a few values) or none."""
    n = draw(st.integers(1, max_size))
    y = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    if draw(st.booleans()):
        s = np.array(draw(st.lists(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]), min_size=n,
                                   max_size=n)))
    else:
        s = np.array(draw(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=n,
                                   max_size=n)))
    w = None
    if draw(st.booleans()):
        w = np.array(draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)))
        if not w.any():
            w[0] = 1
    return y, s, w


def call(lib, name, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return getattr(lib, name)(*args, **kwargs)
        except ValueError:
            return ValueError


def assert_same(ours, ref):
    if ref is ValueError or ours is ValueError:
        assert ours is ref
        return
    if isinstance(ref, tuple):
        for a, b in zip(ours, ref, strict=True):
            assert_same(a, b)
        return
    np.testing.assert_allclose(np.asarray(ours, float), np.asarray(ref, float),
                               rtol=1e-12, atol=1e-14, equal_nan=True)
    assert np.shape(ours) == np.shape(ref)


@SETTINGS
@given(case=scored(), drop=st.booleans())
def test_precision_recall_curve(case, drop):
    y, s, w = case
    kw = dict(sample_weight=w, drop_intermediate=drop)
    assert_same(call(nm, "precision_recall_curve", y, s, **kw),
                call(sklearn_metrics, "precision_recall_curve", y, s, **kw))


@SETTINGS
@given(case=scored(), drop=st.booleans())
def test_roc_curve(case, drop):
    y, s, w = case
    kw = dict(sample_weight=w, drop_intermediate=drop)
    assert_same(call(nm, "roc_curve", y, s, **kw), call(sklearn_metrics, "roc_curve", y, s, **kw))


@SETTINGS
@given(case=scored(), max_fpr=st.sampled_from([None, 1.0, 0.5, 0.1]))
def test_average_precision_and_roc_auc(case, max_fpr):
    y, s, w = case
    assert_same(call(nm, "average_precision_score", y, s, sample_weight=w),
                call(sklearn_metrics, "average_precision_score", y, s, sample_weight=w))
    assert_same(call(nm, "roc_auc_score", y, s, sample_weight=w, max_fpr=max_fpr),
                call(sklearn_metrics, "roc_auc_score", y, s, sample_weight=w, max_fpr=max_fpr))


@SETTINGS
@given(case=scored(), labels=st.sampled_from([(0, 1), (-1, 1), ("neg", "pos"), (2, 7)]))
def test_pos_label_and_label_types(case, labels):
    y, s, _ = case
    y = np.array(labels)[y]
    for pos_label in (None, labels[1], labels[0]):
        for name in ("precision_recall_curve", "roc_curve"):
            assert_same(call(nm, name, y, s, pos_label=pos_label),
                        call(sklearn_metrics, name, y, s, pos_label=pos_label))


@SETTINGS
@given(case=scored(), beta=st.sampled_from([1.0, 0.5, 2.0]))
def test_best_threshold_is_the_brute_force_maximum(case, beta):
    y, s, _ = case
    if not y.any():
        with pytest.raises(ValueError):
            nm.best_threshold(y, s, beta=beta)
        return
    threshold, f = nm.best_threshold(y, s, beta=beta)
    scores = {float(th): sklearn_metrics.fbeta_score(y, (s >= th).astype(int), beta=beta,
                                                     zero_division=0.0)
              for th in np.unique(s)}
    best = max(scores.values())
    assert f == pytest.approx(best, rel=1e-12)
    assert scores[threshold] == pytest.approx(f, rel=1e-12)
    assert threshold == max(th for th, v in scores.items() if v == pytest.approx(best, rel=1e-12))


def test_curve_errors_are_clear():
    with pytest.raises(ValueError, match="NaN"):
        nm.precision_recall_curve([0, 1], [0.5, np.nan])
    with pytest.raises(ValueError, match="different lengths"):
        nm.roc_curve([0, 1, 1], [0.5, 0.2])
    with pytest.raises(ValueError, match="pos_label"):
        nm.roc_curve(["a", "b"], [0.5, 0.2])
    with pytest.raises(ValueError, match="NaN"):
        nm.best_threshold([0, 1], [np.nan, 1.0])
