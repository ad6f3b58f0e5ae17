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
from sklearn.base import clone, is_classifier
from sklearn.linear_model import Ridge

from crm_models.errors import ParameterError
from crm_models.results import check_fitted
from crm_models.uplift._learner_base import (
    _fit_weighted,
    _outcome,
    _take,
    _UpliftBase,
    _with_column,
    base_estimator,
)

__all__ = [
    "ClassTransformation",
    "SLearner",
    "TLearner",
    "XLearner",
    "base_estimator",
    "learner_names",
    "make_learner",
]


class SLearner(_UpliftBase):
    """One outcome model on features plus a treatment indicator, per arm vs control.

    Parameters
    ----------
    estimator : scikit-learn estimator
        Outcome model: a classifier for a binary 0/1 ``y`` (its ``predict_proba[:, 1]`` is
        used) or a regressor for a continuous ``y``; cloned per model.
    control : label, optional
        The value of ``treatment`` that marks the control group. Default None: the label
        ``'control'`` when present, else ``0`` (so 0/1 and 'control'/'email' codings work
        as they are). Any other coding (e.g. ``'holdout'``, ``'A'``): pass it, e.g.
        ``TLearner(est, control='holdout')``. Arms may be numbers or strings; every label
        other than the control label is a treated arm. A control label absent from the data
        raises ``DataValidationError`` listing the labels found.

    Attributes
    ----------
    models_ : list
        One fitted outcome model per arm, in ``arms_`` order.
    arms_ : numpy.ndarray
        Treated arm labels (sorted); ``control_`` the control label used.
    """

    def __init__(self, estimator: Any = None, control: Any = None):
        self.estimator = estimator
        self.control = control

    def fit(self, X, y, treatment=None) -> SLearner:
        """Fit one outcome model on features plus a treatment indicator per arm vs control.

        Parameters
        ----------
        X : array-like or pandas.DataFrame
            (n, p) features.
        y : array-like
            (n,) outcome: binary 0/1 (with a classifier) or continuous (with a regressor).
        treatment : array-like, optional
            (n,) arm labels (numbers or strings), one of them the control label. None: ``y``
            is two columns ``[outcome, treatment]`` (the form scikit-learn's model selection
            splits; see ``score``).

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

    Parameters
    ----------
    estimator : scikit-learn estimator
        Outcome model: a classifier for a binary 0/1 ``y`` (its ``predict_proba[:, 1]`` is
        used) or a regressor for a continuous ``y``; cloned per model.
    control : label, optional
        The value of ``treatment`` that marks the control group. Default None: the label
        ``'control'`` when present, else ``0`` (so 0/1 and 'control'/'email' codings work
        as they are). Any other coding (e.g. ``'holdout'``, ``'A'``): pass it, e.g.
        ``TLearner(est, control='holdout')``. Arms may be numbers or strings; every label
        other than the control label is a treated arm. A control label absent from the data
        raises ``DataValidationError`` listing the labels found.

    Attributes
    ----------
    control_model_, arm_models_ : estimator, list
        The control group's outcome model and one per arm (``arms_`` order).
    arms_ : numpy.ndarray
        Treated arm labels (sorted); ``control_`` the control label used.
    """

    def __init__(self, estimator: Any = None, control: Any = None):
        self.estimator = estimator
        self.control = control

    def fit(self, X, y, treatment=None) -> TLearner:
        """Fit one outcome model on the control rows and one on each arm's rows.

        Parameters
        ----------
        X : array-like or pandas.DataFrame
            (n, p) features.
        y : array-like
            (n,) outcome: binary 0/1 (with a classifier) or continuous (with a regressor).
        treatment : array-like, optional
            (n,) arm labels (numbers or strings), one of them the control label. None: ``y``
            is two columns ``[outcome, treatment]`` (the form scikit-learn's model selection
            splits; see ``score``).

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

    Parameters
    ----------
    estimator : scikit-learn estimator
        Outcome model: a classifier for a binary 0/1 ``y`` (its ``predict_proba[:, 1]`` is
        used) or a regressor for a continuous ``y``; cloned per model.
    effect_estimator : scikit-learn regressor, optional
        Model of the imputed effects (default: ``estimator`` itself when it is a regressor,
        else ``Ridge(alpha=1.0)``).
    propensity_estimator : scikit-learn classifier, optional
        Model of P(arm | x, arm or control); default None: the arm's share of rows, exact in
        a randomized experiment.
    control : label, optional
        The value of ``treatment`` that marks the control group. Default None: the label
        ``'control'`` when present, else ``0`` (so 0/1 and 'control'/'email' codings work
        as they are). Any other coding (e.g. ``'holdout'``, ``'A'``): pass it, e.g.
        ``TLearner(est, control='holdout')``. Arms may be numbers or strings; every label
        other than the control label is a treated arm. A control label absent from the data
        raises ``DataValidationError`` listing the labels found.

    Attributes
    ----------
    outcome_control_, outcome_arms_ : estimator, list
        Outcome models of control and of each arm.
    effect_arm_, effect_control_ : list
        Effect regressions τ₁ and τ₀ per arm.
    propensity_ : list
        Per arm the share (float) or the fitted propensity classifier.
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

    def fit(self, X, y, treatment=None) -> XLearner:
        """Fit the outcome, imputed-effect and propensity models of each arm vs control.

        Parameters
        ----------
        X : array-like or pandas.DataFrame
            (n, p) features.
        y : array-like
            (n,) outcome: binary 0/1 (with a classifier) or continuous (with a regressor).
        treatment : array-like, optional
            (n,) arm labels (numbers or strings), one of them the control label. None: ``y``
            is two columns ``[outcome, treatment]`` (the form scikit-learn's model selection
            splits; see ``score``).

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

    Parameters
    ----------
    estimator : scikit-learn estimator
        A classifier accepting ``sample_weight`` in ``fit`` (binary 0/1 ``y``: class
        transformation) or a regressor (continuous ``y``: transformed outcome); cloned per arm.
    control : label, optional
        The value of ``treatment`` that marks the control group. Default None: the label
        ``'control'`` when present, else ``0`` (so 0/1 and 'control'/'email' codings work
        as they are). Any other coding (e.g. ``'holdout'``, ``'A'``): pass it, e.g.
        ``TLearner(est, control='holdout')``. Arms may be numbers or strings; every label
        other than the control label is a treated arm. A control label absent from the data
        raises ``DataValidationError`` listing the labels found.

    Attributes
    ----------
    models_ : list
        One fitted model per arm; ``treated_share_`` the arm's share p among arm + control.
    arms_ : numpy.ndarray
        Treated arm labels (sorted); ``control_`` the control label used.
    """

    def __init__(self, estimator: Any = None, control: Any = None):
        self.estimator = estimator
        self.control = control

    def fit(self, X, y, treatment=None) -> ClassTransformation:
        """Fit one model per arm on the transformed class (classifier) or outcome (regressor).

        Parameters
        ----------
        X : array-like or pandas.DataFrame
            (n, p) features.
        y : array-like
            (n,) outcome: binary 0/1 (with a classifier) or continuous (with a regressor).
        treatment : array-like, optional
            (n,) arm labels (numbers or strings), one of them the control label. None: ``y``
            is two columns ``[outcome, treatment]`` (the form scikit-learn's model selection
            splits; see ``score``).

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


_LEARNERS = {"s": SLearner, "t": TLearner, "x": XLearner, "ct": ClassTransformation}


def make_learner(kind: str, estimator: Any, **kwargs: Any) -> _UpliftBase:
    """Learner by short name: 's', 't', 'x' or 'ct' (class transformation).

    Parameters
    ----------
    kind : str
        's', 't', 'x' or 'ct' (case-insensitive; 'S-learner' also accepted).
    estimator : scikit-learn estimator
        Base outcome model (see :class:`SLearner`).
    **kwargs
        Further learner parameters, e.g. ``control='holdout'``.

    Returns
    -------
    SLearner, TLearner, XLearner or ClassTransformation
        The unfitted learner.
    """
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
    names: dict[str, str] = {}
    for k in kinds:  # first spelling of each learner wins
        names.setdefault(f"{k.upper()}-learner" if k.upper() != "CT" else "class transformation", k)
    return pd.Series(list(names), index=pd.Index(list(names.values()), name="kind"), name="learner")
