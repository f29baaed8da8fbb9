"""Stable NumPy modules for index-notation results (derive grad ... --wrt z_j --numpy): the vector
rewrite rules are proved (and a wrong one refused), the generated modules agree with independent
mpmath formulas at random and extreme inputs (hypothesis), their gradient with finite differences
of their value, they are NaN-free at |z| = 745, take a batch axis, and a formulation the rules do
not cover is refused (or written with a warning when forced)."""

from __future__ import annotations

import math
import subprocess
import sys

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.codegen import vector_rules as vr
from derive.codegen.user_module import UnstableModuleError
from derive.codegen.vector_module import generate_vector_module
from derive.derivation import ProofError
from derive.differentiate import grad
from derive.differentiate.functions import for_codegen
from derive.differentiate.indexed import Softmax
from derive.notation import K

TINY = 2.2250738585072014e-308

CROSS_ENTROPY = "-sum_k t_k*log(softmax(z)_k)"
LOGSUMEXP = "logsumexp(z)"
ENTROPY = "-sum_k softmax(z)_k*log(softmax(z)_k)"
LOG_SOFTMAX = "sum_k t_k*log_softmax(z)_k"


def _generate(text, force=False):
    d = grad(text, ["z_j"])
    said = {a.text.split(" is a distribution")[0] for a in d.assumptions if " is a distribution" in a.text}
    value = for_codegen(d.steps[0].lhs.expr)
    (r,) = d.results
    dists = [b for b in value.atoms(sp.IndexedBase) if b.label.name in said]
    return generate_vector_module(value, for_codegen(r.expr), r.lhs.variables[0], expression_text=text,
                                  command="pytest", distributions=dists, force=force)


_CACHE: dict = {}


def _module(text):
    if text not in _CACHE:
        m = _generate(text)
        ns: dict = {}
        exec(compile(m.source, "<vector module>", "exec"), ns)
        _CACHE[text] = (m, ns)
    return _CACHE[text]


# --- independent truth: the textbook formulas in mpmath ------------------------------------------


def _mp_lse(z):
    return mpmath.log(mpmath.fsum(mpmath.exp(v) for v in z))


def _mp_softmax(z):
    lse = _mp_lse(z)
    return [mpmath.exp(v - lse) for v in z]


def _truth(text, z, t):
    """(value, gradient list) in mpmath, from the definitions (not from derive)."""
    with mpmath.workdps(1200):
        z = [mpmath.mpf(float(v)) for v in z]
        t = None if t is None else [mpmath.mpf(float(v)) for v in t]
        p = _mp_softmax(z)
        logp = [v - _mp_lse(z) for v in z]
        if text == LOGSUMEXP:
            return _mp_lse(z), p
        if text == CROSS_ENTROPY:
            return -mpmath.fsum(a * b for a, b in zip(t, logp)), [a - b for a, b in zip(p, t)]
        if text == LOG_SOFTMAX:
            return mpmath.fsum(a * b for a, b in zip(t, logp)), [b - a for a, b in zip(p, t)]
        if text == ENTROPY:
            h = -mpmath.fsum(a * b for a, b in zip(p, logp))
            return h, [-a * (lp + h) for a, lp in zip(p, logp)]
    raise AssertionError(text)


def _assert_close(computed, truth, what):
    computed = float(computed)
    assert math.isfinite(computed), f"{what}: {computed} for a finite truth {mpmath.nstr(truth, 10)}"
    err = abs(mpmath.mpf(computed) - truth)
    if abs(truth) >= TINY:
        assert err <= 1e-10 * abs(truth), f"{what}: {computed} vs {mpmath.nstr(truth, 17)}"
    else:  # subnormal or zero truth: absolute, at the scale of the smallest normal double
        assert err <= 1e-10 * TINY + 5e-324, f"{what}: {computed} vs {mpmath.nstr(truth, 17)}"


def _needs_t(text):
    return text in (CROSS_ENTROPY, LOG_SOFTMAX)


# --- rules ------------------------------------------------------------------------------------


def test_vector_rules_are_proved_on_their_templates_and_outputs():
    assert set(vr.prove_vector_rules()) == {r.name for r in vr.VECTOR_RULES}


def test_a_wrong_vector_rule_is_refused():
    j = sp.Symbol("j", integer=True, positive=True)
    z = sp.IndexedBase(sp.Symbol("z", real=True))
    k = sp.Symbol("k", integer=True, positive=True)
    wrong = vr.Rule("softmax_sums_to_two", "none", vr.SUM_SOFTMAX.query, lambda e: sp.Integer(2),
                    (sp.Sum(Softmax(z, k), (k, 1, K)), sp.Integer(2)))
    with pytest.raises(ProofError, match="softmax_sums_to_two"):
        vr.prove_vector_rules((wrong,))
    # a true template, but code that does something else
    sloppy = vr.Rule("log_softmax_sloppy", "none", vr.LOG_SOFTMAX.query, lambda e: z[j], vr.LOG_SOFTMAX.template)
    with pytest.raises(ProofError, match="log_softmax_sloppy"):
        vr.prove_vector_rules((sloppy,))


def test_rules_turn_the_unstable_parts_into_the_stable_notation():
    m, _ = _module(ENTROPY)
    assert {"log_softmax", "softmax_mean_minus", "sum_softmax_one"} <= set(m.rules_used)
    assert not m.stable_gradients[0][1].has(sp.log)
    m, _ = _module(CROSS_ENTROPY)
    assert {"log_softmax", "softmax_minus_entry"} <= set(m.rules_used)


# --- generated modules ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", [CROSS_ENTROPY, LOGSUMEXP, ENTROPY, LOG_SOFTMAX])
def test_module_passes_its_check_and_says_so(text):
    m, ns = _module(text)
    assert m.ok, m.accuracy.lines()
    assert "Accuracy check:" in m.source and "value: worst relative error" in m.source
    assert ns["WRT"] == "z"


def _vectors(draw, k):
    extreme = st.sampled_from([0.0, 1e-10, -1e-10, 1.0, -1.0, 40.0, -40.0, 720.0, -720.0, 745.0, -745.0])
    entry = st.one_of(extreme, st.floats(-745.0, 745.0, allow_nan=False))
    return np.array(draw(st.lists(entry, min_size=k, max_size=k)))


@st.composite
def _inputs(draw):
    k = draw(st.integers(2, 6))
    z = _vectors(draw, k)
    if draw(st.booleans()):
        t = np.eye(k)[draw(st.integers(0, k - 1))]
    else:
        w = np.array(draw(st.lists(st.floats(0.0, 1.0), min_size=k, max_size=k))) + 1e-3
        t = w / w.sum()
    return z, t


@pytest.mark.parametrize("text", [CROSS_ENTROPY, LOGSUMEXP, ENTROPY, LOG_SOFTMAX])
@settings(max_examples=25, deadline=None)
@given(data=_inputs())
def test_module_agrees_with_mpmath_at_random_and_extreme_inputs(text, data):
    z, t = data
    _, ns = _module(text)
    kw = {"z": z, "t": t} if _needs_t(text) else {"z": z}
    value, gradient = ns["value"](**kw), ns["gradient"](**kw)
    true_value, true_grad = _truth(text, z, t if _needs_t(text) else None)
    _assert_close(value, true_value, f"value at z={z.tolist()}")
    assert gradient.shape == z.shape
    for j, (g, tg) in enumerate(zip(gradient, true_grad)):
        if text == ENTROPY and abs(tg) >= TINY:
            # p_j (mean(z) - z_j) cancels where the mean is near z_j: there the truth changes by more
            # than 1e-10 relative for a change of the inputs in their last digit; allow that much
            cond = max(abs(mpmath.mpf(float(v))) for v in z) * 1e-16 * abs(_mp_softmax(list(z))[j]) * len(z)
            assert abs(mpmath.mpf(float(g)) - tg) <= 1e-10 * abs(tg) + 8 * cond, (j, z.tolist())
            continue
        if _needs_t(text) and 0.0 < t[j] < 1.0:
            # p_j - t_j cancels where p_j is near t_j: a change of t_j in its last digit changes the
            # truth by t_j 1e-16, so relative to t_j (the condition of the truth in t)
            err = abs(mpmath.mpf(float(g)) - tg)
            assert err <= 1e-10 * max(abs(tg), t[j]), (j, z.tolist(), t.tolist())
            continue
        _assert_close(g, tg, f"gradient[{j}] at z={z.tolist()}, t={t.tolist()}")


@pytest.mark.parametrize("text", [CROSS_ENTROPY, LOGSUMEXP, ENTROPY, LOG_SOFTMAX])
def test_nan_free_at_745(text):
    _, ns = _module(text)
    zs = [np.array([745.0, -745.0]), np.array([-745.0, -745.0, -745.0]), np.array([745.0, 745.0, -745.0, 0.0]),
          np.array([-745.0, 745.0, 720.0, -720.0, 1e-10, 0.0])]
    for z in zs:
        t = np.eye(len(z))[1]
        kw = {"z": z, "t": t} if _needs_t(text) else {"z": z}
        assert np.isfinite(ns["value"](**kw)) and np.isfinite(ns["gradient"](**kw)).all(), z
        true_value, true_grad = _truth(text, z, t if _needs_t(text) else None)
        _assert_close(ns["value"](**kw), true_value, f"value at {z}")
        for g, tg in zip(ns["gradient"](**kw), true_grad):
            _assert_close(g, tg, f"gradient at {z}")


@pytest.mark.parametrize("text", [CROSS_ENTROPY, LOGSUMEXP, ENTROPY, LOG_SOFTMAX])
def test_gradient_matches_central_differences_of_value(text):
    _, ns = _module(text)
    rng = np.random.default_rng(7)
    for k in (2, 3, 5):
        z = rng.normal(0.0, 2.0, k)
        t = rng.dirichlet(np.ones(k))
        kw = {"z": z, "t": t} if _needs_t(text) else {"z": z}
        g = ns["gradient"](**kw)
        for j in range(k):
            h = 1e-5
            zp, zm = z.copy(), z.copy()
            zp[j] += h
            zm[j] -= h
            fd = (ns["value"](**(kw | {"z": zp})) - ns["value"](**(kw | {"z": zm}))) / (2 * h)
            assert abs(fd - g[j]) <= 1e-7 * max(1.0, abs(g[j])), (text, k, j)


def test_batch_axis_gives_one_row_per_example():
    _, ns = _module(CROSS_ENTROPY)
    rng = np.random.default_rng(3)
    z = rng.normal(0.0, 300.0, (7, 4))
    t = np.eye(4)[rng.integers(0, 4, 7)]
    values, grads = ns["value"](z=z, t=t), ns["gradient"](z=z, t=t)
    assert values.shape == (7,) and grads.shape == (7, 4)
    for n in range(7):
        assert values[n] == ns["value"](z=z[n], t=t[n])
        assert np.array_equal(grads[n], ns["gradient"](z=z[n], t=t[n]))


def test_bad_arguments_are_clear_errors():
    _, ns = _module(CROSS_ENTROPY)
    with pytest.raises(TypeError, match="missing 't'"):
        ns["value"](z=np.zeros(3))
    with pytest.raises(TypeError, match="unknown 'w'"):
        ns["gradient"](z=np.zeros(3), t=np.ones(3) / 3, w=1.0)
    with pytest.raises(ValueError, match="different lengths"):
        ns["value"](z=np.zeros(3), t=np.ones(2) / 2)


def test_module_is_standalone_numpy(tmp_path):
    m, _ = _module(LOGSUMEXP)
    (tmp_path / "lse_mod.py").write_text(m.source)
    code = ("import sys, numpy; import lse_mod; "
            "assert not any(n.startswith(('sympy', 'derive', 'mpmath')) for n in sys.modules); "
            "print(lse_mod.value(z=[1000.0, 1000.0]))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert float(out.stdout) == pytest.approx(1000.0 + math.log(2.0), rel=1e-15)


def test_a_formulation_the_rules_do_not_cover_is_refused():
    # log(1 + sum_k e^{z_k}) is not recognised as a logsumexp (the 1 is e^0 outside the sum):
    # e^{745} overflows, and the check says so instead of writing the module
    with pytest.raises(UnstableModuleError, match="inf where the truth is"):
        _generate("log(1 + sum_k exp(z_k))")
    forced = _generate("log(1 + sum_k exp(z_k))", force=True)
    assert not forced.ok and forced.source.startswith('"""WARNING: THIS MODULE FAILED')


def _recheck(text, old, new):
    """The check of ``text``'s module with ``old`` replaced by ``new`` in its source."""
    from derive.codegen.vector_accuracy import check_vector_module

    m, _ = _module(text)
    assert old in m.source
    ns: dict = {}
    exec(compile(m.source.replace(old, new), "<changed module>", "exec"), ns)
    d = grad(text, ["z_j"])
    value = for_codegen(d.steps[0].lhs.expr)
    (r,) = d.results
    said = {a.text.split(" is a distribution")[0] for a in d.assumptions if " is a distribution" in a.text}
    dists = [b for b in value.atoms(sp.IndexedBase) if b.label.name in said]
    vectors = sorted(value.atoms(sp.IndexedBase), key=lambda b: b.label.name)
    return check_vector_module(ns, value, for_codegen(r.expr), r.lhs.variables[0], vectors, [], dists)


def test_the_check_catches_a_naive_complement_at_a_one_hot_target():
    # 1 - softmax_j computed as a difference: p_j - 1 is 0 where the truth is -e^{-400}
    report = _recheck(CROSS_ENTROPY, "return numpy.where(top, s, 1.0 + (s - e)) / (1.0 + s)",
                      "return 1.0 - e / (1.0 + s)")
    assert not report.ok and report.worst.output == "d/dz_j"
    assert report.worst.point["t_1"] in (0.0, 1.0)  # at a one-hot label


def test_the_check_catches_a_gradient_that_does_not_belong_to_the_value():
    report = _recheck(LOGSUMEXP, "return numpy.broadcast_to(_softmax(_sh_z), _shape)",
                      "return numpy.broadcast_to(_softmax(_sh_z) * 1.001, _shape)")
    assert not report.ok
    assert report.finite_differences.failure and report.outputs[1].checked > 1e-10
