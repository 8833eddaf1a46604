"""Register search: every query plan gives the same answer as filtering by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gawah.web._search import search
from gawah.workspace import Workspace


@pytest.mark.parametrize("query", ["", "muhammad", "ali khan", "a"])
def test_filters_and_pages_agree_with_the_unfiltered_search(
    home: Path, query: str
) -> None:
    """A status filter keeps exactly the unfiltered hits with that status, in order.

    The filter is selective or not depending on the status, so the search takes
    each of its plans (filter-driven, token-driven, no tokens); pages of 7
    concatenate to the whole list.
    """
    with Workspace.open(home) as ws:
        assert search(ws.conn, "").total > 0
        everything = search(ws.conn, query, page_size=10_000)
        assert everything.total == len(everything.hits)
        for status in sorted({h.status for h in everything.hits if h.status}):
            expected = [h.report_id for h in everything.hits if h.status == status]
            paged: list[str] = []
            page = 1
            while True:
                result = search(ws.conn, query, status=status, page=page, page_size=7)
                assert result.total == len(expected)
                if not result.hits:
                    break
                paged += [h.report_id for h in result.hits]
                page += 1
            assert paged == expected


@pytest.fixture(scope="module")
def names_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace of FICTIONAL names that look alike but are not alike."""
    from gawah.registry import import_rows

    home = tmp_path_factory.mktemp("names") / "ws"
    rows = [
        ["n1", "", "محمد اکرم"],
        ["n2", "Muhammad Akram", ""],
        ["n3", "", "محمود اکرم"],
        ["n4", "Mehmood Akram", ""],
        ["n5", "", "عبدالله خان"],
        ["n6", "", "عبد الله خان"],
        ["n7", "Abdullah Khan", ""],
        ["n8", "Abdul Rehman", ""],
        ["n9", "", "عبدالرحمن"],
        ["n10", "Zahi Ahmad", ""],
        ["n11", "Zubair Shah", ""],
    ]
    with Workspace.init(home, author="FICTIONAL tester") as ws:
        import_rows(
            ws,
            ["record_id", "full_name", "name_urdu"],
            rows,
            source="FICTIONAL names",
            name="names.csv",
        )
    return home


def _names(home: Path, query: str) -> set[str]:
    with Workspace.open(home) as ws:
        page = search(ws.conn, query, page_size=100)
        return {h.name or h.name_urdu for h in page.hits}


class TestArabicScriptPrecision:
    def test_muhammad_is_not_mehmood(self, names_home: Path) -> None:
        assert _names(names_home, "محمد") == {"محمد اکرم", "Muhammad Akram"}
        assert _names(names_home, "Mehmood") == {"محمود اکرم", "Mehmood Akram"}

    def test_abdullah_joined_or_apart_is_one_name(self, names_home: Path) -> None:
        joined = _names(names_home, "عبدالله")
        apart = _names(names_home, "عبد الله")
        assert joined == apart
        assert joined >= {"عبدالله خان", "عبد الله خان", "Abdullah Khan"}
        assert "Abdul Rehman" not in joined
        assert "عبدالرحمن" not in joined

    def test_abdul_rehman_in_either_script(self, names_home: Path) -> None:
        assert _names(names_home, "عبدالرحمن") == {"Abdul Rehman", "عبدالرحمن"}

    def test_nonsense_finds_nothing(self, names_home: Path) -> None:
        assert _names(names_home, "zzzz") == set()

    def test_misspellings_still_match(self, names_home: Path) -> None:
        assert "Zubair Shah" in _names(names_home, "Zubeir")
        assert "Zubair Shah" in _names(names_home, "zubar")


@pytest.mark.parametrize(
    "query",
    ["", "muhammad", "ali khan", "a", "محمد", "zzzz", "ali a", "zzzz qqqq", "khan ali"],
)
@pytest.mark.parametrize("status", [None, "killed", "source", "both"])
def test_walking_in_name_order_finds_what_the_token_index_finds(
    home: Path, query: str, status: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A query of common words walks the register in name order (at a million
    reports, sorting every match takes seconds): the same persons and reports,
    in the same order, page by page; past the count cap it says "more than".
    ``status`` "source" filters by the first report's source, "both" by that
    and "killed"."""
    from gawah.web import _search

    source: str | None = None
    if status in ("source", "both"):
        with Workspace.open(home) as ws:
            source = _search.search(ws.conn, "").hits[0].source_id
        status = "killed" if status == "both" else None

    def both(view: str, page: int, size: int) -> tuple[list[str], int]:
        find = _search.search_persons if view == "persons" else _search.search
        r = find(
            ws.conn, query, status=status, source=source, page=page, page_size=size
        )
        ids = [
            h.person_id or h.reports[0].report_id
            if isinstance(h, _search.PersonHit)
            else h.report_id
            for h in r.hits
        ]
        return ids, r.total

    with Workspace.open(home) as ws:
        for view in ("persons", "reports"):
            monkeypatch.setattr(_search, "WALK_ABOVE", 10**9)
            whole, total = both(view, 1, 10_000)
            pages = [both(view, p, 7)[0] for p in (1, 2, 3)]
            monkeypatch.setattr(_search, "WALK_ABOVE", -1)  # every query walks
            monkeypatch.setattr(_search, "COUNT_CAP", 10**9)
            for streams in (16, -1):  # from the token index; from the register
                monkeypatch.setattr(_search, "STREAM_TOKENS", streams)
                assert both(view, 1, 10_000) == (whole, total)
                assert [both(view, p, 7)[0] for p in (1, 2, 3)] == pages
            if total > 3 and (query or status or source):  # "" alone: exact count
                monkeypatch.setattr(_search, "COUNT_CAP", 3)
                find = _search.search_persons if view == "persons" else _search.search
                kw = {"status": status, "source": source}
                capped = find(ws.conn, query, page=1, page_size=2, **kw)
                assert (capped.total, capped.exact) == (3, False)
                assert capped.pages == 2
                last = find(ws.conn, query, page=99, page_size=2, **kw)
                assert not last.hits
                assert last.pages == 99


@pytest.mark.parametrize("query", ["muhammad", "khan", "a", "zzzz", "abdullah khan"])
def test_before_linkage_persons_stream_in_name_order(
    names_home: Path, query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before linkage every report is its own person: persons are read in name
    order from the token index, as the sorted plan finds them."""
    from gawah.web import _search

    with Workspace.open(names_home) as ws:
        assert not _search._linked(ws.conn)

        def ids() -> list[str]:
            r = _search.search_persons(ws.conn, query, page_size=100)
            return [h.reports[0].report_id for h in r.hits]

        monkeypatch.setattr(_search, "WALK_ABOVE", 10**9)
        sorted_plan = ids()
        monkeypatch.setattr(_search, "WALK_ABOVE", -1)
        monkeypatch.setattr(_search, "COUNT_CAP", 10**9)
        assert ids() == sorted_plan


@pytest.mark.parametrize("status", [None, "killed"])
def test_linked_persons_stream_at_their_leads_place(
    tmp_path: Path, status: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After linkage, a common word's persons are read from the token index in
    their leads' name order, also a person found only through another of their
    reports (a spelling the lead lacks): the same pages as the sorted plan."""
    import sqlite3

    from gawah.web import _search
    from gawah.web.projection import PROJECTOR

    conn = sqlite3.connect(tmp_path / "index.sqlite", isolation_level=None)
    PROJECTOR.create(conn)
    names = {"a1": "Abbas Khan", "a2": "Zubair Khan", "b1": "Bilal Shah"}
    names.update({f"z{i}": f"Zubair Ali {i}" for i in range(9)})
    names.update({"y1": "Zubair Raza", "y2": "Yasir Raza", "q1": "Zulfiqar Ali"})
    _search.index_reports(
        conn,
        [
            {
                "report_id": rid,
                "full_name": name,
                "source_id": "FICTIONAL list",
                "status": "killed" if rid in ("a2", "z3", "y2") else "unknown",
            }
            for rid, name in names.items()
        ],
    )
    _search.refresh(conn)
    # P2's report that says Zubair is not the killed one; P4 is led by a Zubair.
    persons = [("P1", ["a1", "a2"]), ("P2", ["y1", "y2"]), ("P3", ["b1", "z8"])]
    persons.append(("P4", ["z0", "q1"]))
    _search.index_persons(
        conn,
        {
            "run_id": "r1",
            "method": "FICTIONAL",
            "assignments": [{"person_id": p, "report_ids": m} for p, m in persons],
        },
        ("event", "FICTIONAL tester", "2031-03-14T00:00:00Z"),
    )

    def pages(size: int) -> list[list[str]]:
        return [
            [
                h.person_id or h.reports[0].report_id
                for h in _search.search_persons(
                    conn, "zubair", status=status, page=p, page_size=size
                ).hits
            ]
            for p in (1, 2, 3)
        ]

    monkeypatch.setattr(_search, "WALK_ABOVE", 10**9)
    sorted_plan = pages(4)
    assert sorted_plan[0][0] == "P1"  # at "Abbas", found through "Zubair Khan"
    found = [p for page in sorted_plan for p in page]
    assert ("P3" in found) == ("P2" in found) == (status is None)
    assert ("P4" in found) == (status is None)

    def no_walk(*args: object) -> list[str]:
        raise AssertionError("the persons were walked, not streamed")

    monkeypatch.setattr(_search, "WALK_ABOVE", -1)
    monkeypatch.setattr(_search, "COUNT_CAP", 10**9)
    monkeypatch.setattr(_search, "_walk_keys", no_walk)
    assert pages(4) == sorted_plan
    assert pages(100)[0] == found


def test_the_whole_registers_count_follows_every_change(tmp_path: Path) -> None:
    """The unfiltered register's count is kept between requests (counting a
    million rows per page is slow), yet a report indexed by this connection or
    by another one is counted on the next page."""
    import sqlite3

    from gawah.web import _search
    from gawah.web.projection import PROJECTOR

    db = tmp_path / "index.sqlite"
    conn = sqlite3.connect(db, isolation_level=None)
    other = sqlite3.connect(db, isolation_level=None)
    PROJECTOR.create(conn)

    def add(on: sqlite3.Connection, rid: str) -> None:
        report = {"report_id": rid, "full_name": f"FICTIONAL {rid}", "source_id": "s"}
        _search.index_reports(on, [report])

    add(conn, "r1")
    assert (_search.search(conn).total, _search.search_persons(conn).total) == (1, 1)
    add(conn, "r2")
    assert (_search.search(conn).total, _search.search_persons(conn).total) == (2, 2)
    add(other, "r3")
    assert (_search.search(conn).total, _search.search_persons(conn).total) == (3, 3)
    other.execute("DELETE FROM web_search_reports WHERE report_id = 'r1'")
    other.execute("DELETE FROM web_person_keys WHERE report_id = 'r1'")
    assert (_search.search(conn).total, _search.search_persons(conn).total) == (2, 2)
    assert [h.report_id for h in _search.search(conn).hits] == ["r2", "r3"]
    other.close()
    conn.close()


@pytest.mark.parametrize("query", ["", "muhammad", "ali khan", "a", "محمد", "zzzz"])
@pytest.mark.parametrize("walk_above", [10**9, -1])
def test_before_linkage_persons_are_found_as_reports(
    names_home: Path, query: str, walk_above: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before linkage the persons are found by the reports' plans (no join per
    person): the same persons, counts and pages as the persons' own plans."""
    from gawah.web import _search

    def pages(status: str | None) -> list[tuple[list[str], int, bool]]:
        out = []
        for page in (1, 2, 3, 9):
            r = _search.search_persons(
                ws.conn, query, status=status, page=page, page_size=2
            )
            ids = [h.reports[0].report_id for h in r.hits]
            assert all(h.person_id is None for h in r.hits)
            out.append((ids, r.total, r.exact))
        return out

    monkeypatch.setattr(_search, "WALK_ABOVE", walk_above)
    with Workspace.open(names_home) as ws:
        assert not _search._linked(ws.conn)
        for status in (None, "unknown", "killed"):
            as_reports = pages(status)
            monkeypatch.setattr(_search, "_linked", lambda conn: True)
            assert pages(status) == as_reports
            monkeypatch.undo()
            monkeypatch.setattr(_search, "WALK_ABOVE", walk_above)
        assert pages(None)[0][1] == _search.search(ws.conn, query).total


@pytest.fixture(scope="module")
def common_words(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A register index of 300 FICTIONAL reports whose few words all recur."""
    import random
    import sqlite3

    from gawah.web import _search
    from gawah.web.projection import PROJECTOR

    rng = random.Random(5)
    given = ["Ahmad", "Ahmed", "Ali", "Alia", "Abbas", "Khanum", "Kamran", "Bilal"]
    family = ["Khan", "Khattak", "Ahmadzai", "Ali", "Awan", "Kazmi", "Butt"]
    db = tmp_path_factory.mktemp("common") / "index.sqlite"
    conn = sqlite3.connect(db, isolation_level=None)
    PROJECTOR.create(conn)
    _search.index_reports(
        conn,
        [
            {
                "report_id": f"r{i:03d}",
                "full_name": f"{rng.choice(given)} {rng.choice(family)}",
                "source_id": rng.choice(["FICTIONAL list A", "FICTIONAL list B"]),
                "incident_id": rng.choice(["i1", "i2"]),
                "status": rng.choice(["killed", "injured", "unknown"]),
            }
            for i in range(300)
        ],
    )
    _search.refresh(conn)
    conn.close()
    return db


@pytest.mark.parametrize(
    "query", ["ahmad khan", "khan ahmad", "ahmad k", "ali a", "ahmad zzzz", "zzzz qqqq"]
)
@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"status": "killed"},
        {"source": "FICTIONAL list B"},
        {"status": "killed", "incident": "i1"},
    ],
)
def test_streamed_words_are_checked_in_name_order(
    common_words: Path,
    query: str,
    filters: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A streamed word's rows check the other words and the filters by their
    (sort key, report id): the same reports, pages and counts as the sorted
    plan, whether the other word has few spellings, many, or none."""
    import sqlite3

    from gawah.web import _search

    conn = sqlite3.connect(common_words, isolation_level=None)

    def pages(size: int) -> list[tuple[list[str], int]]:
        out = []
        for page in (1, 2, 3):
            r = _search.search(conn, query, page=page, page_size=size, **filters)
            out.append(([h.report_id for h in r.hits], r.total))
        return out

    monkeypatch.setattr(_search, "WALK_ABOVE", 10**9)
    sorted_plan, whole = pages(7), pages(1000)[0]
    assert whole[1] == len(whole[0])
    if query == "ahmad khan" and not filters:
        assert 10 < whole[1] < 150  # the check is not trivial either way
    monkeypatch.setattr(_search, "WALK_ABOVE", -1)
    monkeypatch.setattr(_search, "COUNT_CAP", 10**9)
    streamed: list[_search.Walk] = []
    stream_keys = _search._stream_keys

    def spy(conn: sqlite3.Connection, walk: _search.Walk, shown: int) -> list[str]:
        streamed.append(walk)
        return stream_keys(conn, walk, shown)

    monkeypatch.setattr(_search, "_stream_keys", spy)
    assert pages(7) == sorted_plan
    assert pages(1000)[0] == whole
    assert streamed or query == "zzzz qqqq"
    # The other words as if each had too many spellings to look up one by one.
    exact, in_order = _search._exact_tokens, _search._in_order
    checking: list[bool] = []

    def in_order_many(*args: Any) -> tuple[str, list[Any]]:
        checking.append(True)
        try:
            return in_order(*args)
        finally:
            checking.pop()

    def exact_many(*args: Any) -> list[str] | None:
        return None if checking else exact(*args)

    monkeypatch.setattr(_search, "_in_order", in_order_many)
    monkeypatch.setattr(_search, "_exact_tokens", exact_many)
    assert pages(7) == sorted_plan
    conn.close()
