"""Checking students' answers against the project's results.

Modules (each one job): :mod:`.errors` (the checker's own error type), :mod:`.limits`,
:mod:`.grammar` and :mod:`.parser` (a lark grammar, never ``eval``/``sympify``),
:mod:`.symbols` and :mod:`.tensors` (names and matrix forms), :mod:`.targets` (what to check
against), :mod:`.equivalence` (numeric + symbolic), :mod:`.diagnosis` (named mistakes),
:mod:`.checker` (one verdict), :mod:`.worker` (time limit in a killable process) and
:mod:`.grading` (a whole course, resumable). :mod:`.symbol_docs` is SymPy-free for help texts.

This package's ``__init__`` imports nothing heavy, so ``derive --help`` stays fast.
"""
