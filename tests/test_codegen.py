"""Code generation: the committed kernels are what `derive codegen` writes (drift check), the
header names command and digest, rewrite rules are proved, standalone modules work, and
`import numeric` never imports SymPy."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from derive.cli import app
from derive.codegen import module

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]


def test_committed_kernels_have_no_drift():
    result = runner.invoke(app, ["codegen", "--check"])
    assert result.exit_code == 0, result.output


def test_check_fails_on_a_tampered_file(tmp_path):
    target = tmp_path / "_generated.py"
    fused = tmp_path / "_generated_fused.py"
    text, fused_text = module.render(), module.render_fused()
    for path, tampered in ((target, text.replace("numpy.log1p", "numpy.log", 1)),
                           (fused, fused_text.replace("math.log1p", "math.log", 1))):
        target.write_text(text)
        fused.write_text(fused_text)
        path.write_text(tampered)
        result = runner.invoke(app, ["codegen", "--check", "--output", str(target)])
        assert result.exit_code == 1
        assert "drift" in result.output and path.name in result.output
    target.write_text(text)
    fused.write_text(fused_text)
    assert runner.invoke(app, ["codegen", "--check", "--output", str(target)]).exit_code == 0
    fused.unlink()  # a missing fused twin is drift too
    assert runner.invoke(app, ["codegen", "--check", "--output", str(target)]).exit_code == 1


def test_codegen_writes_both_modules(tmp_path):
    target = tmp_path / "kernels.py"
    assert runner.invoke(app, ["codegen", "--output", str(target)]).exit_code == 0
    assert target.read_text() == module.render()
    assert (tmp_path / "kernels_fused.py").read_text() == module.render_fused()


def _imports(path: Path) -> set[str]:
    import ast

    tree = ast.parse(path.read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add(node.module.split(".")[0])
    return names


def test_generated_modules_import_only_numpy_and_numba():
    kernels = ROOT / "numeric" / "kernels"
    assert _imports(kernels / "_generated.py") == {"importlib", "os", "numpy"}  # numba only lazily
    assert _imports(kernels / "_generated_fused.py") == {"math", "numba", "numpy"}
    fused = (kernels / "_generated_fused.py").read_text()
    assert "GENERATED FILE" in fused[:600] and module.digest(module.all_kernels()) in fused[:1500]
    assert "sympy" not in fused


def test_header_names_command_sources_and_digest():
    text = (ROOT / "numeric" / "kernels" / "_generated.py").read_text()
    head = text[:1500]
    assert "GENERATED FILE" in head and "`derive codegen`" in head
    assert module.digest(module.all_kernels()) in head
    for rid in ("sigmoid.derivative_stable", "softmax.shift_invariance", "glm.logistic.nll", "fscore.fbeta"):
        assert rid in head


def test_digest_changes_with_the_source_expressions():
    kernels = module.all_kernels()
    changed = module.all_kernels()
    changed[0].exprs = [changed[0].exprs[0] + 1]
    assert module.digest(kernels) != module.digest(changed)


def test_every_rewrite_rule_is_proved():
    from derive.codegen.rewriting import ALL_RULES, prove_rules

    methods = prove_rules()
    assert set(methods) == {r.name for r in ALL_RULES}


def test_a_wrong_rewrite_rule_is_rejected():
    import sympy as sp

    from derive.codegen.rewriting import Rule, prove_rules, u
    from derive.derivation import ProofError
    from derive.notation import sigma

    wrong = Rule("wrong", "none", lambda e: False, lambda e: e, (sigma(u) * sigma(-u), sigma(u) * (1 + sigma(u))))
    with pytest.raises(ProofError):
        prove_rules((wrong,))
    assert sp.Symbol("u", real=True) == u


def test_public_api_is_generated_and_complete():
    import numeric.kernels as k

    expected = {
        "sigmoid", "sigmoid_derivative", "log_sigmoid", "softplus", "tanh_derivative", "relu",
        "relu_derivative", "identity", "identity_derivative", "softmax", "log_softmax",
        "gaussian_nll", "gaussian_nll_grad", "bernoulli_nll", "bernoulli_nll_grad",
        "categorical_nll", "categorical_nll_grad", "poisson_nll", "poisson_nll_grad",
        "dense_backward", "fbeta_from_counts",
    }
    assert expected <= set(k.__all__)
    for name in expected:
        assert getattr(k, name).__module__ == "numeric.kernels._generated"
        assert "Generated from" in getattr(k, name).__doc__


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_standalone_softmax_module(tmp_path):
    target = tmp_path / "softmax_kernels.py"
    result = runner.invoke(app, ["codegen", "softmax", "--output", str(target)])
    assert result.exit_code == 0, result.output
    text = target.read_text()
    assert "GENERATED FILE" in text and "derive codegen softmax" in text
    assert "sympy" not in text and "numeric" not in text.split('"""', 2)[2]
    mod = _load(target, "softmax_standalone")
    import numeric.kernels as k

    z = np.random.default_rng(0).normal(0, 30, (9, 7))
    np.testing.assert_array_equal(mod.softmax(z), k.softmax(z))
    np.testing.assert_array_equal(mod.log_softmax(z, axis=0), k.log_softmax(z, axis=0))
    assert not hasattr(mod, "sigmoid")


def test_unknown_topic_for_standalone_is_an_error():
    result = runner.invoke(app, ["codegen", "no_such_topic"])
    assert result.exit_code == 2
    assert "no kernels for topic" in result.output


def test_import_numeric_never_imports_sympy():
    code = (
        "import sys, pkgutil, importlib, numeric, numeric.kernels\n"
        "import numeric.kernels._generated\n"
        "for m in pkgutil.walk_packages(numeric.__path__, 'numeric.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(m for m in sys.modules if m == 'sympy' or m.startswith('sympy.'))\n"
        "assert not bad, bad[:5]\n"
        "assert 'derive' not in sys.modules\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_a_missing_source_result_is_a_clear_error(monkeypatch):
    from derive.codegen import kernels

    def missing():
        raise LookupError("codegen needs the derivation result 'x.y', which does not exist")

    monkeypatch.setattr(kernels, "all_kernels", missing)
    monkeypatch.setattr(module, "all_kernels", missing)
    result = runner.invoke(app, ["codegen", "--check"])
    assert result.exit_code == 1
    assert "cannot generate the kernels" in result.output and "x.y" in result.output
