"""The arguments of every valuation (CLV, customer equity, second lifetime value, win-back).

- the models: a fitted transaction model (BG/NBD, MBG/NBD, Pareto/NBD; BG/NBD for win-back)
  first, the Gamma-Gamma spend model second — passing them the other way round is named;
- the time unit: ``time_unit=None`` is the model's unit (``model.time_unit_``, recorded from
  the summary's ``attrs["time_unit"]`` at fit), days when nothing records one; a given unit
  that disagrees with the recorded one is refused (:func:`model_time_unit`);
- horizon, discount rate, margin rate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_models.data.summary import TIME_UNIT_ATTR
from crm_models.errors import ParameterError
from crm_models.value.models._transaction import TransactionModel
from crm_models.value.models.bgnbd import BGNBD
from crm_models.value.models.gamma_gamma import GammaGamma

__all__ = ["PERIODS_PER_MONTH", "model_time_unit"]

PERIODS_PER_MONTH = {"D": 30.0, "W": 4.345, "M": 1.0, "H": 30.0 * 24}
"""Time units per month, as in ``lifetimes.utils._customer_lifetime_value``."""


_UNIT_WORDS = {"D": "days", "W": "weeks", "M": "months", "H": "hours"}


def model_time_unit(model: object, data: object, time_unit: str | None, caller: str) -> str:
    """Return the time unit of a valuation: the model's, the data's, or the one given.

    Parameters
    ----------
    model : Model
        The fitted transaction model; its ``time_unit_`` is the unit of the summary it was
        fitted on (None when that summary did not record one).
    data : pandas.DataFrame
        The per-customer summary valued; ``data.attrs["time_unit"]`` when ``rfm_summary``
        made it.
    time_unit : {"D", "W", "M", "H"} or None
        None: the unit recorded by the model or the data (days when neither records one).
        Given: must agree with a recorded unit.
    caller : str
        Named in errors.

    Returns
    -------
    str
        ``D``, ``W``, ``M`` or ``H``; raises ``ParameterError`` naming both units and the fix
        when they disagree (a weekly model valued in days inflates CLV about 2.4-fold).
    """
    fitted = getattr(model, "time_unit_", None)
    attrs = data.attrs if isinstance(data, pd.DataFrame) else {}
    recorded = attrs.get(TIME_UNIT_ATTR)
    if fitted and recorded and fitted != recorded:
        raise ParameterError(
            f"{caller}: the model was fitted on a summary in {_UNIT_WORDS.get(fitted, fitted)} "
            f"(time_unit={fitted!r}) but data is in {_UNIT_WORDS.get(recorded, recorded)} "
            f"(time_unit={recorded!r}); value the summary the model was fitted on, or refit"
        )
    known = fitted or recorded
    if time_unit is None:
        return known or "D"
    if known and time_unit != known:
        raise ParameterError(
            f"{caller}: time_unit={time_unit!r} ({_UNIT_WORDS.get(time_unit, time_unit)}) but "
            f"the model and its summary are in {_UNIT_WORDS.get(known, known)} "
            f"(time_unit={known!r}); leave time_unit out (None uses the model's unit) or "
            f"pass time_unit={known!r}"
        )
    return time_unit


def _check_models(model: object, spend: object, caller: str, bgnbd_only: bool = False) -> None:
    """Refuse models passed in the wrong order or of the wrong kind, naming the fix."""
    wanted = BGNBD if bgnbd_only else TransactionModel
    kinds = "BGNBD" if bgnbd_only else "BGNBD, MBGNBD or ParetoNBD"
    if not isinstance(model, wanted):
        hint = (
            "; pass the spend model as `spend`"
            if isinstance(model, GammaGamma)
            else " (BG/BB values discrete periods: not supported here)"
            if type(model).__name__ == "BGBB"
            else ""
        )
        raise ParameterError(
            f"{caller}: model must be a transaction model ({kinds}), "
            f"got {type(model).__name__}{hint}"
        )
    if not isinstance(spend, GammaGamma):
        raise ParameterError(
            f"{caller}: spend must be a fitted GammaGamma spend model, got {type(spend).__name__}"
        )


def _check_clv_args(horizon_months, monthly_discount_rate, time_unit, margin_rate) -> None:
    if not (isinstance(horizon_months, (int, np.integer)) and horizon_months >= 1):
        raise ParameterError(f"horizon_months must be an integer >= 1, got {horizon_months!r}")
    rate = monthly_discount_rate
    if not (isinstance(rate, (int, float)) and 0 <= rate < 1):
        raise ParameterError(f"monthly_discount_rate must be in [0, 1), got {rate!r}")
    if time_unit not in PERIODS_PER_MONTH:
        raise ParameterError(
            f"time_unit must be one of {list(PERIODS_PER_MONTH)}, got {time_unit!r}"
        )
    if not (isinstance(margin_rate, (int, float)) and 0 < margin_rate <= 1):
        raise ParameterError(f"margin_rate must be in (0, 1], got {margin_rate!r}")
