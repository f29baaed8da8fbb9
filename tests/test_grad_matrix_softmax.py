"""`derive grad` in matrix mode for row-wise softmax, log_softmax and logsumexp (multiclass
logistic regression): the derived gradients checked against finite differences of the loss
written independently in NumPy at random sizes (the matrix forms evaluated by this file's own
evaluator, softmax taken row by row); target distributions (t, the rows of T) assumed exactly
where the derivation needs sum = 1 and sampled on the simplex in the proofs; planted wrong
back-translation patterns are refused."""

import json

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from derive.answers.shaped import parse_shaped
from derive.cli import app
from derive.derivation import ProofError
from derive.differentiate import back_translate, grad
from derive.differentiate import matrix_distributions as distributions
from derive.differentiate import matrix_forms as mf
from derive.printing import to_text
from matrix_evaluator import evaluate, finite_difference, lse as _lse, rows_softmax as _rows

runner = CliRunner()


# --- the losses, in NumPy (independent of the parser and of the derivation) ------------------------

def _log_softmax_rows(a):
    return a - _lse(a, 1)


def _simplex_rows(rng, n, k):
    return rng.dirichlet(np.ones(k), size=n)


def _matrices(n, d, k, rng, targets):
    return {"X": rng.normal(size=(n, d)), "W": rng.normal(size=(d, k)), **targets(rng, n, k)}


def _vectors(n, d, rng, targets):
    return {"X": rng.normal(size=(n, d)), "w": rng.normal(size=(d, 1)), **targets(rng, n)}


# name: (expression, vectors, matrices, wrt, NumPy loss, env maker (n, d, k, rng))
EXAMPLES = {
    "multiclass cross-entropy": (
        "-sum(T .* log_softmax(X*W))", "", "X,W,T", "W",
        lambda e: -np.sum(e["T"] * _log_softmax_rows(e["X"] @ e["W"])),
        lambda n, d, k, rng: _matrices(n, d, k, rng, lambda r, n, k: {"T": _simplex_rows(r, n, k)})),
    "multiclass cross-entropy in X": (
        "-sum(T .* log_softmax(X*W))", "", "X,W,T", "X",
        lambda e: -np.sum(e["T"] * _log_softmax_rows(e["X"] @ e["W"])),
        lambda n, d, k, rng: _matrices(n, d, k, rng, lambda r, n, k: {"T": _simplex_rows(r, n, k)})),
    "multiclass cross-entropy in T": (  # -log_softmax(XW): no row sum of T, any real T
        "-sum(T .* log_softmax(X*W))", "", "X,W,T", "T",
        lambda e: -np.sum(e["T"] * _log_softmax_rows(e["X"] @ e["W"])),
        lambda n, d, k, rng: _matrices(n, d, k, rng, lambda r, n, k: {"T": r.normal(size=(n, k))})),
    "cross-entropy, rows not distributions": (
        "-sum(Y .* log_softmax(X*W))", "", "X,W,Y", "W",
        lambda e: -np.sum(e["Y"] * _log_softmax_rows(e["X"] @ e["W"])),
        lambda n, d, k, rng: _matrices(n, d, k, rng, lambda r, n, k: {"Y": r.normal(size=(n, k))})),
    "row logsumexp": (
        "sum(logsumexp(X*W))", "", "X,W", "W",
        lambda e: np.sum(_lse(e["X"] @ e["W"], 1)),
        lambda n, d, k, rng: _matrices(n, d, k, rng, lambda r, n, k: {})),
    "row logsumexp in X": (
        "sum(logsumexp(X*W))", "", "X,W", "X",
        lambda e: np.sum(_lse(e["X"] @ e["W"], 1)),
        lambda n, d, k, rng: _matrices(n, d, k, rng, lambda r, n, k: {})),
    "multinomial loss": (  # T any real matrix: the derivation does not need its rows to sum to 1
        "sum(logsumexp(X*W)) - sum(T .* (X*W))", "", "X,W,T", "W",
        lambda e: np.sum(_lse(e["X"] @ e["W"], 1)) - np.sum(e["T"] * (e["X"] @ e["W"])),
        lambda n, d, k, rng: _matrices(n, d, k, rng, lambda r, n, k: {"T": r.normal(size=(n, k))})),
    "regularised cross-entropy": (
        "-sum(T .* log_softmax(X*W)) + lambda*norm(W)^2", "", "X,W,T", "W",
        lambda e: -np.sum(e["T"] * _log_softmax_rows(e["X"] @ e["W"])) + e["lambda"] * np.sum(e["W"] ** 2),
        lambda n, d, k, rng: _matrices(n, d, k, rng, lambda r, n, k: {"T": _simplex_rows(r, n, k),
                                                                      "lambda": r.uniform(0.1, 2)})),
    "expected softmax": (
        "sum(T .* softmax(X*W))", "", "X,W,T", "W",
        lambda e: np.sum(e["T"] * _rows(e["X"] @ e["W"], 1)),
        lambda n, d, k, rng: _matrices(n, d, k, rng, lambda r, n, k: {"T": r.normal(size=(n, k))})),
    "vector cross-entropy": (
        "-sum(t .* log_softmax(X*w))", "w,t", "X", "w",
        lambda e: -np.sum(e["t"] * (e["X"] @ e["w"] - _lse(e["X"] @ e["w"], 0))),
        lambda n, d, k, rng: _vectors(n, d, rng, lambda r, n: {"t": r.dirichlet(np.ones(n)).reshape(n, 1)})),
    "vector cross-entropy, not a distribution": (
        "-sum(y .* log_softmax(X*w))", "w,y", "X", "w",
        lambda e: -np.sum(e["y"] * (e["X"] @ e["w"] - _lse(e["X"] @ e["w"], 0))),
        lambda n, d, k, rng: _vectors(n, d, rng, lambda r, n: {"y": r.normal(size=(n, 1))})),
    "logsumexp in X": (
        "logsumexp(X*w)", "w", "X", "X",
        lambda e: _lse(e["X"] @ e["w"], 0)[0, 0],
        lambda n, d, k, rng: _vectors(n, d, rng, lambda r, n: {})),
}
_CACHE = {}


def derived(name):
    if name not in _CACHE:
        text, vectors, matrices, wrt, *_ = EXAMPLES[name]
        _CACHE[name] = grad(text, [wrt], [v for v in vectors.split(",") if v], matrices.split(","))
    return _CACHE[name]


def _dims(name, env):
    """Dimension symbol -> size, from the parse's leaves and the arrays' shapes."""
    text, vectors, matrices, *_ = EXAMPLES[name]
    leaves = parse_shaped(text, [v for v in vectors.split(",") if v], matrices.split(",")).leaves
    out = {}
    for n, leaf in leaves.items():
        for dim, size in zip(leaf.args[1:], env[n].shape):
            out[dim] = size
    return out


@pytest.mark.parametrize("name", list(EXAMPLES))
@settings(max_examples=12, deadline=None)
@given(n=st.integers(1, 5), d=st.integers(1, 4), k=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
def test_gradient_matches_finite_differences_at_random_sizes(name, n, d, k, seed):
    text, vectors, matrices, wrt, loss, make = EXAMPLES[name]
    env = make(n, d, k, np.random.default_rng(seed))
    ours = evaluate(derived(name).result(f"grad.{wrt}").expr, env, _dims(name, env))
    np.testing.assert_allclose(ours, finite_difference(loss, env, wrt), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_every_step_is_proved_and_no_product_of_exponentials_appears(name):
    d = derived(name)
    assert d.verified and all(s.verified for s in d.steps)
    assert d.steps[-1].rule.startswith("in matrix form")
    # exp(sum_d a_d) is never expanded into prod_d exp(a_d) (that hid the row softmax)
    assert not any(s.expr.has(sp.Product) for s in d.steps)


def _as_matrix_form(text, vectors, matrices):
    """The matrix form of ``text`` as the parser builds it (``sum(...)`` taken off)."""
    parsed = parse_shaped(f"sum({text})", vectors, matrices)
    return parsed.expr.args[0]


@pytest.mark.parametrize("name,form", [
    ("multiclass cross-entropy", "X^T*(softmax(X*W) - T)"),  # the lecture's form
    ("multinomial loss", "X^T*(softmax(X*W) - T)"),
    ("regularised cross-entropy", "2*lambda*W + X^T*(softmax(X*W) - T)"),
    ("row logsumexp", "X^T*softmax(X*W)"),
    ("multiclass cross-entropy in X", "(softmax(X*W) - T)*W^T"),
    ("row logsumexp in X", "softmax(X*W)*W^T"),
    ("multiclass cross-entropy in T", "logsumexp(X*W)*ones^T - X*W"),
])
def test_matrix_results_are_the_lecture_forms(name, form):
    text, vectors, matrices, wrt, *_ = EXAMPLES[name]
    expected = _as_matrix_form(form, ["ones"], matrices.split(","))
    ones = [leaf for n, leaf in parse_shaped(f"sum({form})", ["ones"], matrices.split(",")).leaves.items()
            if n == "ones"]
    if ones:  # the vector of ones, written as a declared vector of the expected shape
        expected = expected.xreplace({ones[0]: mf.MOnes(ones[0].args[1])})
    assert derived(name).result(f"grad.{wrt}").expr == expected


@pytest.mark.parametrize("name,form", [
    ("vector cross-entropy", "X^T*(softmax(X*w) - t)"),
    ("logsumexp in X", "softmax(X*w)*w^T"),
])
def test_vector_results_are_the_lecture_forms(name, form):
    text, vectors, matrices, wrt, *_ = EXAMPLES[name]
    expected = _as_matrix_form(form, vectors.split(","), matrices.split(","))
    assert derived(name).result(f"grad.{wrt}").expr == expected


# --- target distributions: assumed exactly where sum = 1 is needed ---------------------------------

def _distribution_assumed(d, name):
    return any(f"of {name}" in a.text and "distribution" in a.text or a.text.startswith(f"{name} is a distribution")
               for a in d.assumptions)


@pytest.mark.parametrize("name,target,needed", [
    ("multiclass cross-entropy", "T", True),
    ("multiclass cross-entropy in X", "T", True),
    ("regularised cross-entropy", "T", True),
    ("vector cross-entropy", "t", True),
    ("multinomial loss", "T", False),  # sum(logsumexp(XW)) - sum(T .* XW): no row sum left
    ("multiclass cross-entropy in T", "T", False),
    ("expected softmax", "T", False),
    ("cross-entropy, rows not distributions", "Y", False),  # only t and T are targets
    ("vector cross-entropy, not a distribution", "y", False),
])
def test_distribution_assumed_exactly_when_needed(name, target, needed):
    d = derived(name)
    assert _distribution_assumed(d, target) == needed
    assert any("is a distribution" in s.rule for s in d.steps) == needed
    if needed:
        assert any(f"({target} on the simplex)" in s.proof.detail for s in d.steps)


@pytest.mark.parametrize("text,vectors,matrices,wrt", [
    ("norm(X*W - T)^2", "", "X,W,T", "W"),
    ("logsumexp(X*w) - t^T*X*w", "w,t", "X", "w"),
    ("norm(X*w - t)^2", "w,t", "X", "w"),
])
def test_no_distribution_where_the_derivation_does_not_need_it(text, vectors, matrices, wrt):
    d = grad(text, [wrt], [v for v in vectors.split(",") if v], matrices.split(","))
    assert not any("distribution" in a.text for a in d.assumptions)
    assert not any("distribution" in s.rule for s in d.steps)


def test_sum_to_one_step_is_proved_only_because_rows_are_sampled_on_the_simplex(monkeypatch):
    def unnormalised(leaf, sizes, rng):  # positive entries whose rows do not sum to 1
        return {k: 2 * v for k, v in draw(leaf, sizes, rng).items()}

    draw = distributions.draw
    monkeypatch.setattr(distributions, "draw", unnormalised)
    with pytest.raises(ProofError, match="is a distribution"):
        grad("-sum(T .* log_softmax(X*W))", ["W"], [], ["X", "W", "T"])


def test_a_vector_t_of_the_sampled_simplex_sums_to_one():
    leaf = parse_shaped("sum(t)", ["t"], []).leaves["t"]
    matrix = parse_shaped("sum(T)", [], ["T"]).leaves["T"]
    import random

    rng = random.Random(3)
    values = distributions.draw(leaf, {leaf.args[1]: sp.Integer(4)}, rng)
    assert len(values) == 4 and sum(values.values()) == 1 and all(v > 0 for v in values.values())
    rows = distributions.draw(matrix, {matrix.args[1]: sp.Integer(3), matrix.args[2]: sp.Integer(2)}, rng)
    base = matrix.args[0]
    assert [sum(rows[base[r, k]] for k in (1, 2)) for r in (1, 2, 3)] == [1, 1, 1]


# --- planted wrong back-translation patterns --------------------------------------------------------

def _planted(monkeypatch, original, wrong):
    patterns = [wrong if p is original else p for p in back_translate.MATRIX_PATTERNS]
    monkeypatch.setattr(back_translate, "MATRIX_PATTERNS", patterns)


def test_planted_softmax_without_its_normaliser_is_refused(monkeypatch):
    def exp_not_softmax(e, r, c, leaves, sizes):  # e^{A_rc}/sum_k e^{A_rk} read as exp(A): wrong
        node = back_translate._row_softmax(e, r, c, leaves, sizes)
        return None if node is None else node.replace(
            lambda n: isinstance(n, mf.MSoftmax), lambda n: mf.MMap(sp.Lambda(back_translate._U, sp.exp(
                back_translate._U)), n.args[0]))

    _planted(monkeypatch, back_translate._row_softmax, exp_not_softmax)
    with pytest.raises(ProofError, match="in matrix form"):
        grad("sum(logsumexp(X*W)) - sum(T .* (X*W))", ["W"], [], ["X", "W", "T"])


def test_planted_softmax_over_columns_is_refused(monkeypatch):
    def columns(e, r, c, leaves, sizes):  # softmax of each column (of A^T's rows, transposed back): wrong
        node = back_translate._row_softmax(e, r, c, leaves, sizes)
        return None if node is None else node.replace(
            lambda n: isinstance(n, mf.MSoftmax), lambda n: mf.MT(mf.MSoftmax(mf.MT(n.args[0]))))

    _planted(monkeypatch, back_translate._row_softmax, columns)
    with pytest.raises(ProofError, match="in matrix form"):
        grad("sum(logsumexp(X*W))", ["W"], [], ["X", "W"])


def test_planted_normaliser_left_out_of_the_sum_is_refused(monkeypatch):
    def drops_normaliser(e, r, c, leaves, sizes):  # (1/s_r) sum_k e^{A_rk} B_kc read without 1/s_r: wrong
        if not isinstance(e, sp.Mul) or back_translate._normaliser_into_sum(e, r, c, leaves, sizes) is None:
            return None
        sums = [f for f in e.args if isinstance(f, sp.Sum)]
        return back_translate.matrix(sums[0], r, c, leaves, sizes)

    _planted(monkeypatch, back_translate._normaliser_into_sum, drops_normaliser)
    with pytest.raises(ProofError, match="in matrix form"):
        grad("sum(logsumexp(X*W))", ["X"], [], ["X", "W"])


# --- output formats -----------------------------------------------------------------------------------

ARGS = ["-sum(T .* log_softmax(X*W))", "--matrix", "X,W,T", "--wrt", "W"]


@pytest.mark.parametrize("fmt", ["--text", "--latex", "--markdown", "--json"])
def test_all_output_formats(fmt):
    result = runner.invoke(app, ["grad", *ARGS, fmt])
    assert result.exit_code == 0, result.output
    if fmt == "--json":
        data = json.loads(result.output)
        assert all(s["verified"] for s in data["steps"])
        (res,) = data["results"]
        assert res["latex"].endswith(r"X^{T} \left(\operatorname{softmax}\left(X W\right) - T\right)")
        assert any(r"\sum_{k=1}^{P} T_{nk} = 1" in a["latex"] for a in data["assumptions"])
    elif fmt == "--text":
        assert "df/dW = X^T(softmax(XW) - T)" in result.output
        assert "each row of T (N×P) is a distribution" in result.output
    else:
        assert r"X^{T} \left(\operatorname{softmax}\left(X W\right) - T\right)" in result.output
        assert r"\operatorname{log\_softmax}" in result.output and "each row of a matrix" in result.output


def test_standalone_latex_compiles(tmp_path):
    from reports.pdf import compile_pdf

    tex = runner.invoke(app, ["grad", *ARGS, "--latex", "--standalone"])
    assert tex.exit_code == 0, tex.output
    compiled = compile_pdf(tex.output, tmp_path / "s.pdf", tool="pdflatex")
    assert "Undefined control sequence" not in compiled.log and compiled.pdf.exists()


def test_rows_not_distributions_still_read_correctly():
    # with Y (not a target), the row sums of Y stay in the result: (Y 1 1^T) ⊙ softmax(XW)
    text = to_text(derived("cross-entropy, rows not distributions").result("grad.W").expr)
    assert "softmax(XW)" in text and "𝟏" in text


def test_caret_T_is_the_transpose_where_a_matrix_is_named_T():
    parsed = parse_shaped("sum(X^T*T)", [], ["X", "T"])
    (x, t) = (parsed.leaves["X"], parsed.leaves["T"])
    assert parsed.expr == mf.MSum(mf.MMul(mf.MT(x), t))
    assert x.args[1] == t.args[1]  # X^T T: X and T have the same number of rows


# --- derivatives with respect to a scalar in matrix mode --------------------------------------------

SCALAR_EXAMPLES = {
    "ridge penalty": ("norm(X*w - t)^2 + lambda*norm(w)^2", "w,t", "X", "lambda",
                      lambda e: np.sum((e["X"] @ e["w"] - e["t"]) ** 2) + e["lambda"] * np.sum(e["w"] ** 2),
                      lambda n, d, k, rng: {"X": rng.normal(size=(n, d)), "w": rng.normal(size=(d, 1)),
                                            "t": rng.normal(size=(n, 1)), "lambda": rng.uniform(0.1, 2)}),
    "matrix penalty": ("norm(X*W - lambda*T)^2", "", "X,W,T", "lambda",
                       lambda e: np.sum((e["X"] @ e["W"] - e["lambda"] * e["T"]) ** 2),
                       lambda n, d, k, rng: {"X": rng.normal(size=(n, d)), "W": rng.normal(size=(d, k)),
                                             "T": rng.normal(size=(n, k)), "lambda": rng.normal()}),
    "softmax temperature": ("-sum(T .* log_softmax(beta*(X*W)))", "", "X,W,T", "beta",
                            lambda e: -np.sum(e["T"] * _log_softmax_rows(e["beta"] * (e["X"] @ e["W"]))),
                            lambda n, d, k, rng: {"X": rng.normal(size=(n, d)), "W": rng.normal(size=(d, k)),
                                                  "T": _simplex_rows(rng, n, k), "beta": rng.uniform(0.2, 2)}),
    "vector temperature": ("logsumexp(beta*(X*w))", "w", "X", "beta",
                           lambda e: _lse(e["beta"] * (e["X"] @ e["w"]), 0)[0, 0],
                           lambda n, d, k, rng: {"X": rng.normal(size=(n, d)), "w": rng.normal(size=(d, 1)),
                                                 "beta": rng.uniform(0.2, 2)}),
}


def _scalar_derived(name):
    key = ("scalar", name)
    if key not in _CACHE:
        text, vectors, matrices, wrt, *_ = SCALAR_EXAMPLES[name]
        _CACHE[key] = grad(text, [wrt], [v for v in vectors.split(",") if v], matrices.split(","))
    return _CACHE[key]


@pytest.mark.parametrize("name", list(SCALAR_EXAMPLES))
@settings(max_examples=10, deadline=None)
@given(n=st.integers(1, 5), d=st.integers(1, 4), k=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
def test_scalar_derivative_matches_finite_differences(name, n, d, k, seed):
    text, vectors, matrices, wrt, loss, make = SCALAR_EXAMPLES[name]
    env = make(n, d, k, np.random.default_rng(seed))
    derivation = _scalar_derived(name)
    assert derivation.verified
    result = derivation.result(f"grad.{wrt}").expr
    assert not result.has(sp.Sum, sp.Indexed)  # a matrix form, not an index form
    h = 1e-6
    fd = (loss({**env, wrt: env[wrt] + h}) - loss({**env, wrt: env[wrt] - h})) / (2 * h)
    np.testing.assert_allclose(float(evaluate(result, env, {})), fd, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,form", [
    ("ridge penalty", "norm(w)^2"),
    ("softmax temperature", "sum((X*W) .* softmax(beta*(X*W))) - sum(T .* (X*W))"),
])
def test_scalar_derivatives_are_matrix_forms(name, form):
    text, vectors, matrices, wrt, *_ = SCALAR_EXAMPLES[name]
    vs, ms = [v for v in vectors.split(",") if v], matrices.split(",")
    parsed, own = parse_shaped(form, vs, ms), parse_shaped(text, vs, ms).leaves
    expected = parsed.expr.xreplace({leaf: own[n] for n, leaf in parsed.leaves.items()})  # the text's dimensions
    assert _scalar_derived(name).result(f"grad.{wrt}").expr == expected


def test_planted_frobenius_read_as_a_sum_is_refused(monkeypatch):
    def wrong(e, leaves):  # sum_{r,c} A_rc^2 read as sum(A): wrong
        (c, _, cols), (r, _, rows) = e.limits
        body = e.function.base if e.function.is_Pow else e.function
        return mf.MSum(back_translate.matrix(body, r, c, leaves, (rows, cols)))

    monkeypatch.setattr(back_translate, "_sum_of_entries", wrong)
    with pytest.raises(ProofError, match="in matrix form"):
        grad("norm(X*W)^2 + lambda*norm(W)^2", ["lambda"], [], ["X", "W"])


def test_a_scalar_of_an_expression_without_vectors_is_a_usage_error():
    result = runner.invoke(app, ["grad", "x^2", "--wrt", "x", "--matrix", "W"])
    assert result.exit_code == 2 and "x is a scalar" in result.output and "drop --vector/--matrix" in result.output
