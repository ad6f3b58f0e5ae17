"""StageTimer: seconds per named stage for a report's stage-time table and JSON."""

from __future__ import annotations

import pytest

from crm_models.reporting.timing import StageTimer


def test_laps_and_blocks_add_up_per_stage_in_first_run_order():
    timer = StageTimer()
    assert timer.lap("load") is None  # a notebook cell ending in a lap shows no output
    first = timer.seconds["load"]
    with timer("summary"):
        sum(range(1000))
    block = timer.seconds["summary"]
    timer.lap("summary")  # the time since the block ended, added to summary
    again = timer.seconds["summary"] - block
    with pytest.raises(ValueError), timer("fits"):
        raise ValueError("recorded even when the stage fails")
    assert list(timer.seconds) == ["load", "summary", "fits"]
    assert min(first, again, *timer.seconds.values()) >= 0
    assert timer.seconds["summary"] >= again
    table = timer.table()
    assert list(table["stage"]) == ["load", "summary", "fits", "total"]
    assert table["seconds"].iloc[-1] == pytest.approx(table["seconds"].iloc[:-1].sum())
    assert table["share"].iloc[:-1].sum() == pytest.approx(1.0) or table["seconds"].sum() == 0
    assert timer.to_dict() == {k: round(v, 3) for k, v in timer.seconds.items()}


def test_an_empty_timer_has_only_the_total_row():
    table = StageTimer().table()
    assert list(table["stage"]) == ["total"] and table["seconds"].iloc[0] == 0
