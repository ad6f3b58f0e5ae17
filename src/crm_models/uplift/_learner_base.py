"""Shared machinery of the uplift learners: input checks, arm bookkeeping, ``score``, repr.

Private module: the public learners live in :mod:`crm_models.uplift.learners`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, is_classifier
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline

from crm_models.errors import DataValidationError, ParameterError
from crm_models.results import check_fitted
from crm_models.uplift.metrics import qini_coefficient


def _split_target(y, treatment) -> tuple[Any, Any]:
    """``(y, treatment)``; with ``treatment=None``, ``y`` holds both as two columns."""
    if treatment is not None:
        return y, treatment
    if isinstance(y, pd.DataFrame) and y.shape[1] == 2:
        return y.iloc[:, 0].to_numpy(), y.iloc[:, 1].to_numpy()
    arr = np.asarray(y, dtype=object)
    if arr.ndim == 2 and arr.shape[1] == 2:
        return arr[:, 0].astype(float), arr[:, 1]
    raise ParameterError(
        "treatment is missing: pass fit(X, y, treatment), or y as two columns "
        "[outcome, treatment] (e.g. np.column_stack([y, treatment]), the form that "
        "cross_val_score / GridSearchCV can split)"
    )


def _n_rows(X) -> int:
    return X.shape[0] if hasattr(X, "shape") else len(X)


def _take(X, mask: np.ndarray):
    if isinstance(X, (pd.DataFrame, pd.Series)):
        return X.iloc[np.flatnonzero(mask)] if mask.dtype == bool else X.iloc[mask]
    return X[mask]


def _with_column(X, value: np.ndarray | float, name: str = "_treatment"):
    n = _n_rows(X)
    col = np.broadcast_to(np.asarray(value, dtype=float), (n,))
    if isinstance(X, pd.DataFrame):
        out = X.copy()
        out[name] = col
        return out
    return np.column_stack([np.asarray(X), col])


def _outcome(estimator, X) -> np.ndarray:
    if is_classifier(estimator):
        proba = estimator.predict_proba(X)
        classes = list(estimator.classes_)
        return proba[:, classes.index(1)]
    return np.asarray(estimator.predict(X), dtype=float)


def _fit_weighted(model, X, y, weight):
    """Fit with sample weights; a Pipeline routes them to its final step."""
    if isinstance(model, Pipeline):
        return model.fit(X, y, **{f"{model.steps[-1][0]}__sample_weight": weight})
    return model.fit(X, y, sample_weight=weight)


class _UpliftBase(BaseEstimator):
    """Shared input checks, arm bookkeeping and prediction shapes."""

    # With ``sklearn.set_config(enable_metadata_routing=True)`` the treatment is routed to
    # fit and score without set_*_request calls.
    __metadata_request__fit = {"treatment": True}
    __metadata_request__score = {"treatment": True}

    def _check_fit_inputs(self, X, y, treatment) -> tuple[np.ndarray, np.ndarray]:
        if self.estimator is None or not hasattr(self.estimator, "fit"):
            raise ParameterError(
                f"estimator must be a scikit-learn estimator with fit(), got {self.estimator!r}"
            )
        y, treatment = _split_target(y, treatment)
        y = np.asarray(y, dtype=float)
        t = np.asarray(treatment)
        n = _n_rows(X)
        if y.ndim != 1 or t.ndim != 1 or len(y) != n or len(t) != n:
            raise DataValidationError(
                f"X has {n} rows, y {y.shape}, treatment {t.shape}: they must be aligned 1-D"
            )
        if not np.isfinite(y).all():
            raise DataValidationError(f"y has {int((~np.isfinite(y)).sum())} missing values")
        if pd.isna(t).any():
            raise DataValidationError(f"treatment has {int(pd.isna(t).sum())} missing labels")
        labels = pd.unique(t)
        control = self.control
        if control is None:
            control = "control" if "control" in set(labels) else 0
        if control not in set(labels):
            raise DataValidationError(
                f"control label {control!r} not found in treatment; labels present: "
                f"{sorted(map(str, labels))}; pass control=<the control group's label>"
            )
        arms = sorted((a for a in labels if a != control), key=str)
        if not arms:
            raise DataValidationError("treatment holds only the control label: nothing to compare")
        binary_y = bool(np.isin(y, (0.0, 1.0)).all())
        if is_classifier(self.estimator) and not binary_y:
            raise ParameterError(
                "a classifier needs a binary 0/1 outcome; use a regressor for continuous "
                "outcomes such as spend"
            )
        for a in [control, *arms]:
            group = y[t == a]
            if len(group) < 2:
                raise DataValidationError(f"arm {a!r} has {len(group)} rows; need at least 2")
            if is_classifier(self.estimator) and len(np.unique(group)) < 2:
                raise DataValidationError(
                    f"outcome is constant ({group[0]:g}) in arm {a!r}: a classifier cannot be "
                    "fitted there"
                )
        self.control_ = control
        self.n_fit_ = int(n)
        self.arms_ = np.array(arms, dtype=object)
        self.n_features_in_ = X.shape[1] if hasattr(X, "shape") and len(X.shape) > 1 else 1
        if isinstance(X, pd.DataFrame):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        return y, t

    def _shape(self, per_arm: list[np.ndarray]) -> np.ndarray:
        if len(per_arm) == 1:
            return per_arm[0]
        return np.column_stack(per_arm)

    def predict(self, X) -> np.ndarray:
        """Predicted uplift per customer: (n,) for one arm, (n, n_arms) for several."""
        check_fitted(self, "arms_")
        return self._shape([self._predict_arm(X, i) for i in range(len(self.arms_))])

    def predict_frame(self, X) -> pd.DataFrame:
        """Predicted uplift as a DataFrame with one column ``uplift_<arm>`` per arm."""
        pred = np.asarray(self.predict(X)).reshape(_n_rows(X), -1)
        index = X.index if isinstance(X, pd.DataFrame) else None
        return pd.DataFrame(pred, columns=[f"uplift_{a}" for a in self.arms_], index=index)

    def predict_best_arm(self, X, threshold: float = 0.0) -> np.ndarray:
        """Arm label with the largest predicted uplift; the control label if none > threshold."""
        pred = np.asarray(self.predict(X)).reshape(_n_rows(X), -1)
        best = pred.argmax(axis=1)
        labels = self.arms_[best].astype(object)
        labels[pred.max(axis=1) <= threshold] = self.control_
        return labels

    def score(self, X, y, treatment=None) -> float:
        """Qini coefficient of the predicted uplift on ``(X, y, treatment)``; higher is better.

        Used by scikit-learn's model selection (``cross_val_score``, ``GridSearchCV``): pass
        ``y`` as two columns ``[outcome, treatment]`` (``np.column_stack([y, treatment])``),
        or enable metadata routing and pass ``params={"treatment": t}``.

        Parameters
        ----------
        X : array-like or pandas.DataFrame
            (n, p) features of the evaluation rows.
        y : array-like
            (n,) outcome, or (n, 2) ``[outcome, treatment]`` when ``treatment`` is None.
        treatment : array-like, optional
            (n,) arm labels with the control label seen in ``fit``.

        Returns
        -------
        float
            Qini coefficient (0 = random ranking, 1 = oracle, < 0 worse than random); with
            several arms the mean over arms, each on its arm's and the control rows.
        """
        check_fitted(self, "arms_")
        y, treatment = _split_target(y, treatment)
        y = np.asarray(y, dtype=float)
        t = np.asarray(treatment, dtype=object)
        if len(y) != _n_rows(X) or len(t) != len(y):
            raise DataValidationError(
                f"X has {_n_rows(X)} rows, y {len(y)}, treatment {len(t)}: they must be aligned"
            )
        pred = np.asarray(self.predict(X), dtype=float).reshape(len(y), -1)
        control = t == self.control_
        scores = []
        for i, arm in enumerate(self.arms_):
            rows = control | (t == arm)
            if not (t == arm).any() or not control.any():
                continue
            scores.append(qini_coefficient(y[rows], pred[rows, i], (t[rows] == arm).astype(int)))
        if not scores:
            raise DataValidationError(
                f"score needs control ({self.control_!r}) and arm rows; labels present: "
                f"{sorted(map(str, pd.unique(t)))}"
            )
        return float(np.mean(scores))

    def __repr__(self, N_CHAR_MAX: int = 700) -> str:
        text = super().__repr__(N_CHAR_MAX)
        if not hasattr(self, "arms_"):
            return text
        arms = ", ".join(map(str, self.arms_))
        return f"{text} fitted on n={self.n_fit_:,}, control={self.control_!r}, arms=[{arms}]"


def base_estimator(name: str, outcome: str = "binary", random_state: int = 0) -> BaseEstimator:
    """Return a sensible base model by name.

    Parameters
    ----------
    name : str
        'logistic' (standardized logistic regression, or ridge regression for a continuous
        outcome; 'linear' is a synonym) or 'gbm' (histogram gradient boosting).
    outcome : str, default 'binary'
        'binary' (a classifier) or anything else, e.g. 'continuous' (a regressor).
    random_state : int, default 0
        Seed of the gradient boosting.

    Returns
    -------
    sklearn.base.BaseEstimator
        An unfitted classifier or regressor.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    binary = outcome == "binary"
    if name in ("logistic", "linear"):
        last = LogisticRegression(max_iter=1000) if binary else Ridge(alpha=1.0)
        return Pipeline([("scale", StandardScaler()), ("model", last)])
    if name == "gbm":
        kwargs = {
            "max_iter": 150,
            "learning_rate": 0.05,
            "max_leaf_nodes": 15,
            "min_samples_leaf": 100,
            "random_state": random_state,
        }
        return (
            HistGradientBoostingClassifier(**kwargs)
            if binary
            else HistGradientBoostingRegressor(**kwargs)
        )
    raise ParameterError(f"unknown base learner {name!r}; choose 'logistic' or 'gbm'")
