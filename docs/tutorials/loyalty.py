# %% [markdown]
# # Quickstart: what drives loyalty (PLS path model)
#
# From a survey (one row per respondent, one column per question on a 1–10 scale) to the
# path coefficients between satisfaction, its drivers and loyalty. The survey here comes
# from the synthetic world and follows the ECSI model; your own frame needs one column per
# item named in the model specification.

# %%
import crm_models as crm

world = crm.simulate_world(n_customers=3000, seed=1)
survey = world.survey.drop(columns="customer_id")
survey.head()

# %% [markdown]
# ## The model
#
# `ModelSpec.ecsi()` is the European Customer Satisfaction Index: image, expectations,
# perceived quality and value drive satisfaction, which drives complaints and loyalty.
# A specification of your own lists the constructs with their items and the paths.

# %%
spec = crm.ModelSpec.ecsi()
spec.paths

# %% [markdown]
# ## Fit, with bootstrap intervals

# %%
model = crm.PLSPathModel(spec, n_boot=200, seed=0).fit(survey, scale=(1, 10))
model.summary()

# %% [markdown]
# Explained variance of each endogenous construct:

# %%
model.r2_
