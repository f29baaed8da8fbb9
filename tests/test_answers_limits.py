"""Limits on untrusted answers: length, size, depth, number magnitude, time (killed worker)."""

from __future__ import annotations

import os

import pytest

from answers_helpers import table, verdict
from derive.answers import worker as worker_mod
from derive.answers.errors import LimitError
from derive.answers.limits import Limits
from derive.answers.parser import parse_answer

SIG = table("sigmoid.derivative")


@pytest.mark.parametrize("text,what", [
    ("x+" * 1500 + "x", "too long"),
    ("(" * 100 + "x" + ")" * 100, "nested too deeply"),
    ("-" * 500 + "x", "nested too deeply"),
    ("9^9^9^9", "exponent"),
    ("x**(10**10**10)", "exponent"),
    ("2^(1/1000)", "exponent"),
    ("99999999999 x", "too large"),
    ("1" * 40, "too large"),
    ("999^999", "exponent"),
    ("(999999^99)^99", "too large"),
])
def test_limits_reject_before_any_heavy_work(text, what):
    with pytest.raises(LimitError, match=what):
        parse_answer(text, SIG)


def test_limits_are_configurable():
    small = Limits(max_length=10, max_exponent=3, max_integer=50)
    with pytest.raises(LimitError):
        parse_answer("x + x + x + x", SIG, limits=small)
    with pytest.raises(LimitError):
        parse_answer("x^4", SIG, limits=small)
    with pytest.raises(LimitError):
        parse_answer("51 x", SIG, limits=small)
    assert parse_answer("x^3", SIG, limits=small).expr == parse_answer("x*x*x", SIG).expr


def test_tree_size_limit():
    with pytest.raises(LimitError, match="too large"):
        parse_answer("+".join(["sigma(x)"] * 100), SIG, limits=Limits(max_nodes=200))


def test_limit_verdicts_are_invalid_with_a_message():
    v = verdict("9^9^9^9", "sigmoid.derivative")
    assert v.verdict == "invalid" and v.method == "limits" and "exponent" in v.message


def _slow_numeric(*args, **kwargs):
    import time

    time.sleep(60)


def test_overrun_kills_the_worker_and_gives_undecided(monkeypatch):
    # the forked worker inherits the patched comparison, which never finishes in time
    import derive.answers.checker as checker
    from derive.answers.targets import target_for_result

    target_for_result("sigmoid.derivative")
    monkeypatch.setattr(checker, "numeric_compare", _slow_numeric)
    w = worker_mod.Worker()
    pid = w.proc.pid
    try:
        w.submit("t", "sigma(x)", ("result", "sigmoid.derivative"), "auto", Limits(timeout=0.5))
        from multiprocessing.connection import wait

        wait([w.conn], timeout=0.6)
        assert w.collect() is None  # still working
        tag, v = w.kill_overrun()
    finally:
        w.close()
    assert tag == "t" and v.verdict == "undecided" and "did not finish" in v.message
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # the old child is gone (reaped)


def test_overrun_after_the_numeric_check_keeps_what_is_known(monkeypatch):
    import derive.answers.checker as checker

    monkeypatch.setattr(checker, "symbolic_check", _slow_numeric)
    v = worker_mod.run_one("sigma(x)(1-sigma(x))", ("result", "sigmoid.derivative"), limits=Limits(timeout=1.5))
    assert v.verdict == "equivalent" and v.method == "numeric" and "stopped after" in v.message


def test_run_one_gives_the_final_verdict():
    v = worker_mod.run_one("-sigma(x)(1-sigma(x))", ("result", "sigmoid.derivative"))
    assert v.verdict == "not_equivalent" and v.diagnosis == "sign_flipped"


def test_memory_limit_in_the_worker_gives_undecided(monkeypatch):
    import derive.answers.checker as checker

    def hog(*a, **k):
        return bytearray(400 * 2**20)  # beyond the 64 MiB allowed below

    monkeypatch.setattr(checker, "numeric_compare", hog)
    v = worker_mod.run_one("sigma(x)", ("result", "sigmoid.derivative"), limits=Limits(max_memory_mb=64))
    assert v.verdict == "undecided" and "MiB" in v.message
