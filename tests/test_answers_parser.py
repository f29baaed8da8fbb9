"""The answer grammar: plain and LaTeX notation, errors with positions, and fuzzing."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from answers_helpers import table
from derive.answers.errors import AnswerError, ParseError, RestatesQuestion
from derive.answers.parser import detect_syntax, parse_answer
from derive.notation import i, j, sigma, x, y, z

SIG = table("sigmoid.derivative")
JAC = table("softmax.jacobian")


def parse(text, tab=SIG, **kw):
    return parse_answer(text, tab, **kw).expr


@pytest.mark.parametrize("text", [
    "sigma(x)*(1-sigma(x))", "sigma(x)(1-sigma(x))", "σ(x)(1 - σ(x))", r"\sigma(x)\cdot(1-\sigma(x))",
    r"\sigma\left(x\right)\left(1-\sigma\left(x\right)\right)", r"\sigma(x) \times (1 - \sigma(x))",
    "(1 - sigma(x)) sigma(x)", "sigma(x) - sigma(x)^2", "sigma(x) - sigma(x)**2",
])
def test_sigmoid_forms_parse_to_the_same_expression(text):
    assert sp.expand(parse(text) - sigma(x) * (1 - sigma(x))) == 0


@pytest.mark.parametrize("text", [
    "e^(-x)/(1+e^(-x))^2", "exp(-x)/(1+exp(-x))**2", r"\frac{e^{-x}}{(1+e^{-x})^2}",
    r"\frac{\exp(-x)}{\left(1 + \exp(-x)\right)^{2}}", r"e^{-x} / (1 + e^{-x})^2", "e^-x/(1+e^-x)^2",
])
def test_exponential_forms(text):
    assert parse(text) == sp.exp(-x) / (1 + sp.exp(-x)) ** 2


def test_implicit_multiplication_and_powers():
    assert parse("2x") == 2 * x
    assert parse("2 x^2") == 2 * x**2
    assert parse("x^2^3") == x ** 8  # right associative: x^(2^3)
    assert parse("-x^2") == -(x**2)
    assert parse(r"\ln x") == sp.log(x)
    assert parse(r"\log(x) + \tanh x") == sp.log(x) + sp.tanh(x)
    assert parse("xx") == x**2  # an unknown letter run splits into known names


def test_index_notation_plain_and_latex():
    expected = y[i] * (sp.KroneckerDelta(i, j) - y[j])
    for text in ["y_i (delta_ij - y_j)", r"y_i\left(\delta_{ij} - y_j\right)", "y_i(δ_ij - y_j)",
                 "y_{i} (KroneckerDelta(i, j) - y_{j})", r"y_i (\delta_{i,j} - y_j)"]:
        assert parse(text, JAC) == expected, text


def test_matrix_form_is_read_as_its_entry():
    expected = sp.KroneckerDelta(i, j) * y[i] - y[i] * y[j]
    for text in ["diag(y) - y y^T", r"\operatorname{diag}(\mathbf{y}) - \mathbf{y}\mathbf{y}^\top",
                 r"\mathrm{diag}(\boldsymbol{y}) - \boldsymbol{y} \boldsymbol{y}^{T}"]:
        p = parse_answer(text, JAC)
        assert p.shape == "mat" and p.expr == expected, text
    assert parse("y^T y", JAC).has(sp.Sum)  # an inner product is a number


def test_softmax_and_sums():
    e = parse(r"\frac{e^{z_i}}{\sum_{k=1}^{K} e^{z_k}}", JAC)
    assert e.has(sp.Sum) and e.has(z[i])
    assert parse("softmax(z)_i", JAC).has(sp.Sum)
    assert parse(r"\operatorname{softmax}(z)_j", JAC).has(z[j])


def test_syntax_detection_and_plain_mode():
    assert detect_syntax(r"\frac{1}{2}") == "latex"
    assert detect_syntax("1/2") == "plain"
    assert parse_answer("x/2", SIG).syntax == "plain"
    assert parse_answer(r"\frac{x}{2}", SIG).syntax == "latex"
    with pytest.raises(ParseError, match="plain"):
        parse_answer(r"\frac{x}{2}", SIG, syntax="plain")


@pytest.mark.parametrize("text,position", [("sigma(x", 8), ("1 +", 4), ("x ** * 2", 6), ("x $ 2", 3)])
def test_parse_errors_name_the_position(text, position):
    with pytest.raises(ParseError) as err:
        parse(text)
    assert err.value.position + 1 == position
    assert "position" in str(err.value) and err.value.hint


def test_unknown_symbols_list_the_allowed_ones():
    with pytest.raises(ParseError, match="unknown symbol 'q'") as err:
        parse("q + x")
    assert "x" in err.value.hint


def test_unbound_index_is_rejected():
    with pytest.raises(ParseError, match="index m"):
        parse("y_m", JAC)


@pytest.mark.parametrize("text", ["sigma'(x)", r"\sigma'(x)", "d/dx sigma(x)", r"\frac{d}{dx} \sigma(x)",
                                  r"\frac{\partial y_i}{\partial z_j}", "diff(sigma(x), x)"])
def test_derivative_operators_restate_the_question(text):
    tab = JAC if "y_i" in text else SIG
    with pytest.raises(RestatesQuestion, match="restates the question"):
        parse(text, tab)


# --- fuzzing -----------------------------------------------------------------------------------

ALPHABET = list("xyzijkt_^*/+-()[]{}.,'=\\ 0123456789e") + [
    "sigma", r"\sigma", r"\frac", r"\left(", r"\right)", "delta_ij", r"\delta_{ij}", "exp", r"\sum_{k=1}^{K}",
    "softmax", "diag", "^T", r"\mathbf{y}", "y_i", "y_j", "**", "__", "lambda", "import", r"\input", "σ", "δ",
]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(ALPHABET), max_size=25))
def test_fuzz_tokens_raise_only_answer_errors(parts):
    text = "".join(parts)
    for tab in (SIG, JAC):
        try:
            parse_answer(text, tab)
        except AnswerError:
            pass


@settings(max_examples=800, deadline=None)
@given(st.text(max_size=60))
def test_fuzz_arbitrary_text_raises_only_answer_errors(text):
    try:
        parse_answer(text, JAC)
    except AnswerError:
        pass


# --- round trip: random formulas written in both notations parse to the same expression ---------

def _formulas():
    leaf = st.sampled_from([("x", "x", x), ("2", "2", sp.Integer(2)), ("sigma(x)", r"\sigma(x)", sigma(x)),
                            ("e^(-x)", "e^{-x}", sp.exp(-x))])

    def grow(children):
        def binop(pair, op):
            (pa, la, ea), (pb, lb, eb) = pair
            if op == "+":
                return (f"({pa} + {pb})", f"\\left({la} + {lb}\\right)", ea + eb)
            if op == "*":
                return (f"{pa}*{pb}", f"{la} \\cdot {lb}", ea * eb)
            return (f"({pa})/({pb})", f"\\frac{{{la}}}{{{lb}}}", ea / eb)

        return st.tuples(st.tuples(children, children), st.sampled_from("+*/")).map(lambda t: binop(*t))

    return st.recursive(leaf, grow, max_leaves=8)


@settings(max_examples=150, deadline=None)
@given(_formulas())
def test_plain_and_latex_round_trip(formula):
    plain, latex, expected = formula
    # SymPy may order an automatically evaluated product differently: compare as rational functions
    assert sp.cancel(parse(plain) - expected) == 0
    assert sp.cancel(parse(latex) - expected) == 0


# --- free-standing expressions (derive grad, derive gradcheck --expr) ---------------------------


def test_parse_expression_makes_every_name_a_real_scalar():
    import sympy as sp

    from derive.answers.expressions import parse_expression
    from derive.notation import sigma

    expr = parse_expression("log(1 + exp(-y*x)) + lambda*x^2/2 + sigma(w_1)").expr
    names = {s.name: s for s in expr.free_symbols}
    assert set(names) == {"x", "y", "lambda", "w_1"}
    assert all(s.is_real for s in names.values())
    x, y, lam, w1 = (names[n] for n in ("x", "y", "lambda", "w_1"))
    assert sp.simplify(expr - (sp.log(1 + sp.exp(-y * x)) + lam * x ** 2 / 2 + sigma(w1))) == 0
    assert parse_expression("e^x + pi").expr.has(sp.pi)
    assert parse_expression(r"\frac{1}{1+e^{-x}}").expr.has(sp.exp)


def test_parse_expression_rejects_code_and_non_scalars():
    from derive.answers.errors import AnswerError
    from derive.answers.expressions import parse_expression

    for text in ("__import__('os').system('true')", "x +", "lambda: 1"):
        with pytest.raises(AnswerError):
            parse_expression(text)
