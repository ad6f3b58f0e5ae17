# %% [markdown]
# # Quickstart: who to target with a campaign (uplift)
#
# From a randomized campaign (one row per customer: the arm they were given and whether they
# converted) and customer features to a targeting plan. The campaign here comes from the
# synthetic world; your own frame needs one row per customer with the arm (strings such as
# `"control"`, `"offer_a"`, or 0/1), the outcome (0/1) and numeric features.

# %%
import numpy as np
from sklearn.model_selection import cross_val_score

import crm_models as crm
from crm_models.uplift import base_estimator, customer_features

world = crm.simulate_world(n_customers=2000, seed=1)
features = customer_features(world.customers, world.transactions, observation_end="2025-12-29")
data = world.campaign.set_index("customer_id").join(features, how="inner")
data[["arm", "conversion"]].value_counts().unstack()

# %% [markdown]
# ## Fit an uplift learner
#
# Each learner takes any scikit-learn estimator. The control group is the label
# `"control"` when the data has it, else `0`; pass `control="holdout"` (or whatever yours is
# called) otherwise — see the [treatment and control guide](../guides/treatment-control.md).
# The other labels are the arms, learned from the data.

# %%
X = data[features.columns]
learner = crm.TLearner(base_estimator("logistic"))
learner.fit(X, data["conversion"], data["arm"])
print(learner)
scores = learner.predict_frame(X)  # one column uplift_<arm> per treatment arm
scores.head()

# %% [markdown]
# ## How well does it rank customers?
#
# `score()` is the Qini coefficient (0 = random ranking, higher is better; with several arms
# the mean over the arms). In-sample it flatters the model:

# %%
learner.score(X, data["conversion"], data["arm"])

# %% [markdown]
# Out of sample, with scikit-learn's model selection: pass the outcome and the arm as two
# columns of `y`. (With `sklearn.set_config(enable_metadata_routing=True)`,
# `cross_val_score(learner, X, y, params={"treatment": arm})` gives the same scores.)

# %%
y_and_arm = np.column_stack([data["conversion"], data["arm"]])
cv_scores = cross_val_score(crm.TLearner(base_estimator("logistic")), X, y_and_arm, cv=3)
cv_scores.round(3)

# %% [markdown]
# Near zero or below on 1,700 customers: most of the in-sample Qini was overfitting, a reason
# to choose learners and features by `cross_val_score` or `GridSearchCV`. A single arm's
# Qini coefficient is also available as a function, with a 0/1 indicator for that arm:

# %%
one_arm = data["arm"].isin(["control", "offer_a"])
crm.qini_coefficient(
    data.loc[one_arm, "conversion"],
    scores.loc[one_arm, "uplift_offer_a"],
    (data.loc[one_arm, "arm"] == "offer_a").astype(int),
)

# %% [markdown]
# ## Plan the next campaign
#
# Score every customer of the world and pick the best arm per customer and who is worth
# contacting. Without consent information, everyone counts as eligible and the plan says
# so (`consent_known=False`; see the [consent guide](../guides/consent.md)).

# %%
everyone = features.index
all_scores = learner.predict_frame(features.loc[everyone])
plan = crm.plan_targeting(everyone, all_scores, margin_per_outcome=40.0, cost_per_contact=1.0)
plan

# %% [markdown]
# With the customers' consent status, opted-out customers are never selected, and the plan
# counts them and the profit given up:

# %%
consent = world.customers.set_index("customer_id").loc[everyone, "consent_status"]
plan = crm.plan_targeting(
    everyone, all_scores, margin_per_outcome=40.0, cost_per_contact=1.0, consent=consent
)
print(plan)
print(f"{plan.n_opted_out} opted out; consent costs {plan.consent_cost:.0f} dollars")
plan.exclusions

# %%
plan.targets.head()
