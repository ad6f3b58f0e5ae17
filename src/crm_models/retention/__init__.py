"""Churn and retention: contractual retention, survival analysis, early warning, whom to save."""
