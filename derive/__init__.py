"""derive: symbolic derivations of GLMs, softmax and MLPs, each step proved.

Importing this package is cheap: SymPy is loaded only when a derivation is built.
"""

__version__ = "0.1.0"
