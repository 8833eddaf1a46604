"""What a run keeps for the interval with linkage doubt (FICTIONAL reports)."""

from __future__ import annotations

import pandas as pd

from gawah.linkage.pipeline import LinkOptions, LinkResult
from gawah.linkage.run import doubt_record


def _result(low: list[tuple[str, str, float]]) -> LinkResult:
    # p1 holds a/1, b/1, c/1; p2 holds d/1 alone.
    records = pd.DataFrame(
        {
            "key": ["a/1", "b/1", "c/1", "d/1"],
            "list": ["a", "b", "c", "d"],
            "record_id": ["1", "1", "1", "1"],
            "person_id": ["p1", "p1", "p1", "p2"],
        }
    )
    pairs = pd.DataFrame(
        {
            "key_l": ["a/1", "b/1"],
            "key_r": ["b/1", "c/1"],
            "match_probability": [0.99, 0.8],
        }
    )
    lows = pd.DataFrame(low, columns=["key_l", "key_r", "match_probability"])
    return LinkResult(records, pairs, {}, LinkOptions(), low_pairs=lows)


def test_cores_are_held_by_certain_links_only() -> None:
    """a-b above the review band is one core; c, joined at 0.8, is a core of its own."""
    record = doubt_record(_result([("c/1", "d/1", 0.1)]), {})
    assert record["cores"] == [["a/1", "b/1"], ["c/1"]]
    assert record["pairs"] == [["c/1", "d/1", 0.1]]
    assert record["low"] == LinkOptions().doubt_low


def test_a_reviewers_decision_is_certain() -> None:
    """A 'same person' decision holds c to the core; a decided low pair is not kept."""
    decided = {("b/1", "c/1"): True, ("c/1", "d/1"): False}
    record = doubt_record(_result([("c/1", "d/1", 0.1)]), decided)
    assert record["cores"] == []  # p1 is wholly certain
    assert record["pairs"] == []
