"""What every request shares: the workspace, the local account store, the clock.

SQLite connections may not cross threads, and uvicorn and the test client run
requests on threads of their own, so each thread opens the workspace once and
keeps it. Values derived from the ledger are cached per ledger state
(:class:`gawah.web._cache.LedgerCache`).
"""

from __future__ import annotations

import json
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

from pydantic import BaseModel, ValidationError

from gawah.errors import GawahError, WorkspaceError
from gawah.ledger import Event
from gawah.registry import report_count
from gawah.web import _cache
from gawah.web._cache import LedgerCache
from gawah.web._search import has_pending, refresh
from gawah.web._store import WebStore
from gawah.web.auth import LoginRateLimiter, Role
from gawah.web.projection import ROLE_GRANTED, is_fictional, role_of, up_to_date
from gawah.workspace import Workspace

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

_log = logging.getLogger("gawah.web")
IDLE_TIMEOUT = 30 * 60.0
#: How long a server just started waits for its first page before it checks
#: the kept pages (see :meth:`Backend.start_warming`), in seconds.
WARM_AFTER = 10.0
ABSOLUTE_TIMEOUT = 12 * 3600.0


@dataclass
class Backend:
    """Shared state of one running app."""

    home: Path
    clock: Callable[[], float] = time.time
    idle_timeout: float = IDLE_TIMEOUT
    absolute_timeout: float = ABSOLUTE_TIMEOUT
    passphrase: str | None = None
    admin_mfa: bool = True  # admins must have a second factor to log in
    store: WebStore = field(init=False)
    limiter: LoginRateLimiter = field(init=False)
    cache: LedgerCache = field(default_factory=LedgerCache)
    _local: threading.local = field(default_factory=threading.local)
    _all: list[Workspace] = field(default_factory=list)
    #: Set once the register index is complete (see :meth:`start_warming`).
    indexed: threading.Event = field(default_factory=threading.Event)
    _stop: threading.Event = field(default_factory=threading.Event)
    _warming: threading.Thread | None = None
    #: Set once a first page was answered (see :meth:`start_warming`).
    _served: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _checked: bool = False
    _first_open: threading.Lock = field(default_factory=threading.Lock)
    _checked_ws: Workspace | None = None
    #: The first open's check under way, set when it ends (see :meth:`_open`).
    _checking: threading.Event | None = None
    #: Pages computed in the background (see :meth:`page_soon`).
    _jobs: queue.Queue[tuple[Hashable, Callable[[], object]]] = field(
        default_factory=queue.Queue
    )
    _queued: set[Hashable] = field(default_factory=set)
    _worker: threading.Thread | None = None

    def __post_init__(self) -> None:
        self.store = WebStore(self.home)
        self.limiter = LoginRateLimiter(clock=self.clock)

    def workspace(self) -> Workspace:
        """This thread's open :class:`gawah.workspace.Workspace`."""
        ws: Workspace | None = getattr(self._local, "ws", None)
        if ws is not None:
            return ws
        opened = self._open()
        # A larger page cache for this read-mostly connection: the register
        # index of 100,000 reports is ~100 MB, not to be re-read from disk.
        opened.conn.execute("PRAGMA cache_size = -131072")
        ws = opened
        self._local.ws = ws
        with self._lock:
            self._all.append(ws)
        return ws

    def _open(self) -> Workspace:
        """Open the workspace for this thread; the first open checks it.

        The quick check (see Workspace.open) and the web index's catch-up run
        once, on the first open: a workspace failing the check is never
        served; later threads share its verdict (a check that cannot trust
        the file counts a million events, a second on a busy machine). A thread arriving during the
        check opens its own handle beside it (the page waits for the longer of
        the two, not for both) and uses it once the check passed; a failed
        check is run again by the next thread, which says why.
        """
        while True:
            with self._first_open:
                verdict = self._checking
                check = not self._checked and verdict is None
                if check:
                    verdict = self._checking = threading.Event()
            if self._checked:
                return Workspace.open(
                    self.home, passphrase=self.passphrase, check=False
                )
            assert verdict is not None
            if check:
                return self._check_first(verdict)
            beside = self._open_beside()
            verdict.wait()
            if self._checked:
                if beside is not None:
                    return beside
                return Workspace.open(
                    self.home, passphrase=self.passphrase, check=False
                )
            if beside is not None:
                beside.close()

    def _check_first(self, verdict: threading.Event) -> Workspace:
        """The first open: the quick check and the catch-up; ``verdict`` set after."""
        try:
            opened = Workspace.open(self.home, passphrase=self.passphrase, check=True)
            try:
                _catch_up(opened)
            except BaseException:
                opened.close()
                raise
            with self._first_open:
                self._checked = True
                self._checked_ws = opened
            return opened
        finally:
            with self._first_open:
                self._checking = None
            verdict.set()

    def _open_beside(self) -> Workspace | None:
        """A handle opened while another thread checks (None if it cannot be now).

        A catch-up rebuilding the web's tables holds the database for longer
        than an open waits: this thread then opens after the verdict instead.
        """
        try:
            return Workspace.open(self.home, passphrase=self.passphrase, check=False)
        except (GawahError, sqlite3.OperationalError):
            return None

    def has_workspace(self) -> bool:
        """Whether a workspace exists at ``home`` and can be opened."""
        try:
            self.workspace()
        except WorkspaceError:
            return False
        return True

    def start_warming(self, warm: Callable[[], None]) -> None:
        """Complete the register index, then run ``warm``, in a thread of its own.

        A server just started answers its first page at once: the names of
        reports recorded since it last ran are tokenised here, not in the first
        search, and ``warm`` fills the caches of the heaviest pages. Both wait
        for the first page to be answered (at most :data:`WARM_AFTER` seconds;
        an index with no names to tokenise is complete at once): they hold the
        interpreter for seconds at a million reports, and each query of a page
        running beside them waits for its turn (the first register page took
        twice as long). The first open, and its quick check, runs here at once.
        """

        def run() -> None:
            try:
                conn = self.workspace().conn
                if has_pending(conn):
                    self._served.wait(WARM_AFTER)
                refresh(conn, batch=1000, stop=self._stop.is_set)
            except Exception as exc:  # never data: the type only
                self._failed("indexing", exc)
            finally:
                self.indexed.set()
            self._served.wait(WARM_AFTER)
            if self._stop.is_set():
                return
            try:
                warm()
            except Exception as exc:
                self._failed("warming the caches", exc)

        self._warming = threading.Thread(target=run, name="gawah-warm", daemon=True)
        self._warming.start()

    def _failed(self, work: str, exc: Exception) -> None:
        """Log a background ``work`` that failed (never data: the type only).

        Work cut short by :meth:`close` (its query interrupted, its handle
        closed) did not fail: the server stopped it.
        """
        if not self._stop.is_set():
            _log.error("%s failed: %s", work, type(exc).__name__)

    def stopping(self) -> bool:
        """Whether :meth:`close` began: background work should end now."""
        return self._stop.is_set()

    def served(self) -> None:
        """Note that a page was answered: the warm-up may start (see :meth:`start_warming`)."""
        self._served.set()

    def searchable(self, wait: float = 5.0) -> bool:
        """Whether every name can be searched (waiting up to ``wait`` s for the index)."""
        if self._warming is None:
            return True
        return self.indexed.wait(wait)

    def close(self) -> None:
        """Close every workspace handle and the account store."""
        self._stop.set()
        self._served.set()  # a warm-up still waiting for a first page ends now
        if self._warming is not None:
            self._stop_warming(timeout=30.0)
        if self._worker is not None:
            self._worker.join(timeout=30)
        with self._lock:
            # The handle that ran the quick check closes last: closing the last
            # connection empties the WAL into the file, and only then is the
            # file's fingerprint the one the next start can trust without
            # reading every projection table (seconds at 50,000 reports).
            checked = [ws for ws in self._all if ws is self._checked_ws]
            for ws in [ws for ws in self._all if ws is not self._checked_ws]:
                ws.close()
            for ws in checked:
                ws.close()
            self._all.clear()
        self._local = threading.local()
        self.store.close()

    def _stop_warming(self, timeout: float) -> None:
        """Interrupt the warm-up's queries until its thread ends (or ``timeout`` s).

        The warm-up's check of a page reads for minutes at a million reports:
        its query stops now, rather than its handle being closed under it.
        One interrupt is not enough: SQLite ignores an interrupt that arrives
        before a statement starts, and a warm-up between two queries (or
        opening its handle) would then run its next query to the end, with
        close waiting on it (this hung a CI run). So the interrupt is repeated
        until the thread has gone.
        """
        warming = self._warming
        assert warming is not None
        deadline = time.monotonic() + timeout
        while warming.is_alive() and time.monotonic() < deadline:
            with self._lock:
                for ws in self._all:
                    ws.conn.interrupt()
            warming.join(timeout=0.05)

    def state(self) -> tuple[int, str]:
        """The ledger's state: its newest event's (position, id); one index lookup."""
        return self.workspace().ledger.head() or (0, "")

    def cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, computed once per ledger state (see :class:`LedgerCache`)."""
        return self.cache.get(self.state(), key, compute)

    def page(self, key: Hashable, model: type[M], compute: Callable[[], M]) -> M:
        """What a page shows, computed once per ledger state, kept across restarts.

        Kept in memory and in the workspace database (:mod:`gawah.web._cache`),
        tagged with the ledger state: a server started again reads it from
        there. A stored page that no longer reads as ``model`` is computed again.
        """
        state = self.state()
        name, tag = _page_key(key), _tag(state)

        def load() -> M:
            conn = self.workspace().conn
            stored = _cache.load(conn, name, tag)
            if stored is not None:
                try:
                    return model.model_validate_json(stored)
                except ValidationError:
                    pass
            value = compute()
            _cache.store(conn, name, tag, value.model_dump_json())
            return value

        return self.cache.get(state, ("page", key), load)

    def page_soon(
        self, key: Hashable, model: type[M], compute: Callable[[], M]
    ) -> tuple[M, int]:
        """A page at once: (the page, how many events it lags the ledger by).

        The page for this ledger state when it is at hand (memory or the
        workspace database); else, while it is computed in the background, the
        one kept for an earlier state, which the page shows as such and
        replaces when ready. With no earlier one, it is computed now (lag 0).
        """
        state = self.state()
        have, value = self.cache.peek(state, ("page", key))
        if have:
            return cast(M, value), 0
        name = _page_key(key)
        kept = _cache.newest(self.workspace().conn, name)
        if kept is not None and kept[0] != _tag(state):
            try:
                earlier = model.model_validate_json(kept[1])
                lag = state[0] - int(kept[0].split(":", 1)[0])
            except (ValidationError, ValueError):
                pass
            else:
                self._compute_later(key, lambda: self.page(key, model, compute))
                return earlier, max(1, lag)
        return self.page(key, model, compute), 0

    def _compute_later(self, key: Hashable, compute: Callable[[], object]) -> None:
        """Run ``compute`` in the pages' worker thread (once while it is queued)."""
        with self._lock:
            if key in self._queued:
                return
            self._queued.add(key)
            if self._worker is None:
                self._worker = threading.Thread(
                    target=self._work, name="gawah-pages", daemon=True
                )
                self._worker.start()
        self._jobs.put((key, compute))

    def _work(self) -> None:
        while not self._stop.is_set():
            try:
                key, compute = self._jobs.get(timeout=0.5)
            except queue.Empty:
                continue
            try:
                compute()
            except Exception as exc:
                self._failed("computing a page", exc)
            finally:
                with self._lock:
                    self._queued.discard(key)

    def preload(self, key: Hashable, model: type[BaseModel]) -> bool:
        """Hold in memory the copy of a page stored for this ledger state, if any.

        Run first as a server starts, before the pages are checked (see
        :meth:`check_page`): the first requests are answered from memory while
        the check, seconds of CPU in this process, runs beside them.
        """
        state = self.state()
        stored = _cache.load(self.workspace().conn, _page_key(key), _tag(state))
        if stored is None:
            return False
        try:
            value = model.model_validate_json(stored)
        except ValidationError:
            return False
        self.cache.put(state, ("page", key), value)
        return True

    def check_page(self, key: Hashable, compute: Callable[[], BaseModel]) -> bool:
        """Compute a page from the ledger and replace the stored copy if it differs.

        Run for the pages warmed at start: a stored page is served while this
        runs, and is never trusted longer than it takes. Returns whether a
        stored copy for this state existed and differed (logged: the page name).
        """
        state = self.state()
        name, tag = _page_key(key), _tag(state)
        value = compute()
        fresh = value.model_dump_json()
        conn = self.workspace().conn
        stored = _cache.load(conn, name, tag)
        self.cache.put(state, ("page", key), value)
        if stored == fresh:
            return False
        _cache.store(conn, name, tag, fresh)
        if stored is None:
            return False
        _log.warning(
            "a stored %s page differed from the ledger's; replaced", _kind(key)
        )
        return True

    def fictional(self) -> bool:
        """Whether the workspace is labelled FICTIONAL (the demo's, a test's)."""
        try:
            return self.cached("fictional", lambda: is_fictional(self.workspace()))
        except GawahError:  # a workspace that cannot be opened: the error page says why
            return False

    def append(self, kind: str, payload: dict[str, Any]) -> Event:
        """Append one event to the workspace's ledger (signed by this device)."""
        return self.workspace().append(kind, payload)

    def role(self, user: str) -> Role | None:
        """The role the ledger grants ``user`` on this server."""
        try:
            ws = self.workspace()
        except WorkspaceError:
            return None
        registry = ws.ledger.registry()
        value = role_of(
            ws.conn,
            self.store.server_id,
            user,
            trusted=lambda event: registry.why_not(event) is None,
        )
        try:
            return Role(value) if value else None
        except ValueError:
            return None

    def grant(self, user: str, role: Role | None, by: str) -> None:
        """Record a role grant (or a revocation, ``role=None``) as a ledger event."""
        self.append(
            ROLE_GRANTED,
            {
                "user": user,
                "role": role.value if role else "none",
                "server": self.store.server_id,
                "by": by,
            },
        )

    def today(self) -> str:
        """The current UTC date, the only last-seen detail kept."""
        return datetime.fromtimestamp(self.clock(), UTC).date().isoformat()


def _page_key(key: Hashable) -> str:
    """A page key as stored: JSON of the tuple (page, incident, category, ...)."""
    return json.dumps(key if isinstance(key, tuple) else (key,), default=str)


def _tag(state: tuple[int, str]) -> str:
    return f"{state[0]}:{state[1]}"


def _kind(key: Hashable) -> str:
    """The page's name only (never an incident id or other data) for the log."""
    first = key[0] if isinstance(key, tuple) and key else key
    return str(first)[:40]


def _catch_up(ws: Workspace) -> None:
    """Rebuild the web's own tables if they lag the registry.

    A workspace created before this version of the web projector (or restored
    from a copy without its tables) has reports the register index never saw;
    replaying the ledger into the web projector alone fixes that, once.
    """
    from gawah.web.projection import PROJECTOR

    # Counting every report takes seconds at a million: once the index was
    # found complete at a ledger state, it is complete at that state (and the
    # registry's reports are counted once, not with all its other counts).
    head = ws.ledger.head()
    tag = _tag(head) if head is not None else ""
    if _cache.load(ws.conn, _INDEX_COMPLETE, tag) is not None:
        return
    if up_to_date(ws.conn, report_count(ws.conn)):
        _cache.store(ws.conn, _INDEX_COMPLETE, tag, "true")
        return
    conn = ws.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        saved = conn.execute("SELECT * FROM web_role_grants").fetchall()
        PROJECTOR.drop(conn)
        PROJECTOR.create(conn)
        conn.executemany("INSERT INTO web_role_grants VALUES (?, ?, ?, ?, ?, ?)", saved)
        for event in ws.ledger.events():
            if event.kind != "user.role_granted":
                PROJECTOR.apply(conn, event)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    ws.record_projections()
    _cache.store(conn, _INDEX_COMPLETE, tag, "true")


#: The kept mark of the ledger state at which the web index was found complete.
_INDEX_COMPLETE = json.dumps(["web index complete"])
