"""Churn and retention: contractual retention, survival analysis, early warning, saving."""
