# %% [markdown]
# # Quickstart: customer lifetime value
#
# From your own transactions (one row per purchase) to a 12-month value per customer, in
# the lines a data scientist writes. Here the transactions come from the synthetic world;
# any DataFrame with the columns `customer_id`, `timestamp` and `amount` works the same way.

# %%
import pandas as pd

import crm_models as crm

world = crm.simulate_world(n_customers=1000, seed=1)
transactions = world.transactions[["customer_id", "timestamp", "amount"]]
transactions.head()

# %% [markdown]
# A hand-made frame works too: `pd.DataFrame({"customer_id": [...], "timestamp": [...],
# "amount": [...]})`. Column names of your own can be mapped to ours (see
# [the data reference](../reference/data.md) and the README's "Your own data").
#
# ## One row per customer
#
# `rfm_summary` turns purchases into the frequency / recency / age (`T`) / average spend
# summary the models need. Recency and `T` are counted in the `time_unit` you choose: here
# weeks ("W"). Use the same unit for the value calculation below (see the
# [time-units guide](../guides/time-units.md)).

# %%
summary = crm.rfm_summary(
    transactions, observation_end="2025-12-29", time_unit="W"
)
summary.head()

# %% [markdown]
# ## Fit the purchase model and the spend model

# %%
purchases = crm.BGNBD().fit(summary)
spend = crm.GammaGamma().fit(summary)
purchases.summary()

# %% [markdown]
# ## Value per customer
#
# Expected margin over the next 12 months, discounted monthly, in the currency of `amount`.

# %%
clv = crm.customer_lifetime_value(
    purchases, spend, summary, horizon_months=12, time_unit="W"
)
clv.sort_values(ascending=False).head()

# %%
pd.Series(
    {"customers": len(clv), "total value": clv.sum(), "mean value": clv.mean()}
).round(2)
