"""The topics mse-nll (MSE as Gaussian NLL, MLE of the variance) and lagrange (x + y on the circle)."""

import pytest
import sympy as sp

from derive.derivation import DerivationBuilder, ProofError
from derive.topics import TOPICS, lagrange, mse_nll

from _partb_checks import check_latex_compiles, check_renders


@pytest.mark.parametrize("module", [mse_nll, lagrange])
def test_formats_and_latex(module):
    dv = module.build()
    assert dv.verified and dv.id in TOPICS
    check_renders(dv)
    check_latex_compiles(dv)


def test_mse_nll_results():
    dv = mse_nll.build()
    assert dv.result("mse-nll.nll").expr == mse_nll.NLL_FORM
    assert sp.simplify(dv.result("mse-nll.sigma2").expr - mse_nll.SQUARES / mse_nll.N) == 0
    assert dv.result("mse-nll.argmin").expr == mse_nll.ArgMin(mse_nll.MSE, mse_nll.w)


def test_mse_nll_against_explicit_gaussian():
    """Independent of the chains: N = 3 explicit Gaussian log-densities, and the MLE by calculus."""
    t = sp.symbols("t1:4", real=True)
    y = sp.symbols("y1:4", real=True)
    s2 = mse_nll.s2
    nll = -sum(sp.log(sp.exp(-(a - b) ** 2 / (2 * s2)) / sp.sqrt(2 * sp.pi * s2)) for a, b in zip(t, y))
    claimed = mse_nll.NLL_FORM.subs(mse_nll.N, 3).doit().xreplace(
        {**{mse_nll.tv[n + 1]: t[n] for n in range(3)}, **{mse_nll.yv[n + 1]: y[n] for n in range(3)}})
    assert sp.simplify(sp.expand_log(nll - claimed, force=True)) == 0
    (root,) = sp.solve(sp.diff(claimed, s2), s2)
    assert sp.simplify(root - sum((a - b) ** 2 for a, b in zip(t, y)) / 3) == 0


@pytest.mark.parametrize("wrong", [mse_nll.SQUARES / (mse_nll.N - 1), mse_nll.SQUARES, mse_nll.SQUARES / mse_nll.N**2])
def test_wrong_variance_rejected(wrong):
    stationary = mse_nll.N / (2 * mse_nll.hat) - mse_nll.SQUARES / (2 * mse_nll.hat**2)
    b = DerivationBuilder("bad", "bad", mse_nll.CONTEXT)
    b.chain("c", mse_nll.hat).step(wrong, "wrong", prover=mse_nll.on_solutions(stationary, mse_nll.hat))
    with pytest.raises(ProofError):
        b.build()


def test_wrong_nll_and_argmin_rejected():
    b = DerivationBuilder("bad", "bad", mse_nll.CONTEXT)
    b.chain("c", mse_nll.NLL).step(mse_nll.N * sp.log(2 * sp.pi * mse_nll.s2) + mse_nll.SQUARES / (2 * mse_nll.s2), "x")
    assert not b.build(strict=False).verified
    prover = mse_nll.same_argmin(mse_nll.MSE, (mse_nll.w, mse_nll.yv))
    ctx = mse_nll.CONTEXT
    Arg, M, w = mse_nll.ArgMin, mse_nll.MSE, mse_nll.w
    assert prover(Arg(3 * M + 1, w), Arg(M, w), ctx).verified
    assert not prover(Arg(-3 * M + 1, w), Arg(M, w), ctx).verified  # a maximiser
    assert not prover(Arg(M**2, w), Arg(M, w), ctx).verified
    assert not prover(Arg(M + w**2, w), Arg(M, w), ctx).verified


def test_lagrange_results():
    dv = lagrange.build()
    r = lagrange.ROOT
    assert dv.result("lagrange.circle").expr == sp.Tuple(-r, -r)
    assert dv.result("lagrange.critical_points").expr == sp.FiniteSet(sp.Tuple(r, r, r), sp.Tuple(-r, -r, -r))


def test_lagrange_minimum_numerically():
    """Independent: sample the circle densely in floating point."""
    import numpy as np

    theta = np.linspace(0, 2 * np.pi, 100_001)
    f = np.cos(theta) + np.sin(theta)
    k = f.argmin()
    assert abs(f[k] + np.sqrt(2)) < 1e-8
    assert abs(np.cos(theta[k]) + 1 / np.sqrt(2)) < 1e-4 and abs(np.sin(theta[k]) + 1 / np.sqrt(2)) < 1e-4


def test_wrong_critical_points_and_minimum_rejected():
    x, y, lam = lagrange.x, lagrange.y, lagrange.lam
    r = lagrange.ROOT
    same = lagrange.same_solution_set((x, y, lam))
    ctx = lagrange.CONTEXT
    start = lagrange.SolutionSet(sp.Tuple(1 - 2 * lam * x, 1 - 2 * lam * y, 1 - x**2 - y**2), sp.Tuple(x, y, lam))
    assert same(start, sp.FiniteSet(sp.Tuple(r, r, r), sp.Tuple(-r, -r, -r)), ctx).verified
    assert not same(start, sp.FiniteSet(sp.Tuple(r, r, r)), ctx).verified
    assert not same(start, sp.FiniteSet(sp.Tuple(r, -r, r), sp.Tuple(-r, r, -r)), ctx).verified
    b = DerivationBuilder("bad", "bad", ctx)
    b.chain("c", sp.Tuple(x, y)).step(sp.Tuple(r, r), "the maximum instead", prover=lagrange._prove_argmin)
    b.chain("d", lagrange.ConstrainedMin(x + y)).step(sp.sqrt(2), "wrong", prover=lagrange.prove_circle_minimum)
    assert sum(not s.verified for s in b.build(strict=False).steps) == 2
