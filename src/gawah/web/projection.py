"""Role grants as ledger events: who gave whom which role, auditable and replayable.

Event ``user.role_granted`` carries ``{"user", "role", "server", "by"}``; ``role`` may
be ``"none"`` to revoke. ``server`` is the id of the web server whose accounts
the grant is for (see :class:`gawah.web._store.WebStore`), so a grant recorded on
one device never gives anyone access to another device's server after a sync.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from gawah.errors import LedgerIntegrityError
from gawah.ledger import Event
from gawah.web import _cache, _search

if TYPE_CHECKING:
    from gawah.workspace import Workspace

ROLE_GRANTED = "user.role_granted"
#: The workspace holds FICTIONAL data (the demo's, or a test's): every page says so.
#: A ledger event, so the label travels with the data to every synced copy.
FICTIONAL_LABELLED = "workspace.labelled_fictional"
REPORT_RECORDED = (
    "report.recorded"  # the registry's event, indexed for the register search
)
#: The registry's event: linkage's persons, for the register by person.
PERSONS_ASSIGNED = "persons.assigned"


class _WebProjector:
    name = "web"
    # The search tokens and the ``pending`` flag are completed lazily by the web
    # process (``_search.refresh``), not by ``apply``: a cache, left out of the
    # projection check. What the register shows comes from the checked columns.
    volatile: ClassVar[dict[str, tuple[str, ...]]] = {
        "web_search_tokens": ("*",),
        "web_search_reports": ("pending",),
        "web_search_version": ("*",),
        _cache.TABLE: ("*",),  # pages kept per ledger state (gawah.web._cache)
    }

    def create(self, conn: sqlite3.Connection) -> None:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS web_role_grants ("
            " server TEXT NOT NULL, user_name TEXT NOT NULL, role TEXT NOT NULL,"
            " granted_by TEXT NOT NULL, event_id TEXT NOT NULL,"
            " recorded_at TEXT NOT NULL,"
            " PRIMARY KEY (server, user_name))"
        )

        conn.execute(
            "CREATE TABLE IF NOT EXISTS web_history (report_id TEXT NOT NULL,"
            " event_id TEXT NOT NULL, kind TEXT NOT NULL, author TEXT NOT NULL,"
            " recorded_at TEXT NOT NULL, PRIMARY KEY (report_id, event_id)) WITHOUT ROWID"
        )
        for stmt in _search.SCHEMA.split(";"):
            if stmt.strip():
                conn.execute(stmt)
        conn.execute(_cache.SCHEMA)

    def drop(self, conn: sqlite3.Connection) -> None:
        conn.execute("DROP TABLE IF EXISTS web_role_grants")
        for table in (*_search.DROP, "web_history", _cache.TABLE):
            conn.execute(f"DROP TABLE IF EXISTS {table}")

    def apply_many(self, conn: sqlite3.Connection, events: list[Event]) -> None:
        """Fold a chunk of events in, one by one: a ``persons.assigned`` reads
        the person keys the reports before it wrote, so order must hold."""
        for event in events:
            self.apply(conn, event)

    def apply(self, conn: sqlite3.Connection, event: Event) -> None:
        _index_history(conn, event)
        if event.kind == REPORT_RECORDED:
            _search.index_report(conn, event.payload)
            return
        if event.kind == PERSONS_ASSIGNED:
            _search.index_persons(
                conn, event.payload, (event.id, event.author, event.recorded_at)
            )
            return
        if event.kind != ROLE_GRANTED:
            return
        p = event.payload
        user, role, server = p.get("user"), p.get("role"), p.get("server")
        if not (
            isinstance(user, str) and isinstance(role, str) and isinstance(server, str)
        ):
            return
        conn.execute(
            "INSERT INTO web_role_grants VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(server, user_name) DO UPDATE SET role=excluded.role, "
            "granted_by=excluded.granted_by, event_id=excluded.event_id, "
            "recorded_at=excluded.recorded_at",
            (
                server,
                user,
                role,
                str(p.get("by") or event.author),
                event.id,
                event.recorded_at,
            ),
        )


PROJECTOR = _WebProjector()

#: Payload keys that name the report(s) an event is about.
_REPORT_KEYS = ("report_id", "report_l", "report_r")


def _index_history(conn: sqlite3.Connection, event: Event) -> None:
    """Remember which reports an event mentions, for the person page's history.

    ``persons.assigned`` (one event naming every report) is left out: the page
    shows the current assignment from the registry instead.
    """
    if event.kind == "persons.assigned":
        return
    p = event.payload
    ids = {p[k] for k in _REPORT_KEYS if isinstance(p.get(k), str)}
    many = p.get("report_ids")
    if isinstance(many, list):
        ids.update(x for x in many if isinstance(x, str))
    if ids:
        conn.executemany(
            "INSERT OR IGNORE INTO web_history VALUES (?, ?, ?, ?, ?)",
            [(r, event.id, event.kind, event.author, event.recorded_at) for r in ids],
        )


def history(
    conn: sqlite3.Connection, report_ids: list[str]
) -> list[tuple[str, str, str, str]]:
    """(event_id, kind, author, recorded_at) of events about any of the reports."""
    if not report_ids:
        return []
    marks = ",".join("?" * len(report_ids))
    try:
        rows = conn.execute(
            "SELECT DISTINCT event_id, kind, author, recorded_at FROM web_history "
            f"WHERE report_id IN ({marks}) ORDER BY recorded_at, event_id",
            report_ids,
        ).fetchall()
    except sqlite3.OperationalError:
        return []
    return [(str(a), str(b), str(c), str(d)) for a, b, c, d in rows]


def role_of(
    conn: sqlite3.Connection,
    server: str,
    user: str,
    trusted: Callable[[Event], bool] | None = None,
) -> str | None:
    """The role the ledger grants ``user`` on ``server`` (None when never granted).

    Read from the signed ``user.role_granted`` events themselves, not from the
    ``web_role_grants`` table (which anyone with the file could edit): each
    grant's hash and signature are checked, and ``trusted`` (the workspace's
    device registry) must accept its device. The newest valid grant stands.
    """
    from gawah.ledger import Event as _Event

    try:
        rows = conn.execute(
            "SELECT pos, raw, signature FROM ledger_events WHERE kind = ? ORDER BY pos",
            (ROLE_GRANTED,),
        ).fetchall()
    except sqlite3.OperationalError:
        return None
    role: str | None = None
    for pos, raw, signature in rows:
        try:
            event = _Event.from_stored(bytes(raw), bytes(signature), rowid=int(pos))
        except (ValueError, LedgerIntegrityError):
            continue
        p = event.payload
        if p.get("server") != server or p.get("user") != user:
            continue
        if not _signed(event) or (trusted is not None and not trusted(event)):
            continue
        value = p.get("role")
        if isinstance(value, str):
            role = value
    return role


def _signed(event: Event) -> bool:
    import nacl.bindings
    import nacl.exceptions

    try:
        nacl.bindings.crypto_sign_open(
            event.signature + event.raw, bytes.fromhex(event.device)
        )
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, ValueError):
        return False
    return True


def grants(conn: sqlite3.Connection, server: str) -> list[tuple[str, str, str, str]]:
    """Every (user, role, granted_by, recorded_at) on ``server``, for the audit page."""
    try:
        rows = conn.execute(
            "SELECT user_name, role, granted_by, recorded_at FROM web_role_grants "
            "WHERE server=? ORDER BY user_name",
            (server,),
        ).fetchall()
    except sqlite3.OperationalError:
        return []
    return [(str(a), str(b), str(c), str(d)) for a, b, c, d in rows]


def label_fictional(ws: Workspace, why: str) -> None:
    """Label the workspace as holding FICTIONAL data (once; later calls do nothing)."""
    if not is_fictional(ws):
        ws.append(FICTIONAL_LABELLED, {"why": why})


def is_fictional(ws: Workspace) -> bool:
    """Whether the workspace was labelled FICTIONAL (by ``gawah demo`` or a test)."""
    return next(iter(ws.ledger.events(kind=FICTIONAL_LABELLED)), None) is not None


def up_to_date(conn: sqlite3.Connection, reports: int) -> bool:
    """Whether the web's tables hold all ``reports`` the registry holds.

    ``web_person_keys`` came with this version: a workspace indexed before it
    has reports there is no person row for, and is indexed again once.
    """
    if indexed_reports(conn) != reports:
        return False
    keys = conn.execute("SELECT count(*) FROM web_person_keys").fetchone()[0]
    return int(keys) == reports


def indexed_reports(conn: sqlite3.Connection) -> int:
    """How many reports the register index holds."""
    try:
        return int(
            conn.execute("SELECT count(*) FROM web_search_reports").fetchone()[0]
        )
    except sqlite3.OperationalError:
        return 0
