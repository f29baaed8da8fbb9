"""``derive serve``: the HTTP API (check, verify, preview, grade, results, topics) and the student page."""

from __future__ import annotations

import os
from typing import Optional

import typer


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0 for every interface)."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port to listen on."),
    workers: int = typer.Option(0, "--workers", min=0, help="Checking processes (0: one per core plus two)."),
    token_env: Optional[str] = typer.Option(None, "--token-env", help="Name of an environment variable holding the "
                                                                      "token that POST /grade requires."),
    timeout: float = typer.Option(5.0, "--timeout", min=0.1, help="Seconds per check; the worker is then killed "
                                                                  "and the verdict is what is known, or 'undecided'."),
    derivation_timeout: float = typer.Option(30.0, "--derivation-timeout", min=0.1,
                                             help="Seconds for a whole derivation (POST /verify); each line also "
                                                  "has --timeout."),
    queue: int = typer.Option(64, "--queue", min=0, help="Answers that may wait for a worker; more get 503 with "
                                                         "Retry-After."),
    max_length: int = typer.Option(2000, "--max-length", min=1, help="Longest answer accepted (characters)."),
    log_level: str = typer.Option("info", "--log-level", help="debug, info, warning or error (info: one line per "
                                                              "request, never the answer text)."),
) -> None:
    """Serve answer checking over HTTP for an LMS, and a page where students try an answer."""
    import logging

    try:
        import uvicorn

        from derive.serve.app import create_app
    except ImportError as exc:
        typer.echo(f"Error: derive serve needs the 'serve' extra ({exc.name} is missing): "
                   "pip install 'derive[serve]'", err=True)
        raise typer.Exit(2) from None
    from derive.answers.limits import Limits
    from derive.serve.config import ServeConfig, default_workers

    token = None
    if token_env is not None:
        token = os.environ.get(token_env)
        if not token:
            raise typer.BadParameter(f"the environment variable {token_env} is not set or empty",
                                     param_hint="--token-env")
    level = log_level.upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise typer.BadParameter("choose debug, info, warning or error", param_hint="--log-level")
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = ServeConfig(workers=workers or default_workers(), queue_size=queue, token=token,
                         limits=Limits(max_length=max_length, timeout=timeout,
                                               derivation_timeout=derivation_timeout))
    uvicorn.run(create_app(config), host=host, port=port, access_log=False, log_level=log_level.lower(),
                timeout_graceful_shutdown=10)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
