"""Uplift meta-learners on top of any scikit-learn classifier or regressor.

All learners share one interface (scikit-learn conventions: hyper-parameters in ``__init__``,
learned attributes end in ``_``, ``clone``-able):

- ``fit(X, y, treatment)``: ``X`` (n, p) array or DataFrame; ``y`` (n,) outcome — binary
  (use a classifier; its ``predict_proba[:, 1]`` is the outcome model) or continuous (use a
  regressor); ``treatment`` (n,) arm labels, one of them the ``control`` label.
- ``predict(X)``: predicted uplift ``E[y | arm, x] − E[y | control, x]`` in outcome units
  (probability points for a binary outcome). Shape (n,) with one treated arm, (n, n_arms)
  with several, columns in ``arms_`` order — the ``decision_function`` convention.
- ``predict_frame(X)``: the same as a DataFrame with columns ``uplift_<arm>``.
- ``predict_best_arm(X, threshold=0)``: per customer the arm with the largest predicted
  uplift, or the control label when no arm beats ``threshold``.

Several treatments are handled as one model per arm versus control, each fitted on that arm's
and the control group's rows (the T-learner shares its one control-outcome model).

Learners:

- ``SLearner``: one outcome model on ``[X, t]``; uplift = f(x, 1) − f(x, 0).
- ``TLearner``: separate outcome models for control and each arm; uplift = μ_a(x) − μ_0(x).
- ``XLearner`` (Künzel et al. 2019): T-learner outcome models, imputed effects
  D₁ = y − μ₀(x) on the arm and D₀ = μ_a(x) − y on control, effect regressions τ₁, τ₀ on them,
  combined as τ = g(x)·τ₀ + (1 − g(x))·τ₁ with g the propensity (constant arm share by
  default: randomized experiment).
- ``ClassTransformation`` (Jaśkowski & Jaroszewicz 2012; Athey & Imbens 2016): with a
  classifier, z = y·t + (1 − y)(1 − t) fitted with weights 0.5/p (arm) and 0.5/(1 − p)
  (control), uplift = 2·P(z = 1 | x) − 1 — the weights make the arm share effectively ½, so
  unbalanced designs stay unbiased; with a regressor, the transformed outcome
  y* = y·(t − p)/(p(1 − p)) is regressed on x. p = the arm's share among arm + control rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone, is_classifier
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline

from crm_models.errors import DataValidationError, ParameterError
from crm_models.results import check_fitted

__all__ = [
    "ClassTransformation",
    "SLearner",
    "TLearner",
    "XLearner",
    "base_estimator",
    "learner_names",
    "make_learner",
]


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

    def _check_fit_inputs(self, X, y, treatment) -> tuple[np.ndarray, np.ndarray]:
        if self.estimator is None or not hasattr(self.estimator, "fit"):
            raise ParameterError(
                f"estimator must be a scikit-learn estimator with fit(), got {self.estimator!r}"
            )
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
                f"{sorted(map(str, labels))}"
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


class SLearner(_UpliftBase):
    """One outcome model on features plus a treatment indicator, per arm vs control.

    ``estimator``: scikit-learn classifier (binary y) or regressor; ``control``: control label
    (None: 'control' if present, else 0). Learned: ``models_`` (one per arm), ``arms_``,
    ``control_``.
    """

    def __init__(self, estimator: Any = None, control: Any = None):
        self.estimator = estimator
        self.control = control

    def fit(self, X, y, treatment) -> SLearner:
        """Fit one outcome model on features plus a treatment indicator per arm vs control.

        Parameters
        ----------
        X : array-like or pandas.DataFrame
            (n, p) features.
        y : array-like
            (n,) outcome: binary 0/1 (with a classifier) or continuous (with a regressor).
        treatment : array-like
            (n,) arm labels, one of them the control label.

        Returns
        -------
        SLearner
            This learner, with ``models_`` (one per arm), ``arms_`` and ``control_`` set.
        """
        y, t = self._check_fit_inputs(X, y, treatment)
        self.models_ = []
        for a in self.arms_:
            rows = (t == a) | (t == self.control_)
            Xa = _with_column(_take(X, rows), (t[rows] == a).astype(float))
            self.models_.append(clone(self.estimator).fit(Xa, y[rows]))
        return self

    def _predict_arm(self, X, i: int) -> np.ndarray:
        m = self.models_[i]
        return _outcome(m, _with_column(X, 1.0)) - _outcome(m, _with_column(X, 0.0))


class TLearner(_UpliftBase):
    """Separate outcome models for control and each arm; uplift = μ_arm(x) − μ_control(x).

    Learned: ``control_model_``, ``arm_models_`` (one per arm), ``arms_``, ``control_``.
    """

    def __init__(self, estimator: Any = None, control: Any = None):
        self.estimator = estimator
        self.control = control

    def fit(self, X, y, treatment) -> TLearner:
        """Fit one outcome model on the control rows and one on each arm's rows.

        Parameters
        ----------
        X : array-like or pandas.DataFrame
            (n, p) features.
        y : array-like
            (n,) outcome: binary 0/1 (with a classifier) or continuous (with a regressor).
        treatment : array-like
            (n,) arm labels, one of them the control label.

        Returns
        -------
        TLearner
            This learner, with ``control_model_``, ``arm_models_`` (one per arm), ``arms_``
            and ``control_`` set.
        """
        y, t = self._check_fit_inputs(X, y, treatment)
        rows = t == self.control_
        self.control_model_ = clone(self.estimator).fit(_take(X, rows), y[rows])
        self.arm_models_ = []
        for a in self.arms_:
            rows = t == a
            self.arm_models_.append(clone(self.estimator).fit(_take(X, rows), y[rows]))
        return self

    def predict(self, X) -> np.ndarray:
        """Predict the uplift per customer: (n,) for one arm, (n, n_arms) for several.

        Parameters
        ----------
        X : array-like or pandas.DataFrame
            (n, p) features.

        Returns
        -------
        numpy.ndarray
            ``μ_arm(x) − μ_control(x)`` in outcome units, columns in ``arms_`` order.
        """
        check_fitted(self, "arms_")
        base = _outcome(self.control_model_, X)
        return self._shape([_outcome(m, X) - base for m in self.arm_models_])

    def _predict_arm(self, X, i: int) -> np.ndarray:
        return _outcome(self.arm_models_[i], X) - _outcome(self.control_model_, X)


class XLearner(_UpliftBase):
    """X-learner (Künzel et al. 2019), per arm vs control.

    ``estimator``: outcome model (classifier or regressor); ``effect_estimator``: regressor for
    the imputed effects (default: ``estimator`` itself when it is a regressor, else
    ``Ridge(alpha=1.0)``); ``propensity_estimator``: classifier for P(arm | x, arm or control)
    (default None: the arm's share, exact in a randomized experiment).
    Learned: ``outcome_control_``, ``outcome_arms_``, ``effect_arm_`` (τ₁), ``effect_control_``
    (τ₀), ``propensity_`` (share or fitted classifier) per arm.
    """

    def __init__(
        self,
        estimator: Any = None,
        effect_estimator: Any = None,
        propensity_estimator: Any = None,
        control: Any = None,
    ):
        self.estimator = estimator
        self.effect_estimator = effect_estimator
        self.propensity_estimator = propensity_estimator
        self.control = control

    def _effect_template(self):
        if self.effect_estimator is not None:
            if is_classifier(self.effect_estimator):
                raise ParameterError(
                    "effect_estimator must be a regressor (imputed effects are continuous)"
                )
            return self.effect_estimator
        return self.estimator if not is_classifier(self.estimator) else Ridge(alpha=1.0)

    def fit(self, X, y, treatment) -> XLearner:
        """Fit the outcome, imputed-effect and propensity models of each arm vs control.

        Parameters
        ----------
        X : array-like or pandas.DataFrame
            (n, p) features.
        y : array-like
            (n,) outcome: binary 0/1 (with a classifier) or continuous (with a regressor).
        treatment : array-like
            (n,) arm labels, one of them the control label.

        Returns
        -------
        XLearner
            This learner, with ``outcome_control_``, ``outcome_arms_``, ``effect_arm_``,
            ``effect_control_``, ``propensity_``, ``arms_`` and ``control_`` set.
        """
        y, t = self._check_fit_inputs(X, y, treatment)
        effect = self._effect_template()
        c_rows = t == self.control_
        X0, y0 = _take(X, c_rows), y[c_rows]
        self.outcome_control_ = clone(self.estimator).fit(X0, y0)
        self.outcome_arms_, self.effect_arm_, self.effect_control_, self.propensity_ = (
            [],
            [],
            [],
            [],
        )
        for a in self.arms_:
            a_rows = t == a
            X1, y1 = _take(X, a_rows), y[a_rows]
            mu1 = clone(self.estimator).fit(X1, y1)
            d1 = y1 - _outcome(self.outcome_control_, X1)
            d0 = _outcome(mu1, X0) - y0
            self.outcome_arms_.append(mu1)
            self.effect_arm_.append(clone(effect).fit(X1, d1))
            self.effect_control_.append(clone(effect).fit(X0, d0))
            if self.propensity_estimator is None:
                self.propensity_.append(a_rows.sum() / (a_rows.sum() + c_rows.sum()))
            else:
                rows = a_rows | c_rows
                self.propensity_.append(
                    clone(self.propensity_estimator).fit(_take(X, rows), (t[rows] == a).astype(int))
                )
        return self

    def _predict_arm(self, X, i: int) -> np.ndarray:
        g = self.propensity_[i]
        if not np.isscalar(g):
            g = _outcome(g, X)
        tau1 = np.asarray(self.effect_arm_[i].predict(X), dtype=float)
        tau0 = np.asarray(self.effect_control_[i].predict(X), dtype=float)
        return g * tau0 + (1 - g) * tau1


class ClassTransformation(_UpliftBase):
    """Class transformation (classifier) / transformed outcome (regressor), per arm vs control.

    The classifier must accept ``sample_weight`` in ``fit``. Learned: ``models_``,
    ``treated_share_`` (p per arm), ``arms_``, ``control_``.
    """

    def __init__(self, estimator: Any = None, control: Any = None):
        self.estimator = estimator
        self.control = control

    def fit(self, X, y, treatment) -> ClassTransformation:
        """Fit one model per arm on the transformed class (classifier) or outcome (regressor).

        Parameters
        ----------
        X : array-like or pandas.DataFrame
            (n, p) features.
        y : array-like
            (n,) outcome: binary 0/1 (with a classifier) or continuous (with a regressor).
        treatment : array-like
            (n,) arm labels, one of them the control label.

        Returns
        -------
        ClassTransformation
            This learner, with ``models_``, ``treated_share_`` (p per arm), ``arms_`` and
            ``control_`` set.
        """
        y, t = self._check_fit_inputs(X, y, treatment)
        self.models_, self.treated_share_ = [], []
        for a in self.arms_:
            rows = (t == a) | (t == self.control_)
            ti = (t[rows] == a).astype(float)
            yi = y[rows]
            p = ti.mean()
            Xi = _take(X, rows)
            model = clone(self.estimator)
            if is_classifier(model):
                z = (yi * ti + (1 - yi) * (1 - ti)).astype(int)
                w = np.where(ti == 1, 0.5 / p, 0.5 / (1 - p))
                try:
                    _fit_weighted(model, Xi, z, w)
                except (TypeError, ValueError) as exc:
                    raise ParameterError(
                        f"{type(model).__name__}.fit does not accept sample_weight, which the "
                        "class transformation needs for unbalanced arms"
                    ) from exc
            else:
                model.fit(Xi, yi * (ti - p) / (p * (1 - p)))
            self.models_.append(model)
            self.treated_share_.append(float(p))
        return self

    def _predict_arm(self, X, i: int) -> np.ndarray:
        m = self.models_[i]
        if is_classifier(m):
            return 2 * _outcome(m, X) - 1
        return np.asarray(m.predict(X), dtype=float)


def base_estimator(name: str, outcome: str = "binary", random_state: int = 0) -> BaseEstimator:
    """Return a sensible base model by name.

    'logistic' (standardized logistic regression; 'linear' ridge regression for a continuous
    outcome) or 'gbm' (histogram gradient boosting).
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


_LEARNERS = {"s": SLearner, "t": TLearner, "x": XLearner, "ct": ClassTransformation}


def make_learner(kind: str, estimator: Any, **kwargs: Any) -> _UpliftBase:
    """Learner by short name: 's', 't', 'x' or 'ct' (class transformation)."""
    key = kind.lower().removesuffix("-learner").removesuffix("learner")
    if key not in _LEARNERS:
        raise ParameterError(f"unknown learner {kind!r}; choose one of {sorted(_LEARNERS)}")
    return _LEARNERS[key](estimator, **kwargs)


def learner_names(learners: str) -> pd.Series:
    """Parse a comma-separated list of learner short names into display names.

    Parameters
    ----------
    learners : str
        E.g. ``"S,T,X,CT"`` (case and spaces ignored; a learner named twice is kept once).

    Returns
    -------
    pandas.Series
        Index: the short names as written (e.g. ``"S"``); values: display names
        (``"S-learner"``, …, ``"class transformation"``), in the given order.
    """
    kinds = [k.strip() for k in str(learners).split(",") if k.strip()]
    if not kinds:
        raise ParameterError(f"learners names no learner: {learners!r}; e.g. 'S,T,X,CT'")
    unknown = [k for k in kinds if k.lower() not in _LEARNERS]
    if unknown:
        raise ParameterError(f"unknown learner(s) {unknown}; choose from S, T, X, CT")
    names = {}
    for k in kinds:  # first spelling of each learner wins
        names.setdefault(f"{k.upper()}-learner" if k.upper() != "CT" else "class transformation", k)
    return pd.Series(list(names), index=pd.Index(list(names.values()), name="kind"), name="learner")
