"""``derive prove``: run every proof live and write (or check) the proof certificates."""

from __future__ import annotations

import os
from typing import List, Optional

import typer


def prove(
    topics: Optional[List[str]] = typer.Argument(None, help="Topics to prove (default: all)."),
    check: bool = typer.Option(False, "--check", help="Do not write; exit 1 if a certificate file is out of date."),
) -> None:
    """Prove every step of the topics live and write derive/certificates/TOPIC.json.

    Rendering a topic uses these certificates instead of proving again; a step whose source,
    context or proof machinery changed has a new key and is proved live.
    """
    os.environ["DERIVE_REPROVE"] = "1"
    from derive import certificates
    from derive.topics import TOPICS, UnknownTopicError, get

    try:
        chosen = [get(t) for t in topics] if topics else list(TOPICS.values())
    except UnknownTopicError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2)
    stale = []
    for topic in chosen:
        derivation = topic.build()
        failed = [s for s in derivation.steps if not s.verified]
        if failed:
            typer.echo(f"{topic.id}: {len(failed)} step(s) FAILED their proof", err=True)
            raise typer.Exit(1)
        records = {s.key: {"verified": True, "method": s.proof.method, "detail": s.proof.detail}
                   for s in derivation.steps}
        path = certificates.path_for(topic.id)
        fresh = certificates.render(topic.id, records)
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if check:
            if fresh != current:
                stale.append(topic.id)
            typer.echo(f"{topic.id}: {len(records)} steps proved; certificate {'up to date' if fresh == current else 'STALE'}")
        else:
            certificates.write(topic.id, records)
            typer.echo(f"{topic.id}: {len(records)} steps proved; wrote {path}")
    if stale:
        typer.echo(f"stale certificates: {', '.join(stale)}; run 'derive prove' and commit", err=True)
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("prove")(prove)
