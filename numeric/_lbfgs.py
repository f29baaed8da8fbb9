"""L-BFGS (scipy.optimize's L-BFGS-B without bounds) on a flat-parameter objective, with
scikit-learn's settings and its convergence warning.

scikit-learn's linear models call ``minimize(method="L-BFGS-B", jac=True)`` with
``gtol=tol`` (stop when $\\max_i |\\partial J/\\partial\\theta_i| \\le$ ``tol``),
``ftol = 64\\varepsilon`` (stop when the relative decrease of $J$ in one step is below it),
``maxls=50`` and ``maxiter=max_iter``; its MLPs use scipy's default ``ftol`` and ``maxfun=max_fun``.
Both warn with a ``ConvergenceWarning`` when scipy reports anything but success.
"""

from __future__ import annotations

import contextlib
import warnings

import numpy as np

from numeric._validation import ConvergenceWarning, _sklearn_compatible

#: scikit-learn's ``ftol`` for its linear models: a little above float64 resolution.
LINEAR_FTOL = 64 * np.finfo(float).eps


def minimize(fun, x0: np.ndarray, *, tol: float, max_iter: int, max_fun: int = 15000, ftol=None,
             maxls: int = 50, on_iteration=None, stacklevel: int = 3):
    """Minimise ``fun(theta) -> (J, grad)`` from ``x0`` by L-BFGS.

    Returns ``(theta, J, n_iter)``; ``n_iter`` is scipy's iteration count capped at ``max_iter``.
    ``ftol`` None is scipy's default; ``on_iteration(theta, J)`` is called after each iteration.
    Warns ``ConvergenceWarning`` (scikit-learn's class when scikit-learn is loaded) when the
    iteration or evaluation limit is hit or the line search fails.
    """
    from scipy.optimize import minimize as scipy_minimize

    options = {"maxiter": int(max_iter), "maxfun": int(max_fun), "gtol": float(tol), "maxls": maxls}
    if ftol is not None:
        options["ftol"] = float(ftol)
    callback = None
    if on_iteration is not None:
        def callback(intermediate_result):
            on_iteration(np.array(intermediate_result.x), float(intermediate_result.fun))

    with _one_blas_thread(x0.size):
        result = scipy_minimize(fun, x0, method="L-BFGS-B", jac=True, options=options, callback=callback)
    n_iter = min(int(result.nit), int(max_iter))
    if result.status != 0:
        message = result.message.decode() if isinstance(result.message, bytes) else str(result.message)
        warnings.warn(
            f"lbfgs failed to converge after {n_iter} iteration(s) (status={result.status}): {message}. "
            "Increase max_iter (or max_fun), or scale the data.",
            _sklearn_compatible(ConvergenceWarning, "sklearn.exceptions", "ConvergenceWarning"),
            stacklevel=stacklevel,
        )
    return result.x, float(result.fun), n_iter


#: Up to this many parameters the BLAS runs single-threaded during a fit (see _one_blas_thread).
SINGLE_THREAD_MAX_PARAMS = 100_000

_CONTROLLER = []


@contextlib.contextmanager
def _one_blas_thread(n_params: int):
    """BLAS limited to one thread while L-BFGS runs (with threadpoolctl, when installed).

    NumPy's and SciPy's wheels each bundle an OpenBLAS with its own thread pool; the objective's
    products run in one, L-BFGS's vector updates in the other, and the idle pool's threads
    busy-wait while the other works: on 2 cores a fit of a small model took 5-10x longer. A
    small model gains nothing from threads, so they are turned off for it.
    """
    if n_params > SINGLE_THREAD_MAX_PARAMS:
        yield
        return
    try:
        if not _CONTROLLER:
            from threadpoolctl import ThreadpoolController

            _CONTROLLER.append(ThreadpoolController())
    except ImportError:
        yield
        return
    with _CONTROLLER[0].limit(limits=1, user_api="blas"):
        yield
