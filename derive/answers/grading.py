r"""Grade a whole course: answers CSV + key JSON -> results CSV (+ a Markdown report).

* Each graded row is appended to the results file and flushed at once, so a crash (even
  ``kill -9``) loses at most the rows being checked at that moment.
* On a rerun the rows already in the results file are read first (a torn last line is cut
  off) and those (student, question) pairs are not graded again: no regrading, no duplicates.
* A bad row (missing column, empty answer, unknown question) is written as ``invalid`` with a
  message and never stops the batch; a key entry that cannot be used makes its question's rows
  ``invalid``.
* Answers are checked in ``jobs`` worker processes (:class:`~derive.answers.worker.Worker`),
  each answer under the time limit; the parent stays single-threaded (it forks replacements).
"""

from __future__ import annotations

import csv
import io
import json
import os
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from multiprocessing.connection import wait
from pathlib import Path

from derive.answers.checker import VERDICTS, Verdict
from derive.answers.limits import DEFAULT_LIMITS, Limits

RESULT_COLUMNS = ["student", "question", "verdict", "message", "diagnosis"]
ANSWER_COLUMNS = ("student", "question", "answer")


class GradingError(Exception):
    """The batch cannot start (unreadable key or answers file)."""


@dataclass(frozen=True)
class Summary:
    graded: int
    skipped: int
    duplicates: int


# --- the key -----------------------------------------------------------------------------------


def load_key(path: Path) -> dict[str, tuple | str]:
    """Question -> task key (``("result", id)`` / ``("expected", expr, variables)``) or an error text."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GradingError(f"cannot read the key {path}: {exc}") from None
    if not isinstance(raw, dict):
        raise GradingError(f"the key {path} must be a JSON object {{QUESTION: {{...}}}}")
    keys: dict[str, tuple | str] = {}
    for question, entry in raw.items():
        if isinstance(entry, dict) and isinstance(entry.get("against"), str):
            keys[question] = ("result", entry["against"])
        elif isinstance(entry, dict) and isinstance(entry.get("expected"), str):
            variables = entry.get("variables", [])
            if not isinstance(variables, list) or not all(isinstance(v, str) for v in variables):
                keys[question] = "the key's 'variables' must be a list of names"
            else:
                keys[question] = ("expected", entry["expected"], tuple(variables))
        else:
            keys[question] = 'the key entry needs "against": RESULT_ID or "expected": EXPRESSION'
    return keys


def _prepare_targets(keys: dict) -> dict:
    """Resolve every key in this process (before forking); a failure becomes the question's error."""
    from derive.answers.errors import AnswerError
    from derive.answers.targets import TargetError, resolve

    for question, key in list(keys.items()):
        if isinstance(key, str):
            continue
        try:
            resolve(key)
        except (TargetError, AnswerError) as exc:
            keys[question] = f"the key for {question!r} is unusable: {exc}"
    return keys


# --- results file ------------------------------------------------------------------------------


def _done_rows(output: Path) -> set[tuple[str, str]]:
    """(student, question) pairs already graded; cuts a torn last line left by a crash."""
    if not output.exists() or output.stat().st_size == 0:
        return set()
    data = output.read_bytes()
    if not data.endswith(b"\n"):
        cut = data.rfind(b"\n") + 1
        with open(output, "r+b") as f:
            f.truncate(cut)
        data = data[:cut]
    done = set()
    reader = csv.DictReader(io.StringIO(data.decode("utf-8", errors="replace"), newline=""))
    for row in reader:
        if row.get("student") is not None and row.get("question") is not None and row.get("verdict"):
            done.add((row["student"], row["question"]))
    return done


class _ResultWriter:
    """Appends result rows to a CSV file (the header when it is new), one flushed write per row:
    kill -9 loses at most a torn last line, which a resumed run grades again."""

    columns = RESULT_COLUMNS

    def __init__(self, output: Path):
        output.parent.mkdir(parents=True, exist_ok=True)
        new = not output.exists() or output.stat().st_size == 0
        self.file = open(output, "a", encoding="utf-8", newline="")
        if new:
            self._write(self.columns)

    def _write(self, cells) -> None:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(cells)
        self.file.write(buf.getvalue())  # one write per row
        self.file.flush()

    def row(self, student: str, question: str, v: Verdict) -> None:
        self._write([student, question, v.verdict, v.message, v.diagnosis or ""])

    def close(self) -> None:
        self.file.close()


# --- answers -----------------------------------------------------------------------------------


def _read_answers(path: Path):
    """Yield ``(line, student, question, answer, problem)``; ``problem`` describes a bad row."""
    try:
        f = open(path, encoding="utf-8", errors="replace", newline="")
    except OSError as exc:
        raise GradingError(f"cannot read {path}: {exc}") from None
    with f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            return
        names = [h.strip().lower() for h in header]
        if not all(c in names for c in ANSWER_COLUMNS):
            raise GradingError(f"{path} needs the columns {','.join(ANSWER_COLUMNS)} (found {','.join(header)})")
        pos = {c: names.index(c) for c in ANSWER_COLUMNS}
        for cells in reader:
            if not cells:
                continue
            line = reader.line_num
            get = lambda c: cells[pos[c]] if pos[c] < len(cells) else None  # noqa: E731
            student, question, answer = get("student"), get("question"), get("answer")
            problem = None
            if student is None or question is None or answer is None:
                problem = f"row {line} has {len(cells)} column(s), expected {len(header)}"
            elif not answer.strip():
                problem = "empty answer"
            yield line, student or f"(row {line})", question or "", answer or "", problem


# --- the batch ---------------------------------------------------------------------------------


def grade_file(answers: Path, key_path: Path, output: Path, *, jobs: int = 1,
               limits: Limits = DEFAULT_LIMITS, syntax: str = "auto", progress: bool = False,
               memo: bool = True) -> Summary:
    """Grade ``answers`` against ``key_path`` into ``output`` (appending; resumes a previous run).

    With ``memo``, an answer text seen before for the same key gets the same verdict without a
    second check (verdicts are deterministic: the sample points are seeded by both sides);
    ``undecided`` verdicts are never reused.
    """
    keys = _prepare_targets(load_key(key_path))
    output = Path(output)
    done = _done_rows(output)
    todo, seen, skipped, duplicates, direct = [], set(done), 0, 0, 0
    writer = _ResultWriter(output)
    try:
        for line, student, question, answer, problem in _read_answers(answers):
            pair = (student, question)
            if pair in done:
                skipped += 1
                continue
            if pair in seen:
                duplicates += 1
                continue
            seen.add(pair)
            key = keys.get(question)
            if problem is None and key is None:
                problem = f"unknown question {question!r} (not in the key)"
            elif problem is None and isinstance(key, str):
                problem = key
            if problem is not None:
                writer.row(student, question, Verdict("invalid", problem, method="input"))
                direct += 1
                continue
            todo.append((student, question, answer, key))
        graded = _run(todo, writer, jobs, limits, syntax, progress, memo)
    finally:
        writer.close()
    return Summary(graded + direct, skipped, duplicates)


def _run(todo, writer: _ResultWriter, jobs: int, limits: Limits, syntax: str, show: bool, memo: bool) -> int:
    from derive.answers.worker import Worker

    if not todo:
        return 0
    known: dict[tuple, Verdict] = {}
    waiting: dict[tuple, list[tuple[str, str]]] = {}  # same answer being checked: rows to write then
    bar = None
    if show:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        from rich.console import Console

        bar = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                       console=Console(stderr=True), auto_refresh=False, transient=False)
        bar.start()
        task_id = bar.add_task("grading", total=len(todo))
    workers = [Worker() for _ in range(max(1, min(jobs, len(todo))))]
    queue = list(reversed(todo))
    finished = 0
    last_refresh = 0.0

    def finish(student, question, verdict):
        nonlocal finished
        writer.row(student, question, verdict)
        finished += 1
        if bar is not None:
            bar.update(task_id, completed=finished)

    try:
        while queue or any(w.busy for w in workers):
            for w in workers:
                while not w.busy and queue:
                    student, question, answer, key = queue.pop()
                    fingerprint = (answer.strip(), key)
                    if memo and fingerprint in known:
                        finish(student, question, known[fingerprint])
                        continue
                    if memo and fingerprint in waiting:
                        waiting[fingerprint].append((student, question))
                        continue
                    waiting[fingerprint] = []
                    w.submit((student, question, fingerprint), answer, key, syntax, limits)
            busy = [w for w in workers if w.busy]
            if not busy:
                continue
            timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=timeout)
            for w in busy:
                done = w.collect()
                if done is None and (time.monotonic() >= w.deadline or not w.proc.is_alive()):
                    done = w.kill_overrun(None if w.proc.is_alive() else "the checking process died")
                if done is not None:
                    (student, question, fingerprint), verdict = done
                    finish(student, question, verdict)
                    if verdict.verdict != "undecided":
                        known[fingerprint] = verdict
                    for other in waiting.pop(fingerprint, []):  # rows with the same answer
                        if verdict.verdict == "undecided":
                            queue.append((*other, fingerprint[0], fingerprint[1]))
                        else:
                            finish(*other, verdict)
            if bar is not None and time.monotonic() - last_refresh > 0.1:
                bar.refresh()
                last_refresh = time.monotonic()
    finally:
        for w in workers:
            w.close()
        if bar is not None:
            bar.refresh()
            bar.stop()
    return finished


# --- the report --------------------------------------------------------------------------------


def summarize(output: Path) -> dict[str, dict]:
    """Per question: counts per verdict and diagnosis counts, from the results file."""
    stats: dict[str, dict] = defaultdict(lambda: {"verdicts": Counter(), "diagnoses": Counter()})
    with open(output, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            s = stats[row.get("question") or ""]
            s["verdicts"][row.get("verdict") or "?"] += 1
            if row.get("diagnosis"):
                s["diagnoses"][row["diagnosis"]] += 1
    return dict(stats)


def render_report(stats: dict[str, dict], key: dict | None = None) -> str:
    def cell(text: str) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    total = Counter()
    for s in stats.values():
        total.update(s["verdicts"])
    lines = ["# Grading report", "", f"{sum(total.values())} answer(s): "
             + ", ".join(f"{total[v]} {v.replace('_', ' ')}" for v in VERDICTS) + ".", "",
             "## Per question", "",
             "| question | against | " + " | ".join(v.replace("_", " ") for v in VERDICTS)
             + " | total | most common mistakes |",
             "| --- | --- | " + " | ".join("---:" for _ in VERDICTS) + " | ---: | --- |"]
    for question in sorted(stats):
        s = stats[question]
        k = (key or {}).get(question)
        against = "" if not isinstance(k, tuple) else (k[1] if k[0] == "result" else f"expected {k[1]}")
        mistakes = ", ".join(f"{name} ({n})" for name, n in s["diagnoses"].most_common(3)) or "-"
        lines.append(f"| {cell(question)} | {cell(against)} | "
                     + " | ".join(str(s["verdicts"][v]) for v in VERDICTS)
                     + f" | {sum(s['verdicts'].values())} | {cell(mistakes)} |")
    return "\n".join(lines) + "\n"


def write_report(output: Path, report: Path, key_path: Path | None = None) -> None:
    """Write the Markdown report for the results in ``output`` (atomically)."""
    try:
        key = load_key(key_path) if key_path is not None else None
    except GradingError:
        key = None
    text = render_report(summarize(output), key)
    report = Path(report)
    report.parent.mkdir(parents=True, exist_ok=True)
    tmp = report.with_name(report.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, report)
