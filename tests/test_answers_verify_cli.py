"""``derive verify`` and ``derive grade`` of derivations on the command line; the feedback sheets render."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from _katex import katex_errors, math_blocks
from derive.answers import feedback
from derive.answers.derivation_grading import grade_derivations, summarize, write_report
from derive.answers.targets import target_for_result
from derive.answers.verify import verify_text
from derive.cli import app

runner = CliRunner()

RIGHT = "d/dx sigma(x)\n= e^(-x)/(1 + e^(-x))^2\n= sigma(x)(1 - sigma(x))\n"
COMPENSATING = "d/dx sigma(x)\n= e^(-x)/(1 + e^(-x))^2\n= -e^(-x)/(1 + e^(-x))^2\n= sigma(x)(1 - sigma(x))\n"
UNREADABLE = "d/dx sigma(x)\n= sigma(x\n= sigma(x)(1 - sigma(x))\n"
LATEX = r"""\documentclass{article}
\begin{document}
\begin{align*}
\frac{\partial y_i}{\partial z_j} &= \frac{\partial}{\partial z_j} \frac{e^{z_i}}{\sum_k e^{z_k}} \\
&= y_i (\delta_{ij} - y_j)
\end{align*}
\end{document}
"""
MARKDOWN = "# My answer\n\nFirst the question:\n\n$$\n\\frac{\\partial L}{\\partial z_i}\n$$\n\n" \
           "and then\n\n$$\n= -\\sum_k t_k \\frac{\\partial \\log y_k}{\\partial z_i} = y_i - t_i\n$$\n"


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("name,text,against,code,outcome,first", [
    ("right.txt", RIGHT, "sigmoid.derivative", 0, "correct", None),
    ("comp.txt", COMPENSATING, "sigmoid.derivative", 1, "incorrect", 3),
    ("bad.txt", UNREADABLE, "sigmoid.derivative", 3, "invalid", None),
    ("jac.tex", LATEX, "softmax.jacobian", 0, "correct", None),
    ("ce.md", MARKDOWN, "softmax.ce_gradient", 0, "correct", None),
])
def test_verify_exit_codes_and_json(tmp_path, name, text, against, code, outcome, first):
    result = runner.invoke(app, ["verify", write(tmp_path, name, text), "--against", against, "--json"])
    assert result.exit_code == code, result.output
    data = json.loads(result.output)
    assert {"verdict", "first_error", "steps", "final"} <= set(data)
    assert data["verdict"] == outcome and data["first_error"] == first
    for step in data["steps"]:
        assert {"index", "line", "latex", "verdict", "counterexample", "diagnosis", "rule"} <= set(step)
    assert [s["index"] for s in data["steps"]] == list(range(1, len(data["steps"]) + 1))
    lines = text.splitlines()
    for step in data["steps"]:  # each step's line holds (the start of) that step's text
        assert step["text"].split()[0].lstrip("=")[:4] in lines[step["line"] - 1]


def test_verify_stdin_markdown_feedback_and_expected(tmp_path):
    out = tmp_path / "feedback.md"
    result = runner.invoke(app, ["verify", "-", "--against", "sigmoid.derivative", "--markdown", "-o", str(out)],
                           input=COMPENSATING)
    assert result.exit_code == 1
    text = out.read_text()
    assert "\u2717 Step 3" in text and "sign flipped" in text and "final answer is right, but step 3" in text
    result = runner.invoke(app, ["verify", "-", "--expected", "sigma(z) - t"], input="y = sigma(z) - t\n")
    assert result.exit_code == 3 and "unknown symbol 'y'" in result.output
    result = runner.invoke(app, ["verify", "-", "--expected", "sigma(z) - t", "--variables", "z,t"],
                           input="d/dz (log(1 + e^z) - t z) = sigma(z) - t\n")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("args", [
    ["verify", "-"],  # neither --against nor --expected
    ["verify", "-", "--against", "sigmoid.derivative", "--expected", "x"],
    ["verify", "-", "--against", "no.such.result"],
    ["verify", "/no/such/file.txt", "--against", "sigmoid.derivative"],
    ["verify", "-", "--against", "sigmoid.derivative", "--json", "--latex"],
    ["verify", "-", "--expected", "sigma(x"],
])
def test_usage_errors_exit_2(args):
    assert runner.invoke(app, args, input=RIGHT).exit_code == 2


# --- feedback sheets ---------------------------------------------------------------------------------


def _verdicts():
    sig = target_for_result("sigmoid.derivative")
    return [verify_text(t, sig) for t in (RIGHT, COMPENSATING, UNREADABLE,
                                          "d/dx sigma(x)\n= \\input{x} $ & # _ % ~ ^ \u03b4 \u00e9\n= 2")] + \
        [verify_text(LATEX, target_for_result("softmax.jacobian")),
         verify_text(MARKDOWN, target_for_result("softmax.ce_gradient"))]


def test_markdown_feedback_renders_with_katex():
    docs = [feedback.to_markdown(v) for v in _verdicts()]
    formulas = [f for d in docs for f in math_blocks(d)]
    assert len(formulas) >= 10
    assert katex_errors(formulas) == []
    assert "\u2713 Expression 1" in docs[0] and "\u2717 Step 3" in docs[1] and "! Step 2" in docs[2]


def test_latex_feedback_compiles_with_pdflatex(tmp_path):
    assert shutil.which("pdflatex"), "pdflatex is needed (Debian: texlive-latex-base; .ci/run installs it)"
    for n, v in enumerate(_verdicts()):
        tex = tmp_path / f"sheet{n}.tex"
        tex.write_text(feedback.to_latex(v))
        run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name], cwd=tmp_path,
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stdout[-3000:]
        assert (tmp_path / f"sheet{n}.pdf").stat().st_size > 0


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_tex_text_leaves_no_active_character(s):
    out = feedback.tex_text(s)
    assert out.isascii()
    stripped = out
    for escaped in (r"\textbackslash{}", r"\textasciicircum{}", r"\textasciitilde{}", r"$\sigma$", r"$\delta$",
                    r"$\Sigma$", r"$\partial$", r"$\checkmark$", r"$\times$", r"$\cdot$",
                    r"\{", r"\}", r"\$", r"\&", r"\#", r"\_", r"\%"):
        stripped = stripped.replace(escaped, "")
    assert not any(ch in stripped for ch in "\\{}$&#^_%~\n")


def test_latex_feedback_structure():
    v = _verdicts()[1]
    tex = feedback.to_latex(v)
    assert tex.count(r"\checkmark") >= 2 and r"$\times$ Step 3" in tex and "sign flipped" in tex
    assert tex.index(r"\begin{align*}") < tex.index(r"\end{align*}") < tex.index(r"\end{document}")


# --- grading -----------------------------------------------------------------------------------------

KEY = {"q1": {"against": "sigmoid.derivative", "scoring": "partial"}, "q2": {"against": "softmax.jacobian"},
       "q3": {"expected": "sigma(z) - t"}}
SUBMISSIONS = {
    "q1": [("txt", RIGHT, "correct"), ("txt", COMPENSATING, "incorrect"), ("txt", UNREADABLE, "invalid")],
    "q2": [("tex", LATEX, "correct"), ("tex", LATEX.replace(r"\delta_{ij} - y_j", "1 - y_j"), "incorrect")],
    "q3": [("md", "$$\nsigma(z) - t = 1 - sigma(-z) - t\n$$\n", "correct"),
           ("md", "$$\nsigma(z) - t = sigma(-z) - t\n$$\n", "incorrect")],
}


def write_course(root: Path, students: int) -> dict:
    given = {}
    for s in range(students):
        for q, options in SUBMISSIONS.items():
            ext, text, outcome = options[s % len(options)]
            d = root / "subs" / f"s{s:02d}"
            d.mkdir(parents=True, exist_ok=True)
            (d / f"{q}.{ext}").write_text(text)
            given[(f"s{s:02d}", q)] = outcome
    (root / "key.json").write_text(json.dumps(KEY))
    return given


def read_rows(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_grade_a_directory_of_derivations(tmp_path):
    given = write_course(tmp_path, 6)
    out = tmp_path / "results.csv"
    summary = grade_derivations(tmp_path / "subs", tmp_path / "key.json", out, jobs=2)
    rows = read_rows(out)
    assert summary.graded == len(given) == len(rows)
    for r in rows:
        assert r["verdict"] == given[(r["student"], r["question"])]
        if r["question"] == "q1" and r["verdict"] == "incorrect":
            assert r["first_error"] == "3" and r["diagnosis"] == "sign_flipped" and r["final"] == "equivalent"
            assert float(r["score"]) == pytest.approx(1 / 3, abs=1e-3)  # partial: one step of three right before step 3
        if r["question"] == "q2" and r["verdict"] == "incorrect":
            assert float(r["score"]) == 0.0  # full scoring
        if r["verdict"] == "correct":
            assert float(r["score"]) == 1.0
    write_report(out, tmp_path / "report.md")
    report = (tmp_path / "report.md").read_text()
    stats = summarize(out)
    assert stats["q1"]["first_errors"][(3, "sign_flipped")] == sum(
        1 for (s, q), o in given.items() if q == "q1" and o == "incorrect")
    assert "step 3: sign\\_flipped" in report


def test_grade_cli_with_a_csv_of_multiline_derivations(tmp_path):
    key = tmp_path / "key.json"
    key.write_text(json.dumps(KEY))
    answers = tmp_path / "answers.csv"
    with open(answers, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student", "question", "answer"])
        w.writerow(["ann", "q1", RIGHT])
        w.writerow(["bob", "q1", COMPENSATING])
        w.writerow(["cid", "q9", RIGHT])
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["grade", str(answers), "--key", str(key), "-o", str(out), "--derivations",
                                 "--jobs", "1"])
    assert result.exit_code == 0, result.output
    verdicts = {r["student"]: r["verdict"] for r in read_rows(out)}
    assert verdicts == {"ann": "correct", "bob": "incorrect", "cid": "invalid"}


def test_grade_killed_mid_run_and_resumed_loses_nothing(tmp_path):
    """kill -9 the whole grading process group mid-batch, then rerun: every derivation once, right verdicts."""
    given = write_course(tmp_path, 14)
    out = tmp_path / "results.csv"
    cmd = [sys.executable, "-m", "derive", "grade", str(tmp_path / "subs"), "--key", str(tmp_path / "key.json"),
           "--output", str(out), "--jobs", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        for _ in range(2400):
            if out.exists() and out.read_text().count("\n") > 6:
                break
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    before = read_rows(out)
    assert 0 < len(before) < len(given), "the kill should land mid-batch"
    summary = grade_derivations(tmp_path / "subs", tmp_path / "key.json", out, jobs=2)
    rows = read_rows(out)
    pairs = Counter((r["student"], r["question"]) for r in rows)
    assert set(pairs) == set(given) and max(pairs.values()) == 1
    assert summary.skipped >= len(before) - 1
    for r in rows:
        assert r["verdict"] == given[(r["student"], r["question"])]
