"""``derive serve`` on the command line: usage errors exit 2; the server starts, serves, stops."""

from __future__ import annotations

import os
import subprocess
import sys

from serve_helpers import ServerProcess, get_json


def run(*args, env=None):
    return subprocess.run([sys.executable, "-m", "derive", "serve", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120)


def test_help_lists_the_options():
    r = run("--help")
    assert r.returncode == 0
    for option in ("--host", "--port", "--workers", "--token-env", "--timeout", "--queue"):
        assert option in r.stdout


def test_a_token_variable_that_is_not_set_is_a_usage_error():
    r = run("--token-env", "DERIVE_TEST_TOKEN_THAT_IS_NOT_SET", env={"DERIVE_TEST_TOKEN_THAT_IS_NOT_SET": ""})
    assert r.returncode == 2 and "DERIVE_TEST_TOKEN_THAT_IS_NOT_SET" in r.stderr


def test_bad_log_level_is_a_usage_error():
    assert run("--log-level", "chatty").returncode == 2


def test_the_server_starts_checks_with_the_token_and_logs_without_answers():
    import json
    import urllib.request

    server = ServerProcess("--workers", "1", "--token-env", "GRADE_TOKEN", env={"GRADE_TOKEN": "t0k"})
    try:
        server.wait_ready()
        status, health = get_json(server.url + "/health")
        assert status == 200 and health["workers"] == 1
        body = json.dumps({"answers": [{"id": "1", "answer": "y_i - t_i + 271828", "against": "softmax.ce_gradient"}]})
        request = urllib.request.Request(server.url + "/grade", body.encode(), {
            "Content-Type": "application/json", "Authorization": "Bearer t0k"})
        with urllib.request.urlopen(request, timeout=60) as r:
            assert json.loads(r.read())["results"][0]["verdict"] == "not_equivalent"
    finally:
        log = server.stop()
    assert "POST /grade 200" in log and "271828" not in log
