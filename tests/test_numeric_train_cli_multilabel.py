"""``derive train``/``derive predict`` on multilabel data: several 0/1 label columns chosen with
``--target-columns`` (names or the last K), or a 2-D target array in an NPZ file."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import sklearn.metrics as sklearn_metrics  # noqa: E402  (the reference implementation; a dev dependency)
from derive.cli import app
from numeric._data import read_table, train_test_split

runner = CliRunner()
LABELS = ("sports", "politics", "tech")


def multilabel_csv(path, n=240, seed=0):
    """Features around label-specific directions: each label applies where its feature is high."""
    rng = np.random.default_rng(seed)
    Y = (rng.random((n, 3)) < 0.4).astype(int)
    X = np.hstack([2.5 * Y + rng.normal(size=(n, 3)), rng.normal(size=(n, 1))])
    header = ["f0", "f1", "f2", "f3", *LABELS]
    lines = [",".join(header)] + [",".join([f"{v:.5f}" for v in x] + [str(v) for v in y]) for x, y in zip(X, Y)]
    path.write_text("\n".join(lines) + "\n")
    return X, Y


def run(*args):
    return runner.invoke(app, list(map(str, args)), catch_exceptions=False)


@pytest.mark.parametrize("model", ["mlp", "logistic"])
def test_train_multilabel_csv_metrics_match_sklearn_on_the_saved_model(tmp_path, model):
    data, saved = tmp_path / "d.csv", tmp_path / "m.npz"
    multilabel_csv(data)
    res = run("train", data, "--target-columns", ",".join(LABELS), "--model", model, "--hidden", "8",
              "--epochs", "40", "--lr", "0.05", "--save", saved, "--json", "--quiet")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["labels"] == list(LABELS)
    # recompute the test metrics with scikit-learn from the saved model on the same split
    from numeric import load_model

    est = load_model(saved)
    X, Y, _ = read_table(data, None, ",".join(LABELS))  # the numbers the command read
    _, X_te, _, Y_te = train_test_split(X, Y, 0.5, 42)
    pred = est.predict(X_te)
    assert pred.shape == Y_te.shape
    for average in ("micro", "macro", "samples"):
        assert out[f"test_{average}_f1"] == pytest.approx(
            sklearn_metrics.f1_score(Y_te, pred, average=average, zero_division=0.0), rel=1e-12)
    assert out["test_subset_accuracy"] == pytest.approx(sklearn_metrics.accuracy_score(Y_te, pred))
    assert out["test_micro_f1"] > 0.8


def test_target_columns_last_k_predict_and_text_output(tmp_path):
    data, saved = tmp_path / "d.csv", tmp_path / "m.npz"
    _, Y = multilabel_csv(data)
    res = run("train", data, "--target-columns", "3", "--epochs", "20", "--lr", "0.05", "--quiet",
              "--save", saved)
    assert res.exit_code == 0, res.output
    assert "multilabel: 3 labels (sports, politics, tech)" in res.stdout
    assert "test micro f1" in res.stdout and "test samples f1" in res.stdout
    pred = run("predict", saved, data, "--target-columns", "3")
    assert pred.exit_code == 0, pred.output
    rows = np.array([[int(v) for v in line.split(",")] for line in pred.stdout.strip().splitlines()])
    assert rows.shape == Y.shape and set(np.unique(rows)) <= {0, 1}
    assert "score on 240 examples" in pred.stderr
    proba = run("predict", saved, data, "--target-columns", "3", "--proba")
    lines = proba.stdout.strip().splitlines()
    assert lines[0] == "sports,politics,tech" and len(lines) == len(Y) + 1
    P = np.array([[float(v) for v in line.split(",")] for line in lines[1:]])
    np.testing.assert_array_equal(P > 0.5, rows == 1)


def test_npz_with_a_2d_target_array(tmp_path):
    rng = np.random.default_rng(1)
    Y = (rng.random((100, 4)) < 0.5).astype(int)
    X = Y * 2.0 + rng.normal(size=(100, 4))
    np.savez(tmp_path / "d.npz", X=X, Y=Y)
    res = run("train", tmp_path / "d.npz", "--target", "Y", "--model", "logistic", "--epochs", "10",
              "--lr", "0.1", "--json", "--quiet")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["labels"] == ["0", "1", "2", "3"]


@pytest.mark.parametrize("args, code, message", [
    (["--target-columns", "sports"], 2, "at least two"),
    (["--target-columns", "1"], 2, "at least two"),
    (["--target-columns", "7"], 1, "last 7 of 7 columns"),
    (["--target-columns", "sports,cooking"], 1, "'cooking'"),
    (["--target-columns", "sports,sports"], 1, "more than once"),
    (["--target-columns", "f0,sports"], 1, "label column 'f0' must hold 0/1"),
    (["--target-columns", "3", "--target", "tech"], 2, "not both"),
    (["--target-columns", "3", "--model", "softmax"], 2, "one sigmoid per label"),
    (["--target-columns", "3", "--model", "linear"], 2, "one sigmoid per label"),
])
def test_bad_target_columns(tmp_path, args, code, message):
    data = tmp_path / "d.csv"
    multilabel_csv(data, n=40)
    res = runner.invoke(app, ["train", str(data), "--quiet", *args])
    assert res.exit_code == code, res.output
    assert message in res.output and "Traceback" not in res.output


def test_digits_refuse_target_columns():
    res = runner.invoke(app, ["train", "digits", "--target-columns", "3", "--quiet"])
    assert res.exit_code == 2 and "digits" in res.output
