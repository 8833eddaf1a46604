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

import json
import re
import sqlite3
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from gawah.web._domains import domain_attr

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
CREATE INDEX IF NOT EXISTS web_search_tokens_report
    ON web_search_tokens(report_id, token);
"""
DROP = ("web_search_tokens", "web_search_reports")

_NON_LETTER = re.compile(r"[^\w]+", re.UNICODE)
_VOWELS = re.compile(r"[aeiouyw]")


def _simple_tokens(text: str) -> list[str]:
    """Fallback when the linkage normaliser is absent: NFKD fold, lower, split."""
    folded = "".join(
        ch
        for ch in unicodedata.normalize("NFKD", text)
        if not unicodedata.combining(ch)
    )
    return [t for t in _NON_LETTER.sub(" ", folded.casefold()).split() if t]


def _simple_skeleton(token: str) -> str:
    if not token:
        return ""
    return token[0] + _VOWELS.sub("", token[1:])


@lru_cache(maxsize=1)
def _normaliser() -> tuple[Callable[[str], list[str]], Callable[[str], str]]:
    parse_name: Any = domain_attr("linkage", "parse_name")
    skeleton: Any = domain_attr("linkage", "skeleton")
    if parse_name is None or skeleton is None:
        try:
            from gawah.linkage import normalise as _n
        except ImportError:
            return _simple_tokens, _simple_skeleton
        parse_name, skeleton = _n.parse_name, _n.skeleton

    def tokens(text: str) -> list[str]:
        parsed = parse_name(text)
        return [str(t) for t in (*parsed.tokens, *parsed.relative)]

    return tokens, skeleton


def tokens_of(text: str) -> list[str]:
    """Canonical search tokens of a name in any script."""
    if not text.strip():
        return []
    tokens, _ = _normaliser()
    try:
        return tokens(text)
    except Exception:  # the index must never break an append
        return _simple_tokens(text)


def index_tokens(names: list[str]) -> set[str]:
    """Every token (and ``~skeleton``) a report is found by."""
    _, skeleton = _normaliser()
    out: set[str] = set()
    for name in names:
        for tok in tokens_of(name):
            out.add(tok)
            try:
                skel = skeleton(tok)
            except Exception:
                skel = _simple_skeleton(tok)
            if skel:
                out.add("~" + skel)
    return out


def _sort_key(name: str) -> str:
    return " ".join(_simple_tokens(name))


def _s(payload: dict[str, Any], key: str) -> str:
    value = payload.get(key)
    return "" if value is None else str(value)


_INDEX_REPORT = (
    "INSERT OR REPLACE INTO web_search_reports VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,1)"
)


def _index_row(payload: dict[str, Any]) -> tuple[Any, ...] | None:
    """The ``web_search_reports`` row of one report version (None: no report id)."""
    report_id = payload.get("report_id")
    if not isinstance(report_id, str):
        return None
    names = [_s(payload, f) for f in NAME_FIELDS]
    display = _s(payload, "full_name") or " ".join(
        x for x in (_s(payload, "given_name"), _s(payload, "family_name")) if x
    )
    age = payload.get("age")
    sort_key = _sort_key(display or _s(payload, "name_urdu")) + "\x1f" + report_id
    return (
        report_id,
        payload.get("incident_id"),
        _s(payload, "source_id"),
        _s(payload, "status") or "unknown",
        _s(payload, "sex") or "unknown",
        age if isinstance(age, int) else None,
        display,
        _s(payload, "name_urdu"),
        _s(payload, "father_name"),
        _s(payload, "village"),
        _s(payload, "district"),
        sort_key,
        json.dumps([*names, _s(payload, "father_name")], ensure_ascii=False),
    )


def index_report(conn: sqlite3.Connection, payload: dict[str, Any]) -> None:
    """(Re)index one report version from its ``report.recorded`` payload."""
    index_reports(conn, [payload])


def index_reports(conn: sqlite3.Connection, payloads: list[dict[str, Any]]) -> None:
    """(Re)index report versions in order, as :func:`index_report` on each would.

    The two tables are independent, so the token deletions and the row upserts
    each go in with one ``executemany`` (a later version still replaces an
    earlier one: the upserts run in order).
    """
    rows = [row for row in map(_index_row, payloads) if row is not None]
    if not rows:
        return
    conn.executemany(
        "DELETE FROM web_search_tokens WHERE report_id=?", [(r[0],) for r in rows]
    )
    conn.executemany(_INDEX_REPORT, rows)


def refresh(conn: sqlite3.Connection, batch: int = 5000) -> int:
    """Tokenise reports recorded since the last search; return how many.

    The projector only stores names: tokenising needs the linkage normaliser,
    whose import (Splink, pandas) must not slow every ``report.recorded``
    append in every process. The web process completes the index here, before
    it searches, in its own short transactions.
    """
    done = 0
    while True:
        rows = conn.execute(
            "SELECT report_id, sort_key, names FROM web_search_reports "
            "WHERE pending = 1 LIMIT ?",
            (batch,),
        ).fetchall()
        if not rows:
            return done
        conn.execute("BEGIN IMMEDIATE")
        try:
            for report_id, sort_key, names in rows:
                conn.execute(
                    "DELETE FROM web_search_tokens WHERE report_id=?", (report_id,)
                )
                conn.executemany(
                    "INSERT OR IGNORE INTO web_search_tokens VALUES (?, ?, ?)",
                    [(t, sort_key, report_id) for t in index_tokens(json.loads(names))],
                )
                conn.execute(
                    "UPDATE web_search_reports SET pending = 0 WHERE report_id = ?",
                    (report_id,),
                )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        done += len(rows)


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


@dataclass(frozen=True)
class SearchPage:
    """One page of results and how many match in all."""

    query: str
    total: int
    page: int
    page_size: int
    hits: tuple[Hit, ...]

    @property
    def pages(self) -> int:
        """Number of pages (at least 1)."""
        return max(1, -(-self.total // self.page_size))


def _matcher(tok: str) -> tuple[str, list[str]]:
    """SQL (on alias ``t``) and parameters for one query token: prefix or skeleton."""
    _, skeleton = _normaliser()
    try:
        skel = "~" + skeleton(tok)
    except Exception:
        skel = "~" + _simple_skeleton(tok)
    return "((t.token >= ? AND t.token < ?) OR t.token = ?)", [
        tok,
        tok + "\U0010ffff",
        skel,
    ]


def _rows_for(conn: sqlite3.Connection, params: list[str]) -> int:
    """How many index rows a token touches (cheap, index only): to pick the driver."""
    lo, hi, skel = params
    a = conn.execute(
        "SELECT count(*) FROM web_search_tokens WHERE token >= ? AND token < ?",
        (lo, hi),
    ).fetchone()[0]
    b = conn.execute(
        "SELECT count(*) FROM web_search_tokens WHERE token = ?", (skel,)
    ).fetchone()[0]
    return int(a) + int(b)


def _filtered(conn: sqlite3.Connection, filters: list[tuple[str, str]]) -> int:
    """Reports passing the filters (index count)."""
    where = " AND ".join(f"{c} = ?" for c, _ in filters)
    return int(
        conn.execute(
            f"SELECT count(*) FROM web_search_reports WHERE {where}",
            [v for _, v in filters],
        ).fetchone()[0]
    )


def _page(
    conn: sqlite3.Connection,
    source: str,
    params: list[Any],
    page: int,
    page_size: int,
    *,
    with_: str = "",
) -> tuple[int, list[str]]:
    """How many rows ``source`` (a FROM clause) holds, and one page of their ids by name."""
    total = int(
        conn.execute(f"{with_}SELECT count(*) FROM {source}", params).fetchone()[0]
    )
    ids = [
        str(row[0])
        for row in conn.execute(
            f"{with_}SELECT report_id FROM {source} ORDER BY sort_key LIMIT ? OFFSET ?",
            [*params, page_size, (page - 1) * page_size],
        )
    ]
    return total, ids


def search(
    conn: sqlite3.Connection,
    query: str = "",
    *,
    status: str | None = None,
    incident: str | None = None,
    source: str | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> SearchPage:
    """Reports matching ``query`` (all tokens) and the filters, ordered by name.

    The rarest query token drives: its matches come straight from the token
    index with their sort keys; the other tokens and the filters are checked
    per candidate by index lookups, so the work follows the smallest set.
    """
    refresh(conn)
    page = max(1, page)
    filters = [
        (c, v)
        for c, v in (
            ("status", status),
            ("incident_id", incident),
            ("source_id", source),
        )
        if v
    ]
    matchers = [_matcher(t) for t in dict.fromkeys(tokens_of(query))][:MAX_QUERY_TOKENS]
    if not matchers:
        where = " AND ".join(f"{c} = ?" for c, _ in filters)
        clause = f" WHERE {where}" if where else ""
        values = [v for _, v in filters]
        total, ids = _page(conn, f"web_search_reports{clause}", values, page, page_size)
    elif filters and _filtered(conn, filters) < min(
        _rows_for(conn, m[1]) for m in matchers
    ):
        # A selective filter drives: walk its (filter, sort_key) index in order.
        where = " AND ".join(f"r.{c} = ?" for c, _ in filters)
        params2: list[Any] = [v for _, v in filters]
        for sql, values in matchers:
            where += (
                " AND EXISTS (SELECT 1 FROM web_search_tokens t "
                f"WHERE t.report_id = r.report_id AND {sql})"
            )
            params2.extend(values)
        total, ids = _page(
            conn, f"web_search_reports r WHERE {where}", params2, page, page_size
        )
    else:
        matchers.sort(key=lambda m: _rows_for(conn, m[1]))
        lo, hi, skel = matchers[0][1]
        cte = (
            "WITH c(sort_key, report_id) AS ("
            "SELECT sort_key, report_id FROM web_search_tokens WHERE token >= ? AND token < ? "
            "UNION SELECT sort_key, report_id FROM web_search_tokens WHERE token = ?) "
        )
        conds: list[str] = []
        params: list[Any] = [lo, hi, skel]
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
        total, ids = _page(conn, f"c{where}", params, page, page_size, with_=cte)
    hits: list[Hit] = []
    if ids:
        marks = ",".join("?" * len(ids))
        rows = {
            row[0]: row
            for row in conn.execute(
                "SELECT report_id, incident_id, source_id, status, sex, age, name, name_urdu, "
                f"father_name, village, district FROM web_search_reports "
                f"WHERE report_id IN ({marks})",
                ids,
            )
        }
        hits = [Hit(*rows[i]) for i in ids if i in rows]
    return SearchPage(
        query=query, total=int(total), page=page, page_size=page_size, hits=tuple(hits)
    )
