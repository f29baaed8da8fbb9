import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

from derive.derivation import DerivationBuilder, ProofError
from derive.inequalities import AtLeastZero, manifestly_nonnegative, prove_nonnegative
from derive.topics.fscore import CONTEXT, FN, FP, HM, ORDERED, TP, F, beta, build, d, p, precision, r, recall

from _partb_checks import check_latex_compiles, check_renders


def test_builds_verified_with_results():
    dv = build()
    assert dv.verified
    ids = {x.id for x in dv.results}
    assert {"fscore.f1", "fscore.fbeta", "fscore.f1_counts", "fscore.fbeta_pr", "fscore.accuracy"} <= ids
    assert set(dict(dv.result("fscore.fbeta").variables)) == {"TP", "FP", "FN", "beta"}
    # the inequality chains end in a proved "... >= 0"
    assert sum(isinstance(s.expr, AtLeastZero) for s in dv.steps) == 5


def test_formats_and_latex():
    dv = build()
    out = check_renders(dv)
    assert "≥ 0" in out["text"] and r"\ge 0" in out["latex"]
    check_latex_compiles(dv)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 500), st.integers(0, 500), st.integers(0, 500), st.sampled_from([0.5, 1, 2, 3]))
def test_fbeta_counts_matches_sklearn_style_definition(tp, fp, fn, b):
    """The result, evaluated, equals F-beta computed from precision and recall directly."""
    res = build().result("fscore.fbeta").expr
    value = float(res.subs({TP: tp, FP: fp, FN: fn, beta: b}))
    prec, rec = tp / (tp + fp), tp / (tp + fn)
    assert value == pytest.approx((1 + b * b) * prec * rec / (b * b * prec + rec), rel=1e-12)


def test_seed_numbers():
    last = [s.expr for s in build().steps]
    assert sp.Rational(101, 200) in last and sp.Rational(1, 10) in last and sp.Rational(2, 101) in last


@pytest.mark.parametrize("wrong", [2 * p * r / (p - r + 2), p * r / (p + r), 2 * p * r / (p + r) + 1])
def test_corrupted_f1_step_rejected(wrong):
    b = DerivationBuilder("bad", "bad", CONTEXT)
    b.chain("c", F(1, p, r)).step(2 / (1 / p + 1 / r), "ok").step(wrong, "corrupted")
    with pytest.raises(ProofError):
        b.build()


def test_corrupted_fbeta_counts_rejected():
    b = DerivationBuilder("bad", "bad", CONTEXT)
    b.chain("c", F(beta, precision(TP, FP), recall(TP, FN))).step(
        (1 + beta**2) * TP / ((1 + beta**2) * TP + beta**2 * FP + FN), "beta on the wrong count")
    assert not b.build(strict=False).verified


def test_false_inequality_rejected():
    """HM <= min is false: the difference min - HM = -p d/(2p + d) is negative at sample points."""
    b = DerivationBuilder("bad", "bad", ORDERED)
    b.chain("c", sp.Min(p, r) - HM(p, r)).step(AtLeastZero(-p * d / (2 * p + d)), "wrong", prover=prove_nonnegative)
    with pytest.raises(ProofError):
        b.build()
    # an expression equal to the line before but claimed non-negative without being so
    b = DerivationBuilder("bad", "bad", ORDERED)
    b.chain("c", p - r).step(AtLeastZero(-d), "wrong", prover=prove_nonnegative)
    assert not b.build(strict=False).verified


def test_manifest_sign():
    assert manifestly_nonnegative(p * d / (2 * p + d), ORDERED)
    assert not manifestly_nonnegative(p - d, ORDERED)
