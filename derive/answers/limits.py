"""Configurable bounds on untrusted answers.

Checked *before* any work that could blow up: the length of the text first, then the size and
depth of the parse tree, then the magnitude of integers and constant exponents while the SymPy
tree is built; the time per answer is enforced by killing the worker process (see
:mod:`derive.answers.worker`).
"""

from __future__ import annotations

from dataclasses import dataclass

from derive.answers.errors import LimitError


@dataclass(frozen=True)
class Limits:
    #: Characters in the answer text.
    max_length: int = 2000
    #: Nodes of the parse tree.
    max_nodes: int = 1500
    #: Nesting depth of the parse tree.
    max_depth: int = 60
    #: Largest integer literal.
    max_integer: int = 10**6
    #: Largest |numerator| / denominator of a constant exponent.
    max_exponent: int = 100
    #: Largest exact constant (in bits) built while folding numbers, e.g. 999^100.
    max_bits: int = 4096
    #: Seconds per answer (parse + check); the worker is killed on overrun -> undecided.
    timeout: float = 5.0
    #: Characters in a whole derivation file (``derive verify``).
    max_derivation_length: int = 20000
    #: Expressions in one derivation's chain.
    max_steps: int = 60
    #: Seconds for a whole derivation (each line also has ``timeout``); overrun -> the rest undecided.
    derivation_timeout: float = 60.0
    #: Extra memory (MiB) a worker may allocate beyond what it inherited; 0 for no limit.
    max_memory_mb: int = 1024

    def check_length(self, text: str) -> None:
        if len(text) > self.max_length:
            raise LimitError(
                f"answer too long: {len(text)} characters, the limit is {self.max_length}",
                hint="write the simplified formula",
            )


DEFAULT_LIMITS = Limits()
