"""`derive grad` on the command line: the four formats, LaTeX that compiles, exit codes, errors
with positions, the refusal of a wrong derivative-table entry."""

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from derive.cli import app
from derive.differentiate import table as table_module
from derive.differentiate.table import Entry
from derive.notation import sigma
from reports.pdf import compile_pdf

runner = CliRunner()


def run(*args):
    return runner.invoke(app, ["grad", *args])


def test_text_is_the_default_and_marks_every_step():
    result = run("x*sigma(x)", "--wrt", "x")
    assert result.exit_code == 0, result.output
    steps = json.loads(run("x*sigma(x)", "--wrt", "x", "--json").output)["steps"]
    assert result.output.count("✓") == len(steps) > 1
    assert "grad.x" in result.output and "\\frac" not in result.output


def test_json_contract_one_result_per_wrt():
    result = run("r + (t - m)^2/(2*exp(2*r))", "--wrt", "m", "--wrt", "r", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"id", "title", "steps", "results"} <= set(data)
    for s in data["steps"]:
        assert {"latex", "text", "rule", "verified", "method"} <= set(s)
        assert s["verified"] is True and "numeric" in s["method"]
    assert [r["id"] for r in data["results"]] == ["grad.m", "grad.r"]
    for r in data["results"]:
        assert {"id", "title", "latex", "text"} <= set(r)


def test_markdown():
    result = run(r"\log\left(1 + e^{x}\right)", "--wrt", "x", "--markdown")
    assert result.exit_code == 0, result.output
    assert result.output.count("$$") % 2 == 0 and "\\begin{aligned}" in result.output
    assert "| # | rule | proof |" in result.output


@pytest.mark.parametrize("expression,wrt", [
    ("-(1 - sigma(z))^2*log(sigma(z))", ["z"]),
    ("r + (t - m)^2/(2*exp(2*r))", ["m", "r"]),
    ("relu(x) + abs(x)*softplus(lambda*x)", ["x", "lambda"]),
    ("x^x + atan(x)/sqrt(1 + x^2)", ["x"]),
])
def test_latex_compiles_standalone_and_as_fragment(expression, wrt, tmp_path):
    args = [expression] + [a for w in wrt for a in ("--wrt", w)]
    standalone = run(*args, "--latex", "--standalone")
    assert standalone.exit_code == 0, standalone.output
    fragment = run(*args, "--latex").output
    assert "\\documentclass" not in fragment
    wrapped = "\\documentclass{article}\\usepackage{amsmath,amssymb}\\begin{document}\n" + fragment + "\\end{document}\n"
    for name, source in (("standalone", standalone.output), ("fragment", wrapped)):
        compiled = compile_pdf(source, tmp_path / f"{name}.pdf", tool="pdflatex")
        assert "Undefined control sequence" not in compiled.log
        assert compiled.pdf.stat().st_size > 1000


def test_no_steps_and_output_file(tmp_path):
    out = tmp_path / "deep" / "swish.json"
    result = run("x*sigma(x)", "--wrt", "x", "--json", "--no-steps", "--output", str(out))
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["steps"] == [] and [r["id"] for r in data["results"]] == ["grad.x"]
    assert not list(out.parent.glob("*.part"))


def test_unknown_function_exit_2_with_position_and_vocabulary():
    result = run("x + foo(x)", "--wrt", "x")
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert "unknown function 'foo' (at position 5)" in lines[0]
    caret = next(n for n, line in enumerate(lines) if line.strip() == "^")
    assert lines[caret - 1].index("foo") == lines[caret].index("^")
    assert "sigma" in result.output and "softplus" in result.output


@pytest.mark.parametrize("args,message", [
    (["x + 1", "--wrt", "y"], "does not contain the variable 'y'"),
    (["x + z_j", "--wrt", "x"], "--vector z"),
    (["x +", "--wrt", "x"], "ends too early"),
    (["x", "--wrt", "x", "--latex", "--json"], "one output format"),
    (["x", "--wrt", "x", "--matrix", "W"], "x is a scalar"),
    (["x"], "--wrt"),
])
def test_usage_errors_exit_2(args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output


def test_wrong_table_entry_makes_the_command_refuse(monkeypatch):
    wrong = Entry("sigmoid", r"\sigma'(u)", lambda u: sigma(u) ** 2, "sigmoid.derivative")
    monkeypatch.setitem(table_module.DERIVATIVES, sigma, wrong)
    result = run("x*sigma(x)", "--wrt", "x")
    assert result.exit_code == 1
    assert "refuses" in result.output and "failed its proof" in result.output
    assert "✓" not in result.output


def test_time_limit_exits_3():
    result = run("sigma(sigma(sigma(sigma(x)))) * tanh(x)^3 * atan(x)", "--wrt", "x", "--timeout", "0.01")
    assert result.exit_code == 3
    assert "time limit" in result.output


def test_expression_starting_with_minus_through_a_real_command_line():
    proc = subprocess.run([sys.executable, "-m", "derive", "grad", "-(1 - sigma(z))^2*log(sigma(z))", "--wrt", "z",
                           "--json"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["results"][0]["id"] == "grad.z"
    assert data["steps"][0]["text"].startswith("d/dz(-")  # the leading minus reached the parser


def test_help_lists_the_examples():
    result = runner.invoke(app, ["grad", "--help"])
    assert result.exit_code == 0
    assert "--wrt" in result.output and "sigma" in result.output


# --- --numpy: the checked module of the colleague's code generator --------------------------------

def _load(path):
    import importlib.util

    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_numpy_module_agrees_with_mpmath(tmp_path):
    import mpmath
    import numpy as np

    out = tmp_path / "swish.py"
    result = run("x*sigma(x)", "--wrt", "x", "--no-steps", "--numpy", str(out))
    assert result.exit_code == 0, result.output
    assert "accuracy check passed" in result.output
    module = _load(out)
    xs = np.array([-50.0, -3.5, 0.0, 0.25, 2.0, 40.0])
    mpmath.mp.dps = 40
    swish = lambda v: v / (1 + mpmath.exp(-v))  # noqa: E731
    for v, value, slope in zip(xs, module.value(x=xs), module.gradient(x=xs)):
        v = mpmath.mpf(float(v))
        assert abs(value - float(swish(v))) <= 1e-13 * max(1e-300, abs(float(swish(v)))) + 1e-300
        truth = float(mpmath.diff(swish, v))
        assert abs(slope - truth) <= 1e-12 * abs(truth) + 1e-300


def test_numpy_module_two_variables_in_wrt_order(tmp_path):
    out = tmp_path / "nll.py"
    result = run("r + (t - m)^2/(2*exp(2*r))", "--wrt", "m", "--wrt", "r", "--numpy", str(out), "--force")
    assert result.exit_code == 0, result.output
    module = _load(out)
    m, r, t = 0.3, -0.2, 1.5
    dm, dr = module.gradient(m=m, r=r, t=t)
    f = lambda m, r: r + (t - m) ** 2 / (2 * __import__("math").exp(2 * r))  # noqa: E731
    h = 1e-6
    assert abs(dm - (f(m + h, r) - f(m - h, r)) / (2 * h)) < 1e-6
    assert abs(dr - (f(m, r + h) - f(m, r - h)) / (2 * h)) < 1e-6


@pytest.fixture
def failing_check(monkeypatch):
    """The real accuracy check with a threshold of 0: any rounding error fails it."""
    import dataclasses

    from derive.codegen import user_module

    real = user_module.check_module
    monkeypatch.setattr(user_module, "check_module",
                        lambda *a, **k: dataclasses.replace(real(*a, **k), threshold=0.0))


def test_numpy_module_that_fails_its_check_is_not_written(tmp_path, failing_check):
    out = tmp_path / "swish.py"
    result = run("x*sigma(x)", "--wrt", "x", "--numpy", str(out))
    assert result.exit_code == 1
    assert not out.exists() and not list(tmp_path.glob("*.part"))
    assert "no module written" in result.output and "at x=" in result.output and "--force" in result.output


def test_numpy_force_writes_with_a_warning(tmp_path, failing_check):
    out = tmp_path / "swish.py"
    result = run("x*sigma(x)", "--wrt", "x", "--numpy", str(out), "--force")
    assert result.exit_code == 0, result.output
    assert "Warning" in result.output and "FAILED its accuracy check" in result.output
    assert "WARNING" in out.read_text()


def test_force_without_numpy_is_a_usage_error():
    result = run("x", "--wrt", "x", "--force")
    assert result.exit_code == 2 and "--numpy" in result.output


def test_numpy_module_for_index_notation_is_the_whole_gradient_vector(tmp_path):
    import mpmath
    import numpy as np

    out = tmp_path / "ce.py"
    result = run("-sum_k t_k*log(softmax(z)_k)", "--wrt", "z_j", "--no-steps", "--numpy", str(out))
    assert result.exit_code == 0, result.output
    assert "accuracy check passed" in result.output
    module = _load(out)
    z, t = np.array([745.0, -745.0, 3.0, 0.5]), np.array([1.0, 0.0, 0.0, 0.0])
    grad_vec = module.gradient(z=z, t=t)
    assert grad_vec.shape == (4,)
    with mpmath.workdps(800):
        e = [mpmath.exp(mpmath.mpf(v)) for v in z]
        p = [v / mpmath.fsum(e) for v in e]
        truth = [float(pk - tk) for pk, tk in zip(p, t)]
        ce = float(-mpmath.log(p[0]))
    assert module.value(z=z, t=t) == pytest.approx(ce, rel=1e-12, abs=1e-320)
    for g, tr in zip(grad_vec, truth):
        assert g == pytest.approx(tr, rel=1e-12, abs=1e-320)
    batch = module.gradient(z=np.stack([z, z[::-1]]), t=np.stack([t, t]))
    assert batch.shape == (2, 4) and np.array_equal(batch[0], grad_vec)


def test_numpy_index_notation_that_fails_its_check_exits_1(tmp_path):
    out = tmp_path / "bad.py"
    result = run("log(1 + sum_k exp(z_k))", "--wrt", "z_j", "--numpy", str(out))
    assert result.exit_code == 1 and not out.exists()
    assert "no module written" in result.output and "z_1=" in result.output
