"""NumPy kernels generated from the derivations (``derive codegen`` writes ``_generated.py``).

The public API (names and signatures are a contract for numeric.mlp, numeric.glm and the metrics):

* activations, elementwise: ``sigmoid``, ``sigmoid_derivative`` (:math:`\\sigma(x)\\sigma(-x)`),
  ``log_sigmoid``, ``softplus``, ``tanh_derivative`` (:math:`1 - \\tanh^2`), ``relu``,
  ``relu_derivative`` (1 where x > 0, else 0), ``identity``, ``identity_derivative``;
* ``softmax(z, axis=-1)``, ``log_softmax(z, axis=-1)``;
* losses from logits per example (no mean) and their gradients with respect to the logits:
  ``gaussian_nll``/``gaussian_nll_grad`` (:math:`(\\bar y - t)^2/2`, :math:`\\bar y - t`),
  ``bernoulli_nll``/``bernoulli_nll_grad`` (:math:`\\operatorname{softplus}(\\bar y) - t\\bar y`,
  :math:`\\sigma(\\bar y) - t`), ``categorical_nll``/``categorical_nll_grad`` (z (N, K), t (N,)
  class indices; :math:`\\operatorname{logsumexp}(z) - z_t`, :math:`\\operatorname{softmax}(z) -
  \\mathbf 1_t`), ``poisson_nll``/``poisson_nll_grad`` (:math:`e^\\eta - t\\eta`, with
  :math:`\\log t!` dropped; :math:`e^\\eta - t`);
* ``dense_backward(grad_out, inputs, weights) -> (grad_weights, grad_bias, grad_inputs)``;
* ``fbeta_from_counts(tp, fp, fn, beta=1.0, zero_division=0.0)``;
* training-path variants for the SGD loop (no validation; generated from the same results):
  ``<kernel>_unchecked`` for the activations and the elementwise loss gradients,
  ``<activation>_backward_unchecked(grad, x)`` (``grad *= f'(x)`` in place),
  ``categorical_nll_grad_unchecked(z, onehot)`` (plain max-shift, overwrites ``z``),
  ``dense_backward_unchecked`` and ``dense_param_grads_unchecked`` (no input gradient),
  ``dense_weight_grads_unchecked`` (:math:`X^T G` only) and ``dense_weight_input_grads_unchecked``
  (:math:`X^T G, G W^T`): with a column of ones on the inputs :math:`X^T G` holds the bias gradient
  as its last row (the SGD loop stores each layer as :math:`[W; b^T]`).

Backends: with numba installed (the 'fast' extra, ``pip install 'derive[fast]'``) the kernels that
have a fused twin (``_generated_fused``: the sigmoid family, softmax, log-softmax and the
elementwise losses) run it, one compiled loop instead of several NumPy passes; numba is imported
on the first call with a large input, never by ``import numeric``. ``set_backend`` /
``kernel_backend`` (auto, numpy, fused), ``get_backend`` and ``fused_available`` control and
report it; the environment variable ``DERIVE_KERNELS`` sets the default.

This package never imports SymPy (nor numba, until a kernel needs it).
"""

from numeric.kernels._generated import *  # noqa: F401,F403
from numeric.kernels._generated import __all__  # noqa: F401
from numeric.kernels._backend import fused_available, get_backend, kernel_backend, set_backend  # noqa: F401
