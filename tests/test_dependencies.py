"""Every third-party module the shipped code imports is declared in pyproject.toml.

A fresh install gets exactly the declared dependencies, so an import of an undeclared package
(``click`` once, which typer stopped installing) works on a developer's machine and fails on a
user's. This test reads every ``import`` statement of the shipped packages (at any depth: lazy
imports inside functions count too) and requires each top-level module to be the standard
library, the project itself, or provided by a dependency or an extra declared in pyproject.toml.
"""

from __future__ import annotations

import ast
import importlib.metadata as metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ("derive", "numeric", "reports")


def _canonical(name: str) -> str:
    """PEP 503 normalisation: ``Scikit_Learn`` and ``scikit-learn`` are one distribution."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(requirement: str) -> str:
    return _canonical(re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement).group(0))


def declared_distributions() -> dict[str, str]:
    """Declared distribution name -> where it is declared (``dependencies`` or ``extra NAME``)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {_requirement_name(r): "dependencies" for r in project["dependencies"]}
    for extra, requirements in project.get("optional-dependencies", {}).items():
        for r in requirements:
            declared.setdefault(_requirement_name(r), f"extra {extra}")
    return declared


def imported_modules() -> dict[str, list[str]]:
    """Top-level module name -> the shipped files that import it (absolute imports only)."""
    found: dict[str, list[str]] = {}
    for package in SHIPPED:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    found.setdefault(name.split(".")[0], []).append(str(path.relative_to(ROOT)))
    return found


def providers(module: str) -> set[str]:
    """The installed distributions that provide the top-level ``module``."""
    return {_canonical(d) for d in metadata.packages_distributions().get(module, [])}


def test_the_scan_sees_the_projects_imports():
    modules = imported_modules()
    # The scan must find what the project certainly imports, or the check below proves nothing.
    assert {"sympy", "numpy", "typer", "derive", "numeric"} <= set(modules)


def test_every_third_party_import_is_declared():
    declared = declared_distributions()
    undeclared = []
    for module, files in sorted(imported_modules().items()):
        if module in sys.stdlib_module_names or module in SHIPPED or module == "__future__":
            continue
        dists = providers(module)
        if not dists & set(declared) and _canonical(module) not in declared:
            where = ", ".join(sorted(set(files))[:3])
            installed = f"installed from {sorted(dists)}" if dists else "not installed"
            undeclared.append(f"{module} ({installed}; imported in {where})")
    assert not undeclared, "imports not declared in pyproject.toml: " + "; ".join(undeclared)


def test_declared_dependencies_have_lower_bounds():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    unbounded = [r for r in requirements if ">=" not in r and "==" not in r]
    assert not unbounded, f"requirements without a lower bound: {unbounded}"
