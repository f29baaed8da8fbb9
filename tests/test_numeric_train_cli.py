"""``derive train`` / ``derive predict`` on tiny CSV/NPZ data, the built-in digits, and bad input."""

import json
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from derive.cli import app

runner = CliRunner()


def tiny_csv(path, n=60, seed=0, labels=("red", "green", "blue")):
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 4.0], [4.0, 0.0], [-4.0, -4.0]])
    y = np.arange(n) % 3
    X = centers[y] + rng.normal(size=(n, 2))
    lines = ["a,b,colour"] + [f"{x0:.5f},{x1:.5f},{labels[c]}" for (x0, x1), c in zip(X, y)]
    path.write_text("\n".join(lines) + "\n")
    return X, np.array(labels)[y]


def run(*args):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_train_save_and_predict_csv(tmp_path):
    data = tmp_path / "d.csv"
    X, labels = tiny_csv(data)
    model = tmp_path / "m.npz"
    res = run("train", str(data), "--target", "colour", "--hidden", "8", "--epochs", "30", "--lr", "0.05",
              "--save", str(model), "--json", "--quiet")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["model"] == "MLPClassifier" and out["epochs"] == 30
    assert out["test_accuracy"] > 0.9 and 0.0 <= out["test_macro_f1"] <= 1.0
    assert model.is_file()
    pred = run("predict", str(model), str(data), "--target", "colour")
    assert pred.exit_code == 0, pred.output
    lines = pred.stdout.strip().splitlines()
    assert len(lines) == len(labels) and set(lines) <= {"red", "green", "blue"}
    assert np.mean(np.array(lines) == labels) > 0.9
    proba = run("predict", str(model), str(data), "--target", "colour", "--proba", "-o", str(tmp_path / "p.csv"))
    assert proba.exit_code == 0
    rows = (tmp_path / "p.csv").read_text().strip().splitlines()
    assert rows[0].split(",") == ["blue", "green", "red"]
    np.testing.assert_allclose([sum(map(float, r.split(","))) for r in rows[1:]], 1.0, atol=1e-5)


def test_train_text_output_and_progress(tmp_path):
    data = tmp_path / "d.csv"
    tiny_csv(data)
    res = run("train", str(data), "-t", "colour", "--model", "softmax", "--epochs", "5", "--batch-size", "5")
    assert res.exit_code == 0, res.output
    assert "test accuracy" in res.stdout and "test macro f1" in res.stdout
    assert "epoch" in res.stderr and "loss" in res.stderr  # the rich progress bar


def test_train_regression_from_npz(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    np.savez(tmp_path / "r.npz", X=X, price=X @ [1.0, 2.0, -1.0] + 0.5)
    res = run("train", str(tmp_path / "r.npz"), "-t", "price", "--model", "linear", "--epochs", "40", "--lr", "0.05",
              "--json", "-q")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["test_R2"] > 0.99


def test_train_digits_builtin():
    res = run("train", "digits", "--epochs", "2", "--json", "-q")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["test_accuracy"] > 0.8


def test_digits_without_sklearn_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # import fails as if not installed
    res = runner.invoke(app, ["train", "digits", "-q"])
    assert res.exit_code == 1
    assert "scikit-learn" in res.stderr and "derive[sklearn]" in res.stderr


@pytest.mark.parametrize("args,message", [
    (["--target", "nope"], "no target column 'nope'"),
    ([], "--target"),
    (["-t", "colour", "--hidden", "x"], "--hidden"),
    (["-t", "colour", "--lr", "-1"], "learning_rate_init"),
    (["-t", "colour", "--save", "m.pkl"], ".npz"),
])
def test_train_bad_input(tmp_path, args, message):
    data = tmp_path / "d.csv"
    tiny_csv(data)
    res = runner.invoke(app, ["train", str(data), "-q", *args])
    assert res.exit_code != 0
    assert message in res.output + res.stderr


def test_train_divergence_is_reported(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(loc=50, scale=10, size=(40, 2))
    rows = ["u,v,y"] + [f"{a},{b},{a + 2 * b}" for a, b in X]
    (tmp_path / "d.csv").write_text("\n".join(rows))
    res = runner.invoke(app, ["train", str(tmp_path / "d.csv"), "-t", "y", "--model", "linear", "-q", "--lr", "1"])
    assert res.exit_code == 1
    assert "diverged at epoch" in res.stderr and "smaller learning rate" in res.stderr


def test_train_non_numeric_feature(tmp_path):
    (tmp_path / "d.csv").write_text("a,b,y\n1,x,0\n2,3,1\n3,4,0\n4,5,1\n")
    res = runner.invoke(app, ["train", str(tmp_path / "d.csv"), "-t", "y", "-q"])
    assert res.exit_code == 1 and "column 'b' must be numeric" in res.stderr


def test_predict_bad_model_file(tmp_path):
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    data = tmp_path / "d.csv"
    tiny_csv(data)
    res = runner.invoke(app, ["predict", str(tmp_path / "bad.npz"), str(data)])
    assert res.exit_code == 1 and "cannot read" in res.stderr


def test_train_writes_a_report(tmp_path):
    data = tmp_path / "d.csv"
    tiny_csv(data)
    report = tmp_path / "out" / "run.md"
    res = run("train", str(data), "-t", "colour", "--hidden", "4", "--epochs", "3", "-q", "--report", str(report))
    assert res.exit_code == 0, res.output
    text = report.read_text()
    assert "Loss per epoch" in text and "3 epoch(s)" in text and "MLPClassifier" in text
    assert run("train", str(data), "-t", "colour", "-q", "--report", "r.html").exit_code != 0


def test_ctrl_c_during_training_still_reports_and_saves(tmp_path, monkeypatch):
    import numeric._sgd as sgd

    real, calls = sgd.sgd_epoch, [0]

    def epoch(*args, **kw):
        calls[0] += 1
        if calls[0] == 4:
            raise KeyboardInterrupt
        return real(*args, **kw)

    monkeypatch.setattr(sgd, "sgd_epoch", epoch)
    data, model = tmp_path / "d.csv", tmp_path / "m.npz"
    tiny_csv(data)
    res = run("train", str(data), "--target", "colour", "--hidden", "8", "--epochs", "30", "--lr", "0.05",
              "--save", str(model), "--json", "--quiet")
    assert res.exit_code == 0, res.output
    assert "interrupted by user during epoch 4" in res.stderr
    assert json.loads(res.stdout)["epochs"] == 3
    assert run("predict", str(model), str(data), "--target", "colour").exit_code == 0
