"""Assembling the generated kernel module: header (generated, command, digest), the NumPy
building blocks of :mod:`derive.codegen.runtime`, and the kernels, as one NumPy-only file."""

from __future__ import annotations

import hashlib
import inspect
import textwrap
from pathlib import Path

import sympy as sp

from derive.codegen import runtime
from derive.codegen.kernels import KernelCode, all_kernels
from derive.codegen.sources import fingerprint

#: Where ``derive codegen`` writes the package's kernels (relative to the repository root).
GENERATED_PATH = Path("numeric") / "kernels" / "_generated.py"
DEFAULT_COMMAND = "derive codegen"


def digest(kernels: list[KernelCode]) -> str:
    """SHA-256 of the source results and of the expressions each kernel was printed from."""
    h = hashlib.sha256()
    ids = sorted({rid for k in kernels for rid in k.sources})
    for line in fingerprint(ids):
        h.update(line.encode())
        h.update(b"\n")
    for k in kernels:
        h.update(k.name.encode())
        for e in k.exprs:
            h.update(sp.srepr(e).encode())
        h.update(b"\n")
    return h.hexdigest()


def _kernel_source(k: KernelCode, dispatch: bool = False) -> str:
    sources = ", ".join(k.sources) if k.sources else "definitions stated in the docstring"
    doc = f'{k.doc}\n\n    Generated from: {sources}.\n    '
    lines = list(k.body)
    if dispatch:  # the fused twin once the backend is chosen (see _fused_backend)
        first = _params_call(k)
        lines = [f"if _FUSED or (_FUSED is None and _fused_backend({first[0]})):",
                 f"    return _FUSED.{k.name}({', '.join(first)})",
                 *lines]
    body = textwrap.indent("\n".join(lines), "    ")
    text = f'def {k.signature}:\n    r"""{doc}"""\n{body}\n'
    if k.block is not None:
        signature, block = k.block
        text = f"def {signature}:\n" + textwrap.indent("\n".join(block), "    ") + "\n\n\n" + text
    return text


def _params_call(k: KernelCode) -> list[str]:
    from derive.codegen.fused import call_arguments

    return call_arguments(k).split(", ")


def _header(kernels: list[KernelCode], command: str) -> list[str]:
    ids = sorted({rid for k in kernels for rid in k.sources})
    return [
        f"GENERATED FILE - do not edit. Written by `{command}`; `derive codegen --check` fails on drift.",
        *textwrap.wrap(f"Source derivation results: {', '.join(ids)}.", width=100),
        f"Digest of the source derivations (SHA-256): {digest(kernels)}",
    ]


def render(kernels: list[KernelCode] | None = None, *, command: str = DEFAULT_COMMAND,
           title: str = "NumPy kernels generated from the derivations of derive", fused: bool | None = None) -> str:
    """The text of a generated module holding ``kernels`` (default: all of them).

    With ``fused`` (default: for the package module, ``kernels`` not given) the kernels that have
    a fused twin dispatch to it (:func:`render_fused`'s module, ``<name>_fused``) once it is loaded.
    """
    from derive.codegen.fused import fused_kernels
    from derive.codegen.rewriting import ALL_RULES, prove_rules

    prove_rules(ALL_RULES)  # no code is printed from a rewrite rule that is not an identity
    fused = kernels is None if fused is None else fused
    kernels = all_kernels() if kernels is None else kernels
    names = [k.name for k in kernels]
    dispatched = {k.name for k in fused_kernels(kernels)} if fused else set()
    header = [
        f'"""{title}.',
        "",
        *_header(kernels, command),
        "",
        "NumPy only (never SymPy). Every kernel is vectorised; its docstring states the formula, the",
        "derived identity that makes it stable and the results it was generated from.",
    ]
    if dispatched:
        header += [
            "",
            "With numba installed (the 'fast' extra), the kernels with a fused twin in the module",
            "`<this module>_fused` run it instead once it is loaded: on the first call with at least",
            "_FUSED_MIN_SIZE elements, or at once with DERIVE_KERNELS=fused (DERIVE_KERNELS=numpy: never).",
        ]
    header += ['"""', ""]
    header += ["import importlib", "import os", ""] if dispatched else []
    header += ["import numpy", "", "__all__ = [", *[f"    {n!r}," for n in names], "]", ""]
    parts = ["\n".join(header)]
    parts.append("#: Elements per block: a kernel's intermediate arrays stay in the CPU cache, so several\n"
                 "#: NumPy passes cost about as much as one fused loop.\n"
                 f"_BLOCK = {runtime._BLOCK}")
    if dispatched:
        parts.append(runtime.FUSED_STATE)
    for fn in runtime.RUNTIME + (runtime.DISPATCH if dispatched else ()):
        parts.append(inspect.getsource(fn))
    for k in kernels:
        parts.append(_kernel_source(k, k.name in dispatched))
    return "\n\n\n".join(p.rstrip("\n") for p in parts) + "\n"


def render_fused(kernels: list[KernelCode] | None = None, *, command: str = DEFAULT_COMMAND) -> str:
    """The text of the fused (numba) twin of the package module."""
    from derive.codegen import fused

    kernels = all_kernels() if kernels is None else kernels
    return fused.render_fused(kernels, _header(kernels, command))


def fused_path(target: Path) -> Path:
    """Where the fused twin of the generated module ``target`` lives: ``<stem>_fused.py`` next to it."""
    return target.with_name(f"{target.stem}_fused{target.suffix}")


def default_path() -> Path:
    """The generated file inside the installed ``numeric`` package (found without importing it)."""
    import importlib.util

    spec = importlib.util.find_spec("numeric")
    if spec is None or not spec.submodule_search_locations:
        raise LookupError("the numeric package is not importable; run from the repository or install it")
    return Path(list(spec.submodule_search_locations)[0]) / "kernels" / "_generated.py"


def kernels_of_topic(topic: str) -> list[KernelCode]:
    chosen = [k for k in all_kernels() if k.topic == topic]
    if not chosen:
        topics = sorted({k.topic for k in all_kernels()})
        raise LookupError(f"no kernels for topic {topic!r}; topics with kernels: {', '.join(topics)}")
    return chosen
