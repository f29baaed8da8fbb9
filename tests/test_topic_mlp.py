import numpy as np
import pytest
import sympy as sp

from derive.derivation import DerivationBuilder, ProofError
from derive.topics import mlp
from derive.topics.mlp import (CONTEXT, FPRIME, Gy, H, J, B, T, Wy, X, Y, build, dHin, dWy, dYin, had,
                               network_prover)

from _partb_checks import check_latex_compiles, check_renders

IDS = ["mlp.output_gradient", "mlp.hidden_gradient", "mlp.output_weight_gradient", "mlp.output_bias_gradient",
       "mlp.hidden_weight_gradient", "mlp.hidden_bias_gradient"]


def test_builds_verified_with_results():
    d = build()
    assert d.verified
    assert set(IDS) <= {r.id for r in d.results}
    assert d.result("mlp.output_weight_gradient").expr == H.T * Gy
    assert d.result("mlp.output_gradient").expr == (Y - T) / B
    # the matrix-form steps are checked on explicit networks
    assert sum("explicit network" in s.proof.detail for s in d.steps) >= 15


def test_formats_and_latex():
    d = build()
    out = check_renders(d)
    assert r"\frac{\partial L}{\partial W^{(y)}}" in out["latex"]
    check_latex_compiles(d)


@pytest.mark.parametrize("wrong,combos", [
    (H.T * (Y - T), mlp.ALL_OUTPUTS),                    # the 1/|B| forgotten
    (X.T * (Y - T) / B, mlp.ALL_OUTPUTS),                 # wrong layer input (shapes agree since D = H)
])
def test_corrupted_output_weight_step_rejected(wrong, combos):
    b = DerivationBuilder("bad", "bad", CONTEXT)
    b.chain("c", dWy).step(wrong, "corrupted", prover=network_prover(combos))
    with pytest.raises(ProofError):
        b.build()


def test_corrupted_hidden_derivative_rejected():
    """tanh' written as the sigmoid's H(1 - H) is rejected."""
    b = DerivationBuilder("bad", "bad", CONTEXT)
    b.chain("c", dHin).step(had(Gy * Wy.T, had(H, J - H)), "wrong f'", prover=network_prover((("tanh", "identity+mse"),)))
    assert not b.build(strict=False).verified


def test_correct_step_accepted_on_all_pairs():
    every = tuple((f, o) for f in mlp.HIDDEN for o in mlp.OUTPUTS)
    proof = network_prover(every, symbolic=False)(dHin, had(Gy * Wy.T, FPRIME), CONTEXT)
    assert proof.verified


# --- an independent check of the results with NumPy and finite differences --------------------------

def _forward(params, x, t, f, out):
    wh, bh, wy, by = params
    hin = x @ wh + bh
    h = {"relu": np.maximum(hin, 0), "tanh": np.tanh(hin), "sigmoid": 1 / (1 + np.exp(-hin))}[f]
    yin = h @ wy + by
    if out == "softmax":
        e = np.exp(yin - yin.max(axis=1, keepdims=True))
        y = e / e.sum(axis=1, keepdims=True)
        loss = -np.mean(np.sum(t * np.log(y), axis=1))
    elif out == "sigmoid":
        y = 1 / (1 + np.exp(-yin))
        loss = -np.mean(np.sum(t * np.log(y) + (1 - t) * np.log(1 - y), axis=1))
    else:
        y = yin
        loss = np.mean(np.sum((y - t) ** 2, axis=1)) / 2
    return loss, hin, h, y


@pytest.mark.parametrize("f", ["relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("out", ["softmax", "sigmoid", "identity"])
def test_results_match_finite_differences(f, out):
    rng = np.random.default_rng(7)
    n, dd, hh, k = 5, 3, 4, 3
    x = rng.normal(size=(n, dd))
    t = np.eye(k)[rng.integers(0, k, n)] if out != "identity" else rng.normal(size=(n, k))
    params = [rng.normal(size=(dd, hh)), rng.normal(size=hh), rng.normal(size=(hh, k)), rng.normal(size=k)]
    _, hin, h, y = _forward(params, x, t, f, out)
    gy = (y - t) / n                                            # mlp.output_gradient
    fprime = {"relu": (hin > 0) * 1.0, "tanh": 1 - h * h, "sigmoid": h * (1 - h)}[f]
    gh = (gy @ params[2].T) * fprime                            # mlp.hidden_gradient
    grads = [x.T @ gh, gh.sum(axis=0), h.T @ gy, gy.sum(axis=0)]  # W^(h), b^(h), W^(y), b^(y)
    eps = 1e-6
    for p, g in zip(params, grads):
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            up = _forward(params, x, t, f, out)[0]
            p[idx] = old - eps
            down = _forward(params, x, t, f, out)[0]
            p[idx] = old
            assert g[idx] == pytest.approx((up - down) / (2 * eps), abs=1e-6)
