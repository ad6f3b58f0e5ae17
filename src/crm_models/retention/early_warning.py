"""Early warning for non-contractual customers: a calibrated churn model against BTYD P(alive).

- :class:`EarlyWarningModel`: imputer + scaler + logistic regression (or a histogram gradient
  boosting classifier, ``model="gbm"``) in a scikit-learn pipeline, text columns (channel,
  consent_status) one-hot encoded, wrapped in ``CalibratedClassifierCV`` (isotonic or sigmoid,
  3 stratified shuffled folds seeded by ``random_state``). ``predict_proba`` is P(leave).
- :func:`p_alive_baseline`: 1 − P(alive) at the cut-off from a BG/NBD fitted on the
  ``rfm_summary`` of the purchases up to the cut-off (the segment-value study's score).
- :func:`early_warning_study`: the honest time split. Training features are computed at
  ``train_cutoff = cutoff − inactivity_days`` and labelled by purchases in
  (train_cutoff, cutoff]; test features at ``cutoff``, labelled by purchases in
  (cutoff, cutoff + inactivity_days]. The model never sees a purchase after ``cutoff`` while
  it is fitted; the test labels need data up to ``cutoff + inactivity_days``.
  ``better`` is the score with the higher test AUC, or ``"tie"`` when the paired-bootstrap
  interval of the AUC difference covers 0.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from crm_models.data.transaction_input import validated_transactions
from crm_models.errors import DataValidationError, ParameterError, format_rows
from crm_models.results import Result, check_fitted, check_level, estimate_table
from crm_models.retention.features import churn_features, churn_labels, cutoff_day
from crm_models.retention.ranking import auc_delong, auc_difference, ranking_metrics

__all__ = [
    "EarlyWarningModel",
    "EarlyWarningResult",
    "calibration_table",
    "early_warning_study",
    "p_alive_baseline",
]

_MODELS = ("logistic", "gbm")
_CALIBRATIONS = ("isotonic", "sigmoid")


def _is_text(column: pd.Series) -> bool:
    """Whether a feature column is categorical text (one-hot encoded) rather than a number."""
    return not pd.api.types.is_numeric_dtype(column) or isinstance(
        column.dtype, pd.CategoricalDtype
    )


class EarlyWarningModel:
    """Calibrated probability that a customer leaves, from the features of ``churn_features``.

    Parameters
    ----------
    model : {"logistic", "gbm"}, default "logistic"
        Logistic regression (L2, C = 1) or ``HistGradientBoostingClassifier``.
    calibration : {"isotonic", "sigmoid"}, default "isotonic"
        Calibration method of ``CalibratedClassifierCV`` (cv = 3 stratified folds).
    random_state : int, default 0
        Seed of the folds and of the gradient boosting.
    """

    def __init__(
        self, model: str = "logistic", calibration: str = "isotonic", random_state: int = 0
    ) -> None:
        self.model = model
        self.calibration = calibration
        self.random_state = random_state

    def _check_params(self) -> None:
        if self.model not in _MODELS:
            raise ParameterError(f"model must be one of {_MODELS}, got {self.model!r}")
        if self.calibration not in _CALIBRATIONS:
            raise ParameterError(
                f"calibration must be one of {_CALIBRATIONS}, got {self.calibration!r}"
            )
        if not isinstance(self.random_state, (int, np.integer)) or self.random_state < 0:
            raise ParameterError(
                f"random_state must be an integer >= 0, got {self.random_state!r}"
            )

    def _pipeline(self, X: pd.DataFrame):
        from sklearn.compose import ColumnTransformer
        from sklearn.ensemble import HistGradientBoostingClassifier
        from sklearn.impute import SimpleImputer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline, make_pipeline
        from sklearn.preprocessing import OneHotEncoder, StandardScaler

        text = [c for c in X.columns if _is_text(X[c])]
        numbers = [c for c in X.columns if c not in text]
        parts = [("numbers", make_pipeline(SimpleImputer(), StandardScaler()), numbers)]
        if text:
            encode = make_pipeline(
                SimpleImputer(strategy="constant", fill_value="missing"),
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
            )
            parts.append(("text", encode, text))
        if self.model == "logistic":
            classifier = LogisticRegression(max_iter=2000)
        else:
            classifier = HistGradientBoostingClassifier(random_state=int(self.random_state))
        return Pipeline([("features", ColumnTransformer(parts)), ("classifier", classifier)])

    def _frame(self, X, caller: str) -> pd.DataFrame:
        if not isinstance(X, pd.DataFrame):
            raise DataValidationError(
                f"EarlyWarningModel.{caller}: X must be a DataFrame of features "
                f"(churn_features), got {type(X).__name__}"
            )
        frame = X.copy()
        for column in frame.columns:
            if _is_text(frame[column]):
                frame[column] = frame[column].astype("object").where(frame[column].notna(), None)
        return frame

    def fit(self, X: pd.DataFrame, y) -> EarlyWarningModel:
        """Fit the calibrated classifier.

        Parameters
        ----------
        X : pandas.DataFrame, shape (n_customers, n_features)
            Features (``churn_features``); NaN is imputed (mean), text columns one-hot encoded.
        y : array-like of {0, 1}, shape (n_customers,)
            1 = left (``churn_labels``), aligned on ``X``'s rows (a Series is aligned by index).

        Returns
        -------
        EarlyWarningModel
            ``self`` with ``calibrated_`` (the fitted ``CalibratedClassifierCV``) and
            ``feature_names_`` (the columns of ``X``).
        """
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.model_selection import StratifiedKFold

        self._check_params()
        frame = self._frame(X, "fit")
        if isinstance(y, pd.Series):
            target = y.reindex(frame.index)
        else:
            target = pd.Series(np.asarray(y), index=frame.index)
        bad = ~target.isin([0, 1]).to_numpy()
        if len(target) != len(frame) or bad.any():
            raise DataValidationError(
                f"EarlyWarningModel.fit: y must be 0/1 for every row of X; rows "
                f"{format_rows(np.flatnonzero(bad))} are not"
            )
        counts = target.astype("int64").value_counts()
        if len(counts) < 2 or counts.min() < 3:
            raise DataValidationError(
                "EarlyWarningModel.fit: y needs at least 3 leavers and 3 stayers "
                f"(3 calibration folds), got {counts.to_dict()}"
            )
        folds = StratifiedKFold(3, shuffle=True, random_state=int(self.random_state))
        calibrated = CalibratedClassifierCV(
            self._pipeline(frame), method=self.calibration, cv=folds
        )
        calibrated.fit(frame, target.to_numpy(dtype="int64"))
        self.calibrated_ = calibrated
        self.feature_names_ = list(frame.columns)
        return self

    def predict_proba(self, X: pd.DataFrame) -> pd.Series:
        """Return the calibrated probability of leaving per customer.

        Parameters
        ----------
        X : pandas.DataFrame, shape (n_customers, n_features)
            The columns seen by ``fit``.

        Returns
        -------
        pandas.Series
            P(leave) in [0, 1], named ``p_leave``, indexed like ``X``.
        """
        check_fitted(self, "calibrated_")
        missing = [c for c in self.feature_names_ if c not in X.columns]
        if missing:
            raise DataValidationError(
                f"EarlyWarningModel.predict_proba: X lacks the fitted column(s) {missing}"
            )
        frame = self._frame(X[self.feature_names_], "predict_proba")
        p = self.calibrated_.predict_proba(frame)[:, 1]
        return pd.Series(p, index=X.index, name="p_leave")

    def __repr__(self) -> str:
        return (
            f"EarlyWarningModel(model={self.model!r}, calibration={self.calibration!r}, "
            f"random_state={self.random_state!r})"
        )


def p_alive_baseline(transactions: pd.DataFrame, cutoff, *, time_unit: str = "D") -> pd.Series:
    """Return 1 − P(alive) at the cut-off from a BG/NBD fitted on the purchases up to it.

    Parameters
    ----------
    transactions : pandas.DataFrame
        customer_id, timestamp, optionally amount (negative = return; returns are dropped).
    cutoff : date-like
        The cut-off day (included): the summary's observation end.
    time_unit : {"D", "W"}, default "D"
        Unit of the BG/NBD summary (days or weeks).

    Returns
    -------
    pandas.Series
        P(leave) = 1 − P(alive) in [0, 1], named ``p_alive_leave``, indexed by customer_id
        (customers with a purchase on or before the cut-off, sorted).
    """
    from crm_models.data.summary import rfm_summary
    from crm_models.value.models import BGNBD

    cut = cutoff_day(cutoff, "p_alive_baseline")
    clean = validated_transactions(transactions, "p_alive_baseline", allow_returns=True)
    keep = clean["timestamp"] < cut + pd.Timedelta(days=1)
    if "amount" in clean.columns:
        keep &= clean["amount"] >= 0
    if not keep.any():
        raise ParameterError(
            f"p_alive_baseline: no purchase on or before the cut-off {cut:%Y-%m-%d}"
        )
    summary = rfm_summary(clean[keep], observation_end=cut, time_unit=time_unit)
    p_alive = BGNBD().fit(summary).p_alive(summary)
    return pd.Series(1.0 - p_alive, index=summary.index, name="p_alive_leave")


def calibration_table(y_true, p, n_bins: int = 10) -> pd.DataFrame:
    """Return predicted against observed leaving in bins of equal size (by predicted order).

    Parameters
    ----------
    y_true : array-like of {0, 1}, shape (n,)
        1 = left.
    p : array-like of float, shape (n,)
        Predicted P(leave).
    n_bins : int, default 10
        Bins (fewer when there are fewer customers).

    Returns
    -------
    pandas.DataFrame
        ``bin`` (1 = lowest predictions), ``n``, ``mean_predicted``, ``observed`` (share
        that left) and ``se`` (binomial standard error of ``observed`` at ``mean_predicted``).
    """
    y = np.asarray(y_true, dtype="float64")
    pred = np.asarray(p, dtype="float64")
    order = np.argsort(pred, kind="stable")
    bins = np.empty(len(pred), dtype="int64")
    bins[order] = np.arange(len(pred)) * min(n_bins, len(pred)) // len(pred) + 1
    frame = pd.DataFrame({"bin": bins, "p": pred, "y": y})
    table = frame.groupby("bin").agg(n=("y", "size"), mean_predicted=("p", "mean"), observed=("y", "mean"))
    table["se"] = np.sqrt(table["mean_predicted"] * (1 - table["mean_predicted"]) / table["n"])
    return table.reset_index()


@dataclasses.dataclass(frozen=True)
class EarlyWarningResult(Result):
    """The early-warning model against P(alive) on a time-split hold-out.

    Attributes
    ----------
    scores : pandas.DataFrame
        Test customers: customer_id, p_leave (model), p_alive_leave (1 − P(alive)), churned.
    metrics : pandas.DataFrame
        ``ranking_metrics`` of both scores on the test set.
    better : str
        ``"early warning"``, ``"P(alive)"`` or ``"tie"`` (AUC difference interval covers 0).
    calibration : pandas.DataFrame
        ``calibration_table`` of the model on the test set.
    auc_difference, auc_difference_ci_low, auc_difference_ci_high : float
        AUC(model) − AUC(P(alive)) with its paired-bootstrap 95% interval.
    train_cutoff, cutoff : pandas.Timestamp
        The two cut-off days; ``inactivity_days`` the window (days).
    n_train, n_test : int
        Customers in each set; ``churn_rate_train`` / ``churn_rate_test`` their leaver shares.
    model : EarlyWarningModel
        The fitted model (not in ``to_dict``); ``difference_draws`` the bootstrap draws.
    """

    scores: pd.DataFrame
    metrics: pd.DataFrame
    better: str
    calibration: pd.DataFrame
    auc_difference: float
    auc_difference_ci_low: float
    auc_difference_ci_high: float
    train_cutoff: pd.Timestamp
    cutoff: pd.Timestamp
    inactivity_days: int
    n_train: int
    n_test: int
    churn_rate_train: float
    churn_rate_test: float
    model: EarlyWarningModel = dataclasses.field(metadata={"json": False}, repr=False)
    difference_draws: np.ndarray = dataclasses.field(metadata={"json": False}, repr=False)

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Test AUCs of both scores (DeLong intervals) and their difference (bootstrap).

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of the intervals.

        Returns
        -------
        pandas.DataFrame
            Rows ``auc_early_warning``, ``auc_p_alive``, ``auc_difference``; columns
            estimate, se, ci_low, ci_high (AUC in [0, 1]).
        """
        level = check_level(level)
        y = self.scores["churned"].to_numpy()
        rows = [auc_delong(y, self.scores[c].to_numpy(), level) for c in ("p_leave", "p_alive_leave")]
        tail = (1 - level) / 2
        low, high = np.quantile(self.difference_draws, [tail, 1 - tail])
        se = float(np.std(self.difference_draws, ddof=1))
        return estimate_table(
            [rows[0][0], rows[1][0], self.auc_difference],
            [rows[0][1], rows[1][1], se],
            [rows[0][2], rows[1][2], low],
            [rows[0][3], rows[1][3], high],
            level=level,
            index=["auc_early_warning", "auc_p_alive", "auc_difference"],
        )


def early_warning_study(
    transactions: pd.DataFrame,
    cutoff,
    inactivity_days: int,
    *,
    customers: pd.DataFrame | None = None,
    survey: pd.DataFrame | None = None,
    service: pd.DataFrame | None = None,
    model: str = "logistic",
    seed: int = 0,
) -> EarlyWarningResult:
    """Fit the early-warning model before the cut-off and compare it with P(alive) after it.

    Parameters
    ----------
    transactions : pandas.DataFrame
        customer_id, timestamp, optionally amount (validated as ``rfm_summary`` validates).
    cutoff : date-like
        The test cut-off day; the data must reach ``cutoff + inactivity_days``.
    inactivity_days : int
        Churn window in days (> 0); also the gap between the training and test cut-offs.
    customers, survey, service : pandas.DataFrame, optional
        Extra feature sources (see ``churn_features``).
    model : {"logistic", "gbm"}, default "logistic"
        The classifier of :class:`EarlyWarningModel`.
    seed : int, default 0
        Seed of the calibration folds and of the paired bootstrap (1000 resamples).

    Returns
    -------
    EarlyWarningResult
        Scores, ranking metrics, calibration table and the verdict (module docstring).
    """
    cut = cutoff_day(cutoff, "early_warning_study")
    test_y = churn_labels(transactions, cut, inactivity_days)  # checks the window and the data
    train_cut = cut - pd.Timedelta(days=int(inactivity_days))
    extra = {"customers": customers, "survey": survey, "service": service}
    train_y = churn_labels(transactions, train_cut, inactivity_days)
    train_X = churn_features(transactions, train_cut, **extra)
    test_X = churn_features(transactions, cut, **extra)
    fitted = EarlyWarningModel(model=model, random_state=seed).fit(train_X, train_y)
    p_leave = fitted.predict_proba(test_X)
    baseline = p_alive_baseline(transactions, cut).reindex(test_X.index)
    scores = pd.DataFrame(
        {
            "customer_id": test_X.index.to_numpy(),
            "p_leave": p_leave.to_numpy(),
            "p_alive_leave": baseline.to_numpy(),
            "churned": test_y.reindex(test_X.index).to_numpy(dtype="int64"),
        }
    )
    y = scores["churned"].to_numpy()
    named = {"early warning": scores["p_leave"], "P(alive)": scores["p_alive_leave"]}
    metrics = ranking_metrics(y, named)
    diff, low, high, draws = auc_difference(y, scores["p_leave"], scores["p_alive_leave"], seed=seed)
    better = "tie" if low <= 0 <= high else ("early warning" if diff > 0 else "P(alive)")
    return EarlyWarningResult(
        scores=scores,
        metrics=metrics,
        better=better,
        calibration=calibration_table(y, scores["p_leave"]),
        auc_difference=diff,
        auc_difference_ci_low=low,
        auc_difference_ci_high=high,
        train_cutoff=train_cut,
        cutoff=cut,
        inactivity_days=int(inactivity_days),
        n_train=len(train_X),
        n_test=len(test_X),
        churn_rate_train=float(train_y.mean()),
        churn_rate_test=float(y.mean()),
        model=fitted,
        difference_draws=draws,
    )
