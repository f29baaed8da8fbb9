"""Code generation: NumPy kernels printed from the derivation results.

:mod:`~derive.codegen.rewriting` holds the (proved) rewrite rules that give each formula its
stable form, :mod:`~derive.codegen.kernels` the kernel specifications, :mod:`~derive.codegen.printer`
the NumPy printer and :mod:`~derive.codegen.module` the assembly of the generated file
(``numeric/kernels/_generated.py``, written by ``derive codegen``).
"""
