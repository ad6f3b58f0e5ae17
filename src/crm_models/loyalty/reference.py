"""The reference implementation, plspm 0.5.7, called on a ``ModelSpec`` (for cross-checks and benchmarks).

plspm is configured as standardized PLS-PM: numeric scaling for every block
(``default_scale=Scale.NUM``; without it plspm is not standardized and disagrees with every
other PLS tool) and mode A/B per the spec. Latent variables are renamed ``LV_<construct>``
because plspm refuses a construct named like one of its items (ECSI's single item CUSCO).
plspm 0.5.7 needs pandas < 3.
"""

from __future__ import annotations

import pandas as pd

from crm_models.loyalty.spec import ModelSpec, resolve_spec


def fit_plspm(
    data: pd.DataFrame,
    spec: ModelSpec | dict | str | None = None,
    scheme: str = "path",
    bootstrap_draws: int = 0,
    processes: int = 2,
    tolerance: float = 1e-10,
):
    """Fit plspm's ``Plspm`` on ``data``; returns ``(plspm_result, paths_frame)``.

    ``paths_frame`` has columns source, target, estimate in the spec's path order.
    ``bootstrap_draws`` > 0 runs plspm's own (process-parallel) bootstrap.
    """
    import plspm.config as c
    from plspm.mode import Mode
    from plspm.plspm import Plspm
    from plspm.scale import Scale
    from plspm.scheme import Scheme

    spec = resolve_spec(spec)
    lv = {k: f"LV_{k}" for k in spec.names}
    names = [lv[k] for k in spec.names]
    path = pd.DataFrame(0, index=names, columns=names)
    for s, t in spec.paths:
        path.loc[lv[t], lv[s]] = 1
    config = c.Config(path, default_scale=Scale.NUM)
    for k in spec.names:
        config.add_lv(lv[k], Mode.A if spec.modes[k] == "A" else Mode.B,
                      *[c.MV(item) for item in spec.constructs[k]])
    frame = spec.check_data(data)
    kwargs = {}
    if bootstrap_draws:
        kwargs = dict(bootstrap=True, bootstrap_iterations=int(bootstrap_draws), processes=processes)
    result = Plspm(frame, config, {"path": Scheme.PATH, "centroid": Scheme.CENTROID,
                                   "factorial": Scheme.FACTORIAL}[scheme], 100, tolerance, **kwargs)
    coef = result.path_coefficients()
    paths = pd.DataFrame([(s, t, float(coef.loc[lv[t], lv[s]])) for s, t in spec.paths],
                         columns=["source", "target", "estimate"])
    return result, paths
