"""Forward and backward passes of a dense network, every derivative taken from ``numeric.kernels``.

Shapes: ``X`` is ``(N, D)``; layer ``l`` has weights ``coefs[l]`` ``(M_l, O_l)`` and bias
``intercepts[l]`` ``(O_l,)``; hidden layers compute $h = f(a W + b)$, the output layer the logits
$\\bar y = a W + b$. The loss is the mean NLL over the examples plus the L2 term
$\\frac{\\alpha}{2N} \\sum_l \\lVert W_l \\rVert_F^2$ (scikit-learn's convention for ``alpha``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from numeric import kernels as K


@dataclass(frozen=True)
class Activation:
    """A hidden activation $f$ and its derivative $f'$ evaluated at the pre-activation.

    For the SGD loop on minibatches: ``fast_forward`` is the generated ``_unchecked`` variant of
    ``forward`` (same formula, no input conversion) and ``fast_backward(g, x)`` the generated
    in-place chain-rule step $g \\odot f'(x)$; they default to ``forward`` and ``g * derivative(x)``."""

    forward: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray], np.ndarray]
    fast_forward: Optional[Callable[[np.ndarray], np.ndarray]] = None
    fast_backward: Optional[Callable[[np.ndarray, np.ndarray], np.ndarray]] = None

    def backward(self) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        """``(g, x) -> g * f'(x)``, in place in ``g`` (which the caller owns)."""
        if self.fast_backward is not None:
            return self.fast_backward
        derivative = self.derivative

        def backward(g, x):
            g *= derivative(x)
            return g

        return backward


ACTIVATIONS = {
    "relu": Activation(K.relu, K.relu_derivative, K.relu_unchecked, K.relu_backward_unchecked),
    "tanh": Activation(np.tanh, K.tanh_derivative, np.tanh, K.tanh_backward_unchecked),
    "logistic": Activation(K.sigmoid, K.sigmoid_derivative, K.sigmoid_unchecked, K.logistic_backward_unchecked),
    "identity": Activation(K.identity, K.identity_derivative, K.identity_unchecked),
}


def _float_targets(T: np.ndarray, n_out: int) -> np.ndarray:
    return np.ascontiguousarray(T, dtype=np.float64)


def _one_hot(T: np.ndarray, n_out: int) -> np.ndarray:
    """Class indices ``(N,)`` (already checked to lie in ``0..n_out-1``) as indicators ``(N, n_out)``."""
    out = np.zeros((T.shape[0], n_out))
    out[np.arange(T.shape[0]), T] = 1.0
    return out


@dataclass(frozen=True)
class Head:
    """An output layer: the per-example NLL of the logits, its gradient w.r.t. the logits
    (``(N, K)``, no $1/N$) and the output activation (the mean of the distribution).

    For training, ``encode(T, K)`` turns the checked targets into the form ``train_grad`` takes
    (once per fit), and ``train_grad(z, T_enc)`` is the generated ``_unchecked`` gradient (it may
    overwrite ``z``). Defaults: the targets as they are and ``nll_grad``."""

    name: str
    nll: Callable[[np.ndarray, np.ndarray], np.ndarray]
    nll_grad: Callable[[np.ndarray, np.ndarray], np.ndarray]
    output: Callable[[np.ndarray], np.ndarray]
    train_grad: Optional[Callable[[np.ndarray, np.ndarray], np.ndarray]] = None
    encode: Optional[Callable[[np.ndarray, int], np.ndarray]] = None


HEADS = {
    # categorical / softmax: targets are class indices (N,); trained on their one-hot encoding
    "softmax": Head("softmax", K.categorical_nll, K.categorical_nll_grad, K.softmax,
                    K.categorical_nll_grad_unchecked, _one_hot),
    # Bernoulli / sigmoid: one logit, targets (N, 1) in {0, 1}
    "logistic": Head("logistic", K.bernoulli_nll, K.bernoulli_nll_grad, K.sigmoid,
                     K.bernoulli_nll_grad_unchecked, _float_targets),
    # Normal / identity (MSE): targets (N, K)
    "identity": Head("identity", K.gaussian_nll, K.gaussian_nll_grad, K.identity,
                     K.gaussian_nll_grad_unchecked, _float_targets),
    # Poisson / exp: targets (N, K) counts
    "exp": Head("exp", K.poisson_nll, K.poisson_nll_grad, np.exp, K.poisson_nll_grad_unchecked, _float_targets),
}


def training_targets(head: Head, T: np.ndarray, n_out: int) -> np.ndarray:
    """The targets ``T`` (checked) in the encoding of ``head.train_grad``; once per fit."""
    return T if head.encode is None else head.encode(T, n_out)


#: Elements of the largest per-block array in the epoch-end loss: 128 KiB, glibc's default
#: threshold below which allocations come from the heap instead of fresh pages.
ROW_BLOCK_ELEMENTS = 16384


def logits(X: np.ndarray, coefs: list[np.ndarray], intercepts: list[np.ndarray], act: Activation,
           fast: bool = False) -> np.ndarray:
    """The output-layer logits $\\bar y$ ``(N, K)`` (no dropout: inference). ``fast`` (training,
    ``X`` a checked float64 array) uses the activation's ``_unchecked`` variant, a block of rows at
    a time: the hidden activations of the whole training set every epoch would be large arrays,
    which the C allocator maps and unmaps each time (page faults cost more than the arithmetic)."""
    if fast:
        rows = max(1, ROW_BLOCK_ELEMENTS // max(W.shape[1] for W in coefs))
        if X.shape[0] > rows:
            out = np.empty((X.shape[0], coefs[-1].shape[1]))
            for start in range(0, X.shape[0], rows):
                out[start:start + rows] = logits(X[start:start + rows], coefs, intercepts, act, fast=True)
            return out
    f = (act.fast_forward or act.forward) if fast else act.forward
    a = X
    last = len(coefs) - 1
    for l, (W, b) in enumerate(zip(coefs, intercepts)):
        z = a @ W
        z += b
        a = z if l == last else f(z)
    return a


def mean_loss(z: np.ndarray, T: np.ndarray, head: Head, coefs: list[np.ndarray], alpha: float) -> float:
    """Mean per-example NLL (summed over output columns) plus $\\frac{\\alpha}{2N}\\sum\\lVert W\\rVert^2$."""
    n = z.shape[0]
    loss = float(head.nll(z, T).sum()) / n
    if alpha:
        loss += alpha / (2.0 * n) * sum(float(np.vdot(W, W)) for W in coefs)
    return loss


def loss_and_gradients(X, T, coefs, intercepts, act: Activation, head: Head, alpha: float, masks=None):
    """``(loss, coef_grads, intercept_grads)`` of :func:`mean_loss` by backpropagation.

    ``masks`` (optional, one per hidden layer) are dropout masks already scaled by $1/(1-p)$.
    """
    n = X.shape[0]
    inputs, pre = [X], []
    a = X
    last = len(coefs) - 1
    for l, (W, b) in enumerate(zip(coefs, intercepts)):
        z = a @ W
        z += b
        if l == last:
            break
        pre.append(z)
        a = act.forward(z)
        if masks is not None:
            a = a * masks[l]
        inputs.append(a)
    loss = mean_loss(z, T, head, coefs, alpha)
    g = head.nll_grad(z, T) * (1.0 / n)
    coef_grads = [None] * len(coefs)
    intercept_grads = [None] * len(coefs)
    for l in range(last, -1, -1):
        gW, gb, gin = K.dense_backward(g, inputs[l], coefs[l])
        if alpha:
            gW = gW + (alpha / n) * coefs[l]
        coef_grads[l], intercept_grads[l] = gW, gb
        if l:
            g = gin * act.derivative(pre[l - 1])
            if masks is not None:
                g *= masks[l - 1]
    return loss, coef_grads, intercept_grads


def _stepper(coefs, intercepts, act: Activation, head: Head, scale: float):
    """``steps(xb, tb, step, kept)``: the SGD steps ``[(lr grad_W, lr grad_b), ...]`` (output
    layer first) of one minibatch ``(xb, tb)``. ``step`` is lr / (minibatch size), folded into the
    output gradient (backprop is linear in it), so every gradient below is already the step;
    ``kept`` (dropout) are boolean masks of the kept hidden units, one per hidden layer, scaled by
    ``scale`` = 1/(1 - p). Everything the hot loop needs is bound here once per epoch."""
    last = len(coefs) - 1
    hidden = list(zip(coefs[:last], intercepts[:last]))
    out_W, out_b = coefs[last], intercepts[last]
    below = [(coefs[l], l) for l in range(last, 0, -1)]  # layers whose inputs are activations
    f = act.fast_forward or act.forward
    fprime_times = act.backward()
    nll_grad = head.train_grad or head.nll_grad
    dense_backward, param_grads = K.dense_backward_unchecked, K.dense_param_grads_unchecked

    def steps(xb, tb, step, kept):
        inputs = [xb]
        pre = []
        a = xb
        for W, b in hidden:
            z = a @ W
            z += b
            pre.append(z)
            a = f(z)
            if kept is not None:
                a = a * (kept[len(pre) - 1] * scale)
            inputs.append(a)
        z = a @ out_W
        z += out_b
        g = nll_grad(z, tb)
        g *= step
        out = []
        for W, l in below:
            step_W, step_b, g = dense_backward(g, inputs[l], W)
            g = fprime_times(g, pre[l - 1])
            if kept is not None:
                g *= kept[l - 1]
                g *= scale
            out.append((step_W, step_b))
        out.append(param_grads(g, xb))
        return out

    return steps


def _fused_stepper(layers: list[np.ndarray], act: Activation, head: Head, scale: float, rows: int):
    r"""Like :func:`_stepper` for layers stored as $[W; b^T]$ ``(M + 1, O)`` and inputs carrying a
    column of ones ``(nb, M + 1)`` (at most ``rows`` rows): the forward product
    $[A\ 1][W; b^T] = AW + 1b^T$ and the gradient $[A\ 1]^T G = [A^T G; G^T 1]$
    (``dense_weight_grads_unchecked``, ``dense_weight_input_grads_unchecked``) are one BLAS call
    each instead of two NumPy passes each. The hidden activations are copied into buffers with
    the ones column, the products written into buffers (all allocated once per epoch). ``steps(xb, tb, step, kept)`` returns the steps of
    the stacked $[W; b^T]$, output layer first."""
    last = len(layers) - 1
    buffers = []
    for Wb in layers[:last]:
        buf = np.empty((rows, Wb.shape[1] + 1))
        buf[:, -1] = 1.0
        buffers.append((Wb, np.empty((rows, Wb.shape[1])), buf, Wb.shape[1]))
    out_Wb = layers[last]
    out_z = np.empty((rows, out_Wb.shape[1]))
    dot = np.dot  # with out=: no allocation per product (the pre-activations live for one step)
    below = [(layers[l][:-1], l) for l in range(last, 0, -1)]  # weights without the bias row
    f = act.fast_forward or act.forward
    fprime_times = act.backward()
    nll_grad = head.train_grad or head.nll_grad
    weight_input_grads, weight_grads = K.dense_weight_input_grads_unchecked, K.dense_weight_grads_unchecked

    def steps(xb, tb, step, kept):
        nb = xb.shape[0]
        inputs = [xb]
        pre = []
        a = xb
        for Wb, zbuf, buf, width in buffers:
            z = dot(a, Wb, out=zbuf[:nb])
            pre.append(z)
            h = f(z)
            if kept is not None:
                h = h * (kept[len(pre) - 1] * scale)
            a = buf[:nb]
            a[:, :width] = h
            inputs.append(a)
        g = nll_grad(dot(a, out_Wb, out=out_z[:nb]), tb)
        g *= step
        out = []
        for W, l in below:
            step_Wb, g = weight_input_grads(g, inputs[l], W)
            g = fprime_times(g, pre[l - 1])
            if kept is not None:
                g *= kept[l - 1]
                g *= scale
            out.append(step_Wb)
        out.append(weight_grads(g, xb))
        return out

    return steps


#: Layers are stored as $[W; b^T]$ with a column of ones on their inputs (see :func:`_fused_stepper`)
#: when the data have at most this many columns: the ones column costs a copy of the data per
#: epoch (the shuffle copies them anyway).
FUSED_BIAS_MAX_INPUTS = 4096


def sgd_epoch(X, T, coefs, intercepts, act: Activation, head: Head, *, lr: float, alpha: float,
              batch_size: int, rng: np.random.Generator, shuffle: bool, dropout: float, update=None) -> None:
    """One epoch of minibatch SGD, updating ``coefs``/``intercepts`` in place.

    ``update(params, grads)`` (optional: Adam, momentum) replaces the plain step: it gets the
    parameter arrays and the gradients of the minibatch loss (mean NLL plus
    $\\frac{\\alpha}{2 n_b}\\lVert W\\rVert^2$), output layer first, and updates the parameters in
    place (``lr`` is then unused).

    ``T`` are the targets in training encoding (:func:`training_targets`, checked once per fit).
    The same computation as :func:`loss_and_gradients` per minibatch (without the loss) on the
    generated ``_unchecked`` kernels (no per-batch validation), everything looked up once before
    the loop, in-place updates $W \\leftarrow W - \\eta \\nabla_W$. The first layer's input
    gradient is not formed (its inputs are data). Each layer's bias is folded into its weights as
    one more row, its inputs getting a column of ones (:func:`_fused_stepper`; the same math,
    rounded differently only in the order of sums). A minibatch larger than a block of
    ``ROW_BLOCK_ELEMENTS`` per array is processed in row blocks whose gradients are summed (the
    same step; large temporaries would cost page faults on every allocation).
    """
    n, d = X.shape
    perm = rng.permutation(n) if shuffle else None
    fused = d <= FUSED_BIAS_MAX_INPUTS and hasattr(K, "dense_weight_input_grads_unchecked")
    if fused:
        Xs = np.empty((n, d + 1))
        if perm is None:
            Xs[:, :d] = X
        else:
            np.take(X, perm, axis=0, out=Xs[:, :d])
        Xs[:, d] = 1.0
        X = Xs
    elif perm is not None:
        X = X[perm]
    if perm is not None:
        T = T[perm]
    last = len(coefs) - 1
    keep = 1.0 - dropout
    scale = 1.0 / keep
    random = rng.random
    rows = max(1, ROW_BLOCK_ELEMENTS // max(W.shape[1] for W in coefs))
    widths = [W.shape[1] for W in coefs[:last]]  # hidden layers
    if fused:
        layers = [np.concatenate([W, b[None, :]]) for W, b in zip(coefs, intercepts)]
        steps_of = _fused_stepper(layers, act, head, scale, min(rows, batch_size))
        # (the stacked [W; b] to step, its weight rows for the L2 factor), output layer first
        params = [(layers[l], layers[l][:-1]) for l in range(last, -1, -1)]
    else:
        steps_of = _stepper(coefs, intercepts, act, head, scale)
        params = [(coefs[l], intercepts[l]) for l in range(last, -1, -1)]
    for start in range(0, n, batch_size):
        xb = X[start:start + batch_size]
        tb = T[start:start + batch_size]
        nb = xb.shape[0]
        step = lr / nb if update is None else 1.0 / nb  # with update: the steps are the gradients
        # dropout masks for the whole minibatch, layer by layer (row blocks do not change the draws)
        kept = [random((nb, w)) < keep for w in widths] if dropout else None
        if nb <= rows:
            steps = steps_of(xb, tb, step, kept)
        else:
            block = None if kept is None else [m[:rows] for m in kept]
            steps = steps_of(xb[:rows], tb[:rows], step, block)
            for c in range(rows, nb, rows):
                block = None if kept is None else [m[c:c + rows] for m in kept]
                part = steps_of(xb[c:c + rows], tb[c:c + rows], step, block)
                for s, p in zip(steps, part):
                    if fused:
                        s += p
                    else:
                        (sW, sb), (pW, pb) = s, p
                        sW += pW
                        sb += pb
        if update is not None:
            _apply_update(update, params, steps, fused, alpha / nb)
        elif fused:
            for (Wb, W), step_Wb in zip(params, steps):
                if alpha:  # L2 on the weights only: W <- W (1 - lr alpha / nb) - lr grad
                    W *= 1.0 - step * alpha
                Wb -= step_Wb
        else:
            for (W, b), (step_W, step_b) in zip(params, steps):
                if alpha:  # L2: W <- W (1 - lr alpha / nb) - lr grad
                    W *= 1.0 - step * alpha
                W -= step_W
                b -= step_b
    if fused:
        for W, b, Wb in zip(coefs, intercepts, layers):
            W[...] = Wb[:-1]
            b[...] = Wb[-1]


def _apply_update(update, params, grads, fused: bool, penalty: float) -> None:
    """Add the L2 gradient ``penalty`` W to the weight gradients and hand parameters and
    gradients (output layer first) to ``update``."""
    if fused:
        for (Wb, W), g in zip(params, grads):
            if penalty:
                g[:-1] += penalty * W
        update([Wb for Wb, _ in params], grads)
        return
    flat_params, flat_grads = [], []
    for (W, b), (gW, gb) in zip(params, grads):
        if penalty:
            gW += penalty * W
        flat_params += [W, b]
        flat_grads += [gW, gb]
    update(flat_params, flat_grads)
