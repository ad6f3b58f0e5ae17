# %% [markdown]
# # Quickstart: customer lifetime value
#
# From your own transactions (one row per purchase) to a 12-month value per customer, in
# the lines a data scientist writes. The purchases here come from the synthetic world, put
# in the shape an export from a shop system has: a `date` column, text customer ids such
# as `"C00017"`, and an `amount` in dollars.

# %%
import matplotlib.pyplot as plt
import pandas as pd

import crm_models as crm
from crm_models.value import plots

world = crm.simulate_world(n_customers=1000, seed=1)
transactions = pd.DataFrame(
    {
        "customer_id": "C" + world.transactions["customer_id"].astype(str).str.zfill(5),
        "date": world.transactions["timestamp"].dt.strftime("%Y-%m-%d"),
        "amount": world.transactions["amount"],
    }
)
transactions.head()

# %% [markdown]
# `date`, `customer` or `revenue` are recognised as ours (`timestamp`, `customer_id`,
# `amount`) the way `crm data load` recognises them; other names are mapped with
# `column_map={"Datum": "timestamp", "Kunde": "customer_id"}`. Text dates are read as ISO
# 8601 (`date_format=` or `dayfirst=True` for others), ids stay text (`"000123"` keeps its
# zeros), and an empty or negative amount is refused with its rows
# (`allow_returns=True` accepts returns). Without an `amount` column you get purchase counts
# only, enough for the purchase models.
#
# ## One row per customer, in weeks
#
# `rfm_summary` turns purchases into frequency (repeat purchases), recency and age `T` (in
# the `time_unit` you choose: here weeks, `"W"`) and the average spend `monetary_value`.
# The frame carries its unit in `attrs` (see the [time-units guide](../guides/time-units.md)).

# %%
summary = crm.rfm_summary(transactions, observation_end="2025-12-29", time_unit="W")
print(summary.attrs)
summary.head()

# %% [markdown]
# ## Fit the purchase model and the spend model
#
# A fitted model remembers the unit of its summary (`time_unit_`) and shows its estimates
# in one line; `summary()` gives them with standard errors and 95% intervals.

# %%
purchases = crm.BGNBD().fit(summary)
spend = crm.GammaGamma().fit(summary)
print(purchases)
print(spend)
purchases.summary()

# %% [markdown]
# ## Value per customer
#
# Expected margin over the next 12 months, discounted monthly, in dollars. No `time_unit`
# here: the models know they were fitted in weeks.

# %%
clv = crm.customer_lifetime_value(purchases, spend, summary, horizon_months=12)
clv.sort_values(ascending=False).head()

# %% [markdown]
# A unit that contradicts the models is refused instead of silently inflating the value
# (treating weeks as days):

# %%
try:
    crm.customer_lifetime_value(purchases, spend, summary, horizon_months=12, time_unit="D")
except crm.ParameterError as error:
    print(f"ParameterError: {error}")

# %% [markdown]
# ## Charts
#
# Every plot helper takes `ax=` (or makes its own figure) and returns the matplotlib Axes,
# with a default title that states the finding.

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
plots.plot_clv_distribution(clv, ax=left)
plots.plot_concentration(clv, ax=right)
plt.show()

# %%
pd.Series({"customers": len(clv), "total value": clv.sum(), "mean value": clv.mean()}).round(2)
