"""The training driver: epochs of minibatch SGD, loss curve, divergence detection, patience.

Early stopping follows scikit-learn: without ``early_stopping`` the training loss must improve by
``tol`` at least once in every ``n_iter_no_change + 1`` epochs; with it, the validation score, and
the parameters of the best validation epoch are restored at the end. Ctrl-C (KeyboardInterrupt)
during an epoch ends training, as in scikit-learn, with the parameters of the last finished epoch
and a :class:`TrainingInterruptedWarning`.
"""

from __future__ import annotations

import copy
import warnings
from typing import Callable, Optional

import numpy as np

from numeric._network import Activation, Head, logits, mean_loss, sgd_epoch, training_targets
from numeric._validation import ConvergenceWarning, TrainingDivergedError, TrainingInterruptedWarning


#: A loss this many times larger than at the start of training counts as divergence (SGD with a
#: too-large step grows the loss geometrically; it may take many epochs to overflow to inf).
GROWTH_LIMIT = 1e6


def _finite(params: list[np.ndarray]) -> bool:
    return all(np.isfinite(p).all() for p in params)


def _start_loss(X, T, start: list[np.ndarray], n_layers: int, act: Activation, head: Head, alpha: float) -> float:
    """The training loss at the parameters ``start`` (coefs then intercepts) of the call."""
    coefs, intercepts = start[:n_layers], start[n_layers:]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        return mean_loss(logits(X, coefs, intercepts, act), T, head, coefs, alpha)


def train(est, X, T, *, epochs: int, act: Activation, head: Head, rng: np.random.Generator,
          incremental: bool, batch_size: int, validation: Optional[tuple] = None,
          score: Optional[Callable] = None, callback: Optional[Callable] = None) -> None:
    """Run up to ``epochs`` epochs on ``(X, T)`` updating ``est.coefs_``/``est.intercepts_``.

    ``validation`` is ``(X_val, y_val)`` scored by ``score(z, y)`` for early stopping;
    ``callback(info)`` gets ``{"epoch", "loss", "train_score", "validation_score"}`` per epoch.
    Raises :class:`TrainingDivergedError` (parameters left at the last finite epoch) when the
    loss becomes NaN or infinite.
    """
    coefs, intercepts = est.coefs_, est.intercepts_
    optimizer = est._optimizer  # a schedule (plain SGD), Momentum or Adam: numeric._solvers
    update = getattr(optimizer, "update", None)
    alpha = float(est.alpha)
    dropout = float(getattr(est, "dropout", 0.0))
    stopped = False
    # The starting loss only matters once a loss exceeds GROWTH_LIMIT (the limit is at least that),
    # so it is computed then, from a copy of the starting parameters: no full forward pass per fit.
    start = [p.copy() for p in coefs + intercepts]
    start_loss = None
    T_train = training_targets(head, T, coefs[-1].shape[1])  # once per call, not per minibatch
    for _ in range(epochs):
        lr = optimizer.value
        saved = [p.copy() for p in coefs + intercepts]
        saved_optimizer = copy.deepcopy(optimizer) if update is not None else optimizer  # Adam/momentum state
        try:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
                sgd_epoch(X, T_train, coefs, intercepts, act, head, lr=lr, alpha=alpha, batch_size=batch_size,
                          rng=rng, shuffle=bool(est.shuffle), dropout=dropout, update=update)
                z = logits(X, coefs, intercepts, act, fast=True)
                loss = mean_loss(z, T, head, coefs, alpha)
        except KeyboardInterrupt:
            for p, s in zip(coefs + intercepts, saved):
                p[...] = s
            est._optimizer = saved_optimizer
            warnings.warn(f"Training interrupted by user during epoch {est.n_iter_ + 1}; the parameters of "
                          f"the last finished epoch ({est.n_iter_}) are kept.", TrainingInterruptedWarning,
                          stacklevel=3)
            stopped = True
            break
        epoch = est.n_iter_ + 1
        if loss > GROWTH_LIMIT and start_loss is None:
            start_loss = _start_loss(X, T, start, len(coefs), act, head, alpha)
        if not np.isfinite(loss) or not _finite(coefs + intercepts) or (
                loss > GROWTH_LIMIT and loss > GROWTH_LIMIT * max(abs(start_loss), 1.0)):
            for p, s in zip(coefs + intercepts, saved):
                p[...] = s
            est._optimizer = saved_optimizer
            if start_loss is None:
                start_loss = _start_loss(X, T, start, len(coefs), act, head, alpha)
            what = "NaN or inf" if not np.isfinite(loss) else f"over {GROWTH_LIMIT:g} times its starting value {start_loss:.4g}"
            raise TrainingDivergedError(
                f"training diverged at epoch {epoch}: the training loss became {loss:.4g} ({what}). "
                f"Try a smaller learning rate (learning_rate_init={lr:g}, e.g. {lr / 10:g}) or scale the "
                "features; the parameters are left at the end of the last finite epoch."
            )
        est.n_iter_ = epoch
        est.t_ = getattr(est, "t_", 0) + X.shape[0]
        est.loss_curve_.append(loss)
        est.loss_ = loss
        val_score = None
        if validation is not None:
            val_score = score(logits(validation[0], coefs, intercepts, act), validation[1])
            est.validation_scores_.append(val_score)
        if callback is not None or est.verbose:
            train_score = score(z, None) if score is not None else None
            if est.verbose:
                print(f"Iteration {epoch}, loss = {loss:.8f}")
            if callback is not None:
                callback({"epoch": epoch, "loss": loss, "train_score": train_score, "validation_score": val_score})
        if incremental:
            optimizer.epoch_end(est.t_)
            continue
        stopped = _update_patience(est, loss, val_score)
        if stopped:
            break
    if validation is not None and not incremental and getattr(est, "_best_params", None) is not None:
        for p, s in zip(coefs + intercepts, est._best_params):
            p[...] = s
        est._best_params = None
    if not incremental and not stopped and epochs > 0:
        warnings.warn(
            f"{'SGD' if est.solver == 'sgd' else 'Adam'} stopped at max_iter={epochs} epochs and the optimization "
            "hasn't converged yet.",
            ConvergenceWarning,
            stacklevel=3,
        )


def _update_patience(est, loss: float, val_score) -> bool:
    """scikit-learn's rule: count epochs without an improvement of ``tol``; stop after
    ``n_iter_no_change`` of them in a row, unless the schedule lowers the step instead
    ("adaptive"). The step is scheduled after the count, before the stop."""
    if val_score is not None:
        if val_score < est.best_validation_score_ + est.tol:
            est._no_improvement_count += 1
        else:
            est._no_improvement_count = 0
        if val_score > est.best_validation_score_:
            est.best_validation_score_ = val_score
            est._best_params = [p.copy() for p in est.coefs_ + est.intercepts_]
    else:
        if loss > est.best_loss_ - est.tol:
            est._no_improvement_count += 1
        else:
            est._no_improvement_count = 0
        if loss < est.best_loss_:
            est.best_loss_ = loss
    est._optimizer.epoch_end(est.t_)
    if est._no_improvement_count > est.n_iter_no_change:
        if est.verbose:
            what = "Validation score" if val_score is not None else "Training loss"
            print(f"{what} did not improve more than tol={est.tol} for {est.n_iter_no_change} consecutive epochs.")
        if est._optimizer.plateau(bool(est.verbose)):
            return True
        est._no_improvement_count = 0
    return False
