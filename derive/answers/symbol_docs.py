"""The symbols an answer may use, per result id, for ``derive check --help`` (no SymPy here).

Results not listed here still work: their symbols come from ``Result.variables`` and the
result's own expressions; ``derive check --list-symbols`` shows them for every result id.
"""

from __future__ import annotations

COMMON = ("functions: sigma(u) (also \\sigma, σ), exp(u) / e^u / e^{u}, log / ln, tanh, cosh, sinh, sqrt; "
          "products by juxtaposition (2x, y y^T), ^ or **")

ANSWER_SYMBOLS: dict[str, str] = {
    "sigmoid.derivative": "x; sigma(x), exp, e^",
    "sigmoid.symmetry": "x; sigma(x), exp, e^ (sigma(-x) itself restates the question)",
    "sigmoid.derivative_stable": "x; sigma(x), exp, e^",
    "sigmoid.tanh": "x; sigma, exp, e^",
    "sigmoid.tanh_derivative": "x; tanh, sigma, exp",
    "sigmoid.logit": "x",
    "softmax.jacobian": "y_i, y_j, delta_ij (\\delta_{ij}, δ_ij, KroneckerDelta(i, j)); or z with softmax(z)_i; "
                        "or the matrix form diag(y) - y y^T (entry i, j)",
    "softmax.jacobian_matrix": "y (vector): diag(y), y y^T, \\mathbf{y}, ^T / ^\\top",
    "softmax.shift_invariance": "y_i, z_i, c, K; sums sum_{k=1}^{K}",
    "softmax.sigmoid": "x; sigma, exp",
    "softmax.ce_gradient": "y_i, t_i (or the vectors y - t); z with softmax(z)_i",
    "softmax.log_probabilities": "z_i, Sigma_C, y_i; sums sum_{k=1}^{K} e^{z_k}",
    "softmax.reduced_logits": "z_i, z_K, y_i; sums",
    "glm.linear.gradient": "y, t, x (and w, b through their definitions)",
    "glm.logistic.gradient": "y, t, x (and w, b through their definitions); sigma",
    "glm.multiclass.gradient": "y_i, t_i, x (and w, b through their definitions); softmax",
    "glm.poisson.gradient": "y, t, x (and w, b through their definitions); exp",
}


def help_text() -> str:
    lines = ["Symbols per result id (more with --list-symbols):", ""]
    lines += [f"  {rid}: {text}" for rid, text in ANSWER_SYMBOLS.items()]
    lines += ["", COMMON]
    return "\n\n".join(lines)
