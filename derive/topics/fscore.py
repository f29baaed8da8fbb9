r"""F-scores (NPFL129 lecture 5, "F-Score" to "F1-score in multiclass classification").

With precision :math:`p = TP/(TP + FP)` and recall :math:`r = TP/(TP + FN)`:

* :math:`F_1 = 2/(p^{-1} + r^{-1}) = 2pr/(p + r) = 2TP/(2TP + FP + FN)`;
* :math:`F_\beta = (1 + \beta^2)/(p^{-1} + \beta^2 r^{-1}) = (1 + \beta^2) p r/(\beta^2 p + r)
  = (1 + \beta^2) TP/((1 + \beta^2) TP + FP + \beta^2 FN)`, and :math:`F_1` is the case
  :math:`\beta = 1`;
* accuracy :math:`(TP + TN)/(TP + TN + FP + FN)`;
* the harmonic mean lies between min and max and below :math:`2 \min` (proved with
  :mod:`derive.inequalities`, assuming w.l.o.g. :math:`p \le r`, i.e. :math:`r = p + d`,
  :math:`d \ge 0`); the seeds' numbers AM(1%, 100%) = 50.5%, GM = 10%, HM = 2/101 ≈ 2%;
* micro- and macro-averaged :math:`F_1` (table of definitions, and an example where they differ).
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from derive.context import Integers, ProofContext, Uniform, define_function, define_symbol
from derive.derivation import Derivation, DerivationBuilder, Table
from derive.inequalities import AtLeastZero, prove_nonnegative
from derive.notation import shown

p = sp.Symbol("p", positive=True)
r = sp.Symbol("r", positive=True)
d = sp.Symbol("d", nonnegative=True)
beta = sp.Symbol("beta", positive=True)
TP = sp.Symbol("TP", positive=True)
FP = sp.Symbol("FP", nonnegative=True)
FN = sp.Symbol("FN", nonnegative=True)
TN = sp.Symbol("TN", nonnegative=True)


class _Named(sp.Function):
    """A function of the lecture kept unevaluated as notation, printed ``NAME(args)``."""

    _tex = ""

    def _latex(self, printer, exp=None):
        tex = r"%s\left(%s\right)" % (self._tex, ", ".join(printer._print(a) for a in self.args))
        return tex if exp is None else r"%s^{%s}" % (tex, exp)

    def _derive_text(self, printer):
        return "%s(%s)" % (type(self).__name__, ", ".join(printer._print(a) for a in self.args))


class AM(_Named):
    r"""Arithmetic mean :math:`(p + r)/2`."""

    _tex = r"\operatorname{AM}"


class GM(_Named):
    r"""Geometric mean :math:`\sqrt{p r}`."""

    _tex = r"\operatorname{GM}"


class HM(_Named):
    r"""Harmonic mean :math:`2/(p^{-1} + r^{-1})`."""

    _tex = r"\operatorname{HM}"


class F(_Named):
    r""":math:`F_\beta(p, r)`, the F-score of precision ``p`` and recall ``r``; args (beta, p, r)."""

    def _latex(self, printer, exp=None):
        b, pp, rr = self.args
        tex = r"F_{%s}\left(%s, %s\right)" % (printer._print(b), printer._print(pp), printer._print(rr))
        return tex if exp is None else r"%s^{%s}" % (tex, exp)

    def _derive_text(self, printer):
        b, pp, rr = self.args
        return "F_%s(%s, %s)" % (printer._print(b), printer._print(pp), printer._print(rr))


class precision(_Named):
    r""":math:`TP/(TP + FP)`."""

    _tex = r"\operatorname{precision}"


class recall(_Named):
    r""":math:`TP/(TP + FN)`."""

    _tex = r"\operatorname{recall}"


DEFINITIONS = (
    define_function(AM, lambda a, b: (a + b) / 2),
    define_function(GM, lambda a, b: sp.sqrt(a * b)),
    define_function(HM, lambda a, b: 2 / (1 / a + 1 / b)),
    define_function(F, lambda b, a, c: (1 + b**2) / (1 / a + b**2 / c)),
    define_function(precision, lambda tp, fp: tp / (tp + fp)),
    define_function(recall, lambda tp, fn: tp / (tp + fn)),
)
DOMAINS = (
    (p, Uniform(0.01, 1.0)), (r, Uniform(0.01, 1.0)), (d, Uniform(0.0, 1.0)), (beta, Uniform(0.1, 4.0)),
    (TP, Integers(1, 60)), (FP, Integers(0, 60)), (FN, Integers(0, 60)), (TN, Integers(0, 60)),
)
CONTEXT = ProofContext(definitions=DEFINITIONS, domains=DOMAINS)
#: w.l.o.g. p <= r: recall is precision plus a non-negative d (for the inequalities).
ORDERED = ProofContext(definitions=DEFINITIONS + (define_symbol(r, p + d),), domains=DOMAINS)

PR_VARIABLES = {"p": "precision, TP / (TP + FP)", "r": "recall, TP / (TP + FN)"}
COUNT_VARIABLES = {
    "TP": "number of true positives (positive 1 or more)",
    "FP": "number of false positives",
    "FN": "number of false negatives",
}
BETA = {"beta": "the F-beta weight: recall is beta times as important as precision"}


def _unevaluated_ratio(top: tuple, bottom: tuple) -> sp.Basic:
    """``(a + b)/(c + d + ...)`` as written, without collecting equal terms."""
    return sp.Mul(sp.Add(*top, evaluate=False), sp.Pow(sp.Add(*bottom, evaluate=False), -1, evaluate=False),
                  evaluate=False)


def _pct(value: int) -> sp.Basic:
    return sp.Rational(value, 100)


@lru_cache(maxsize=None)
def build() -> Derivation:
    b = DerivationBuilder("fscore", "F-scores: F1, F-beta, means, micro and macro averaging", CONTEXT)
    b.assume(r"p = \operatorname{precision} = \frac{TP}{TP + FP},\ r = \operatorname{recall} = \frac{TP}{TP + FN}",
             "p = precision = TP / (TP + FP), r = recall = TP / (TP + FN)")
    b.assume(r"TP \ge 1,\ FP, FN, TN \ge 0,\ 0 < p, r \le 1,\ \beta > 0",
             "TP >= 1; FP, FN, TN >= 0; 0 < p, r <= 1; beta > 0")
    f1 = F(1, p, r)
    (
        b.chain("$F_1$ is the harmonic mean of precision and recall", f1)
        .step(2 / (1 / p + 1 / r), r"definition: the harmonic mean $2/(p^{-1} + r^{-1})$")
        .step(2 * p * r / (p + r), "multiply numerator and denominator by $p r$")
        .result("fscore.f1", "F1-score from precision and recall", PR_VARIABLES)
    )
    (
        b.chain("$F_1$ from the confusion matrix", F(1, precision(TP, FP), recall(TP, FN)))
        .step(2 * shown(TP / (TP + FP), TP / (TP + FN)) / (TP / (TP + FP) + TP / (TP + FN)),
              r"$F_1 = 2 p r/(p + r)$ with the definitions of precision and recall")
        .step(_unevaluated_ratio((TP, TP), (TP, FP, TP, FN)),
              r"multiply numerator and denominator by $(TP + FP)(TP + FN)/TP$ (the slide's form)")
        .step(2 * TP / (2 * TP + FP + FN), "collect terms")
        .result("fscore.f1_counts", "F1-score from the counts TP, FP, FN", COUNT_VARIABLES)
    )
    fb = F(beta, p, r)
    (
        b.chain(r"$F_\beta$: the three forms", fb)
        .step((1 + beta**2) / (1 / p + beta**2 / r), r"definition: a weighted harmonic mean, recall weighted $\beta^2$")
        .step((1 + beta**2) * p * r / (beta**2 * p + r), "multiply numerator and denominator by $p r$")
        .result("fscore.fbeta_pr", "F-beta score from precision and recall", {**PR_VARIABLES, **BETA})
    )
    (
        b.chain(r"$F_\beta$ from the confusion matrix", F(beta, precision(TP, FP), recall(TP, FN)))
        .step((1 + beta**2) * shown(TP / (TP + FP), TP / (TP + FN)) / (beta**2 * TP / (TP + FP) + TP / (TP + FN)),
              r"$F_\beta = (1 + \beta^2) p r/(\beta^2 p + r)$ with the definitions of precision and recall")
        .step((TP + beta**2 * TP) / (TP + FP + beta**2 * (TP + FN)),
              r"multiply numerator and denominator by $(TP + FP)(TP + FN)/TP$")
        .step((1 + beta**2) * TP / ((1 + beta**2) * TP + FP + beta**2 * FN), "collect terms")
        .result("fscore.fbeta", "F-beta score from the counts TP, FP, FN (fbeta_from_counts)",
                {**COUNT_VARIABLES, **BETA})
    )
    (
        b.chain(r"$F_1$ is $F_\beta$ with $\beta = 1$", F(1, p, r))
        .step((1 + 1**2) * p * r / (1**2 * p + r), r"$F_\beta = (1 + \beta^2) p r/(\beta^2 p + r)$ at $\beta = 1$")
        .step(HM(p, r), "the harmonic mean of precision and recall")
    )
    acc = (TP + TN) / (TP + TN + FP + FN)
    (
        b.chain("Accuracy is one minus the error rate", acc)
        .step(1 - (FP + FN) / (TP + TN + FP + FN), "add and subtract $(FP + FN)/(TP + TN + FP + FN)$")
        .result("fscore.accuracy", "Accuracy from the confusion matrix",
                {**COUNT_VARIABLES, "TN": "number of true negatives"})
    )

    # --- the means: between min and max, and the harmonic mean is dominated by the minimum -----
    b.assume(r"\text{w.l.o.g. } p \le r \text{ (the means are symmetric)},\ r = p + d,\ d \ge 0",
             "w.l.o.g. p <= r (the means are symmetric): r = p + d with d >= 0")
    (
        b.chain(r"$\min(p, r) \le \operatorname{HM}(p, r)$", HM(p, r) - sp.Min(p, r), ORDERED)
        .step(2 * p * r / (p + r) - p, r"$\operatorname{HM} = 2pr/(p + r)$ and min(p, r) = $p$")
        .step(p * (r - p) / (p + r), "common denominator")
        .step(AtLeastZero(shown(p, d / (2 * p + d))), r"$r - p = d \ge 0$, $p > 0$", prover=prove_nonnegative)
    )
    (
        b.chain(r"$\operatorname{HM}(p, r) \le \max(p, r)$", sp.Max(p, r) - HM(p, r), ORDERED)
        .step(r - 2 * p * r / (p + r), r"$\operatorname{HM} = 2pr/(p + r)$ and max(p, r) = $r$")
        .step(r * (r - p) / (p + r), "common denominator")
        .step(AtLeastZero(shown(p + d, d / (2 * p + d))), r"$r - p = d \ge 0$, $r > 0$", prover=prove_nonnegative)
    )
    (
        b.chain(r"$\operatorname{HM}(p, r) \le 2 \min(p, r)$", 2 * sp.Min(p, r) - HM(p, r), ORDERED)
        .step(2 * p - 2 * p * r / (p + r), r"$\operatorname{HM} = 2pr/(p + r)$ and min(p, r) = $p$")
        .step(2 * p**2 / (p + r), "common denominator")
        .step(AtLeastZero(2 * p**2 / (2 * p + d)), r"a square over a positive number", prover=prove_nonnegative)
    )
    (
        b.chain(r"$\operatorname{GM}(p, r) \le \operatorname{AM}(p, r)$", AM(p, r) - GM(p, r), ORDERED)
        .step((p + r) / 2 - sp.sqrt(p * r), "definitions of the means")
        .step((sp.sqrt(r) - sp.sqrt(p)) ** 2 / 2, "complete the square")
        .step(AtLeastZero((sp.sqrt(p + d) - sp.sqrt(p)) ** 2 / 2), "a square", prover=prove_nonnegative)
    )
    (
        b.chain(r"$\operatorname{HM}(p, r) \le \operatorname{GM}(p, r)$", GM(p, r) - HM(p, r), ORDERED)
        .step(sp.sqrt(p * r) - 2 * p * r / (p + r), "definitions of the means")
        .step(sp.sqrt(p * r) * (sp.sqrt(r) - sp.sqrt(p)) ** 2 / (p + r), "put over $p + r$ and factor: $p + r - 2 (p r)^{1/2} = (r^{1/2} - p^{1/2})^2$")
        .step(AtLeastZero(sp.sqrt(p * (p + d)) * (sp.sqrt(p + d) - sp.sqrt(p)) ** 2 / (2 * p + d)),
              "a square times positive factors", prover=prove_nonnegative)
    )

    # --- the seeds' numbers: precision 1 %, recall 100 % ------------------------------------------
    lo, hi = _pct(1), _pct(100)
    (
        b.chain(r"$\operatorname{AM}$(1%, 100%)", AM(lo, hi))
        .step(sp.Mul(sp.Add(lo, hi, evaluate=False), sp.Rational(1, 2), evaluate=False), "definition")
        .step(_pct(sp.Rational(101, 2)), "that is 50.5 %, although precision is only 1 %")
    )
    (
        b.chain(r"$\operatorname{GM}$(1%, 100%)", GM(lo, hi))
        .step(sp.sqrt(sp.Mul(lo, hi, evaluate=False), evaluate=False), "definition")
        .step(_pct(10), "that is 10 %")
    )
    (
        b.chain(r"$\operatorname{HM}$(1%, 100%)", HM(lo, hi))
        .step(2 / sp.Add(sp.Integer(100), sp.Integer(1), evaluate=False), "definition: $2/(1/p + 1/r)$")
        .step(sp.Rational(2, 101), "that is about 1.98 %, about 2 %: dominated by the minimum")
    )

    # --- multiclass: micro and macro averaging -------------------------------------------------------
    b.table(Table(
        "F1 in multiclass classification (positive classes c = 1..C; the negative class left out)",
        ("averaging", "definition", "effect"),
        (
            (r"micro", r"$F_1^{\mathrm{micro}} = \frac{2 \sum_c TP_c}{2 \sum_c TP_c + \sum_c FP_c + \sum_c FN_c}$",
             r"frequent classes weigh more"),
            (r"macro", r"$F_1^{\mathrm{macro}} = \frac{1}{C} \sum_{c=1}^{C} F_{1,c}$, "
                       r"$F_{1,c} = \frac{2 TP_c}{2 TP_c + FP_c + FN_c}$",
             r"every class weighs the same"),
        ),
        (
            ("micro", "F1_micro = 2 sum_c TP_c / (2 sum_c TP_c + sum_c FP_c + sum_c FN_c)",
             "frequent classes weigh more"),
            ("macro", "F1_macro = (1/C) sum_c F1_c, F1_c = 2 TP_c / (2 TP_c + FP_c + FN_c)",
             "every class weighs the same"),
        ),
    ))
    counts = ((90, 10, 10), (1, 9, 9))  # a frequent class done well, a rare class done badly
    f1_of = [sp.Rational(2 * tp, 2 * tp + fp + fn) for tp, fp, fn in counts]
    pooled = [sum(c[n] for c in counts) for n in range(3)]

    def _raw(tp, fp, fn):
        return sp.Mul(2 * tp, sp.Pow(sp.Add(2 * tp, fp, fn, evaluate=False), -1, evaluate=False), evaluate=False)

    (
        b.chain(r"Micro-averaged $F_1$, classes with (TP, FP, FN) = (90, 10, 10) and (1, 9, 9)",
                 F(1, precision(pooled[0], pooled[1]), recall(pooled[0], pooled[2])))
        .step(_raw(*pooled), r"pool the counts: $TP = 91$, $FP = 19$, $FN = 19$, then $2TP/(2TP + FP + FN)$")
        .step(sp.Rational(2 * pooled[0], 2 * pooled[0] + pooled[1] + pooled[2]), "about 0.827")
    )
    (
        b.chain(r"Macro-averaged $F_1$ of the same classes",
                sp.Mul(sp.Rational(1, 2), sp.Add(*[_raw(*c) for c in counts], evaluate=False), evaluate=False))
        .step(sp.Mul(sp.Rational(1, 2), sp.Add(*f1_of, evaluate=False), evaluate=False), "$F_1$ of each class")
        .step(sum(f1_of) / 2, "that is 0.5: the rare class counts as much as the frequent one")
    )
    return b.build()

