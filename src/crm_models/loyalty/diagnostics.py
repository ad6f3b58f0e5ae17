"""Warnings a PLS fit gives about its own estimates (``EstimationWarning``).

Consistent PLS (PLSc) divides the composite correlations by ``sqrt(rho_A)``: with a weak
block (ρ_A well below 0.70) the "consistent" paths can leave the standardized range [-1, 1]
and their bootstrap intervals explode (on the ECSI mobi survey, Satisfaction → Loyalty is
0.962 [0.377, 2.577]). ``PLSPathModel.fit`` calls ``pls_checks.warn_estimation``, which warns
once per problem, naming the paths or constructs and what to do. ``summary()`` without bootstrap
draws warns that its intervals are NaN and how to get them (:func:`no_interval_message`).
"""

from __future__ import annotations

__all__ = ["EstimationWarning", "no_interval_message"]


class EstimationWarning(UserWarning):
    """A fitted path model's estimates or intervals should not be read as they are.

    Raised (as a warning) by ``PLSPathModel.fit`` when a consistent-PLS path lies outside
    [-1, 1], when a reliability used by the PLSc correction is below 0.70, or when a bootstrap
    interval of a standardized path leaves [-1, 1] by more than 0.1 or is wider than 1; and by
    ``summary()`` when there are no bootstrap draws for the intervals. Silence it with
    ``warnings.simplefilter("ignore", EstimationWarning)``.
    """


def no_interval_message(what: str = "summary()") -> str:
    """Return the sentence given when intervals are asked of a fit without bootstrap draws.

    Parameters
    ----------
    what : str, default "summary()"
        The method asked for intervals, named in the sentence.

    Returns
    -------
    str
        The hint: refit with ``n_boot=500``.
    """
    return (
        f"{what}: se, ci_low and ci_high are NaN because the model was fitted without "
        "bootstrap draws; fit with n_boot=500 (e.g. PLSPathModel(spec, n_boot=500)) for intervals"
    )
