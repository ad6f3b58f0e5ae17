# %% [markdown]
# # Quickstart: what customers want and will pay for (conjoint, Kano)
#
# Two surveys, two frames. A choice-based conjoint (one row per alternative shown: which
# respondent, which task, the attribute levels, the price and whether it was chosen) gives
# part-worths and willingness to pay. A Kano survey (one row per respondent and feature: the
# functional and dysfunctional answers on 1–5) classifies features.

# %% [markdown]
# ## Conjoint
#
# Here the answers are simulated from known part-worths; your own answers frame has the same
# columns as `answers` below.

# %%
import pandas as pd

import crm_models as crm
from crm_models.customization import design_choice_experiment, plots, simulate_answers

attributes = {
    "rate": ["rate_standard", "rate_low"],
    "fee": ["fee_annual", "fee_none"],
    "rewards": ["rewards_none", "rewards_cashback"],
}
prices = [5.0, 10.0, 15.0]
design = design_choice_experiment(attributes, prices, n_respondents=200, seed=1)
true_part_worths = {"rate_low": 0.6, "fee_none": 0.8, "rewards_cashback": 0.7}
answers = simulate_answers(design, true_part_worths, price_coef=-0.08, seed=2)
answers.head()

# %% [markdown]
# Fit the logit model. The model shows its size and headline estimates in one line; its
# result (`conjoint.result_`) gives the willingness to pay per module in dollars, with
# intervals.

# %%
conjoint = crm.ConjointModel(engine="newton").fit(answers)
print(conjoint)
conjoint.result_.wtp().summary()

# %% [markdown]
# Every chart in `crm_models.customization.plots` takes the fitted result or object (no
# table call first), an optional `ax=` and `title=`, and returns the matplotlib Axes:

# %%
ax = plots.plot_wtp(conjoint.result_)

# %% [markdown]
# ## Kano
#
# A hand-made answers frame: four respondents, two features.

# %%
kano_answers = pd.DataFrame(
    {
        "respondent_id": [1, 1, 2, 2, 3, 3, 4, 4],
        "feature": ["wifi", "app"] * 4,
        "functional": [3, 1, 3, 1, 3, 3, 1, 1],
        "dysfunctional": [5, 3, 5, 3, 5, 3, 5, 3],
    }
)
kano = crm.KanoSurvey().fit(kano_answers)
print(kano)
kano.table()

# %%
ax = plots.plot_kano(kano)
