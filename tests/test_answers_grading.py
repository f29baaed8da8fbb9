"""Batch grading: results, bad rows, report, resume without regrading or duplicates (kill -9)."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from derive.answers.grading import GradingError, grade_file, summarize, write_report
from derive.answers.limits import Limits

KEY = {
    "q1": {"against": "sigmoid.derivative"},
    "q2": {"against": "softmax.jacobian"},
    "q3": {"expected": "y_i - t_i", "variables": ["y_i", "t_i"]},
    "broken": {"against": "no.such.result"},
}
ANSWERS = {
    "q1": ["sigma(x)(1-sigma(x))", "-sigma(x)(1-sigma(x))", r"\frac{e^{-x}}{(1+e^{-x})^2}", "sigma(x)", "9^9^9^9"],
    "q2": ["y_i(delta_ij - y_j)", "-y_i y_j", "diag(y) - y y^T"],
    "q3": ["y_i - t_i", "t_i - y_i"],
}
EXPECTED_VERDICT = {
    "sigma(x)(1-sigma(x))": "equivalent", "-sigma(x)(1-sigma(x))": "not_equivalent",
    r"\frac{e^{-x}}{(1+e^{-x})^2}": "equivalent", "sigma(x)": "not_equivalent", "9^9^9^9": "invalid",
    "y_i(delta_ij - y_j)": "equivalent", "-y_i y_j": "not_equivalent", "diag(y) - y y^T": "equivalent",
    "y_i - t_i": "equivalent", "t_i - y_i": "not_equivalent",
}


def write_inputs(tmp_path: Path, students: int, distinct: bool = False) -> tuple[Path, Path, dict]:
    """Answers cycling through ANSWERS; ``distinct`` makes every text unique, as (n/n)(answer)."""
    key = tmp_path / "key.json"
    key.write_text(json.dumps(KEY))
    answers = tmp_path / "answers.csv"
    given = {}
    with open(answers, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student", "question", "answer"])
        for s in range(students):
            for q, options in ANSWERS.items():
                a = options[(s * 7 + len(q)) % len(options)]
                given[(f"s{s}", q)] = a
                w.writerow([f"s{s}", q, f"({s + 2}/{s + 2})({a})" if distinct else a])
    return answers, key, given


def read_results(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_grades_every_row_with_the_right_verdict(tmp_path):
    answers, key, given = write_inputs(tmp_path, 6)
    out = tmp_path / "results.csv"
    summary = grade_file(answers, key, out, jobs=2)
    rows = read_results(out)
    assert summary.graded == len(rows) == len(given)
    for r in rows:
        assert r["verdict"] == EXPECTED_VERDICT[given[(r["student"], r["question"])]], r
    assert {r["diagnosis"] for r in rows if given[(r["student"], r["question"])] == "-y_i y_j"} == {"delta_term_missing"}


def test_reusing_verdicts_of_identical_answers_changes_nothing(tmp_path):
    answers, key, given = write_inputs(tmp_path, 6)
    with_memo, without = tmp_path / "a.csv", tmp_path / "b.csv"
    grade_file(answers, key, with_memo, jobs=2, memo=True)
    grade_file(answers, key, without, jobs=1, memo=False)
    rows_a = {(r["student"], r["question"]): r for r in read_results(with_memo)}
    rows_b = {(r["student"], r["question"]): r for r in read_results(without)}
    assert rows_a == rows_b and len(rows_a) == len(given)


def test_bad_rows_never_stop_the_batch(tmp_path):
    _, key, _ = write_inputs(tmp_path, 1)
    answers = tmp_path / "bad.csv"
    answers.write_text("student,question,answer\n"
                       "a,q1,sigma(x)(1-sigma(x))\n"
                       "b,q1\n"                       # missing column
                       "c,q1,\n"                      # empty answer
                       "d,q9,x\n"                     # unknown question
                       "e,broken,x\n"                 # unusable key entry
                       "f,q1,\"__import__('os')\"\n"  # hostile
                       "g,q1,sigma(x)(1-sigma(x))\n")
    out = tmp_path / "results.csv"
    grade_file(answers, key, out, jobs=1)
    rows = {r["student"]: r for r in read_results(out)}
    assert set(rows) == set("abcdefg")
    assert rows["a"]["verdict"] == rows["g"]["verdict"] == "equivalent"
    for s, text in [("b", "column"), ("c", "empty"), ("d", "unknown question"), ("e", "unusable"), ("f", "cannot read")]:
        assert rows[s]["verdict"] == "invalid" and text in rows[s]["message"], rows[s]


def test_missing_columns_or_bad_key_are_errors(tmp_path):
    answers = tmp_path / "a.csv"
    answers.write_text("name,answer\nx,y\n")
    key = tmp_path / "k.json"
    key.write_text(json.dumps(KEY))
    with pytest.raises(GradingError, match="columns"):
        grade_file(answers, key, tmp_path / "out.csv")
    key.write_text("{not json")
    with pytest.raises(GradingError, match="key"):
        grade_file(answers, key, tmp_path / "out.csv")


def test_resume_skips_graded_rows_and_repairs_a_torn_line(tmp_path):
    answers, key, given = write_inputs(tmp_path, 4)
    out = tmp_path / "results.csv"
    grade_file(answers, key, out, jobs=1)
    full = out.read_text()
    lines = full.splitlines(keepends=True)
    # keep the header and 5 rows, plus half of the 6th row (a crash while writing)
    out.write_text("".join(lines[:6]) + lines[6][: len(lines[6]) // 2])
    summary = grade_file(answers, key, out, jobs=1)
    assert summary.skipped == 5 and summary.graded == len(given) - 5
    rows = read_results(out)
    pairs = Counter((r["student"], r["question"]) for r in rows)
    assert set(pairs) == set(given) and max(pairs.values()) == 1
    again = grade_file(answers, key, out, jobs=1)
    assert again.graded == 0 and len(read_results(out)) == len(given)


def test_report_has_a_per_question_summary(tmp_path):
    answers, key, given = write_inputs(tmp_path, 6)
    out = tmp_path / "results.csv"
    grade_file(answers, key, out, jobs=2)
    report = tmp_path / "report.md"
    write_report(out, report, key)
    text = report.read_text()
    stats = summarize(out)
    for q in ANSWERS:
        counts = Counter(EXPECTED_VERDICT[a] for (s, qq), a in given.items() if qq == q)
        assert stats[q]["verdicts"] == counts
        row = next(line for line in text.splitlines() if line.startswith(f"| {q} |"))
        assert f"| {counts['equivalent']} | {counts['not_equivalent']} |" in row
    assert "sign_flipped" in text and "sigmoid.derivative" in text


def test_kill_dash_nine_then_resume(tmp_path):
    """A real crash: SIGKILL the whole grading process group mid-batch, then rerun."""
    answers, key, given = write_inputs(tmp_path, 25, distinct=True)
    out = tmp_path / "results.csv"
    cmd = [sys.executable, "-m", "derive", "grade", str(answers), "--key", str(key), "--output", str(out),
           "--jobs", "1", "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        for _ in range(1200):  # wait until some, but not all, rows are written
            if out.exists() and out.read_text().count("\n") > 10:
                break
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    before = read_results(out)
    assert 0 < len(before) < len(given), "the kill should land mid-batch"
    summary = grade_file(answers, key, out, jobs=2)
    rows = read_results(out)
    pairs = Counter((r["student"], r["question"]) for r in rows)
    assert set(pairs) == set(given) and max(pairs.values()) == 1
    assert summary.skipped >= len(before) - 1  # at most a torn row is graded again
    for r in rows:
        assert r["verdict"] == EXPECTED_VERDICT[given[(r["student"], r["question"])]]


def test_time_limit_applies_per_answer(tmp_path, monkeypatch):
    import derive.answers.checker as checker

    def slow(*a, **k):
        time.sleep(30)

    answers, key, given = write_inputs(tmp_path, 1)
    monkeypatch.setattr(checker, "numeric_compare", slow)  # inherited by the forked workers
    out = tmp_path / "results.csv"
    grade_file(answers, key, out, jobs=2, limits=Limits(timeout=0.3))
    rows = read_results(out)
    assert len(rows) == len(given)
    assert {r["verdict"] for r in rows} <= {"undecided", "invalid"}
    assert any(r["verdict"] == "undecided" for r in rows)
