"""NeedsMixture in a notebook: a short repr with the estimates, an HTML summary table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_models.value import NeedsMixture


def _counts(n: int = 1500, seed: int = 2) -> pd.DataFrame:
    """Dirichlet-multinomial counts: 70% near the mix (0.5, 0.3, 0.2), 30% any mix."""
    rng = np.random.default_rng(seed)
    different = rng.random(n) < 0.3
    shares = np.where(
        different[:, None],
        rng.dirichlet([1.0, 1.0, 1.0], n),
        rng.dirichlet([10.0, 6.0, 4.0], n),
    )
    sizes = 1 + rng.poisson(8, n)
    counts = np.array([rng.multinomial(k, p) for k, p in zip(sizes, shares, strict=True)])
    return pd.DataFrame(counts, columns=["books", "music", "toys"]).rename_axis("customer_id")


def test_repr_is_short_and_says_fitted_or_not() -> None:
    """Unfitted: hyper-parameters and 'not fitted'; fitted: the three estimates, < 200 chars."""
    model = NeedsMixture(threshold=0.6)
    assert repr(model) == "NeedsMixture(threshold=0.6, max_iter=500; not fitted)"
    assert "not fitted" in model._repr_html_()
    model.fit(_counts())
    text = repr(model)
    assert text.startswith("NeedsMixture(threshold=0.6") and "object at 0x" not in text
    assert "share_different=" in text and "3 categories" in text
    assert len(text) < 200


def test_html_shows_the_summary_table() -> None:
    """The HTML display is the summary table (estimate, se, interval per scalar)."""
    model = NeedsMixture().fit(_counts())
    html = model._repr_html_()
    assert "<table" in html
    for name in ("share_different", "concentration_similar", "ci_low", "ci_high"):
        assert name in html
