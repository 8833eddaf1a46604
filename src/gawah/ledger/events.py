"""Events, the projector protocol and the signer protocol.

An event's ``raw`` bytes are the RFC 8785 canonical JSON of
``{kind, payload, author, device, seq, prev, recorded_at}``; its ``id`` is the hex
SHA-256 of ``raw`` and its ``signature`` is the device's Ed25519 signature over
``raw``. The store keeps ``raw`` and ``signature`` verbatim, so verification never
depends on re-serialising anything.
"""

from __future__ import annotations

import json
import json.scanner
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import orjson

from gawah.core import canonical_json, sha256_hex
from gawah.errors import LedgerIntegrityError

RAW_FIELDS = ("author", "device", "kind", "payload", "prev", "recorded_at", "seq")
"""The keys of the signed JSON object, in canonical (sorted) order."""


_scan = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]
_SORTED = orjson.OPT_SORT_KEYS


def parse_json(raw: bytes) -> Any:
    """``json.loads(raw)``, with fast paths for the canonical UTF-8 events are written in.

    ``orjson`` parses about twice as fast as the standard library, but not always
    to the same value (an integer beyond 64 bits becomes a float, for one). Its
    result is taken only when ``orjson`` writes it back, keys sorted, as exactly
    ``raw``: then ``raw`` held no duplicate key and no whitespace, each string
    escaped as ``orjson`` escapes it, each integer's exact digits and each
    float's shortest spelling, which every correct parser reads as the same
    value. Canonical event bytes (RFC 8785) pass (verify and a bundle's import
    parse every event: about 9 µs saved of 21); anything else goes through the standard library's scanner, and what
    that refuses (a BOM, UTF-16/32, surrounding whitespace...) through
    ``json.loads``, so the result (or the error) is always exactly that of
    ``json.loads``.
    """
    try:
        obj = orjson.loads(raw)
        if orjson.dumps(obj, option=_SORTED) == raw:
            return obj
    except (ValueError, TypeError):  # orjson's decode and encode errors
        pass  # not bytes, or not what orjson reads and writes back: the scanner decides
    try:
        text = raw.decode("utf-8")
        obj, end = _scan(text, 0)
        if end == len(text):
            return obj
    except (ValueError, StopIteration, AttributeError):
        pass  # not bytes, not UTF-8, or not compact JSON: json.loads decides
    return json.loads(raw)


def blob(value: object) -> bytes:
    """A stored BLOB as bytes.

    Raises:
        LedgerIntegrityError: the value is not bytes (SQLite keeps any type in
            any column, so an edited row can hold text or a number instead).
    """
    if type(value) is bytes:
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    raise LedgerIntegrityError("stored event bytes are not a blob")


@dataclass(frozen=True, slots=True)
class Event:
    """One signed fact in the ledger; equality and hashing go by ``id``.

    ``rowid`` is the local arrival position (for paging with
    ``Ledger.events(after_rowid=...)``); it is not signed and differs between
    workspaces holding the same event.
    """

    id: str
    kind: str
    payload: dict[str, Any]
    author: str
    device: str
    seq: int
    prev: str | None
    recorded_at: str
    signature: bytes
    raw: bytes
    rowid: int = field(default=0, compare=False)

    def __hash__(self) -> int:
        return hash(self.id)

    @classmethod
    def from_stored(cls, raw: bytes, signature: bytes, rowid: int = 0) -> Event:
        """Rebuild an event from its stored bytes (no signature check here).

        Raises:
            LedgerIntegrityError: ``raw`` is not a well-formed event object (or
                a stored column was edited into something other than bytes).
        """
        raw, signature = blob(raw), blob(signature)
        try:
            obj = parse_json(raw)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # too deep
            raise LedgerIntegrityError("event bytes are not valid JSON") from exc
        if not isinstance(obj, dict) or tuple(sorted(obj)) != RAW_FIELDS:
            raise LedgerIntegrityError("event bytes do not hold the event fields")
        kind, payload, author = obj["kind"], obj["payload"], obj["author"]
        device, seq, prev, at = (
            obj["device"],
            obj["seq"],
            obj["prev"],
            obj["recorded_at"],
        )
        if not (
            isinstance(kind, str)
            and isinstance(payload, dict)
            and isinstance(author, str)
            and isinstance(device, str)
            and isinstance(seq, int)
            and not isinstance(seq, bool)
            and (prev is None or isinstance(prev, str))
            and isinstance(at, str)
        ):
            raise LedgerIntegrityError("event fields have the wrong types")
        return cls(
            id=sha256_hex(raw),
            kind=kind,
            payload=payload,
            author=author,
            device=device,
            seq=seq,
            prev=prev,
            recorded_at=at,
            signature=bytes(signature),
            raw=bytes(raw),
            rowid=rowid,
        )


def encode_event(
    kind: str,
    payload: dict[str, Any],
    *,
    author: str,
    device: str,
    seq: int,
    prev: str | None,
    recorded_at: str,
) -> bytes:
    """Return the canonical bytes that are hashed and signed for one event.

    Raises:
        TypeError: the payload is not JSON (bytes must be base64/hex strings).
    """
    if not isinstance(payload, dict):
        raise TypeError("an event payload must be a JSON object (dict)")
    return canonical_json(
        {
            "kind": kind,
            "payload": payload,
            "author": author,
            "device": device,
            "seq": seq,
            "prev": prev,
            "recorded_at": recorded_at,
        }
    )


@runtime_checkable
class Signer(Protocol):
    """Something that signs for one device (a device key, or a test double)."""

    @property
    def device(self) -> str:
        """Hex Ed25519 public key of the device."""
        ...

    def sign(self, message: bytes) -> bytes:
        """Return the 64-byte Ed25519 signature of ``message``."""
        ...


class Projector(Protocol):
    """A domain's derived state, kept in its own tables (see decision 0001).

    ``apply`` runs inside the append's transaction: it must not commit, and it
    must ignore kinds it does not know.
    """

    name: str

    def create(self, conn: sqlite3.Connection) -> None:
        """Create the tables if they do not exist (names prefixed with ``name``)."""
        ...

    def drop(self, conn: sqlite3.Connection) -> None:
        """Drop the projector's tables (``gawah ledger rebuild`` replays afterwards)."""
        ...

    def apply(self, conn: sqlite3.Connection, event: Event) -> None:
        """Fold one event into the tables."""
        ...


def project(
    conn: sqlite3.Connection, projectors: Sequence[Projector], events: list[Event]
) -> None:
    """Fold a chunk of events (arrival order) into every projector.

    A projector may define the optional ``apply_many(conn, events)``: it gets the
    whole chunk in one call (one ``executemany`` instead of one statement per
    event) and must leave exactly the tables that ``apply`` on each event in
    order would. When any projector has it, projectors run one after another over
    the chunk (decision 0001: a projector never depends on another one's tables
    while applying); otherwise every event goes through every projector in turn.
    """
    if not events:
        return
    batched = [getattr(p, "apply_many", None) for p in projectors]
    if not any(batched):
        for event in events:
            for projector in projectors:
                projector.apply(conn, event)
        return
    for projector, apply_many in zip(projectors, batched, strict=True):
        if apply_many is not None:
            apply_many(conn, events)
        else:
            for event in events:
                projector.apply(conn, event)
