"""Credentials and sessions: local to this server, never in the ledger, never synced.

Role grants are auditable ledger events (see :mod:`gawah.web.projection`), but a
password hash or a session token must never leave the machine that serves the
app, so they live in their own SQLite file (``web.sqlite``) beside the
workspace database. Session tokens are stored as SHA-256 digests: a copy of
this file does not let anyone ride a live session.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

WEB_DB = "web.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS web_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS web_users (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    last_seen_day TEXT
);
CREATE TABLE IF NOT EXISTS web_sessions (
    token_hash TEXT PRIMARY KEY,
    user_name TEXT,
    csrf TEXT NOT NULL,
    created_at REAL NOT NULL,
    last_seen REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS web_sessions_user ON web_sessions(user_name);
"""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class UserRecord:
    """A local account: the role comes from the ledger, the hash stays here."""

    name: str
    password_hash: str
    disabled: bool
    totp_secret: str | None = None
    totp_last_step: int | None = None


@dataclass(frozen=True)
class SessionRecord:
    """A server-side session; ``user_name`` is None before login."""

    token_hash: str
    user_name: str | None
    csrf: str
    created_at: float
    last_seen: float


class WebStore:
    """The ``web.sqlite`` file: accounts, sessions and this server's identity."""

    def __init__(self, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self.path = home / WEB_DB
        self._lock = threading.Lock()
        # Created 0600 before SQLite opens it: its -wal and -shm take that mode.
        os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        self.path.chmod(0o600)
        self._conn = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.executescript(_SCHEMA)
        columns = {r[1] for r in self._conn.execute("PRAGMA table_info(web_users)")}
        for column, kind in (("totp_secret", "TEXT"), ("totp_last_step", "INTEGER")):
            if column not in columns:
                self._conn.execute(f"ALTER TABLE web_users ADD COLUMN {column} {kind}")
        self.path.chmod(0o600)
        with self._lock:
            row = self._conn.execute(
                "SELECT value FROM web_meta WHERE key='server_id'"
            ).fetchone()
            if row is None:
                self.server_id = secrets.token_hex(8)
                self._conn.execute(
                    "INSERT INTO web_meta(key, value) VALUES ('server_id', ?)",
                    (self.server_id,),
                )
            else:
                self.server_id = str(row[0])

    def close(self) -> None:
        """Close the database."""
        self._conn.close()

    # accounts ---------------------------------------------------------------
    def add_user(self, name: str, password_hash: str, now: float) -> None:
        """Create or replace an account's password hash (re-enables it)."""
        with self._lock:
            self._conn.execute(
                "INSERT INTO web_users(name, password_hash, disabled, created_at) "
                "VALUES (?, ?, 0, ?) ON CONFLICT(name) DO UPDATE SET "
                "password_hash=excluded.password_hash, disabled=0",
                (name, password_hash, now),
            )

    def user(self, name: str) -> UserRecord | None:
        """The account called ``name``, if any."""
        with self._lock:
            row = self._conn.execute(
                "SELECT name, password_hash, disabled, totp_secret, totp_last_step "
                "FROM web_users WHERE name=?",
                (name,),
            ).fetchone()
        if row is None:
            return None
        return UserRecord(row[0], row[1], bool(row[2]), row[3], row[4])

    def users(self) -> list[UserRecord]:
        """Every account, by name."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT name, password_hash, disabled FROM web_users ORDER BY name"
            ).fetchall()
        return [
            UserRecord(name=r[0], password_hash=r[1], disabled=bool(r[2])) for r in rows
        ]

    def set_password_hash(self, name: str, password_hash: str) -> None:
        """Replace a hash (after a rehash or a password change)."""
        with self._lock:
            self._conn.execute(
                "UPDATE web_users SET password_hash=? WHERE name=?",
                (password_hash, name),
            )

    def set_totp(self, name: str, secret: str | None) -> None:
        """Enrol (or remove, ``None``) an account's second factor."""
        with self._lock:
            self._conn.execute(
                "UPDATE web_users SET totp_secret=?, totp_last_step=NULL WHERE name=?",
                (secret, name),
            )

    def use_totp_step(self, name: str, step: int) -> bool:
        """Mark a code's step used; False if it (or a later one) already was."""
        with self._lock:
            cur = self._conn.execute(
                "UPDATE web_users SET totp_last_step=? WHERE name=? AND "
                "(totp_last_step IS NULL OR totp_last_step < ?)",
                (step, name, step),
            )
        return cur.rowcount == 1

    def set_disabled(self, name: str, disabled: bool) -> None:
        """Disable or re-enable an account; disabling kills its sessions."""
        with self._lock:
            self._conn.execute(
                "UPDATE web_users SET disabled=? WHERE name=?", (int(disabled), name)
            )
        if disabled:
            self.kill_user_sessions(name)

    def touch_day(self, name: str, day: str) -> None:
        """Keep only a coarse last-seen date per account (metadata minimisation)."""
        with self._lock:
            self._conn.execute(
                "UPDATE web_users SET last_seen_day=? WHERE name=?", (day, name)
            )

    # sessions ---------------------------------------------------------------
    def new_session(
        self, user_name: str | None, now: float
    ) -> tuple[str, SessionRecord]:
        """Create a session with a fresh 256-bit token; return the token once."""
        token = secrets.token_urlsafe(32)
        rec = SessionRecord(
            token_hash=_digest(token),
            user_name=user_name,
            csrf=secrets.token_urlsafe(32),
            created_at=now,
            last_seen=now,
        )
        with self._lock:
            self._conn.execute(
                "INSERT INTO web_sessions VALUES (?, ?, ?, ?, ?)",
                (
                    rec.token_hash,
                    rec.user_name,
                    rec.csrf,
                    rec.created_at,
                    rec.last_seen,
                ),
            )
        return token, rec

    def session(self, token: str) -> SessionRecord | None:
        """The session a cookie token names, if it exists."""
        with self._lock:
            row = self._conn.execute(
                "SELECT token_hash, user_name, csrf, created_at, last_seen "
                "FROM web_sessions WHERE token_hash=?",
                (_digest(token),),
            ).fetchone()
        if row is None:
            return None
        return SessionRecord(*row)

    def touch_session(self, token_hash: str, now: float) -> None:
        """Record activity, for the idle timeout."""
        with self._lock:
            self._conn.execute(
                "UPDATE web_sessions SET last_seen=? WHERE token_hash=?",
                (now, token_hash),
            )

    def kill_session(self, token_hash: str) -> None:
        """Delete one session (logout, expiry, or replacement at login)."""
        with self._lock:
            self._conn.execute(
                "DELETE FROM web_sessions WHERE token_hash=?", (token_hash,)
            )

    def kill_user_sessions(self, name: str) -> None:
        """Delete every session of an account (disable, password change)."""
        with self._lock:
            self._conn.execute("DELETE FROM web_sessions WHERE user_name=?", (name,))

    def purge_expired(self, idle_before: float, created_before: float) -> None:
        """Drop sessions past either timeout, so the table does not grow forever."""
        with self._lock:
            self._conn.execute(
                "DELETE FROM web_sessions WHERE last_seen < ? OR created_at < ?",
                (idle_before, created_before),
            )
