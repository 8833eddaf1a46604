"""The workspace: one folder, one device key, one ledger database (decision 0001).

This is the composition root. It opens the SQLite file, unlocks (or lazily
unlocks) the device key, discovers every domain's projector by importing
``gawah.<domain>.projection`` and reading its ``PROJECTOR``, and hands all of it
to :class:`gawah.ledger.Ledger`.
"""

from __future__ import annotations

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
from gawah.errors import WorkspaceError
from gawah.ledger import DeviceKey, Event, Ledger, Projector
from gawah.ledger.keys import key_is_wrapped, load_key, save_key
from gawah.ledger.store import connect

FORMAT_VERSION = 1
DB_FILE = "gawah.sqlite"
KEY_FILE = Path("keys") / "device.key"
CONFIG_FILE = "workspace.toml"
PASSPHRASE_ENV = "GAWAH_PASSPHRASE"  # noqa: S105 (a variable name, not a secret)

__all__ = [
    "CONFIG_FILE",
    "DB_FILE",
    "FORMAT_VERSION",
    "KEY_FILE",
    "PASSPHRASE_ENV",
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
            "(--passphrase-file or $GAWAH_PASSPHRASE) to record events"
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
    ) -> None:
        self.home = home
        self._device_key = device_key
        self.author = author
        self.device = device
        self.unlocked = unlocked
        self._conn = conn
        self._ledger = ledger
        self._closed = False
        self.checkpoint_on_close = True

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
    ) -> Workspace:
        """Create the folder, a new device key and the database, and open it.

        ``key_seed`` fixes the device key (tests only; see ``gawah.testing.signer``).

        Raises:
            WorkspaceError: the folder already holds a workspace.
        """
        home = Path(home)
        if (home / CONFIG_FILE).exists():
            raise WorkspaceError(f"a workspace already exists at {home}")
        if not author.strip():
            raise WorkspaceError("the author name must not be empty")
        home.mkdir(parents=True, exist_ok=True)
        key = DeviceKey(key_seed) if key_seed is not None else DeviceKey.generate()
        save_key(home / KEY_FILE, key, passphrase)
        config = {"format": FORMAT_VERSION, "author": author, "device": key.device}
        _write_durably(home / CONFIG_FILE, tomli_w.dumps(config).encode("utf-8"))
        return cls._assemble(home, key, author, key.device, projectors, clock)

    @classmethod
    def open(
        cls,
        home: Path | str,
        passphrase: str | None = None,
        *,
        projectors: Sequence[Projector] | None = None,
        clock: Clock = utc_now_iso,
        checkpoint_on_close: bool = True,
    ) -> Workspace:
        """Open an existing workspace.

        ``checkpoint_on_close=False`` keeps :meth:`close` from signing (for
        read-only commands such as verification).

        The passphrase defaults to ``$GAWAH_PASSPHRASE``. A wrapped key with no
        passphrase opens *locked*: reading and verifying work, appending raises
        :class:`WorkspaceError`. A wrong passphrase fails here.

        Raises:
            WorkspaceError: no workspace at ``home``, a damaged key file, or a
                wrong passphrase.
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
        except (OSError, ValueError, KeyError, tomllib.TOMLDecodeError):
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
        ws = cls._assemble(home, signer, author, device, projectors, clock)
        ws.checkpoint_on_close = checkpoint_on_close
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
    ) -> Workspace:
        conn = connect(home / DB_FILE)
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
        ledger = Ledger(
            conn, signer=signer, author=author, projectors=chosen, clock=clock
        )
        return cls(
            home,
            conn,
            ledger,
            author=author,
            device=device,
            unlocked=isinstance(signer, DeviceKey),
            device_key=signer if isinstance(signer, DeviceKey) else None,
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

    def append_many(self, items: Iterable[tuple[str, dict[str, Any]]]) -> list[Event]:
        """Record many events in one transaction (imports); all or nothing."""
        return self._ledger.append_many(items)

    def close(self) -> None:
        """Sign a checkpoint of the own feed if it grew, then close the database."""
        if self._closed:
            return
        self._closed = True
        try:
            own_feed = self._ledger.feed_size(self.device)
            if self.unlocked and self.checkpoint_on_close and own_feed:
                self._ledger.checkpoint()
        finally:
            self._conn.close()

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
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
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
