r"""The grammar of answers: plain notation and LaTeX in one LALR(1) grammar (lark).

Plain: ``sigma(x)*(1-sigma(x))``, ``x^2``, ``x**2``, implicit products ``2x``, ``y y^T``,
``sigma(x)(1-sigma(x))``, subscripts ``y_i``, ``delta_ij``, ``sum_{k=1}^{K} t_k``.
LaTeX: ``\frac{a}{b}``, ``\left( \right)``, ``e^{-x}``, ``\exp``, ``\log``, ``\ln``, ``\sigma``,
``\operatorname{softmax}``, ``\operatorname{diag}``, ``\delta_{ij}``, ``\sum_{k=1}^{K}``,
``\mathbf{y}``, ``\boldsymbol{y}``, ``^T``, ``^\top``, ``\cdot``, ``\times``.

LaTeX commands are lexed as one ``CMD`` terminal and translated by :class:`LatexPostLex`
into the grammar's terminals; an unknown command (``\input``, ``\write18``, ...) is a parse
error. Letter runs that are not known words are split into single-letter names when every
letter is a known symbol (``2xy`` = ``2 x y``), which the post-lexer does with the question's
symbol table.

Derivative notation (``d/dx f``, ``d/dz_i (...)``, ``∂/∂z_j``, ``\frac{d}{dx} f``,
``\frac{\partial y_i}{\partial z_j}``) is the rule ``derivative: DERIV name product``; the
post-lexer emits ``DERIV`` only when the parser is asked for derivatives (``derive verify``), so an
answer to ``derive check`` that writes the operator still restates the question.
"""

from __future__ import annotations

from lark import Token

GRAMMAR = r"""
?start: sum

?sum: product
    | sum PLUS product      -> add
    | sum MINUS product     -> sub

?product: signed
    | product TIMES signed  -> mul
    | product DIV signed    -> div
    | product implicit      -> mul
    | product ODOT signed   -> hadamard

?signed: MINUS signed       -> neg
    | PLUS signed           -> pos
    | power
    | bigsum
    | derivative

?implicit: power
    | bigsum
    | derivative

?power: postfix
    | postfix POW signed    -> pow

?postfix: atom
    | postfix PRIME         -> prime

?atom: NUMBER               -> number
    | name
    | LPAR sum RPAR         -> group
    | LBRACE sum RBRACE     -> group
    | call
    | call subscript        -> component
    | FRAC fracarg fracarg  -> frac
    | FONT LBRACE NAME RBRACE subscript?  -> font
    | TOP                   -> top
    | SUM LPAR sum RPAR     -> sum_all
    | LNORM sum RNORM       -> norm_bars

fracarg: LBRACE sum RBRACE
    | NUMBER
    | NAME

name: NAME subscript?

subscript: UNDERSCORE index
    | UNDERSCORE LBRACE index (COMMA? index)* RBRACE

index: NAME | NUMBER

call: FUNC LPAR sum (COMMA sum)* RPAR
    | FUNC NUMBER
    | FUNC name
    | FUNC LBRACE sum RBRACE
    | FUNC FONT LBRACE NAME RBRACE   -> call_font

bigsum: SUM UNDERSCORE sumvar upper? product

derivative: DERIV name product

sumvar: NAME
    | LBRACE NAME RBRACE
    | LBRACE NAME EQ sum RBRACE

upper: POW NAME
    | POW NUMBER
    | POW LBRACE sum RBRACE

PLUS: "+"
ODOT: ".*" | "\u2299"
NORMBAR: "\u2016" | "||"
MINUS: "-" | "\u2212"
TIMES: "*" | "\u00b7" | "\u00d7" | "\u22c5"
DIV: "/"
POW: "**" | "^" | ".^"
PRIME: "'"
LPAR: "(" | "["
RPAR: ")" | "]"
LBRACE: "{"
RBRACE: "}"
COMMA: ","
EQ: "="
UNDERSCORE: "_"
NUMBER: /[0-9]+(\.[0-9]+)?/ | /\.[0-9]+/
NAME: /[A-Za-z\u0370-\u03ff]+/
CMD: /\\([A-Za-z]+|[^A-Za-z])/
PARTIAL: "\u2202"

%declare FUNC SUM FRAC FONT TOP DERIV LNORM RNORM

%ignore /[ \t\r\n]+/
"""

#: Plain function names (and Greek letters) -> canonical function name.
FUNCTIONS = {
    "sigma": "sigma", "\u03c3": "sigma", "exp": "exp", "log": "log", "ln": "log", "tanh": "tanh",
    "cosh": "cosh", "sinh": "sinh", "softmax": "softmax", "diag": "diag", "sqrt": "sqrt", "logit": "logit",
    "KroneckerDelta": "delta",
}
#: LaTeX commands that are functions.
LATEX_FUNCTIONS = {"sigma": "sigma", "exp": "exp", "log": "log", "ln": "log", "tanh": "tanh", "sqrt": "sqrt",
                   "cosh": "cosh", "sinh": "sinh"}
#: LaTeX commands that are names (the subscripted delta).
LATEX_NAMES = {"delta": "delta", "Sigma": "Sigma", "pi": "pi"}

# --- the scalar functions of free-standing expressions (derive grad), also read in answers ---
#: Plain names of the elementary and machine-learning functions beyond the answers' own.
SCALAR_FUNCTIONS = {"sin": "sin", "cos": "cos", "tan": "tan", "atan": "atan", "arctan": "atan", "abs": "abs",
                    "relu": "relu", "ReLU": "relu", "softplus": "softplus", "sigmoid": "sigma",
                    "logsumexp": "logsumexp", "log_softmax": "log_softmax", "norm": "norm"}
FUNCTIONS.update(SCALAR_FUNCTIONS)
LATEX_FUNCTIONS.update({"sin": "sin", "cos": "cos", "tan": "tan", "arctan": "atan"})
#: Greek letters (LaTeX command or Unicode letter) are ordinary names, spelled out: \lambda, λ -> lambda.
GREEK_LETTERS = {
    "alpha": "\u03b1", "beta": "\u03b2", "gamma": "\u03b3", "epsilon": "\u03b5", "zeta": "\u03b6",
    "eta": "\u03b7", "theta": "\u03b8", "iota": "\u03b9", "kappa": "\u03ba", "lambda": "\u03bb",
    "mu": "\u03bc", "nu": "\u03bd", "xi": "\u03be", "rho": "\u03c1", "tau": "\u03c4", "phi": "\u03c6",
    "chi": "\u03c7", "psi": "\u03c8", "omega": "\u03c9", "Gamma": "\u0393", "Delta": "\u0394",
    "Theta": "\u0398", "Lambda": "\u039b", "Phi": "\u03a6", "Psi": "\u03a8", "Omega": "\u03a9",
}
LATEX_NAMES.update({name: name for name in GREEK_LETTERS})
LATEX_NAMES.update({"varepsilon": "epsilon", "vartheta": "theta", "varphi": "phi"})
GREEK_UNICODE = {letter: name for name, letter in GREEK_LETTERS.items()}
#: The functions of free-standing expressions, as listed in error messages.
VOCABULARY = ("exp", "log (ln)", "sqrt", "abs", "sin", "cos", "tan", "atan", "sinh", "cosh", "tanh",
              "sigma (σ, sigmoid)", "relu", "softplus", "logit", "softmax", "log_softmax", "logsumexp")
#: LaTeX commands dropped (sizing and spacing).
LATEX_IGNORED = {"left", "right", "big", "Big", "bigl", "bigr", "Bigl", "Bigr", ",", ";", ":", "!", " ", "displaystyle"}
LATEX_TIMES = {"cdot", "times"}
#: LaTeX commands of matrix expressions: the elementwise product and the norm bars.
LATEX_ODOT = {"odot", "circ"}
LATEX_NORM_BARS = {"|": "NORMBAR", "Vert": "NORMBAR", "lVert": "LNORM", "rVert": "RNORM"}
LATEX_FONTS = {"mathbf", "boldsymbol", "bm", "vec", "mathrm", "operatorname", "mathit", "text"}
#: Words that say "derivative of": the answer would restate the question.
DERIVATIVE_WORDS = {"partial", "nabla", "diff", "Derivative", "grad", "prime", "frac_d"}
#: Named Unicode letters accepted as names.
GREEK_NAMES = {"\u03b4": "delta", "\u03a3": "Sigma", "\u03c0": "pi"}
GREEK_NAMES.update(GREEK_UNICODE)


def tok(type_: str, value: str, like: Token) -> Token:
    return Token.new_borrow_pos(type_, value, like)
