"""Churn and retention: contractual models, survival analysis, early warning, whom to save."""
