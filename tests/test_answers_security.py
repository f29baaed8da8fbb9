"""Hostile answers: nothing executes (canary file), everything ends as invalid or undecided."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from derive.answers.checker import check_answer
from derive.answers.limits import Limits
from derive.answers.targets import target_for_result
from derive.answers.worker import run_one

ANSWERS_DIR = Path(__file__).resolve().parents[1] / "derive" / "answers"


def hostile(canary: Path) -> list[str]:
    c = str(canary)
    return [
        f"__import__('os').system('touch {c}')",
        f"__import__(\"os\").system(\"touch {c}\")",
        "().__class__.__bases__[0].__subclasses__()",
        "x.__class__.__mro__[1].__subclasses__()",
        f"lambda: open('{c}', 'w')",
        f"exec(\"open('{c}','w')\")",
        f"eval(\"open('{c}','w')\")",
        f"Symbol('x').__init__.__globals__['os'].system('touch {c}')",
        f"sigma(x) + __import__('pathlib').Path('{c}').touch()",
        f"\\input{{{c}}}",
        f"\\include{{{c}}}",
        f"\\write18{{touch {c}}}",
        f"\\immediate\\write18{{touch {c}}}",
        "\\def\\x{1}\\x",
        "9^9^9^9",
        "x**(10**10**10)",
        "2**2**2**2**2**2**2",
        "x" + "^x" * 300,
        "(" * 5000 + "x" + ")" * 5000,
        "sigma(" * 300 + "x" + ")" * 300,
        "x" * 1_000_000,
        "1" * 1_000_000,
        "+" * 1_000_000,
        "\x00\x01\x02",
        "sigma(x)\n" * 300,
        "e^{e^{e^{e^{e^{9}}}}}",
        "10^{100} x",
        "factorial(10**9)",
    ]


def test_no_hostile_answer_executes_and_all_are_rejected(tmp_path):
    canary = tmp_path / "CANARY"
    target = target_for_result("sigmoid.derivative")
    for text in hostile(canary):
        v = check_answer(text, target)
        assert v.verdict in ("invalid", "undecided", "not_equivalent"), (text[:60], v)
        assert v.verdict != "equivalent"
    assert not canary.exists()


@pytest.mark.parametrize("index", [0, 11, 14, 24, 25])
def test_hostile_answers_in_the_worker_end_within_the_limit(tmp_path, index):
    canary = tmp_path / "CANARY"
    text = hostile(canary)[index]
    v = run_one(text, ("result", "sigmoid.derivative"), limits=Limits(timeout=3))
    assert v.verdict in ("invalid", "undecided", "not_equivalent")
    assert not canary.exists()


def test_the_answer_code_never_evaluates_text():
    banned = {"eval", "exec", "sympify", "parse_expr", "S", "compile", "__import__", "parse_latex"}
    for path in ANSWERS_DIR.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                f = node.func
                name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
                assert name not in banned, f"{path.name}:{node.lineno} calls {name}"
