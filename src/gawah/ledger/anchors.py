"""What a workspace remembers outside its database file (``ledger-state.json``).

A checkpoint stored inside the database disappears with the rows it commits to:
deleting the newest events together with their checkpoints, emptying the tables
or replacing the file leaves nothing to compare with. So every device also keeps,
in a small file beside the database, the newest signed checkpoint of its own feed
and the newest one it has seen of every other feed. ``gawah ledger verify`` and
every ``Workspace.open`` compare the stored feeds with them: a feed shorter than
its kept checkpoint is "the ledger is shorter than its last checkpoint" (exit 3).

The file also keeps a digest of every projection table as of the last time this
device wrote to the workspace, and the fingerprint of the database file when
those digests were known to hold, with the size of each kept feed in it (the
quick check at open, see
:mod:`gawah.ledger.projections` and :func:`database_fingerprint`). It is written atomically (temporary file,
fsync, rename, fsync of the folder) with mode 0600.

The file is not secret and not signed as a whole; each checkpoint in it is a
signed note. Whoever can rewrite both the database and this file can hide a
truncation from this device, but not from a peer holding a checkpoint.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gawah.errors import LedgerIntegrityError
from gawah.ledger.checkpoint import Checkpoint, open_checkpoint

STATE_FILE = "ledger-state.json"
STATE_FORMAT = "gawah-ledger-state-1"


@dataclass(frozen=True, slots=True)
class ProjectionRecord:
    """Projection table digests as of ledger position ``last_pos`` (``events`` rows).

    ``files`` is the fingerprint of the database file when the digests were
    known to hold (see :func:`database_fingerprint`), or ``None``; ``feeds``
    the size of each kept checkpoint's feed in that same file, so that an open
    finding the file untouched compares the checkpoints with them instead of
    counting a million events again (``None``: not known, count).
    """

    last_pos: int
    events: int
    tables: dict[str, str]
    files: str | None = None
    feeds: dict[str, int] | None = None


def database_fingerprint(path: Path) -> str | None:
    """Device, inode, size, modification and change times (ns) of a database file.

    ``None`` when the file is missing or its ``-wal`` holds frames (the state
    then lives partly in the WAL, and another process may be writing). While
    the fingerprint stays the same, not one byte of the file changed: a write
    moves the modification time, and the change time (``ctime``) cannot be set
    back by an ordinary process, unlike ``mtime``. Opening and closing the
    database without writing leaves all of them as they were.
    """
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    try:
        if path.with_name(path.name + "-wal").stat().st_size > 0:
            return None
    except FileNotFoundError:
        pass
    return f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}"


class StateFile:
    """Read and update ``ledger-state.json`` of one workspace."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def exists(self) -> bool:
        """Whether the file is there."""
        return self.path.exists()

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            return {"format": STATE_FORMAT, "checkpoints": [], "projections": None}
        except (OSError, ValueError):
            raise LedgerIntegrityError(
                f"{self.path.name} is damaged: the workspace cannot check its "
                "ledger against its last checkpoints"
            ) from None
        if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
            raise LedgerIntegrityError(f"{self.path.name} has an unknown format")
        return data

    def checkpoints(self) -> list[Checkpoint]:
        """The kept checkpoints (newest per feed), each re-verified.

        Raises:
            LedgerIntegrityError: the file or a checkpoint in it is damaged.
        """
        notes = self._read().get("checkpoints")
        if not isinstance(notes, list):
            raise LedgerIntegrityError(f"{self.path.name} is damaged")
        out: list[Checkpoint] = []
        for note in notes:
            if not isinstance(note, str):
                raise LedgerIntegrityError(f"{self.path.name} is damaged")
            out.append(open_checkpoint(note.encode("utf-8")))
        return out

    def remember(self, checkpoints: list[Checkpoint]) -> None:
        """Keep each checkpoint if it is newer (larger) than the one kept for its feed."""
        if not checkpoints:
            return
        data = self._read()
        kept = {cp.device: cp for cp in self.checkpoints()}
        changed = False
        for cp in checkpoints:
            old = kept.get(cp.device)
            if old is None or cp.size > old.size:
                kept[cp.device] = cp
                changed = True
        if not changed:
            return
        data["checkpoints"] = [kept[d].note.decode("utf-8") for d in sorted(kept)]
        self._write(data)

    def projections(self) -> ProjectionRecord | None:
        """The projection digests last recorded, if any."""
        record = self._read().get("projections")
        if not isinstance(record, dict):
            return None
        try:
            tables = record["tables"]
            if not isinstance(tables, dict):
                return None
            files = record.get("files")
            feeds = record.get("feeds")
            return ProjectionRecord(
                last_pos=int(record["last_pos"]),
                events=int(record["events"]),
                tables={str(k): str(v) for k, v in tables.items()},
                files=files if isinstance(files, str) else None,
                feeds=(
                    {str(k): int(v) for k, v in feeds.items()}
                    if isinstance(feeds, dict)
                    else None
                ),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def remember_projections(self, record: ProjectionRecord) -> None:
        """Record the projection digests of the current ledger position."""
        data = self._read()
        data["projections"] = {
            "last_pos": record.last_pos,
            "events": record.events,
            "tables": dict(sorted(record.tables.items())),
            "files": record.files,
            "feeds": None
            if record.feeds is None
            else dict(sorted(record.feeds.items())),
        }
        self._write(data)

    def _write(self, data: dict[str, Any]) -> None:
        write_private(self.path, json.dumps(data, indent=1).encode("utf-8"))


def write_private(path: Path, data: bytes) -> None:
    """Write a small file durably with mode 0600 whatever the umask.

    Temporary file, fsync, rename over the target, fsync of the folder.
    """
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
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


__all__ = [
    "STATE_FILE",
    "ProjectionRecord",
    "StateFile",
    "database_fingerprint",
    "write_private",
]
