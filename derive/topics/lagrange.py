r"""Lagrange multipliers on the seeds' example (NPFL129 lecture 5): :math:`f(x, y) = x + y`
subject to :math:`g(x, y) = x^2 + y^2 - 1 = 0`.

Chains: the Lagrangian :math:`\mathcal L = f - \lambda g` and its three partial derivatives
(stationarity in :math:`x`, :math:`y` and :math:`\lambda`, the last one the constraint); the set of
critical points, solved step by step (:math:`x = y = 1/(2\lambda)`, :math:`\lambda^2 = 1/2`) down to
the two points :math:`\pm(1/\sqrt2, 1/\sqrt2)`; the values of :math:`f` there; and the minimum
(the circle is compact, so :math:`f` attains its minimum at a critical point), confirmed with the
parametrisation :math:`(\cos\theta, \sin\theta)` and SymPy's ``minimum``.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from derive.context import ProofContext, define_function
from derive.derivation import Derivation, DerivationBuilder
from derive.proof import Proof
from derive.topics._provers import same_solution_set

x, y = sp.symbols("x y", real=True)
lam = sp.Symbol("lambda", real=True)
theta = sp.Symbol("theta", real=True)
ROOT = 1 / sp.sqrt(2)


class Lagrangian(sp.Function):
    r""":math:`\mathcal L(x, y, \lambda)`, kept as notation."""

    def _latex(self, printer, exp=None):
        return r"\mathcal{L}\left(%s\right)" % ", ".join(printer._print(v) for v in self.args)

    def _derive_text(self, printer):
        return "L(%s)" % ", ".join(printer._print(v) for v in self.args)


class SolutionSet(sp.Function):
    r""":math:`\{(x, y, \lambda) : e_1 = 0, \dots\}`: ``args[0]`` the equations (a Tuple), ``args[1]`` the unknowns."""

    def _latex(self, printer, exp=None):
        eqs, unknowns = self.args
        return r"\left\{%s : %s\right\}" % (printer._print(sp.Tuple(*unknowns)),
                                            ",\\ ".join(f"{printer._print(e)} = 0" for e in eqs))

    def _derive_text(self, printer):
        eqs, unknowns = self.args
        return "{%s : %s}" % (printer._print(sp.Tuple(*unknowns)), ", ".join(f"{printer._print(e)} = 0" for e in eqs))


class ConstrainedMin(sp.Function):
    r""":math:`\min_{x^2 + y^2 = 1} f(x, y)` for ``args[0]`` = f."""

    def _latex(self, printer, exp=None):
        return r"\min_{x^{2} + y^{2} = 1} \left(%s\right)" % printer._print(self.args[0])

    def _derive_text(self, printer):
        return "min_{x^2 + y^2 = 1} (%s)" % printer._print(self.args[0])


F = x + y
G = x**2 + y**2 - 1
LAGRANGIAN = F - lam * G
UNKNOWNS = sp.Tuple(x, y, lam)
CONTEXT = ProofContext(definitions=(define_function(Lagrangian, lambda u, v, m: (u + v) - m * (u**2 + v**2 - 1)),))


def prove_circle_minimum(a: sp.Basic, b: sp.Basic, ctx: ProofContext) -> Proof:
    r""":math:`\min_{x^2+y^2=1} f` equals ``b``: SymPy's ``minimum`` of :math:`f(\cos\theta, \sin\theta)`
    over :math:`[0, 2\pi]`, and a 50-digit check on a grid of 120 angles (none below ``b``)."""
    f = a.args[0] if isinstance(a, ConstrainedMin) else None
    target = b
    if f is None:  # b is the constrained minimum, a its claimed value
        f, target = b.args[0], a
    on_circle = f.xreplace({x: sp.cos(theta), y: sp.sin(theta)})
    exact = sp.minimum(on_circle, theta, sp.Interval(0, 2 * sp.pi))
    target = sp.sympify(target).doit()
    if sp.simplify(exact - target) != 0:
        return Proof(False, "symbolic", f"SymPy's minimum of {on_circle} is {exact}, not {target}")
    lowest = min(on_circle.xreplace({theta: sp.pi * k / 60}).evalf(ctx.digits) for k in range(120))
    if lowest < sp.N(target, ctx.digits) - sp.Float(10, ctx.digits) ** (10 - ctx.digits):
        return Proof(False, "numeric", f"f is {lowest} on the circle, below {target}")
    return Proof(True, "symbolic+numeric",
                 f"minimum of f(cos θ, sin θ) on [0, 2π] is {exact} (SymPy); no lower value at 120 angles ({ctx.digits} digits)")


@lru_cache(maxsize=None)
def build() -> Derivation:
    dv = DerivationBuilder("lagrange", "Lagrange multipliers: x + y on the unit circle", CONTEXT)
    dv.assume(r"f(x, y) = x + y", "f(x, y) = x + y")
    dv.assume(r"g(x, y) = x^2 + y^2 - 1 = 0", "constraint g(x, y) = x^2 + y^2 - 1 = 0")
    dv.assume(r"\mathcal{L}(x, y, \lambda) = f(x, y) - \lambda g(x, y)", "Lagrangian L = f - lambda g")
    L = Lagrangian(x, y, lam)
    dv.chain("The Lagrangian", L).step(LAGRANGIAN, r"$\mathcal{L} = f - \lambda g$")
    grads = {}
    for var, rule in ((x, r"$\partial (x + y)/\partial x = 1$, $\partial (x^2 + y^2)/\partial x = 2x$"),
                      (y, r"$\partial (x + y)/\partial y = 1$, $\partial (x^2 + y^2)/\partial y = 2y$"),
                      (lam, r"$\partial \mathcal{L} / \partial \lambda = -g$: the constraint")):
        grads[var] = sp.diff(LAGRANGIAN, var)
        title = rf"Stationarity in ${sp.latex(var)}$"
        (dv.chain(title, sp.Derivative(L, var)).step(grads[var], rule))
    eqs = sp.Tuple(grads[x], grads[y], grads[lam])
    half = 1 / (2 * lam)
    points = sp.FiniteSet(sp.Tuple(ROOT, ROOT, ROOT), sp.Tuple(-ROOT, -ROOT, -ROOT))
    same = same_solution_set(tuple(UNKNOWNS))
    (
        dv.chain("Critical points", SolutionSet(eqs, UNKNOWNS))
        .step(SolutionSet(sp.Tuple(x - half, y - half, 1 - 2 * half**2), UNKNOWNS),
              r"$1 - 2\lambda x = 0$ gives $x = \frac{1}{2\lambda}$, likewise $y$; substitute into $x^2 + y^2 = 1$",
              prover=same)
        .step(SolutionSet(sp.Tuple(x - half, y - half, lam**2 - sp.Rational(1, 2)), UNKNOWNS),
              r"$\frac{2}{4\lambda^2} = 1$, i.e. $\lambda^2 = \frac{1}{2}$", prover=same)
        .step(points, r"$\lambda = \pm\frac{1}{\sqrt{2}}$ and $x = y = \frac{1}{2\lambda}$", prover=same)
        .result("lagrange.critical_points", r"The critical points $(x, y, \lambda)$ of the Lagrangian",
                {"x": "the first coordinate", "y": "the second coordinate", "lambda": "the Lagrange multiplier"})
    )
    for sign, word in ((1, "first"), (-1, "second")):
        (dv.chain(f"The value of $f$ at the {word} critical point", F.xreplace({x: sign * ROOT, y: sign * ROOT}))
         .step(sign * sp.sqrt(2), r"$\frac{2}{\sqrt{2}} = \sqrt{2}$"))
    (
        dv.chain("Which critical point is the minimum", ConstrainedMin(F))
        .step(sp.Min(sp.sqrt(2), -sp.sqrt(2), evaluate=False),
              "the circle is compact, so the minimum is attained, and at a critical point: the smaller value",
              prover=prove_circle_minimum)
        .step(-sp.sqrt(2), r"$-\sqrt{2} < \sqrt{2}$: the minimum is at $x = y = -\frac{1}{\sqrt{2}}$ "
              r"(and the maximum $\sqrt{2}$ at $x = y = \frac{1}{\sqrt{2}}$)")
    )
    argmin = sp.Tuple(-ROOT, -ROOT)
    (
        dv.chain("The minimiser", sp.Tuple(x, y))
        .step(argmin, r"the critical point with the smaller value $f = -\sqrt{2}$ (above)",
              prover=_prove_argmin)
        .result("lagrange.circle", r"The minimum of $x + y$ on the unit circle is at $x = y = -1/\sqrt{2}$",
                {"x": "the first coordinate of the minimiser", "y": "the second coordinate of the minimiser"})
    )
    return dv.build()


def _prove_argmin(a: sp.Basic, b: sp.Basic, ctx: ProofContext) -> Proof:
    """``b`` is on the circle, a critical point, and f there equals the constrained minimum."""
    point = dict(zip((x, y), b))
    if sp.simplify(G.xreplace(point)) != 0:
        return Proof(False, "symbolic", f"{tuple(b)} is not on the circle")
    sols = sp.solve(list(sp.Tuple(*(sp.diff(LAGRANGIAN, v) for v in UNKNOWNS))), list(UNKNOWNS), dict=True)
    if not any(sp.simplify(s[x] - point[x]) == 0 and sp.simplify(s[y] - point[y]) == 0 for s in sols):
        return Proof(False, "symbolic", f"{tuple(b)} is not a critical point")
    value = prove_circle_minimum(F.xreplace(point), ConstrainedMin(F), ctx)
    if not value.verified:
        return Proof(False, value.method, f"f{tuple(b)} is not the minimum: {value.detail}")
    return Proof(True, "symbolic+numeric", f"on the circle, a critical point (SymPy solve), f = minimum: {value.detail}")
