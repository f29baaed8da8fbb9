"""Proof certificates: up to date with live proofs, keyed on everything a proof depends on."""

import json

from typer.testing import CliRunner

from derive import certificates
from derive.cli import app
from derive.context import ProofContext
from derive.notation import SIGMA_DEFINITION, sigma, x
from derive.proof import prove_equal


def test_certificates_match_live_proofs():
    """`derive prove --check` re-proves every topic and compares with the committed files."""
    result = CliRunner().invoke(app, ["prove", "--check"])
    assert result.exit_code == 0, result.output


def test_key_changes_with_step_context_and_prover():
    ctx = ProofContext(definitions=(SIGMA_DEFINITION,))
    base = certificates.step_key(sigma(x), 1 - sigma(-x), ctx, prove_equal, "d")
    assert base != certificates.step_key(sigma(x), 1 + sigma(-x), ctx, prove_equal, "d")
    assert base != certificates.step_key(sigma(x), 1 - sigma(-x), ctx.with_(digits=30), prove_equal, "d")
    assert base != certificates.step_key(sigma(x), 1 - sigma(-x), ctx, prove_equal, "other source")
    assert base != certificates.step_key(sigma(x), 1 - sigma(-x), ctx, lambda a, b, c: None, "d")
    assert base == certificates.step_key(sigma(x), 1 - sigma(-x), ctx, prove_equal, "d")


def test_rendering_uses_certificates_unless_reprove(monkeypatch, tmp_path):
    from derive.topics import sigmoid as sigmoid_module

    monkeypatch.setenv("DERIVE_REPROVE", "1")
    live = sigmoid_module.build.__wrapped__()
    monkeypatch.setattr(certificates, "CERT_DIR", tmp_path)
    certificates.load.cache_clear()
    records = {s.key: {"verified": True, "method": s.proof.method, "detail": "recorded"} for s in live.steps}
    certificates.write("sigmoid", records)
    monkeypatch.setenv("DERIVE_REPROVE", "0")
    cached = sigmoid_module.build.__wrapped__()
    assert all(s.proof.certified and s.proof.detail == "recorded" for s in cached.steps)
    # A certificate for other steps is not used: a tampered step is proved live (and fails).
    certificates.write("sigmoid", {"not-a-key": {"verified": True, "method": "symbolic", "detail": "forged"}})
    rebuilt = sigmoid_module.build.__wrapped__()
    assert not any(s.proof.certified for s in rebuilt.steps)
    certificates.load.cache_clear()


def test_certificate_files_are_generated_json():
    for path in certificates.CERT_DIR.glob("*.json"):
        data = json.loads(path.read_text())
        assert data["generated"].startswith("by `derive prove")
        assert all(p["verified"] for p in data["proofs"].values())
