"""How long each stage of a report took: a small wall-clock timer for notebooks.

``timer = StageTimer()``, then ``with timer("load"): …`` around a stage, or ``timer.lap("load")``
at its end (the time since the previous lap, or since the timer was made); ``timer.seconds``
is ``{stage: seconds}`` for the report JSON (``stage_seconds``) and ``timer.table()`` the
stage-time table of the analyst page. A stage timed twice adds up.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd

__all__ = ["StageTimer"]


class StageTimer:
    """Wall-clock seconds per named stage, in the order the stages first ran.

    Attributes
    ----------
    seconds : dict of str to float
        Seconds per stage (rounded to milliseconds when read through ``to_dict``).
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        """Record the time since the previous lap (or since the timer was made) as ``stage``.

        Returns nothing, so that a notebook cell ending in a lap shows no output (read the
        figures from ``seconds``).

        Parameters
        ----------
        stage : str
            The stage that has just ended, e.g. ``"load"``.
        """
        now = time.perf_counter()
        elapsed, self._last = now - self._last, now
        self.seconds[stage] = self.seconds.get(stage, 0.0) + elapsed

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        """Time the ``with`` block as ``stage`` (added to earlier time of the same stage).

        Parameters
        ----------
        stage : str
            The stage's name, e.g. ``"summary"``.

        Yields
        ------
        None
            The block runs; its duration is recorded even when it raises.
        """
        start = time.perf_counter()
        try:
            yield
        finally:
            self._last = time.perf_counter()
            self.seconds[stage] = self.seconds.get(stage, 0.0) + self._last - start

    def to_dict(self) -> dict[str, float]:
        """Seconds per stage, rounded to milliseconds (the report JSON's ``stage_seconds``).

        Returns
        -------
        dict of str to float
            ``{stage: seconds}`` in the order the stages first ran.
        """
        return {stage: round(value, 3) for stage, value in self.seconds.items()}

    def table(self) -> pd.DataFrame:
        """Return the stage-time table: one row per stage and a total.

        Returns
        -------
        pandas.DataFrame
            Columns ``stage``, ``seconds`` (s) and ``share`` (of the total, 0–1); last row
            ``total``.
        """
        seconds = pd.Series(self.seconds, dtype="float64")
        total = float(seconds.sum())
        frame = pd.DataFrame(
            {
                "stage": [*seconds.index, "total"],
                "seconds": [*seconds.to_numpy(), total],
                "share": [*(seconds / total if total > 0 else seconds * 0), 1.0],
            }
        )
        return frame
