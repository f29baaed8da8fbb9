r"""Backpropagation through an MLP with one hidden layer (NPFL129 lecture 5, "Training MLP").

Minibatch matrix form, rows are examples (batch :math:`B`, :math:`|B| = N` rows):

.. math::
    H^{(in)} = X W^{(h)} + \mathbf{1} b^{(h)T},\quad H = f(H^{(in)}),\quad
    Y^{(in)} = H W^{(y)} + \mathbf{1} b^{(y)T},\quad Y = a(Y^{(in)}),\quad
    L = \frac{1}{|B|} \sum_{n \in B} \ell(y_n, t_n)

with :math:`X \in \mathbb{R}^{N\times D}`, :math:`W^{(h)} \in \mathbb{R}^{D\times H}`,
:math:`W^{(y)} \in \mathbb{R}^{H\times K}`, biases as columns, :math:`\mathbf 1 \in \mathbb{R}^{N}`.
In the seeds' order: :math:`\partial \ell/\partial y` and :math:`\partial y/\partial y^{(in)}` (per
example, for the canonical pairs softmax + categorical NLL, sigmoid + Bernoulli NLL, identity +
MSE, all giving :math:`y - t`), then

.. math::
    G^{(y)} = \frac{\partial L}{\partial Y^{(in)}} = \frac{Y - T}{|B|}\ (N\times K),\quad
    \frac{\partial L}{\partial W^{(y)}} = H^T G^{(y)},\quad \frac{\partial L}{\partial b^{(y)}} = G^{(y)T}\mathbf 1,

    G^{(h)} = \frac{\partial L}{\partial H^{(in)}} = \left(G^{(y)} W^{(y)T}\right) \odot f'(H^{(in)})\ (N\times H),\quad
    \frac{\partial L}{\partial W^{(h)}} = X^T G^{(h)},\quad \frac{\partial L}{\partial b^{(h)}} = G^{(h)T}\mathbf 1,

with :math:`f' = \mathbb{1}[H^{(in)} > 0]` (ReLU), :math:`1 - H \odot H` (tanh), :math:`H \odot (1 - H)` (sigmoid).
The :math:`1/|B|` of the mean is inside :math:`G^{(y)}` and so inside every later gradient.

Matrix-form steps are proved by :func:`prove_against_network`: an explicit network
(:math:`N = 2`, :math:`D = 2`, :math:`H = 2`, :math:`K = 2` or 3) with symbolic weights and
biases and rational data is differentiated by SymPy (the full derivative of the loss with
respect to every entry), and both sides of the step, evaluated as explicit matrices, are
compared: symbolically (the difference expands to 0) where SymPy manages it, and always at random
points in 50-digit arithmetic, for each listed pair of hidden activation and output/loss.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass
from functools import lru_cache

import mpmath
import sympy as sp

from derive.context import ProofContext
from derive.derivation import Derivation, DerivationBuilder
from derive.notation import SIGMA_DEFINITION, K, i, j, k, shown, sigma, t, y, z
from derive.proof import Proof

# --- notation ------------------------------------------------------------------------------------

N, D, Hd = sp.symbols("N D H", integer=True, positive=True)
B = sp.Symbol("|B|", integer=True, positive=True)

_NAMES: dict[str, tuple[str, str]] = {
    "X": ("X", "X"), "T": ("T", "T"), "H": ("H", "H"), "Y": ("Y", "Y"),
    "Wh": ("W^{(h)}", "W^(h)"), "bh": ("b^{(h)}", "b^(h)"), "Wy": ("W^{(y)}", "W^(y)"), "by": ("b^{(y)}", "b^(y)"),
    "Hin": ("H^{(in)}", "H^(in)"), "Yin": ("Y^{(in)}", "Y^(in)"), "ones": (r"\mathbf{1}", "1"),
    "Gy": ("G^{(y)}", "G^(y)"), "Gh": ("G^{(h)}", "G^(h)"),
    "fprime": (r"f'\left(H^{(in)}\right)", "f'(H^(in))"),
    "step": (r"\mathbb{1}\left[H^{(in)} > 0\right]", "1[H^(in) > 0]"),
}
for _target in ("Wy", "by", "Wh", "bh", "Yin", "Hin", "H", "Y"):
    _tex, _txt = _NAMES[_target]
    _NAMES["d" + _target] = (r"\frac{\partial L}{\partial %s}" % _tex, f"∂L/∂{_txt}")


class M(sp.MatrixSymbol):
    """A matrix of the lecture's notation, printed as on the slides (``W^{(y)}``, ``∂L/∂W^{(y)}``)."""

    def _latex(self, printer, exp=None):
        tex = _NAMES.get(self.name, (self.name, self.name))[0]
        return tex if exp is None else r"\left(%s\right)^{%s}" % (tex, exp)

    def _derive_text(self, printer):
        return _NAMES.get(self.name, (self.name, self.name))[1]


X, T = M("X", N, D), M("T", N, K)
Wh, bh, Wy, by = M("Wh", D, Hd), M("bh", Hd, 1), M("Wy", Hd, K), M("by", K, 1)
Hin, H, Yin, Y = M("Hin", N, Hd), M("H", N, Hd), M("Yin", N, K), M("Y", N, K)
ONES = M("ones", N, 1)
Gy, Gh = M("Gy", N, K), M("Gh", N, Hd)
FPRIME, STEP = M("fprime", N, Hd), M("step", N, Hd)
dWy, dby, dWh, dbh = M("dWy", Hd, K), M("dby", K, 1), M("dWh", D, Hd), M("dbh", Hd, 1)
dYin, dHin, dH = M("dYin", N, K), M("dHin", N, Hd), M("dH", N, Hd)
J = sp.OneMatrix(N, Hd)


class Had(sp.HadamardProduct):
    """The elementwise product, kept as written (``H ∘ H`` is not turned into a power)."""

    def __new__(cls, *args):
        return super().__new__(cls, *args, evaluate=False)

    def _derive_text(self, printer):
        return " ⊙ ".join(f"({printer._print(a)})" if isinstance(a, (sp.MatAdd, sp.MatMul)) else printer._print(a)
                          for a in self.args)


def had(*ms):
    return Had(*ms)


# --- the explicit network ------------------------------------------------------------------------

HIDDEN = ("relu", "tanh", "sigmoid")
OUTPUTS = ("softmax+nll", "sigmoid+bernoulli", "identity+mse")


def _hidden(name: str, u):
    return {"relu": lambda v: sp.Max(0, v), "tanh": sp.tanh, "sigmoid": lambda v: 1 / (1 + sp.exp(-v))}[name](u)


def _loss_row(output: str, zrow: list, trow: list):
    """Loss of one example from its output-layer inputs ``zrow`` (the canonical pairs)."""
    if output == "softmax+nll":
        total = sum(sp.exp(v) for v in zrow)
        return -sum(tk * sp.log(sp.exp(v) / total) for tk, v in zip(trow, zrow))
    if output == "sigmoid+bernoulli":
        ys = [1 / (1 + sp.exp(-v)) for v in zrow]
        return -sum(tk * sp.log(yk) + (1 - tk) * sp.log(1 - yk) for tk, yk in zip(trow, ys))
    return sum((v - tk) ** 2 for tk, v in zip(trow, zrow)) / 2


def _activate_output(output: str, zrow: list) -> list:
    if output == "softmax+nll":
        total = sum(sp.exp(v) for v in zrow)
        return [sp.exp(v) / total for v in zrow]
    if output == "sigmoid+bernoulli":
        return [1 / (1 + sp.exp(-v)) for v in zrow]
    return list(zrow)


@dataclass
class Network:
    """An explicit small network: symbolic parameters, rational data; every quantity as a Matrix."""

    hidden: str
    output: str
    n: int = 2
    d: int = 2
    h: int = 2
    seed: int = 0
    k: int = 0  # 0: 3 classes for softmax, 2 outputs otherwise

    def __post_init__(self):
        rng = random.Random(self.seed)
        self.k = self.k or (3 if self.output == "softmax+nll" else 2)
        n, d, h, k = self.n, self.d, self.h, self.k
        self.X = sp.Matrix(n, d, lambda a, b: sp.Rational(rng.randint(-20, 20), 10))
        if self.output == "softmax+nll":
            self.T = sp.Matrix(n, k, lambda a, b: int(b == a % k))
        elif self.output == "sigmoid+bernoulli":
            self.T = sp.Matrix(n, k, lambda a, b: (a + b) % 2)
        else:
            self.T = sp.Matrix(n, k, lambda a, b: sp.Rational(rng.randint(-20, 20), 10))
        self.Wh = sp.Matrix(d, h, lambda a, b: sp.Symbol(f"wh{a}{b}", real=True))
        self.bh = sp.Matrix(h, 1, lambda a, b: sp.Symbol(f"bh{a}", real=True))
        self.Wy = sp.Matrix(h, k, lambda a, b: sp.Symbol(f"wy{a}{b}", real=True))
        self.by = sp.Matrix(k, 1, lambda a, b: sp.Symbol(f"by{a}", real=True))
        self.ones = sp.ones(n, 1)
        self.params = list(self.Wh) + list(self.bh) + list(self.Wy) + list(self.by)
        self.Hin = self.X * self.Wh + self.ones * self.bh.T
        self.H = self.Hin.applyfunc(lambda v: _hidden(self.hidden, v))
        self.Yin = self.H * self.Wy + self.ones * self.by.T
        self.Y = sp.Matrix([_activate_output(self.output, list(self.Yin.row(r))) for r in range(n)])
        self.dims = {N: n, D: d, Hd: h, K: k, B: n}
        self._cache: dict[str, sp.Matrix] = {}

    def loss_from_yin(self, zin: sp.Matrix):
        rows = [_loss_row(self.output, list(zin.row(r)), list(self.T.row(r))) for r in range(self.n)]
        return sp.Add(*rows) / self.n

    def loss_from_hin(self, uin: sp.Matrix):
        hh = uin.applyfunc(lambda v: _hidden(self.hidden, v))
        return self.loss_from_yin(hh * self.Wy + self.ones * self.by.T)

    def loss_from_h(self, hh: sp.Matrix):
        return self.loss_from_yin(hh * self.Wy + self.ones * self.by.T)

    @property
    def loss(self):
        return self.loss_from_yin(self.Yin)

    def grad_at_cut(self, build_loss, value: sp.Matrix, name: str) -> sp.Matrix:
        """dL/dC for an intermediate C: differentiate the loss as a function of fresh symbols for C."""
        fresh = sp.Matrix(value.rows, value.cols, lambda a, b: sp.Symbol(f"{name}{a}{b}", real=True))
        loss = build_loss(fresh)
        back = dict(zip(fresh, value))
        return fresh.applyfunc(lambda v: sp.diff(loss, v).xreplace(back))

    def grad_param(self, mat: sp.Matrix) -> sp.Matrix:
        loss = self.loss
        return mat.applyfunc(lambda v: sp.diff(loss, v))

    def fprime(self) -> sp.Matrix:
        u = sp.Symbol("u", real=True)
        deriv = sp.diff(_hidden(self.hidden, u), u)
        return self.Hin.applyfunc(lambda v: deriv.xreplace({u: v}))

    def value(self, name: str) -> sp.Matrix:
        """The explicit matrix a notation symbol stands for (gradients by SymPy's differentiation)."""
        if name not in self._cache:
            self._cache[name] = self._value(name)
        return self._cache[name]

    def _value(self, name: str) -> sp.Matrix:
        simple = {"X": self.X, "T": self.T, "Wh": self.Wh, "bh": self.bh, "Wy": self.Wy, "by": self.by,
                  "Hin": self.Hin, "H": self.H, "Yin": self.Yin, "Y": self.Y, "ones": self.ones}
        if name in simple:
            return simple[name]
        if name in ("dYin", "Gy"):
            return self.grad_at_cut(self.loss_from_yin, self.Yin, "zin")
        if name in ("dHin", "Gh"):
            return self.grad_at_cut(self.loss_from_hin, self.Hin, "uin")
        if name == "dH":
            return self.grad_at_cut(self.loss_from_h, self.H, "hh")
        if name in ("dWy", "dby", "dWh", "dbh"):
            return self.grad_param(self.value(name[1:]))
        if name == "fprime":
            return self.fprime()
        if name == "step":
            return self.Hin.applyfunc(sp.Heaviside)
        raise KeyError(f"no explicit value for {name}")

    def explicit(self, e: sp.Basic):
        """Evaluate a matrix-notation expression as an explicit Matrix (or a scalar)."""
        if isinstance(e, M):
            return self.value(e.name)
        if isinstance(e, sp.OneMatrix):
            return sp.ones(int(e.shape[0].xreplace(self.dims)), int(e.shape[1].xreplace(self.dims)))
        if isinstance(e, sp.MatAdd):
            parts = [self.explicit(a) for a in e.args]
            out = parts[0]
            for part in parts[1:]:
                out = out + part
            return out
        if isinstance(e, sp.MatMul):
            out = sp.S.One
            for a in e.args:
                out = out * self.explicit(a)
            return out
        if isinstance(e, sp.Transpose):
            return self.explicit(e.arg).T
        if isinstance(e, sp.HadamardProduct):
            parts = [self.explicit(a) for a in e.args]
            out = parts[0]
            for part in parts[1:]:
                out = out.multiply_elementwise(part)
            return out
        if isinstance(e, sp.HadamardPower):
            base = self.explicit(e.base)
            return base.applyfunc(lambda v: v ** self.explicit(e.exp))
        if isinstance(e, sp.MatrixExpr):
            raise TypeError(f"cannot evaluate {type(e).__name__} explicitly")
        return sp.sympify(e).xreplace(self.dims)


#: Above this many operations in a difference the symbolic check is skipped (it would take minutes);
#: the step is then proved numerically only, and says so.
SYMBOLIC_BUDGET = 2000


def _zero_symbolically(diff: sp.Matrix) -> bool:
    """Whether every entry of ``diff`` is shown to be 0 by expand / cancel / together."""
    if sum(sp.count_ops(entry) for entry in diff) > SYMBOLIC_BUDGET:
        return False
    for entry in diff:
        if entry == 0:
            continue
        try:
            expanded = sp.expand(entry)
            if expanded == 0 or sp.cancel(expanded) == 0 or sp.expand(sp.together(expanded)) == 0:
                continue
        except Exception:  # noqa: BLE001 - any SymPy failure means "not shown", never "shown"
            return False
        return False  # no general simplify: too slow here; the step then counts as numeric only
    return True


@lru_cache(maxsize=None)
def _network(hidden: str, output: str, small: bool = False) -> Network:
    """The network of the numeric checks (N = 2, D = 2, H = 2, K = 3 for softmax else 2), or with
    ``small`` the one of the symbolic checks (N = 2, D = 1, H = 2, K = 2: smaller expressions)."""
    seed = zlib.crc32(f"{hidden}{output}".encode())
    return Network(hidden, output, d=1, k=2, seed=seed) if small else Network(hidden, output, seed=seed)


def network_prover(combos: tuple[tuple[str, str], ...], *, symbolic: bool = True):
    """A prover comparing both sides on explicit networks, one per (hidden f, output/loss) pair."""

    def prove_against_network(prev: sp.Basic, expr: sp.Basic, ctx: ProofContext) -> Proof:
        rng = random.Random(zlib.crc32((sp.srepr(prev) + sp.srepr(expr)).encode()))
        all_symbolic = symbolic
        shown_pairs: list[str] = []
        for hidden, output in combos:
            net = _network(hidden, output)
            try:
                a, b = net.explicit(prev), net.explicit(expr)
            except (TypeError, KeyError) as exc:
                return Proof(False, "symbolic", f"cannot evaluate on the explicit network: {exc}")
            if not isinstance(a, sp.MatrixBase) or a.shape != getattr(b, "shape", None):
                return Proof(False, "symbolic", f"shapes differ for f = {hidden}, {output}")
            diff = a - b
            entries = list(diff)
            numeric = sp.lambdify(net.params, entries, modules="mpmath")
            with mpmath.workdps(ctx.digits):
                for _ in range(ctx.points):
                    point = [mpmath.mpf(rng.randint(-1500, 1500)) / 1000 for _ in net.params]
                    try:
                        values = numeric(*point)
                    except (ValueError, ZeroDivisionError, TypeError) as exc:
                        return Proof(False, "numeric", f"could not evaluate for f = {hidden}, {output}: {exc}")
                    gap = max((abs(v) for v in values), default=mpmath.mpf(0))
                    if not mpmath.isfinite(gap) or gap > mpmath.mpf(10) ** (10 - ctx.digits):
                        return Proof(False, "numeric", f"differs for f = {hidden}, {output} at a random point "
                                                       f"(max entry difference {mpmath.nstr(gap, 5)})")
            if symbolic and _zero_symbolically(_network(hidden, output, small=True).explicit(prev)
                                                - _network(hidden, output, small=True).explicit(expr)):
                shown_pairs.append(f"{hidden}, {output}")
            else:
                all_symbolic = False
        pairs = "; ".join(f"f = {h}, {o}" for h, o in combos)
        where = (f"explicit networks (numeric: N = 2, D = 2, H = 2, K = 2 or 3; symbolic: N = 2, D = 1, H = 2, K = 2), "
                 f"SymPy's derivative of the loss ({pairs})")
        if all_symbolic:
            return Proof(True, "symbolic+numeric",
                         f"{where}: the difference is 0 entrywise and at {ctx.points} random points ({ctx.digits} digits)")
        sym = f"; the difference is 0 symbolically for {'; '.join(shown_pairs)}" if shown_pairs else ""
        return Proof(True, "numeric", f"{where}: equal at {ctx.points} random points ({ctx.digits} digits){sym}; "
                                      f"SymPy's expand/cancel not attempted above {SYMBOLIC_BUDGET} operations")

    # certificates key a proof by the prover's name: make it name the pairs it checks
    prove_against_network.__qualname__ = f"network_prover({combos!r}, symbolic={symbolic})"
    return prove_against_network


ALL_OUTPUTS = tuple(("tanh", o) for o in OUTPUTS)
ALL_HIDDEN = (("relu", "softmax+nll"), ("tanh", "sigmoid+bernoulli"), ("sigmoid", "identity+mse"))

CONTEXT = ProofContext(points=3)
SCALAR = ProofContext(definitions=(SIGMA_DEFINITION,))

SHAPES = {
    "X": "the minibatch of inputs, N x D (rows are examples)",
    "T": "the targets, N x K (one-hot rows for softmax)",
    "H": "the hidden layer outputs f(H^(in)), N x H",
    "Y": "the outputs a(Y^(in)), N x K",
    "W^(y)": "the output-layer weights, H x K",
    "W^(h)": "the hidden-layer weights, D x H",
    "|B|": "the minibatch size N",
    "1": "the all-ones column of length N",
}


def _vars(*names: str, **extra: str) -> dict[str, str]:
    return {**{n_: SHAPES[n_] for n_ in names}, **extra}


G_Y = {"G^(y)": "dL/dY^(in) = (Y - T)/|B|, N x K, the output-layer gradient including the 1/|B| of the mean"}
G_H = {"G^(h)": "dL/dH^(in) = (G^(y) W^(y)T) * f'(H^(in)) elementwise, N x H, including the 1/|B|"}


@lru_cache(maxsize=None)
def build() -> Derivation:
    from derive.topics.softmax import CONTEXT as SOFTMAX_CONTEXT

    d = DerivationBuilder("mlp", "Backpropagation through an MLP with one hidden layer", CONTEXT)
    d.assume(r"H^{(in)} = X W^{(h)} + \mathbf{1} b^{(h)T},\ H = f\left(H^{(in)}\right)",
             "H^(in) = X W^(h) + 1 b^(h)T, H = f(H^(in))")
    d.assume(r"Y^{(in)} = H W^{(y)} + \mathbf{1} b^{(y)T},\ Y = a\left(Y^{(in)}\right)",
             "Y^(in) = H W^(y) + 1 b^(y)T, Y = a(Y^(in))")
    d.assume(r"X \in \mathbb{R}^{N \times D},\ W^{(h)} \in \mathbb{R}^{D \times H},\ W^{(y)} \in \mathbb{R}^{H \times K},"
             r"\ b^{(h)} \in \mathbb{R}^{H},\ b^{(y)} \in \mathbb{R}^{K},\ \mathbf{1} \in \mathbb{R}^{N}",
             "X in R^(N x D), W^(h) in R^(D x H), W^(y) in R^(H x K), b^(h) in R^H, b^(y) in R^K, 1 in R^N")
    d.assume(r"L = \frac{1}{|B|} \sum_{n \in B} \ell(y_n, t_n),\ |B| = N",
             "L = (1/|B|) sum_n loss(y_n, t_n), |B| = N (mean over the minibatch)")
    d.assume(r"f \in \{\operatorname{ReLU}, \tanh, \sigma\},\ (a, \ell) \in \{(\operatorname{softmax}, "
             r"\text{categorical NLL}), (\sigma, \text{Bernoulli NLL}), (\mathrm{id}, \text{MSE})\}",
             "f in {ReLU, tanh, sigma}; (a, loss) in {(softmax, categorical NLL), (sigma, Bernoulli NLL), (identity, MSE)}")

    # 1. dl/dy and dy/dy_in per example: the canonical pairs all give y - t.
    loss = -sp.Sum(t[k] * sp.log(y[k]), (k, 1, K))
    (
        d.chain(r"Steps 1--2, softmax and categorical NLL: $\partial \ell/\partial y \cdot \partial y/\partial y^{(in)}$",
                sp.Derivative(loss, z[i]), SOFTMAX_CONTEXT)
        .step(-sp.Sum(t[j] / y[j] * sp.Derivative(y[j], z[i]), (j, 1, K)),
              r"chain rule: $\partial \ell/\partial y_j = -t_j/y_j$")
        .step(-sp.Sum(t[j] / y[j] * y[j] * (sp.KroneckerDelta(j, i) - y[i]), (j, 1, K)),
              r"$\partial y_j/\partial y^{(in)}_i = y_j(\delta_{ij} - y_i)$ (softmax Jacobian)")
        .step(-t[i] + y[i] * sp.Sum(t[j], (j, 1, K)), r"$\sum_j t_j \delta_{ij} = t_i$")
        .step(y[i] - t[i], r"$\sum_j t_j = 1$")
    )
    u, tt = sp.Symbol("u", real=True), sp.Symbol("t", real=True)
    bern = -tt * sp.log(sigma(u)) - (1 - tt) * sp.log(1 - sigma(u))
    (
        d.chain(r"Steps 1--2, sigmoid and Bernoulli NLL ($u = y^{(in)}$, $y = \sigma(u)$)", sp.Derivative(bern, u), SCALAR)
        .step(shown(-tt / sigma(u) + (1 - tt) / (1 - sigma(u)), sigma(u) * (1 - sigma(u))),
              r"chain rule: $\partial \ell/\partial y = -t/y + (1 - t)/(1 - y)$, $\sigma' = \sigma(1 - \sigma)$")
        .step(-tt * (1 - sigma(u)) + (1 - tt) * sigma(u), "multiply out")
        .step(sigma(u) - tt, "collect terms: $y - t$")
    )
    (
        d.chain(r"Steps 1--2, identity and MSE ($u = y^{(in)} = y$)", sp.Derivative((u - tt) ** 2 / 2, u), SCALAR)
        .step(shown(u - tt, 1), r"chain rule: $\partial \ell/\partial y = y - t$, $\partial y/\partial y^{(in)} = 1$")
        .step(u - tt, "$y - t$")
    )

    outputs = network_prover(ALL_OUTPUTS)
    hidden = network_prover(ALL_HIDDEN)
    (
        d.chain(r"Minibatch output gradient $G^{(y)}$", dYin)
        .step((Y - T) / B, r"$L$ is the mean of $\ell$ over the batch; row $n$ is $(y_n - t_n)/|B|$ (steps 1--2)",
              prover=outputs)
        .result("mlp.output_gradient",
                "Output-layer gradient G^(y) = dL/dY^(in), N x K, minibatch mean (1/|B| included)",
                _vars("Y", "T", "|B|"))
    )
    (
        d.chain(r"Step 3: output weights", dWy)
        .step(H.T * dYin, r"chain rule; $\partial y^{(in)}_{nk}/\partial W^{(y)}_{ik} = h_{ni}$ "
                          r"($Y^{(in)} = H W^{(y)} + \mathbf{1} b^{(y)T}$)", prover=outputs)
        .step(H.T * Gy, r"$G^{(y)} = \partial L/\partial Y^{(in)}$", prover=outputs)
        .result("mlp.output_weight_gradient", "Output-layer weight gradient dL/dW^(y) = H^T G^(y), H x K "
                "(G^(y) includes 1/|B|)", _vars("H", **G_Y))
        .step(H.T * (Y - T) / B, r"$G^{(y)} = (Y - T)/|B|$", prover=outputs)
    )
    (
        d.chain(r"Step 3: output bias", dby)
        .step(dYin.T * ONES, r"chain rule; $\partial y^{(in)}_{nk}/\partial b^{(y)}_k = 1$: sum over the rows",
              prover=outputs)
        .step(Gy.T * ONES, r"$G^{(y)} = \partial L/\partial Y^{(in)}$", prover=outputs)
        .result("mlp.output_bias_gradient", "Output-layer bias gradient dL/db^(y) = G^(y)T 1 (column sums of G^(y)), "
                "length K", _vars("1", **G_Y))
    )
    (
        d.chain(r"Step 4: $\partial y^{(in)}/\partial h$", dH)
        .step(dYin * Wy.T, r"chain rule; $\partial y^{(in)}_{nk}/\partial h_{ni} = W^{(y)}_{ik}$", prover=hidden)
        .step(Gy * Wy.T, r"$G^{(y)} = \partial L/\partial Y^{(in)}$", prover=hidden)
    )
    (
        d.chain(r"Step 5: $\partial h/\partial h^{(in)}$, the hidden gradient $G^{(h)}$", dHin)
        .step(had(dH, FPRIME), r"chain rule; $h = f(h^{(in)})$ elementwise, so multiply by $f'$ elementwise",
              prover=hidden)
        .step(had(Gy * Wy.T, FPRIME), r"step 4", prover=hidden)
        .result("mlp.hidden_gradient", "Hidden-layer gradient G^(h) = dL/dH^(in) = (G^(y) W^(y)T) * f'(H^(in)) "
                "(elementwise), N x H", _vars("W^(y)", **G_Y, **{"f'(H^(in))": "the derivative of the hidden "
                                                                             "activation, elementwise"}))
    )
    for name, form, rule in (
        ("relu", STEP, r"$\operatorname{ReLU}'(u) = [u > 0]$"),
        ("tanh", sp.MatAdd(J, sp.MatMul(-1, had(H, H), evaluate=False), evaluate=False), r"$\tanh' = 1 - \tanh^2$"),
        ("sigmoid", had(H, sp.MatAdd(J, sp.MatMul(-1, H, evaluate=False), evaluate=False)),
         r"$\sigma' = \sigma(1 - \sigma)$"),
    ):
        (
            d.chain(rf"$G^{{(h)}}$ for $f = \operatorname{{{name}}}$", dHin)
            .step(had(Gy * Wy.T, FPRIME), "hidden gradient (above)", prover=network_prover(((name, "identity+mse"),)))
            .step(had(Gy * Wy.T, form), rule, prover=network_prover(((name, "softmax+nll"),)))
        )
    (
        d.chain(r"Step 6: hidden weights", dWh)
        .step(X.T * dHin, r"chain rule; $\partial h^{(in)}_{ni}/\partial W^{(h)}_{ji} = x_{nj}$", prover=hidden)
        .step(X.T * Gh, r"$G^{(h)} = \partial L/\partial H^{(in)}$", prover=hidden)
        .result("mlp.hidden_weight_gradient", "Hidden-layer weight gradient dL/dW^(h) = X^T G^(h), D x H "
                "(G^(h) includes 1/|B|)", _vars("X", **G_H))
    )
    (
        d.chain(r"Step 6: hidden bias", dbh)
        .step(dHin.T * ONES, r"chain rule; $\partial h^{(in)}_{ni}/\partial b^{(h)}_i = 1$: sum over the rows",
              prover=hidden)
        .step(Gh.T * ONES, r"$G^{(h)} = \partial L/\partial H^{(in)}$", prover=hidden)
        .result("mlp.hidden_bias_gradient", "Hidden-layer bias gradient dL/db^(h) = G^(h)T 1 (column sums of G^(h)), "
                "length H", _vars("1", **G_H))
    )
    return d.build()
