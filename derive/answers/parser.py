r"""Parse an untrusted answer into a whitelisted SymPy expression, without ever evaluating it.

Pipeline: length limit -> bracket-depth pre-scan -> lark LALR parse (with the LaTeX post-lexer)
-> parse-tree size and depth limits -> :class:`_Build` transformer into SymPy, checking names
against the question's :class:`~derive.answers.symbols.SymbolTable` and number magnitudes
against :class:`~derive.answers.limits.Limits`. Only :class:`~derive.answers.errors.AnswerError`
(and its subclasses) leaves :func:`parse_answer`.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp
from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedToken, VisitError
from lark.lark import PostLex

from derive.answers import grammar as g
from derive.answers import tensors as tn
from derive.answers.derivative_lex import rewrite_derivatives
from derive.answers.errors import AnswerError, LimitError, ParseError, RestatesQuestion
from derive.answers.limits import DEFAULT_LIMITS, Limits
from derive.answers.symbols import SymbolTable, index_symbol
from derive.notation import logit, sigma

_TRANSPOSE = object()  # the exponent T / \top
_RESTATE_HINT = "write the derivative out as a formula (e.g. in sigma(x)), not the derivative operator"
_DERIVATIVE_HINT = "write a derivative as d/dx f, d/dz_j (...), \\frac{d}{dx} f or \\frac{\\partial y_i}{\\partial z_j}"


@dataclass(frozen=True)
class Parsed:
    expr: sp.Basic  # index form (a matrix answer as its (i, j) entry)
    syntax: str  # "plain" | "latex"
    shape: str  # "scalar" | "col" | "row" | "mat"


def detect_syntax(text: str) -> str:
    """``latex`` when the answer uses LaTeX commands or brace groups, else ``plain``."""
    return "latex" if "\\" in text or "{" in text else "plain"


# --- lexing ------------------------------------------------------------------------------------


#: Tokens after which a norm bar opens a norm (an operand is expected).
_OPENERS = {"PLUS", "MINUS", "TIMES", "DIV", "POW", "LPAR", "LBRACE", "COMMA", "LNORM", "ODOT", "FUNC",
            "UNDERSCORE", "SUM", "EQ"}


class _PostLex(PostLex):
    """Translate LaTeX commands and words into the grammar's terminals (see module grammar)."""

    always_accept = ("CMD", "NAME", "PARTIAL", "NORMBAR")

    def __init__(self):
        self.table = SymbolTable()
        #: Whether derivative notation is read (``derive verify``) or restates the question.
        self.derivatives = False

    def process(self, stream):
        tokens = iter(rewrite_derivatives(stream) if self.derivatives else stream)
        prev = None
        norms = 0  # norm bars open
        pending: list[Token] = []
        while True:
            t = pending.pop(0) if pending else next(tokens, None)
            if t is None:
                return
            if t.type == "CMD" and t.value[1:] in ("bar", "overline"):
                # \bar y, \bar{y} -> the name ybar
                nxt = next(tokens, None)
                if nxt is not None and nxt.type == "NAME":
                    out = [g.tok("NAME", nxt.value + "bar", nxt)]
                elif nxt is not None and nxt.type == "LBRACE":
                    name, close = next(tokens, None), next(tokens, None)
                    if name is None or close is None or name.type != "NAME" or close.type != "RBRACE":
                        raise ParseError(f"{t.value} takes a letter, as in {t.value}{{y}}", t.start_pos)
                    out = [g.tok("NAME", name.value + "bar", name)]
                else:
                    raise ParseError(f"{t.value} takes a letter, as in {t.value}{{y}}", t.start_pos)
            elif t.type == "CMD" and t.value[1:] in g.LATEX_FONTS:
                # \operatorname{softmax} -> FUNC; \mathbf{y} stays FONT { NAME }
                look = [next(tokens, None) for _ in range(3)]
                if (all(look) and look[0].type == "LBRACE" and look[1].type == "NAME"
                        and look[2].type == "RBRACE" and look[1].value in g.FUNCTIONS):
                    out = [g.tok("FUNC", g.FUNCTIONS[look[1].value], t)]
                elif all(look) and [x.type for x in look] == ["LBRACE", "NAME", "RBRACE"] and look[1].value == "sum":
                    out = [g.tok("SUM", "sum", t)]  # \operatorname{sum}(M): the sum of all entries
                else:
                    out = [g.tok("FONT", t.value[1:], t)] + [x for x in look[:1] if x]
                    if len(look) > 1 and look[1] is not None and look[1].type == "NAME":
                        out.append(look[1])
                        pending.extend(x for x in look[2:] if x)
                    else:
                        pending.extend(x for x in look[1:] if x)
            elif t.type == "NAME" and t.value == "log" and (prev is None or prev.type != "UNDERSCORE"):
                # log_softmax is one word; the lexer sees log _ softmax
                look = [next(tokens, None) for _ in range(2)]
                if all(look) and look[0].type == "UNDERSCORE" and look[1].value == "softmax":
                    out = [g.tok("FUNC", "log_softmax", t)]
                else:
                    out = self._translate(t, prev)
                    pending.extend(x for x in look if x)
            else:
                out = self._translate(t, prev)
                if self.table.open and len(out) == 1 and out[0].type == "NAME" and len(out[0].value) > 1 \
                        and (prev is None or prev.type not in ("UNDERSCORE", "FONT")):
                    nxt = next(tokens, None)  # a word before "(" is a call of an unknown function
                    if nxt is not None and nxt.type == "LPAR":
                        raise ParseError(f"unknown function {t.value!r}", t.start_pos,
                                         f"functions: {', '.join(g.VOCABULARY)}; for a product write "
                                         f"{t.value}*(...)")
                    if nxt is not None:
                        pending.append(nxt)
            for o in out:
                if o.type == "NORMBAR":  # one bar both opens and closes a norm: which is it here?
                    o = g.tok("LNORM" if norms == 0 or prev is None or prev.type in _OPENERS else "RNORM",
                              o.value, o)
                if o.type in ("LNORM", "RNORM"):
                    norms += 1 if o.type == "LNORM" else -1
                yield o
                prev = o

    def _translate(self, t: Token, prev: Token | None) -> list[Token]:
        if t.type == "CMD":
            name = t.value[1:]
            if name in g.LATEX_IGNORED:
                return []
            if name in g.LATEX_TIMES:
                return [g.tok("TIMES", "*", t)]
            if name in g.LATEX_ODOT:
                return [g.tok("ODOT", ".*", t)]
            if name in g.LATEX_NORM_BARS:
                return [g.tok(g.LATEX_NORM_BARS[name], t.value, t)]
            if name in g.LATEX_FUNCTIONS:
                return [g.tok("FUNC", g.LATEX_FUNCTIONS[name], t)]
            if name in g.LATEX_NAMES:
                return [g.tok("NAME", g.LATEX_NAMES[name], t)]
            if name in ("frac", "dfrac", "tfrac"):
                return [g.tok("FRAC", name, t)]
            if name == "sum":
                return [g.tok("SUM", name, t)]
            if name in ("top", "intercal"):
                return [g.tok("TOP", name, t)]
            if name in g.DERIVATIVE_WORDS and self.derivatives:
                raise ParseError(f"cannot read the derivative operator {t.value} here", t.start_pos,
                                 _DERIVATIVE_HINT)
            if name in g.DERIVATIVE_WORDS:
                raise RestatesQuestion(
                    f"the answer contains the derivative operator {t.value}, so it restates the question",
                    t.start_pos, _RESTATE_HINT)
            raise ParseError(f"unsupported LaTeX command {t.value!r}", t.start_pos,
                             "allowed: \\frac \\left \\right \\exp \\log \\ln \\sigma \\tanh \\sqrt \\sum "
                             "\\delta \\operatorname{softmax|diag} \\mathbf \\boldsymbol \\cdot \\times \\top")
        if t.type == "PARTIAL":
            if self.derivatives:
                raise ParseError("cannot read the derivative operator \u2202 here", t.start_pos, _DERIVATIVE_HINT)
            raise RestatesQuestion("the answer contains the derivative operator \u2202, so it restates the question",
                                   t.start_pos, _RESTATE_HINT)
        if t.type == "PRIME":
            raise RestatesQuestion("the answer contains a derivative ('), so it restates the question",
                                   t.start_pos, _RESTATE_HINT)
        if t.type != "NAME":
            return [t]
        value = t.value
        if prev is not None and prev.type in ("UNDERSCORE", "FONT"):
            return [t]  # an index list such as ij, or a bold name
        if value == "\u03a3" and not any(n.startswith("Sigma") for n in self.table.scalars):
            return [g.tok("SUM", value, t)]  # Σ_{k=1}^K, unless the question has a Sigma_C
        if value in g.GREEK_NAMES:
            value = g.GREEK_NAMES[value]
        if value in g.FUNCTIONS:
            return [g.tok("FUNC", g.FUNCTIONS[value], t)]
        if value == "sum":
            return [g.tok("SUM", value, t)]
        if value in g.DERIVATIVE_WORDS:
            raise RestatesQuestion(f"the answer contains the derivative operator {value!r}, so it restates "
                                   "the question", t.start_pos, _RESTATE_HINT)
        if len(value) == 1 or value in self.table.known_words():
            return [g.tok("NAME", value, t)]
        if set(value) <= self.table.single_letters():  # 2xy = 2 x y
            out = []
            for n, ch in enumerate(value):
                piece = Token("NAME", ch, t.start_pos + n, t.line, t.column + n, t.end_line,
                              t.end_column, t.start_pos + n + 1)
                out.append(piece)
            return out
        return [g.tok("NAME", value, t)]


_POSTLEX = _PostLex()
_LARK: Lark | None = None


def _lark() -> Lark:
    global _LARK
    if _LARK is None:
        _LARK = Lark(g.GRAMMAR, parser="lalr", lexer="basic", postlex=_POSTLEX,
                     propagate_positions=True, maybe_placeholders=False)
    return _LARK


# --- building SymPy ----------------------------------------------------------------------------


def _pos(x) -> int | None:
    if isinstance(x, Token):
        return x.start_pos
    meta = getattr(x, "meta", None)
    return getattr(meta, "start_pos", None) if meta is not None and not meta.empty else None


@v_args(meta=True)
class _Build(Transformer):
    def __init__(self, table: SymbolTable, limits: Limits):
        super().__init__(visit_tokens=False)
        self.table = table
        self.limits = limits

    # numbers and names -----------------------------------------------------------------------

    def _number(self, tok: Token) -> sp.Rational:
        text = tok.value
        whole = text.split(".")[0]
        if len(text) > 30 or (whole and int(whole) > self.limits.max_integer):
            raise LimitError(f"number {text[:20]}{'...' if len(text) > 20 else ''} is too large "
                             f"(limit {self.limits.max_integer})", tok.start_pos)
        return sp.Rational(text)

    def number(self, meta, ch):
        return self._number(ch[0])

    def _index(self, tok: Token) -> list[sp.Basic]:
        if tok.type == "NUMBER":
            n = int(tok.value.split(".")[0]) if "." not in tok.value else -1
            if not 1 <= n <= 100:
                raise ParseError(f"index {tok.value} out of range 1..100", tok.start_pos)
            return [sp.Integer(n)]
        if tok.value == "K" and self.table.size is not None:
            return [self.table.size]
        names = self.table.index_names()
        if tok.value in names:
            return [self.table.index(tok.value)]
        if all(ch in names for ch in tok.value):
            return [self.table.index(ch) for ch in tok.value]
        raise ParseError(f"{tok.value!r} is not an index", tok.start_pos,
                         "indices are i, j, k (or numbers, or K)")

    def index(self, meta, ch):
        return ch[0]

    def subscript(self, meta, ch):
        return [t for t in ch if isinstance(t, Token) and t.type in ("NAME", "NUMBER")]

    def _indices(self, toks) -> list[sp.Basic]:
        out = []
        for t in toks:
            out.extend(self._index(t))
        return out

    def _resolve(self, tok: Token, sub: list[Token] | None, bold: bool = False):
        v, pos, t = tok.value, tok.start_pos, self.table
        if v == "delta" and sub:
            idx = self._indices(sub)
            if len(idx) != 2:
                raise ParseError("the Kronecker delta needs two indices, as in delta_ij", pos)
            return sp.KroneckerDelta(*idx)
        if sub:
            joined = v + "_" + "".join(s.value for s in sub)
            if joined in t.scalars:
                return t.scalars[joined]
        if v in t.families:
            base = t.families[v]
            if not sub and v in t.matrices:
                raise ParseError(f"{v} is a matrix: write its entries with two indices, as in {v}_nd", pos)
            if not sub:
                return tn.Tensor("col", base[tn.ROW])
            idx = self._indices(sub)
            if v in t.matrices and len(idx) != 2:
                raise ParseError(f"{v} is a matrix: it takes two indices, as in {v}_nd", pos)
            if v not in t.matrices and len(idx) != 1:
                raise ParseError(f"{v} takes one index, as in {v}_i", pos, f"write {v}_i {v}_j for a product")
            return base[tuple(idx)] if len(idx) == 2 else base[idx[0]]
        if sub and t.open:
            if all(s.type == "NUMBER" for s in sub):
                return t.declare(v + "_" + "".join(s.value for s in sub))  # x_1, x_2: scalars
            raise ParseError(f"{v}_{''.join(s.value for s in sub)} has an index, but {v} is not declared as a "
                             "vector or matrix", pos, f"declare it with --vector {v} (or --matrix {v})")
        if sub:
            if v in t.scalars:
                raise ParseError(f"{v} is a number, it has no index", pos)
            raise self._unknown(f"{v}_{''.join(s.value for s in sub)}", pos)
        if v in t.scalars:
            return t.scalars[v]
        if v == "e":
            return sp.E
        if v == "pi":
            return sp.pi
        if t.open and not (v == "T" and t.families):
            return t.declare(v)  # a free-standing expression: every other name is a real variable
        if v == "T":
            return _TRANSPOSE
        if v == "K" and t.size is not None:
            return t.size
        if v in t.index_names():
            return t.index(v)
        if v == "d" or (v.startswith("d") and (v[1:] in t.scalars or v[1:] in t.families)):
            raise RestatesQuestion("the answer contains a derivative d/d..., so it restates the question",
                                   pos, _RESTATE_HINT)
        raise self._unknown(v, pos)

    def _unknown(self, name: str, pos) -> ParseError:
        allowed = sorted(set(self.table.scalars) | {f"{f}_i" for f in self.table.families})
        if self.table.delta:
            allowed.append("delta_ij")
        return ParseError(f"unknown symbol {name!r}", pos,
                          "this question's symbols: " + (", ".join(allowed) or "none") +
                          "; functions: sigma, exp, log, ln, tanh, cosh, sinh, sqrt, softmax, diag")

    def name(self, meta, ch):
        return self._resolve(ch[0], ch[1] if len(ch) > 1 else None)

    def font(self, meta, ch):
        names = [t for t in ch if isinstance(t, Token) and t.type == "NAME"]
        sub = ch[-1] if isinstance(ch[-1], list) else None
        return self._resolve(names[0], sub, bold=True)

    def top(self, meta, ch):
        return _TRANSPOSE

    # arithmetic ------------------------------------------------------------------------------

    def _scalar(self, v, meta, what="this"):
        if v is _TRANSPOSE:
            raise ParseError("T is only allowed as an exponent (transpose)", _pos_meta(meta))
        return v

    def group(self, meta, ch):
        return ch[1]

    def add(self, meta, ch):
        return tn.add(self._scalar(ch[0], meta), self._scalar(ch[2], meta), 1, _pos_meta(meta))

    def sub(self, meta, ch):
        return tn.add(self._scalar(ch[0], meta), self._scalar(ch[2], meta), -1, _pos_meta(meta))

    def mul(self, meta, ch):
        a, b = ch[0], ch[-1]
        return tn.matmul(self._scalar(a, meta), self._scalar(b, meta), self._size(), _pos_meta(meta))

    def div(self, meta, ch):
        a, b = self._scalar(ch[0], meta), self._scalar(ch[2], meta)
        if isinstance(b, tn.Tensor):
            raise ParseError("cannot divide by a vector or matrix", _pos(ch[1]))
        return tn.elementwise(lambda e: e / b, a)

    def neg(self, meta, ch):
        return tn.elementwise(lambda e: -e, self._scalar(ch[1], meta))

    def pos(self, meta, ch):
        return self._scalar(ch[1], meta)

    def prime(self, meta, ch):
        raise RestatesQuestion("the answer contains a derivative ('), so it restates the question",
                               _pos(ch[1]), _RESTATE_HINT)

    def pow(self, meta, ch):
        base, exp = ch[0], ch[2]
        if exp is _TRANSPOSE:
            return base.T() if isinstance(base, tn.Tensor) else base
        base = self._scalar(base, meta)
        if isinstance(base, tn.Tensor) or isinstance(exp, tn.Tensor):
            raise ParseError("powers of vectors or matrices are not supported", _pos(ch[1]),
                             "use ^T for a transpose")
        return self._power(base, exp, _pos(ch[1]))

    def _power(self, base, exp, pos):
        lim = self.limits
        if exp.is_number and not exp.is_Rational:
            value = _bounded_float(exp)
            if value is None or abs(value) > lim.max_exponent:
                raise LimitError(f"exponent too large (limit {lim.max_exponent})", pos)
        if exp.is_Rational:
            if abs(exp.p) > lim.max_exponent or exp.q > lim.max_exponent:
                raise LimitError(f"exponent {exp} too large (limit {lim.max_exponent})", pos)
            if base.is_Rational:
                bits = (abs(base.p).bit_length() + base.q.bit_length()) * abs(exp.p)
                if bits > lim.max_bits:
                    raise LimitError(f"the constant {base}^{exp} is too large", pos)
        if base == sp.E:
            return sp.exp(exp)
        return sp.Pow(base, exp)

    def frac(self, meta, ch):
        num, den = ch[1], ch[2]
        if isinstance(den, tn.Tensor):
            raise ParseError("cannot divide by a vector or matrix", _pos_meta(meta))
        return tn.elementwise(lambda e: e / den, num)

    def fracarg(self, meta, ch):
        toks = [c for c in ch if not (isinstance(c, Token) and c.type in ("LBRACE", "RBRACE"))]
        x = toks[0]
        if isinstance(x, Token):
            if x.type == "NUMBER":
                if len(x.value) == 2 and x.value.isdigit():  # \frac12
                    raise ParseError("write \\frac{1}{2}", x.start_pos)
                return self._number(x)
            return self._resolve(x, None)
        return self._scalar(x, meta)

    # functions -------------------------------------------------------------------------------

    def call(self, meta, ch):
        func = ch[0]
        args = [c for c in ch[1:] if not (isinstance(c, Token) and c.type in ("LPAR", "RPAR", "COMMA",
                                                                               "LBRACE", "RBRACE"))]
        args = [self._number(a) if isinstance(a, Token) and a.type == "NUMBER" else a for a in args]
        return self._apply(func, args)

    def call_font(self, meta, ch):
        func = ch[0]
        name = [t for t in ch[1:] if isinstance(t, Token) and t.type == "NAME"][0]
        return self._apply(func, [self._resolve(name, None, bold=True)])

    def _apply(self, func: Token, args):
        name, pos = func.value, func.start_pos
        if name == "delta":
            if len(args) != 2 or not all(isinstance(a, sp.Symbol) and a.is_integer for a in args):
                raise ParseError("KroneckerDelta takes two indices, as in KroneckerDelta(i, j)", pos)
            return sp.KroneckerDelta(*args)
        if len(args) != 1:
            raise ParseError(f"{name} takes one argument, got {len(args)}", pos)
        if name == "norm":
            raise ParseError("norm(...) is only for matrix expressions", pos,
                             "declare vectors and matrices: --vector NAMES --matrix NAMES")
        (a,) = args
        if a is _TRANSPOSE:
            raise ParseError("T is only allowed as an exponent (transpose)", pos)
        if name == "softmax":
            if not isinstance(a, tn.Tensor) or a.shape != "col":
                raise ParseError("softmax takes a vector, as in softmax(z)_i", pos)
            k = index_symbol("k")  # as in the topic's definition of y, so that symbolic checks match
            denom = sp.Sum(sp.exp(a.entry.xreplace({tn.ROW: k})), (k, 1, self._size()))
            return tn.Tensor("col", sp.exp(a.entry) / denom)
        if name == "diag":
            return tn.diag(a, pos)
        if name in ("log_softmax", "logsumexp"):
            if not isinstance(a, tn.Tensor) or a.shape != "col":
                raise ParseError(f"{name} takes a vector, as in {name}(z)", pos)
            k = sp.Dummy("k", integer=True, positive=True)
            log_denom = sp.log(sp.Sum(sp.exp(a.entry.xreplace({tn.ROW: k})), (k, 1, self._size())))
            return tn.Tensor("col", a.entry - log_denom) if name == "log_softmax" else log_denom
        f = {"sigma": sigma, "exp": sp.exp, "log": sp.log, "tanh": sp.tanh, "sqrt": sp.sqrt, "logit": logit,
             "cosh": sp.cosh, "sinh": sp.sinh, **_scalar_functions()}[name]
        return tn.elementwise(f, a)

    def hadamard(self, meta, ch):
        raise ParseError("the elementwise product .* is only for matrix expressions", _pos(ch[1]),
                         "declare vectors and matrices: derive grad ... --vector NAMES --matrix NAMES")

    def sum_all(self, meta, ch):
        raise ParseError("sum(...) of all entries is only for matrix expressions", _pos_meta(meta),
                         "declare vectors and matrices (--vector, --matrix), or write sum_k z_k")

    def norm_bars(self, meta, ch):
        raise ParseError("a norm is only for matrix expressions", _pos_meta(meta),
                         "declare vectors and matrices: --vector NAMES --matrix NAMES")

    def component(self, meta, ch):
        return tn.component(ch[0], self._indices(ch[1]), _pos_meta(meta))

    # derivatives -----------------------------------------------------------------------------

    def derivative(self, meta, ch):
        r""":math:`\frac{d}{dv} f`, kept as an unevaluated ``sympy.Derivative`` (the proof context's
        definitions are expanded before SymPy differentiates it, e.g. :math:`y_i` into softmax)."""
        var, body = ch[1], self._scalar(ch[2], meta)
        if not (isinstance(var, sp.Indexed) or (isinstance(var, sp.Symbol) and not var.is_integer)):
            raise ParseError("differentiate with respect to a variable or one component, as in d/dx or d/dz_j",
                             _pos_meta(meta))
        return tn.elementwise(lambda e: sp.Derivative(e, var), body)

    # sums ------------------------------------------------------------------------------------

    def _size(self):
        return self.table.size if self.table.size is not None else sp.Symbol("K", integer=True, positive=True)

    def sumvar(self, meta, ch):
        names = [t for t in ch if isinstance(t, Token) and t.type == "NAME"]
        var = names[0]
        if var.value not in self.table.index_names():
            raise ParseError(f"summation index {var.value!r} must be one of {', '.join(self.table.index_names())}",
                             var.start_pos)
        lower = sp.Integer(1)
        values = [c for c in ch if not isinstance(c, Token)]
        if values:
            lower = values[0]
        return self.table.index(var.value), lower

    def upper(self, meta, ch):
        x = [c for c in ch if not (isinstance(c, Token) and c.type in ("POW", "LBRACE", "RBRACE"))][0]
        if isinstance(x, Token):
            return self._number(x) if x.type == "NUMBER" else self._resolve(x, None)
        return x

    def bigsum(self, meta, ch):
        if self.table.open and not self.table.families:
            raise ParseError("a sum needs index notation over a vector", _pos_meta(meta),
                             "declare the vector with --vector NAME and write sum_k NAME_k")
        values = [c for c in ch if not (isinstance(c, Token) and c.type in ("SUM", "UNDERSCORE"))]
        (var, lower), body = values[0], values[-1]
        upper = values[1] if len(values) == 3 else self._size()
        for bound in (lower, upper):
            if not (bound == self.table.size or (bound.is_Integer and 0 <= bound <= 100)
                    or (bound.is_integer and bound.free_symbols)):
                raise ParseError("summation bounds must be K or small integers", _pos_meta(meta))
        if isinstance(body, tn.Tensor) or body is _TRANSPOSE:
            raise ParseError("the sum of vectors is not supported; sum their components", _pos_meta(meta))
        return sp.Sum(body, (var, lower, upper))


def _scalar_functions() -> dict:
    """The functions of :data:`grammar.SCALAR_FUNCTIONS` as SymPy classes (imported when first used)."""
    from derive.codegen.functions import softplus
    from derive.topics.relu_approximation import relu

    return {"sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "atan": sp.atan, "abs": sp.Abs, "relu": relu,
            "softplus": softplus}


def _pos_meta(meta):
    return None if meta is None or meta.empty else meta.start_pos


def _bounded_float(expr) -> float | None:
    """``float(expr)`` for a constant exponent, or None if it is not a modest real number."""
    try:
        value = complex(expr.evalf(15))
    except (TypeError, ValueError, OverflowError, ZeroDivisionError):
        return None
    return value.real if value.imag == 0 else None


# --- the parser --------------------------------------------------------------------------------


def _bracket_depth(text: str) -> int:
    depth = best = 0
    for ch in text:
        if ch in "([{":
            depth += 1
            best = max(best, depth)
        elif ch in ")]}":
            depth -= 1
    return best


def _tree_stats(tree: Tree) -> tuple[int, int]:
    nodes, depth, stack = 0, 0, [(tree, 1)]
    while stack:
        node, d = stack.pop()
        nodes += 1
        depth = max(depth, d)
        if isinstance(node, Tree):
            stack.extend((c, d + 1) for c in node.children)
    return nodes, depth


def _syntax_error(exc: LarkError, text: str) -> ParseError:
    if isinstance(exc, UnexpectedCharacters):
        ch = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else ""
        return ParseError(f"unexpected character {ch!r}", exc.pos_in_stream,
                          "use letters, digits, + - * / ^ ( ) and LaTeX commands")
    if isinstance(exc, UnexpectedToken):
        if exc.token.type == "$END":
            return ParseError("the answer ends too early", len(text), "is a bracket or an operand missing?")
        expected = sorted(e for e in exc.expected if e != "DERIV")  # derivative notation: never a hint
        hint = "expected " + ", ".join(_READABLE.get(e, e) for e in expected[:6]) if expected else None
        return ParseError(f"unexpected {exc.token.value!r}", exc.token.start_pos, hint)
    if isinstance(exc, UnexpectedEOF):
        return ParseError("the answer ends too early", len(text), "is a bracket or an operand missing?")
    return ParseError(f"cannot parse the answer: {type(exc).__name__}", None)


_READABLE = {"RPAR": "')'", "RBRACE": "'}'", "LPAR": "'('", "LBRACE": "'{'", "NAME": "a name",
             "NUMBER": "a number", "PLUS": "'+'", "MINUS": "'-'", "TIMES": "'*'", "DIV": "'/'",
             "POW": "'^'", "FUNC": "a function", "FONT": "\\mathbf", "FRAC": "\\frac", "CMD": "a LaTeX command",
             "SUM": "a sum", "UNDERSCORE": "'_'", "COMMA": "','"}


def parse_answer(text: str, table: SymbolTable, *, syntax: str = "auto",
                 limits: Limits = DEFAULT_LIMITS, derivatives: bool = False) -> Parsed:
    """Parse ``text`` (untrusted) into a SymPy expression in the symbols of ``table``.

    Raises only :class:`AnswerError`. A vector answer is returned as its entry at the first
    free index, a matrix answer as its entry at ``(i, j)``. With ``derivatives``, derivative
    notation is read into unevaluated ``sympy.Derivative`` nodes (the lines of a derivation);
    without, it restates the question.
    """
    if not isinstance(text, str):
        raise ParseError("the answer must be text")
    limits.check_length(text)
    if syntax not in ("auto", "plain", "latex"):
        raise ParseError(f"unknown syntax {syntax!r}; use auto, plain or latex")
    used = detect_syntax(text) if syntax == "auto" else syntax
    if used == "plain" and "\\" in text:
        raise ParseError("LaTeX command in a plain-syntax answer", text.index("\\"), "use --syntax latex or auto")
    if not text.strip():
        raise ParseError("the answer is empty")
    if _bracket_depth(text) > limits.max_depth:
        raise LimitError(f"brackets nested too deeply (limit {limits.max_depth})")
    _POSTLEX.table = table
    _POSTLEX.derivatives = derivatives
    try:
        tree = _lark().parse(text)
    except AnswerError:
        raise
    except LarkError as exc:
        if isinstance(getattr(exc, "orig_exc", None), AnswerError):
            raise exc.orig_exc from None
        raise _syntax_error(exc, text) from None
    except RecursionError:
        raise LimitError("the answer is nested too deeply") from None
    nodes, depth = _tree_stats(tree)
    if nodes > limits.max_nodes:
        raise LimitError(f"the answer is too large: {nodes} parse nodes (limit {limits.max_nodes})")
    if depth > limits.max_depth * 3:  # each nesting level is a few grammar levels
        raise LimitError(f"the answer is nested too deeply: depth {depth} (limit {limits.max_depth * 3})")
    try:
        value = _Build(table, limits).transform(tree) if isinstance(tree, Tree) else _Build(table, limits).transform(Tree("start", [tree]))
    except VisitError as exc:
        if isinstance(exc.orig_exc, AnswerError):
            raise exc.orig_exc from None
        raise ParseError(f"cannot interpret the answer ({type(exc.orig_exc).__name__})") from None
    except RecursionError:
        raise LimitError("the answer is nested too deeply") from None
    if isinstance(value, Tree):  # a bare token such as a single number wrapped by start
        value = value.children[0]
    if value is _TRANSPOSE:
        raise ParseError("T is only allowed as an exponent (transpose)")
    shape = value.shape if isinstance(value, tn.Tensor) else "scalar"
    expr = tn.to_index_form(value, table.matrix_order or table.indices)
    _check_free(expr, table)
    return Parsed(expr, used, shape)


def _check_free(expr: sp.Basic, table: SymbolTable) -> None:
    for s in expr.free_symbols:
        if isinstance(s, sp.Symbol) and s.is_integer and s.name in table.index_names() and s not in table.indices:
            allowed = ", ".join(map(str, table.indices)) or "none"
            raise ParseError(f"index {s} is not bound by a sum (free indices of this question: {allowed})")
