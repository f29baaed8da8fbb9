"""``derive check`` and ``derive grade`` on the command line: exit codes, JSON, help, files."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from derive.cli import app

runner = CliRunner()


@pytest.mark.parametrize("args,code,verdict", [
    (["sigma(x)*(1-sigma(x))", "--against", "sigmoid.derivative"], 0, "equivalent"),
    ([r"\frac{e^{-x}}{(1+e^{-x})^2}", "--against", "sigmoid.derivative", "--syntax", "latex"], 0, "equivalent"),
    (["--against", "sigmoid.derivative", "--", "-sigma(x)*(1-sigma(x))"], 1, "not_equivalent"),
    (["sigma(x", "--against", "sigmoid.derivative"], 3, "invalid"),
    (["y_i(delta_ij - y_j)", "--against", "softmax.jacobian"], 0, "equivalent"),
    (["diag(y) - y y^T", "--against", "softmax.jacobian"], 0, "equivalent"),
    (["y_i - t_i", "--against", "softmax.ce_gradient"], 0, "equivalent"),
])
def test_check_exit_codes_and_json(args, code, verdict):
    result = runner.invoke(app, ["check", "--json", *args])
    assert result.exit_code == code, result.output
    data = json.loads(result.output)
    assert set(data) == {"verdict", "message", "parsed", "counterexample", "diagnosis", "method"}
    assert data["verdict"] == verdict
    if verdict == "not_equivalent":
        assert data["counterexample"]["point"] and data["diagnosis"] == "sign_flipped"
    if verdict == "invalid":
        assert data["parsed"] is None and "position" in data["message"]


def test_check_text_output():
    result = runner.invoke(app, ["check", "2 sigma(x)(1-sigma(x))", "--against", "sigmoid.derivative"])
    assert result.exit_code == 1
    assert "not equivalent" in result.output and "constant_factor" in result.output
    assert "counterexample" in result.output


def test_check_undecided_exit_code(monkeypatch):
    import derive.answers.checker as checker

    def slow(*a, **k):
        import time

        time.sleep(30)

    monkeypatch.setattr(checker, "numeric_compare", slow)
    result = runner.invoke(app, ["check", "sigma(x)", "--against", "sigmoid.derivative", "--timeout", "0.3"])
    assert result.exit_code == 4, result.output
    assert "undecided" in result.output


def test_check_usage_errors_exit_2():
    assert runner.invoke(app, ["check", "x", "--against", "no.such"]).exit_code == 2
    assert runner.invoke(app, ["check", "x"]).exit_code == 2


def test_check_help_documents_the_symbols():
    result = runner.invoke(app, ["check", "--help"])
    assert result.exit_code == 0
    for text in ["sigmoid.derivative", "softmax.jacobian", "delta_ij", "softmax.ce_gradient", "t_i",
                 "glm.logistic.gradient", "--list-symbols"]:
        assert text in result.output


def test_list_symbols_covers_every_result():
    from derive.topics import TOPICS

    result = runner.invoke(app, ["check", "--list-symbols"])
    assert result.exit_code == 0
    for topic in TOPICS.values():
        for r in topic.build().results:
            assert r.id in result.output


def test_grade_command_writes_results_and_report(tmp_path):
    key = tmp_path / "key.json"
    key.write_text(json.dumps({"q1": {"against": "sigmoid.derivative"}}))
    answers = tmp_path / "answers.csv"
    answers.write_text("student,question,answer\na,q1,sigma(x)(1-sigma(x))\nb,q1,-sigma(x)(1-sigma(x))\nc,q1,)\n")
    out, report = tmp_path / "out.csv", tmp_path / "report.md"
    result = runner.invoke(app, ["grade", str(answers), "--key", str(key), "--output", str(out),
                                 "--report", str(report), "--jobs", "1", "--no-progress"])
    assert result.exit_code == 0, result.output
    with open(out, newline="") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert [rows[s]["verdict"] for s in "abc"] == ["equivalent", "not_equivalent", "invalid"]
    assert "| q1 | sigmoid.derivative | 1 | 1 | 1 | 0 | 3 | sign_flipped (1) |" in report.read_text()


def test_grade_bad_key_exits_2(tmp_path):
    key = tmp_path / "key.json"
    key.write_text("[]")
    answers = tmp_path / "answers.csv"
    answers.write_text("student,question,answer\n")
    result = runner.invoke(app, ["grade", str(answers), "--key", str(key), "--output", str(tmp_path / "o.csv")])
    assert result.exit_code == 2
