"""The CLI: list, topic commands, formats, output files, errors, startup cost."""

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from derive.cli import app
from derive.topics import TOPICS

runner = CliRunner()


def test_list_json_contract():
    result = runner.invoke(app, ["list", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    ids = [t["id"] for t in data["topics"]]
    assert ids == list(TOPICS)
    softmax = next(t for t in data["topics"] if t["id"] == "softmax")
    assert {"softmax.jacobian", "softmax.ce_gradient", "softmax.shift_invariance"} <= set(softmax["results"])


def test_list_table():
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 0 and "sigmoid.derivative" in result.output


@pytest.mark.parametrize("flag,marker", [("--latex", "\\begin{align*}"), ("--markdown", "$$"),
                                         ("--json", '"steps"'), ("--text", "✓"), (None, "✓")])
def test_softmax_in_every_format(flag, marker):
    result = runner.invoke(app, ["softmax"] + ([flag] if flag else []))
    assert result.exit_code == 0, result.output
    assert marker in result.output


def test_output_file_and_standalone(tmp_path):
    out = tmp_path / "deep" / "softmax.tex"
    result = runner.invoke(app, ["softmax", "--latex", "--standalone", "--output", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert text.startswith("\\documentclass") and text.rstrip().endswith("\\end{document}")
    assert not list(out.parent.glob("*.part"))


def test_two_formats_at_once_is_a_usage_error():
    result = runner.invoke(app, ["sigmoid", "--latex", "--json"])
    assert result.exit_code == 2
    assert "one output format" in result.output


def test_unknown_topic_lists_topics_and_exits_2():
    result = subprocess.run([sys.executable, "-m", "derive", "softmaxx"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "unknown topic or command 'softmaxx'" in result.stderr
    for topic in TOPICS:
        assert topic in result.stderr


def test_help_does_not_import_sympy():
    code = "import sys; from derive.cli import app; sys.exit('sympy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_console_script_runs_the_main_job():
    result = subprocess.run(["derive", "softmax", "--latex", "--no-steps"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "\\boxed" in result.stdout
