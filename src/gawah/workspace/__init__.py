"""The workspace: one folder, one device key, one ledger database (decision 0001).

This is the composition root. It opens the SQLite file, unlocks (or lazily
unlocks) the device key, discovers every domain's projector by importing
``gawah.<domain>.projection`` and reading its ``PROJECTOR``, and hands all of it
to :class:`gawah.ledger.Ledger`.
"""

from __future__ import annotations

import dataclasses
import os
import pkgutil
import sqlite3
import tomllib
from collections.abc import Iterable, Sequence
from importlib import import_module
from pathlib import Path
from types import TracebackType
from typing import Any

import tomli_w

import gawah
from gawah.core import Clock, utc_now_iso
from gawah.errors import LedgerIntegrityError, UserInputError, WorkspaceError
from gawah.ledger import DeviceKey, Event, Ledger, Projector
from gawah.ledger import devices as _devices
from gawah.ledger.anchors import (
    STATE_FILE,
    ProjectionRecord,
    StateFile,
    database_fingerprint,
)
from gawah.ledger.devices import EnrolledDevice
from gawah.ledger.keys import key_is_wrapped, load_key, save_key
from gawah.ledger.projections import (
    comparable,
    differing,
    projection_schema,
    stored_digests,
)
from gawah.ledger.store import connect
from gawah.ledger.verify import SHORTER
from gawah.options import PASSPHRASE_ENV

FORMAT_VERSION = 1
DB_FILE = "gawah.sqlite"
KEY_FILE = Path("keys") / "device.key"
CONFIG_FILE = "workspace.toml"

__all__ = [
    "CONFIG_FILE",
    "DB_FILE",
    "FORMAT_VERSION",
    "KEY_FILE",
    "PASSPHRASE_ENV",
    "STATE_FILE",
    "Workspace",
    "discover_projectors",
]


def discover_projectors() -> list[Projector]:
    """Import ``gawah.<domain>.projection.PROJECTOR`` for every domain that has one.

    Domains are visited in alphabetical order so replays are deterministic. A
    projection module that fails to import for any other reason than not
    existing is an error, not something to skip silently.
    """
    found: list[Projector] = []
    for info in sorted(pkgutil.iter_modules(gawah.__path__), key=lambda m: m.name):
        if not info.ispkg or not _may_have_projection(info):
            continue
        name = f"gawah.{info.name}.projection"
        try:
            module = import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        projector = getattr(module, "PROJECTOR", None)
        if projector is not None:
            found.append(projector)
    return found


def _may_have_projection(info: pkgutil.ModuleInfo) -> bool:
    """False when the domain's folder plainly has no ``projection`` module.

    Importing ``gawah.<domain>.projection`` first imports the domain package, and
    some packages are slow to import (numpy, pydantic): a domain without a
    projection should not cost every ``Workspace.open`` that. Finders other than
    the file system's are asked by importing, as before.
    """
    folder = getattr(info.module_finder, "path", None)
    if not isinstance(folder, str):
        return True
    base = Path(folder) / info.name
    return (base / "projection.py").exists() or (base / "projection").is_dir()


class _LockedSigner:
    """Stands in for a passphrase-wrapped key until something needs to sign."""

    def __init__(self, device: str) -> None:
        self._device = device

    @property
    def device(self) -> str:
        return self._device

    def sign(self, message: bytes) -> bytes:
        raise WorkspaceError(
            "the workspace key is locked: give the passphrase "
            "(--passphrase-file, $GAWAH_PASSPHRASE_FILE or $GAWAH_PASSPHRASE) to record events"
        )


class Workspace:
    """An open workspace: make it with :meth:`init` / :meth:`open`, then close it."""

    def __init__(
        self,
        home: Path,
        conn: sqlite3.Connection,
        ledger: Ledger,
        *,
        author: str,
        device: str,
        unlocked: bool,
        device_key: DeviceKey | None = None,
        state: StateFile | None = None,
    ) -> None:
        self.home = home
        self._device_key = device_key
        self.author = author
        self.device = device
        self.unlocked = unlocked
        self._conn = conn
        self._ledger = ledger
        self._closed = False
        self._state = state
        # The newest event as opened (one index lookup): close compares it to
        # tell whether the ledger changed, instead of counting every event.
        self._opened_at = self._ledger.head()
        self.checkpoint_on_close = True
        # The database file's fingerprint before it was opened, and whether the
        # projection tables are known to hold their recorded digests.
        self._fingerprint: str | None = None
        self._tables_known = False
        # The size of each kept checkpoint's feed, known at ledger state
        # ``_feeds_at`` (the quick check's count, or the one recorded with an
        # untouched file's fingerprint); close records them with the fingerprint.
        self._feeds: dict[str, int] | None = None
        self._feeds_at: tuple[int, str] | None = None

    # -- creation ------------------------------------------------------------

    @classmethod
    def init(
        cls,
        home: Path | str,
        author: str = "documenter",
        passphrase: str | None = None,
        *,
        key_seed: bytes | None = None,
        projectors: Sequence[Projector] | None = None,
        clock: Clock = utc_now_iso,
        join: str | None = None,
        join_name: str = "authority",
    ) -> Workspace:
        """Create the folder, a new device key and the database, and open it.

        The new device is the workspace's root authority, unless ``join`` gives
        another device's identity (``gawah devices id`` there): then that device
        is the only authority this workspace trusts, and this device records
        once that authority enrols it (its events reach the authority by sync).

        ``key_seed`` fixes the device key (tests only; see ``gawah.testing.signer``).

        Raises:
            WorkspaceError: the folder already holds a workspace.
            UserInputError: ``join`` is not a device identity.
        """
        home = Path(home)
        if (home / CONFIG_FILE).exists():
            raise WorkspaceError(f"a workspace already exists at {home}")
        if not author.strip():
            raise WorkspaceError("the author name must not be empty")
        joined = None if join is None else _devices.parse_identity(join).hex()
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(home, 0o700)
        key = DeviceKey(key_seed) if key_seed is not None else DeviceKey.generate()
        if joined == key.device:
            raise UserInputError("a device cannot join itself")
        save_key(home / KEY_FILE, key, passphrase)
        authorities = {key.device: author} if joined is None else {joined: join_name}
        config = {
            "format": FORMAT_VERSION,
            "author": author,
            "device": key.device,
            "anchored": True,
            "authorities": authorities,
        }
        StateFile(home / STATE_FILE).remember_projections(
            ProjectionRecord(last_pos=0, events=0, tables={})
        )
        _write_durably(home / CONFIG_FILE, tomli_w.dumps(config).encode("utf-8"))
        return cls._assemble(
            home, key, author, key.device, projectors, clock, authorities, create=True
        )

    @classmethod
    def open(
        cls,
        home: Path | str,
        passphrase: str | None = None,
        *,
        projectors: Sequence[Projector] | None = None,
        clock: Clock = utc_now_iso,
        checkpoint_on_close: bool = True,
        check: bool = True,
    ) -> Workspace:
        """Open an existing workspace.

        ``checkpoint_on_close=False`` keeps :meth:`close` from signing (for
        read-only commands such as verification).

        ``check`` runs the quick check before anything is served: the database
        file must exist, no feed may be shorter than the checkpoint kept outside
        the database, and the projection tables must have the digests recorded
        when this device last wrote (``gawah ledger verify`` does the full check;
        it and ``gawah ledger rebuild`` open with ``check=False``).

        The passphrase defaults to ``$GAWAH_PASSPHRASE``. A wrapped key with no
        passphrase opens *locked*: reading and verifying work, appending raises
        :class:`WorkspaceError`. A wrong passphrase fails here.

        Raises:
            WorkspaceError: no workspace at ``home``, a damaged key file, or a
                wrong passphrase.
            LedgerIntegrityError: the quick check failed (exit 3).
        """
        home = Path(home)
        config_path = home / CONFIG_FILE
        if not config_path.exists():
            raise WorkspaceError(
                f"no workspace at {home} (create one with `gawah init`)"
            )
        try:
            config = tomllib.loads(config_path.read_text(encoding="utf-8"))
            author, device = str(config["author"]), str(config["device"])
            version = int(config["format"])
            anchored = bool(config.get("anchored", False))
            authorities = {
                str(k): str(v)
                for k, v in dict(config.get("authorities", {device: author})).items()
            }
            for hex_key in authorities:
                if len(bytes.fromhex(hex_key)) != 32:
                    raise ValueError(hex_key)
        except (OSError, ValueError, KeyError, TypeError, tomllib.TOMLDecodeError):
            raise WorkspaceError(f"{config_path} is damaged") from None
        if version != FORMAT_VERSION:
            raise WorkspaceError(f"workspace format {version} is not supported")
        if passphrase is None:
            passphrase = os.environ.get(PASSPHRASE_ENV) or None
        key_path = home / KEY_FILE
        signer: DeviceKey | _LockedSigner
        if key_is_wrapped(key_path) and not passphrase:
            signer = _LockedSigner(device)
        else:
            signer = load_key(key_path, passphrase)
            if signer.device != device:
                raise WorkspaceError("the device key does not belong to this workspace")
        if not (home / DB_FILE).exists():
            raise LedgerIntegrityError(
                f"the workspace database {home / DB_FILE} is missing: {SHORTER} "
                "(restore it from a backup or a peer; it is never recreated empty)"
            )
        if anchored and not (home / STATE_FILE).exists():
            raise LedgerIntegrityError(
                f"{home / STATE_FILE} is missing: the workspace cannot check its "
                "ledger against its last checkpoints (restore it from a backup)"
            )
        fingerprint = database_fingerprint(home / DB_FILE)
        ws = cls._assemble(home, signer, author, device, projectors, clock, authorities)
        ws._fingerprint = fingerprint
        ws.checkpoint_on_close = checkpoint_on_close
        if check:
            try:
                ws.quick_check()
            except BaseException:
                ws._conn.close()
                ws._closed = True
                raise
        return ws

    @classmethod
    def _assemble(
        cls,
        home: Path,
        signer: DeviceKey | _LockedSigner,
        author: str,
        device: str,
        projectors: Sequence[Projector] | None,
        clock: Clock,
        authorities: dict[str, str],
        *,
        create: bool = False,
    ) -> Workspace:
        conn = connect(home / DB_FILE, create=create)
        chosen = discover_projectors() if projectors is None else list(projectors)
        try:
            conn.execute("BEGIN IMMEDIATE")
            for projector in chosen:
                projector.create(conn)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            conn.close()
            raise
        state = StateFile(home / STATE_FILE)
        ledger = Ledger(
            conn,
            signer=signer,
            author=author,
            projectors=chosen,
            clock=clock,
            roots=authorities,
            state=state,
        )
        return cls(
            home,
            conn,
            ledger,
            author=author,
            device=device,
            unlocked=isinstance(signer, DeviceKey),
            device_key=signer if isinstance(signer, DeviceKey) else None,
            state=state,
        )

    # -- use -----------------------------------------------------------------

    @property
    def conn(self) -> sqlite3.Connection:
        """The database connection (rows are :class:`sqlite3.Row`) for queries."""
        return self._conn

    @property
    def ledger(self) -> Ledger:
        """The ledger: events, checkpoints, proofs, verification."""
        return self._ledger

    def device_key(self) -> DeviceKey:
        """The unlocked device key (sealing opens values with its Curve25519 form).

        Raises:
            WorkspaceError: the key is passphrase-wrapped and no passphrase was given.
        """
        if self._device_key is None:
            raise WorkspaceError(
                "the workspace key is locked: give the passphrase "
                "(--passphrase-file or $GAWAH_PASSPHRASE) to seal or open sensitive values"
            )
        return self._device_key

    def append(self, kind: str, payload: dict[str, Any]) -> Event:
        """Record one event; durable when this returns."""
        return self._ledger.append(kind, payload)

    def append_many(
        self,
        items: Iterable[tuple[str, dict[str, Any]]],
        *,
        keep: bool = True,
        plain_json: bool = False,
    ) -> list[Event]:
        """Record many events in one transaction (imports); all or nothing.

        ``keep=False``: return no events (streamed imports hold none in memory).
        ``plain_json``: every payload is made only of what a JSON parser
        returns (see :meth:`gawah.ledger.log.EventLog.append`).
        """
        return self._ledger.append_many(items, keep=keep, plain_json=plain_json)

    # -- devices and trust ------------------------------------------------------

    @property
    def identity(self) -> str:
        """This device's public identity (``gawah devices id``)."""
        return _devices.identity_of_device(self.device)

    def enrolled_devices(self) -> list[EnrolledDevice]:
        """Every device this workspace knows: roots, enrolled, revoked (flagged);
        roots first, then by name."""
        devices = self._ledger.registry().devices.values()
        return sorted(devices, key=lambda d: (not d.root, d.name))

    def enrol_device(
        self, identity: str, name: str, roles: Sequence[str] = ()
    ) -> Event:
        """Enrol another device (this device must be an authority).

        Raises:
            UserInputError: not an identity, unknown role, the name or the device
                is already enrolled, or this device is not an authority.
        """
        key = _devices.parse_identity(identity)
        name = name.strip()
        if not name:
            raise UserInputError("a device needs a name")
        bad = [r for r in roles if r not in _devices.ROLES]
        if bad:
            raise UserInputError(
                f"unknown role {bad[0]!r}; roles are: {', '.join(_devices.ROLES)}"
            )
        registry = self._require_authority()
        device = key.hex()
        if device in registry.devices:
            raise UserInputError("that device is already enrolled (or a root)")
        if any(d.name == name and not d.revoked for d in registry.devices.values()):
            raise UserInputError(f"the name {name!r} is already enrolled")
        chosen = sorted(set(roles)) or [_devices.DOCUMENTER]
        return self.append(
            _devices.ENROLLED,
            {
                "name": name,
                "identity": _devices.identity_of(key),
                "device": device,
                "roles": chosen,
            },
        )

    def revoke_device(self, name: str, reason: str) -> Event:
        """Revoke an enrolled device: its events after the feed seen so far are refused.

        Raises:
            UserInputError: no enrolled device has that name, it is a root, or
                this device is not an authority.
        """
        if not reason.strip():
            raise UserInputError("give a reason for the revocation")
        registry = self._require_authority()
        found = [
            d for d in registry.devices.values() if d.name == name and not d.revoked
        ]
        if not found:
            raise UserInputError(f"no enrolled device is named {name!r}")
        target = found[0]
        if target.root:
            raise UserInputError("a root authority cannot be revoked")
        return self.append(
            _devices.REVOKED,
            {
                "name": target.name,
                "device": target.device,
                "after_seq": self._ledger.feed_size(target.device),
                "reason": reason.strip(),
            },
        )

    def _require_authority(self) -> _devices.Registry:
        registry = self._ledger.registry()
        seq = self._ledger.feed_size(self.device) + 1
        if not registry.authority(self.device, seq):
            raise UserInputError(
                "this device is not an authority of the workspace: ask an "
                "authority to enrol or revoke devices"
            )
        return registry

    # -- checks ----------------------------------------------------------------

    def _ledger_position(self) -> tuple[int, int]:
        row = self._conn.execute(
            "SELECT coalesce(max(pos), 0), count(*) FROM ledger_events"
        ).fetchone()
        return int(row[0]), int(row[1])

    def projection_digests(self) -> dict[str, str]:
        """Digest of every projection table as stored now."""
        schema = projection_schema(self._ledger.projectors)
        return stored_digests(self._conn, schema)

    def quick_check(self) -> None:
        """Refuse a workspace whose ledger or projections were tampered with.

        Checks, cheaply: each feed holds at least as many events as the
        checkpoint kept outside the database; the projection tables have the
        digests recorded at the last write of this device. When the database
        file is untouched since those digests were known to hold (same
        fingerprint: inode, size, modification and change times, an empty WAL;
        and the same newest event), nothing is counted and no table is read:
        the checkpoints are compared with the feed sizes recorded with that
        fingerprint. Otherwise each kept feed and the ledger are counted once,
        and every table is digested and compared (skipped when another
        process wrote since, and so left no digest for the current position).

        Raises:
            LedgerIntegrityError: the ledger is shorter than its last checkpoint,
                or a projection table differs (suggests verify and rebuild).
        """
        if self._state is None:
            return
        checkpoints = self._state.checkpoints()
        record = self._state.projections()
        untouched = self._untouched(record)
        kept = {cp.device for cp in checkpoints}
        if untouched and record is not None and kept <= (record.feeds or {}).keys():
            feeds = dict(record.feeds or {})
        else:
            feeds = {device: self._ledger.feed_size(device) for device in kept}
        for cp in checkpoints:
            have = feeds[cp.device]
            if have < cp.size:
                raise LedgerIntegrityError(
                    f"{SHORTER}: device {cp.device[:16]}… has {have} events, its "
                    f"checkpoint kept outside the database says {cp.size} "
                    "(run `gawah ledger verify`)"
                )
        self._feeds, self._feeds_at = feeds, self._opened_at
        if record is None or not self._ledger.projectors:
            return
        if not record.tables:
            return
        if untouched:
            self._tables_known = True
            return
        if (record.last_pos, record.events) != self._ledger_position():
            return
        schema = projection_schema(self._ledger.projectors)
        legacy = not comparable(record.tables)  # recorded by an earlier version
        stored = stored_digests(self._conn, schema, legacy=legacy)
        # Only tables both recorded and opened now: a workspace opened with
        # fewer projectors recorded fewer tables.
        common = record.tables.keys() & stored.keys()
        bad = differing(
            {t: record.tables[t] for t in common}, {t: stored[t] for t in common}
        )
        if bad:
            raise LedgerIntegrityError(
                f"projection table {bad[0]} was changed outside the ledger "
                f"({len(bad)} table(s) differ from the last recorded state): run "
                "`gawah ledger verify`, then `gawah ledger rebuild` to repair"
            )
        self._tables_known = common == record.tables.keys()

    def _untouched(self, record: ProjectionRecord | None) -> bool:
        """Whether the database file is as it was when ``record`` was known to hold.

        Its fingerprint is the one recorded, and its newest event is at the
        recorded position (one index lookup; an append by another process
        between the record and the fingerprint would move it).
        """
        return (
            record is not None
            and record.files is not None
            and record.files == self._fingerprint
            and record.last_pos == (self._opened_at or (0, ""))[0]
        )

    def record_projections(self) -> None:
        """Record the projection digests at the current ledger position."""
        if self._state is None or not self._ledger.projectors:
            return
        last_pos, events = self._ledger_position()
        self._state.remember_projections(
            ProjectionRecord(
                last_pos=last_pos, events=events, tables=self.projection_digests()
            )
        )
        self._tables_known = True

    def close(self) -> None:
        """Sign a checkpoint of the own feed if it grew, record the projection
        digests if the ledger changed, then close the database and record its
        fingerprint beside the digests that hold for it."""
        if self._closed:
            return
        self._closed = True
        feeds: dict[str, int] | None = None
        try:
            changed = self._ledger.head() != self._opened_at
            if self.unlocked and self.checkpoint_on_close and self._may_have_grown():
                self._ledger.checkpoint()
            if changed:
                self.record_projections()
            if self._tables_known:
                feeds = self._kept_feed_sizes(changed)
        finally:
            self._conn.close()
        self._remember_fingerprint(feeds)

    def _may_have_grown(self) -> bool:
        """Whether the own feed has events its kept checkpoint may not cover.

        When the ledger did not change since the quick check counted the own
        feed, its kept checkpoint is compared with that count: a close then
        signs nothing and need not count a million events again. Otherwise the
        feed is counted (an empty one has nothing to sign).
        """
        size = None
        if self._feeds is not None and self._feeds_at == self._ledger.head():
            size = self._feeds.get(self.device)
        if size is None or self._state is None:
            return self._ledger.feed_size(self.device) > 0
        kept = [cp.size for cp in self._state.checkpoints() if cp.device == self.device]
        return size > 0 and (not kept or max(kept) < size)

    def _kept_feed_sizes(self, changed: bool) -> dict[str, int]:
        """The size of each kept checkpoint's feed now, counted only if unknown."""
        devices = (
            {cp.device for cp in self._state.checkpoints()} if self._state else set()
        )
        known = self._feeds if self._feeds_at == self._ledger.head() else None
        if not changed and known is not None and devices <= known.keys():
            return {d: known[d] for d in devices}
        return {d: self._ledger.feed_size(d) for d in devices}

    def _remember_fingerprint(self, feeds: dict[str, int] | None) -> None:
        """Keep the closed database's fingerprint beside digests known to hold,
        and the kept feeds' sizes (``feeds``) in that file.

        Closing the last connection moves the WAL into the database file, so
        the fingerprint is taken after the close. Between the check (or the
        recording) and this moment another process could have written the
        file; the quick check is a tripwire, ``gawah ledger verify`` the proof.
        """
        if self._state is None or not self._tables_known:
            return
        record = self._state.projections()
        if record is None:
            return
        files = database_fingerprint(self.home / DB_FILE)
        if files != record.files or feeds != record.feeds:
            self._state.remember_projections(
                dataclasses.replace(record, files=files, feeds=feeds)
            )

    def __enter__(self) -> Workspace:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _write_durably(path: Path, data: bytes) -> None:
    """Write a small file durably: write, fsync, rename, fsync the folder."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
