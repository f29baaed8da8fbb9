"""``derive gradcheck FILE.py:FUNC --expr EXPR --matrix X --vector w,t --wrt w``: a user's gradient
code for a matrix expression passes when it is right, fails when a sign, a transpose or a shape
is wrong, and bad usage is exit 2."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from derive.cli import app

LOGISTIC = "sum(log(1 + exp(-t .* (X*w))))"
RIDGE = "norm(X*w - t)^2 + lambda*norm(w)^2"

USER_CODE = '''
import numpy as np

def logistic(X, w, t):
    return -X.T @ (t / (1 + np.exp(t * (X @ w))))

def logistic_sign(X, w, t):
    return X.T @ (t / (1 + np.exp(t * (X @ w))))

def ridge(X, w, t, **kw):
    lam = kw["lambda"]
    return 2 * (X.T @ (X @ w - t) + lam * w)

def ridge_column(X, w, t, **kw):
    return ridge(X, w, t, **kw)[:, None]

def quadratic_no_transpose(A, x):
    return 2 * A @ x
'''


@pytest.fixture
def user_file(tmp_path):
    path = tmp_path / "mine.py"
    path.write_text(USER_CODE)
    return path


def _run(*args):
    return CliRunner().invoke(app, ["gradcheck", *args])


def test_right_code_passes(user_file):
    result = _run(f"{user_file}:logistic", "--expr", LOGISTIC, "--matrix", "X", "--vector", "w,t", "--wrt", "w")
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith("PASS") and "FAIL" not in result.output
    assert "X=ndarray (N, D)" in result.output and "-> ndarray (D,)" in result.output


def test_scalar_keyword_lambda_is_passed(user_file):
    result = _run(f"{user_file}:ridge", "--expr", RIDGE, "--matrix", "X", "--vector", "w,t", "--wrt", "w")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("function, expr, matrices, vectors, wrt", [
    ("logistic_sign", LOGISTIC, "X", "w,t", "w"),
    ("ridge_column", RIDGE, "X", "w,t", "w"),  # shape (D, 1), not (D,)
    ("quadratic_no_transpose", "x^T*A*x", "A", "x", "x"),  # 2Ax is right only for a symmetric A
])
def test_wrong_code_fails(user_file, function, expr, matrices, vectors, wrt):
    result = _run(f"{user_file}:{function}", "--expr", expr, "--matrix", matrices, "--vector", vectors, "--wrt", wrt)
    assert result.exit_code == 1, result.output
    assert result.output.rstrip().endswith("FAIL")


def test_usage_errors(user_file):
    result = _run(f"{user_file}:logistic", "--against", "sigmoid.derivative", "--vector", "w")
    assert result.exit_code == 2 and "--vector and --matrix go with --expr" in result.output
    result = _run(f"{user_file}:logistic", "--expr", LOGISTIC, "--matrix", "X", "--vector", "w,t",
                  "--wrt", "w", "--wrt", "t")
    assert result.exit_code == 2 and "one --wrt" in result.output
