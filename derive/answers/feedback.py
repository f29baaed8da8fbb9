r"""A verified derivation as feedback for the student: text, Markdown (KaTeX) and LaTeX (pdflatex).

Each expression of the chain is typeset back from what was read (SymPy's LaTeX of the parsed
line, so the sheet compiles whatever the student wrote), with a mark: ✓ / :math:`\checkmark`
for a step that follows, ✗ / :math:`\times` for one that does not (with the counterexample and
the named mistake beside it), ``?`` for undecided and ``!`` for an unreadable line (shown
verbatim as text). The summary says the first wrong step and the final answer's verdict apart.
The LaTeX sheet needs amsmath and amssymb only.
"""

from __future__ import annotations

import re

from derive.answers.verify import DerivationVerdict, FinalVerdict, StepVerdict

MARK_TEXT = {"equivalent": "\u2713", "not_equivalent": "\u2717", "invalid": "!", "undecided": "?"}
MARK_LATEX = {"equivalent": r"\checkmark", "not_equivalent": r"\times", "invalid": r"!", "undecided": r"?"}
LABEL = {"equivalent": "follows", "not_equivalent": "does not follow", "invalid": "cannot be read",
         "undecided": "undecided"}


def _what(step: StepVerdict) -> str:
    return "expression 1" if step.index == 1 else f"step {step.index}"


def _counterexample(step) -> str | None:
    ce = step.counterexample
    if not ce:
        return None
    point = ", ".join(f"{k} = {v}" for k, v in list(ce["point"].items())[:8])
    if getattr(step, "index", None) == 1 or isinstance(step, FinalVerdict):
        return f"at {point}: this line = {ce['answer']}, the expected result = {ce['expected']}"
    return f"at {point}: this line = {ce['answer']}, the line before = {ce['expected']}"


def _note(step) -> str:
    """What a reader needs beside a step: the rule of a correct one, the problem of a wrong one."""
    if step.verdict == "equivalent":
        return step.rule or ""
    if step.verdict == "not_equivalent":
        head = step.diagnosis.replace("_", " ") if step.diagnosis else "not equivalent"
        parts = [head]
        if getattr(step, "compared_with", None):
            parts[0] += f" (does not follow from step {step.compared_with})"
        ce = _counterexample(step)
        if ce:
            parts.append(ce)
        return "; ".join(parts)
    return step.message


# --- text ------------------------------------------------------------------------------------------


def to_text(v: DerivationVerdict) -> str:
    lines = []
    for s in v.steps:
        lines.append(f"{MARK_TEXT[s.verdict]} {s.index:>2}  line {s.line:<4} {s.text}")
        note = s.message if s.verdict != "equivalent" else s.rule
        if note:
            lines.append(f"         {note}")
    if v.final is not None:
        lines.append(f"final answer: {v.final.message}")
    lines.append(f"{v.verdict}: {v.message}")
    return "\n".join(lines)


# --- Markdown (KaTeX) ------------------------------------------------------------------------------


def _md_text(text: str) -> str:
    """Prose for Markdown: no math delimiters, no emphasis by accident (underscores, stars)."""
    text = text.replace("\\", "\\\\").replace("$", "\\$").replace("`", "'")
    return re.sub(r"([_*|<>\[\]])", r"\\\1", text)


def to_markdown(v: DerivationVerdict) -> str:
    out = ["# Feedback on the derivation", "", f"**{v.verdict.capitalize()}**: {_md_text(v.message)}."]
    if v.final is not None:
        out += ["", f"**Final answer**: {_md_text(v.final.message)}"]
    out.append("")
    for s in v.steps:
        head = f"**{MARK_TEXT[s.verdict]} {'Expression' if s.index == 1 else 'Step'} {s.index}** (line {s.line}): " \
               f"{LABEL[s.verdict]}"
        note = _note(s)
        out += [head + (f": {_md_text(note)}" if note and s.verdict == "equivalent" else ""), ""]
        if s.latex:
            out += ["$$", ("" if s.index == 1 else "= ") + s.latex, "$$", ""]
        else:
            out += ["```text", s.text.replace("\n", " ").replace("`", "'"), "```", ""]  # as written, no math
        if s.verdict != "equivalent" and note:
            out += [f"> {_md_text(note)}", ""]
    return "\n".join(out).rstrip() + "\n"


# --- LaTeX (pdflatex) ------------------------------------------------------------------------------

_TEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
                "^": r"\textasciicircum{}", "_": r"\_", "%": r"\%", "~": r"\textasciitilde{}"}
_TEX_UNICODE = {"\u03c3": r"$\sigma$", "\u03b4": r"$\delta$", "\u03a3": r"$\Sigma$", "\u2202": r"$\partial$",
                "\u2212": "-", "\u2713": r"$\checkmark$", "\u2717": r"$\times$", "\u00b7": r"$\cdot$"}


def tex_text(text: str) -> str:
    """Plain text (a message, a student's unreadable line) safe inside a pdflatex document."""
    out = []
    for ch in text:
        if ch in _TEX_SPECIAL:
            out.append(_TEX_SPECIAL[ch])
        elif ch in _TEX_UNICODE:
            out.append(_TEX_UNICODE[ch])
        elif ord(ch) < 128 and (ch.isprintable() or ch == " "):
            out.append(ch)
        elif ch in "\n\t":
            out.append(" ")
        else:
            out.append("?")
    return "".join(out)


def to_latex(v: DerivationVerdict) -> str:
    rows, notes = [], []
    for s in v.steps:
        mark = f"{MARK_LATEX[s.verdict]}\\ \\text{{{s.index}}}"
        lead = "" if s.index == 1 else "={}"
        body = s.latex if s.latex else r"\text{\texttt{%s}}" % tex_text(s.text)
        rows.append(f"  {lead}& {body} && {mark}")
        note = _note(s)
        if note:
            label = "Expression" if s.index == 1 else "Step"
            notes.append(f"  \\item[${MARK_LATEX[s.verdict]}$ {label} {s.index}] (line {s.line}) "
                         + tex_text(note))
    lines = [r"\documentclass{article}", r"\usepackage{amsmath}", r"\usepackage{amssymb}",
             r"\begin{document}", r"\section*{Feedback on the derivation}",
             rf"\textbf{{{tex_text(v.verdict.capitalize())}}}: {tex_text(v.message)}.", ""]
    if v.final is not None:
        lines += [rf"\textbf{{Final answer}}: {tex_text(v.final.message)}", ""]
    if rows:
        lines += [r"\begin{align*}", " \\\\\n".join(rows), r"\end{align*}"]
    if notes:
        lines += [r"\begin{description}", *notes, r"\end{description}"]
    lines.append(r"\end{document}")
    return "\n".join(lines) + "\n"
