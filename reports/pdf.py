"""Compile a LaTeX document to PDF with ``latexmk`` (if present) or ``pdflatex`` (run twice, so
that the table of contents and references are resolved), in a temporary directory.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = (
    "pdflatex was not found. Install a TeX distribution with LaTeX and amsmath, e.g.\n"
    "  Debian/Ubuntu: apt-get install texlive-latex-base texlive-latex-recommended\n"
    "  Fedora:        dnf install texlive-scheme-basic texlive-amsmath\n"
    "  macOS:         brew install --cask mactex-no-gui\n"
    "  Windows:       MiKTeX (https://miktex.org)\n"
    "(pgfplots figures, used when matplotlib is absent, also need texlive-pictures.)"
)


class LatexMissingError(RuntimeError):
    """Neither latexmk nor pdflatex is installed."""

    def __str__(self) -> str:
        return INSTALL_HINT


class LatexCompileError(RuntimeError):
    """pdflatex stopped with an error; ``log`` is the full log, the message its error lines."""

    def __init__(self, message: str, log: str):
        super().__init__(message)
        self.log = log


@dataclass(frozen=True)
class Compiled:
    pdf: Path
    log: str
    tool: str


TOOLS = ("latexmk", "pdflatex")


def latex_tool(name: str | None = None) -> tuple[str, str] | None:
    """``(name, path)`` of the driver to run: ``name`` if given, else ``latexmk`` when installed,
    else ``pdflatex``; ``None`` if it is not installed (latexmk needs pdflatex too)."""
    if name is not None and name not in TOOLS:
        raise ValueError(f"unknown LaTeX tool {name!r}; choose one of {', '.join(TOOLS)}")
    if shutil.which("pdflatex") is None:
        return None
    for candidate in (name,) if name else TOOLS:
        path = shutil.which(candidate)
        if path:
            return candidate, path
    return None


# An error line of a TeX log: "! message", or "./doc.tex:12: message" under -file-line-error.
_ERROR_LINE = re.compile(r"^(?:!|\S*\.tex:\d+:) ")


def log_errors(log: str) -> list[str]:
    """The error lines of a TeX log (``! ...`` or ``FILE.tex:LINE: ...``, and the line that follows)."""
    lines = log.splitlines()
    return [" ".join(lines[n:n + 2]) for n, line in enumerate(lines) if _ERROR_LINE.match(line)]


def compile_pdf(tex: str, output: Path, *, resources: Path | None = None, timeout: float = 300,
                tool: str | None = None) -> Compiled:
    """Compile the document ``tex`` and write the PDF to ``output`` (atomically).

    ``resources`` is a directory searched for ``\\includegraphics`` files and inputs (figures
    beside a report). ``tool`` picks ``"latexmk"`` or ``"pdflatex"`` (default: latexmk when
    installed). Raises :class:`LatexMissingError` when that LaTeX is not installed and
    :class:`LatexCompileError` (with the log) when the document does not compile.
    """
    tool = latex_tool(tool)
    if tool is None:
        raise LatexMissingError()
    name, path = tool
    env = dict(os.environ)
    if resources is not None:
        # A trailing separator keeps the default search path after ours.
        env["TEXINPUTS"] = f"{Path(resources).resolve()}{os.pathsep}{env.get('TEXINPUTS', '')}"
    with tempfile.TemporaryDirectory(prefix="derive-latex-") as tmp:
        work = Path(tmp)
        (work / "doc.tex").write_text(tex, encoding="utf-8")
        base = ["-interaction=nonstopmode", "-halt-on-error", "-file-line-error"]
        if name == "latexmk":
            runs = [[path, "-pdf", "-quiet", f"-pdflatex=pdflatex {' '.join(base)} %O %S", "doc.tex"]]
        else:
            runs = [[path, *base, "doc.tex"]] * 2
        for cmd in runs:
            proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=timeout,
                                  stdin=subprocess.DEVNULL)
            log_path = work / "doc.log"
            log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else proc.stdout
            if proc.returncode != 0 or not (work / "doc.pdf").exists():
                errors = log_errors(log) or [proc.stdout[-2000:] + proc.stderr[-2000:]]
                raise LatexCompileError(f"{name} failed:\n" + "\n".join(errors[:10]), log)
        output = Path(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        part = output.with_name(output.name + ".part")
        shutil.copyfile(work / "doc.pdf", part)
        part.replace(output)
        return Compiled(output, log, name)


def undefined_macros(log: str) -> list[str]:
    """The control sequences a TeX log reports as undefined (the last macro on the ``l.N`` line)."""
    found = []
    lines = log.splitlines()
    for n, line in enumerate(lines):
        if "Undefined control sequence" in line:
            after = next((l for l in lines[n + 1:n + 4] if re.match(r"l\.\d+", l)), "")
            macros = re.findall(r"\\[A-Za-z@]+", after)
            found.append(macros[-1] if macros else after.strip())
    return found
