"""MBG/NBD (Batislam et al. 2007): BG/NBD where customers can also drop out at time 0."""

from __future__ import annotations

from crm_models.value.models.bgnbd import BetaGeometricModel


class MBGNBD(BetaGeometricModel):
    """MBG/NBD (Batislam et al. 2007): like BG/NBD, but customers can also drop out at time 0.

    Parameters r, alpha, a, b; likelihood of lifetimes' ``ModifiedBetaGeoFitter``.


    ``fit(data)`` needs one row per customer with ``frequency`` (repeat purchase periods),
    ``recency`` (first to last purchase) and ``T`` (first purchase to the end of observation),
    recency and T in the summary's time unit (``rfm_summary``: days or weeks; kept as
    ``time_unit_``); the ``*_cal`` columns of a calibration summary are read as they are.
    ``monetary_value`` is not needed.

    Parameters
    ----------
    penalizer_coef : float, default 0.0
        lifetimes' L2 penalizer on the natural-scale parameters (>= 0; try 0.001 to 0.01
        when a fit does not converge).
    gtol : float, default 1e-7
        Gradient tolerance of the optimizer.
    max_iter : int, default 1000
        Iteration cap of the optimizer.
    unique_patterns : bool, default True
        Fit on distinct patterns with counts (same estimates, faster).
    """

    name = "MBG/NBD"
    param_names = ("r", "alpha", "a", "b")
    time_params = ("alpha",)
    lifetimes_fitter_name = "ModifiedBetaGeoFitter"
    dropout_at_zero = True
