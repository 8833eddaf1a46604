"""The register's search index: spelling- and script-tolerant, fast at 100,000 reports.

Built by the web projector from ``report.recorded`` events (so it is rebuilt with
every ``gawah ledger rebuild`` and never disagrees with the ledger). Each report
gets *tokens*: the linkage normaliser's canonical name tokens (Urdu script is
romanised, Mohd/Muhammad and Ahmed/Ahmad unified) and, prefixed with ``~``,
their consonant skeletons, which absorb the vowel spellings Urdu leaves open.
A query matches a report when every query token matches one of its tokens by
prefix or by skeleton.
"""

from __future__ import annotations

import functools
import json
import re
import sqlite3
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from gawah.core.json_text import text_encoder

NAME_FIELDS = ("full_name", "given_name", "family_name", "name_urdu")
PAGE_SIZE = 50
MAX_QUERY_TOKENS = 6

SCHEMA = """
CREATE TABLE IF NOT EXISTS web_search_reports (
    report_id TEXT PRIMARY KEY, incident_id TEXT, source_id TEXT NOT NULL,
    status TEXT NOT NULL, sex TEXT NOT NULL, age INTEGER, name TEXT NOT NULL,
    name_urdu TEXT NOT NULL, father_name TEXT NOT NULL, village TEXT NOT NULL,
    district TEXT NOT NULL, sort_key TEXT NOT NULL,
    names TEXT NOT NULL, pending INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS web_person_keys (
    report_id TEXT PRIMARY KEY, person_key TEXT NOT NULL, lead INTEGER NOT NULL,
    sort_key TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS web_person_keys_person ON web_person_keys(person_key, lead);
DROP INDEX IF EXISTS web_person_keys_leads;
CREATE INDEX IF NOT EXISTS web_person_keys_lead_order
    ON web_person_keys(sort_key, person_key) WHERE lead = 1;
CREATE TABLE IF NOT EXISTS web_persons (
    person_id TEXT PRIMARY KEY, event_id TEXT NOT NULL, run_id TEXT NOT NULL,
    method TEXT NOT NULL, author TEXT NOT NULL, recorded_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS web_search_reports_pending
    ON web_search_reports(pending) WHERE pending = 1;
CREATE INDEX IF NOT EXISTS web_search_reports_sort ON web_search_reports(sort_key);
CREATE INDEX IF NOT EXISTS web_search_reports_status
    ON web_search_reports(status, sort_key);
CREATE INDEX IF NOT EXISTS web_search_reports_incident
    ON web_search_reports(incident_id, sort_key);
CREATE INDEX IF NOT EXISTS web_search_reports_source
    ON web_search_reports(source_id, sort_key);
CREATE TABLE IF NOT EXISTS web_search_tokens (
    token TEXT NOT NULL, sort_key TEXT NOT NULL, report_id TEXT NOT NULL,
    PRIMARY KEY (token, sort_key, report_id)
) WITHOUT ROWID;
DROP INDEX IF EXISTS web_search_tokens_report;
CREATE UNIQUE INDEX IF NOT EXISTS web_search_tokens_by_report
    ON web_search_tokens(report_id, token);
CREATE TABLE IF NOT EXISTS web_search_version (v INTEGER NOT NULL);
"""
# ``web_search_tokens_by_report`` is UNIQUE (a report's tokens are a set, written
# with the report's one sort key): every new version of a report deletes its
# tokens by report id, and a bulk import's DeferredIndexes keeps unique indexes
# while it drops the plain ones. As a plain index (``web_search_tokens_report``)
# it was dropped, and each report of a large import into a workspace already
# tokenised scanned every token row.
#: How tokens are made; an index made another way is tokenised again (2: parts).
TOKENS_VERSION = 2
#: How many rows each register view lists in all, kept by triggers as rows
#: come and go (see :func:`create_totals`): the first page shows the count, and
#: counting a million rows at start took seconds.
TOTALS = "web_register_totals"
DROP = (
    TOTALS,
    "web_search_tokens",
    "web_search_reports",
    "web_person_keys",
    "web_persons",
    "web_search_version",
)
#: Columns of ``web_search_reports`` a person's register row is built from.
_HIT_COLUMNS = (
    "report_id, incident_id, source_id, status, sex, age, name, name_urdu, "
    "father_name, village, district"
)

_NON_LETTER = re.compile(r"[^\w]+", re.UNICODE)


def _simple_tokens(text: str) -> list[str]:
    """NFKD fold, lower, split: the sort key, and tokens if the normaliser fails."""
    # ASCII has no decompositions and no combining marks: NFKD leaves it as is.
    folded = (
        text
        if text.isascii()
        else "".join(
            ch
            for ch in unicodedata.normalize("NFKD", text)
            if not unicodedata.combining(ch)
        )
    )
    return [t for t in _NON_LETTER.sub(" ", folded.casefold()).split() if t]


@dataclass(frozen=True)
class Units:
    """What a name is searched by: canonical tokens, and its parts.

    Parts join compounds (``abdul rehman`` is one part), so that عبدالله and
    عبد الله are one name, and "Abdullah" is not every Abd-al-… name.
    """

    tokens: tuple[str, ...]
    parts: tuple[str, ...]


@functools.lru_cache(maxsize=65536)
def units_of(text: str) -> Units:
    """The linkage normaliser's tokens and parts of a name in any script.

    Imported here, not at the top: the projector (in every process, on every
    append) imports this module, and the normaliser loads pandas and the tables.
    Kept per name: lists repeat given, family and father names endlessly, and
    tokenising a million reports is mostly the same few thousand names.
    """
    if not text.strip():
        return Units((), ())
    from gawah.linkage import parse_name

    try:
        parsed = parse_name(text)
    except Exception:  # the index must never break an append
        simple = tuple(_simple_tokens(text))
        return Units(simple, simple)
    relative = tuple(str(t) for t in parsed.relative)
    return Units(
        tuple(str(t) for t in (*parsed.tokens, *relative)),
        tuple(p.replace(" ", "") for p in parsed.parts) + relative,
    )


def tokens_of(text: str) -> list[str]:
    """Canonical search tokens of a name in any script."""
    return list(units_of(text).tokens)


@functools.lru_cache(maxsize=65536)
def sound(part: str, *, query: bool = False) -> str | None:
    """The ``~skeleton`` a part is found by, or None when it matches as written.

    Every part is indexed by its skeleton. A query for a name linkage knows
    (``muhammad``) matches it as written: every spelling linkage knows was
    already made that name, and another known name with the same skeleton
    (``mehmood``) is another name; an unknown spelling ("zubar") is matched by
    its skeleton. A one-letter skeleton ("zzzz" and "Zahi" both give ``z``)
    says too little to match on.
    """
    from gawah.linkage import is_known_name, skeleton

    if query and is_known_name(part):
        return None
    skel = skeleton(part)
    return "~" + skel if len(skel) >= 2 else None


def index_tokens(names: list[str]) -> set[str]:
    """Every token, part and ``~skeleton`` a report is found by."""
    out: set[str] = set()
    for name in names:
        units = units_of(name)
        out.update(units.tokens)
        out.update(units.parts)
        for part in units.parts:
            found = sound(part)
            if found is not None:
                out.add(found)
    return out


@functools.lru_cache(maxsize=65536)
def _sort_key(name: str) -> str:
    """Kept per name, as :func:`units_of` is: an import sorts a million reports
    by a few thousand names."""
    return " ".join(_simple_tokens(name))


def _s(payload: dict[str, Any], key: str) -> str:
    value = payload.get(key)
    return "" if value is None else str(value)


#: ``json.dumps(value, ensure_ascii=False)`` without an encoder made per call.
_ENCODE_NAMES = text_encoder()
_DELETE_TOKENS = "DELETE FROM web_search_tokens WHERE report_id=?"
# A new version of a report keeps the person linkage put it in.
_UPSERT_PERSON_KEY = (
    "INSERT INTO web_person_keys VALUES (?, ?, 1, ?) "
    "ON CONFLICT(report_id) DO UPDATE SET sort_key = excluded.sort_key"
)
# An upsert, not INSERT OR REPLACE: a replaced row fires no delete trigger
# (SQLite's recursive_triggers is off), and the insert trigger would count it
# again (see create_totals).
_REPLACE_REPORT = (
    "INSERT INTO web_search_reports VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,1) "
    "ON CONFLICT(report_id) DO UPDATE SET incident_id = excluded.incident_id, "
    "source_id = excluded.source_id, status = excluded.status, sex = excluded.sex, "
    "age = excluded.age, name = excluded.name, name_urdu = excluded.name_urdu, "
    "father_name = excluded.father_name, village = excluded.village, "
    "district = excluded.district, sort_key = excluded.sort_key, "
    "names = excluded.names, pending = 1"
)

#: The triggers keeping :data:`TOTALS`: one row per view, ``reports`` (every
#: indexed report) and ``persons`` (every lead report, one per person).
_TOTAL_TRIGGERS = {
    "web_totals_report_in": "AFTER INSERT ON web_search_reports BEGIN "
    f"UPDATE {TOTALS} SET n = n + 1 WHERE view = 'reports'; END",
    "web_totals_report_out": "AFTER DELETE ON web_search_reports BEGIN "
    f"UPDATE {TOTALS} SET n = n - 1 WHERE view = 'reports'; END",
    "web_totals_lead_in": "AFTER INSERT ON web_person_keys WHEN new.lead = 1 BEGIN "
    f"UPDATE {TOTALS} SET n = n + 1 WHERE view = 'persons'; END",
    "web_totals_lead_out": "AFTER DELETE ON web_person_keys WHEN old.lead = 1 BEGIN "
    f"UPDATE {TOTALS} SET n = n - 1 WHERE view = 'persons'; END",
    "web_totals_lead": "AFTER UPDATE OF lead ON web_person_keys "
    "WHEN (new.lead = 1) != (old.lead = 1) BEGIN "
    f"UPDATE {TOTALS} SET n = n + (new.lead = 1) - (old.lead = 1) "
    "WHERE view = 'persons'; END",
}

#: What each view's total counts: the rows the triggers keep count of.
_COUNTS = {
    "reports": "SELECT count(*) FROM web_search_reports",
    "persons": "SELECT count(*) FROM web_person_keys WHERE lead = 1",
}


def create_totals(conn: sqlite3.Connection) -> None:
    """Create the views' totals and the triggers that keep them (after SCHEMA).

    A workspace indexed before the totals existed has them counted once here;
    from then on every insert, delete and change of lead moves them, whatever
    writes the rows (an import, an edit, linkage, a replay).
    """
    found = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (TOTALS,)
    ).fetchone()
    if found is None:
        conn.execute(
            f"CREATE TABLE {TOTALS} (view TEXT PRIMARY KEY, n INTEGER NOT NULL)"
        )
        conn.execute(
            f"INSERT INTO {TOTALS} VALUES ('reports', ({_COUNTS['reports']})), "
            f"('persons', ({_COUNTS['persons']}))"
        )
    for name, body in _TOTAL_TRIGGERS.items():
        conn.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")


def drop_totals_triggers(conn: sqlite3.Connection) -> None:
    """Drop the triggers keeping :data:`TOTALS`, for a bulk write (inside its
    transaction; :func:`recount_totals` after it). Each row that fires one gets
    a statement journal, which copies every page spilled from a full page cache
    meanwhile (:mod:`gawah.ledger.bulk` says why that matters)."""
    for name in _TOTAL_TRIGGERS:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")


def recount_totals(conn: sqlite3.Connection) -> None:
    """Set :data:`TOTALS` from the rows (what the triggers would have counted)
    and make the triggers again."""
    for view, count in _COUNTS.items():
        conn.execute(f"UPDATE {TOTALS} SET n = ({count}) WHERE view = ?", (view,))
    create_totals(conn)


def _report_rows(
    payload: dict[str, Any],
) -> tuple[tuple[str, str, str], tuple[Any, ...]] | None:
    """The ``web_person_keys`` and ``web_search_reports`` rows of one report
    version (``None`` when the payload names no report)."""
    report_id = payload.get("report_id")
    if not isinstance(report_id, str):
        return None
    names = [_s(payload, f) for f in NAME_FIELDS]
    full_name, given_name, family_name, name_urdu = names
    display = full_name or " ".join(x for x in (given_name, family_name) if x)
    father_name = _s(payload, "father_name")
    age = payload.get("age")
    sort_key = _sort_key(display or name_urdu) + "\x1f" + report_id
    return (report_id, report_id, sort_key), (
        report_id,
        payload.get("incident_id"),
        _s(payload, "source_id"),
        _s(payload, "status") or "unknown",
        _s(payload, "sex") or "unknown",
        age if isinstance(age, int) else None,
        display,
        name_urdu,
        father_name,
        _s(payload, "village"),
        _s(payload, "district"),
        sort_key,
        _ENCODE_NAMES([*names, father_name]),
    )


def index_report(conn: sqlite3.Connection, payload: dict[str, Any]) -> None:
    """(Re)index one report version from its ``report.recorded`` payload."""
    index_reports(conn, [payload])


def index_reports(conn: sqlite3.Connection, payloads: list[dict[str, Any]]) -> None:
    """:func:`index_report` on each payload in order, one ``executemany`` per table.

    Each statement writes its own table and keeps the payloads' order there, so
    the tables end as they would one report at a time.
    """
    rows = [r for r in map(_report_rows, payloads) if r is not None]
    if not rows:
        return
    conn.executemany(_DELETE_TOKENS, [(key[0],) for key, _ in rows])
    conn.executemany(_UPSERT_PERSON_KEY, [key for key, _ in rows])
    conn.executemany(_REPLACE_REPORT, [report for _, report in rows])


def index_persons(
    conn: sqlite3.Connection,
    payload: dict[str, Any],
    event: tuple[str, str, str],
) -> None:
    """Group the register by the persons of a ``persons.assigned`` payload.

    Each report's ``person_key`` is its person's id (its own id while unlinked);
    the person's *lead* report (first by name) stands for them in the register.
    ``event`` is (event id, author, recorded at): the person page's history.
    """
    assignments = payload.get("assignments")
    run_id, method = str(payload.get("run_id", "")), str(payload.get("method", ""))
    if not isinstance(assignments, list):
        return
    conn.execute(
        "UPDATE web_person_keys SET person_key = report_id, lead = 1 "
        "WHERE person_key != report_id OR lead != 1"
    )
    conn.execute("DELETE FROM web_persons")
    sort_keys = dict(conn.execute("SELECT report_id, sort_key FROM web_person_keys"))
    updates: list[tuple[str, int, str]] = []
    persons: list[tuple[str, ...]] = []
    for a in assignments:
        person, members = a.get("person_id"), a.get("report_ids")
        if not isinstance(person, str) or not isinstance(members, list):
            continue
        known = [m for m in members if m in sort_keys]
        if not known:
            continue
        lead = min(known, key=lambda m: (sort_keys[m], m))
        updates.extend((person, int(m == lead), m) for m in known)
        persons.append((person, event[0], run_id, method, event[1], event[2]))
    conn.executemany(
        "UPDATE web_person_keys SET person_key = ?, lead = ? WHERE report_id = ?",
        updates,
    )
    conn.executemany("INSERT INTO web_persons VALUES (?, ?, ?, ?, ?, ?)", persons)


def refresh(
    conn: sqlite3.Connection,
    batch: int = 5000,
    stop: Callable[[], bool] = lambda: False,
) -> int:
    """Tokenise reports recorded since the last search; return how many.

    The projector only stores names: tokenising needs the linkage normaliser,
    whose import (Splink, pandas) must not slow every ``report.recorded``
    append in every process. The web process completes the index here, before
    it searches, in its own short transactions. ``stop`` is asked between
    batches (a server shutting down stops the work it started).
    """
    _stale(conn)
    done = 0
    while not stop():
        rows = conn.execute(
            "SELECT report_id, sort_key, names FROM web_search_reports "
            "WHERE pending = 1 LIMIT ?",
            (batch,),
        ).fetchall()
        if not rows:
            return done
        ids = [(row[0],) for row in rows]
        # One statement per table for the whole batch: a million reports are
        # tokenised as a server starts, and per-report statements doubled that.
        tokens = [
            (t, sort_key, report_id)
            for report_id, sort_key, names in rows
            for t in index_tokens(json.loads(names))
        ]
        tokens.sort()  # the index's order: appended pages, not scattered ones
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(_DELETE_TOKENS, ids)
            conn.executemany(
                "INSERT OR IGNORE INTO web_search_tokens VALUES (?, ?, ?)", tokens
            )
            conn.executemany(
                "UPDATE web_search_reports SET pending = 0 WHERE report_id = ?", ids
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        done += len(rows)
    return done


def pending(conn: sqlite3.Connection) -> int:
    """Reports whose names are not searchable yet (tokenising is under way)."""
    return int(
        conn.execute(
            "SELECT count(*) FROM web_search_reports WHERE pending = 1"
        ).fetchone()[0]
    )


def has_pending(conn: sqlite3.Connection) -> bool:
    """Whether any report's names are not searchable yet (one index seek)."""
    found = conn.execute(
        "SELECT 1 FROM web_search_reports WHERE pending = 1 LIMIT 1"
    ).fetchone()
    return found is not None


def _stale(conn: sqlite3.Connection) -> None:
    """Mark every report for tokenising if the index was tokenised another way."""
    row = conn.execute("SELECT v FROM web_search_version").fetchone()
    if row is not None and row[0] == TOKENS_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("UPDATE web_search_reports SET pending = 1 WHERE pending = 0")
        conn.execute("DELETE FROM web_search_version")
        conn.execute("INSERT INTO web_search_version VALUES (?)", (TOKENS_VERSION,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


@dataclass(frozen=True)
class Hit:
    """One report in a result page (never a sensitive field)."""

    report_id: str
    incident_id: str | None
    source_id: str
    status: str
    sex: str
    age: int | None
    name: str
    name_urdu: str
    father_name: str
    village: str
    district: str


def _pages(total: int, exact: bool, page: int, page_size: int, shown: int) -> int:
    """Number of pages (at least 1); past a capped count, one more while pages fill."""
    pages = max(1, -(-total // page_size))
    if exact:
        return pages
    return max(pages, page + int(shown == page_size))


H = TypeVar("H")


@dataclass(frozen=True)
class Page(Generic[H]):
    """One page of results and how many match in all.

    ``exact`` is False when more than ``total`` match (see :data:`COUNT_CAP`).
    """

    query: str
    total: int
    page: int
    page_size: int
    hits: tuple[H, ...]
    exact: bool = True

    @property
    def pages(self) -> int:
        """Number of pages (at least 1)."""
        return _pages(self.total, self.exact, self.page, self.page_size, len(self.hits))


@dataclass(frozen=True)
class SearchPage(Page[Hit]):
    """One page of reports and how many match in all."""


def _matcher(part: str) -> tuple[str, list[str]]:
    """SQL (on alias ``t``) and parameters for one query part: prefix or sound."""
    # "~" alone is never indexed: a part without a sound matches by prefix only.
    return "((t.token >= ? AND t.token < ?) OR t.token = ?)", [
        part,
        part + "\U0010ffff",
        sound(part, query=True) or "~",
    ]


#: A query whose every word (and filter) matches more index rows than this
#: is answered in name order, stopping at the page and the count (``Walk``):
#: sorting every "Muhammad" of a million reports takes seconds. Below it, the
#: rarest word's matches are sorted (at 52,000 reports, faster than any walk).
WALK_ABOVE = 20_000
#: Such a query counts its matches up to here and says "more than" beyond.
COUNT_CAP = 1000
#: A word whose prefix covers at most this many distinct index tokens is read
#: in name order straight from the token index (one ordered stream per token,
#: merged): a name's matches are not spread evenly in name order ("Muhammad …"
#: sits together under M), so a walk from A reads half the register first.
STREAM_TOKENS = 16
#: How far the words of a walk are counted to pick the rarest to stream
#: ("ali" of "mohd ali": 31,000 of a million reports, beside 308,000 Muhammads).
RAREST_CAP = 200_000


def _rows_for(conn: sqlite3.Connection, params: list[str], cap: int) -> int:
    """How many index rows a token touches, counted up to ``cap`` (index only)."""
    lo, hi, skel = params
    a = conn.execute(
        "SELECT count(*) FROM (SELECT 1 FROM web_search_tokens "
        "WHERE token >= ? AND token < ? LIMIT ?)",
        (lo, hi, cap),
    ).fetchone()[0]
    b = conn.execute(
        "SELECT count(*) FROM (SELECT 1 FROM web_search_tokens WHERE token = ? "
        "LIMIT ?)",
        (skel, cap),
    ).fetchone()[0]
    return int(a) + int(b)


def _filtered(
    conn: sqlite3.Connection, filters: list[tuple[str, str]], cap: int
) -> int:
    """Reports passing the filters, counted up to ``cap`` (index count)."""
    where = " AND ".join(f"{c} = ?" for c, _ in filters)
    return int(
        conn.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM web_search_reports WHERE {where} "
            "LIMIT ?)",
            [*(v for _, v in filters), cap],
        ).fetchone()[0]
    )


@dataclass(frozen=True)
class Walk:
    """Every query word and filter is common: answer in name order, stop early.

    With ``stream`` (the exact tokens of the rarest word, and which word it
    is), that word's matches are read in name order from the token index and
    the rest checked per match; else the register is read in name order and
    each row checked by index lookups. Either stops when the page is full and
    matches are counted up to :data:`COUNT_CAP`.
    """

    matchers: list[tuple[str, list[str]]]
    filters: list[tuple[str, str]]
    stream: tuple[list[str], int] | None = None

    def where(self, report_id: str, row: str) -> tuple[str, list[Any]]:
        """Conditions on a report id (SQL) and its register ``row`` alias."""
        conds = [f"{row}.{c} = ?" for c, _ in self.filters]
        params: list[Any] = [v for _, v in self.filters]
        for sql, values in self.matchers:
            conds.append(
                "EXISTS (SELECT 1 FROM web_search_tokens t "
                f"WHERE t.report_id = {report_id} AND {sql})"
            )
            params.extend(values)
        return " AND ".join(conds), params


def _candidates(
    conn: sqlite3.Connection, query: str, filters: list[tuple[str, str]]
) -> tuple[str, str, list[Any]] | Walk | None:
    """(WITH clause, SELECT of matching report_id and sort_key, parameters).

    None when there is neither a query nor a filter (everything matches); a
    :class:`Walk` when every word and filter matches many rows. Otherwise the
    rarest query token drives: its matches come straight from the token index
    with their sort keys; the other tokens and the filters are checked per
    candidate by index lookups, so the work follows the smallest set.
    """
    parts = units_of(query).parts
    matchers = [_matcher(t) for t in dict.fromkeys(parts)][:MAX_QUERY_TOKENS]
    if not matchers and not filters:
        return None
    cap = WALK_ABOVE + 1
    sizes = [_rows_for(conn, m[1], cap) for m in matchers]
    filtered = _filtered(conn, filters, cap) if filters else cap
    if min([*sizes, filtered]) > WALK_ABOVE:
        stream = None
        if matchers:
            if len(matchers) > 1:  # which is rarest, beyond the cap they all passed
                sizes = [_rows_for(conn, m[1], RAREST_CAP) for m in matchers]
            rarest = min(range(len(sizes)), key=sizes.__getitem__)
            tokens = _exact_tokens(conn, matchers[rarest][1])
            stream = None if tokens is None else (tokens, rarest)
        return Walk(matchers, filters, stream)
    return _driver(matchers, sizes, filters, filtered)


def _exact_tokens(conn: sqlite3.Connection, params: list[str]) -> list[str] | None:
    """The distinct index tokens a query part matches (None: more than
    :data:`STREAM_TOKENS`), found by one index seek each."""
    lo, hi, skel = params
    found: list[str] = []
    row = conn.execute(
        "SELECT min(token) FROM web_search_tokens WHERE token >= ? AND token < ?",
        (lo, hi),
    ).fetchone()
    while row is not None and row[0] is not None:
        found.append(str(row[0]))
        if len(found) > STREAM_TOKENS:
            return None
        row = conn.execute(
            "SELECT min(token) FROM web_search_tokens WHERE token > ? AND token < ?",
            (found[-1], hi),
        ).fetchone()
    if (
        skel not in found
        and conn.execute(
            "SELECT 1 FROM web_search_tokens WHERE token = ? LIMIT 1", (skel,)
        ).fetchone()
    ):
        found.append(skel)
    return found


def _driver(
    matchers: list[tuple[str, list[str]]],
    sizes: list[int],
    filters: list[tuple[str, str]],
    filtered: int,
) -> tuple[str, str, list[Any]]:
    """The plan driven by the rarest query word or a selective filter."""
    if not matchers:
        where = " AND ".join(f"{c} = ?" for c, _ in filters)
        return (
            "",
            f"SELECT report_id, sort_key FROM web_search_reports WHERE {where}",
            [v for _, v in filters],
        )
    if filters and filtered < min(sizes):
        # A selective filter drives: walk its (filter, sort_key) index in order.
        where = " AND ".join(f"r.{c} = ?" for c, _ in filters)
        params: list[Any] = [v for _, v in filters]
        for sql, values in matchers:
            where += (
                " AND EXISTS (SELECT 1 FROM web_search_tokens t "
                f"WHERE t.report_id = r.report_id AND {sql})"
            )
            params.extend(values)
        return (
            "",
            f"SELECT r.report_id, r.sort_key FROM web_search_reports r WHERE {where}",
            params,
        )
    matchers = [m for _, m in sorted(zip(sizes, matchers, strict=True), key=_first_of)]
    lo, hi, skel = matchers[0][1]
    cte = (
        "WITH c(sort_key, report_id) AS ("
        "SELECT sort_key, report_id FROM web_search_tokens WHERE token >= ? AND token < ? "
        "UNION SELECT sort_key, report_id FROM web_search_tokens WHERE token = ?)"
    )
    conds: list[str] = []
    params = [lo, hi, skel]
    for sql, values in matchers[1:]:
        conds.append(
            "EXISTS (SELECT 1 FROM web_search_tokens t "
            f"WHERE t.report_id = c.report_id AND {sql})"
        )
        params.extend(values)
    for column, value in filters:
        conds.append(
            "EXISTS (SELECT 1 FROM web_search_reports r "
            f"WHERE r.report_id = c.report_id AND r.{column} = ?)"
        )
        params.append(value)
    where = (" WHERE " + " AND ".join(conds)) if conds else ""
    return cte, f"SELECT report_id, sort_key FROM c{where}", params


def _first_of(pair: tuple[int, tuple[str, list[str]]]) -> int:
    return pair[0]


def _filters(
    status: str | None, incident: str | None, source: str | None
) -> list[tuple[str, str]]:
    return [
        (c, v)
        for c, v in (
            ("status", status),
            ("incident_id", incident),
            ("source_id", source),
        )
        if v
    ]


def _hits(conn: sqlite3.Connection, ids: list[str]) -> list[Hit]:
    """The register rows of reports ``ids``, in that order."""
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = {
        row[0]: row
        for row in conn.execute(
            f"SELECT {_HIT_COLUMNS} FROM web_search_reports WHERE report_id IN ({marks})",
            ids,
        )
    }
    return [Hit(*rows[i]) for i in ids if i in rows]


def search(
    conn: sqlite3.Connection,
    query: str = "",
    *,
    status: str | None = None,
    incident: str | None = None,
    source: str | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    complete: bool = True,
) -> SearchPage:
    """Reports matching ``query`` (all tokens) and the filters, ordered by name.

    ``complete`` tokenises every report not yet searchable first; a server
    whose background indexing is still running passes False.
    """
    if complete and query.strip():
        refresh(conn)
    page = max(1, page)
    found = _candidates(conn, query, _filters(status, incident, source))
    ids, total, exact = _page_keys(
        conn, found, page, page_size, _REPORTS, functools.partial(_report_walk, conn)
    )
    return SearchPage(
        query=query,
        total=total,
        page=page,
        page_size=page_size,
        hits=tuple(_hits(conn, ids)),
        exact=exact,
    )


@dataclass(frozen=True)
class _View:
    """What a register view lists: its rows in name order, and the candidates' rows.

    ``name`` is its row in :data:`TOTALS`; ``rows`` selects (key, sort_key)
    of everything the view lists; ``of``
    turns a candidate SELECT of (report_id, sort_key) into the view's rows.
    """

    name: str
    rows: str
    of: Callable[[str], str]


_REPORTS = _View(
    "reports",
    "SELECT report_id AS key, sort_key FROM web_search_reports",
    lambda select: f"SELECT report_id AS key, sort_key FROM ({select})",
)
_PERSONS = _View(
    "persons",
    "SELECT person_key AS key, sort_key FROM web_person_keys WHERE lead = 1",
    # The candidates' persons, each listed at their lead's place.
    lambda select: (
        "SELECT l.person_key AS key, l.sort_key AS sort_key FROM (SELECT DISTINCT "
        f"r.person_key FROM ({select}) m JOIN web_person_keys r "
        "ON r.report_id = m.report_id) p "
        "JOIN web_person_keys l ON l.person_key = p.person_key AND l.lead = 1"
    ),
)


def _page_keys(
    conn: sqlite3.Connection,
    found: tuple[str, str, list[Any]] | Walk | None,
    page: int,
    page_size: int,
    view: _View,
    walk: Callable[[Walk, int], list[str]],
) -> tuple[list[str], int, bool]:
    """The keys of one page of ``view``, how many match, and whether that is exact.

    A :class:`Walk` reads the first matches in name order and counts them up to
    :data:`COUNT_CAP`; a driven plan sorts its candidates and counts them in the
    same pass; no query and no filter lists the view's rows in order.
    """
    offset = (page - 1) * page_size
    if isinstance(found, Walk):
        walked = walk(found, page * page_size)
        exact = len(walked) <= COUNT_CAP
        return walked[offset : offset + page_size], min(len(walked), COUNT_CAP), exact
    if found is None:
        total = view_total(conn, view.name)
        rows = conn.execute(
            f"SELECT key FROM ({view.rows}) ORDER BY sort_key LIMIT ? OFFSET ?",
            (page_size, offset),
        ).fetchall()
        return [str(r[0]) for r in rows], int(total), True
    with_, select, params = found
    rows_of = view.of(select)
    # The count in the same pass as the page: the candidates are read once.
    rows = conn.execute(
        f"{with_} SELECT key, count(*) OVER () FROM ({rows_of}) "
        "ORDER BY sort_key LIMIT ? OFFSET ?",
        [*params, page_size, offset],
    ).fetchall()
    total = (
        rows[0][1]
        if rows
        else conn.execute(
            f"{with_} SELECT count(*) FROM ({rows_of})", params
        ).fetchone()[0]
    )
    return [str(r[0]) for r in rows], int(total), True


def view_total(conn: sqlite3.Connection, view: str) -> int:
    """How many rows a register view (``reports`` or ``persons``) lists in all.

    Read from the totals the triggers keep (see :func:`create_totals`), not
    counted: one row, whatever the size of the register.
    """
    row = conn.execute(f"SELECT n FROM {TOTALS} WHERE view = ?", (view,)).fetchone()
    return 0 if row is None else int(row[0])


def _report_walk(conn: sqlite3.Connection, walk: Walk, shown: int) -> list[str]:
    """The report ids a :class:`Walk` finds, in name order (see :func:`_page_keys`)."""
    if walk.stream is not None:
        return _stream_keys(conn, walk, shown)
    where, params = walk.where("r.report_id", "r")
    return _walk_keys(conn, _REPORT_ROWS, "r", "report_id", where, params, shown)


#: The register rows a walk reads in name order, by view (alias: see ``where``).
_REPORT_ROWS = "SELECT * FROM web_search_reports"
_LEAD_ROWS = "SELECT * FROM web_person_keys WHERE lead = 1"


def _walk_keys(
    conn: sqlite3.Connection,
    rows: str,
    alias: str,
    key: str,
    where: str,
    params: list[Any],
    shown: int,
) -> list[str]:
    """The first matches of a walk in name order (their ``key``).

    As many as the count (one past :data:`COUNT_CAP`) and the page (up to
    match ``shown``) need, in one pass: the page is a slice of them.
    """
    need = max(COUNT_CAP + 1, shown)
    return [
        str(r[0])
        for r in conn.execute(
            f"SELECT {alias}.{key} FROM ({rows}) {alias} WHERE {where} "
            f"ORDER BY {alias}.sort_key LIMIT ?",
            [*params, need],
        )
    ]


#: The index of each filter column, ordered by (value, sort key, report id).
_FILTER_INDEX = {
    "status": "web_search_reports_status",
    "incident_id": "web_search_reports_incident",
    "source_id": "web_search_reports_source",
}


def _in_order(
    conn: sqlite3.Connection,
    matchers: list[tuple[str, list[str]]],
    filters: list[tuple[str, str]],
) -> tuple[str, list[Any]]:
    """Conditions on a streamed token row ``s`` (in name order): the other
    words and the filters, each looked up by the row's (sort key, report id).

    Rows come in name order, so each lookup lands next to the last one in an
    index ordered by (word or filter value, sort key): a million reports'
    lookups by report id alone land anywhere in the report table or the
    token index, and the page cache cannot hold either.
    """
    conds: list[str] = []
    params: list[Any] = []
    for sql, values in matchers:
        exact = _exact_tokens(conn, values)
        if exact:
            marks = ",".join("?" * len(exact))
            conds.append(
                "EXISTS (SELECT 1 FROM web_search_tokens t WHERE t.token IN "
                f"({marks}) AND t.sort_key = s.sort_key AND t.report_id = s.report_id)"
            )
            params.extend(exact)
        elif exact is None:  # too many spellings to look up one by one
            conds.append(
                "EXISTS (SELECT 1 FROM web_search_tokens t "
                f"WHERE t.report_id = s.report_id AND {sql})"
            )
            params.extend(values)
        else:  # no index token has this word: nothing matches
            conds.append("0")
    for column, value in filters:
        conds.append(
            f"EXISTS (SELECT 1 FROM web_search_reports r INDEXED BY "
            f"{_FILTER_INDEX[column]} WHERE r.{column} = ? "
            "AND r.sort_key = s.sort_key AND r.report_id = s.report_id)"
        )
        params.append(value)
    return " AND ".join(conds), params


def _stream_keys(conn: sqlite3.Connection, walk: Walk, shown: int) -> list[str]:
    """:func:`_walk_keys` of the reports, read from the rarest word's tokens.

    Each token's rows are in name order in the index (token, sort key,
    report); SQLite merges the ordered streams (a compound SELECT's MERGE) and
    stops at the limit, the other words and the filters checked per row.
    """
    assert walk.stream is not None
    tokens, rarest = walk.stream
    cond, params = _in_order(
        conn, [m for i, m in enumerate(walk.matchers) if i != rarest], walk.filters
    )
    arm = "SELECT s.sort_key, s.report_id FROM web_search_tokens s WHERE s.token = ?"
    arm += f" AND {cond}" if cond else ""
    args = [value for token in tokens for value in (token, *params)]
    if not tokens:
        return []
    return [
        str(r[1])
        for r in conn.execute(
            " UNION ".join([arm] * len(tokens)) + " ORDER BY 1 LIMIT ?",
            [*args, max(COUNT_CAP + 1, shown)],
        )
    ]


def _lead_matches(walk: Walk) -> tuple[str, list[Any]]:
    """Conditions on a lead's row ``l``: one of its person's reports matches.

    A lead's reports first (CROSS JOIN: SQLite would otherwise read every
    report of a status for each lead); their register rows only to filter.
    The lead's own report is checked first, without looking up its person
    (most persons, before linkage all, have no other report).
    """
    own, params = walk.where("l.report_id", "r")
    if walk.filters:
        own = (
            "EXISTS (SELECT 1 FROM web_search_reports r "
            f"WHERE r.report_id = l.report_id AND {own})"
        )
    cond, more = walk.where("m.report_id", "r")
    join = (
        "CROSS JOIN web_search_reports r ON r.report_id = m.report_id "
        if walk.filters
        else ""
    )
    where = (
        f"l.lead = 1 AND ({own} OR EXISTS (SELECT 1 FROM web_person_keys m "
        f"{join}WHERE m.person_key = l.person_key AND m.lead = 0 AND {cond}))"
    )
    return where, params + more


def _stream_persons(
    conn: sqlite3.Connection,
    walk: Walk,
    where: str,
    params: list[Any],
    shown: int,
) -> list[str]:
    """:func:`_stream_keys` of linked persons, in their leads' name order.

    The rarest word's tokens of *lead* reports are read in name order from the
    token index, as for reports (a lead's place is its own report's). A person
    found only through another of their reports (a spelling or script the lead
    lacks) sits at its lead's place, not the report's: those persons (whose
    lead lacks the word's tokens: few, as linked reports mostly share the
    name) are sorted apart and merged in. ``where``/``params``: :func:`_lead_matches`, checked per person.
    """
    assert walk.stream is not None
    tokens, _ = walk.stream
    if not tokens:
        return []
    leads = (
        "SELECT s.sort_key, l.person_key FROM web_search_tokens s "
        "CROSS JOIN web_person_keys l ON l.report_id = s.report_id "
        f"WHERE s.token = ? AND {where}"
    )
    marks = ",".join("?" * len(tokens))
    others = (
        "SELECT l.sort_key, l.person_key FROM web_search_tokens s "
        "CROSS JOIN web_person_keys o ON o.report_id = s.report_id "
        "CROSS JOIN web_person_keys l ON l.person_key = o.person_key AND l.lead = 1 "
        f"WHERE s.token IN ({marks}) AND o.lead = 0 AND NOT EXISTS (SELECT 1 "
        "FROM web_search_tokens t WHERE t.report_id = l.report_id "
        f"AND t.token IN ({marks})) AND {where}"
    )
    args = [v for token in tokens for v in (token, *params)]
    return [
        str(r[1])
        for r in conn.execute(
            " UNION ".join([*[leads] * len(tokens), others]) + " ORDER BY 1 LIMIT ?",
            [*args, *tokens, *tokens, *params, max(COUNT_CAP + 1, shown)],
        )
    ]


def _linked(conn: sqlite3.Connection) -> bool:
    """Whether linkage grouped the reports into persons (else each stands alone)."""
    return conn.execute("SELECT 1 FROM web_persons LIMIT 1").fetchone() is not None


@dataclass(frozen=True)
class PersonHit:
    """One person in the register: what their reports say, and the reports."""

    person_id: str | None
    name: str
    name_urdu: str
    father_name: str
    statuses: tuple[str, ...]
    age: int | None
    village: str
    district: str
    sources: tuple[str, ...]
    reports: tuple[Hit, ...]

    @property
    def href(self) -> str:
        """The person's page (a lone report's own page before linkage)."""
        if self.person_id is not None:
            return f"/persons/{self.person_id}"
        return f"/reports/{self.reports[0].report_id}"


@dataclass(frozen=True)
class PersonPage(Page[PersonHit]):
    """One page of persons and how many match in all."""


def _first(values: list[str]) -> str:
    return next((v for v in values if v), "")


def _person(key: str, reports: list[Hit]) -> PersonHit:
    linked = all(r.report_id != key for r in reports)
    return PersonHit(
        person_id=key if linked else None,
        name=_first([r.name for r in reports]),
        name_urdu=_first([r.name_urdu for r in reports]),
        father_name=_first([r.father_name for r in reports]),
        statuses=tuple(
            dict.fromkeys(r.status for r in reports if r.status != "unknown")
        )
        or ("unknown",),
        age=next((r.age for r in reports if r.age is not None), None),
        village=_first([r.village for r in reports]),
        district=_first([r.district for r in reports]),
        sources=tuple(dict.fromkeys(r.source_id for r in reports)),
        reports=tuple(reports),
    )


def search_persons(
    conn: sqlite3.Connection,
    query: str = "",
    *,
    status: str | None = None,
    incident: str | None = None,
    source: str | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    complete: bool = True,
) -> PersonPage:
    """Persons with at least one report matching ``query`` and the filters, by name.

    A person stands in the register once, whatever the number of their reports
    (before linkage, each report is its own person). ``complete``: see :func:`search`.
    """
    if complete and query.strip():
        refresh(conn)
    page = max(1, page)
    found = _candidates(conn, query, _filters(status, incident, source))

    def walk(walk: Walk, shown: int) -> list[str]:
        where, params = _lead_matches(walk)
        if walk.stream is not None:
            return _stream_persons(conn, walk, where, params, shown)
        return _walk_keys(conn, _LEAD_ROWS, "l", "person_key", where, params, shown)

    if _linked(conn):
        order, total, exact = _page_keys(conn, found, page, page_size, _PERSONS, walk)
    else:
        # Before linkage every report is its own person, keyed by its id and
        # its own lead: the persons are the reports, found by the reports'
        # plans (at a million reports, each person join costs a lookup a row).
        order, total, exact = _page_keys(
            conn,
            found,
            page,
            page_size,
            _REPORTS,
            functools.partial(_report_walk, conn),
        )
    grouped: dict[str, list[Hit]] = {k: [] for k in order}
    marks = ",".join("?" * len(order))
    if order:
        rows = conn.execute(
            f"SELECT person_key, report_id FROM web_person_keys "
            f"WHERE person_key IN ({marks}) ORDER BY lead DESC, sort_key",
            order,
        ).fetchall()
        by_id = {h.report_id: h for h in _hits(conn, [str(r[1]) for r in rows])}
        for key, rid in rows:
            if str(rid) in by_id:
                grouped[str(key)].append(by_id[str(rid)])
    return PersonPage(
        query=query,
        total=int(total),
        page=page,
        page_size=page_size,
        hits=tuple(_person(k, grouped[k]) for k in order if grouped[k]),
        exact=exact,
    )


def person_reports(conn: sqlite3.Connection, person_key: str) -> list[str]:
    """The report ids of a person (lead first), from the register index."""
    return [
        str(r[0])
        for r in conn.execute(
            "SELECT report_id FROM web_person_keys WHERE person_key = ? "
            "ORDER BY lead DESC, sort_key",
            (person_key,),
        )
    ]


def person_of(conn: sqlite3.Connection, report_id: str) -> str | None:
    """The person a report was linked into (None while it stands alone)."""
    row = conn.execute(
        "SELECT person_key FROM web_person_keys WHERE report_id = ?", (report_id,)
    ).fetchone()
    return None if row is None or row[0] == report_id else str(row[0])


def linked_by(
    conn: sqlite3.Connection, person_id: str
) -> tuple[str, str, str, str] | None:
    """(event id, author, recorded at, "method, run R") of the linkage that made a person."""
    row = conn.execute(
        "SELECT event_id, author, recorded_at, method, run_id FROM web_persons "
        "WHERE person_id = ?",
        (person_id,),
    ).fetchone()
    if row is None:
        return None
    return str(row[0]), str(row[1]), str(row[2]), f"{row[3]}, run {row[4]}"
