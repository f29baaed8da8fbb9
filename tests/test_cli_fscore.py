"""``derive fscore`` end to end (CliRunner on an app with only this command, plus the real app)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

import sklearn.metrics as sklearn_metrics  # noqa: E402  (the reference implementation; a dev dependency)
from derive.cli import fscore as fscore_cli  # noqa: E402

runner = CliRunner()


@pytest.fixture(scope="module")
def app():
    app = typer.Typer()
    fscore_cli.register(app)

    @app.command("noop")  # a second command keeps typer in multi-command mode
    def noop() -> None:
        pass

    return app


@pytest.fixture
def data(tmp_path):
    rng = np.random.default_rng(7)
    t = rng.integers(0, 4, 200)
    p = np.where(rng.random(200) < 0.6, t, rng.integers(0, 4, 200))
    pair = tmp_path / "pair.csv"
    pair.write_text("y_true,y_pred\n" + "".join(f"{a},{b}\n" for a, b in zip(t, p)))
    np.save(tmp_path / "t.npy", t)
    np.save(tmp_path / "p.npy", p)
    return t, p, tmp_path


def _json(app, *args):
    res = runner.invoke(app, ["fscore", *map(str, args), "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_json_matches_sklearn_with_negative_label(app, data):
    t, p, d = data
    out = _json(app, d / "pair.csv", "--negative-label", "0", "--beta", "2")
    labels = [1, 2, 3]
    for avg in ("micro", "macro", "weighted"):
        assert out[avg]["fscore"] == pytest.approx(sklearn_metrics.fbeta_score(
            t, p, beta=2, labels=labels, average=avg, zero_division=0.0), rel=1e-12)
    pr, rc, f, s = sklearn_metrics.precision_recall_fscore_support(t, p, beta=2, labels=labels)
    assert [out["per_class"][str(k)]["recall"] for k in labels] == pytest.approx(rc, rel=1e-12)
    assert [out["per_class"][str(k)]["support"] for k in labels] == s.tolist()
    assert out["accuracy"] == pytest.approx(sklearn_metrics.accuracy_score(t, p))


def test_npy_pair_equals_csv_pair(app, data):
    t, p, d = data
    assert _json(app, d / "t.npy", d / "p.npy") == _json(app, d / "pair.csv")


def test_scores_with_threshold_and_tune(app, tmp_path):
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 300)
    s = rng.random(300) + 0.3 * y
    np.save(tmp_path / "y.npy", y)
    np.savetxt(tmp_path / "s.csv", s)
    out = _json(app, tmp_path / "y.npy", tmp_path / "s.csv", "--threshold", "0.6")
    pred = (s >= 0.6).astype(int)
    assert out["per_class"]["1"]["fscore"] == pytest.approx(sklearn_metrics.f1_score(y, pred))
    tuned = _json(app, tmp_path / "y.npy", tmp_path / "s.csv", "--tune")
    assert tuned["per_class"]["1"]["fscore"] >= out["per_class"]["1"]["fscore"]


def test_table_and_markdown(app, data):
    _, _, d = data
    res = runner.invoke(app, ["fscore", str(d / "pair.csv")])
    assert res.exit_code == 0 and "macro avg" in res.stdout and "weighted avg" in res.stdout
    res = runner.invoke(app, ["fscore", str(d / "pair.csv"), "--markdown"])
    assert res.exit_code == 0 and res.stdout.startswith("| label |")


@pytest.mark.parametrize("case", ["lengths", "nan", "labels", "missing", "strings"])
def test_bad_input_clean_error(app, tmp_path, case):
    np.save(tmp_path / "a.npy", np.array([0, 1, 1, 0]))
    args = {
        "lengths": ["a.npy", "b.npy"],
        "nan": ["a.npy", "s.npy", "--threshold", "0.5"],
        "labels": ["a.npy", "a.npy", "--labels", "1"],
        "missing": ["a.npy", "nope.npy"],
        "strings": ["a.npy", "c.csv", "--threshold", "0.5"],
    }[case]
    np.save(tmp_path / "b.npy", np.array([0, 1, 1]))
    np.save(tmp_path / "s.npy", np.array([0.1, np.nan, 0.3, 0.4]))
    (tmp_path / "c.csv").write_text("x\ny\nx\ny\n")
    res = runner.invoke(app, ["fscore", *[str(tmp_path / a) if a.endswith(("npy", "csv"))
                                          else a for a in args]])
    assert res.exit_code != 0
    assert "Error:" in res.output and "Traceback" not in res.output


def test_registered_in_the_real_app():
    from derive.cli import app as real_app

    res = runner.invoke(real_app, ["fscore", "--help"])
    assert res.exit_code == 0 and "--negative-label" in res.output


def test_without_files_and_without_topic_is_a_clean_error(app):
    res = runner.invoke(app, ["fscore"])
    assert res.exit_code == 2 and "Y_TRUE" in res.output


def test_real_app_serves_the_fscore_topic_and_the_metrics(tmp_path):
    """The 'fscore' topic (derivation) and the metrics command share the name."""
    from derive.cli import app as real_app

    res = runner.invoke(real_app, ["fscore", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["id"] == "fscore"
    np.save(tmp_path / "t.npy", np.array([0, 1, 1, 2]))
    res = runner.invoke(real_app, ["fscore", str(tmp_path / "t.npy"), str(tmp_path / "t.npy"),
                                   "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["macro"]["fscore"] == 1.0


# --- multilabel: two files of 0/1 label columns (--multilabel) ----------------------------------

@pytest.fixture
def label_matrices(tmp_path):
    rng = np.random.default_rng(11)
    t = (rng.random((120, 4)) < 0.35).astype(int)
    t[:, 3] = 0  # a label that never applies
    s = np.clip(0.45 * t + 0.7 * rng.random(t.shape), 0.0, 1.0)
    names = "sports,politics,tech,art"
    for name, m, fmt in (("t.csv", t, "%d"), ("s.csv", s, "%.6f"),
                         ("p.csv", (s >= 0.5).astype(int), "%d")):
        np.savetxt(tmp_path / name, m, fmt=fmt, delimiter=",", header=names, comments="")
    np.save(tmp_path / "t.npy", t)
    np.save(tmp_path / "p.npy", (s >= 0.5).astype(int))
    return t, np.loadtxt(tmp_path / "s.csv", delimiter=",", skiprows=1), tmp_path


def test_multilabel_json_matches_sklearn(app, label_matrices):
    t, s, d = label_matrices
    p = (s >= 0.5).astype(int)
    out = _json(app, d / "t.csv", d / "p.csv", "--multilabel", "--beta", "2")
    assert out["kind"] == "multilabel" and out["labels"] == ["sports", "politics", "tech", "art"]
    for avg in ("micro", "macro", "weighted", "samples"):
        assert out[avg]["fscore"] == pytest.approx(sklearn_metrics.fbeta_score(
            t, p, beta=2, average=avg, zero_division=0.0), rel=1e-12)
        assert out[avg]["precision"] == pytest.approx(sklearn_metrics.precision_score(
            t, p, average=avg, zero_division=0.0), rel=1e-12)
    _, rc, _, sup = sklearn_metrics.precision_recall_fscore_support(t, p, zero_division=0.0)
    assert [out["per_class"][k]["recall"] for k in out["labels"]] == pytest.approx(rc, rel=1e-12)
    assert [out["per_class"][k]["support"] for k in out["labels"]] == sup.tolist()
    assert out["accuracy"] == pytest.approx(sklearn_metrics.accuracy_score(t, p))
    # NPY matrices (no header: labels are the column indices) give the same numbers
    npy = _json(app, d / "t.npy", d / "p.npy", "--multilabel", "--beta", "2")
    assert npy["labels"] == ["0", "1", "2", "3"] and npy["samples"] == out["samples"]


def test_multilabel_threshold_and_labels(app, label_matrices):
    t, s, d = label_matrices
    out = _json(app, d / "t.csv", d / "s.csv", "--multilabel", "--threshold", "0.7",
                "--labels", "tech,sports")
    p = (s >= 0.7).astype(int)
    assert list(out["per_class"]) == ["tech", "sports"]
    assert out["micro"]["fscore"] == pytest.approx(sklearn_metrics.f1_score(
        t, p, labels=[2, 0], average="micro", zero_division=0.0), rel=1e-12)
    assert out["samples"]["recall"] == pytest.approx(sklearn_metrics.recall_score(
        t, p, labels=[2, 0], average="samples", zero_division=0.0), rel=1e-12)


def test_multilabel_table_and_markdown_have_the_samples_row(app, label_matrices):
    _, _, d = label_matrices
    for extra in ([], ["--markdown"]):
        res = runner.invoke(app, ["fscore", str(d / "t.csv"), str(d / "p.csv"), "--multilabel", *extra])
        assert res.exit_code == 0, res.output
        assert "samples avg" in res.stdout and "subset accuracy" in res.stdout


@pytest.mark.parametrize("args, code, message", [
    (["t.csv", "--multilabel"], 2, "two files"),
    (["t.csv", "p.csv", "--multilabel", "--tune"], 2, "--tune"),
    (["t.csv", "p.csv", "--multilabel", "--negative-label", "art"], 2, "--negative-label"),
    (["t.csv", "p.csv", "--multilabel", "--report", "r.md"], 2, "--report"),
    (["t.csv", "s.csv", "--multilabel"], 1, "--threshold"),
    (["t.csv", "narrow.csv", "--multilabel"], 1, "4 label columns"),
    (["t.csv", "renamed.csv", "--multilabel"], 1, "differently"),
    (["t.csv", "p.csv", "--multilabel", "--labels", "sports,cooking"], 1, "cooking"),
    (["t.csv", "p.csv"], 1, "--multilabel"),
])
def test_multilabel_bad_input(app, label_matrices, args, code, message):
    _, _, d = label_matrices
    (d / "narrow.csv").write_text("a,b\n0,1\n1,0\n")
    (d / "renamed.csv").write_text((d / "p.csv").read_text().replace("sports", "football"))
    res = runner.invoke(app, ["fscore", *[str(d / a) if a.endswith((".csv", ".md")) else a
                                          for a in args]])
    assert res.exit_code == code, res.output
    assert message in res.output and "Traceback" not in res.output
