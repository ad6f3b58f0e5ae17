# %% [markdown]
# # Quickstart: who to target with a campaign (uplift)
#
# From a randomized campaign (one row per customer: the arm they were given and whether they
# converted) and customer features to a targeting plan. The campaign here comes from the
# synthetic world; your own frame needs one row per customer with the arm (strings such as
# `"control"`, `"offer_a"`), the outcome (0/1) and numeric features.

# %%
import crm_models as crm
from crm_models.uplift import base_estimator, customer_features

world = crm.simulate_world(n_customers=2000, seed=1)
features = customer_features(
    world.customers, world.transactions, observation_end="2025-12-29"
)
data = world.campaign.set_index("customer_id").join(features, how="inner")
data[["arm", "conversion"]].value_counts().unstack()

# %% [markdown]
# ## Fit an uplift learner
#
# Each learner takes any scikit-learn estimator. Name the control arm explicitly (see the
# [treatment and control guide](../guides/treatment-control.md)); the other arms are
# learned from the data.

# %%
X = data[features.columns]
learner = crm.TLearner(base_estimator("logistic"), control="control")
learner.fit(X, data["conversion"], data["arm"])
scores = learner.predict_frame(X)  # one column uplift_<arm> per treatment arm
scores.head()

# %% [markdown]
# ## How well does it rank customers?
#
# The Qini coefficient of the predicted uplift of one arm against that arm's customers and
# the control group (in-sample here; use a hold-out in practice).

# %%
one_arm = data["arm"].isin(["control", "offer_a"])
crm.qini_coefficient(
    data.loc[one_arm, "conversion"],
    scores.loc[one_arm, "uplift_offer_a"],
    (data.loc[one_arm, "arm"] == "offer_a").astype(int),
)

# %% [markdown]
# ## Plan the campaign
#
# The best arm per customer and who is worth contacting, honouring opt-outs (see the
# [consent guide](../guides/consent.md)).

# %%
consent = world.customers.set_index("customer_id").loc[data.index, "consent_status"]
plan = crm.plan_targeting(
    data.index, scores, margin_per_outcome=40.0, cost_per_contact=1.0, consent=consent
)
plan

# %%
plan.targets.head()
