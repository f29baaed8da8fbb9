"""Multiclass and multilabel ROC AUC / average precision: parity with scikit-learn (the reference).

Generated cases have ties in the scores, classes absent from ``y_true`` (with and without
``labels=``), sample weights, every ``average`` and ``multi_class``; invalid combinations must
raise in both libraries.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sklearn.metrics as sklearn_metrics  # noqa: E402  (the reference implementation; a dev dependency)
import numeric.metrics as nm  # noqa: E402
from numeric.metrics import UndefinedMetricWarning

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
AVERAGES = [None, "micro", "macro", "weighted", "samples"]
ERRORS = (ValueError, NotImplementedError)


def run(lib, name, *args, **kwargs):
    """Result (or the exception type) of ``lib.name`` and the set of UndefinedMetricWarnings."""
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        try:
            res = getattr(lib, name)(*args, **kwargs)
        except ERRORS as e:
            res = e
    undefined = {str(w.message) for w in rec if type(w.message).__name__ == "UndefinedMetricWarning"}
    return res, undefined


def assert_parity(name, *args, **kwargs):
    """Both raise, or both return the same value(s) and the same UndefinedMetricWarnings."""
    ours, w_ours = run(nm, name, *args, **kwargs)
    ref, w_ref = run(sklearn_metrics, name, *args, **kwargs)
    if isinstance(ref, Exception) or isinstance(ours, Exception):
        assert isinstance(ours, Exception) and isinstance(ref, Exception), (ours, ref)
        assert isinstance(ours, type(ref)) or isinstance(ref, ValueError), (ours, ref)
        return ours
    np.testing.assert_allclose(np.asarray(ours, dtype=float), np.asarray(ref, dtype=float),
                               rtol=1e-12, atol=1e-14, equal_nan=True)
    assert np.shape(ours) == np.shape(ref)
    assert w_ours == w_ref
    return ours


def _weights(draw, n):
    kind = draw(st.sampled_from(["none", "int", "float"]))
    if kind == "none":
        return None
    if kind == "int":
        w = np.array(draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)))
    else:
        w = np.array(draw(st.lists(st.floats(0, 5, allow_nan=False), min_size=n, max_size=n)))
    if not w.any():
        w[0] = 1
    return w


def _scores(draw, n, k, probabilities):
    """(n, k) scores from few values (many ties) or floats; rows normalised to sum to 1."""
    if draw(st.booleans()):
        a = np.array(draw(st.lists(st.integers(0, 3), min_size=n * k, max_size=n * k)), float)
    else:
        a = np.array(draw(st.lists(st.floats(0, 1e3, allow_nan=False), min_size=n * k,
                                   max_size=n * k)))
    a = a.reshape(n, k)
    if probabilities:
        a[a.sum(axis=1) == 0] = 1.0
        a = a / a.sum(axis=1, keepdims=True)
    return a


@st.composite
def multiclass_cases(draw, probabilities=True, max_size=25, min_classes=3):
    """Labels (N,) from K classes (often all present, else some absent), scores (N, K), the K
    labels, weights."""
    k = draw(st.integers(min_classes, 6))
    n = draw(st.integers(1, max_size))
    codes = np.array(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    if n >= k and draw(st.booleans()):
        codes[:k] = np.arange(k)
    names = draw(st.sampled_from([np.arange(k), np.arange(k) * 3 - 2,
                                  np.array([f"c{i}" for i in range(k)])]))
    return names[codes], _scores(draw, n, k, probabilities), names, _weights(draw, n)


@st.composite
def multilabel_cases(draw, max_size=25):
    """Indicator (N, K) (columns may be all 0 or all 1; dtype int, bool or {-1, 1}), scores."""
    k = draw(st.integers(2, 6))
    n = draw(st.integers(1, max_size))
    y = np.array(draw(st.lists(st.integers(0, 1), min_size=n * k, max_size=n * k))).reshape(n, k)
    y = draw(st.sampled_from([lambda a: a, lambda a: a.astype(bool), lambda a: 2 * a - 1]))(y)
    return y, _scores(draw, n, k, probabilities=False), _weights(draw, n)


def mostly(draw, valid, everything):
    """One of ``valid`` (9 times in 10) or of ``everything`` (invalid values must raise)."""
    return draw(st.sampled_from(everything if draw(st.integers(0, 9)) == 0 else valid))


@SETTINGS
@given(case=multiclass_cases(), data=st.data())
def test_roc_auc_multiclass_matches_sklearn(case, data):
    y, s, names, w = case
    multi_class = mostly(data.draw, ["ovr", "ovo"], ["ovr", "ovo", "raise"])
    valid = [None, "micro", "macro", "weighted"] if multi_class == "ovr" else ["macro", "weighted"]
    average = mostly(data.draw, valid, AVERAGES)
    weighted = multi_class == "ovr" or data.draw(st.integers(0, 9)) == 0
    kwargs = dict(multi_class=multi_class, average=average,
                  labels=names if data.draw(st.integers(0, 3)) else None,
                  sample_weight=w if weighted else None)
    if (multi_class == "ovo" and np.unique(y).shape[0] < 2 and kwargs["labels"] is not None
            and average in ("macro", "weighted") and kwargs["sample_weight"] is None):
        # Hand & Till's mean over pairs of present classes is empty: scikit-learn returns NaN
        # (macro) or raises ZeroDivisionError (weighted); numeric returns NaN with a warning.
        with pytest.warns(UndefinedMetricWarning):
            assert np.isnan(nm.roc_auc_score(y, s, **kwargs))
        return
    assert_parity("roc_auc_score", y, s, **kwargs)


@SETTINGS
@given(case=multiclass_cases(), average=st.sampled_from(["macro", "weighted"]))
def test_roc_auc_ovo_is_hand_and_till(case, average):
    """OvO equals the Hand & Till mean of pairwise binary AUCs built from scikit-learn's AUC."""
    y, s, names, _ = case
    present = [i for i, c in enumerate(names.tolist()) if c in set(y.tolist())]
    if len(present) < 2:
        return
    pair_scores, prevalence = [], []
    for i, a in enumerate(present):
        for b in present[i + 1:]:
            both = (y == names[a]) | (y == names[b])
            pair_scores.append((sklearn_metrics.roc_auc_score(y[both] == names[a], s[both, a])
                                + sklearn_metrics.roc_auc_score(y[both] == names[b], s[both, b]))
                               / 2)
            prevalence.append(both.mean())
    expected = np.average(pair_scores, weights=prevalence if average == "weighted" else None)
    ours = nm.roc_auc_score(y, s, multi_class="ovo", average=average, labels=names)
    assert ours == pytest.approx(expected, rel=1e-12)


@SETTINGS
@given(case=multilabel_cases(), average=st.sampled_from(AVERAGES),
       max_fpr=st.sampled_from([None, 1.0, 0.5]),
       multi_class=st.sampled_from(["raise", "ovr", "ovo"]))
def test_roc_auc_multilabel_matches_sklearn(case, average, max_fpr, multi_class):
    y, s, w = case
    assert_parity("roc_auc_score", y, s, average=average, sample_weight=w, max_fpr=max_fpr,
                  multi_class=multi_class)


@SETTINGS
@given(case=multiclass_cases(probabilities=False), average=st.sampled_from(AVERAGES),
       data=st.data())
def test_average_precision_multiclass_matches_sklearn(case, average, data):
    """Scores have one column per class present in y_true (sometimes one too many)."""
    y, s, _, w = case
    k_present = np.unique(y).shape[0]
    columns = k_present + mostly(data.draw, [0], [0, 1])
    assert_parity("average_precision_score", y, s[:, :columns] if columns <= s.shape[1] else s,
                  average=average, sample_weight=w, pos_label=mostly(data.draw, [1], [1, 0]))


@SETTINGS
@given(case=multilabel_cases(), average=st.sampled_from(AVERAGES), data=st.data())
def test_average_precision_multilabel_matches_sklearn(case, average, data):
    y, s, w = case
    assert_parity("average_precision_score", y, s, average=average, sample_weight=w,
                  pos_label=mostly(data.draw, [1], [1, 0]))


Y3 = np.array([0, 1, 2, 2, 1, 0])
P3 = np.array([[.5, .3, .2], [.1, .8, .1], [.2, .2, .6], [.3, .3, .4], [.2, .5, .3], [.6, .2, .2]])
YML = np.array([[1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 0]])
SML = np.array([[.9, .1, .3], [.2, .7, .4], [.6, .6, .1], [.1, .3, .2]])


@pytest.mark.parametrize("name,args,kwargs,match", [
    ("roc_auc_score", (Y3, P3), {}, "multi_class must be in"),
    ("roc_auc_score", (Y3, P3 * 2), dict(multi_class="ovr"), "sum up to 1"),
    ("roc_auc_score", (Y3, P3[:, 0]), dict(multi_class="ovr"), "shape"),
    ("roc_auc_score", (Y3, P3[:, :2] / P3[:, :2].sum(1, keepdims=True)),
     dict(multi_class="ovo"), "Number of classes"),
    ("roc_auc_score", (Y3, P3), dict(multi_class="ovr", max_fpr=0.5), "max_fpr"),
    ("roc_auc_score", (Y3, P3), dict(multi_class="ovo", sample_weight=np.ones(6)),
     "sample_weight"),
    ("roc_auc_score", (Y3, P3), dict(multi_class="ovo", average="micro"), "average must be"),
    ("roc_auc_score", (Y3, P3), dict(multi_class="ovr", average="samples"), "average must be"),
    ("roc_auc_score", (Y3, P3), dict(multi_class="ovr", labels=[2, 1, 0]), "ordered"),
    ("roc_auc_score", (Y3, P3), dict(multi_class="ovr", labels=[0, 1, 1]), "unique"),
    ("roc_auc_score", (Y3, P3), dict(multi_class="ovr", labels=[0, 1, 3]), "not in"),
    ("roc_auc_score", (Y3, P3), dict(multi_class="ovr", labels=[0, 1, 2, 3]), "columns"),
    ("roc_auc_score", (Y3, P3), dict(multi_class="bogus"), "multi_class"),
    ("roc_auc_score", ([0, 1, 1, 0], P3[:4, :2]), {}, "positive class"),
    ("roc_auc_score", (YML, SML[:, 0]), {}, "shape"),
    ("roc_auc_score", (Y3 + 0.5, P3[:, 0]), {}, "continuous"),
    ("roc_auc_score", (Y3, np.where(P3 > .7, np.nan, P3)), dict(multi_class="ovr"), "NaN"),
    ("average_precision_score", (Y3, P3), dict(pos_label=2), "pos_label is fixed to 1"),
    ("average_precision_score", (YML, SML), dict(pos_label=0), "pos_label is fixed to 1"),
    ("average_precision_score", (Y3, P3[:, 0]), {}, "shape"),
    ("average_precision_score", (Y3, np.c_[P3, P3]), {}, "shape"),
    ("average_precision_score", (Y3, P3), dict(average="bogus"), "average must be"),
    ("average_precision_score", ([0, 1, 1, 0], P3[:4, :2]), {}, "positive class"),
])
def test_errors_are_clear_and_match_sklearn(name, args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        getattr(nm, name)(*args, **kwargs)
    with pytest.raises(ValueError):
        getattr(sklearn_metrics, name)(*args, **kwargs)


def test_ovo_average_none_raises_like_sklearn():
    for lib in (nm, sklearn_metrics):
        with pytest.raises(NotImplementedError):
            lib.roc_auc_score(Y3, P3, multi_class="ovo", average=None)
    with pytest.raises(ValueError, match="not implemented"):
        nm.roc_auc_score(Y3, P3, multi_class="ovo", average=None)


@pytest.mark.parametrize("kwargs", [dict(average=None), dict(average="macro"),
                                    dict(average="weighted"), dict(average="samples")])
def test_class_without_positives_warns_and_is_nan_like_sklearn(kwargs):
    """Column 2 of YML has no positives: its AUC is NaN with a warning, as in scikit-learn."""
    with pytest.warns(UndefinedMetricWarning, match="Only one class"):
        ours = nm.roc_auc_score(YML, SML, **kwargs)
    with pytest.warns(Warning):
        ref = sklearn_metrics.roc_auc_score(YML, SML, **kwargs)
    np.testing.assert_allclose(ours, ref, rtol=1e-12, equal_nan=True)
    if kwargs["average"] is None:
        assert np.isnan(ours[2]) and not np.isnan(ours[:2]).any()


def test_absent_label_under_ovr_warns_like_sklearn():
    """labels= names a class that never occurs: NaN macro, 0-weight in the weighted mean."""
    scores = np.c_[P3, np.zeros(6)]
    for average in ("macro", "weighted", None):
        ours, w_ours = run(nm, "roc_auc_score", Y3, scores, multi_class="ovr",
                           labels=[0, 1, 2, 3], average=average)
        ref, w_ref = run(sklearn_metrics, "roc_auc_score", Y3, scores, multi_class="ovr",
                         labels=[0, 1, 2, 3], average=average)
        np.testing.assert_allclose(ours, ref, rtol=1e-12, equal_nan=True)
        assert w_ours == w_ref and w_ours
