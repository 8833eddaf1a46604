"""The ledger of one workspace database: a log, its checkpoints and proofs.

:class:`Ledger` is the face other domains use (decision 0001). Its work is
done by three parts: the log of signed events (:mod:`gawah.ledger.log`), the
checkpoints (:mod:`gawah.ledger.checkpoints`) and the proofs over each device
feed's Merkle tree (:mod:`gawah.ledger.proofs`); verification is
:func:`gawah.ledger.verify.verify_ledger` and trust is :mod:`gawah.ledger.devices`.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any

from gawah.core import Clock, utc_now_iso
from gawah.ledger.anchors import StateFile
from gawah.ledger.checkpoint import Checkpoint
from gawah.ledger.checkpoints import Checkpoints
from gawah.ledger.devices import Registry, registry_of
from gawah.ledger.events import Event, Projector, Signer
from gawah.ledger.log import EventLog
from gawah.ledger.proofs import Proofs, feed_size
from gawah.ledger.verify import VerifyReport, verify_ledger


class Ledger:
    """Events, checkpoints and proofs of one workspace database."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        *,
        signer: Signer | None,
        author: str,
        projectors: Sequence[Projector] = (),
        clock: Clock = utc_now_iso,
        roots: Mapping[str, str] | None = None,
        state: StateFile | None = None,
    ) -> None:
        """``roots`` (hex key to name of the root authorities) turns on the trust
        checks of :mod:`gawah.ledger.devices` on receipt and in :meth:`verify`;
        without it any validly signed event is accepted (a bare ledger, as in
        tests of the log itself). ``state`` keeps the newest checkpoints outside
        the database (:mod:`gawah.ledger.anchors`).
        """
        self._roots = None if roots is None else dict(roots)
        self._conn = conn
        self._signer = signer
        self._projectors = tuple(projectors)
        lock = threading.RLock()
        trusted = self._roots is not None
        self.checkpoint_store = Checkpoints(
            conn,
            lock,
            signer=signer,
            state=state,
            registry=self.registry if trusted else None,
        )
        self.log = EventLog(
            conn,
            lock,
            signer=signer,
            author=author,
            projectors=self._projectors,
            clock=clock,
            checkpoints=self.checkpoint_store,
            trust=self._registry_with if trusted else None,
        )
        self.proofs = Proofs(conn, self.log.event)

    @property
    def projectors(self) -> tuple[Projector, ...]:
        """The projectors applied on every append, in order."""
        return self._projectors

    @property
    def device(self) -> str | None:
        """Hex public key of this workspace's signing device."""
        return self._signer.device if self._signer else None

    # -- the log ---------------------------------------------------------------

    def append(self, kind: str, payload: dict[str, Any]) -> Event:
        """Sign and store one event; it is durable when this returns.

        No checkpoint is signed per single append (that would rehash the whole
        feed each time); :meth:`checkpoint` and ``Workspace.close`` sign one.
        """
        return self.log.append([(kind, payload)], checkpoint=False)[0]

    def append_many(
        self,
        items: Iterable[tuple[str, dict[str, Any]]],
        *,
        keep: bool = True,
        plain_json: bool = False,
    ) -> list[Event]:
        """Sign and store many events in one transaction (all or nothing), and a
        checkpoint of the feed; ``items`` may be a generator. ``keep=False``
        returns no events (a million-row import need not hold them);
        ``plain_json``: payloads as a JSON parser makes them (see
        :meth:`gawah.ledger.log.EventLog.append`)."""
        return self.log.append(items, checkpoint=True, keep=keep, plain_json=plain_json)

    def receive(self, raw: bytes, signature: bytes) -> Event | None:
        """Store an event signed elsewhere (sync); ``None`` if it is already held.

        Raises:
            LedgerIntegrityError: the bytes are not a well-formed, validly signed
                event from a device this workspace trusts.
        """
        stored = self.log.receive([(raw, signature)])
        return stored[0] if stored else None

    def receive_many(self, items: Iterable[tuple[bytes, bytes]]) -> list[Event]:
        """Store many events signed elsewhere in one transaction (a sync bundle);
        see :meth:`gawah.ledger.log.EventLog.receive`."""
        return self.log.receive(items)

    def events(
        self,
        after_rowid: int = 0,
        *,
        kind: str | None = None,
        device: str | None = None,
    ) -> Iterator[Event]:
        """Yield events in arrival order after ``after_rowid`` (``Event.rowid``)."""
        return self.log.events(after_rowid, kind=kind, device=device)

    def event(self, event_id: str) -> Event:
        """Return one event by id (``UserInputError`` when there is none)."""
        return self.log.event(event_id)

    def count(self) -> int:
        """Number of stored events (forks included)."""
        return self.log.count()

    def head(self) -> tuple[int, str] | None:
        """(position, id) of the newest stored event (None when empty); O(1)."""
        return self.log.head()

    def devices(self) -> list[str]:
        """Hex keys of every device with events here, sorted."""
        return self.log.devices()

    def feed_entries(self, device: str) -> Iterator[tuple[int, str, bytes]]:
        """(seq, id, Merkle leaf hash) of a device's stored events, by seq then
        arrival, without parsing them (what a sync import checks links against)."""
        return self.log.feed_entries(device)

    def feed_size(self, device: str) -> int:
        """Number of positions in a device feed (a forked seq counts once)."""
        return feed_size(self._conn, device)

    def state_digest(self) -> str:
        """SHA-256 over the sorted event ids: equal for equal sets of events.

        Independent of arrival order, so two workspaces that hold the same events
        (in any order, from any sync path) print the same digest.
        """
        return self.log.state_digest()

    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        """Drop every projection, replay all events in arrival order; return count."""
        return self.log.rebuild(progress)

    # -- checkpoints and proofs -----------------------------------------------

    def checkpoints(self, device: str | None = None) -> list[Checkpoint]:
        """Stored checkpoints (of one device, or all), oldest first, re-verified."""
        return self.checkpoint_store.stored(device)

    def checkpoint(self, device: str | None = None) -> Checkpoint:
        """The newest signed checkpoint of a feed (own feed by default; a fresh
        one is signed when the own feed grew since the last)."""
        return self.checkpoint_store.newest(device)

    def add_checkpoint(self, note: bytes) -> Checkpoint:
        """Store a checkpoint signed by another device (kept verbatim)."""
        return self.checkpoint_store.add(note)

    # -- checks and trust ------------------------------------------------------

    def verify(
        self,
        progress: Callable[[int], None] | None = None,
        *,
        projections: bool = True,
    ) -> VerifyReport:
        """Check the database file, every event, chain link and checkpoint (also
        those kept outside the database), and (with ``projections``) every
        projection table against a replay of the events; see
        :func:`gawah.ledger.verify.verify_ledger`.

        ``progress`` is called with the number of events checked so far.
        """
        return verify_ledger(
            self._conn,
            self._projectors,
            progress=progress,
            roots=self._roots,
            own=self.device,
            anchors=self.checkpoint_store.kept(),
            projections=projections,
        )

    def registry(self, extra: Collection[Event] = ()) -> Registry:
        """The trust state: roots, enrolled and revoked devices (see ``devices``),
        with the device events among ``extra`` (received, not yet stored) folded in."""
        return registry_of(self._conn, self._roots or {}, own=self.device, extra=extra)

    def _registry_with(self, events: list[Event]) -> Registry:
        """The trust state including a received batch (which may enrol devices)."""
        return registry_of(self._conn, self._roots or {}, own=self.device, extra=events)
