"""Parameter initialisation as in the lecture: $W \\sim U[-1/\\sqrt{M}, 1/\\sqrt{M}]$ for a layer
with $M$ inputs, biases zero (random weights so that hidden units differ)."""

from __future__ import annotations

import numpy as np


def uniform_init(rng: np.random.Generator, layer_sizes: list[int]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Weights ``(M, O)`` uniform in $[-1/\\sqrt{M}, 1/\\sqrt{M}]$ and zero biases ``(O,)`` for
    consecutive sizes ``[D, H_1, ..., K]``."""
    coefs, intercepts = [], []
    for m, o in zip(layer_sizes[:-1], layer_sizes[1:]):
        bound = 1.0 / np.sqrt(m)
        coefs.append(rng.uniform(-bound, bound, size=(m, o)))
        intercepts.append(np.zeros(o))
    return coefs, intercepts
