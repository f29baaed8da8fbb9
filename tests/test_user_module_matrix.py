"""Stable NumPy modules for matrix results (derive grad ... --matrix X --vector w,t --numpy): the
matrix rewrite rules are proved (and a wrong one refused), the generated modules agree with
independent SciPy formulas at random sizes and large inputs (hypothesis) and with mpmath at
extreme ones, their gradients with finite differences of their value; bad arguments are clear
errors; a module printed without the stable rules is refused (or written with a warning when
forced), and the check catches a naive formula planted into a module."""

from __future__ import annotations

import subprocess
import sys

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import expit, log_softmax, logsumexp, softmax

from derive.codegen import matrix_rules as mr
from derive.codegen.rewriting import Rule
from derive.codegen.matrix_module import generate_matrix_module
from derive.codegen.user_module import UnstableModuleError
from derive.derivation import ProofError
from derive.differentiate import grad
from derive.differentiate import matrix_forms as mf
from derive.differentiate.functions import for_codegen

LOGISTIC = "sum(log(1 + exp(-t .* (X*w))))"
RIDGE = "norm(X*w - t)^2 + lambda*norm(w)^2"
LSE = "log(sum(exp(X*w)))"
BCE = "-sum(t .* log(sigma(X*w)) + (1 - t) .* log(1 - sigma(X*w)))"
LOG_COSH = "sum(log(cosh(X*w - t)))"
PSEUDO_HUBER = "sum(sqrt(1 + (X*w - t).^2) - 1)"
QUADRATIC = "x^T*A*x"
FROBENIUS = "norm(X*W - T)^2"
MULTICLASS = "-sum(T .* log_softmax(X*W))"
POISSON = "sum(exp(X*w)) - sum(t .* (X*w))"

SHAPES = {  # text -> (vectors, matrices, wrt)
    LOGISTIC: (["w", "t"], ["X"], ["w"]),
    RIDGE: (["w", "t"], ["X"], ["w", "X"]),
    LSE: (["w"], ["X"], ["w"]),
    BCE: (["w", "t"], ["X"], ["w"]),
    LOG_COSH: (["w", "t"], ["X"], ["w"]),
    PSEUDO_HUBER: (["w", "t"], ["X"], ["w"]),
    QUADRATIC: (["x"], ["A"], ["x"]),
    FROBENIUS: ([], ["X", "W", "T"], ["W"]),
    MULTICLASS: ([], ["X", "W", "T"], ["W"]),
    POISSON: (["w", "t"], ["X"], ["w"]),
}


def _parts(text):
    vectors, matrices, wrt = SHAPES[text]
    d = grad(text, wrt, vectors, matrices)
    value = for_codegen(d.steps[0].lhs.expr)
    leaves = {leaf.args[0].label.name: leaf for leaf in value.atoms(mf.MV)}
    return value, [(leaves[r.lhs.variables[0].name], for_codegen(r.expr)) for r in d.results]


def _generate(text, force=False):
    value, gradients = _parts(text)
    distributions = ["T"] if text == MULTICLASS else []  # the derivation assumes each row of T sums to 1
    return generate_matrix_module(value, gradients, expression_text=text, command="pytest",
                                  distributions=distributions, force=force)


_CACHE: dict = {}


def _module(text):
    if text not in _CACHE:
        m = _generate(text)
        ns: dict = {}
        exec(compile(m.source, "<matrix module>", "exec"), ns)
        _CACHE[text] = (m, ns)
    return _CACHE[text]


# --- independent references: the textbook formulas with SciPy's stable functions ------------------


def _reference(text, v):
    """(value, gradients in --wrt order) from SciPy and NumPy (not from derive)."""
    if text == LOGISTIC:
        z = -v["t"] * (v["X"] @ v["w"])
        return np.sum(np.logaddexp(0.0, z)), [-v["X"].T @ (v["t"] * expit(z))]
    if text == RIDGE:
        r = v["X"] @ v["w"] - v["t"]
        return r @ r + v["lambda"] * v["w"] @ v["w"], [2 * (v["X"].T @ r + v["lambda"] * v["w"]),
                                                         2 * np.outer(r, v["w"])]
    if text == LSE:
        z = v["X"] @ v["w"]
        return logsumexp(z), [v["X"].T @ softmax(z)]
    if text == BCE:
        z = v["X"] @ v["w"]
        t = v["t"]
        return np.sum(t * np.logaddexp(0.0, -z) + (1 - t) * np.logaddexp(0.0, z)), [v["X"].T @ (expit(z) - t)]
    if text == LOG_COSH:
        r = v["X"] @ v["w"] - v["t"]
        return np.sum(np.logaddexp(r, -r) - np.log(2.0)), [v["X"].T @ np.tanh(r)]
    if text == PSEUDO_HUBER:
        r = v["X"] @ v["w"] - v["t"]
        return np.sum(np.hypot(1.0, r) - 1.0), [v["X"].T @ (r / np.hypot(1.0, r))]
    if text == QUADRATIC:
        return v["x"] @ v["A"] @ v["x"], [(v["A"] + v["A"].T) @ v["x"]]
    if text == FROBENIUS:
        r = v["X"] @ v["W"] - v["T"]
        return np.sum(r * r), [2 * v["X"].T @ r]
    if text == MULTICLASS:
        z = v["X"] @ v["W"]
        return -np.sum(v["T"] * log_softmax(z, axis=1)), [v["X"].T @ (softmax(z, axis=1) - v["T"])]
    if text == POISSON:
        z = v["X"] @ v["w"]
        return np.sum(np.exp(z) - v["t"] * z), [v["X"].T @ (np.exp(z) - v["t"])]
    raise KeyError(text)


def _variables(text, rng, n, d, scale):
    """Random arguments of ``text``: X (n, d), w (d,), t (n,), ..., entries normal times ``scale``."""
    if text == QUADRATIC:
        return {"A": rng.normal(0, 1, (d, d)), "x": scale * rng.normal(0, 1, d)}
    if text == FROBENIUS:
        return {"X": rng.normal(0, 1, (n, d)), "W": scale * rng.normal(0, 1, (d, 3)), "T": rng.normal(0, 1, (n, 3))}
    if text == MULTICLASS:  # one-hot rows: the labels of multiclass logistic regression
        return {"X": rng.normal(0, 1, (n, d)), "W": scale * rng.normal(0, 1, (d, 3)),
                "T": np.eye(3)[rng.integers(0, 3, n)]}
    if text == POISSON:  # e^{Xw} must stay finite: counts, and a moderate w
        return {"X": rng.normal(0, 1, (n, d)), "w": min(scale, 10.0) * rng.normal(0, 1, d),
                "t": rng.poisson(2.0, n).astype(float)}
    out = {"X": rng.normal(0, 1, (n, d)), "w": scale * rng.normal(0, 1, d), "t": rng.normal(0, 1, n)}
    if text == BCE:
        out["t"] = rng.integers(0, 2, n).astype(float)
    if text == LOGISTIC:
        out["t"] = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    if text == RIDGE:
        out["lambda"] = abs(rng.normal())
    if text == LSE:
        del out["t"]
    return out


# --- the rules -------------------------------------------------------------------------------------


def test_matrix_rules_are_proved_on_their_templates_and_outputs():
    assert set(mr.prove_matrix_rules()) == {rule.name for rule in mr.MATRIX_RULES}


def test_a_wrong_matrix_rule_is_refused():
    v = mr._V
    wrong = Rule("half_lse", "wrong on purpose", mr.LOG_SUM_EXP.query,
                          lambda e: mf.MLogSumExp(mf.MScale(sp.Rational(1, 2), e.args[0].args[0].args[1])),
                          (mr.LOG_SUM_EXP.template[0], mf.MLogSumExp(mf.MScale(sp.Rational(1, 2), v))))
    with pytest.raises(ProofError, match="half_lse"):
        mr.prove_matrix_rules([wrong])


@pytest.mark.parametrize("rule, text, node", [
    (mr.LOG_SUM_EXP, LSE, mf.MLogSumExp),
    (mr.LOG_SOFTMAX, "-sum(t .* log(softmax(X*w)))", mf.MLogSoftmax),
])
def test_each_rule_fires_on_what_users_write(rule, text, node):
    d = grad(text, ["w"], ["w", "t"] if "t" in text else ["w"], ["X"])
    value = for_codegen(d.steps[0].lhs.expr)
    used: set = set()
    stable = mr.stabilise_matrix(value, used)
    assert rule.name in used and stable.has(node) and not value.has(node)


# --- the generated modules -------------------------------------------------------------------------


@pytest.mark.parametrize("text", list(SHAPES))
def test_module_passes_its_check_and_says_so(text):
    m, ns = _module(text)
    assert m.ok
    assert "Accuracy check:" in m.source and "GENERATED FILE - do not edit" in m.source
    assert ns["WRT"] == tuple(SHAPES[text][2])


@settings(max_examples=25, deadline=None)
@given(text=st.sampled_from(sorted(SHAPES)), n=st.integers(1, 7), d=st.integers(1, 5),
       scale=st.sampled_from([1e-8, 1.0, 10.0, 300.0]), seed=st.integers(0, 2**32 - 1))
def test_module_agrees_with_scipy_formulas(text, n, d, scale, seed):
    _, ns = _module(text)
    v = _variables(text, np.random.default_rng(seed), n, d, scale)
    value, grads = _reference(text, v)
    got_value = ns["value"](**v)
    got = ns["gradient"](**v)
    got = [got] if len(grads) == 1 else list(got)
    assert np.isfinite(got_value) and all(np.all(np.isfinite(g)) for g in got)
    assert got_value == pytest.approx(value, rel=1e-9, abs=1e-300)
    for g, ref in zip(got, grads):
        assert g.shape == ref.shape
        np.testing.assert_allclose(g, ref, rtol=1e-8, atol=1e-9 * np.max(np.abs(ref), initial=1e-300))


def _mp_logistic(X, w, t):
    with mpmath.workdps(2000):
        z = [-mpmath.mpf(float(t[i])) * mpmath.fsum(mpmath.mpf(float(X[i, j])) * mpmath.mpf(float(w[j]))
                                                   for j in range(len(w))) for i in range(len(t))]
        value = mpmath.fsum(mpmath.log(1 + mpmath.exp(v)) for v in z)
        s = [1 / (1 + mpmath.exp(-v)) for v in z]
        g = [-mpmath.fsum(mpmath.mpf(float(X[i, j])) * mpmath.mpf(float(t[i])) * s[i] for i in range(len(t)))
             for j in range(len(w))]
        return value, g


@pytest.mark.parametrize("scale", [1.0, 100.0, 745.0, 1e4])
def test_logistic_module_agrees_with_mpmath_at_extreme_inputs(scale):
    _, ns = _module(LOGISTIC)
    rng = np.random.default_rng(7)
    X, w, t = rng.normal(0, 1, (4, 3)), scale * rng.normal(0, 1, 3), np.array([1.0, -1.0, 1.0, -1.0])
    value, g = _mp_logistic(X, w, t)
    assert ns["value"](X=X, w=w, t=t) == pytest.approx(float(value), rel=1e-12)
    got = ns["gradient"](X=X, w=w, t=t)
    truth = np.array([float(x) for x in g])
    assert np.all(np.abs(got - truth) <= 1e-12 * np.max(np.abs(truth)) + 1e-300)


@pytest.mark.parametrize("text", [LOGISTIC, LSE, BCE, LOG_COSH, MULTICLASS])
def test_nan_free_where_the_naive_formula_overflows(text):
    _, ns = _module(text)
    v = _variables(text, np.random.default_rng(3), 5, 3, 1000.0)
    with np.errstate(all="ignore"):
        naive_exp = np.exp(np.abs(v["X"] @ (v["W"] if text == MULTICLASS else v["w"]))).max()
    assert naive_exp == np.inf  # e^{Xw} itself overflows here
    assert np.isfinite(ns["value"](**v))
    assert np.all(np.isfinite(ns["gradient"](**v)))


@pytest.mark.parametrize("text", [LOGISTIC, RIDGE, PSEUDO_HUBER, FROBENIUS, MULTICLASS, POISSON])
def test_gradient_matches_central_differences_of_value(text):
    _, ns = _module(text)
    v = _variables(text, np.random.default_rng(11), 4, 3, 1.0)
    wrt = SHAPES[text][2]
    got = ns["gradient"](**v)
    got = [got] if len(wrt) == 1 else list(got)
    for name, g in zip(wrt, got):
        x = v[name]
        for m in range(x.size):
            h = 1e-5 * max(1.0, abs(x.flat[m]))
            plus, minus = x.copy(), x.copy()
            plus.flat[m] += h
            minus.flat[m] -= h
            fd = (ns["value"](**{**v, name: plus}) - ns["value"](**{**v, name: minus})) / (2 * h)
            assert g.flat[m] == pytest.approx(fd, rel=1e-6, abs=1e-6)


def test_vectors_may_be_columns_and_the_gradient_keeps_the_shape_given():
    _, ns = _module(LOGISTIC)
    v = _variables(LOGISTIC, np.random.default_rng(0), 5, 3, 1.0)
    flat = ns["gradient"](**v)
    column = ns["gradient"](**{**v, "w": v["w"][:, None]})
    assert flat.shape == (3,) and column.shape == (3, 1)
    np.testing.assert_array_equal(column[:, 0], flat)


def test_bad_arguments_are_clear_errors():
    _, ns = _module(LOGISTIC)
    v = _variables(LOGISTIC, np.random.default_rng(0), 5, 3, 1.0)
    with pytest.raises(TypeError, match="missing 't'"):
        ns["value"](X=v["X"], w=v["w"])
    with pytest.raises(TypeError, match="unknown 'y'"):
        ns["value"](**v, y=1.0)
    with pytest.raises(ValueError, match=r"w has D = 4 \(shape \(4,\)\) but X has D = 3"):
        ns["gradient"](**{**v, "w": np.ones(4)})
    with pytest.raises(ValueError, match="X is a matrix"):
        ns["value"](**{**v, "X": np.ones(5)})
    _, ridge = _module(RIDGE)
    with pytest.raises(ValueError, match="lambda is a scalar"):
        ridge["value"](**_variables(RIDGE, np.random.default_rng(0), 5, 3, 1.0) | {"lambda": np.ones(2)})


def test_module_is_standalone_numpy(tmp_path):
    m, _ = _module(LOGISTIC)
    (tmp_path / "logistic.py").write_text(m.source)
    code = ("import sys, numpy as np, logistic as L\n"
            "g = L.gradient(X=np.eye(2), w=np.ones(2), t=np.ones(2))\n"
            "assert 'sympy' not in sys.modules and 'derive' not in sys.modules\n"
            "print(g.tolist())")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert eval(out.stdout) == pytest.approx([-expit(-1.0)] * 2, rel=1e-15)  # noqa: S307 (our own output)


# --- refusal ---------------------------------------------------------------------------------------


def test_a_module_printed_without_the_stable_rules_is_refused(monkeypatch):
    import derive.codegen.matrix_module as mm
    import derive.codegen.user_module as um

    monkeypatch.setattr(um, "stabilise", lambda expr, used=None, max_rounds=8: expr)
    monkeypatch.setattr(mm, "stabilise_matrix", lambda expr, used=None: expr)
    with pytest.raises(UnstableModuleError, match="inf where the truth is"):
        _generate(LOGISTIC)
    forced = _generate(LOGISTIC, force=True)
    assert not forced.ok and forced.source.startswith('"""WARNING: THIS MODULE FAILED')


def _recheck(text, old, new):
    """The check of ``text``'s module with ``old`` replaced by ``new`` in its source."""
    from derive.codegen.matrix_accuracy import check_matrix_module
    from derive.codegen.matrix_module import matrix_variables

    m, _ = _module(text)
    assert old in m.source
    ns: dict = {}
    exec(compile(m.source.replace(old, new), "<changed module>", "exec"), ns)
    value, gradients = _parts(text)
    leaves, scalars = matrix_variables(value, gradients)
    return check_matrix_module(ns, value, gradients, leaves, scalars)


def test_the_check_catches_a_naive_logsumexp():
    report = _recheck(LSE, "_lse(_sh2)[0, 0]", "numpy.log(numpy.sum(numpy.exp(_m1)))")
    assert not report.ok and report.worst.output == "value"


def test_the_check_catches_a_gradient_that_does_not_belong_to_the_value():
    report = _recheck(QUADRATIC, "return (_m", "return (1.0001*_m")
    assert not report.ok and report.finite_differences.failure


# --- the command line ------------------------------------------------------------------------------


def _run(*args):
    from typer.testing import CliRunner

    from derive.cli import app

    return CliRunner().invoke(app, ["grad", *args])


def test_cli_writes_the_checked_module_of_the_issue_example(tmp_path):
    out = tmp_path / "logistic.py"
    result = _run(LOGISTIC, "--matrix", "X", "--vector", "w,t", "--wrt", "w", "--numpy", str(out))
    assert result.exit_code == 0, result.output
    assert "accuracy check passed" in result.output and "X^T" in result.output
    ns: dict = {}
    exec(compile(out.read_text(), str(out), "exec"), ns)
    v = _variables(LOGISTIC, np.random.default_rng(5), 6, 2, 30.0)
    np.testing.assert_allclose(ns["gradient"](**v), _reference(LOGISTIC, v)[1][0], rtol=1e-10)
    assert "--matrix X" in out.read_text() and "--vector w,t" in out.read_text()  # the command that wrote it


def test_cli_refuses_an_unstable_module_and_force_writes_it(tmp_path, monkeypatch):
    import derive.codegen.matrix_module as mm
    import derive.codegen.user_module as um

    monkeypatch.setattr(um, "stabilise", lambda expr, used=None, max_rounds=8: expr)
    monkeypatch.setattr(mm, "stabilise_matrix", lambda expr, used=None: expr)
    out = tmp_path / "lse.py"
    result = _run(LSE, "--matrix", "X", "--vector", "w", "--wrt", "w", "--numpy", str(out))
    assert result.exit_code == 1 and "no module written" in result.output and not out.exists()
    result = _run(LSE, "--matrix", "X", "--vector", "w", "--wrt", "w", "--numpy", str(out), "--force")
    assert result.exit_code == 0 and "FAILED its accuracy check" in result.output and out.exists()


def test_pseudo_huber_keeps_its_digits_where_xw_is_close_to_t():
    # Xw - t is exact here (X = I, Sterbenz); sqrt(1 + r^2) - 1 ~ r^2/2 must not be computed as
    # ((Xw)^2 - 2 Xw t + t^2)/(...), which loses every digit when Xw is close to t
    _, ns = _module(PSEUDO_HUBER)
    w = np.array([1e4, -3e5, 7.0])
    t = w + np.array([1e-6, 2e-5, 1e-9])
    X = np.eye(3)
    with mpmath.workdps(60):
        truth = mpmath.fsum(mpmath.sqrt(1 + (mpmath.mpf(float(a)) - mpmath.mpf(float(b))) ** 2) - 1 for a, b in zip(w, t))
    assert ns["value"](X=X, w=w, t=t) == pytest.approx(float(truth), rel=1e-14)


MULTINOMIAL = "logsumexp(X*w) - t^T*(X*w)"


def test_softmax_minus_a_one_hot_target_keeps_its_digits():
    # softmax(Xw) - t at a confident, right prediction: 1 - p is e^{-40}-small; p - 1 computed as a
    # difference would be 0 or 1e-16, not -e^{-40}
    d = grad(MULTINOMIAL, ["w"], ["w", "t"], ["X"])
    value = for_codegen(d.steps[0].lhs.expr)
    leaves = {leaf.args[0].label.name: leaf for leaf in value.atoms(mf.MV)}
    (r,) = d.results
    m = generate_matrix_module(value, [(leaves["w"], for_codegen(r.expr))], expression_text=MULTINOMIAL,
                               command="pytest")
    assert m.ok and "softmax_minus_target" in m.rules_used
    ns: dict = {}
    exec(compile(m.source, "<multinomial>", "exec"), ns)
    X, w = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]), np.array([40.0, 0.0])
    t = np.array([1.0, 0.0, 0.0])  # the argmax of Xw = (40, 0, 20)
    with mpmath.workdps(60):
        z = [mpmath.mpf(40), mpmath.mpf(0), mpmath.mpf(20)]
        total = mpmath.fsum(mpmath.exp(v) for v in z)
        r_ = [mpmath.exp(v) / total - mpmath.mpf(float(ti)) for v, ti in zip(z, t)]
        truth = [float(mpmath.fsum(mpmath.mpf(float(X[n, j])) * r_[n] for n in range(3))) for j in range(2)]
    np.testing.assert_allclose(ns["gradient"](X=X, w=w, t=t), truth, rtol=1e-13)


def test_a_scalar_variable_of_a_matrix_expression_can_be_differentiated_too(tmp_path):
    out = tmp_path / "ridge.py"
    result = _run(RIDGE, "--matrix", "X", "--vector", "w,t", "--wrt", "lambda", "--wrt", "w", "--numpy", str(out))
    assert result.exit_code == 0, result.output
    ns: dict = {}
    exec(compile(out.read_text(), str(out), "exec"), ns)
    assert ns["_SCALARS"] == ("lambda",) and ns["WRT"] == ("lambda", "w")
    v = _variables(RIDGE, np.random.default_rng(2), 5, 3, 1.0)
    d_lambda, d_w = ns["gradient"](**v)
    assert isinstance(d_lambda, float) and d_lambda == pytest.approx(v["w"] @ v["w"], rel=1e-14)
    np.testing.assert_allclose(d_w, _reference(RIDGE, v)[1][0], rtol=1e-12)


def test_ties_at_the_maximum_count_every_maximum():
    # Xw = (2, 2, 2, -1): three maxima; logsumexp = 2 + log(3 + e^{-3}), softmax 1/(3 + e^{-3}) at each
    _, ns = _module(LSE)
    X, w = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [-0.5, 0.0]]), np.array([2.0, 2.0])
    with mpmath.workdps(50):
        total = 3 + mpmath.exp(-3)
        value = float(2 + mpmath.log(total))
        p = [float(1 / total)] * 3 + [float(mpmath.exp(-3) / total)]
    assert ns["value"](X=X, w=w) == pytest.approx(value, rel=1e-15)
    np.testing.assert_allclose(ns["gradient"](X=X, w=w), X.T @ np.array(p), rtol=1e-14)
