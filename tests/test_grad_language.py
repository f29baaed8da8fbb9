"""The input language of `derive grad`: free-standing expressions in the answers' grammar."""

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.answers.errors import AnswerError, LimitError, ParseError
from derive.answers.expressions import parse_expression, parse_variable
from derive.answers.limits import Limits
from derive.codegen.functions import softplus
from derive.notation import sigma
from derive.topics.relu_approximation import relu

x = sp.Symbol("x", real=True)


def parsed(text):
    return parse_expression(text).expr


@pytest.mark.parametrize("name,func", [
    ("exp", sp.exp), ("log", sp.log), ("ln", sp.log), ("sqrt", sp.sqrt), ("abs", sp.Abs), ("sin", sp.sin),
    ("cos", sp.cos), ("tan", sp.tan), ("atan", sp.atan), ("sinh", sp.sinh), ("cosh", sp.cosh), ("tanh", sp.tanh),
    ("sigma", sigma), ("σ", sigma), ("sigmoid", sigma), ("relu", relu), ("softplus", softplus),
])
def test_every_scalar_function_of_the_vocabulary(name, func):
    assert parsed(f"{name}(2*x + 1)") == func(2 * x + 1)


@pytest.mark.parametrize("latex,expected", [
    (r"\log\left(1 + e^{x}\right)", sp.log(1 + sp.exp(x))),
    (r"\frac{1}{1 + e^{-x}}", 1 / (1 + sp.exp(-x))),
    (r"\sigma(x)\left(1 - \sigma(x)\right)", sigma(x) * (1 - sigma(x))),
    (r"\sqrt{x^2 + 1}", sp.sqrt(x**2 + 1)),
    (r"\sin(x) \cdot \cos(x)", sp.sin(x) * sp.cos(x)),
    (r"\arctan(x) + \tanh(x)", sp.atan(x) + sp.tanh(x)),
    (r"\operatorname{softplus}(x)", softplus(x)),
    (r"e^{2x} - \pi", sp.exp(2 * x) - sp.pi),
])
def test_latex_input(latex, expected):
    e = parse_expression(latex)
    assert e.syntax == "latex"
    assert e.expr == expected


def test_greek_names_are_one_variable_however_written():
    spellings = ["lambda", "λ", r"\lambda"]
    symbols = [(parsed(f"{s}*x").free_symbols - {x}).pop() for s in spellings]
    assert len(set(symbols)) == 1 and symbols[0].name == "lambda" and symbols[0].is_real
    assert parse_variable(r"\lambda") == parse_variable("λ") == "lambda"


def test_words_and_letters_are_variables_constants_are_not():
    e = parse_expression("alpha*m + beta*r + e + pi + x_1")
    assert set(e.variables) == {"alpha", "m", "beta", "r", "x_1"}
    assert e.expr.has(sp.E) and e.expr.has(sp.pi)
    assert parse_expression("xy").variables.keys() == {"xy"}  # a word is one variable, not x*y


def test_numbers_are_exact():
    assert parsed("0.1*x") == sp.Rational(1, 10) * x
    assert parsed("x^2.5") == x ** sp.Rational(5, 2)


def test_implicit_products_and_single_letter_before_parenthesis():
    assert parsed("2x(1 - x)") == 2 * x * (1 - x)
    assert parsed("sigma(x)(1 - sigma(x))") == sigma(x) * (1 - sigma(x))


def test_unknown_function_lists_the_vocabulary_with_its_position():
    with pytest.raises(ParseError) as err:
        parse_expression("1 + foo(x)")
    assert "unknown function 'foo'" in str(err.value)
    assert err.value.position == 4
    for name in ("sigma", "softplus", "relu", "atan", "log"):
        assert name in err.value.hint


def test_a_word_before_a_parenthesis_is_a_call_not_a_product():
    with pytest.raises(ParseError, match="unknown function 'alpha'") as err:
        parse_expression("alpha(1 - x)")
    assert "alpha*(...)" in err.value.hint


def test_undeclared_subscripted_name_says_how_to_declare_it():
    with pytest.raises(ParseError) as err:
        parse_expression("x + z_j")
    assert err.value.position == 4
    assert "--vector z" in err.value.hint


def test_sums_need_a_declared_vector():
    with pytest.raises(ParseError, match="sum"):
        parse_expression("sum_k x")


@pytest.mark.parametrize("text,position", [("x +", 3), ("(x", 2), ("x $ 2", 2), (r"\input{x}", 0)])
def test_syntax_errors_carry_positions(text, position):
    with pytest.raises(ParseError) as err:
        parse_expression(text)
    assert err.value.position == position
    assert "answer" not in err.value.message  # worded for an expression


@pytest.mark.parametrize("text,limits", [
    ("x^1000", Limits()),
    ("x + " * 30 + "x", Limits(max_length=50)),
    ("(" * 80 + "x" + ")" * 80, Limits()),
    ("99999999999*x", Limits()),
])
def test_limits_apply(text, limits):
    with pytest.raises(LimitError):
        parse_expression(text, limits=limits)


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_any_text_parses_or_fails_with_an_answer_error(text):
    try:
        e = parse_expression(text)
    except AnswerError:
        return
    assert isinstance(e.expr, sp.Basic)
    assert all(isinstance(s, sp.Symbol) and s.is_real for s in e.variables.values())


@given(st.from_regex(r"[a-z][a-z]{0,5}", fullmatch=True))
@settings(max_examples=200, deadline=None)
def test_a_name_is_a_constant_a_function_or_a_variable(name):
    words = {"e", "pi", "sum", "delta", "exp", "log", "ln", "sqrt", "abs", "sin", "cos", "tan", "atan", "arctan",
             "sinh", "cosh", "tanh", "sigma", "sigmoid", "relu", "softplus", "softmax", "diag", "logit", "d",
             "partial", "nabla", "diff", "grad", "prime"}
    try:
        e = parse_expression(f"2*{name}")
    except AnswerError:
        assert name in words
        return
    if name not in words:
        assert e.variables == {name: sp.Symbol(name, real=True)}
