"""Inputs of the churn-retention study: transactions, customers, survey, service, subscriptions.

``load_retention_inputs("synthetic", n_customers=…, seed=…)`` simulates a CRM world and its
retention extension (:func:`crm_models.data.synthetic_retention.simulate_retention_world`):
transactions, customers (channel, consent), survey, service contacts, a subscription product
and a retention experiment, with the truth. For the user's own data, ``data_source`` is a
transactions file (only customer_id, timestamp — or ``date`` — and amount are needed; ids as
the user has them) or ``warehouse:DATASET``; ``customers_file`` adds channel and consent
(without a consent column nobody may be contacted), ``survey_file`` adds satisfaction. User
data have no subscriptions, service contacts or retention experiment: those parts of the study
say so (``RetentionInputs.notes``).

The cut-off splits the time line: features use data up to the cut-off only, and churn is no
purchase in the ``inactivity_days`` after it, so the cut-off must leave that many days of
data after it (default: ``inactivity_days`` before the last transaction).
``subscription_cohorts``, ``subscriber_frame`` and ``complaint_episodes`` turn subscriptions
into the frames the contractual and survival models read (monthly cohorts; one row per
subscriber, durations in days; one row per subscriber × complaint interval).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crm_models.errors import ParameterError

__all__ = [
    "RetentionInputs",
    "complaint_episodes",
    "load_retention_inputs",
    "subscriber_frame",
    "subscription_cohorts",
]


@dataclass(frozen=True)
class RetentionInputs:
    """What the churn-retention study reads (a frozen bundle of inputs, not an estimate).

    Attributes
    ----------
    transactions : pandas.DataFrame
        customer_id, timestamp, amount (money in the data's currency), up to
        ``observation_end``.
    cutoff : pandas.Timestamp
        Test cut-off of the early-warning model; ``cutoff + inactivity_days`` days of data follow.
    inactivity_days : int
        Churn window in days.
    observation_end : pandas.Timestamp
        Last day of data (the save list is scored here).
    label : str
        The data source in words (shown on the page).
    customers : pandas.DataFrame or None
        customer_id + channel / consent_status when known.
    survey : pandas.DataFrame or None
        customer_id + item columns (1–10).
    service : pandas.DataFrame or None
        customer_id, contact_date, kind ('question' / 'complaint').
    subscriptions : pandas.DataFrame or None
        customer_id, plan, start_date, end_date (NaT: active), monthly_fee.
    experiment : pandas.DataFrame or None
        Retention experiment: customer_id, arm ('offer' / 'control'), sent_date, retained.
    notes : tuple of str
        Sentences the page states about what the data lack (plain text).
    world, retention_world : object or None
        The synthetic worlds with their truth (``data_source="synthetic"`` only).
    """

    transactions: pd.DataFrame
    cutoff: pd.Timestamp
    inactivity_days: int
    observation_end: pd.Timestamp
    label: str
    customers: pd.DataFrame | None = None
    survey: pd.DataFrame | None = None
    service: pd.DataFrame | None = None
    subscriptions: pd.DataFrame | None = None
    experiment: pd.DataFrame | None = None
    notes: tuple[str, ...] = ()
    world: object | None = None
    retention_world: object | None = None

    @property
    def has_subscriptions(self) -> bool:
        """Whether the data hold a subscription (contractual) product."""
        return self.subscriptions is not None and len(self.subscriptions) > 0

    @property
    def has_experiment(self) -> bool:
        """Whether the data hold a retention experiment (else the offer effect is assumed)."""
        return self.experiment is not None and len(self.experiment) > 0

    @property
    def has_consent(self) -> bool:
        """Whether the customers carry a consent status (else nobody may be contacted)."""
        return _has_consent(self.customers)

    def consent_of(self, customer_id: pd.Index | np.ndarray) -> np.ndarray:
        """Consent status per customer, 'unknown' where the data have none.

        Parameters
        ----------
        customer_id : array-like
            Customer ids, shape (n,).

        Returns
        -------
        numpy.ndarray
            Object array of shape (n,): 'opt_in', 'double_opt_in', 'opt_out' or 'unknown'.
        """
        ids = pd.Index(customer_id)
        customers = self.customers
        if customers is None or not self.has_consent:
            return np.full(len(ids), "unknown", dtype=object)
        status = customers.set_index("customer_id")["consent_status"].astype(object)
        return status.reindex(ids).fillna("unknown").to_numpy(dtype=object)


def load_retention_inputs(
    data_source: str = "synthetic",
    *,
    customers_file: str = "",
    survey_file: str = "",
    n_customers: int = 20_000,
    seed: int = 1,
    cutoff: str = "",
    inactivity_days: int = 90,
) -> RetentionInputs:
    """Read (or simulate) the study's data and resolve the cut-off (see the module docstring).

    Parameters
    ----------
    data_source : str, default "synthetic"
        'synthetic', a transactions file (.csv/.parquet/.duckdb) or ``warehouse:DATASET``.
    customers_file : str, default ""
        Optional customers file (customer_id, channel, consent_status, …); empty: none (the
        synthetic world's customers for ``synthetic``).
    survey_file : str, default ""
        Optional survey file (customer_id + items 1–10); empty: none (the world's survey).
    n_customers : int, default 20000
        Customers of the synthetic world (ignored for a file).
    seed : int, default 1
        Seed of the synthetic world.
    cutoff : str, default ""
        Test cut-off, YYYY-MM-DD; empty: ``inactivity_days`` before the last transaction.
    inactivity_days : int, default 90
        Churn window in days: no purchase in this many days after a cut-off is churn.

    Returns
    -------
    RetentionInputs
        The data, the cut-off and what the data lack (``notes``).

    Raises
    ------
    ParameterError
        A file that does not exist, an unreadable or impossible cut-off, files whose customer
        ids match none of the transactions' (one line each).
    DataValidationError
        A file whose columns do not match their schema (file, column, rows, expectation).
    """
    world = retention_world = None
    customers = survey = service = subscriptions = experiment = None
    notes: list[str] = []
    if data_source == "synthetic":
        from crm_models.data.synthetic import simulate_world
        from crm_models.data.synthetic_retention import simulate_retention_world

        world = simulate_world(n_customers=n_customers, seed=seed)
        retention_world = simulate_retention_world(world, seed=seed)
        transactions = world.transactions[["customer_id", "timestamp", "amount"]]
        customers, survey = world.customers, world.survey
        service = retention_world.service_contacts
        subscriptions = retention_world.subscriptions
        experiment = retention_world.retention_campaign
        end = pd.Timestamp(world.observation_end)
        label = f"synthetic CRM world ({n_customers:,} customers, seed {seed})"
    else:
        from crm_models.data.sources import read_source

        transactions, label = read_source(data_source, "transactions", named=("synthetic",))
        transactions = transactions[["customer_id", "timestamp", "amount"]]
        if transactions.empty:
            raise ParameterError(f"data_source {data_source!r}: the transactions table is empty")
        end = pd.Timestamp(transactions["timestamp"].max())
        notes += [
            "The data have no subscriptions: the contractual retention curves and the Cox "
            "model of subscription lifetimes are not shown.",
            "The data have no retention experiment: the offer effect is an assumption, "
            "shown with its sensitivity range.",
        ]
    if customers_file:
        customers = _linked(customers_file, "customers", "customers_file", transactions)
    if survey_file:
        survey = _linked(survey_file, "survey", "survey_file", transactions)
    if not _has_consent(customers):
        notes.append(
            "The data have no consent status (customers_file with a consent_status column): "
            "nobody may be contacted, so the save list is empty."
        )
    stamps = transactions["timestamp"]
    resolved = _resolve_cutoff(cutoff, inactivity_days, stamps.min(), stamps.max())
    return RetentionInputs(
        transactions.reset_index(drop=True),
        resolved,
        int(inactivity_days),
        end,
        label,
        customers,
        survey,
        service,
        subscriptions,
        experiment,
        tuple(notes),
        world,
        retention_world,
    )


def _has_consent(customers: pd.DataFrame | None) -> bool:
    """Whether any customer has a known consent status (the loader fills in 'unknown')."""
    if customers is None or "consent_status" not in customers.columns:
        return False
    status = customers["consent_status"].astype(object)
    return bool((status.notna() & (status != "unknown")).any())


def _linked(path: str, table: str, parameter: str, transactions: pd.DataFrame) -> pd.DataFrame:
    """Read ``table`` from ``path``; refuse it when none of its ids is a transaction customer."""
    from crm_models.data.sources import read_source

    frame, _ = read_source(path, table, parameter=parameter)
    known = pd.Index(transactions["customer_id"].unique())
    if len(frame) and not frame["customer_id"].isin(known).any():
        raise ParameterError(
            f"{parameter} {path!r}: none of its {len(frame):,} customer_id values (e.g. "
            f"{frame['customer_id'].iloc[0]!r}) is a customer of the transactions (e.g. "
            f"{known[0]!r}); expected the same customer ids in both files"
        )
    return frame


def _resolve_cutoff(
    cutoff: str, inactivity_days: int, first: pd.Timestamp, last: pd.Timestamp
) -> pd.Timestamp:
    """Resolve the test cut-off: given, or ``inactivity_days`` before the last transaction."""
    window = pd.Timedelta(days=int(inactivity_days))
    latest = (last - window).normalize()
    if not cutoff:
        resolved = latest
    else:
        try:
            resolved = pd.Timestamp(cutoff)
        except ValueError:
            raise ParameterError(
                f"cutoff {cutoff!r}: expected a date YYYY-MM-DD (or empty: {inactivity_days} "
                "days before the last transaction)"
            ) from None
        if resolved > latest:
            raise ParameterError(
                f"cutoff {cutoff}: the churn labels need {inactivity_days} days of data after "
                f"the cut-off, but the data end on {last:%Y-%m-%d}; expected a cut-off on or "
                f"before {latest:%Y-%m-%d}"
            )
    if resolved - window <= first:
        raise ParameterError(
            f"cutoff {resolved:%Y-%m-%d}: the training cut-off {inactivity_days} days earlier "
            f"is not after the first transaction ({first:%Y-%m-%d}); expected at least "
            f"{2 * int(inactivity_days)} days of transactions (or a smaller inactivity_days)"
        )
    return resolved


def subscription_cohorts(
    subscriptions: pd.DataFrame, observation_end: pd.Timestamp
) -> pd.DataFrame:
    """Survivor counts of the monthly start cohorts (the input of the sBG / BdW fits).

    Parameters
    ----------
    subscriptions : pandas.DataFrame
        customer_id, start_date, end_date (NaT: still active at ``observation_end``).
    observation_end : pandas.Timestamp
        End of the observation; each cohort's last count is right-censored there.

    Returns
    -------
    pandas.DataFrame
        Columns cohort (start month, 'YYYY-MM'), period (monthly renewal periods since the
        start, 0 … the cohort's age), n_active (subscribers still active at the start of that
        period; period 0 = cohort size). A cohort's age is the whole months its latest member
        has been observed, so each last count is right-censored for every member; cohorts
        younger than one month are left out.
    """
    end = pd.Timestamp(observation_end)
    start = pd.to_datetime(subscriptions["start_date"])
    stop = pd.to_datetime(subscriptions["end_date"]).fillna(end).clip(upper=end)
    month = start.dt.to_period("M").astype(str)
    observable = _whole_months(start, pd.Series(end, index=start.index))
    age = observable.groupby(month).transform("min")  # every member observed this long
    lived = np.minimum(_whole_months(start, stop), age)
    frame = pd.DataFrame({"cohort": month, "age": age, "lived": lived})
    frame = frame[frame["age"] >= 1]
    if frame.empty:
        return pd.DataFrame({"cohort": [], "period": [], "n_active": []})
    counts = pd.crosstab(frame["cohort"], frame["lived"])
    counts = counts.reindex(columns=range(int(frame["age"].max()) + 1), fill_value=0)
    active = counts.iloc[:, ::-1].cumsum(axis=1).iloc[:, ::-1]  # lived >= period
    long = active.stack().rename("n_active").reset_index()
    long.columns = ["cohort", "period", "n_active"]
    ages = frame.groupby("cohort")["age"].max()
    long = long[long["period"] <= long["cohort"].map(ages)]
    return long.sort_values(["cohort", "period"]).reset_index(drop=True)


def _whole_months(start: pd.Series, stop: pd.Series) -> pd.Series:
    """Whole calendar months from ``start`` to ``stop`` (renewals made), element-wise."""
    months = (stop.dt.year - start.dt.year) * 12 + (stop.dt.month - start.dt.month)
    return (months - (stop.dt.day < start.dt.day).astype(int)).clip(lower=0)


def subscriber_frame(inputs: RetentionInputs) -> pd.DataFrame:
    """One row per subscriber for Kaplan–Meier and Cox (durations in days).

    Parameters
    ----------
    inputs : RetentionInputs
        The study's inputs (with subscriptions).

    Returns
    -------
    pandas.DataFrame
        customer_id, cohort ('YYYY-MM'), plan, duration (days from start to end or to the
        observation end), churned (1: ended, 0: censored), complaints (count before the end),
        and channel, consent_status, satisfaction when the data have them (the synthetic
        world's satisfaction is its standardized score, in standard deviations).
    """
    subs = inputs.subscriptions
    if subs is None:
        raise ParameterError("subscriber_frame: the data have no subscriptions")
    end = inputs.observation_end
    start = pd.to_datetime(subs["start_date"])
    stop = pd.to_datetime(subs["end_date"])
    frame = pd.DataFrame(
        {
            "customer_id": subs["customer_id"].to_numpy(),
            "cohort": start.dt.to_period("M").astype(str).to_numpy(),
            "duration": ((stop.fillna(end).clip(upper=end) - start).dt.days).to_numpy(),
            "churned": (stop.notna() & (stop <= end)).astype(int).to_numpy(),
        }
    )
    for column in ("plan", "satisfaction", "channel", "consent_status"):
        if column in subs.columns:
            frame[column] = subs[column].astype(object).to_numpy()
    frame = frame[frame["duration"] > 0]
    if inputs.customers is not None:
        extra = [
            c
            for c in ("channel", "consent_status")
            if c in inputs.customers.columns and c not in frame
        ]
        if extra:
            attrs = inputs.customers.set_index("customer_id")[extra].astype(object)
            frame = frame.join(attrs, on="customer_id")
    if "satisfaction" not in frame:
        truth = getattr(getattr(inputs.retention_world, "truth", None), "subscribers", None)
        if truth is not None and "satisfaction_z" in truth:  # the world's score, in SDs
            score = truth.set_index("customer_id")["satisfaction_z"].rename("satisfaction")
            frame = frame.join(score, on="customer_id")
    episodes = complaint_episodes(inputs, frame)
    frame["complaints"] = (
        episodes.groupby("customer_id")["complaints"].max().reindex(frame["customer_id"]).to_numpy()
    )
    return frame.reset_index(drop=True)


def complaint_episodes(inputs: RetentionInputs, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Split subscriber lifetimes at each complaint (time-varying Cox input, days).

    Parameters
    ----------
    inputs : RetentionInputs
        The study's inputs (with subscriptions; service contacts when known).
    frame : pandas.DataFrame, optional
        :func:`subscriber_frame` rows (default: built from ``inputs``).

    Returns
    -------
    pandas.DataFrame
        customer_id, start, stop (days since the subscription start), churned (1 only on a
        churned subscriber's last interval), complaints (complaints so far), and the static
        columns of ``frame`` (satisfaction, channel, consent_status when known).
    """
    if frame is None:
        frame = subscriber_frame(inputs)
    subs = inputs.subscriptions
    if subs is None:
        raise ParameterError("complaint_episodes: the data have no subscriptions")
    starts = pd.to_datetime(subs.set_index("customer_id")["start_date"])
    base = frame[["customer_id", "duration"]].assign(t=0.0)
    events = base.iloc[:0]
    service = inputs.service
    if service is not None and len(service):
        complaints = service[service["kind"] == "complaint"][["customer_id", "contact_date"]]
        complaints = complaints.merge(base[["customer_id", "duration"]], on="customer_id")
        t = (
            pd.to_datetime(complaints["contact_date"])
            - complaints["customer_id"].map(starts).to_numpy()
        ).dt.days
        events = complaints.assign(t=t.to_numpy(dtype=float))[["customer_id", "duration", "t"]]
        events = events[(events["t"] > 0) & (events["t"] < events["duration"])]
    rows = pd.concat([base, events], ignore_index=True).sort_values(
        ["customer_id", "t"], kind="stable"
    )
    group = rows.groupby("customer_id", sort=False)
    rows["complaints"] = group.cumcount()
    rows["stop"] = group["t"].shift(-1).fillna(rows["duration"])
    last = ~rows["customer_id"].duplicated(keep="last")
    churned = rows["customer_id"].map(frame.set_index("customer_id")["churned"])
    rows["churned"] = np.where(last, churned, 0).astype(int)
    rows = rows.rename(columns={"t": "start"})
    rows = rows[rows["stop"] > rows["start"]]
    static = [c for c in ("satisfaction", "channel", "consent_status") if c in frame.columns]
    out = rows[["customer_id", "start", "stop", "churned", "complaints"]]
    if static:
        out = out.join(frame.set_index("customer_id")[static], on="customer_id")
    return out.reset_index(drop=True)
