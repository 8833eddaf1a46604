"""Which devices a workspace trusts: roots, enrolments and revocations (S17, S23).

A workspace trusts its **roots** (the authorities named in ``workspace.toml``: the
device ``gawah init`` made, or the one given to ``gawah init --join``), its own
device, and every device an authority enrolled with a ``device.enrolled`` event.
A ``device.revoked`` event (signed by an authority) stops trusting a device's events
*after* the last sequence number of its feed the authority had seen when it
revoked it; earlier events stay valid.

Payloads::

    device.enrolled  {"name", "identity", "device", "roles"}
    device.revoked   {"name", "device", "after_seq", "reason"}

An enrolled device's events must carry its enrolled name as their author: the
author shown anywhere is the name an authority gave, not a self-declared string.

**Identity text.** ``gawah devices id`` prints ``gawah1`` followed by the lowercase
RFC 4648 base32 (no padding) of the 32-byte Ed25519 verify key and a 4-byte
checksum (the first bytes of ``SHA-256("gawah-identity-1" || key)``): 58 letters and
digits, no punctuation, so it survives copy-paste and a mistyped character is
refused. The same key gives the device's encryption key: its Curve25519
conversion (PyNaCl ``VerifyKey.to_curve25519_public_key()``), so one line is all
another workspace needs both to enrol a device and to seal data to it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import sqlite3
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from gawah.errors import LedgerIntegrityError, UserInputError
from gawah.ledger.events import Event

ENROLLED = "device.enrolled"
REVOKED = "device.revoked"
KINDS = (ENROLLED, REVOKED)

AUTHORITY = "authority"
CUSTODIAN = "custodian"
DOCUMENTER = "documenter"
ROLES = (AUTHORITY, CUSTODIAN, DOCUMENTER)
"""Roles an enrolment may give: ``authority`` enrols and revokes devices;
``custodian`` holds a key that sealed witness fields are encrypted to;
``documenter`` records (every enrolled device may record)."""

IDENTITY_PREFIX = "gawah1"
_CHECK_TAG = b"gawah-identity-1"


def identity_of(verify_key: bytes) -> str:
    """Return the copy-pasteable public identity of a 32-byte Ed25519 verify key."""
    if len(verify_key) != 32:
        raise ValueError("an Ed25519 verify key has 32 bytes")
    check = hashlib.sha256(_CHECK_TAG + verify_key).digest()[:4]
    text = base64.b32encode(verify_key + check).decode("ascii").rstrip("=").lower()
    return IDENTITY_PREFIX + text


def parse_identity(text: str) -> bytes:
    """Return the verify key in an identity string.

    Raises:
        UserInputError: not an identity, or its checksum does not match (a typo).
    """
    cleaned = "".join(text.split()).lower()
    if not cleaned.startswith(IDENTITY_PREFIX):
        raise UserInputError(
            f"a device identity starts with {IDENTITY_PREFIX!r} "
            "(print one with `gawah devices id`)"
        )
    body = cleaned[len(IDENTITY_PREFIX) :].upper()
    try:
        data = base64.b32decode(body + "=" * (-len(body) % 8))
    except (binascii.Error, ValueError):
        raise UserInputError("the device identity is not valid base32") from None
    if len(data) != 36:
        raise UserInputError("the device identity has the wrong length")
    key, check = data[:32], data[32:]
    if (
        hashlib.sha256(_CHECK_TAG + key).digest()[:4] != check
        or identity_of(key) != cleaned  # the last letter's unused bits count too
    ):
        raise UserInputError("the device identity's checksum does not match (a typo?)")
    return key


def identity_of_device(device: str) -> str:
    """The identity string of a device given as its hex key (as events carry it)."""
    return identity_of(bytes.fromhex(device))


@dataclass(frozen=True, slots=True)
class EnrolledDevice:
    """One device a workspace knows: a root, or enrolled by an authority.

    ``verify_key`` is the raw Ed25519 key; its Curve25519 conversion is the
    device's encryption key. ``revoked_after`` is the last trusted ``seq`` of a
    revoked device's feed (``None`` while not revoked).
    """

    name: str
    identity: str
    device: str
    verify_key: bytes
    roles: tuple[str, ...]
    root: bool = False
    enrolled_by: str | None = None
    revoked_after: int | None = None
    revoked_reason: str | None = None

    @property
    def revoked(self) -> bool:
        """True once an authority revoked the device."""
        return self.revoked_after is not None

    def trusts(self, seq: int) -> bool:
        """Whether an event at ``seq`` of this device's feed is trusted."""
        return self.revoked_after is None or seq <= self.revoked_after

    def has_role(self, role: str) -> bool:
        """Whether the device holds ``role`` and is not revoked."""
        return role in self.roles and not self.revoked


@dataclass(slots=True)
class Registry:
    """The trust state after folding device events; see :func:`build_registry`."""

    devices: dict[str, EnrolledDevice] = field(default_factory=dict)
    own: str | None = None

    def trusted(self, device: str, seq: int) -> bool:
        """Whether an event of ``device`` at ``seq`` comes from a trusted device."""
        if device == self.own:
            return True
        known = self.devices.get(device)
        return known is not None and known.trusts(seq)

    def why_not(self, event: Event | tuple[str, int, str]) -> str | None:
        """Why an event is not trusted (``None`` when it is).

        ``event`` is an :class:`Event` or ``(device, seq, author)``.
        """
        if isinstance(event, Event):
            device, seq, author = event.device, event.seq, event.author
        else:
            device, seq, author = event
        if device == self.own:
            return None
        known = self.devices.get(device)
        if known is None:
            return "signed by a device that is not enrolled in this workspace"
        if not known.trusts(seq):
            return (
                f"signed by device {known.name!r} after its revocation "
                f"(trusted up to seq {known.revoked_after})"
            )
        if not known.root and author != known.name:
            return (
                f"author {author[:40]!r} is not the enrolled name {known.name!r} "
                "of its device"
            )
        return None

    def authority(self, device: str, seq: int) -> bool:
        """Whether ``device`` may enrol or revoke at ``seq`` of its feed."""
        known = self.devices.get(device)
        return known is not None and known.trusts(seq) and AUTHORITY in known.roles


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _apply(registry: Registry, event: Event) -> bool:
    """Fold one device event in; return whether it changed anything."""
    if not registry.authority(event.device, event.seq):
        return False
    p = event.payload
    device, name = _str(p.get("device")), _str(p.get("name"))
    if device is None or name is None:
        return False
    if event.kind == ENROLLED:
        if device in registry.devices:
            return False  # a device is enrolled once; re-enrolment needs a new key
        try:
            key = bytes.fromhex(device)
            if len(key) != 32 or parse_identity(str(p.get("identity"))) != key:
                return False
        except (ValueError, UserInputError):
            return False
        raw_roles = p.get("roles")
        roles = tuple(
            r for r in (raw_roles if isinstance(raw_roles, list) else []) if r in ROLES
        )
        registry.devices[device] = EnrolledDevice(
            name=name,
            identity=identity_of(key),
            device=device,
            verify_key=key,
            roles=roles or (DOCUMENTER,),
            enrolled_by=event.device,
        )
        return True
    known = registry.devices.get(device)
    after = p.get("after_seq")
    if known is None or known.root or known.revoked:
        return False
    if not isinstance(after, int) or isinstance(after, bool) or after < 0:
        return False
    reason = p.get("reason")
    registry.devices[device] = EnrolledDevice(
        name=known.name,
        identity=known.identity,
        device=known.device,
        verify_key=known.verify_key,
        roles=known.roles,
        enrolled_by=known.enrolled_by,
        revoked_after=after,
        revoked_reason=reason if isinstance(reason, str) else "",
    )
    return True


def build_registry(
    roots: Mapping[str, str],
    events: Iterable[Event],
    *,
    own: str | None = None,
) -> Registry:
    """Fold device events into the trust state.

    ``roots`` maps each root authority's hex key to its name. Events are applied
    in the order given, repeatedly until nothing changes, so an enrolment that
    arrived before the enrolment of the authority that signed it still counts.
    """
    registry = Registry(own=own)
    for device, name in roots.items():
        key = bytes.fromhex(device)
        registry.devices[device] = EnrolledDevice(
            name=name,
            identity=identity_of(key),
            device=device,
            verify_key=key,
            roles=(AUTHORITY, CUSTODIAN),
            root=True,
        )
    pending = [e for e in events if e.kind in KINDS]
    changed = True
    while changed and pending:
        changed = False
        rest: list[Event] = []
        for event in pending:
            if _apply(registry, event):
                changed = True
            else:
                rest.append(event)
        pending = rest
    return registry


def stored_device_events(conn: sqlite3.Connection) -> list[Event]:
    """The device events held in a ledger database, in arrival order."""
    cur = conn.cursor()
    cur.row_factory = None
    rows = cur.execute(
        "SELECT pos, raw, signature FROM ledger_events"
        f" WHERE kind IN ({', '.join('?' * len(KINDS))}) ORDER BY pos",
        KINDS,
    ).fetchall()
    out: list[Event] = []
    for pos, raw, signature in rows:
        try:
            out.append(Event.from_stored(raw, signature, rowid=pos))
        except (ValueError, LedgerIntegrityError):
            continue  # a damaged row: verify reports it; it enrols nobody
    return out


def _signature_ok(event: Event) -> bool:
    import nacl.bindings
    import nacl.exceptions

    try:
        nacl.bindings.crypto_sign_open(
            event.signature + event.raw, bytes.fromhex(event.device)
        )
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, ValueError):
        return False
    return hashlib.sha256(event.raw).hexdigest() == event.id


def registry_of(
    conn: sqlite3.Connection,
    roots: Mapping[str, str],
    *,
    own: str | None = None,
    extra: Collection[Event] = (),
) -> Registry:
    """The trust state of a ledger database (plus ``extra`` events not yet stored).

    Stored device events are re-checked (hash and signature) before they count:
    a row edited in the database enrols nobody.
    """
    stored = [e for e in stored_device_events(conn) if _signature_ok(e)]
    return build_registry(roots, [*stored, *extra], own=own)


def enrolled_devices(
    conn: sqlite3.Connection, roots: Mapping[str, str], *, own: str | None = None
) -> list[EnrolledDevice]:
    """Every device the workspace knows (roots first, then by name), revoked included.

    The typed view other domains read (e.g. the custodians that sealed witness
    fields are encrypted to: ``[d for d in devices if d.has_role("custodian")]``).
    """
    registry = registry_of(conn, roots, own=own)
    return sorted(registry.devices.values(), key=lambda d: (not d.root, d.name))


__all__ = [
    "AUTHORITY",
    "CUSTODIAN",
    "DOCUMENTER",
    "ENROLLED",
    "IDENTITY_PREFIX",
    "KINDS",
    "REVOKED",
    "ROLES",
    "EnrolledDevice",
    "Registry",
    "build_registry",
    "enrolled_devices",
    "identity_of",
    "identity_of_device",
    "parse_identity",
    "registry_of",
    "stored_device_events",
]
