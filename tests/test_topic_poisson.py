import pytest
import sympy as sp

from derive.derivation import DerivationBuilder, ProofError
from derive.topics.poisson import CONTEXT, EX, X, build, k, lam, n, p_n, prove_limit_step

from _partb_checks import check_latex_compiles, check_renders


def test_builds_verified_with_results():
    d = build()
    assert d.verified
    assert {"poisson.limit", "poisson.mean", "poisson.variance"} <= {r.id for r in d.results}
    limit = d.result("poisson.limit")
    assert sp.simplify(limit.expr - sp.exp(-lam) * lam**k / sp.factorial(k)) == 0
    assert d.result("poisson.mean").expr == lam and d.result("poisson.variance").expr == lam
    assert any("limit()" in s.proof.detail for s in d.steps)


def test_formats_and_latex():
    d = build()
    check_renders(d)
    check_latex_compiles(d)


@pytest.mark.parametrize("rate,kk", [(0.5, 0), (2.0, 3), (4.5, 7)])
def test_binomial_tends_to_scipy_poisson(rate, kk):
    """Independent check with scipy: Binomial(n, rate/n).pmf(k) -> Poisson(rate).pmf(k)."""
    from scipy.stats import binom, poisson

    gaps = [abs(binom(n_, rate / n_).pmf(kk) - poisson(rate).pmf(kk)) for n_ in (10**2, 10**4, 10**6)]
    assert gaps[2] < gaps[1] < gaps[0] and gaps[2] < 1e-5


LHS = sp.Limit(sp.binomial(n, k) * p_n**k * (1 - p_n) ** (n - k), n, sp.oo)


@pytest.mark.parametrize("wrong", [
    sp.exp(-lam / 2) * lam**k / sp.factorial(k),
    sp.exp(-lam) * lam**k / sp.factorial(k + 1),
    sp.exp(-lam) * lam ** (k + 1) / sp.factorial(k),
])
def test_corrupted_limit_rejected(wrong):
    assert not prove_limit_step(LHS, wrong, CONTEXT).verified
    b = DerivationBuilder("bad", "bad", CONTEXT)
    b.chain("c", LHS).step(wrong, "corrupted", prover=prove_limit_step)
    with pytest.raises(ProofError):
        b.build()


def test_correct_limit_accepted():
    assert prove_limit_step(LHS, sp.exp(-lam) * lam**k / sp.factorial(k), CONTEXT).verified


def test_corrupted_mean_rejected():
    b = DerivationBuilder("bad", "bad", CONTEXT)
    b.chain("c", EX(X)).step(lam**2, "corrupted")
    assert not b.build(strict=False).verified
