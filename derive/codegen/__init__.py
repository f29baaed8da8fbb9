"""Code generation: NumPy kernels printed from the derivation results.

:mod:`~derive.codegen.rewriting` holds the (proved) rewrite rules that give each formula its
stable form, :mod:`~derive.codegen.kernels` the kernel specifications, :mod:`~derive.codegen.printer`
the NumPy printer (and the scalar printer of the fused backend) and :mod:`~derive.codegen.module`
the assembly of the generated file (``numeric/kernels/_generated.py``, written by ``derive
codegen``). :mod:`~derive.codegen.fused` prints the fused twin of the same kernels
(``numeric/kernels/_generated_fused.py``: numba-compiled arithmetic between NumPy's vectorised
``exp``/``log1p``), which the NumPy module loads lazily when numba is installed.
"""
