r"""Grade a course's derivations: a directory of ``STUDENT/QUESTION.(tex|md|txt)`` files (or a CSV
whose ``answer`` column holds multi-line derivations) + a key -> a results CSV and a report.

The key is the one of ``derive grade`` (``{"against": RESULT_ID}`` or ``{"expected": EXPR,
"variables": [...]}`` per question; the variables may be left out) with an optional
``"scoring"``: ``"full"`` (1 for a correct derivation, else 0; the default) or ``"partial"``
(the share of the steps right before the first wrong one; 1 for a correct derivation).

Resumable as ``derive grade``: each graded derivation is appended and flushed at once, and a
rerun skips the (student, question) pairs already in the results file (a torn last line left by
``kill -9`` is cut off first). Derivations are verified in worker processes
(:class:`~derive.answers.verify_worker.VerifyWorker`) under the per-line and per-derivation
time limits.
"""

from __future__ import annotations

import csv
import json
import os
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from multiprocessing.connection import wait
from pathlib import Path

from derive.answers.grading import (GradingError, Summary, _done_rows, _prepare_targets, _read_answers,
                                    _ResultWriter, load_key)
from derive.answers.limits import DEFAULT_LIMITS, Limits
from derive.answers.verify import OUTCOMES, DerivationVerdict, FinalVerdict

RESULT_COLUMNS = ["student", "question", "verdict", "score", "first_error", "first_error_line", "diagnosis",
                  "final", "message"]
SUFFIX_SYNTAX = {".tex": "latex", ".md": "markdown", ".txt": "plain"}
SCORINGS = ("full", "partial")


@dataclass(frozen=True)
class Submission:
    student: str
    question: str
    text: str
    syntax: str
    problem: str | None = None


# --- the key -----------------------------------------------------------------------------------------


def load_derivation_key(path: Path) -> tuple[dict, dict[str, str]]:
    """``(keys, scoring)``: question -> task key or error text (as :func:`load_key`, the variables of an
    expected expression read off it when not given), and question -> ``full``/``partial``."""
    from derive.answers.variables import guess_variables

    keys = load_key(path)
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    scoring = {}
    for question, key in keys.items():
        entry = raw.get(question)
        mode = entry.get("scoring", "full") if isinstance(entry, dict) else "full"
        if mode not in SCORINGS:
            keys[question] = f"the key's 'scoring' must be one of {', '.join(SCORINGS)}, not {mode!r}"
        scoring[question] = mode if mode in SCORINGS else "full"
        if isinstance(keys[question], tuple) and keys[question][0] == "expected" and not keys[question][2]:
            keys[question] = ("expected", key[1], guess_variables(key[1]))
    return _prepare_targets(keys), scoring


# --- submissions -------------------------------------------------------------------------------------


def _read_file(path: Path, limit: int) -> tuple[str, str | None]:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read(limit + 1), None
    except OSError as exc:
        return "", f"cannot read {path.name}: {exc}"


def read_directory(root: Path, limits: Limits):
    """Yield a :class:`Submission` per ``STUDENT/QUESTION.(tex|md|txt)`` file, sorted."""
    root = Path(root)
    if not root.is_dir():
        raise GradingError(f"{root} is not a directory")
    for student in sorted(p for p in root.iterdir() if p.is_dir()):
        for path in sorted(p for p in student.iterdir() if p.is_file() and p.suffix.lower() in SUFFIX_SYNTAX):
            text, problem = _read_file(path, limits.max_derivation_length)
            if problem is None and not text.strip():
                problem = "empty file"
            yield Submission(student.name, path.stem, text, SUFFIX_SYNTAX[path.suffix.lower()], problem)


def read_csv(path: Path):
    """Yield a :class:`Submission` per row of a ``student,question,answer`` CSV (multi-line answers)."""
    for _, student, question, answer, problem in _read_answers(path):
        yield Submission(student, question, answer, "auto", problem)


# --- results -----------------------------------------------------------------------------------------


def score(verdict: DerivationVerdict, mode: str) -> float:
    if verdict.verdict == "correct":
        return 1.0
    return verdict.score if mode == "partial" else 0.0


class _Writer(_ResultWriter):
    """The results of graded derivations (:data:`RESULT_COLUMNS`), as answers' results are written."""

    columns = RESULT_COLUMNS

    def row(self, student: str, question: str, v: DerivationVerdict, mode: str) -> None:
        wrong = next((s for s in v.steps if s.index == v.first_error), None)
        self._write([student, question, v.verdict, f"{score(v, mode):.4g}", v.first_error or "",
                     wrong.line if wrong else "", (wrong.diagnosis or "") if wrong else "",
                     v.final.verdict if v.final else "", v.message])


def _invalid(message: str) -> DerivationVerdict:
    return DerivationVerdict("invalid", message, None, (), FinalVerdict("invalid", message))


# --- the batch ---------------------------------------------------------------------------------------


def grade_derivations(source: Path, key_path: Path, output: Path, *, jobs: int = 1, limits: Limits = DEFAULT_LIMITS,
                      csv_input: bool = False) -> Summary:
    """Grade every derivation of ``source`` (a directory, or a CSV with ``csv_input``) into ``output``."""
    keys, scoring = load_derivation_key(key_path)
    output = Path(output)
    done = _done_rows(output)
    submissions = read_csv(source) if csv_input else read_directory(source, limits)
    todo, seen, skipped, duplicates, direct = [], set(done), 0, 0, 0
    writer = _Writer(output)
    try:
        for sub in submissions:
            pair = (sub.student, sub.question)
            if pair in done:
                skipped += 1
                continue
            if pair in seen:
                duplicates += 1
                continue
            seen.add(pair)
            key = keys.get(sub.question)
            problem = sub.problem
            if problem is None and key is None:
                problem = f"unknown question {sub.question!r} (not in the key)"
            elif problem is None and isinstance(key, str):
                problem = key
            if problem is not None:
                writer.row(sub.student, sub.question, _invalid(problem), "full")
                direct += 1
                continue
            todo.append((sub, key, scoring.get(sub.question, "full")))
        graded = _run(todo, writer, jobs, limits)
    finally:
        writer.close()
    return Summary(graded + direct, skipped, duplicates)


def _run(todo, writer: _Writer, jobs: int, limits: Limits) -> int:
    from derive.answers.verify_worker import VerifyWorker

    if not todo:
        return 0
    workers = [VerifyWorker() for _ in range(max(1, min(jobs, len(todo))))]
    queue = list(reversed(todo))
    finished = 0
    try:
        while queue or any(w.busy for w in workers):
            for w in workers:
                if not w.busy and queue:
                    sub, key, mode = queue.pop()
                    w.submit((sub.student, sub.question, mode), sub.text, key, sub.syntax, limits)
            busy = [w for w in workers if w.busy]
            timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=timeout)
            for w in busy:
                result = w.collect()
                if result is None and (time.monotonic() >= w.deadline or not w.proc.is_alive()):
                    result = w.kill_overrun(None if w.proc.is_alive() else "the checking process died")
                if result is not None:
                    (student, question, mode), verdict = result
                    writer.row(student, question, verdict, mode)
                    finished += 1
    finally:
        for w in workers:
            w.close()
    return finished


# --- the report --------------------------------------------------------------------------------------


def summarize(output: Path) -> dict[str, dict]:
    """Per question: counts per outcome, the scores, and the first wrong steps (index, mistake)."""
    stats: dict[str, dict] = defaultdict(lambda: {"verdicts": Counter(), "scores": [], "first_errors": Counter()})
    with open(output, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            s = stats[row.get("question") or ""]
            s["verdicts"][row.get("verdict") or "?"] += 1
            try:
                s["scores"].append(float(row.get("score") or 0))
            except ValueError:
                pass
            if row.get("first_error"):
                s["first_errors"][(int(row["first_error"]), row.get("diagnosis") or "not equivalent")] += 1
    return dict(stats)


def render_report(stats: dict[str, dict]) -> str:
    def cell(text) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ").replace("_", "\\_")

    lines = ["# Grading report: derivations", "",
             "| question | " + " | ".join(OUTCOMES) + " | total | mean score | most common first wrong steps |",
             "| --- | " + " | ".join("---:" for _ in OUTCOMES) + " | ---: | ---: | --- |"]
    for question in sorted(stats):
        s = stats[question]
        common = ", ".join(f"step {n}: {d} ({c})" for (n, d), c in s["first_errors"].most_common(3)) or "-"
        mean = sum(s["scores"]) / len(s["scores"]) if s["scores"] else 0.0
        lines.append(f"| {cell(question)} | " + " | ".join(str(s["verdicts"][v]) for v in OUTCOMES)
                     + f" | {sum(s['verdicts'].values())} | {mean:.2f} | {cell(common)} |")
    return "\n".join(lines) + "\n"


def write_report(output: Path, report: Path) -> None:
    text = render_report(summarize(output))
    report = Path(report)
    report.parent.mkdir(parents=True, exist_ok=True)
    tmp = report.with_name(report.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, report)
