"""``derive grad``: differentiate the user's own expression step by step, every step proved.

:mod:`.functions` (the vocabulary's notation and its definitions), :mod:`.table` (the derivative
table, one line per function, citing the proved results), :mod:`.rules` (linearity, product,
quotient, power, chain rule), :mod:`.simplify` (toward the form a person writes) and
:mod:`.gradient` (the Derivation).
"""

from derive.differentiate.gradient import GradError, grad

__all__ = ["GradError", "grad"]
