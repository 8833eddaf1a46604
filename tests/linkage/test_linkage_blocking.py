"""Blocking rules and the guard that makes them stricter inside huge blocks only."""

from __future__ import annotations

import duckdb
import pandas as pd

from gawah.linkage.blocking import _RULES, block_keys_sql, blocking_rules, rule_pairs


def _frame(n: int) -> pd.DataFrame:
    """``n`` reports sharing one name over two districts and five dates (the worst case)."""
    return pd.DataFrame(
        {
            "unique_id": range(n),
            "name_skel": ["mhmd ln"] * n,
            "name_flat": ["mhmdln"] * n,
            "name_first": ["ln"] * n,
            "name_init": ["l"] * n,
            "name_last": ["ln"] * n,
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


def _keys(frame: pd.DataFrame, max_block: int) -> pd.DataFrame:
    con = duckdb.connect()
    con.register("reports", frame)
    out: pd.DataFrame = (
        con.execute(block_keys_sql("reports", max_block) + " order by unique_id")
        .df()
        .set_index("unique_id")
    )
    return out


def _pairs(keys: pd.DataFrame, rule: int) -> set[tuple[int, int]]:
    """The pairs rule ``rule`` admits on the key columns (as Splink's join would)."""
    left = keys[f"blk{rule}_l"].dropna()
    right = keys[keys.columns[keys.columns.str.startswith(f"blk{rule}_")][-1]].dropna()
    joined = left.reset_index().merge(
        right.rename("k").reset_index(), left_on=f"blk{rule}_l", right_on="k"
    )
    return {
        (min(a, b), max(a, b))
        for a, b in zip(joined["unique_id_x"], joined["unique_id_y"], strict=True)
        if a != b
    }


class TestBlockingGuard:
    def test_pair_counts(self) -> None:
        """A rule's pair count is the sum over its blocks, across keys for cross rules."""
        f = _frame(100)
        assert rule_pairs(f, ("name_skel",), ("name_skel",)) == 100 * 99 // 2
        assert rule_pairs(f, ("rare1",), ("rare2",)) == 0
        assert rule_pairs(f, ("rare1",), ("rare1",)) == 4950

    def test_no_limit_keeps_every_rule_on_its_columns(self) -> None:
        """Without a limit the rules read the normalised columns, as on small data."""
        rules = [_sql(r) for r in blocking_rules()]
        assert len(rules) == len(_RULES)
        assert not any("blk" in r for r in rules)
        assert all("blk" in r for r in (_sql(x) for x in blocking_rules(50)))

    def test_small_blocks_keep_the_rule_whole(self) -> None:
        """Under the limit a rule admits exactly the pairs of its own keys."""
        f = _frame(40)
        keys = _keys(f, 100)
        assert len(_pairs(keys, 0)) == rule_pairs(f, ("name_skel",), ("name_skel",))

    def test_huge_blocks_get_stricter_keys(self) -> None:
        """A block over the limit is split by district, then week, then day, else dropped."""
        f = _frame(1000)
        by_district = _pairs(_keys(f, 500), 0)
        assert len(by_district) == 2 * (500 * 499 // 2)
        assert all(a % 2 == b % 2 for a, b in by_district)  # one district
        by_week = _pairs(_keys(f, 450), 0)
        assert by_week < by_district
        assert by_week
        assert all(f["week"][a] == f["week"][b] for a, b in by_week)
        by_day = _pairs(_keys(f, 150), 0)
        assert by_day
        assert all(f["date"][a] == f["date"][b] for a, b in by_day)
        assert not _pairs(_keys(f, 10), 0)  # no form small enough: the rule is out

    def test_only_the_large_block_is_split(self) -> None:
        """A rare name keeps its pairs across districts while a common one is split."""
        f = _frame(300)
        f.loc[[0, 1], "name_skel"] = "rr nm"  # districts d0 and d1
        pairs = _pairs(_keys(f, 200), 0)  # 298 split by district: 149 each
        assert (0, 1) in pairs
        assert (2, 4) in pairs
        assert (2, 3) not in pairs

    def test_cross_rule_sides_agree(self) -> None:
        """Rarest token of one against second rarest of the other: one decision per value."""
        f = _frame(6)
        f["rare1"] = ["a", "a", "b", "c", "c", "c"]
        f["rare2"] = ["x", "x", "a", "a", "b", "z"]
        f["district"] = "d0"
        f["week"], f["date"] = None, None
        cross = next(
            i
            for i, ((lk, rk), _) in enumerate(_RULES)
            if lk == ("rare1", "district") and rk == ("rare2", "district")
        )
        # "a" is the rarest token of 0, 1 and the second of 2, 3: a block of 4.
        whole = _pairs(_keys(f, 4), cross)
        assert {(0, 2), (0, 3), (1, 2), (1, 3), (2, 4)} <= whole
        split = _pairs(_keys(f, 3), cross)  # "a" too large, the week unknown: out
        assert (0, 2) not in split
        assert (2, 4) in split
