"""Training and metrics reports: figures exist and are referenced, the fallbacks without
matplotlib (pgfplots in LaTeX, tables in Markdown) say so, untrusted text is escaped, and the
LaTeX compiles."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reports.figures
from _katex import math_blocks
from reports._document import format_of
from reports.metrics_report import write_metrics_report
from reports.pdf import compile_pdf, undefined_macros
from reports.training import write_training_report

MAGIC = {".svg": b"<svg", ".png": b"\x89PNG"}


def _data(epochs: int, k: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    labels = [f"class_{i}" for i in range(k)]
    data = dict(
        config={"hidden_layers": [16, 8], "activation": "relu", "learning_rate": 0.05, "epochs": epochs},
        loss={"train": list(rng.random(epochs)), "dev": list(rng.random(epochs))},
        accuracy=list(rng.random(epochs)),
        metrics={"accuracy": 0.75, "macro": {"precision": 0.7, "recall": 0.6, "fscore": 0.65}},
        confusion=rng.integers(0, 50, size=(k, k)),
        labels=labels,
    )
    if k == 2:
        recall = np.sort(rng.random(12))[::-1]
        data["pr_curve"] = {"precision": list(rng.random(12)), "recall": list(recall), "average_precision": 0.61}
    return data


def _referenced(text: str, fmt: str) -> list[str]:
    pattern = r"!\[[^\]]*\]\(([^)]+)\)" if fmt == "markdown" else r"\\includegraphics(?:\[[^\]]*\])?\{([^}]+)\}"
    return re.findall(pattern, text)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(epochs=st.integers(1, 40), k=st.integers(2, 5), suffix=st.sampled_from([".md", ".tex"]))
def test_figures_exist_and_are_referenced(tmp_path_factory, epochs, k, suffix):
    out = tmp_path_factory.mktemp("r") / f"run{suffix}"
    rendered = write_training_report(out, plots=True, **_data(epochs, k))
    text = out.read_text()
    refs = _referenced(text, format_of(out))
    expected = {"loss", "accuracy", "confusion"} | ({"pr-curve"} if k == 2 else set())
    assert sorted(refs) == sorted(p.name for p in rendered.figures)
    assert {re.sub(r"^run-|\.\w+$", "", r) for r in refs} == expected
    for name in refs:
        path = out.parent / name
        assert path.parent == out.parent and path.stat().st_size > 500
        assert MAGIC[path.suffix] in path.read_bytes()[:400]
    assert rendered.notes == [] and "matplotlib is not installed" not in text
    # Each per-epoch value is in the figure, not in the text: the report stays short.
    assert text.count("\n") < 120


def test_metrics_report_with_pr_curve(tmp_path):
    data = _data(3, 2)
    out = tmp_path / "scores.md"
    per_class = {"0": {"precision": 0.5, "recall": 0.25, "fscore": 1 / 3, "support": 4},
                 "1": {"precision": 0.8, "recall": 0.9, "fscore": None, "support": 10}}
    rendered = write_metrics_report(out, metrics={"accuracy": 0.8}, per_class=per_class, plots=True,
                                    confusion=data["confusion"], labels=["0", "1"], pr_curve=data["pr_curve"])
    text = out.read_text()
    assert {p.name for p in rendered.figures} == {"scores-confusion.svg", "scores-pr-curve.svg"}
    assert all((tmp_path / name).exists() for name in _referenced(text, "markdown"))
    assert "| 0 | 0.5000 | 0.2500 | 0.3333 | 4 |" in text and "n/a" in text
    assert "Average precision: 0.6100" in text


def test_without_matplotlib_markdown_falls_back_to_tables_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(reports.figures, "have_matplotlib", lambda: False)
    data = _data(5, 2)
    out = tmp_path / "run.md"
    rendered = write_training_report(out, **data)
    text = out.read_text()
    assert rendered.figures == [] and list(tmp_path.iterdir()) == [out]
    assert "matplotlib is not installed" in text and "derive[plots]" in text
    for e, (tr, dv) in enumerate(zip(data["loss"]["train"], data["loss"]["dev"]), 1):
        assert f"| {e} | {tr:.4f} | {dv:.4f} |" in text
    assert _referenced(text, "markdown") == []


def test_without_matplotlib_latex_draws_pgfplots(tmp_path, monkeypatch):
    monkeypatch.setattr(reports.figures, "have_matplotlib", lambda: False)
    data = _data(7, 2)
    out = tmp_path / "run.tex"
    write_training_report(out, **data)
    text = out.read_text()
    assert "\\usepackage{pgfplots}" in text and "\\includegraphics" not in text
    plots = re.findall(r"\\addplot\+\[[^\]]*\] coordinates \{([^}]*)\}", text)
    assert [len(re.findall(r"\(", p)) for p in plots] == [7, 7, 7, 12]  # train, dev loss; accuracy; PR
    assert "matplotlib is not installed" in text


@pytest.mark.parametrize("plots", [True, False])
def test_latex_reports_compile(tmp_path, plots):
    hostile = ["a_b", "50% & $x$", "back\\slash {~^#}"]
    data = _data(4, 3)
    data["labels"] = hostile
    data["config"]["note"] = "lr_{t} = $1/t$ \\today"
    out = tmp_path / "run.tex"
    write_training_report(out, plots=plots, **data)
    compiled = compile_pdf(out.read_text(), tmp_path / "run.pdf", resources=tmp_path)
    assert undefined_macros(compiled.log) == []
    assert compiled.pdf.read_bytes().startswith(b"%PDF")


def test_hostile_text_is_escaped_in_markdown(tmp_path):
    data = _data(2, 2)
    data["labels"] = ["a|b $x$", "<script>"]
    out = tmp_path / "run.md"
    write_training_report(out, plots=False, **data)
    text = out.read_text()
    assert "<script>" not in text and "a\\|b" in text
    assert math_blocks(text) == []  # a dollar in a label is text, not math
    table = [l for l in text.splitlines() if l.startswith("| true / predicted")][0]
    assert len(re.split(r"(?<!\\)\|", table)) == 5  # '', header, 2 labels, ''


@pytest.mark.parametrize(
    "change, message",
    [
        ({"confusion": np.ones((2, 3))}, "square"),
        ({"labels": ["only one"]}, "labels"),
        ({"pr_curve": {"precision": [1, 0.5], "recall": [0.0]}}, "length"),
    ],
)
def test_bad_data_is_an_error(tmp_path, change, message):
    data = {**_data(2, 2), **change}
    with pytest.raises(ValueError, match=message):
        write_training_report(tmp_path / "r.md", plots=False, **data)


def test_report_suffix_must_be_md_or_tex(tmp_path):
    with pytest.raises(ValueError, match=r"\.md or \.tex"):
        write_metrics_report(tmp_path / "r.html", metrics={"accuracy": 1.0})


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(5, 60), seed=st.integers(0, 2**16))
def test_scores_report_counts_the_confusion_matrix(tmp_path_factory, n, seed):
    from reports.metrics_report import write_scores_report

    rng = np.random.default_rng(seed)
    y_true = np.r_[0, 1, rng.integers(0, 2, n)]  # both classes present
    scores = rng.random(len(y_true))
    y_pred = (scores >= 0.5).astype(int)
    out = tmp_path_factory.mktemp("s") / "scores.md"
    result = {"per_class": {}, "accuracy": float(np.mean(y_true == y_pred))}
    rendered = write_scores_report(out, result, y_true, y_pred, scores=scores, plots=False)
    text = out.read_text()
    for t in (0, 1):
        row = [int(np.sum((y_true == t) & (y_pred == p))) for p in (0, 1)]
        assert f"| {t} | {row[0]} | {row[1]} |" in text
    assert "Precision-recall curve" in text and "| recall | precision |" in text
    assert rendered.figures == []


def test_fit_report_from_numeric_training(tmp_path):
    """The history numeric's SGD hands to its callback becomes the loss and score figures."""
    import warnings

    import numeric
    from reports.training import write_fit_report

    rng = np.random.default_rng(3)
    X = rng.normal(size=(120, 3))
    y = (X[:, 0] - X[:, 2] > 0).astype(int)
    est = numeric.MLPClassifier(hidden_layer_sizes=(6,), max_iter=5, random_state=0, early_stopping=True)
    history = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y, callback=lambda info: history.append(dict(info)))
    out = tmp_path / "fit.tex"
    rendered = write_fit_report(out, config={"model": "mlp", "hidden": "6"}, history=history,
                                metrics={"test_accuracy": 0.5}, y_true=y, y_pred=est.predict(X),
                                scores=est.predict_proba(X)[:, 1], plots=False)
    text = out.read_text()
    plots = re.findall(r"\\addplot\+\[[^\]]*\] coordinates \{([^}]*)\}", text)
    # loss (train); score (train, validation); PR curve
    assert [len(re.findall(r"\(", p)) for p in plots[:3]] == [len(history)] * 3 and len(plots) == 4
    assert f"({len(history)},{history[-1]['loss']:.6g})" in plots[0]
    assert rendered.figures == []
    compile_pdf(text, tmp_path / "fit.pdf")


def test_fscore_cli_report_with_scores(tmp_path):
    """derive fscore ... --tune --report: per-class table, confusion matrix counted from the
    thresholded scores, and the PR curve's figure beside the report."""
    from typer.testing import CliRunner

    from derive.cli import app

    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 80)
    s = np.clip(0.4 * y + 0.7 * rng.random(80), 0, 1)
    np.savetxt(tmp_path / "y.csv", y, fmt="%d")
    np.savetxt(tmp_path / "s.csv", s, fmt="%.6f")
    out = tmp_path / "rep" / "scores.md"
    result = CliRunner().invoke(app, ["fscore", str(tmp_path / "y.csv"), str(tmp_path / "s.csv"),
                                      "--threshold", "0.5", "--json", "--report", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    pred = (s >= 0.5).astype(int)
    for t in (0, 1):
        assert f"| {t} | {int(np.sum((y == t) & (pred == 0)))} | {int(np.sum((y == t) & (pred == 1)))} |" in text
    refs = _referenced(text, "markdown")
    assert {"scores-confusion.svg", "scores-pr-curve.svg"} <= set(refs)
    assert all((out.parent / r).stat().st_size > 500 for r in refs)
    bad = CliRunner().invoke(app, ["fscore", str(tmp_path / "y.csv"), str(tmp_path / "s.csv"),
                                   "--threshold", "0.5", "--report", str(tmp_path / "r.html")])
    assert bad.exit_code == 2 and not (tmp_path / "r.html").exists()
