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
