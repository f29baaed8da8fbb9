"""`derive grad` in index notation with matrices (X_nd, --wrt w_j, --wrt X_ij): the index ranges
read off the use, the derived entry checked against central finite differences of the loss
written independently in NumPy at random sizes (the derived formula evaluated by this file's own
loop evaluator, not the proof engine), the four output formats, --numpy modules against the
textbook NumPy gradients, usage errors, and planted wrong rules refused."""

import json
import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from derive.cli import app
from derive.derivation import ProofError
from derive.differentiate import GradError, back_translate, grad, indexed
from derive.differentiate.index_ranges import IndexRangeError, infer_ranges
from derive.answers.expressions import parse_expression

runner = CliRunner()

LEAST_SQUARES = "sum_n (sum_d X_nd*w_d - t_n)^2"
LOGISTIC = "sum_n log(1 + exp(-t_n*sum_d X_nd*w_d))"
LATEX_SQUARES = r"\sum_{n=1}^{N} \left(\sum_{d=1}^{D} X_{nd} w_d - t_n\right)^2"
QUADRATIC = "sum_n sum_m x_n*A_nm*x_m + lambda*sum_n x_n^2"
SOFTMAX_MIXED = "-sum_k t_k*log(softmax(z)_k) + sum_n (sum_k A_nk*z_k)^2"


def run(*args):
    return runner.invoke(app, ["grad", *args])


def _sigmoid(u):
    return 1 / (1 + np.exp(-u))


# --- the losses, written in NumPy (not from derive) -----------------------------------------------

def loss(text, v):
    X, A, w, t, x, z = (v.get(k) for k in "XAwtxz")
    if text in (LEAST_SQUARES, LATEX_SQUARES):
        return np.sum((X @ w - t) ** 2)
    if text == LOGISTIC:
        return np.sum(np.log1p(np.exp(-t * (X @ w))))
    if text == QUADRATIC:
        return x @ A @ x + v["lambda"] * x @ x
    if text == SOFTMAX_MIXED:
        return -t @ (z - np.log(np.sum(np.exp(z)))) + np.sum((A @ z) ** 2)
    raise KeyError(text)


def variables(text, rng, sizes):
    n, d = sizes
    if text in (LEAST_SQUARES, LATEX_SQUARES, LOGISTIC):
        return {"X": rng.normal(size=(n, d)), "w": rng.normal(size=d), "t": rng.normal(size=n)}
    if text == QUADRATIC:
        return {"A": rng.normal(size=(n, n)), "x": rng.normal(size=n), "lambda": rng.normal()}
    return {"A": rng.normal(size=(n, d)), "z": rng.normal(size=d), "t": rng.normal(size=d)}


def finite_difference(text, v, name, entry):
    h = 1e-6
    up, down = {k: np.array(a, dtype=float) for k, a in v.items()}, {k: np.array(a, dtype=float) for k, a in v.items()}
    up[name][entry] += h
    down[name][entry] -= h
    return (loss(text, up) - loss(text, down)) / (2 * h)


# --- an evaluator of index-form results of this file's own: loops over the sums ----------------------

def evaluate(e, arrays, env):
    """The value of an index-notation SymPy expression; ``env``: index or dimension -> int."""
    if isinstance(e, sp.Sum):
        (var, lo, hi), rest = e.limits[-1], e.limits[:-1]
        body = sp.Sum(e.function, *rest) if rest else e.function
        return sum(evaluate(body, arrays, {**env, var: k}) for k in range(int(lo), evaluate(hi, arrays, env) + 1))
    if isinstance(e, sp.Indexed):
        return arrays[e.base.label.name][tuple(int(evaluate(i, arrays, env)) - 1 for i in e.indices)]
    if isinstance(e, indexed.Softmax):
        z = arrays[e.args[0].label.name]
        return (np.exp(z) / np.sum(np.exp(z)))[evaluate(e.args[1], arrays, env) - 1]
    if isinstance(e, indexed.LogSumExp):
        return math.log(np.sum(np.exp(arrays[e.args[0].label.name])))
    if isinstance(e, sp.Symbol):
        return env[e] if e in env else arrays[e.name]
    if e.is_Number:
        return float(e)
    if isinstance(e, sp.Add) or type(e).__name__ == "Total":  # Total, Product: the display's ordered + and *
        return sum(evaluate(a, arrays, env) for a in e.args)
    if isinstance(e, sp.Mul) or type(e).__name__ == "Product":
        return math.prod(evaluate(a, arrays, env) for a in e.args)
    if isinstance(e, sp.Pow):
        return evaluate(e.base, arrays, env) ** evaluate(e.exp, arrays, env)
    if isinstance(e, sp.KroneckerDelta):
        return float(evaluate(e.args[0], arrays, env) == evaluate(e.args[1], arrays, env))
    funcs = {"exp": math.exp, "log": math.log, "sigma": lambda u: 1 / (1 + math.exp(-u))}
    return funcs[type(e).__name__](evaluate(e.args[0], arrays, env))


_DERIVED: dict = {}


def derived(text, wrt):
    if (text, wrt) not in _DERIVED:
        _DERIVED[text, wrt] = grad(text, [wrt])
    return _DERIVED[text, wrt]


def _dimensions(d, v, name):
    """The sizes of the derivation's dimensions, from the shapes of the test's arrays."""
    sizes = {}
    for a in d.assumptions:
        for label, arr in v.items():
            if np.ndim(arr) and a.text.startswith(f"{label} is a real"):
                dims = a.text.split("length ")[-1] if "vector" in a.text else a.text.split("matrix ")[-1]
                for sym, size in zip(dims.split("×"), np.shape(arr)):
                    sizes[sp.Symbol(sym, integer=True, positive=True)] = size
    return sizes


CASES = [(LEAST_SQUARES, "w_j"), (LEAST_SQUARES, "X_ij"), (LOGISTIC, "w_j"), (LOGISTIC, "X_ij"),
         (LATEX_SQUARES, "X_{ij}"), (QUADRATIC, "x_j"), (QUADRATIC, "A_ij"), (SOFTMAX_MIXED, "z_j"),
         (SOFTMAX_MIXED, "A_ij")]


@pytest.mark.parametrize("text,wrt", CASES)
@settings(max_examples=6, deadline=None)
@given(n=st.integers(1, 5), d=st.integers(1, 5), seed=st.integers(0, 2**31))
def test_derived_entry_is_the_finite_difference_of_the_loss(text, wrt, n, d, seed):
    rng = np.random.default_rng(seed)
    v = variables(text, rng, (n, d))
    der = derived(text, wrt)
    assert der.verified
    result = der.results[0]
    name = wrt[0]
    sizes = _dimensions(der, v, name)
    value = evaluate(der.steps[0].lhs.expr, v, sizes)
    assert value == pytest.approx(loss(text, v), rel=1e-9, abs=1e-9)
    i, j = sp.symbols("i j", integer=True, positive=True)
    for entry in np.ndindex(np.shape(v[name])):
        env = {**sizes, **dict(zip((j,) if len(entry) == 1 else (i, j), (k + 1 for k in entry)))}
        got = evaluate(result.expr, v, env)
        assert got == pytest.approx(finite_difference(text, v, name, entry), rel=1e-5, abs=1e-6)


def test_ranges_are_read_off_the_use():
    r = infer_ranges(parse_expression(LEAST_SQUARES, index_notation=True).expr)
    (rows, cols), (length_w, one), (length_t, _) = r.shapes["X"], r.shapes["w"], r.shapes["t"]
    assert rows == length_t and cols == length_w and rows != cols and one == 1
    square = infer_ranges(parse_expression(QUADRATIC, index_notation=True).expr).shapes["A"]
    assert square[0] == square[1]


def test_result_stays_in_index_notation_with_the_ranges_given():
    d = grad(LATEX_SQUARES, ["w_j"])
    expr = d.results[0].expr
    assert expr.has(sp.Sum) and not expr.has(sp.KroneckerDelta)
    bounds = {str(lim[2]) for s in expr.atoms(sp.Sum) for lim in s.limits}
    assert bounds == {"N", "D"}
    assert any("j in 1..D" in a.text for a in d.assumptions)


# --- the four formats ---------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["--text", "--latex", "--markdown", "--json"])
def test_formats(fmt):
    result = run(LEAST_SQUARES, "--wrt", "w_j", fmt)
    assert result.exit_code == 0, result.output
    if fmt == "--json":
        data = json.loads(result.output)
        assert [r["id"] for r in data["results"]] == ["grad.w"]
        assert data["steps"] and all(s["verified"] for s in data["steps"])
        latex = data["results"][0]["latex"]
        assert r"\sum_{n=1}^{N}" in latex and "{X}_{n,j}" in latex and r"\delta" not in latex
    elif fmt == "--text":
        assert "∂f/∂w_j" in result.output and "X_nj" in result.output and "N×D" in result.output
    else:
        assert r"\frac{\partial f}{\partial {w}_{j}}" in result.output and r"\sum_{d=1}^{D}" in result.output
        assert ("$$" in result.output) == (fmt == "--markdown")


# --- --numpy: the whole vector or matrix -------------------------------------------------------------

def _load(path):
    ns: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), ns)
    return ns


REFERENCES = {
    (LEAST_SQUARES, "w_j"): lambda v: 2 * v["X"].T @ (v["X"] @ v["w"] - v["t"]),
    (LEAST_SQUARES, "X_ij"): lambda v: 2 * np.outer(v["X"] @ v["w"] - v["t"], v["w"]),
    (LOGISTIC, "w_j"): lambda v: -v["X"].T @ (v["t"] * _sigmoid(-v["t"] * (v["X"] @ v["w"]))),
    (QUADRATIC, "x_j"): lambda v: (v["A"] + v["A"].T) @ v["x"] + 2 * v["lambda"] * v["x"],
}


@pytest.mark.parametrize("text,wrt", list(REFERENCES))
def test_numpy_module_is_the_whole_gradient(tmp_path, text, wrt):
    out = tmp_path / "module.py"
    result = run(text, "--wrt", wrt, "--numpy", str(out))
    assert result.exit_code == 0, result.output
    assert "accuracy check passed" in result.output
    ns = _load(out)
    for seed, sizes in enumerate([(5, 3), (2, 4), (7, 1)]):
        v = variables(text, np.random.default_rng(seed), sizes)
        g = ns["gradient"](**v)
        want = REFERENCES[text, wrt](v)
        assert g.shape == want.shape == np.shape(v[wrt[0]])
        np.testing.assert_allclose(g, want, rtol=1e-10, atol=1e-12)
        assert ns["value"](**v) == pytest.approx(loss(text, v), rel=1e-12)


def test_numpy_without_a_matrix_form_says_so_and_still_derives(tmp_path):
    out = tmp_path / "m.py"
    result = run("sum_n sum_d X_nd^2*w_d*t_n", "--wrt", "w_j", "--numpy", str(out))
    assert result.exit_code == 1
    assert "Results" in result.output and "∂f/∂w_j" in result.output  # the derivation is shown
    assert "no module written" in result.output and "matrix form" in result.output
    assert not out.exists()


# --- usage errors -----------------------------------------------------------------------------------

@pytest.mark.parametrize("args,message", [
    (["sum_n sum_d X_nd*w_d + sum_n X_n*t_n", "--wrt", "w_j"], "X has two indices in X_nd but one in X_n"),
    (["sum_n X_n*t_n + sum_n sum_d X_{nd}*w_d", "--wrt", "w_j"], "X has two indices in X_{nd} but one in X_n"),
    ([r"\sum_{n=1}^{N} (\sum_{d=1}^{D} X_{nd} w_d - t_n)^2 + \sum_{n=1}^{N} w_n", "--wrt", "w_j"],
     "the index n runs over 1..N"),
    ([LEAST_SQUARES, "--wrt", "X_j"], "X is a matrix"),
    ([LEAST_SQUARES, "--wrt", "X"], "X is a matrix"),
    ([LEAST_SQUARES, "--wrt", "w_ij"], "w is a vector"),
    ([LEAST_SQUARES, "--wrt", "X_ii"], "two different index letters"),
    ([LEAST_SQUARES, "--wrt", "V_ij"], "no vector or matrix 'V'"),
    (["sum_n sum_d sum_k X_ndk", "--wrt", "X_ij"], "3 indices"),
    (["sum_n sum_d X_nd", "--wrt", "X_ij", "--wrt", "X"], "X is a matrix"),
    (["sum_d X_nd*w_d", "--wrt", "w_j"], "not bound by a sum"),
    (["sum_{n=2}^{N} sum_d X_nd*w_d", "--wrt", "w_j"], "part of a range"),
    ([LEAST_SQUARES, "--vector", "X", "--wrt", "w_j"], "X is declared a vector (--vector) but written with two"),
])
def test_usage_errors(args, message):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_inconsistent_ranges_name_the_index_and_both_uses():
    with pytest.raises(GradError) as info:
        grad(r"\sum_{n=1}^{N} (\sum_{d=1}^{D} X_{nd} w_d - t_n)^2 + \sum_{n=1}^{N} w_n", ["w_j"])
    message = info.value.message
    assert "index n" in message and "1..N" in message and "1..D" in message and "entries of w" in message
    with pytest.raises(IndexRangeError):
        infer_ranges(parse_expression(r"\sum_{n=1}^{N} \sum_{d=1}^{D} X_{nd} X_{dn}", index_notation=True).expr)


# --- planted wrong rules ------------------------------------------------------------------------------

def test_planted_wrong_matrix_entry_rule_is_refused(monkeypatch):
    right = indexed.index_rule

    def transposed(g, x):  # dX_nd/dX_ij = delta_nj delta_di: wrong
        if len(x.indices) == 2 and isinstance(g, sp.Indexed) and g.base == x.base:
            (n, d), (i, j) = g.indices, x.indices
            return sp.KroneckerDelta(n, j) * sp.KroneckerDelta(d, i), "planted"
        return right(g, x)

    monkeypatch.setattr(indexed, "index_rule", transposed)
    with pytest.raises(ProofError, match="planted"):
        grad(LEAST_SQUARES, ["X_ij"])
    result = run(LEAST_SQUARES, "--wrt", "X_ij")
    assert result.exit_code == 1 and "refuses" in result.output


def test_planted_wrong_vector_entry_rule_is_refused(monkeypatch):
    right = indexed.index_rule

    def doubled(g, x):  # dw_d/dw_j = 2 delta_dj: wrong
        if len(x.indices) == 1 and isinstance(g, sp.Indexed) and g.base == x.base:
            return 2 * sp.KroneckerDelta(g.indices[0], x.indices[0]), "planted"
        return right(g, x)

    monkeypatch.setattr(indexed, "index_rule", doubled)
    with pytest.raises(ProofError, match="planted"):
        grad(LOGISTIC, ["w_j"])


def test_planted_wrong_back_translation_refuses_the_module_not_the_derivation(monkeypatch, tmp_path):
    def forgets_transpose(e, i, leaves, size=None):  # sum_k M_ki a_k read as (M a)_i
        node = back_translate._matrix_times_vector(e, i, leaves, size)
        return node.func(node.args[0].args[0], node.args[1]) if node is not None and type(
            node.args[0]).__name__ == "MT" else node

    patterns = [forgets_transpose if p is back_translate._matrix_times_vector else p for p in back_translate.PATTERNS]
    monkeypatch.setattr(back_translate, "PATTERNS", patterns)
    out = tmp_path / "m.py"
    result = run(LEAST_SQUARES, "--wrt", "w_j", "--numpy", str(out))
    assert result.exit_code == 1
    assert "failed its proof" in result.output and "Results" in result.output
    assert not out.exists()


def test_vector_only_index_notation_is_unchanged():
    j = sp.Symbol("j", integer=True, positive=True)
    expr = grad("-sum_k t_k*log(softmax(z)_k)", ["z_j"]).results[0].expr.doit()
    assert sp.expand(expr - (indexed.Softmax(sp.IndexedBase("z", real=True), j) - sp.IndexedBase("t", real=True)[j])) == 0
