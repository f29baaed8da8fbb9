"""Checking students' answers against the project's results.

Modules (each one job): :mod:`.errors` (the checker's own error type), :mod:`.limits`,
:mod:`.grammar` and :mod:`.parser` (a lark grammar, never ``eval``/``sympify``),
:mod:`.symbols` and :mod:`.tensors` (names and matrix forms), :mod:`.targets` (what to check
against), :mod:`.equivalence` (numeric + symbolic), :mod:`.diagnosis` (named mistakes),
:mod:`.checker` (one verdict), :mod:`.worker` (time limit in a killable process) and
:mod:`.grading` (a whole course, resumable). :mod:`.symbol_docs` is SymPy-free for help texts.

Derivations (``derive verify``): :mod:`.derivative_lex` (derivative notation for the grammar),
:mod:`.derivation_text` (a file into its chain, with line numbers), :mod:`.chain_points` (sample
points shared by a chain's lines), :mod:`.step_rules` (the rule of a correct step), :mod:`.verify`
(step verdicts, first error, final answer), :mod:`.verify_worker` (time limits in a killable
process), :mod:`.feedback` (text, Markdown and LaTeX sheets), :mod:`.variables` (the names of an
``--expected`` answer) and :mod:`.derivation_grading` (a course of derivations, resumable).

This package's ``__init__`` imports nothing heavy, so ``derive --help`` stays fast.
"""
