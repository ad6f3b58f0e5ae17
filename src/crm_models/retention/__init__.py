"""Churn and retention: contractual models, survival, early warning, whom to save."""
