"""Sealing for a workspace: custodians, sealing sessions, opening, match keys, erasure.

Other domains seal through this module and nothing else::

    with Sealer(ws) as sealer:                     # an import, a batch of receipts
        sealed = sealer.seal_json(subject, values)  # a dict to put in an event
    ...
    with Opener(ws) as opener:                     # needs the unlocked device key
        values = opener.open_json(subject, sealed)  # None once erased

A *subject* is what one set of values belongs to (a report id, an evidence
digest); :func:`erase` destroys every data key of a subject.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import re
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

import nacl.utils

from gawah.core.json_text import text_encoder
from gawah.errors import IntegrityError, UserInputError
from gawah.ledger import Event
from gawah.sealing.crypto import (
    SealedValue,
    SealingSession,
    WrappedKey,
    custodian_private_key,
    custodian_public_key,
    open_value,
    parse_public_key,
)
from gawah.sealing.keystore import KEY_STORE_FILE, DataKeyStore
from gawah.sealing.projection import CUSTODIAN_ADDED, SEALED_ERASED

#: The key store's page cache (KiB) while :meth:`Sealer.holding` keeps one
#: transaction open: a million reports' keys are about 130 MiB of pages.
_HOLDING_CACHE_KIB = 65_536

if TYPE_CHECKING:
    from gawah.workspace import Workspace

__all__ = [
    "Custodian",
    "Erasure",
    "Opener",
    "Sealer",
    "add_custodian",
    "custodian_keys",
    "device_custodian_key",
    "erase",
    "erasures",
    "is_sealed",
    "keys_for",
    "list_custodians",
    "match_key",
    "normalise_for_match",
    "purge_erased",
    "receive_keys",
    "sealed_key_ids",
]

_MATCH_SECRET = "match-key"  # noqa: S105 (the name of a stored secret)
_MATCH_DIGITS = 39  # 128 bits written as decimal digits


@dataclass(frozen=True)
class Custodian:
    """A key sealed values are wrapped to: this device, or one added by an event."""

    public_key: str
    label: str
    added_by: str
    added_at: str


@dataclass(frozen=True)
class Erasure:
    """Who erased a subject's sealed values, when (device clock) and why."""

    subject: str
    reason: str
    author: str
    device: str
    recorded_at: str
    event_id: str


def device_custodian_key(ws: Workspace) -> str:
    """This device's custodian key (hex X25519), from its Ed25519 identity."""
    return custodian_public_key(ws.device).hex()


def list_custodians(conn: sqlite3.Connection) -> list[Custodian]:
    """The custodians added by ``custodian.added`` events (not this device)."""
    return [
        Custodian(str(r[0]), str(r[1]), str(r[2]), str(r[3]))
        for r in conn.execute(
            "SELECT public_key, label, author, recorded_at FROM sealing_custodians "
            "ORDER BY recorded_at, public_key"
        )
    ]


def custodian_keys(ws: Workspace) -> list[bytes]:
    """Every key new values are sealed to: this device first, then the added ones."""
    keys = [bytes.fromhex(device_custodian_key(ws))]
    for custodian in list_custodians(ws.conn):
        key = bytes.fromhex(custodian.public_key)
        if key not in keys:
            keys.append(key)
    return keys


def add_custodian(ws: Workspace, public_key: str, label: str = "") -> Event:
    """Record a custodian key (e.g. an offline key kept at headquarters).

    Values sealed from then on are wrapped to it too; values sealed earlier are not.

    Raises:
        UserInputError: not an X25519 public key, or already a custodian.
    """
    raw = parse_public_key(public_key)
    if raw.hex() in {c.public_key for c in list_custodians(ws.conn)} or (
        raw.hex() == device_custodian_key(ws)
    ):
        raise UserInputError("this key is already a custodian of the workspace")
    return ws.append(CUSTODIAN_ADDED, {"public_key": raw.hex(), "label": label})


def _store(ws: Workspace) -> DataKeyStore:
    return DataKeyStore(ws.home / KEY_STORE_FILE)


#: ``json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))``.
_PLAINTEXT = text_encoder(sort_keys=True, compact=True)


def _plaintext(subject: str, values: Any) -> bytes:
    return _PLAINTEXT({"subject": subject, "values": values}).encode("utf-8")


def _match_secret(ws: Workspace, store: DataKeyStore) -> bytes:
    """The workspace secret for match keys, sealed to this device; made on first use."""
    private = custodian_private_key(ws.device_key().seed())
    secret = store.secret(_MATCH_SECRET, private)
    if secret is None:
        secret = nacl.utils.random(32)
        store.put_secret(_MATCH_SECRET, secret, bytes(private.public_key))
    return secret


def normalise_for_match(kind: str, value: str) -> str:
    """The form two spellings of one id or phone share: digits, ``03…`` for mobiles."""
    digits = re.sub(r"\D", "", value)
    if kind == "phone":
        for prefix in ("0092", "92"):
            if digits.startswith(prefix) and len(digits) == len(prefix) + 10:
                digits = "0" + digits[len(prefix) :]
    return digits


class KeyedHash:
    """HMAC-SHA256 under one key, the key set up once.

    The same bytes as ``hmac.new(key, message, hashlib.sha256).digest()``: an
    import makes a keyed hash for each row's content hash and each national id
    and phone, and ``hmac.new`` set up the key anew every time; a copy of one
    keyed ``hmac`` object carries the key's padded state (the standard
    library's own HMAC, not a second one).
    """

    def __init__(self, key: bytes) -> None:
        self._keyed = hmac.new(key, digestmod=hashlib.sha256)

    def digest(self, message: bytes) -> bytes:
        """The 32-byte HMAC of ``message``."""
        mac = self._keyed.copy()
        mac.update(message)
        return mac.digest()


def match_key(secret: bytes, kind: str, value: str) -> str | None:
    """A keyed hash of a normalised id or phone: equal values give equal keys.

    HMAC-SHA256 under the workspace secret, first 128 bits written as 39
    decimal digits (so code that reads national ids as digits compares them
    unchanged). Without the secret, a key says nothing about the value.
    """
    return _match_key(KeyedHash(secret), kind, value)


def _match_key(keyed: KeyedHash, kind: str, value: str) -> str | None:
    """:func:`match_key` under a secret already padded (a Sealer's, per import)."""
    normal = normalise_for_match(kind, value)
    if len(normal) < 6:
        return None
    mac = keyed.digest(f"{kind}\x1f{normal}".encode())
    return str(int.from_bytes(mac[:16], "big")).zfill(_MATCH_DIGITS)


class Sealer:
    """Seals values to the workspace's custodians for one batch of events.

    Wrapped data keys are kept until :meth:`flush` (or leaving the ``with``
    block without an error) writes them to the key store; write them *before*
    appending the events that carry the sealed values.
    """

    def __init__(self, ws: Workspace) -> None:
        self._store = _store(ws)
        try:
            self._keyed = KeyedHash(_match_secret(ws, self._store))
            self._session = SealingSession(custodian_keys(ws))
        except BaseException:
            self._store.close()
            raise
        self._pending: list[Any] = []

    def seal_json(self, subject: str, values: Any) -> dict[str, str]:
        """Seal JSON-able ``values`` of ``subject``; returns the dict to store in an event."""
        sealed, wrapped = self._session.seal(subject, _plaintext(subject, values))
        self._pending.append(wrapped)
        return sealed.to_dict()

    def match_key(self, kind: str, value: str) -> str | None:
        """The keyed hash of a national id (``national_id``) or phone (``phone``)."""
        return _match_key(self._keyed, kind, value)

    def keyed_digest(self, text: str) -> str:
        """HMAC-SHA256 (hex) of ``text`` under the workspace secret (change detection)."""
        return self._keyed.digest(text.encode()).hex()

    def flush(self) -> None:
        """Write the wrapped keys of everything sealed so far to the key store."""
        if self._pending:
            self._store.put_many(self._pending)
            self._pending = []

    @contextlib.contextmanager
    def holding(self) -> Iterator[None]:
        """Keep the key store in one transaction while many batches are flushed
        (a large import): the keys become durable together when the block ends
        without an error. End the block before the events that carry the sealed
        values are committed."""
        with self._store.holding(cache_kib=_HOLDING_CACHE_KIB):
            yield

    def close(self) -> None:
        """Close the key store (unflushed keys are dropped: their values stay sealed)."""
        self._store.close()

    def __enter__(self) -> Sealer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                self.flush()
        finally:
            self.close()


class Opener:
    """Opens sealed values with this device's key (needs the unlocked workspace).

    Raises (on creation):
        WorkspaceError: the device key is locked.
    """

    def __init__(self, ws: Workspace) -> None:
        self._private = custodian_private_key(ws.device_key().seed())
        self._store = _store(ws)

    def open_json(self, subject: str, sealed: dict[str, Any]) -> Any | None:
        """The values sealed for ``subject``; None when their data key is not in
        this device's key store (erased, or sealed on another device whose keys
        have not been brought here).

        Raises:
            NotACustodianError: the values were sealed to other keys only.
            IntegrityError: altered ciphertext, or values of another subject.
        """
        value = SealedValue.from_dict(sealed)
        wrapped = self._store.get(value.key_id)
        if wrapped is None:
            return None
        if wrapped.subject != subject:
            raise IntegrityError("a sealed value is stored under another subject")
        data = json.loads(open_value(value, wrapped, self._private))
        if data.get("subject") != subject:
            raise IntegrityError("a sealed value belongs to another subject")
        return data["values"]

    def close(self) -> None:
        """Close the key store."""
        self._store.close()

    def __enter__(self) -> Opener:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def is_sealed(value: object) -> bool:
    """True for the dict form of a sealed value."""
    return isinstance(value, dict) and "alg" in value and "box" in value


def sealed_key_ids(payload: object) -> set[str]:
    """The data key ids of every sealed value anywhere in an event payload."""
    found: set[str] = set()
    stack = [payload]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if is_sealed(item) and isinstance(item.get("key"), str):
                found.add(str(item["key"]))
            else:
                stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def keys_for(
    ws: Workspace, key_ids: Iterable[str], custodians: Iterable[str]
) -> list[WrappedKey]:
    """The data keys held here, as wrapped to ``custodians`` (hex X25519) only.

    For a sync bundle addressed to a custodian's device: each key keeps only
    the wrappings made, when the values were sealed, for those custodians, so
    nothing is handed to a key the sealing did not choose. Keys wrapped to none
    of them are left out.
    """
    wanted = set(custodians)
    out: list[WrappedKey] = []
    if not wanted:
        return out
    store = _store(ws)
    try:
        for key_id in sorted(set(key_ids)):
            key = store.get(key_id)
            if key is None:
                continue  # erased, or sealed elsewhere and never brought here
            kept = {c: b for c, b in key.wrapped.items() if c in wanted}
            if kept:
                out.append(WrappedKey(key.key_id, key.subject, key.ephemeral, kept))
    finally:
        store.close()
    return out


def receive_keys(ws: Workspace, keys: Iterable[WrappedKey]) -> int:
    """Keep the data keys another device sent that this device can open.

    Only the wrapping to this device's custodian key is kept, and nothing of a
    subject an erasure names. Returns how many keys were new or changed.
    """
    own = device_custodian_key(ws)
    erased = {e.subject for e in erasures(ws.conn)}
    mine = [
        WrappedKey(k.key_id, k.subject, k.ephemeral, {own: k.wrapped[own]})
        for k in keys
        if own in k.wrapped and k.subject not in erased
    ]
    if not mine:
        return 0
    store = _store(ws)
    try:
        return store.merge_many(mine)
    finally:
        store.close()


def erasures(conn: sqlite3.Connection, subject: str | None = None) -> list[Erasure]:
    """Recorded erasures, oldest first (of one subject if given)."""
    sql = (
        "SELECT subject, reason, author, device, recorded_at, event_id "
        "FROM sealing_erasures"
    )
    args: tuple[str, ...] = ()
    if subject is not None:
        sql += " WHERE subject = ?"
        args = (subject,)
    return [
        Erasure(*(str(v) for v in row))
        for row in conn.execute(sql + " ORDER BY recorded_at, event_id", args)
    ]


def erase(ws: Workspace, subject: str, reason: str) -> tuple[Event, int]:
    """Erase a subject's sealed values: record who/when/why, then destroy its keys.

    The ``sealed.erased`` event is appended first (so the erasure is on record
    even if the process dies next); then every data key of the subject is
    deleted from the key store. The ledger is untouched, so it still verifies;
    its ciphertext of the subject can no longer be opened by anyone.

    Returns:
        The event and how many data keys were destroyed.

    Raises:
        UserInputError: an empty reason.
    """
    if not reason.strip():
        raise UserInputError("say why the values are erased (--reason)")
    event = ws.append(SEALED_ERASED, {"subject": subject, "reason": reason.strip()})
    store = _store(ws)
    try:
        destroyed = store.destroy([subject])
    finally:
        store.close()
    return event, destroyed


def purge_erased(ws: Workspace) -> int:
    """Destroy the keys of every subject an erasure event names (e.g. after a sync)."""
    subjects = {e.subject for e in erasures(ws.conn)}
    store = _store(ws)
    try:
        return store.destroy(sorted(subjects))
    finally:
        store.close()
