"""Benchmark: PLS path model with 1,000 bootstrap draws — crm_models vs plspm called naively.

For each size (250 respondents: the ECSI mobi survey when ../shared/data is present, else a
synthetic survey; and 10,000 synthetic respondents) it times

- ours: ``PLSPathModel(scheme="path", n_boot=1000).fit(survey)`` — one batched PLS run on
  1,000 resampled correlation matrices (vectorized; BLAS uses the machine's cores);
- plspm 0.5.7: ``Plspm(..., bootstrap=True, bootstrap_iterations=k, processes=2)`` — its own
  process-parallel bootstrap that refits the data frame per draw. Because that takes minutes,
  it runs 10 and k draws (default k = 100 at 250 respondents, 30 at 10,000); the marginal
  cost per draw (difference of the two runs, which cancels the fixed start-up cost) gives the
  time for 1,000 draws: t_k + (1000 − k) · per-draw (labelled as extrapolated); ``--full``
  runs all 1,000 draws instead.

It also prints the largest difference in path estimates and in bootstrap standard errors.
Usage: ``python benchmarks/bench_loyalty.py [--quick] [--full] [--draws 1000]``.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from crm_models.data.public import shared_data_file
from crm_models.data.synthetic import WorldParams, simulate_world
from crm_models.loyalty.pls import PLSPathModel
from crm_models.loyalty.reference import fit_plspm
from crm_models.loyalty.spec import ModelSpec


def survey(n: int, seed: int = 1) -> tuple[pd.DataFrame, str]:
    if n == 250:
        path = shared_data_file("mobi.csv")
        if path is not None:
            return pd.read_csv(path, index_col=0), "mobi (ECSI survey)"
    world = simulate_world(n, seed=seed, params=WorldParams(survey_share=1.0))
    return world.survey[ModelSpec.ecsi().items], "synthetic"


def run(n: int, draws: int, library_draws: int, small_draws: int = 10) -> dict:
    data, source = survey(n)
    t0 = time.perf_counter()
    ours = PLSPathModel(scheme="path", n_boot=draws, seed=1).fit(data)
    t_ours = time.perf_counter() - t0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        times = {}
        for k in sorted({max(small_draws, 10), library_draws}):  # plspm turns < 10 into 100
            t0 = time.perf_counter()
            fitted = fit_plspm(data, scheme="path", n_boot=k, processes=2)
            ref, ref_paths = fitted.model, fitted.paths
            times[k] = time.perf_counter() - t0
    lib_se = ref.bootstrap().paths()["std.error"].to_numpy()
    t_total = times[library_draws] * draws / library_draws  # linear (includes fixed costs)
    if library_draws < draws and len(times) == 2:
        small, big = sorted(times)
        per_draw = (times[big] - times[small]) / (big - small)
        if per_draw > 0:  # marginal cost per draw, fixed start-up cost counted once
            t_total = times[big] + (draws - big) * per_draw
    return {
        "respondents": len(data),
        "data": source,
        "ours_s": t_ours,
        "ours_draws": ours.boot_.n_draws,
        "plspm_s_measured": times[library_draws],
        "plspm_draws": library_draws,
        "plspm_s_for_draws": t_total,
        "speed_ratio": t_total / t_ours,
        "max_path_diff": float(
            np.abs(ours.paths_["estimate"].to_numpy() - ref_paths["estimate"].to_numpy()).max()
        ),
        "max_se_diff": float(np.abs(ours.summary()["se"].to_numpy() - lib_se).max()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="250 and 2,000 respondents, few library draws"
    )
    parser.add_argument(
        "--full", action="store_true", help="run plspm's bootstrap with all draws (slow)"
    )
    parser.add_argument("--draws", type=int, default=1000, help="bootstrap draws (default 1,000)")
    args = parser.parse_args()
    sizes = [250, 2000] if args.quick else [250, 10_000]
    rows = []
    for n in sizes:
        k = (
            args.draws
            if args.full
            else min(args.draws, (40 if args.quick else 100) if n <= 250 else 30)
        )
        print(
            f"… {n:,} respondents: ours with {args.draws} draws, plspm with {k} draws", flush=True
        )
        rows.append(run(n, args.draws, k))
    table = pd.DataFrame(rows)
    pd.set_option("display.width", 160)
    print()
    print(f"PLS path model (ECSI, path weighting) with {args.draws:,} bootstrap draws, 2 cores")
    print(table.to_string(index=False, float_format=lambda v: f"{v:,.3f}"))
    print(
        "plspm_s_for_draws: measured when --full, "
        "else t(plspm_draws) + remaining draws × marginal cost per draw."
    )
    print(
        "target: ours < 30 s at 250 respondents × 1,000 draws:",
        "met" if table.loc[table["respondents"] == 250, "ours_s"].iloc[0] < 30 else "NOT met",
    )


if __name__ == "__main__":
    main()
