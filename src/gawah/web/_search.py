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

import re
import sqlite3
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
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
    district TEXT NOT NULL, sort_key TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS web_search_reports_sort ON web_search_reports(sort_key);
CREATE INDEX IF NOT EXISTS web_search_reports_status
    ON web_search_reports(status, sort_key);
CREATE INDEX IF NOT EXISTS web_search_reports_incident
    ON web_search_reports(incident_id, sort_key);
CREATE INDEX IF NOT EXISTS web_search_reports_source
    ON web_search_reports(source_id, sort_key);
CREATE TABLE IF NOT EXISTS web_search_tokens (
    token TEXT NOT NULL, report_id TEXT NOT NULL, PRIMARY KEY (token, report_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS web_search_tokens_report ON web_search_tokens(report_id);
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


def index_report(conn: sqlite3.Connection, payload: dict[str, Any]) -> None:
    """(Re)index one report version from its ``report.recorded`` payload."""
    report_id = payload.get("report_id")
    if not isinstance(report_id, str):
        return
    names = [_s(payload, f) for f in NAME_FIELDS]
    display = _s(payload, "full_name") or " ".join(
        x for x in (_s(payload, "given_name"), _s(payload, "family_name")) if x
    )
    age = payload.get("age")
    conn.execute("DELETE FROM web_search_tokens WHERE report_id=?", (report_id,))
    conn.execute(
        "INSERT OR REPLACE INTO web_search_reports VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (
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
            _sort_key(display or _s(payload, "name_urdu")) + "\x1f" + report_id,
        ),
    )
    conn.executemany(
        "INSERT OR IGNORE INTO web_search_tokens VALUES (?, ?)",
        [(t, report_id) for t in index_tokens([*names, _s(payload, "father_name")])],
    )


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
    """Reports matching ``query`` (all tokens) and the filters, ordered by name."""
    where: list[str] = []
    params: list[Any] = []
    _, skeleton = _normaliser()
    for tok in tokens_of(query)[:MAX_QUERY_TOKENS]:
        try:
            skel = "~" + skeleton(tok)
        except Exception:
            skel = "~" + _simple_skeleton(tok)
        where.append(
            "report_id IN (SELECT report_id FROM web_search_tokens "
            "WHERE (token >= ? AND token < ?) OR token = ?)"
        )
        params.extend([tok, tok + "\U0010ffff", skel])
    for column, value in (
        ("status", status),
        ("incident_id", incident),
        ("source_id", source),
    ):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    total = int(
        conn.execute(
            f"SELECT count(*) FROM web_search_reports{clause}", params
        ).fetchone()[0]
    )
    page = max(1, page)
    rows = conn.execute(
        "SELECT report_id, incident_id, source_id, status, sex, age, name, name_urdu, "
        f"father_name, village, district FROM web_search_reports{clause} "
        "ORDER BY sort_key LIMIT ? OFFSET ?",
        [*params, page_size, (page - 1) * page_size],
    ).fetchall()
    hits = tuple(Hit(*(row[i] for i in range(11))) for row in rows)
    return SearchPage(
        query=query, total=total, page=page, page_size=page_size, hits=hits
    )
