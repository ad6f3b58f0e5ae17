"""Maximum-likelihood engine shared by the value models: quasi-Newton, then Newton polish.

The objective is a *mean* negative log-likelihood over log-parameters (lifetimes' convention,
including its L2 penalizer on the natural-scale parameters). BFGS gets close; a few Newton
steps with a finite-difference Hessian of the gradient then drive the gradient to round-off,
so that the same data in different layouts (one row per customer, or unique patterns with
counts as weights) give the same estimates to ~1e-10. Convergence is checked, never assumed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from crm_models.errors import ConvergenceError

Objective = Callable[[np.ndarray], tuple[float, np.ndarray]]

MAX_ABS_LOG_PARAM = 18.0  # |log θ| above this (θ > 6.6e7 or < 1.5e-8) means a diverging fit


@dataclass
class Optimum:
    """Where the optimizer stopped: log-parameters, objective, gradient and Hessian there."""

    x: np.ndarray
    fun: float
    grad: np.ndarray
    hessian: np.ndarray
    iterations: int


def numerical_gradient(fun: Callable[[np.ndarray], float], step: float = 1e-6) -> Objective:
    """Wrap a scalar ``fun`` into (value, central-difference gradient)."""

    def wrapped(x: np.ndarray) -> tuple[float, np.ndarray]:
        f0 = fun(x)
        grad = np.empty_like(x)
        for i in range(len(x)):
            e = np.zeros_like(x)
            e[i] = step
            grad[i] = (fun(x + e) - fun(x - e)) / (2 * step)
        return f0, grad

    return wrapped


def hessian_from_gradient(objective: Objective, x: np.ndarray, step: float = 1e-5) -> np.ndarray:
    """Symmetrized central-difference Hessian of an objective that returns its gradient."""
    k = len(x)
    h = np.empty((k, k))
    for i in range(k):
        e = np.zeros(k)
        e[i] = step
        h[i] = (objective(x + e)[1] - objective(x - e)[1]) / (2 * step)
    return (h + h.T) / 2


def minimize_log_params(
    objective: Objective,
    x0: np.ndarray,
    model: str,
    param_names: tuple[str, ...],
    *,
    gtol: float = 1e-7,
    max_iter: int = 1000,
    polish_steps: int = 8,
    hessian: Callable[[np.ndarray], np.ndarray] | None = None,
    newton_first: bool = False,
    value_grad_hess: Callable[[np.ndarray], tuple[float, np.ndarray, np.ndarray]] | None = None,
) -> Optimum:
    """Minimize ``objective`` over log-parameters; raise ``ConvergenceError`` on failure.

    Default: BFGS, then up to ``polish_steps`` Newton steps. With ``newton_first`` (for a good
    ``x0``, e.g. the fit on a subsample, and an analytic ``hessian``) Newton runs first and
    BFGS is only the fallback. Checks at the end: finite objective and gradient,
    max |gradient| <= ``gtol``, a positive definite Hessian, no parameter running off to 0 or
    infinity. ``value_grad_hess`` (optional) returns objective, gradient and Hessian from one
    evaluation: Newton then evaluates each point once instead of twice.
    """
    hess = hessian or (lambda x: hessian_from_gradient(objective, x))
    newton_objective = objective
    if value_grad_hess is not None:
        hess = _Cached(value_grad_hess)
        newton_objective = hess.objective
    x = np.asarray(x0, dtype=float)
    iterations = 0
    with np.errstate(all="ignore"):
        if newton_first:
            x, f, g, n, ok = _newton(newton_objective, hess, x, 50, gtol)
            iterations += n
        if not newton_first or not ok:
            res = optimize.minimize(
                objective,
                x,
                jac=True,
                method="BFGS",
                options={"gtol": gtol / 10, "maxiter": max_iter},
            )
            x, f, g, n, ok = _newton(newton_objective, hess, res.x, polish_steps, gtol)
            iterations += int(res.nit) + n
        h = hess(x)
    _check(model, param_names, x, f, g, h, gtol)
    return Optimum(x=x, fun=float(f), grad=g, hessian=h, iterations=iterations)


class _Cached:
    """Objective and Hessian from one ``value_grad_hess`` call, the Hessian kept for its point.

    Newton asks for the objective at a point, then (when the step is accepted) the Hessian at
    the same point: one evaluation serves both.
    """

    def __init__(
        self, value_grad_hess: Callable[[np.ndarray], tuple[float, np.ndarray, np.ndarray]]
    ) -> None:
        self.value_grad_hess = value_grad_hess
        self.point: np.ndarray | None = None
        self.h = np.empty((0, 0))

    def objective(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        f, g, h = self.value_grad_hess(x)
        self.point, self.h = np.array(x, dtype=float), h
        return f, g

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if self.point is None or not np.array_equal(self.point, x):
            self.objective(x)
        return self.h


def _newton(objective, hess, x, max_steps, gtol):
    """Damped Newton steps until the gradient is at round-off; returns (x, f, g, steps, ok)."""
    f, g = objective(x)
    steps = 0
    for _ in range(max_steps):
        if not (np.all(np.isfinite(x)) and np.isfinite(f) and np.all(np.isfinite(g))):
            break
        if np.max(np.abs(g)) < 1e-13:
            break
        try:
            step = np.linalg.solve(hess(x), g)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(step)) or float(g @ step) <= 0:  # not a descent direction
            break
        t = 1.0
        while t > 1e-4:
            x_new = x - t * step
            f_new, g_new = objective(x_new)
            if np.isfinite(f_new) and (
                f_new <= f + 1e-15 * abs(f) or np.max(np.abs(g_new)) < np.max(np.abs(g))
            ):
                break
            t /= 2
        else:
            break
        steps += 1
        moved = np.max(np.abs(x_new - x))
        x, f, g = x_new, f_new, g_new
        if moved < 1e-13:
            break
    ok = bool(np.all(np.isfinite(g)) and np.max(np.abs(g)) <= gtol)
    return x, f, g, steps, ok


def _check(model, names, x, f, g, h, gtol) -> None:
    hint = (
        "Try a small penalizer, e.g. penalizer_coef=0.001 (then 0.01), check the input "
        "summary (units of recency and T, enough repeat buyers), or use fewer customers "
        "with extreme histories."
    )
    if not (np.all(np.isfinite(x)) and np.isfinite(f) and np.all(np.isfinite(g))):
        raise ConvergenceError(
            f"{model} fit did not converge: the likelihood became non-finite. {hint}"
        )
    diverging = [n for n, v in zip(names, x, strict=True) if abs(v) > MAX_ABS_LOG_PARAM]
    if diverging:
        values = ", ".join(f"{n}={np.exp(v):.3g}" for n, v in zip(names, x, strict=True))
        raise ConvergenceError(
            f"{model} fit did not converge: parameter(s) {diverging} run off to 0 or infinity "
            f"({values}); the model is not identified on these data. {hint}"
        )
    gmax = float(np.max(np.abs(g)))
    if gmax > gtol:
        raise ConvergenceError(
            f"{model} fit did not converge: the gradient is still {gmax:.2e} (> {gtol:.0e}). {hint}"
        )
    eig = np.linalg.eigvalsh(h) if np.all(np.isfinite(h)) else np.array([np.nan])
    if not np.all(eig > 0):
        raise ConvergenceError(
            f"{model} fit did not converge to a maximum: the Hessian is not positive definite "
            f"(eigenvalues {np.array2string(eig, precision=3)}). {hint}"
        )
