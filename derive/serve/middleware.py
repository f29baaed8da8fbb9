"""ASGI middleware: request body size limit (413), one log line per request (no answer text), and
the time spent in the service as a ``Server-Timing: app;dur=MS`` header."""

from __future__ import annotations

import json
import logging
import time

log = logging.getLogger("derive.serve")


async def _send_json(send, status: int, body: dict, headers: list | None = None) -> None:
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": data})


class LimitAndLog:
    """Reject a body larger than its path's limit before the app reads it; log each request.

    ``limits`` maps a path to its largest body in bytes; other paths get ``default``. The body is
    read here (at most limit + 1 bytes) and handed to the app whole.
    """

    def __init__(self, app, *, default: int, limits: dict[str, int]):
        self.app = app
        self.default = default
        self.limits = limits

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        status = {"code": 0, "bytes": 0}

        async def logged_send(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                # the time spent in the service (RFC: Server-Timing), for an LMS's own monitoring
                took = f"app;dur={1000 * (time.perf_counter() - start):.1f}".encode()
                message = {**message, "headers": [*message.get("headers", []), (b"server-timing", took)]}
            elif message["type"] == "http.response.body":
                status["bytes"] += len(message.get("body", b""))
            await send(message)

        try:
            limit = self.limits.get(scope["path"], self.default)
            declared = dict(scope.get("headers") or []).get(b"content-length")
            too_large = {"error": "too_large", "message": f"the request body is larger than {limit} bytes"}
            if declared is not None and (not declared.isdigit() or int(declared) > limit):
                return await _send_json(logged_send, 413, too_large)
            body = bytearray()
            more = True
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                body += message.get("body", b"")
                more = message.get("more_body", False)
                if len(body) > limit:
                    return await _send_json(logged_send, 413, too_large)
            delivered = False

            async def replay():
                nonlocal delivered
                if not delivered:
                    delivered = True
                    return {"type": "http.request", "body": bytes(body), "more_body": False}
                return await receive()

            await self.app(scope, replay, logged_send)
        finally:
            client = scope.get("client") or ("-", 0)
            log.info("%s %s %s %d %.1f ms %d B", client[0], scope["method"], scope["path"], status["code"],
                     1000 * (time.perf_counter() - start), status["bytes"])
