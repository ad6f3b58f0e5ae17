"""The default world: the one synthetic world every default report and ``crm data build`` use.

Defined once here (a module without heavy imports, so that the command line can show the
defaults in its help at once). Every notebook's ``n_customers`` / ``seed`` default equals these
(``tests/test_one_world.py`` checks it); the loyalty study's survey default is
``survey_share × DEFAULT_N_CUSTOMERS`` respondents, so that its world is this world too.
"""

from __future__ import annotations

__all__ = ["DEFAULT_N_CUSTOMERS", "DEFAULT_SEED"]

DEFAULT_N_CUSTOMERS: int = 20_000
"""Customers in the default synthetic world."""

DEFAULT_SEED: int = 1
"""Seed of the default synthetic world."""
