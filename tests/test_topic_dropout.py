import pytest
import sympy as sp

from derive.derivation import DerivationBuilder, ProofError
from derive.topics import TOPICS
from derive.topics.dropout import CONTEXT, Expect, build, h, m, p

from _partb_checks import check_latex_compiles, check_renders


def test_builds_verified_with_results():
    d = build()
    assert d.verified
    assert {"dropout.expectation", "dropout.unscaled_expectation", "dropout.variance"} <= {r.id for r in d.results}
    assert d.result("dropout.expectation").expr == h
    assert "dropout" in TOPICS


def test_formats_and_latex():
    d = build()
    check_renders(d)
    check_latex_compiles(d)


def test_expectation_by_monte_carlo():
    """Independent check: the mean of m h/(1 - p) over many sampled masks is close to h."""
    import numpy as np

    rng = np.random.default_rng(0)
    rate, value = 0.3, 1.7
    mask = rng.random(400_000) >= rate
    assert abs((mask * value / (1 - rate)).mean() - value) < 0.02


@pytest.mark.parametrize("wrong", [h * (1 - p), h / (1 - p), h + p])
def test_corrupted_step_rejected(wrong):
    b = DerivationBuilder("bad", "bad", CONTEXT)
    b.chain("c", Expect(m * h / (1 - p))).step(wrong, "corrupted")
    with pytest.raises(ProofError):
        b.build()
    assert not b.build(strict=False).verified
