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

from gawah.ledger import Event, stored_events
from gawah.registry import assignment_order
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
        indexed = _has_table(conn, "web_search_reports")
        for stmt in _search.SCHEMA.split(";"):
            if stmt.strip():
                conn.execute(stmt)
        _search.create_totals(conn)
        _create_shown(conn, indexed=indexed)
        conn.execute(_cache.SCHEMA)

    def defer_bulk(self, conn: sqlite3.Connection) -> None:
        """A bulk write begins (:class:`gawah.ledger.DeferredIndexes`): the
        register's totals are counted once at its end, not by a trigger per row."""
        _search.drop_totals_triggers(conn)

    def resume_bulk(self, conn: sqlite3.Connection) -> None:
        """The bulk write's rows are in: count the totals, make the triggers again."""
        _search.recount_totals(conn)

    def drop(self, conn: sqlite3.Connection) -> None:
        conn.execute("DROP TABLE IF EXISTS web_role_grants")
        for table in (*_search.DROP, "web_history", *_SHOWN_TABLES, _cache.TABLE):
            conn.execute(f"DROP TABLE IF EXISTS {table}")

    def apply_many(self, conn: sqlite3.Connection, events: list[Event]) -> None:
        """Fold a chunk of events in as :meth:`apply` on each would.

        The reports, history rows and role grants between two ``persons.assigned``
        go in with one ``executemany`` per table (each table keeps the events'
        order); a ``persons.assigned`` reads the person keys the reports before
        it wrote, so everything before it is written first.
        """
        recorded: list[Event] = []
        history: list[tuple[str, str, str, str, str]] = []
        roles: list[tuple[str, str, str, str, str, str]] = []

        def flush() -> None:
            conn.executemany(_INSERT_HISTORY, history)
            # Which version is shown is decided per event, in order (sync may
            # bring an older version after a newer one); the index rows of the
            # shown ones still go in together.
            shown = _shown_reports(conn, recorded)
            _search.index_reports(
                conn, [e.payload for e, s in zip(recorded, shown, strict=True) if s]
            )
            conn.executemany(_UPSERT_ROLE, roles)
            recorded.clear()
            history.clear()
            roles.clear()

        for event in events:
            if event.kind == PERSONS_ASSIGNED:
                flush()
                self.apply(conn, event)
                continue
            history.extend(_history_rows(event))
            if event.kind == REPORT_RECORDED:
                recorded.append(event)
            elif event.kind == ROLE_GRANTED:
                roles.extend(_role_rows(event))
        flush()

    def apply(self, conn: sqlite3.Connection, event: Event) -> None:
        _index_history(conn, event)
        if event.kind == REPORT_RECORDED:
            if _shown_report(conn, event):
                _search.index_report(conn, event.payload)
            return
        if event.kind == PERSONS_ASSIGNED:
            if _shown_persons(conn, event):
                _search.index_persons(
                    conn, event.payload, (event.id, event.author, event.recorded_at)
                )
            return
        if event.kind == ROLE_GRANTED:
            conn.executemany(_UPSERT_ROLE, _role_rows(event))


_UPSERT_ROLE = (
    "INSERT INTO web_role_grants VALUES (?, ?, ?, ?, ?, ?) "
    "ON CONFLICT(server, user_name) DO UPDATE SET role=excluded.role, "
    "granted_by=excluded.granted_by, event_id=excluded.event_id, "
    "recorded_at=excluded.recorded_at"
)
_INSERT_HISTORY = "INSERT OR IGNORE INTO web_history VALUES (?, ?, ?, ?, ?)"


def _role_rows(event: Event) -> list[tuple[str, str, str, str, str, str]]:
    """The ``web_role_grants`` row of a well-formed grant (none otherwise)."""
    p = event.payload
    user, role, server = p.get("user"), p.get("role"), p.get("server")
    if not (
        isinstance(user, str) and isinstance(role, str) and isinstance(server, str)
    ):
        return []
    by = str(p.get("by") or event.author)
    return [(server, user, role, by, event.id, event.recorded_at)]


PROJECTOR = _WebProjector()

# Which version of each report, and which persons.assigned, the register shows:
# the registry's rules (the highest version, then the larger event id; the
# greatest assignment by gawah.registry.assignment_order), kept here because a
# projector never reads another's tables. Teams merging their feeds by sync then
# see the same register and search results whatever order the events arrived in.
_SHOWN_TABLES = ("web_shown_reports", "web_shown_persons")


def _create_shown(conn: sqlite3.Connection, *, indexed: bool) -> None:
    """Create the tables of what is shown; fill them once in an older workspace.

    A workspace ``indexed`` before they existed holds events they must reflect
    (``gawah ledger verify`` replays every event and compares): they are filled
    from the stored events, and a report whose indexed version was not the one
    shown by these rules (a concurrent edit that arrived last) is indexed again.
    (A rebuild drops every table first and fills them by its replay.)
    """
    existed = _has_table(conn, _SHOWN_TABLES[0])
    conn.execute(
        "CREATE TABLE IF NOT EXISTS web_shown_reports (report_id TEXT PRIMARY KEY,"
        " version INTEGER NOT NULL, event_id TEXT NOT NULL) WITHOUT ROWID"
    )
    conn.execute(
        "CREATE TABLE IF NOT EXISTS web_shown_persons (event_id TEXT PRIMARY KEY,"
        " generation INTEGER NOT NULL, recorded_at TEXT NOT NULL)"
    )
    if indexed and not existed and _has_table(conn, "ledger_events"):
        _backfill_shown(conn)


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    found = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return found is not None


def _stored(conn: sqlite3.Connection, kind: str) -> list[Event]:
    """The stored events of one kind (damaged rows left out: verify reports them)."""
    return list(stored_events(conn, [kind]))


def _backfill_shown(conn: sqlite3.Connection) -> None:
    last: dict[str, str] = {}
    best: dict[str, tuple[int, str, dict[str, object]]] = {}
    for event in _stored(conn, REPORT_RECORDED):
        report_id, version = (
            event.payload.get("report_id"),
            event.payload.get("version"),
        )
        if not isinstance(report_id, str) or type(version) is not int:
            continue
        last[report_id] = event.id
        if report_id not in best or (version, event.id) > best[report_id][:2]:
            best[report_id] = (version, event.id, event.payload)
    conn.executemany(
        "INSERT OR REPLACE INTO web_shown_reports VALUES (?, ?, ?)",
        [(r, v, e) for r, (v, e, _) in best.items()],
    )
    for report_id, (_, event_id, payload) in best.items():
        if last[report_id] != event_id:
            _search.index_report(conn, payload)
    assigned = _stored(conn, PERSONS_ASSIGNED)
    if assigned:
        top = max(
            assigned, key=lambda e: assignment_order(e.payload, e.recorded_at, e.id)
        )
        _shown_persons(conn, top)
        if top.id != assigned[-1].id:
            _search.index_persons(
                conn, top.payload, (top.id, top.author, top.recorded_at)
            )


def _shown_report(conn: sqlite3.Connection, event: Event) -> bool:
    """Whether this report version is the one to show (and now recorded as such)."""
    report_id, version = event.payload.get("report_id"), event.payload.get("version")
    if not isinstance(report_id, str) or type(version) is not int:
        return True  # the index decides what to do with a malformed payload
    # One upsert that changes the row only for a greater (version, event id):
    # an older version arriving late never replaces a newer one.
    cursor = conn.execute(
        "INSERT INTO web_shown_reports VALUES (?, ?, ?) ON CONFLICT (report_id)"
        " DO UPDATE SET version = excluded.version, event_id = excluded.event_id"
        " WHERE (excluded.version, excluded.event_id)"
        " > (web_shown_reports.version, web_shown_reports.event_id)",
        (report_id, version, event.id),
    )
    return cursor.rowcount > 0


_UPSERT_SHOWN = (
    "INSERT INTO web_shown_reports VALUES (?, ?, ?) ON CONFLICT (report_id)"
    " DO UPDATE SET version = excluded.version, event_id = excluded.event_id"
)


def _shown_reports(conn: sqlite3.Connection, events: list[Event]) -> list[bool]:
    """:func:`_shown_report` on each report event in order, with one read of
    the shown versions (500 reports at a time) and one ``executemany``.

    The (version, event id) comparison is made here as SQLite makes it in
    :func:`_shown_report` (integers by value, text by its UTF-8 bytes, which
    Python's order of code points follows); a stored row of other types (an
    edited table) sends the run through :func:`_shown_report` instead.
    """
    keys: list[tuple[str, int, str] | None] = []
    for event in events:
        report_id, version = (
            event.payload.get("report_id"),
            event.payload.get("version"),
        )
        if isinstance(report_id, str) and type(version) is int:
            keys.append((report_id, version, event.id))
        else:
            keys.append(None)
    ids = list(dict.fromkeys(k[0] for k in keys if k is not None))
    best: dict[str, tuple[int, str]] = {}
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        marks = ", ".join("?" * len(part))
        for report_id, version, event_id in conn.execute(
            "SELECT report_id, version, event_id FROM web_shown_reports"
            f" WHERE report_id IN ({marks})",
            part,
        ):
            if type(version) is not int or type(event_id) is not str:
                return [_shown_report(conn, event) for event in events]
            best[str(report_id)] = (version, event_id)
    shown: list[bool] = []
    changed: dict[str, tuple[int, str]] = {}
    for key in keys:
        if key is None:
            shown.append(True)  # the index decides what to do with it
            continue
        report_id, version, event_id = key
        held = best.get(report_id)
        if held is None or (version, event_id) > held:
            best[report_id] = changed[report_id] = (version, event_id)
            shown.append(True)
        else:
            shown.append(False)
    conn.executemany(_UPSERT_SHOWN, [(r, v, e) for r, (v, e) in changed.items()])
    return shown


def _shown_persons(conn: sqlite3.Connection, event: Event) -> bool:
    """Whether this assignment is the greatest held (and now recorded as shown)."""
    key = assignment_order(event.payload, event.recorded_at, event.id)
    shown = conn.execute(
        "SELECT generation, recorded_at, event_id FROM web_shown_persons"
    ).fetchone()
    if shown is not None and key <= (int(shown[0]), str(shown[1]), str(shown[2])):
        return False
    conn.execute("DELETE FROM web_shown_persons")
    conn.execute(
        "INSERT INTO web_shown_persons VALUES (?, ?, ?)", (key[2], key[0], key[1])
    )
    return True


#: Payload keys that name the report(s) an event is about.
_REPORT_KEYS = ("report_id", "report_l", "report_r")


def _index_history(conn: sqlite3.Connection, event: Event) -> None:
    """Remember which reports an event mentions, for the person page's history."""
    rows = _history_rows(event)
    if rows:
        conn.executemany(_INSERT_HISTORY, rows)


def _history_rows(event: Event) -> list[tuple[str, str, str, str, str]]:
    """The ``web_history`` rows of an event: one per report it mentions.

    ``persons.assigned`` (one event naming every report) is left out: the page
    shows the current assignment from the registry instead.
    """
    if event.kind == "persons.assigned":
        return []
    p = event.payload
    ids = {p[k] for k in _REPORT_KEYS if isinstance(p.get(k), str)}
    many = p.get("report_ids")
    if isinstance(many, list):
        ids.update(x for x in many if isinstance(x, str))
    return [(r, event.id, event.kind, event.author, event.recorded_at) for r in ids]


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
    role: str | None = None
    for event in stored_events(conn, [ROLE_GRANTED]):
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
