"""`derive gradcheck`: a correct user implementation passes, a deliberately wrong one fails with
the worst input shown, user code runs in a subprocess under a time limit."""

from __future__ import annotations

import textwrap

import pytest
from typer.testing import CliRunner

from derive.cli import app
from derive.codegen.gradcheck import TARGETS

runner = CliRunner()

USER_CODE = textwrap.dedent("""
    import numpy as np

    def softmax_jacobian(z):
        e = np.exp(z - z.max())
        y = e / e.sum()
        return np.diag(y) - np.outer(y, y)

    def jacobian_transposed_sign(z):
        e = np.exp(z - z.max())
        y = e / e.sum()
        return np.outer(y, y) - np.diag(y)

    def naive_jacobian(z):  # overflows: NaN at the extreme inputs
        y = np.exp(z) / np.exp(z).sum()
        return np.diag(y) - np.outer(y, y)

    def logistic_gradient(X, w, t):
        return X.T @ (1 / (1 + np.exp(-(X @ w))) - t)

    def logistic_gradient_missing_x(X, w, t):
        return np.sum(1 / (1 + np.exp(-(X @ w))) - t) * np.ones(X.shape[1])

    def ce_gradient(z, t):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        y = e / e.sum(axis=1, keepdims=True)
        y[np.arange(len(t)), t] -= 1
        return y

    def sigma_prime(x):
        s = 1 / (1 + np.exp(-x))
        return s * (1 - s)

    def raises(x):
        raise RuntimeError("not implemented")

    def forever(x):
        while True:
            pass
""")


@pytest.fixture()
def user_file(tmp_path):
    path = tmp_path / "student.py"
    path.write_text(USER_CODE)
    return path


def _run(user_file, function, result_id, *extra):
    return runner.invoke(app, ["gradcheck", f"{user_file}:{function}", "--against", result_id, *extra])


@pytest.mark.parametrize("function, result_id", [
    ("softmax_jacobian", "softmax.jacobian_matrix"),
    ("logistic_gradient", "glm.logistic.gradient"),
    ("ce_gradient", "softmax.ce_gradient"),
    ("sigma_prime", "sigmoid.derivative"),
])
def test_correct_implementations_pass(user_file, function, result_id):
    result = _run(user_file, function, result_id)
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("PASS")
    assert "max abs error" in result.output


@pytest.mark.parametrize("function, result_id, reason", [
    ("jacobian_transposed_sign", "softmax.jacobian", "max abs error"),
    ("logistic_gradient_missing_x", "glm.logistic.gradient", "max abs error"),
    ("naive_jacobian", "softmax.jacobian", "NaN/inf"),
    ("raises", "sigmoid.derivative", "RuntimeError: not implemented"),
])
def test_wrong_implementations_fail_with_the_worst_input(user_file, function, result_id, reason):
    result = _run(user_file, function, result_id)
    assert result.exit_code == 1, result.output
    assert result.output.strip().endswith("FAIL")
    assert reason in result.output


def test_worst_input_is_reported(user_file):
    result = _run(user_file, "jacobian_transposed_sign", "softmax.jacobian")
    assert "worst:" in result.output and "expected" in result.output


def test_runaway_user_code_is_killed(user_file):
    result = _run(user_file, "forever", "sigmoid.derivative", "--timeout", "2")
    assert result.exit_code == 2
    assert "did not finish within 2 s" in result.output


@pytest.mark.parametrize("args, message", [
    (["gradcheck", "no_colon", "--against", "sigmoid.derivative"], "FILE.py:FUNCTION"),
    (["gradcheck", "missing.py:f", "--against", "sigmoid.derivative"], "not a Python file"),
])
def test_bad_targets_are_usage_errors(args, message):
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and message in result.output


def test_unknown_result_and_missing_function(user_file):
    result = _run(user_file, "sigma_prime", "no.such.result")
    assert result.exit_code == 2 and "no gradient check" in result.output
    result = _run(user_file, "nope", "sigmoid.derivative")
    assert result.exit_code == 2 and "has no function 'nope'" in result.output


def test_every_target_reference_runs():
    import numpy as np

    for rid, target in TARGETS.items():
        for _, args in target.make_cases(np.random.default_rng(1)):
            out = target.reference(*args)
            assert np.isfinite(out).all(), rid


# --- --expr EXPR --wrt VAR: any expression ------------------------------------------------------

EXPR_CODE = textwrap.dedent("""
    import numpy as np

    def bce_grad(x, t):  # stable: sigma(x) - t with the sign-split sigmoid
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1.0, e) / (1.0 + e) - t

    def bce_grad_wrong_sign(x, t):
        e = np.exp(-np.abs(x))
        return t - np.where(x >= 0, 1.0, e) / (1.0 + e)

    def softplus_grad_naive(x, t):  # exp(x) overflows: NaN at x = 745
        return np.exp(x) / (1 + np.exp(x)) - t

    def ridge(**v):  # lambda is a Python keyword: keyword arguments only
        return v["lambda"] * v["x"], v["x"] ** 2 / 2

    def ridge_swapped(**v):
        return v["x"] ** 2 / 2, v["lambda"] * v["x"]
""")

BCE = "-(t*log(sigma(x)) + (1-t)*log(1-sigma(x)))"


@pytest.fixture()
def expr_file(tmp_path):
    path = tmp_path / "mine.py"
    path.write_text(EXPR_CODE)
    return path


def _run_expr(path, function, expr, *wrt):
    args = ["gradcheck", f"{path}:{function}", "--expr", expr]
    for w in wrt:
        args += ["--wrt", w]
    return runner.invoke(app, args)


def test_expr_correct_gradient_passes(expr_file):
    result = _run_expr(expr_file, "bce_grad", BCE, "x")
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("PASS")
    assert "t=ndarray (N,), x=ndarray (N,)" in result.output  # the expected keyword signature


def test_expr_wrong_gradient_fails_with_named_worst_input(expr_file):
    result = _run_expr(expr_file, "bce_grad_wrong_sign", BCE, "x")
    assert result.exit_code == 1, result.output
    assert result.output.strip().endswith("FAIL")
    worst = [line for line in result.output.splitlines() if "worst:" in line][0]
    assert "x=" in worst and "t=" in worst


def test_expr_naive_overflow_fails(expr_file):
    result = _run_expr(expr_file, "softplus_grad_naive", "log(1 + e^x) - t*x", "x")
    assert result.exit_code == 1, result.output
    assert "NaN/inf" in result.output


def test_expr_several_variables_in_wrt_order(expr_file):
    expr = "lambda*x^2/2"
    ok = _run_expr(expr_file, "ridge", expr, "x", "lambda")
    assert ok.exit_code == 0, ok.output
    swapped = _run_expr(expr_file, "ridge_swapped", expr, "x", "lambda")
    assert swapped.exit_code == 1, swapped.output


@pytest.mark.parametrize("extra, message", [
    (["--expr", "x^2 +", "--wrt", "x"], "ends too early (at position 6)"),
    (["--expr", "__import__('os')", "--wrt", "x"], "unexpected '_' (at position 1)"),
    (["--expr", "x^2", "--wrt", "y"], "does not contain the variable 'y'"),
    (["--expr", "x^2"], "--expr needs --wrt"),
    (["--expr", "x^2", "--wrt", "x", "--against", "sigmoid.derivative"], "either --against"),
    ([], "either --against"),
])
def test_expr_usage_errors(expr_file, extra, message):
    result = runner.invoke(app, ["gradcheck", f"{expr_file}:bce_grad", *extra])
    assert result.exit_code == 2, result.output
    assert message in result.output
