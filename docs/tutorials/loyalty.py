# %% [markdown]
# # Quickstart: what drives loyalty (PLS path model)
#
# From a survey (one row per respondent, one column per question on a 1–10 scale) to the
# path coefficients between satisfaction, its drivers and loyalty. The survey here comes
# from the synthetic world and follows the ECSI model (items `IMAG1`…, `PERQ1`…, `CUSA1`…);
# your own frame needs one numeric column per item named in the model specification.

# %%
import warnings

import crm_models as crm
from crm_models.loyalty import EstimationWarning, plots

world = crm.simulate_world(n_customers=3000, seed=1)
survey = world.survey.drop(columns="customer_id")
survey.head()

# %% [markdown]
# ## The model, as a formula
#
# A model specification is a formula in lavaan / semopy syntax: `Y ~ A + B` for the paths,
# `X =~ item1 + item2` for a construct's items (`<~` for a formative composite), lines or
# `;` between statements. The ECSI constructs (IMAG, CUEX, PERQ, PERV, CUSA, CUSCO, CUSL) keep
# their ECSI items when you give no `=~` line, so one line is a model: satisfaction driven by
# image and perceived quality. `"ecsi"` (or `crm.ModelSpec.ecsi()`) is the whole index.

# %%
spec = """
CUSA ~ IMAG + PERQ
CUSL ~ CUSA
"""
crm.ModelSpec.ecsi()

# %% [markdown]
# ## Fit, with bootstrap intervals
#
# `n_boot` bootstrap draws give the standard errors and 95% intervals of `summary()`.

# %%
model = crm.PLSPathModel(spec, n_boot=200, seed=0).fit(survey, scale=(1, 10))
print(model)
model.summary()

# %% [markdown]
# Without `n_boot` there are no intervals: `summary()` says so with an `EstimationWarning`
# (and in `table.attrs["note"]`) instead of silent NaNs. The same warning class flags
# estimates that should not be read as they are: consistent PLS (`consistent=True`) on a
# construct whose reliability ρ_A is below 0.70, a path outside [-1, 1], or a bootstrap
# interval that leaves [-1, 1] or is wider than 1.

# %%
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", EstimationWarning)
    crm.PLSPathModel(spec).fit(survey, scale=(1, 10)).summary()
for warning in caught:
    print(f"{warning.category.__name__}: {warning.message}")

# %% [markdown]
# Explained variance of each endogenous construct, and the path diagram (every plot helper
# takes `ax=`, returns the Axes and has a default title stating the finding):

# %%
model.r2_

# %%
ax = plots.plot_paths(model)
