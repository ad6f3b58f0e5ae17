"""The reference implementation, plspm 0.5.7, on a ``ModelSpec`` (cross-checks and benchmarks).

plspm is a reference-only library (dev extra; 0.5.7 breaks on pandas 3): it is imported inside
:func:`fit_plspm` only, so ``import crm_models.loyalty`` and the reports never need it.

plspm is configured as standardized PLS-PM: numeric scaling for every block
(``default_scale=Scale.NUM``; without it plspm is not standardized and disagrees with every
other PLS tool) and mode A/B per the spec. Latent variables are renamed ``LV_<construct>``
because plspm refuses a construct named like one of its items (ECSI's single item CUSCO).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from crm_models.loyalty.spec import ModelSpec, _path_point_summary, resolve_spec
from crm_models.results import Result

__all__ = ["PlspmFit", "fit_plspm"]


@dataclass(frozen=True, repr=False)
class PlspmFit(Result):
    """Fit of a spec by plspm.

    ``paths`` (source, target, estimate; spec order) and plspm's own result object ``model``
    (not in ``to_dict()``; its ``inner_summary()``, ``outer_model()``, ``goodness_of_fit()``
    and bootstrap tables).
    """

    paths: pd.DataFrame
    model: Any = field(metadata={"json": False})

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Return plspm's path coefficients (no interval here; see ``model.bootstrap()``).

        Parameters
        ----------
        level : float, default 0.95
            Confidence level (checked; the intervals are NaN).

        Returns
        -------
        pandas.DataFrame
            Columns ``estimate, se, ci_low, ci_high``; one row per path ``"source → target"``.
        """
        return _path_point_summary(self.paths, level)


def fit_plspm(
    data: pd.DataFrame,
    spec: ModelSpec | dict | str | None = None,
    scheme: str = "path",
    n_boot: int = 0,
    processes: int = 2,
    tolerance: float = 1e-10,
) -> PlspmFit:
    """Fit plspm's ``Plspm`` on ``data`` with the spec's blocks, modes and paths.

    Parameters
    ----------
    data : pandas.DataFrame
        Survey answers holding every item of the spec.
    spec : ModelSpec, dict, str or None
        Model specification (default ECSI).
    scheme : {"path", "centroid", "factorial"}, default "path"
        Inner weighting scheme.
    n_boot : int, default 0
        Bootstrap resamples in plspm's own (process-parallel) bootstrap; 0 = none.
    processes : int, default 2
        Processes of plspm's bootstrap.
    tolerance : float, default 1e-10
        Convergence tolerance.

    Returns
    -------
    PlspmFit
        Path coefficients in the spec's order and plspm's result object.
    """
    try:
        import plspm.config as c
        from plspm.mode import Mode
        from plspm.plspm import Plspm
        from plspm.scale import Scale
        from plspm.scheme import Scheme
    except ImportError as error:
        raise ImportError(
            "plspm is a reference-only library of the cross-checks and benchmarks; "
            "install the dev extra "
            "(pip install 'crm-models[dev]') to use crm_models.loyalty.reference"
        ) from error

    spec = resolve_spec(spec)
    lv = {k: f"LV_{k}" for k in spec.names}
    names = [lv[k] for k in spec.names]
    path = pd.DataFrame(0, index=names, columns=names)
    for s, t in spec.paths:
        path.loc[lv[t], lv[s]] = 1
    config = c.Config(path, default_scale=Scale.NUM)
    for k in spec.names:
        config.add_lv(
            lv[k],
            Mode.A if spec.modes[k] == "A" else Mode.B,
            *[c.MV(item) for item in spec.constructs[k]],
        )
    frame = spec.check_data(data)
    kwargs = {}
    if n_boot:
        kwargs = dict(bootstrap=True, bootstrap_iterations=int(n_boot), processes=processes)
    result = Plspm(
        frame,
        config,
        {"path": Scheme.PATH, "centroid": Scheme.CENTROID, "factorial": Scheme.FACTORIAL}[scheme],
        100,
        tolerance,
        **kwargs,
    )
    coef = result.path_coefficients()
    paths = pd.DataFrame(
        [(s, t, float(coef.loc[lv[t], lv[s]])) for s, t in spec.paths],
        columns=["source", "target", "estimate"],
    )
    return PlspmFit(paths, result)
