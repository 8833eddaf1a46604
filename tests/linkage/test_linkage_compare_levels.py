"""The hand-written SQL of the name comparisons gives the levels their definitions give.

:mod:`gawah.linkage.compare` writes some levels for speed (equal lists for
equal token sets, one containment test instead of two, cheap tests before an
edit distance, a level's test relying on the level before it failing). Here
every pair of a set of tricky FICTIONAL names (empty, one word, "Muhammad"
alone, chains of four, Urdu and Arabic script, accents, a space typed one
letter off, letters repeated) gets its level from DuckDB running the SQL as
Splink does (one CASE, first level that holds) and from a plain-Python
reading of each level's description, with token sets as Python sets and SQL's
NULL as None. The string similarities are the only primitives taken from
DuckDB (Jaro-Winkler); edit distances come from rapidfuzz.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import product
from typing import Any

import duckdb
import pandas as pd
import pytest
from rapidfuzz.distance import DamerauLevenshtein, Levenshtein
from splink.internals.comparison_creator import ComparisonCreator

from gawah.linkage import compare
from gawah.linkage.normalise import normalise_frame

# FICTIONAL names: (list, full_name, name_native, father_name)
NAMES: list[tuple[str, str, str, str]] = [
    ("a", "", "", ""),
    ("a", "", "", "Sher Khan"),
    ("a", "Bilal", "", ""),
    ("a", "Bilal Ahmed", "", "Sher Khan"),
    ("a", "Bilal Ahmed Khan", "", "Sher Muhammad Khan"),
    ("a", "Bilal Ahmad Khan", "", "Khan Sher"),
    ("a", "Bilal Aslam Khan", "", ""),
    ("a", "Bilal Asam Khan", "", "Sher Khan"),
    ("a", "Muhammad", "", ""),
    ("a", "Muhammad Ali", "", "Rahim"),
    ("a", "Ali Muhammad", "", "Raheem"),
    ("a", "Muhammad Ali Khan", "", "Rahim Khan"),
    ("a", "Ali Khan", "", "Rahim"),
    ("a", "Khan Muhammad Javed", "", ""),
    ("a", "Javed Khan", "", ""),
    ("a", "Aslam", "", "Salim"),
    ("a", "Asam", "", "Salam"),
    ("a", "Aslma", "", ""),
    # a swap in the middle: two letters alike at either end, no more
    ("a", "Farhan", "", ""),
    ("a", "Fahran", "", ""),
    ("a", "Salam", "", "Ali Ali"),
    ("a", "Kamran Shah", "", "Rafiq"),
    ("a", "Kaman Shah", "", "Rafiq Ahmed"),
    ("a", "Ali Saleh Hamdan", "", ""),
    ("a", "Muhammad Ali Saleh Hamdan", "", ""),
    ("a", "AamnaM ahsud", "", ""),
    ("a", "Aamna Mahsud", "", ""),
    ("a", "José Luis", "", ""),
    ("a", "Jose Luis", "", ""),
    ("a", "Abdul Rehman Qureshi", "", ""),
    ("a", "Abdul Rahman Qureshi", "", ""),
    ("a", "Syed Bilal Shah", "", ""),
    ("a", "Bilal s/o Sher Khan", "", ""),
    ("a", "Qasim", "", ""),
    ("a", "Muhammad Qasim Butt", "", ""),
    ("a", "Qasim Ali Qasim Ali", "", ""),
    ("a", "Abcd", "", ""),
    ("a", "Abdc", "", ""),
    ("a", "Abc", "", ""),
    ("a", "Bcd", "", ""),
    ("a", "Abcde Fgh", "", ""),
    ("a", "Abxde Fgh", "", ""),
    ("a", "Ali Bilal", "", ""),
    ("a", "Muhammad Ali", "محمد علی", ""),
    ("a", "", "محمد علي", ""),
    ("a", "", "بلال احمد خان", "شیر خان"),
    ("a", "", "عبد الله", ""),
    ("a", "", "عبدالله", ""),
    # A list of four-part chains (own, father, grandfather, family).
    ("b", "Rabah Harabi Rabah Jradah", "", ""),
    ("b", "Harabi Rabah Harabi Jradah", "", ""),
    ("b", "Yusuf Rabah Harabi Jradah", "", ""),
    ("b", "Ahmad Rabah Harabi Jradah", "", ""),
    ("b", "Ahmed Rabah Harabi Jradah", "", ""),
    ("b", "Ahmad Rabah Salim Jradah", "", ""),
    ("b", "Muhammad Salim Tarek Nassar", "", ""),
    ("b", "Salim Tarek Nassar", "", ""),
    ("b", "Samir Rabah Harabi", "", ""),
    ("b", "", "أحمد رباح حرابي جرادة", ""),
    ("b", "", "احمد رباح حرابي جراده", ""),
    ("b", "", "سامي رباح حرابي جرادة", ""),
    ("b", "", "رامي رباح حرابي جرادة", ""),
]

# Every column the comparisons read.
_COLUMNS = (
    "name_exact", "name_seq", "name_flat", "name_core", "name_first", "name_last",
    "name_core_set", "name_skels", "name_parts", "rare1", "father_key",
    "father_skel", "father_skels",
)  # fmt: skip

Row = dict[str, Any]


@pytest.fixture(scope="module")
def pairs() -> tuple[duckdb.DuckDBPyConnection, list[tuple[Row, Row]]]:
    """Every ordered pair of the names (a name with itself too), in DuckDB and in Python."""
    reports = pd.DataFrame(
        NAMES, columns=["list", "full_name", "name_native", "father_name"]
    )
    frame = normalise_frame(reports)
    rows: list[Row] = [
        {c: _py(c, frame[c].iloc[i]) for c in _COLUMNS} for i in range(len(frame))
    ]
    # The lists are what the hand-written SQL relies on: sorted sets.
    for row in rows:
        for column in compare.SORTED_SETS:
            assert row[column] == sorted(set(row[column]))
    ordered = list(product(rows, rows))
    table = pd.DataFrame(
        [
            {
                **{f"{c}_l": left[c] for c in _COLUMNS},
                **{f"{c}_r": right[c] for c in _COLUMNS},
            }
            for left, right in ordered
        ]
    )
    con = duckdb.connect()
    con.register("pairs_frame", table)
    # Types as the model's input table has them (classify.model_table).
    casts = ", ".join(
        f'cast("{c}_{s}" as {_sql_type(c)}) as "{c}_{s}"'
        for c in _COLUMNS
        for s in ("l", "r")
    )
    con.execute(
        f"create table typed as select row_number() over () - 1 as i, {casts} "
        "from pairs_frame"
    )
    # The columns the model table derives from the lists, for each side.
    derived = ", ".join(
        item
        for side in ("_l", "_r")
        for item in compare.token_set_columns_sql(side)
        + compare.letters_sql(side)
        + compare.jaro_letters_sql(side)
        + compare.chain_parts_sql(side)
    )
    con.execute(f"create table pairs as select *, {derived} from typed")
    return con, ordered


def _sql_type(column: str) -> str:
    if column in compare.SORTED_SETS:
        return "varchar[]"
    return "bigint" if column == "name_parts" else "varchar"


def _py(column: str, value: Any) -> Any:
    """A model column's value in Python: a list, an int, a string, or None for NULL."""
    if column in compare.SORTED_SETS:
        return list(value)
    if column == "name_parts":
        return int(value)
    return None if value is None or pd.isna(value) else str(value)


def _sql_levels(
    con: duckdb.DuckDBPyConnection, creator: ComparisonCreator
) -> list[int]:
    """Each pair's level as Splink computes it: one CASE, the first level that holds."""
    comparison = creator.get_comparison("duckdb")
    whens = [
        level._when_then_comparison_vector_value_sql
        for level in comparison.comparison_levels
    ]
    case = "CASE " + " ".join(whens) + " END"
    return [
        v for (v,) in con.execute(f"select {case} from pairs order by i").fetchall()
    ]


# SQL's three-valued logic, None for NULL.
def _eq(a: Any, b: Any) -> bool | None:
    return None if a is None or b is None else a == b


def _and(*xs: bool | None) -> bool | None:
    if any(x is False for x in xs):
        return False
    return None if any(x is None for x in xs) else True


def _or(*xs: bool | None) -> bool | None:
    if any(x is True for x in xs):
        return True
    return None if any(x is None for x in xs) else False


def _not(x: bool | None) -> bool | None:
    return None if x is None else not x


def _jw(con: duckdb.DuckDBPyConnection, a: str | None, b: str | None) -> float | None:
    if a is None or b is None:
        return None
    (value,) = con.execute("select jaro_winkler_similarity(?, ?)", [a, b]).fetchall()[0]
    return float(value)


def _holds(a: list[str], b: list[str]) -> bool:
    return set(b) <= set(a) or set(a) <= set(b)


def _name_level(con: duckdb.DuckDBPyConnection, l: Row, r: Row) -> int:  # noqa: E741
    """The name comparison's level (gamma) from its docstring, in plain Python."""
    if l["name_seq"] is None or r["name_seq"] is None:
        return -1
    first = _eq(l["name_first"], r["name_first"])
    sl, sr = l["name_skels"], r["name_skels"]
    contains = bool(sl) and bool(sr) and _holds(sl, sr)
    bare = _or(
        _eq(l["name_core"], l["name_first"]), _eq(r["name_core"], r["name_first"])
    )
    jw = _jw(con, l["name_seq"], r["name_seq"])
    exact_l, exact_r = l["name_exact"], r["name_exact"]
    parts_l, parts_r = l["name_parts"], r["name_parts"]
    same_last = _eq(l["name_last"], r["name_last"])
    same_core_set = _eq(l["name_core_set"], r["name_core_set"])
    # coalesce(core equal and given names differ, false)
    patronymic_core = _and(_eq(l["name_core"], r["name_core"]), _not(first)) is True
    tests: list[Callable[[], bool | None]] = [
        lambda: _eq(exact_l, exact_r),
        lambda: _or(
            _eq(l["name_seq"], r["name_seq"]), _eq(l["name_flat"], r["name_flat"])
        ),
        lambda: _and(_eq(l["name_core"], r["name_core"]), first),
        lambda: _and(first, contains, _not(bare)),
        lambda: _and(first, contains),
        lambda: _and(
            first,
            True if same_last is None else same_last,
            None if jw is None else jw >= 0.9,
        ),
        lambda: _and(
            None if exact_l is None else len(exact_l) >= 4,
            None if exact_l is None else not exact_l.startswith("n:"),
            None
            if exact_l is None or exact_r is None
            else DamerauLevenshtein.distance(exact_l, exact_r) <= 1,
        ),
        lambda: _or(set(sl) == set(sr), _and(same_core_set, not patronymic_core)),
        lambda: contains,
        lambda: None if jw is None else jw >= 0.9,
        lambda: _and(
            _or(
                None if l["rare1"] is None else l["rare1"] in sr,
                None if r["rare1"] is None else r["rare1"] in sl,
            ),
            _or(first, _eq(min(parts_l, parts_r), 1)),
        ),
    ]
    for k, test in enumerate(tests):
        if test() is True:
            return len(tests) - k
    return 0


def _father_level(con: duckdb.DuckDBPyConnection, l: Row, r: Row) -> int:  # noqa: E741
    if l["father_key"] is None or r["father_key"] is None:
        return -1
    jw = _jw(con, l["father_key"], r["father_key"])
    tests: list[bool | None] = [
        l["father_key"] == r["father_key"],
        _eq(l["father_skel"], r["father_skel"]),
        _holds(l["father_skels"], r["father_skels"]),
        None if jw is None else jw >= 0.88,
    ]
    for k, holds in enumerate(tests):
        if holds is True:
            return len(tests) - k
    return 0


def _chain_level(l: Row, r: Row) -> int:  # noqa: E741
    """1: chains of one length (4+) whose own names or grandfathers differ; else the null level."""
    parts_l, parts_r = l["name_parts"], r["name_parts"]
    if parts_l != parts_r or parts_l < 4:
        return -1
    a, b = l["name_seq"].split(" "), r["name_seq"].split(" ")
    if set(l["name_skels"]) == set(r["name_skels"]):
        return -1
    apart = [Levenshtein.distance(a[k], b[k]) > 2 for k in (0, 2)]
    return 1 if any(apart) else -1


@pytest.mark.parametrize(
    ("creator", "reference", "levels"),
    [
        (compare.SouthAsianNameComparison(), "name", range(-1, 12)),
        (compare.FatherNameComparison(), "father", range(-1, 5)),
        (compare.NameChainComparison(), "chain", (-1, 1)),
    ],
)
def test_levels_match_their_definitions(
    pairs: tuple[duckdb.DuckDBPyConnection, list[tuple[Row, Row]]],
    creator: ComparisonCreator,
    reference: str,
    levels: range | tuple[int, ...],
) -> None:
    con, ordered = pairs
    sql = _sql_levels(con, creator)
    python = [
        {
            "name": lambda lr: _name_level(con, *lr),
            "father": lambda lr: _father_level(con, *lr),
            "chain": lambda lr: _chain_level(*lr),
        }[reference](pair)
        for pair in ordered
    ]
    wrong = [
        (left["name_seq"], right["name_seq"], s, p)
        for (left, right), s, p in zip(ordered, sql, python, strict=True)
        if s != p
    ]
    assert wrong == []
    # The names reach every level, so each rewritten test is exercised.
    assert set(python) >= set(levels)


def test_one_holds_other_is_the_two_way_containment_nulls_included() -> None:
    """Equal lists, or the longer searched once: the same as list_has_all both ways."""
    lists: list[list[str] | None] = [
        None, [], ["a"], ["b"], ["a", "b"], ["a", "c"], ["a", "b", "c"], ["d", "e"],
    ]  # fmt: skip
    con = duckdb.connect()
    con.register(
        "lists",
        pd.DataFrame(
            [(a, b, None, None) for a in lists for b in lists],
            columns=["name_skels_l", "name_skels_r", "rare1_l", "rare1_r"],
        ),
    )
    sides = [
        item
        for item in compare.token_set_columns_sql("_l")
        + compare.token_set_columns_sql("_r")
        if "name_skels" in item
    ]
    con.execute(
        "create table p as select name_skels_l::varchar[] as name_skels_l, "
        "name_skels_r::varchar[] as name_skels_r from lists"
    )
    con.execute(f"create table q as select *, {', '.join(sides)} from p")
    rows = con.execute(
        "select ("
        + compare.one_holds_other("name_skels")
        + ") is not distinct from (list_has_all(name_skels_l, name_skels_r) or "
        "list_has_all(name_skels_r, name_skels_l)), "
        f"({compare.same_set('name_skels')}) is not distinct from "
        "(list_has_all(name_skels_l, name_skels_r) and "
        "list_has_all(name_skels_r, name_skels_l)) from q"
    ).fetchall()
    assert len(rows) == len(lists) ** 2
    assert all(holds and same for holds, same in rows)
    with pytest.raises(ValueError, match="sorted set"):
        compare.one_holds_other("name_seq")


def test_date_of_birth_one_digit_off_matches_its_definition() -> None:
    """The cheap test before the edit distance keeps every date one edit away."""
    dobs: list[str | None] = [
        None, "1990-05-12", "1990-05-13", "1990-12-05", "1990-05-21", "1909-05-12",
        "1991-05-12", "1990-05", "1990-5-12", "1990", "1991", "990-05-12", "",
        "1990-06-12", "1989-12-31", "2001-01-01",
    ]  # fmt: skip
    rows = [
        (
            a,
            b,
            None if not a else int(a.split("-")[0]),
            None if not b else int(b.split("-")[0]),
        )
        for a in dobs
        for b in dobs
    ]
    con = duckdb.connect()
    con.register(
        "p", pd.DataFrame(rows, columns=["dob_l", "dob_r", "dob_year_l", "dob_year_r"])
    )
    comparison = compare.DateOfBirthComparison().get_comparison("duckdb")
    whens = [
        level._when_then_comparison_vector_value_sql
        for level in comparison.comparison_levels
    ]
    sql = [
        v
        for (v,) in con.execute(f"select CASE {' '.join(whens)} END from p").fetchall()
    ]

    def level(a: str | None, b: str | None, ya: int | None, yb: int | None) -> int:
        if ya is None or yb is None:
            return -1
        if a == b:
            return 4
        if a is not None and b is not None and DamerauLevenshtein.distance(a, b) <= 1:
            return 3
        return 2 if ya == yb else 1 if abs(ya - yb) <= 1 else 0

    python = [level(*row) for row in rows]
    assert sql == python
    assert set(python) == {-1, 0, 1, 2, 3, 4}


def _levels_of(
    con: duckdb.DuckDBPyConnection, creator: ComparisonCreator, table: str
) -> list[int]:
    comparison = creator.get_comparison("duckdb")
    whens = [
        level._when_then_comparison_vector_value_sql
        for level in comparison.comparison_levels
    ]
    case = f"CASE {' '.join(whens)} END"
    return [v for (v,) in con.execute(f"select {case} from {table}").fetchall()]


def test_national_id_one_slip_matches_its_definition() -> None:
    """The cheap test before the edit distance keeps every id one slip away."""
    base = "3740512345671"
    ids: list[str | None] = [
        None, base, base[:-1] + "2", base[:5] + base[6] + base[5] + base[7:],
        base[:-1], base + "9", "1" + base, base[:6] + "00" + base[8:],
        "3740512345617", "9999999999999", "374051", "374052", base[::-1],
    ]  # fmt: skip
    rows = [(a, b) for a in ids for b in ids]
    con = duckdb.connect()
    con.register("p", pd.DataFrame(rows, columns=["cnic_l", "cnic_r"]))
    sql = _levels_of(con, compare.NationalIdComparison(), "p")

    def level(a: str | None, b: str | None) -> int:
        if a is None or b is None:
            return -1
        if a == b:
            return 2
        return 1 if DamerauLevenshtein.distance(a, b) <= 1 else 0

    python = [level(a, b) for a, b in rows]
    assert sql == python
    assert set(python) == {-1, 0, 1, 2}


def test_incident_dates_compared_as_day_numbers_give_the_dates_levels() -> None:
    """``date_day`` (derived once per report) gives date_diff's levels."""
    dates: list[str | None] = [
        None, "2024-02-27", "2024-02-28", "2024-03-01", "2024-03-02", "2024-03-29",
        "2024-03-30", "2023-12-31", "2024-01-01", "2025-02-27", "1999-12-31",
    ]  # fmt: skip
    con = duckdb.connect()
    con.register(
        "d",
        pd.DataFrame([(a, b) for a in dates for b in dates], columns=["a", "b"]),
    )
    con.execute(
        f"create table p as select *, {compare.date_day_sql('_l')}, "
        f"{compare.date_day_sql('_r')} from (select a as date_l, b as date_r from d)"
    )
    sql = _levels_of(con, compare.IncidentDateComparison(), "p")
    plain = [
        v
        for (v,) in con.execute(
            "select case when date_l is null or date_r is null then -1 "
            "when date_l = date_r then 3 "
            "when abs(date_diff('day', cast(date_l as date), cast(date_r as date))) "
            "<= 3 then 2 "
            "when abs(date_diff('day', cast(date_l as date), cast(date_r as date))) "
            "<= 30 then 1 else 0 end from p"
        ).fetchall()
    ]
    assert sql == plain
    assert set(plain) == {-1, 0, 1, 2, 3}
