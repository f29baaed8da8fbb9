"""``derive serve`` over HTTP (in-process app, real dispatcher and worker processes).

The verdicts are compared with :func:`derive.answers.checker.check_answer` called directly in
this process: the service must return exactly the JSON of ``derive check``.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time
import warnings
from dataclasses import replace
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx versions
    from fastapi.testclient import TestClient

from answers_helpers import verdict as direct_verdict
from derive.answers.limits import Limits
from derive.serve.app import create_app
from derive.serve.config import ServeConfig
from serve_helpers import children

TOKEN = "s3cret-token"
SLOW = "sigma(x)(1-sigma(x)) + (sigma(x)+1)^100 - (sigma(x)^2+2sigma(x)+1)^50"
TIMEOUT = 2.0


@pytest.fixture(scope="module")
def client():
    app = create_app(ServeConfig(workers=2, queue_size=8, token=TOKEN, limits=Limits(timeout=TIMEOUT)))
    with TestClient(app) as c:
        end = time.monotonic() + 300
        while c.get("/health").status_code != 200:
            assert time.monotonic() < end, "the pool did not start"
            time.sleep(0.3)
        yield c


def expected_json(answer: str, result_id: str) -> dict:
    return direct_verdict(answer, result_id).to_dict()


@pytest.mark.parametrize("answer,result_id", [
    ("sigma(x)(1-sigma(x))", "sigmoid.derivative"),
    (r"\frac{e^{-x}}{(1+e^{-x})^2}", "sigmoid.derivative"),
    ("-sigma(x)(1-sigma(x))", "sigmoid.derivative"),
    ("2 sigma(x)(1 - sigma(x))", "sigmoid.derivative"),
    ("sigma(x", "sigmoid.derivative"),
    ("9^9^9^9", "sigmoid.derivative"),
    ("y_i(delta_ij - y_j)", "softmax.jacobian"),
    ("t_i - y_i", "softmax.ce_gradient"),
])
def test_check_returns_the_json_of_derive_check(client, answer, result_id):
    r = client.post("/check", json={"answer": answer, "against": result_id})
    assert r.status_code == 200
    body = r.json()
    assert body.pop("id") is None
    assert body == expected_json(answer, result_id)


def test_check_matches_the_cli(client):
    import subprocess
    import sys

    answer = "sigma(x)(1-sigma(-x))"
    cli = subprocess.run([sys.executable, "-m", "derive", "check", answer, "--against", "sigmoid.derivative",
                          "--json"], capture_output=True, text=True, env={**os.environ})
    r = client.post("/check", json={"answer": answer, "against": "sigmoid.derivative", "id": "q7"})
    assert {**json.loads(cli.stdout), "id": "q7"} == r.json()


def test_check_against_an_expected_expression(client):
    r = client.post("/check", json={"answer": "y_i - t_i", "expected": "-(t_i - y_i)", "variables": ["y_i", "t_i"]})
    assert r.status_code == 200 and r.json()["verdict"] == "equivalent"
    r = client.post("/check", json={"answer": "y_i + t_i", "expected": "y_i - t_i", "variables": ["y_i", "t_i"]})
    assert r.json()["verdict"] == "not_equivalent" and r.json()["counterexample"]


@pytest.mark.parametrize("body,status,code", [
    ({"answer": "x"}, 422, "invalid_request"),
    ({"answer": "x", "against": "sigmoid.derivative", "expected": "x"}, 422, "invalid_request"),
    ({"against": "sigmoid.derivative"}, 422, "invalid_request"),
    ({"answer": "x", "against": "sigmoid.derivative", "syntax": "python"}, 422, "invalid_request"),
    ({"answer": "x", "against": "sigmoid.derivative", "evil": 1}, 422, "invalid_request"),
    ({"answer": 5, "against": "sigmoid.derivative"}, 422, "invalid_request"),
    ({"answer": "x", "against": "sigmoid.nonexistent"}, 422, "bad_question"),
    ({"answer": "x", "expected": "sigma(", "variables": ["x"]}, 422, "bad_question"),
])
def test_bad_requests_get_clear_json_errors(client, body, status, code):
    r = client.post("/check", json=body)
    assert r.status_code == status
    assert r.json()["error"] == code and r.json()["message"]


def test_a_body_that_is_not_json(client):
    r = client.post("/check", content=b"answer=x", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"] == "invalid_request"


def test_request_size_limit(client):
    big = {"answer": "x+" * 20000 + "x", "against": "sigmoid.derivative"}
    r = client.post("/check", json=big)
    assert r.status_code == 413 and r.json()["error"] == "too_large"

    def chunks():  # no Content-Length: the limit holds on the bytes actually sent
        for _ in range(40):
            yield b" " * 1024

    r = client.post("/check", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_an_answer_is_never_executed(client, tmp_path):
    marker = tmp_path / "pwned"
    for answer in (f"__import__('os').system('touch {marker}')", f"open('{marker}', 'w')",
                   "exec('1')", "lambda: 1", "x.__class__"):
        r = client.post("/check", json={"answer": answer, "against": "sigmoid.derivative"})
        assert r.status_code == 200 and r.json()["verdict"] == "invalid", answer
    assert not marker.exists()


def test_preview_reads_without_checking(client):
    r = client.post("/preview", json={"answer": r"\frac{1}{2} x", "against": "sigmoid.derivative"})
    assert r.json()["ok"] and "frac" in r.json()["latex"]
    r = client.post("/preview", json={"answer": "sigma((x)", "against": "sigmoid.derivative"})
    assert not r.json()["ok"] and "cannot read" in r.json()["message"]


def test_grade_needs_the_token(client):
    body = {"answers": [{"id": "a", "answer": "x", "against": "sigmoid.derivative"}]}
    assert client.post("/grade", json=body).status_code == 401
    assert client.post("/grade", json=body, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.post("/grade", json=body, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_grade_gives_per_answer_verdicts_in_order(client):
    items = [("s1", "sigma(x)(1-sigma(x))", "sigmoid.derivative"),
             ("s2", "-sigma(x)(1-sigma(x))", "sigmoid.derivative"),
             ("s3", "y_i - t_i", "softmax.ce_gradient"), ("s4", "sigma(x", "sigmoid.derivative"),
             ("s5", "sigma(x)(1-sigma(x))", "sigmoid.derivative")]
    body = {"answers": [{"id": i, "answer": a, "against": q} for i, a, q in items]
            + [{"id": "s6", "answer": "x", "against": "no.such.result"}]}
    r = client.post("/grade", json=body, headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200
    results = r.json()["results"]
    assert [x["id"] for x in results] == ["s1", "s2", "s3", "s4", "s5", "s6"]
    for (i, a, q), got in zip(items, results):
        assert {k: v for k, v in got.items() if k != "id"} == expected_json(a, q)
    assert results[5]["verdict"] == "invalid" and "no.such.result" in results[5]["message"]
    counts = r.json()["counts"]
    assert counts == {"equivalent": 3, "not_equivalent": 1, "invalid": 2}


def test_results_list_every_result_with_its_symbols(client):
    from derive.answers.targets import target_for_result
    from derive.topics import TOPICS

    listed = {r["id"]: r for r in client.get("/results").json()["results"]}
    ids = [res.id for t in TOPICS.values() for res in t.build().results]
    assert list(listed) == ids
    for rid in ("sigmoid.derivative", "softmax.jacobian", "glm.logistic.gradient"):
        assert listed[rid]["checkable"]
        assert listed[rid]["symbols"] == target_for_result(rid).table.describe()


@pytest.mark.parametrize("fmt", ["markdown", "latex", "json"])
def test_topics_render_like_the_cli(client, fmt):
    from derive.topics import TOPICS
    from reports import render

    r = client.get(f"/topics/softmax?format={fmt}")
    assert r.status_code == 200
    expected = render(TOPICS["softmax"].build(), fmt, steps=True, standalone=False)
    assert (r.json() == json.loads(expected)) if fmt == "json" else (r.text == expected)


def test_topics_errors(client):
    assert client.get("/topics/nope").status_code == 404
    assert client.get("/topics/softmax?format=pdf").status_code == 422


def test_openapi_schema_describes_the_api(client):
    schema = client.get("/openapi.json").json()
    paths = {"/check", "/verify", "/grade", "/results", "/topics/{topic_id}", "/health", "/preview"}
    assert paths <= set(schema["paths"])
    check_body = schema["components"]["schemas"]["CheckRequest"]["properties"]
    assert {"answer", "against", "expected", "syntax"} <= set(check_body)


def test_a_slow_answer_is_stopped_at_its_limit_and_the_pool_goes_on(client):
    before = client.get("/health").json()["worker_restarts"]
    t0 = time.monotonic()
    r = client.post("/check", json={"answer": SLOW, "against": "sigmoid.derivative"})
    took = time.monotonic() - t0
    assert r.status_code == 200 and f"stopped after {TIMEOUT:g} s" in r.json()["message"]
    assert took < TIMEOUT + 10  # killed, not waited for (the check alone takes minutes)
    assert client.get("/health").json()["worker_restarts"] == before + 1
    r = client.post("/check", json={"answer": "sigma(x)(1-sigma(x))", "against": "sigmoid.derivative"})
    assert r.json()["verdict"] == "equivalent"


def test_a_worker_killed_mid_request_gives_that_request_a_clean_error(client):
    dispatcher = client.app.state.pool.dispatcher_pid
    workers = set(children(dispatcher))
    assert len(workers) == 2
    answer = SLOW + " + 0"  # not cached
    out = {}
    thread = threading.Thread(target=lambda: out.setdefault("r", client.post(
        "/check", json={"answer": answer, "against": "sigmoid.derivative"})))
    thread.start()
    end = time.monotonic() + 30
    while client.get("/health").json()["busy"] == 0:
        assert time.monotonic() < end
        time.sleep(0.05)
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    thread.join(60)
    r = out["r"]
    assert r.status_code == 503 and r.json()["error"] == "worker_lost" and r.headers["Retry-After"]
    r = client.post("/check", json={"answer": "sigma(x)(1 - sigma(x))", "against": "sigmoid.derivative"})
    assert r.json()["verdict"] == "equivalent"
    end = time.monotonic() + 30
    while len(set(children(dispatcher)) - workers) < 2:  # both replaced
        assert time.monotonic() < end, (workers, children(dispatcher))
        time.sleep(0.1)


def test_a_full_queue_answers_503_with_retry_after(client):
    pool = client.app.state.pool
    config = pool.config
    pool.config = replace(config, queue_size=0)  # capacity = the 2 workers
    try:
        threads = [threading.Thread(target=client.post, args=("/check",),
                                    kwargs={"json": {"answer": SLOW + f" + {n}", "against": "sigmoid.derivative"}})
                   for n in (1, 2)]
        for t in threads:
            t.start()
        end = time.monotonic() + 30
        while pool.pending < 2:
            assert time.monotonic() < end
            time.sleep(0.05)
        r = client.post("/check", json={"answer": "x + 12345", "against": "sigmoid.derivative"})  # not cached
        assert r.status_code == 503 and r.json()["error"] == "busy" and int(r.headers["Retry-After"]) >= 1
        for t in threads:
            t.join(60)
    finally:
        pool.config = config
    assert client.post("/check", json={"answer": "x", "against": "sigmoid.derivative"}).status_code == 200


def test_one_log_line_per_request_without_the_answer(client, caplog):
    marker = "sigma(x)*0 + 31415926"
    with caplog.at_level(logging.INFO, logger="derive.serve"):
        client.post("/check", json={"answer": marker, "against": "sigmoid.derivative"})
    lines = [r.getMessage() for r in caplog.records if r.name == "derive.serve"]
    assert len([line for line in lines if "POST /check 200" in line]) == 1
    assert not any("31415926" in line for line in lines)


def test_every_response_says_how_long_the_service_took(client):
    import time

    t0 = time.perf_counter()
    response = client.post("/check", json={"answer": "sigma(x)(1 - sigma(x))", "against": "sigmoid.derivative"})
    elapsed_ms = 1000 * (time.perf_counter() - t0)
    name, _, duration = response.headers["server-timing"].partition(";dur=")
    assert name == "app" and 0.0 < float(duration) <= elapsed_ms
    assert "server-timing" in client.post("/check", content=b"x" * 40000).headers  # a 413 too


def test_the_page_uses_only_this_server(client):
    import re

    r = client.get("/")
    assert r.status_code == 200 and "default-src 'self'" in r.headers["content-security-policy"]
    refs = re.findall(r'(?:src|href)="([^"]+)"', r.text)
    assets = [u for u in refs if not u.startswith(("#", "data:"))]
    assert assets and all(u.startswith("/") and not u.startswith("//") for u in assets)
    for url in assets:
        if url.startswith("/static/"):
            assert client.get(url).status_code == 200, url
    css = client.get("/static/katex/katex.min.css").text
    fonts = set(re.findall(r"url\((fonts/[^)]+\.woff2)\)", css))
    assert len(fonts) >= 15
    for font in fonts:
        assert client.get("/static/katex/" + font).status_code == 200, font


def test_health(client):
    h = client.get("/health").json()
    assert h["status"] == "ok" and h["workers"] == 2 and h["capacity"] == 10


def test_a_task_that_waited_too_long_is_answered_busy():
    """The dispatcher sheds a queued task after max_wait seconds (an accepted answer is not held up)."""
    from derive.serve.dispatcher import Dispatcher

    read_fd, write_fd = os.pipe()
    settings = {**ServeConfig(workers=1, limits=Limits(timeout=TIMEOUT)).dispatcher_settings(), "max_wait": 0.2}
    d = Dispatcher(settings, write_fd)
    try:
        d.take(json.dumps({"id": 1, "kind": "check",
                           "payload": {"text": SLOW, "key": ["result", "sigmoid.derivative"]}}).encode())
        d.take(json.dumps({"id": 2, "kind": "check", "payload": {"text": "x", "key": ["result", "sigmoid.derivative"]}})
               .encode())
        d.take(json.dumps({"id": 3, "kind": "check", "patient": True,
                           "payload": {"text": "x", "key": ["result", "sigmoid.derivative"]}}).encode())
        d.assign()  # task 1 runs; 2 and 3 wait
        assert [t[0] for t in d.queue] == [2, 3]
        assert d.shed() is not None  # 2 has a wait limit, not yet reached
        time.sleep(0.3)
        d.shed()
        assert [t[0] for t in d.queue] == [3]  # the patient /grade item stays
        message = json.loads(os.read(read_fd, 65536).decode().splitlines()[0])
        assert message["id"] == 2 and message["outcome"]["error"] == "busy"
    finally:
        d.close()
        os.close(read_fd)
        os.close(write_fd)


def test_a_check_running_long_gets_the_lowest_cpu_priority_and_a_fresh_worker_after():
    from derive.serve.dispatcher import Dispatcher

    read_fd, write_fd = os.pipe()
    settings = {**ServeConfig(workers=1, limits=Limits(timeout=1.0)).dispatcher_settings(), "demote_after": 0.2}
    d = Dispatcher(settings, write_fd)
    try:
        worker = d.workers[0]
        d.take(json.dumps({"id": 1, "kind": "check",
                           "payload": {"text": SLOW, "key": ["result", "sigmoid.derivative"]}}).encode())
        d.assign()
        pid = worker.pid
        assert os.getpriority(os.PRIO_PROCESS, pid) == os.getpriority(os.PRIO_PROCESS, 0)
        time.sleep(0.3)
        assert d.demote() is None and worker.demoted
        assert os.getpriority(os.PRIO_PROCESS, pid) == 19
        time.sleep(1.0)
        d.harvest()  # past the time limit: killed, and the new child has the normal priority
        assert not worker.busy and worker.pid != pid and not worker.demoted
        assert os.getpriority(os.PRIO_PROCESS, worker.pid) == os.getpriority(os.PRIO_PROCESS, 0)
        assert json.loads(os.read(read_fd, 65536).decode().splitlines()[0])["id"] == 1
    finally:
        d.close()
        os.close(read_fd)
        os.close(write_fd)


def direct_derivation(text: str, result_id: str) -> dict:
    from derive.answers.targets import target_for_result
    from derive.answers.verify import verify_text

    return verify_text(text, target_for_result(result_id)).to_dict()


@pytest.mark.parametrize("derivation,result_id,outcome", [
    ("sigma(x)(1-sigma(x))\n= sigma(x) - sigma(x)^2", "sigmoid.derivative", "correct"),
    ("sigma(x)(1-sigma(x))\n= sigma(x) + sigma(x)^2\n= sigma(x)(1+sigma(x))", "sigmoid.derivative", "incorrect"),
    ("\\begin{align*}\n\\frac{\\partial y_i}{\\partial z_j} &= y_i(\\delta_{ij} - y_j) \\\\\n"
     "&= y_i \\delta_{ij} - y_i y_j\n\\end{align*}", "softmax.jacobian", "correct"),
    ("sigma(x\n= 2", "sigmoid.derivative", None),
])
def test_verify_returns_the_json_of_derive_verify(client, derivation, result_id, outcome):
    r = client.post("/verify", json={"derivation": derivation, "against": result_id, "id": "d1"})
    assert r.status_code == 200
    body = r.json()
    assert body.pop("id") == "d1"
    assert body == direct_derivation(derivation, result_id)
    if outcome is not None:
        assert body["verdict"] == outcome
    if outcome == "incorrect":
        assert body["first_error"] == 2 and body["steps"][1]["verdict"] == "not_equivalent"


def test_verify_against_an_expected_expression_reads_its_variables(client):
    r = client.post("/verify", json={"derivation": "y_i - t_i\n= -(t_i - y_i)", "expected": "y_i - t_i"})
    assert r.status_code == 200 and r.json()["verdict"] == "correct"
    r = client.post("/verify", json={"derivation": "x", "against": "no.such.result"})
    assert r.status_code == 422 and r.json()["error"] == "bad_question"


def test_every_static_file_is_packaged():
    """The page and KaTeX are served from the installed package: pyproject's package-data covers them."""
    import fnmatch
    import tomllib

    root = Path(__file__).resolve().parents[1]
    globs = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["derive"]
    static = root / "derive" / "serve" / "static"
    files = [p.relative_to(root / "derive").as_posix() for p in static.rglob("*") if p.is_file()]
    assert len(files) > 20
    unpackaged = [f for f in files if not any(fnmatch.fnmatch(f, g) for g in globs)]
    assert not unpackaged


def test_before_the_pool_is_ready_requests_get_503_starting():
    app = create_app(ServeConfig(workers=1))
    c = TestClient(app)  # no context manager: the lifespan (which starts the pool) does not run
    h = c.get("/health")
    assert h.status_code == 503 and h.json()["status"] == "starting"
    r = c.post("/check", json={"answer": "x", "against": "sigmoid.derivative"})
    assert r.status_code == 503 and r.json()["error"] == "busy" and r.headers["Retry-After"] == "5"
    assert c.get("/results").status_code == 503


def test_the_pool_survives_its_dispatcher_dying(client):
    pool = client.app.state.pool
    old = pool.dispatcher_pid
    os.kill(old, signal.SIGKILL)
    end = time.monotonic() + 600
    while not (pool.ready and pool.dispatcher_pid != old):
        assert time.monotonic() < end, "no new dispatcher"
        time.sleep(0.2)
    h = client.get("/health").json()
    assert h["status"] == "ok" and h["pool_restarts"] == 1
    r = client.post("/check", json={"answer": "sigma(x)(1-sigma(x)) + 7 - 7", "against": "sigmoid.derivative"})
    assert r.status_code == 200 and r.json()["verdict"] == "equivalent"
