"""Proof certificates: the outcome of every step's proof, recorded by ``derive prove``.

Proving a topic takes seconds (SymPy's doit/simplify and 50-digit evaluation at several points
per step); rendering it must not. ``derive prove`` runs every proof and writes
``derive/certificates/<topic>.json`` (generated, committed, never edited by hand). When a topic
is built, a step whose *key* is in its certificate file takes the recorded proof instead of
running it again. The key is a SHA-256 of everything the outcome depends on:

* the step itself (``srepr`` of the previous line and of the new line) and its prover,
* the proof context (definitions, identities, sampling domains, indices, digits, points),
* the source code of the ``derive`` package's own modules and of every topic module.

Change any of them and the key changes, so the step is proved live again. ``DERIVE_REPROVE=1``
(or ``--reprove`` on the CLI) ignores certificates altogether; ``derive prove --check`` re-proves
everything and fails when a certificate file is out of date, and the test suite runs it.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

import sympy as sp

CERT_DIR = Path(__file__).parent / "certificates"
FORMAT = 1


def reprove_requested() -> bool:
    """Whether certificates are to be ignored (environment variable ``DERIVE_REPROVE=1``)."""
    return os.environ.get("DERIVE_REPROVE", "") not in ("", "0")


@lru_cache(maxsize=None)
def source_digest() -> str:
    """Digest of the source of everything a proof can depend on.

    That is every module of the ``derive`` package itself (proof machinery, notation, provers)
    and every topic module (a topic may import another's definitions). Sub-packages (CLI,
    answers, code generation) cannot change a proof and are left out.
    """
    here = Path(__file__).parent
    files = sorted(here.glob("*.py")) + sorted((here / "topics").glob("*.py"))
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(here).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def step_key(prev: sp.Basic, expr: sp.Basic, context, prover, digest: str) -> str:
    """The certificate key of proving ``prev == expr`` with ``prover`` under ``context``."""
    name = f"{getattr(prover, '__module__', '')}.{getattr(prover, '__qualname__', repr(prover))}"
    text = "\n".join([str(FORMAT), digest, name, context.fingerprint(), sp.srepr(prev), sp.srepr(expr)])
    return hashlib.sha256(text.encode()).hexdigest()


def path_for(topic_id: str) -> Path:
    return CERT_DIR / f"{topic_id}.json"


@lru_cache(maxsize=None)
def load(topic_id: str) -> dict[str, dict]:
    """The recorded proofs of a topic, by key ({} when there is no certificate file)."""
    path = path_for(topic_id)
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        return {}
    return data["proofs"]


def render(topic_id: str, proofs: dict[str, dict]) -> str:
    """The text of a certificate file (sorted, so that regeneration is reproducible)."""
    data = {
        "generated": f"by `derive prove {topic_id}`; do not edit by hand",
        "format": FORMAT,
        "topic": topic_id,
        "proofs": {k: proofs[k] for k in sorted(proofs)},
    }
    return json.dumps(data, indent=1, sort_keys=False) + "\n"


def write(topic_id: str, proofs: dict[str, dict]) -> Path:
    path = path_for(topic_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.part")
    tmp.write_text(render(topic_id, proofs), encoding="utf-8")
    tmp.replace(path)
    load.cache_clear()
    return path
