"""Verifying derivations: step verdicts, the first wrong step, the final answer apart, rules, hostile lines."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.answers.limits import Limits
from derive.answers.targets import target_for_expected, target_for_result
from derive.answers.verify import DerivationVerdict, verify_text
from derive.answers.verify_worker import run_verify, timed_out
from derive.printing import to_latex
from derive.topics import TOPICS


def verify(text: str, result_id: str, **kw) -> DerivationVerdict:
    return verify_text(text, target_for_result(result_id), **kw)


def verdicts(v: DerivationVerdict) -> list[str]:
    return [s.verdict for s in v.steps]


SIGMOID = """d/dx sigma(x)
= d/dx 1/(1 + e^(-x))
= e^(-x)/(1 + e^(-x))^2
= 1/(1 + e^(-x)) * (1 - 1/(1 + e^(-x)))
= sigma(x)(1 - sigma(x))
"""


def test_a_correct_derivation():
    v = verify(SIGMOID, "sigmoid.derivative")
    assert v.verdict == "correct" and v.exit_code == 0 and v.first_error is None
    assert verdicts(v) == ["equivalent"] * 5
    assert [s.index for s in v.steps] == [1, 2, 3, 4, 5] and [s.line for s in v.steps] == [1, 2, 3, 4, 5]
    assert v.final.verdict == "equivalent"
    assert [s.compared_with for s in v.steps] == [None, 1, 2, 3, 4]
    assert v.steps[0].rule == "the question" and v.steps[1].rule == "definition of the sigmoid"
    assert v.steps[4].rule == "definition of the sigmoid"


COMPENSATING = """d/dx sigma(x)
= e^(-x)/(1 + e^(-x))^2
= -e^(-x)/(1 + e^(-x))^2
= -sigma(x)(1 - sigma(x))
= sigma(x)(1 - sigma(x))
"""


def test_compensating_errors_are_caught_although_the_last_line_is_right():
    v = verify(COMPENSATING, "sigmoid.derivative")
    assert v.final.verdict == "equivalent"  # the final answer alone would pass
    assert v.verdict == "incorrect" and v.exit_code == 1 and v.first_error == 3
    assert verdicts(v) == ["equivalent", "equivalent", "not_equivalent", "equivalent", "not_equivalent"]
    assert "final answer is right, but step 3 does not follow from step 2" in v.message
    wrong = v.steps[2]
    assert wrong.diagnosis == "sign_flipped"
    ce = wrong.counterexample
    xv = sp.Rational(ce["point"]["x"])  # the counterexample is real: both values at that point
    assert float(ce["answer"]) == pytest.approx(float(-sp.exp(-xv) / (1 + sp.exp(-xv))**2), rel=1e-9)
    assert float(ce["expected"]) == pytest.approx(float(sp.exp(-xv) / (1 + sp.exp(-xv))**2), rel=1e-9)


def test_a_wrong_final_answer_after_right_steps_and_a_wrong_step_with_wrong_answer():
    v = verify("d/dx sigma(x) = sigma(x)(1 - sigma(x)) = sigma(x) - sigma(x)^2", "sigmoid.derivative")
    assert v.verdict == "correct"
    v = verify("d/dx sigma(x) = sigma(x)(1 - sigma(x)) = sigma(x) + sigma(x)^2", "sigmoid.derivative")
    assert v.verdict == "incorrect" and v.first_error == 3 and v.final.verdict == "not_equivalent"
    assert v.steps[2].diagnosis == "term_sign"
    v = verify("d/dx sigma(x) = sigma(x)", "sigmoid.derivative")
    assert v.first_error == 2 and v.steps[1].diagnosis == "own_function"


def test_another_valid_route_is_correct():
    """Through sigma(x) sigma(-x) and the chain rule on (1 + e^-x)^-1, not the lecture's route."""
    text = r"""$$
\frac{d}{dx} \left(1 + e^{-x}\right)^{-1}
= -\left(1 + e^{-x}\right)^{-2} \cdot \left(-e^{-x}\right)
= \frac{1}{1+e^{-x}} \cdot \frac{1}{1 + e^{x}}
= \sigma(x)\,\sigma(-x)
= \sigma(x)\left(1 - \sigma(x)\right)
$$"""
    v = verify(text, "sigmoid.derivative")
    assert v.verdict == "correct", v.to_dict()
    assert v.steps[0].rule == "the question"  # equal to the question's value, though not written as it
    assert v.steps[4].rule == "sigma(-x) = 1 - sigma(x)"


def _topic_chain_latex(topic: str, chain: str) -> tuple[str, list[str]]:
    steps = [s for s in TOPICS[topic].build().steps if s.chain == chain]
    rows = [to_latex(steps[0].lhs)] + [to_latex(s.expr) for s in steps]
    return "\\begin{align*}\n" + " \\\\\n&= ".join(rows) + "\n\\end{align*}\n", [s.rule for s in steps]


def test_index_notation_cross_entropy_gradient_as_the_project_derives_it():
    """The topic's own proved chain, printed by the project's LaTeX printer and read back."""
    text, rules = _topic_chain_latex("softmax", "Gradient of the cross-entropy")
    v = verify(text, "softmax.ce_gradient")
    assert v.verdict == "correct", v.to_dict()
    named = [s.rule for s in v.steps[1:]]
    for ours, theirs in zip(named, rules):
        assert ours and ours.split(",")[0].split(" (")[0].lower() in theirs.lower() or theirs.startswith("$") \
            or "expand" in theirs
    assert named[-2:] == ["delta contraction", "sum of the one-hot target is 1"]


def test_index_notation_softmax_jacobian_and_its_mistake():
    right = r"""\begin{align*}
\frac{\partial y_i}{\partial z_j} &= \frac{\partial}{\partial z_j} \frac{e^{z_i}}{\sum_k e^{z_k}} \\
&= \frac{e^{z_i} \delta_{ij} \sum_k e^{z_k} - e^{z_i} e^{z_j}}{\left(\sum_k e^{z_k}\right)^2} \\
&= y_i (\delta_{ij} - y_j)
\end{align*}"""
    v = verify(right, "softmax.jacobian")
    assert v.verdict == "correct", v.to_dict()
    assert [s.rule for s in v.steps] == ["the question", "definition of softmax", "quotient rule",
                                         "definition of softmax"]
    wrong = right.replace(r"e^{z_i} \delta_{ij} \sum_k", r"e^{z_i} \sum_k")  # the delta_ij term dropped
    v = verify(wrong, "softmax.jacobian")
    assert v.first_error == 3 and v.final.verdict == "equivalent" and v.steps[3].verdict == "not_equivalent"
    ce = v.steps[2].counterexample
    assert {"i", "j", "K"} <= set(ce["point"]) and float(ce["answer"]) != pytest.approx(float(ce["expected"]))


def test_cross_entropy_with_L_for_the_loss():
    text = r"""\begin{align*}
\frac{\partial L}{\partial z_i} &= -\sum_k t_k \frac{\partial \log y_k}{\partial z_i} \\
&= -\sum_k \frac{t_k}{y_k} y_k (\delta_{ik} - y_i) \\
&= y_i - t_i
\end{align*}"""
    v = verify(text, "softmax.ce_gradient")
    assert v.verdict == "correct", v.to_dict()
    assert v.steps[0].rule == "the question"
    v = verify(text.replace(r"\partial z_i} &", r"\partial z_j} &"), "softmax.ce_gradient")
    assert v.steps[0].verdict == "not_equivalent" and v.first_error == 1


def test_unreadable_and_hostile_lines_leave_the_rest_judged():
    text = "\n".join([
        "d/dx sigma(x)",
        "= __import__('os').system('rm -rf /')",
        r"= \input{/etc/passwd}",
        "= e^(-x)/(1 + e^(-x))^2",
        r"= \write18{touch /tmp/pwned}",
        "= 9^9^9^9",
        "= " + "(" * 300 + "x" + ")" * 300,
        "= sigma(x)(1 - sigma(x))",
    ])
    v = verify(text, "sigmoid.derivative")
    assert verdicts(v) == ["equivalent", "invalid", "invalid", "equivalent", "invalid", "invalid", "invalid",
                           "equivalent"]
    assert v.steps[3].compared_with == 1 and "last readable" in v.steps[3].message
    assert v.steps[7].compared_with == 4
    assert v.verdict == "invalid" and v.exit_code == 3 and v.final.verdict == "equivalent"
    assert all(s.latex is None for s in v.steps if s.verdict == "invalid")
    long = verify("d/dx sigma(x)\n= " + "x+" * 2000 + "x", "sigmoid.derivative")
    assert long.steps[1].verdict == "invalid" and "too long" in long.steps[1].message


def test_unfinished_and_one_line_derivations_have_no_final_answer():
    v = verify("d/dx sigma(x) = d/dx 1/(1+e^(-x))", "sigmoid.derivative")
    assert v.final.verdict == "invalid" and "derivative" in v.final.message and v.verdict == "invalid"
    v = verify("d/dx sigma(x)", "sigmoid.derivative")
    assert v.final.verdict == "invalid" and v.exit_code == 3
    v = verify("no math here", "sigmoid.derivative", syntax="markdown")
    assert v.verdict == "invalid" and v.steps == ()


def test_expected_expression_without_result_id():
    target = target_for_expected("sigma(z) - t", ("z", "t"))
    v = verify_text("sigma(z) - t\n= 1 - sigma(-z) - t\n= 1 - 1/(1 + e^z) - t", target)
    assert v.verdict == "correct" and v.steps[0].rule is None
    assert [s.rule for s in v.steps[1:]] == ["sigma(-x) = 1 - sigma(x)", "definition of the sigmoid"]
    v = verify_text("d/dz (log(1 + e^z) - t z)\n= sigma(z) - t", target)
    assert v.verdict == "correct" and v.steps[0].rule == "the question"


COEFFS = st.integers(-5, 5).filter(lambda n: n != 0)


@settings(max_examples=25, deadline=None)
@given(COEFFS, COEFFS, st.integers(1, 5), st.booleans())
def test_the_first_wrong_step_is_where_the_error_was_put(a, b, wrong, only_that_line):
    """A chain of true rewrites of (x + a)(x + b) in which line ``wrong`` (0-based) gets "+ 1": either that
    line alone (the chain comes back: compensating errors) or it and every line after it."""
    forms = [f"(x + {a})(x + {b})", f"x^2 + {a + b}x + {a * b}", f"x(x + {a + b}) + {a * b}",
             f"x^2 + {a}x + {b}x + {a * b}", f"(x + {a})x + {b}(x + {a})", f"x^2 + {a + b}x + {a * b}"]
    last = len(forms) - 1
    lines = [f + " + 1" if (n == wrong or (n > wrong and not only_that_line)) else f for n, f in enumerate(forms)]
    text = "\n= ".join(lines).replace("+ -", "- ")
    target = target_for_expected(forms[-1].replace("+ -", "- "), ("x",))
    v = verify_text(text, target)
    assert v.first_error == wrong + 1  # expressions count from 1
    assert v.verdict == "incorrect"
    bad = [s.index for s in v.steps if s.verdict == "not_equivalent"]
    assert bad == ([wrong + 1, wrong + 2] if only_that_line and wrong < last else [wrong + 1])
    assert (v.final.verdict == "equivalent") == (only_that_line and wrong < last)


def test_per_line_time_limit_and_whole_derivation_limit(monkeypatch):
    from derive.answers.chain_points import ChainPoints

    real = ChainPoints.compare

    def slow_for_sums(self, a, b):
        if a.has(sp.Sum) or b.has(sp.Sum):
            import time
            time.sleep(5)
        return real(self, a, b)

    monkeypatch.setattr(ChainPoints, "compare", slow_for_sums)
    text = "sigma(z) - t\n= 1/(1 + e^(-z)) - t\n= sum_{k=1}^{2} (1/(1 + e^(-z)) - t)/2"
    v = verify_text(text, target_for_expected("sigma(z) - t", ("z", "t")), limits=Limits(timeout=0.5))
    assert verdicts(v) == ["equivalent", "equivalent", "undecided"] and v.verdict == "undecided"
    # the whole derivation: the worker is killed, the steps already checked are kept
    partial = DerivationVerdict("undecided", "", None, v.steps[:2], None).to_dict()
    stopped = timed_out(partial, Limits(derivation_timeout=1.0))
    assert verdicts(stopped) == ["equivalent", "equivalent"] and stopped.final.verdict == "undecided"
    assert stopped.verdict == "undecided"


def test_worker_runs_a_derivation_and_kills_an_overrun():
    v = run_verify(SIGMOID, ("result", "sigmoid.derivative"))
    assert v.verdict == "correct" and len(v.steps) == 5
    zero = "(x + {n})^3 - x^3 - {a}x^2 - {b}x - {c}"  # 0, written differently on each line
    many = "d/dx sigma(x)\n" + "".join("= sigma(x)(1 - sigma(x)) + " + zero.format(n=n, a=3 * n, b=3 * n * n, c=n ** 3)
                                        + "\n" for n in range(1, 41))
    v = run_verify(many, ("result", "sigmoid.derivative"), limits=Limits(derivation_timeout=0.3))
    assert v.verdict == "undecided" and v.final.verdict == "undecided" and "stopped after 0.3 s" in v.final.message
    assert len(v.steps) < 41


def test_hostile_derivations_in_the_worker_never_execute(tmp_path):
    """Every hostile answer of the security tests as a line of a derivation (and whole files of them)."""
    from test_answers_security import hostile

    canary = tmp_path / "CANARY"
    lines = [t for t in hostile(canary) if len(t) < 3000 and "\n" not in t]
    text = "d/dx sigma(x)\n" + "".join(f"= {t}\n" for t in lines) + "= sigma(x)(1 - sigma(x))\n"
    v = run_verify(text, ("result", "sigmoid.derivative"), limits=Limits(timeout=2, derivation_timeout=60))
    assert not canary.exists()
    assert v.steps[0].verdict == "equivalent" and v.final.verdict == "equivalent"
    assert all(s.verdict in ("invalid", "undecided", "not_equivalent") for s in v.steps[1:-1])
    assert sum(s.verdict == "invalid" for s in v.steps) >= len(lines) - 3  # a few are formulas, just wrong ones
    assert v.exit_code in (1, 3, 4)
    for t in hostile(canary):  # a whole file that is hostile
        v = run_verify(t, ("result", "sigmoid.derivative"), limits=Limits(timeout=2, derivation_timeout=10))
        assert v.verdict != "correct" and not canary.exists()


@pytest.mark.parametrize("text", [
    "d/dx \u03c3(x) = \u03c3(x)\u00b7(1\u2212\u03c3(x))",
    "\\[\n\\begin{aligned}\n\\frac{\\mathrm{d}}{\\mathrm{d}x}\\sigma(x) &= \\frac{\\mathrm{d}}{\\mathrm{d}x}"
    "\\left[\\frac{1}{1+e^{-x}}\\right] \\\\\n&= \\sigma(x)\\cdot\\left(1-\\sigma(x)\\right).\n\\end{aligned}\n\\]",
])
def test_how_students_write_it(text):
    v = verify(text, "sigmoid.derivative")
    assert v.verdict == "correct", v.to_dict()
    assert v.steps[0].rule == "the question"


def test_a_wrong_step_after_an_unreadable_first_line_is_named_against_the_result():
    v = verify("\n".join(["__import__('os')", "= sigma(x)(1 + sigma(x))", "= sigma(x)(1 - sigma(x))"]),
               "sigmoid.derivative")
    assert [s.verdict for s in v.steps][:2] == ["invalid", "not_equivalent"]
    assert v.steps[1].compared_with is None
    assert "step 2 does not equal the expected result" in v.message and "None" not in v.message
