"""MBG/NBD (Batislam et al. 2007): BG/NBD where customers can also drop out at time 0."""

from __future__ import annotations

from crm_models.value.models.bgnbd import BetaGeometricModel


class MBGNBD(BetaGeometricModel):
    """MBG/NBD (Batislam et al. 2007): like BG/NBD, but customers can also drop out at time 0.

    Parameters r, alpha, a, b; likelihood of lifetimes' ``ModifiedBetaGeoFitter``.
    Hyper-parameters: see :class:`~crm_models.value.models._base.Model`.
    """

    name = "MBG/NBD"
    param_names = ("r", "alpha", "a", "b")
    time_params = ("alpha",)
    lifetimes_fitter_name = "ModifiedBetaGeoFitter"
    dropout_at_zero = True
