r"""The HTTP API and the student page (FastAPI on uvicorn).

FastAPI because the request models that validate untrusted input also produce the OpenAPI
schema (``/openapi.json``, ``/docs``), and its errors are JSON; it runs on Starlette and uvicorn,
both widely used and maintained. The app itself never imports SymPy and never parses math: every
answer goes to a killable worker through :class:`~derive.serve.pool.Pool`.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections import Counter
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Header, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles

from derive.serve import models as m
from derive.serve.cache import VerdictCache
from derive.serve.config import ServeConfig
from derive.serve.middleware import LimitAndLog
from derive.serve.pool import Busy, Pool

STATIC = Path(__file__).parent / "static"
log = logging.getLogger("derive.serve")

#: CSP of the page: everything from this server (KaTeX sets inline styles on what it renders).
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self'; "
            "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'")

ERRORS = {status: {"model": m.Error} for status in (401, 404, 413, 422, 503)}


class ApiError(HTTPException):
    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(status, message, headers)
        self.code = code


def _error(status: int, code: str, message: str, headers: dict | None = None, detail=None) -> JSONResponse:
    body = {"error": code, "message": message}
    if detail is not None:
        body["detail"] = detail
    return JSONResponse(body, status_code=status, headers=headers)


def _outcome_error(outcome: dict) -> ApiError:
    """An unsuccessful task as an HTTP error."""
    code = outcome.get("error", "internal")
    if code == "bad_question":
        return ApiError(422, code, outcome["message"])
    if code == "worker_lost":
        return ApiError(503, code, outcome["message"], {"Retry-After": "1"})
    if code == "busy":
        return ApiError(503, code, outcome["message"], {"Retry-After": "1"})
    if code == "timeout":
        return ApiError(503, code, outcome["message"], {"Retry-After": "5"})
    return ApiError(503, "internal", f"the check failed: {outcome.get('message', code)}", {"Retry-After": "1"})


def create_app(config: ServeConfig | None = None) -> FastAPI:
    config = config or ServeConfig()
    pool = Pool(config)
    cache = VerdictCache(config.cache_size)
    topic_texts: dict[tuple[str, str], str] = {}
    grade_slots = asyncio.Semaphore(config.max_grade_batches)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await pool.start()
        yield
        await pool.stop()

    app = FastAPI(title="derive serve", version="0.1.0", lifespan=lifespan,
                  description="Check answers and derivations against the proved results of derive "
                              "(GLMs, softmax, MLPs). Answers are parsed with a safe grammar, never executed; "
                              "each check runs in a worker process killed at its time limit.")
    app.state.pool = pool
    app.state.cache = cache
    app.state.config = config

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        return _error(exc.status_code, exc.code, exc.detail, exc.headers)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException):
        codes = {404: "not_found", 405: "method_not_allowed"}
        return _error(exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        detail = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()[:20]]
        first = detail[0] if detail else {"loc": [], "msg": "invalid request"}
        where = ".".join(str(p) for p in first["loc"] if p != "body")
        message = f"{where}: {first['msg']}" if where else first["msg"]
        return _error(422, "invalid_request", message.replace("Value error, ", ""), detail=detail)

    @app.exception_handler(Busy)
    async def _busy(request: Request, exc: Busy):
        return _error(503, "busy", str(exc), {"Retry-After": str(exc.retry_after)})

    async def checked(payload: dict, *, admit: bool = True, kind: str = "check") -> dict:
        key = VerdictCache.key(kind, payload)
        known = cache.get(key)
        if known is not None:
            return known
        outcome = await pool.run(kind, payload, admit=admit)
        if not outcome["ok"]:
            raise _outcome_error(outcome)
        cache.put(key, outcome["value"])
        return outcome["value"]

    @app.post("/check", response_model=m.Verdict, responses=ERRORS, summary="Check one answer",
              description="The JSON of `derive check --json`. 422 for a malformed request or an unknown result "
                          "id; an unreadable answer is a verdict (`invalid`), not an error.")
    async def check(body: m.CheckRequest) -> dict:
        verdict = await checked({"text": body.answer, "key": body.key(), "syntax": body.syntax})
        return {**verdict, "id": body.id}

    @app.post("/verify", response_model=m.DerivationVerdict, responses=ERRORS, summary="Verify a derivation",
              description="The JSON of `derive verify --json`: each step against the one before, the last against "
                          "the expected result; the first wrong step and the final verdict. With `expected` and no "
                          "`variables`, the variables are read off the expression.")
    async def verify(body: m.VerifyRequest) -> dict:
        verdict = await checked({"text": body.derivation, "key": body.key(), "syntax": body.syntax}, kind="verify")
        return {**verdict, "id": body.id}

    @app.post("/preview", response_model=m.Preview, responses=ERRORS, summary="Read an answer (no check)",
              description="Parse only, for the page's live preview: the answer as read, in LaTeX, or why it "
                          "cannot be read.")
    async def preview(body: m.PreviewRequest) -> dict:
        payload = {"text": body.answer, "key": body.key(), "syntax": body.syntax}
        key = VerdictCache.key("preview", payload)
        known = cache.get(key)
        if known is not None:
            return known
        outcome = await pool.run("preview", payload)
        if not outcome["ok"]:
            raise _outcome_error(outcome)
        cache.put(key, outcome["value"])
        return outcome["value"]

    def require_token(authorization: str | None) -> None:
        if config.token is None:
            return
        given = (authorization or "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), config.token.encode()):
            raise ApiError(401, "unauthorized", "POST /grade needs 'Authorization: Bearer TOKEN'",
                           {"WWW-Authenticate": "Bearer"})

    @app.post("/grade", response_model=m.GradeResponse, responses=ERRORS, summary="Grade a batch of answers",
              description="For an LMS: per-answer verdicts in request order. Needs `Authorization: Bearer TOKEN` "
                          "when the server was started with --token-env. An item with an unusable question gets "
                          "the verdict `invalid` (the batch goes on).")
    async def grade(body: m.GradeRequest, authorization: str | None = Header(None)) -> dict:
        require_token(authorization)
        if len(body.answers) > config.max_grade_items:
            raise ApiError(413, "too_large", f"at most {config.max_grade_items} answers per request "
                                             f"(this one has {len(body.answers)})")
        if grade_slots.locked():
            raise Busy(f"{config.max_grade_batches} batches are being graded", 5)
        if not pool.ready:
            raise Busy("the checking pool is starting", 5)
        async with grade_slots:
            window = asyncio.Semaphore(config.workers)

            async def one(item: m.GradeItem) -> dict:
                async with window:
                    try:
                        verdict = await checked({"text": item.answer, "key": item.key(), "syntax": item.syntax},
                                                admit=False)
                    except ApiError as exc:
                        kind = "invalid" if exc.code == "bad_question" else "undecided"
                        verdict = {"verdict": kind, "message": exc.detail, "method": "input" if kind == "invalid"
                                   else "error"}
                return {"parsed": None, "counterexample": None, "diagnosis": None, "method": None,
                        **verdict, "id": item.id}

            results = await asyncio.gather(*(one(item) for item in body.answers))
        return {"results": results, "counts": dict(Counter(r["verdict"] for r in results))}

    @app.get("/results", response_model=m.ResultsResponse, responses=ERRORS, summary="Result ids and their symbols")
    async def results() -> dict:
        if not pool.ready:
            raise Busy("the checking pool is starting", 5)
        return {"results": pool.results, "features": ["check", "verify", "preview", "grade"]}

    @app.get("/topics", summary="Topic ids and titles")
    async def topics() -> dict:
        from derive.topics import TOPICS

        return {"topics": [{"id": t.id, "title": t.title} for t in TOPICS.values()]}

    @app.get("/topics/{topic_id}", responses={**ERRORS, 200: {"content": {"application/json": {},
              "text/plain": {}}}}, summary="A topic's derivation, every step proved",
              description="format=json (the JSON of `derive TOPIC --json`), latex or markdown (text).")
    async def topic(topic_id: str, format: str = Query("json", pattern="^(json|latex|markdown)$")):
        from derive.topics import TOPICS

        if topic_id not in TOPICS:
            raise ApiError(404, "not_found", f"unknown topic {topic_id!r}; topics: {', '.join(TOPICS)}")
        text = topic_texts.get((topic_id, format))
        if text is None:
            outcome = await pool.run("topic", {"topic": topic_id, "format": format})
            if not outcome["ok"]:
                raise _outcome_error(outcome)
            text = topic_texts[(topic_id, format)] = outcome["value"]["text"]
        if format == "json":
            return JSONResponse(json.loads(text))
        media = "text/x-tex" if format == "latex" else "text/markdown"
        return PlainTextResponse(text, media_type=f"{media}; charset=utf-8")

    @app.get("/health", response_model=m.Health, responses={503: {"model": m.Health}}, summary="Liveness and load")
    async def health():
        stats = await pool.stats() if pool.ready else {}
        body = {"status": "ok" if pool.ready else "starting", "workers": config.workers,
                "busy": stats.get("busy", 0), "queued": stats.get("queued", 0), "pending": pool.pending,
                "capacity": config.capacity(), "worker_restarts": stats.get("restarts", 0),
                "pool_restarts": pool.dispatcher_restarts}
        return JSONResponse(body, status_code=200 if pool.ready else 503)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page():
        html = (STATIC / "page" / "index.html").read_text(encoding="utf-8")
        return HTMLResponse(html, headers={"Content-Security-Policy": PAGE_CSP, "X-Content-Type-Options": "nosniff",
                                           "Referrer-Policy": "no-referrer"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(LimitAndLog, default=config.max_body, limits={"/grade": config.max_grade_body})
    return app
