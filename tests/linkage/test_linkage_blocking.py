"""Blocking rules and the guard that makes them stricter on huge blocks."""

from __future__ import annotations

import pandas as pd

from gawah.linkage.blocking import blocking_rules, rule_pairs


def _frame(n: int) -> pd.DataFrame:
    """``n`` reports sharing one name over two districts and five dates (the worst case)."""
    return pd.DataFrame(
        {
            "name_skel": ["mhmd ln"] * n,
            "name_flat": ["mhmdln"] * n,
            "name_first": ["ln"] * n,
            "name_init": ["l"] * n,
            "dob": [None] * n,
            "rare1": ["ln"] * n,
            "rare2": ["mhmd"] * n,
            "father_rare": [None] * n,
            "father_skel": [None] * n,
            "cnic": [None] * n,
            "district": [f"d{i % 2}" for i in range(n)],
            "date": [f"2031-03-1{i % 5}" for i in range(n)],
            "week": [(i % 5) // 3 for i in range(n)],
        }
    )


def _sql(rule: object) -> str:
    return (
        rule
        if isinstance(rule, str)
        else str(rule.get_blocking_rule("duckdb").blocking_rule_sql)
    )  # type: ignore[attr-defined]


class TestBlockingGuard:
    def test_pair_counts(self) -> None:
        """A rule's pair count is the sum over its blocks, across keys for cross rules."""
        f = _frame(100)
        assert rule_pairs(f, ("name_skel",), ("name_skel",)) == 100 * 99 // 2
        assert rule_pairs(f, ("rare1",), ("rare2",)) == 0
        assert rule_pairs(f, ("rare1",), ("rare1",)) == 4950

    def test_no_limit_keeps_every_rule(self) -> None:
        """Without a limit the full rule set is used, as on small data."""
        assert len(blocking_rules(_frame(100), None)) == len(blocking_rules())

    def test_huge_blocks_get_stricter_keys(self) -> None:
        """A rule over the limit gains the district, the week, the date, or is left out."""
        f = _frame(1000)
        by_week = [_sql(r) for r in blocking_rules(f, 130_000)]
        assert any(
            "name_skel" in r and "district" in r and "week" in r and "date" not in r
            for r in by_week
        )
        rules = [_sql(r) for r in blocking_rules(f, 60_000)]
        assert any("name_skel" in r and "district" in r and "date" in r for r in rules)
        assert not any(r.strip() == '(l."name_skel" = r."name_skel")' for r in rules)
        assert len(blocking_rules(f, 10)) < len(blocking_rules())
