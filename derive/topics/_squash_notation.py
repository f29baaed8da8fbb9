r"""The notation of the squash construction: symbols, the Heaviside step :math:`H`, proof contexts.

:math:`\sigma(a(x - c))` is a unit of slope :math:`a` centred at :math:`c`; the staircase has
thresholds :math:`c_i`, values :math:`v_i` and :math:`\Delta_i = \sigma(a(x - c_i)) - H(x - c_i)`.
"""

from __future__ import annotations

import sympy as sp

from derive.context import ProofContext, Uniform, define_function, define_indexed, define_symbol
from derive.notation import SIGMA_DEFINITION, sigma

x = sp.Symbol("x", real=True)
c = sp.Symbol("c", real=True)
#: The slope (compression) of the sigmoid units.
a = sp.Symbol("a", positive=True)
#: s = a(x - c), and its two signs for the cases of the bound.
s = sp.Symbol("s", real=True)
s_pos = sp.Symbol("s", positive=True)
s_neg = sp.Symbol("s", negative=True)
v = sp.IndexedBase("v", real=True)
cs = sp.IndexedBase("c", real=True)
#: Delta_i = sigma(a(x - c_i)) - H(x - c_i): how far unit i is from its threshold.
gap = sp.IndexedBase("Delta", real=True)
i = sp.Symbol("i", integer=True, positive=True)
j = sp.Symbol("j", integer=True, nonnegative=True)
k = sp.Symbol("k", integer=True, positive=True)

#: Numbers of thresholds for which the general chains are checked (every cell of each).
CHECKED_KS = (1, 2, 3, 4)
#: Numbers of units for which the bound chain is checked with the sums written out (general k: by lemmas).
BOUND_KS = (1, 2, 3)
#: Slopes at which the limit a -> oo is checked numerically (mpmath).
GROWING_A = (10, 100, 1000, 10**4)
SIGNIFICANT = 6
SAMPLES_PER_SEGMENT = 200
MAX_SEGMENTS = 200
MAX_SLOPE = 10**6
#: Up to this many thresholds the step function of the network is shown (and proved) piece by piece.
SHOWN_STEPS = 20
#: The error table: numbers of segments and slopes.
TABLE_SEGMENTS = (4, 16, 64)
TABLE_SLOPES = (10, 100, 1000)


class H(sp.Function):
    r"""The Heaviside step :math:`H(u)`: 0 for :math:`u < 0`, :math:`1/2` at 0, 1 for :math:`u > 0`; notation."""

    nargs = 1

    def _latex(self, printer, exp=None):
        tex = r"H\left(%s\right)" % printer._print(self.args[0])
        return tex if exp is None else r"%s^{%s}" % (tex, exp)

    def _derive_text(self, printer):
        return "H(%s)" % printer._print(self.args[0])


H_DEFINITION = define_function(H, lambda u: sp.Heaviside(u, sp.Rational(1, 2)))
DEFINITIONS = (SIGMA_DEFINITION, H_DEFINITION)
CONTEXT = ProofContext(definitions=DEFINITIONS, domains=((a, Uniform(0.5, 20.0)),))
#: s = a(x - c): the bound depends on x, c and a only through s.
SCALING_CONTEXT = CONTEXT.with_(definitions=DEFINITIONS + (define_symbol(s, a * (x - c)),))
POSITIVE_CONTEXT = CONTEXT.with_(domains=((s_pos, Uniform(0.001, 40.0)),))
NEGATIVE_CONTEXT = CONTEXT.with_(domains=((s_neg, Uniform(-40.0, -0.001)),))
DELTA_DEFINITION = define_indexed(gap, lambda m: sigma(a * (x - cs[m])) - H(x - cs[m]))
BOUND_CONTEXT = CONTEXT.with_(definitions=(DELTA_DEFINITION,) + DEFINITIONS)
