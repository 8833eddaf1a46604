"""Export the events other devices lack into a bundle; import a bundle, all or nothing.

Merge is the union of per-device feeds (as in Secure Scuttlebutt): importing
adds the events not yet held, and the ledger's ``state_digest`` (over the set of
event ids) is the same on every workspace that holds the same events, whatever
the order and number of imports.

Before anything is stored an import checks: decryption to this device, the
sender's signature over the whole bundle, that the sender is enrolled and not
revoked, every event's hash and signature, that every author is trusted, that
each feed's chain links up with what is held (no gap), and each checkpoint the
sender included against the events it commits to. A checkpoint or event that
contradicts another signed by the same device is a **fork** (equivocation): it is
kept as evidence, as the ledger keeps forks, and reported with both checkpoints.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import os
import secrets
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import nacl.signing

from gawah.core import open_private, utc_now_iso
from gawah.errors import UserInputError
from gawah.ledger import (
    Checkpoint,
    Event,
    MerkleTree,
    identity_of,
    leaf_hash,
    parse_identity,
)
from gawah.sealing import (
    SEALED_ERASED,
    WrappedKey,
    keys_for,
    list_custodians,
    purge_erased,
    receive_keys,
    sealed_key_ids,
)
from gawah.sync.bundle import (
    BundleError,
    Content,
    curve_public,
    open_bundle,
    write_bundle,
)
from gawah.sync.exchanges import Exchange, Exchanges
from gawah.sync.qr import read_qr, write_qr

if TYPE_CHECKING:
    from gawah.workspace import Workspace

REPORT_KINDS = ("report.recorded",)
DEVICE_KINDS = ("device.enrolled", "device.revoked")


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What ``gawah sync export`` wrote."""

    path: Path
    bundle_id: str
    events: int
    devices: int
    checkpoints: int
    size: int
    qr_codes: int
    recipients: tuple[str, ...]
    unknown_recipients: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Fork:
    """One device seen signing two histories: the evidence, no event content.

    ``ours`` and ``theirs`` are signed checkpoint notes of the same device
    (either may be missing when only the events show the fork); ``events`` are
    the ids of two events it signed at the same ``seq``, when the events show it.
    """

    device: str
    name: str
    seq: int | None
    events: tuple[str, ...]
    ours: str | None
    theirs: str | None


@dataclass(frozen=True, slots=True)
class Rollback:
    """A device's own feed seen shorter than what it had signed (SECURITY.md S04).

    ``own`` False: the bundle's sender says it holds ``had`` events of its own
    feed while this workspace holds ``held`` that it signed: it lost its last
    events (restored from an older copy, or its tail deleted), unless the bundle
    is older than one imported before. ``own`` True: this device received events
    of its own feed it no longer held (``had`` before, ``held`` after).
    """

    device: str
    name: str
    had: int
    held: int
    own: bool


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What ``gawah sync import`` found and stored."""

    bundle_id: str
    sender: str
    sender_name: str
    created_at: str
    events: int
    new_events: int
    kinds: dict[str, int]
    reports: int
    devices: int
    feeds: int
    checkpoints: int
    digest_before: str
    digest_after: str
    forks: tuple[Fork, ...] = ()
    replay_of: str | None = None
    changed_reports: tuple[str, ...] = field(default=())
    keys_destroyed: int = 0
    keys_received: int = 0
    rollbacks: tuple[Rollback, ...] = ()

    @property
    def changed(self) -> bool:
        """Whether the workspace holds anything it did not hold before."""
        return self.digest_before != self.digest_after


def export_bundle(
    ws: Workspace,
    recipients: Sequence[str],
    out: Path,
    *,
    since: str | None = None,
    qr: Path | None = None,
) -> ExportResult:
    """Write the events ``recipients`` lack into an encrypted, signed bundle.

    ``since`` is ``None`` (every event), ``"last"`` (past what every recipient
    is known to hold from earlier exchanges) or a bundle id of an earlier
    exchange (past what that exchange left the other side holding). ``qr``
    also writes the bundle as numbered QR-code images in that folder.

    Raises:
        UserInputError: a recipient is not an identity, ``since`` names no
            exchange, or the file cannot be written.
        WorkspaceError: the device key is locked (a bundle is signed).
    """
    data, result, record = _make(ws, recipients, since)
    qr_codes = 0 if qr is None else len(write_qr(data, qr))
    _write_file(out, data)
    Exchanges(ws.home).add(record)
    return dataclasses.replace(result, path=out, qr_codes=qr_codes)


def bundle_for(ws: Workspace, identity: str, *, since: str | None = None) -> bytes:
    """The bytes of a bundle for one device (``gawah sync serve``), recorded as sent."""
    data, _result, record = _make(ws, [identity], since)
    Exchanges(ws.home).add(record)
    return data


def _make(
    ws: Workspace, recipients: Sequence[str], since: str | None
) -> tuple[bytes, ExportResult, Exchange]:
    if not recipients:
        raise UserInputError("name at least one recipient with --to IDENTITY")
    keys = [parse_identity(text).hex() for text in recipients]
    identities = tuple(dict.fromkeys(identity_of(bytes.fromhex(k)) for k in keys))
    device_key = ws.device_key()
    exchanges = Exchanges(ws.home)
    known = _since(exchanges, identities, since)
    ledger = ws.ledger
    own_cp = ledger.checkpoint() if ledger.feed_size(ws.device) else None
    items: list[tuple[bytes, bytes]] = []
    devices: set[str] = set()
    # Events this workspace no longer trusts (past a revocation) are not passed on.
    registry = ledger.registry()
    # Data keys go only to recipients that are custodians (see _data_keys).
    custodians = {c.public_key for c in list_custodians(ws.conn)} & {
        bytes(curve_public(k)).hex() for k in keys
    }
    key_ids: set[str] = set()
    for event in ledger.events():
        if event.seq > known.get(event.device, 0) and registry.why_not(event) is None:
            items.append((event.raw, event.signature))
            devices.add(event.device)
            if custodians:
                key_ids |= sealed_key_ids(event.payload)
    notes: list[str] = []
    for device in sorted(devices):
        cp = own_cp if device == ws.device else _newest(ledger.checkpoints(device))
        if cp is not None:
            notes.append(cp.note.decode("utf-8"))
    have = {device: ledger.feed_size(device) for device in ledger.devices()}
    enrolled = {d.device for d in ws.enrolled_devices()} | {ws.device}
    bundle_id = secrets.token_hex(16)
    manifest = {
        "bundle_id": bundle_id,
        "sender": ws.device,
        "created_at": utc_now_iso(),
        "recipients": list(identities),
        "since": dict(sorted(known.items())),
        "have": dict(sorted(have.items())),
        "events": len(items),
        "checkpoints": notes,
    }
    data_keys = keys_for(ws, key_ids, custodians)
    if data_keys:
        manifest["data_keys"] = [_key_json(k) for k in data_keys]
    data = write_bundle(
        seed=device_key.seed(), recipients=keys, manifest=manifest, events=items
    )
    record = Exchange(
        bundle_id=bundle_id,
        direction="sent",
        peers=identities,
        feeds=have,
        at=str(manifest["created_at"]),
    )
    result = ExportResult(
        path=Path(),
        bundle_id=bundle_id,
        events=len(items),
        devices=len(devices),
        checkpoints=len(notes),
        size=len(data),
        qr_codes=0,
        recipients=identities,
        unknown_recipients=tuple(
            identity_of(bytes.fromhex(k)) for k in keys if k not in enrolled
        ),
    )
    return data, result, record


def _key_json(key: WrappedKey) -> dict[str, object]:
    return {
        "key": key.key_id,
        "subject": key.subject,
        "ephemeral": base64.b64encode(key.ephemeral).decode("ascii"),
        "wrapped": {
            c: base64.b64encode(b).decode("ascii")
            for c, b in sorted(key.wrapped.items())
        },
    }


def _data_keys(manifest: dict[str, object]) -> list[WrappedKey]:
    """The data keys a bundle carries for custodian recipients, checked.

    A sender includes the data key of a sealed value only for recipients whose
    key is a custodian of the workspace (``gawah custodians add``), and only as
    wrapped to them when the value was sealed: the sealing chose who may open
    it, the exchange only carries that to them (docs/guides/sync.md).

    Raises:
        BundleError: the list is malformed.
    """
    raw = manifest.get("data_keys", [])
    if not isinstance(raw, list):
        raise BundleError("the bundle manifest is damaged (data keys)")
    out: list[WrappedKey] = []
    try:
        for item in raw:
            if not isinstance(item, dict):
                raise ValueError
            key_id, subject, wrapped = item["key"], item["subject"], item["wrapped"]
            if not (
                isinstance(key_id, str)
                and isinstance(subject, str)
                and isinstance(wrapped, dict)
                and isinstance(item["ephemeral"], str)
            ):
                raise ValueError
            ephemeral = base64.b64decode(item["ephemeral"], validate=True)
            boxes = {
                str(c): base64.b64decode(b, validate=True) for c, b in wrapped.items()
            }
            if len(ephemeral) != 32 or not all(len(c) == 64 for c in boxes):
                raise ValueError
            out.append(WrappedKey(key_id, subject, ephemeral, boxes))
    except (KeyError, TypeError, ValueError, binascii.Error):
        raise BundleError("the bundle manifest is damaged (data keys)") from None
    return out


def _since(
    exchanges: Exchanges, identities: Sequence[str], since: str | None
) -> dict[str, int]:
    if since is None:
        return {}
    if since == "last":
        return exchanges.known(identities)
    for item in exchanges.all():
        if item.bundle_id == since:
            return dict(item.feeds)
    raise UserInputError(
        f"--since {since[:40]!r} names no earlier exchange (use 'last' or a bundle "
        "id that `gawah sync export` or `gawah sync import` printed)"
    )


def _newest(checkpoints: Sequence[Checkpoint]) -> Checkpoint | None:
    return max(checkpoints, key=lambda cp: cp.size) if checkpoints else None


def _write_file(path: Path, data: bytes) -> None:
    """Write the bundle whole or not at all (temporary file, fsync, rename), 0600."""
    tmp = path.with_name(path.name + ".part")
    try:
        with open_private(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserInputError(f"cannot write {path}: {exc.strerror}") from None


def read_bundle(ws: Workspace, path: Path) -> Content:
    """Open a bundle file (or a folder of its QR codes) with this device's key
    (decrypt, decompress, sender check).

    Raises:
        UserInputError: the file cannot be read.
        BundleError: it is not a bundle for this device, or it was altered.
        WorkspaceError: the device key is locked.
    """
    try:
        data = read_qr(path) if path.is_dir() else path.read_bytes()
    except OSError as exc:
        raise UserInputError(f"cannot read {path}: {exc.strerror}") from None
    return _open_data(ws, data)


def _open_data(ws: Workspace, data: bytes) -> Content:
    seed = ws.device_key().seed()
    private = nacl.signing.SigningKey(seed).to_curve25519_private_key()
    content = open_bundle(data, private)
    recipients = content.manifest.get("recipients", [])
    if not isinstance(recipients, list) or ws.identity not in recipients:
        raise BundleError("this bundle is not addressed to this device")
    return content


def import_bundle(ws: Workspace, path: Path) -> ImportResult:
    """Verify a bundle completely, then store what is new in one transaction.

    Raises:
        BundleError: any check failed (exit 3); nothing was stored.
        LedgerIntegrityError: an event or checkpoint does not verify (exit 3);
            nothing was stored.
    """
    return import_data(ws, read_bundle_bytes(path))


def read_bundle_bytes(path: Path) -> bytes:
    """The bytes of a bundle file, or reassembled from a folder of its QR codes."""
    try:
        return read_qr(path) if path.is_dir() else path.read_bytes()
    except OSError as exc:
        raise UserInputError(f"cannot read {path}: {exc.strerror}") from None


def import_data(
    ws: Workspace, data: bytes, *, sender: str | None = None
) -> ImportResult:
    """:func:`import_bundle` on bundle bytes; ``sender`` (hex key), when given,
    must be the device that signed the bundle (``gawah sync pull``).
    """
    content = _open_data(ws, data)
    if sender is not None and content.sender != sender:
        raise BundleError(
            "the bundle is signed by another device than the one that served it"
        )
    manifest = content.manifest
    notes = manifest.get("checkpoints", [])
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        raise BundleError("the bundle manifest is damaged")
    try:  # JSON can spell a lone surrogate, which is no UTF-8 text
        encoded_notes = [n.encode("utf-8") for n in notes]
    except UnicodeEncodeError:
        raise BundleError("the bundle manifest is damaged") from None
    data_keys = _data_keys(manifest)
    exchanges = Exchanges(ws.home)
    earlier = exchanges.received(content.bundle_id)
    ledger = ws.ledger
    before = ledger.state_digest()
    own_before = ledger.feed_size(ws.device)
    sender_held = 0 if content.sender == ws.device else ledger.feed_size(content.sender)
    found: list[Fork] = []
    names: dict[str, str] = {}

    def inspect(
        events: list[Event], checkpoints: list[Checkpoint]
    ) -> Sequence[Checkpoint]:
        registry = ledger.registry(extra=events)
        for device, known in registry.devices.items():
            names[device] = known.name
        sender = registry.devices.get(content.sender)
        if content.sender != ws.device:
            if sender is None:
                raise BundleError(
                    "the bundle's sender is not a device enrolled in this workspace "
                    "(enrol it with `gawah devices enrol`); nothing was stored"
                )
            if sender.revoked:
                raise BundleError(
                    f"the bundle's sender {sender.name!r} was revoked; nothing "
                    "was stored"
                )
        keep, forks = _check_feeds(ws, events, checkpoints, names)
        found.extend(forks)
        return keep

    items = content.events
    stored = ledger.log.receive_bundle(items, encoded_notes, inspect=inspect)
    # Nothing stored: the set of events, and so its digest, is what it was.
    after = ledger.state_digest() if stored else before
    kinds = Counter(event.kind for event in stored)
    # An erasure recorded elsewhere destroys this device's data keys of the
    # subject too, so no copy of its sealed values stays readable here.
    destroyed = purge_erased(ws) if kinds[SEALED_ERASED] else 0
    # Data keys wrapped to this device as a custodian (none of an erased subject).
    received = receive_keys(ws, data_keys) if data_keys else 0
    changed_reports = sorted(
        {str(e.payload.get("report_id")) for e in stored if e.kind in REPORT_KINDS}
    )
    have = manifest.get("have", {})
    rollbacks = _rollbacks(
        ws,
        content,
        names,
        own=(own_before, ledger.feed_size(ws.device) if stored else own_before),
        sender_held=sender_held if earlier is None else 0,
        stored=stored,
    )
    if earlier is None:
        exchanges.add(
            Exchange(
                bundle_id=content.bundle_id,
                direction="received",
                peers=(identity_of(bytes.fromhex(content.sender)),),
                feeds={
                    str(k): int(v)
                    for k, v in (have.items() if isinstance(have, dict) else [])
                    if isinstance(v, int)
                },
                at=utc_now_iso(),
            )
        )
    return ImportResult(
        bundle_id=content.bundle_id,
        sender=content.sender,
        sender_name=names.get(content.sender, "this device"),
        created_at=str(manifest.get("created_at", "")),
        events=len(items),
        new_events=len(stored),
        kinds=dict(sorted(kinds.items())),
        reports=sum(kinds[k] for k in REPORT_KINDS),
        devices=sum(kinds[k] for k in DEVICE_KINDS),
        feeds=len({e.device for e in stored}),
        checkpoints=len(notes),
        digest_before=before,
        digest_after=after,
        forks=tuple(found),
        replay_of=None if earlier is None else earlier.at,
        changed_reports=tuple(changed_reports),
        keys_destroyed=destroyed,
        keys_received=received,
        rollbacks=rollbacks,
    )


def _rollbacks(
    ws: Workspace,
    content: Content,
    names: dict[str, str],
    *,
    own: tuple[int, int],
    sender_held: int,
    stored: Sequence[Event],
) -> tuple[Rollback, ...]:
    """Feeds found shorter than their devices had signed (a hash chain cannot
    show a cut tail; a peer holding the tail can). ``own`` is this device's feed
    size before and after the import; ``sender_held`` how much of the sender's
    feed was held here before it (0 for a replayed bundle: its ``have`` is old).

    Own events that came back extend this device's feed from its head; those
    of a copy of this device that went on apart (a fork, reported as such)
    chain to the copy's branch instead, and are not a rollback."""
    found: list[Rollback] = []
    had, held = own
    if held > had:
        new_ids = {e.id for e in stored}
        heads = {
            event_id
            for seq, event_id, _leaf in ws.ledger.feed_entries(ws.device)
            if seq == had and event_id not in new_ids
        }
        if any(
            e.device == ws.device
            and e.seq == had + 1
            and (e.prev in heads if had else e.prev is None)
            for e in stored
        ):
            found.append(Rollback(ws.device, "this device", had, held, own=True))
    have = content.manifest.get("have", {})
    sent = have.get(content.sender, 0) if isinstance(have, dict) else None
    if isinstance(sent, int) and not isinstance(sent, bool) and sent < sender_held:
        name = names.get(content.sender, content.sender[:16] + "…")
        found.append(Rollback(content.sender, name, sent, sender_held, own=False))
    return tuple(found)


def _check_feeds(
    ws: Workspace,
    events: list[Event],
    checkpoints: list[Checkpoint],
    names: dict[str, str],
) -> tuple[list[Checkpoint], list[Fork]]:
    """Check chains and checkpoints of the feeds a bundle touches; find forks.

    Returns the checkpoints that match this ledger's feeds (kept outside the
    database too) and the forks found. Raises :class:`BundleError` when the
    bundle's events do not link up with what is held (a gap).
    """
    ledger = ws.ledger
    # ``events`` are those not held yet. Checkpoints already stored here were
    # checked when they arrived; only feeds with something new are read back.
    stored_notes = {
        cp.note
        for d in {cp.device for cp in checkpoints}
        for cp in ledger.checkpoints(d)
    }
    checkpoints = [cp for cp in checkpoints if cp.note not in stored_notes]
    touched = {e.device for e in events} | {cp.device for cp in checkpoints}
    # Per device: seq -> ids in arrival order (held first), and the leaf hash of
    # the first event at each seq (the feed's tree, as the ledger builds it).
    ids: dict[str, dict[int, list[str]]] = {d: defaultdict(list) for d in touched}
    leaves: dict[str, dict[int, bytes]] = {d: {} for d in touched}
    held: set[str] = set()
    for device in touched:
        # Ids and leaf hashes only: held events were checked when they arrived
        # (and `gawah ledger verify` checks them all), so none is parsed again.
        for seq, event_id, leaf in ledger.feed_entries(device):
            held.add(event_id)
            ids[device][seq].append(event_id)
            leaves[device].setdefault(seq, leaf)
    fresh = [e for e in events if e.id not in held]  # (all, as received)
    for event in fresh:
        at = ids[event.device][event.seq]
        if event.id not in at:
            at.append(event.id)
            leaves[event.device].setdefault(event.seq, leaf_hash(event.raw))
    for event in fresh:
        feed = ids[event.device]
        if event.seq == 1 and event.prev is None:
            continue
        if event.seq > 1 and event.prev in feed.get(event.seq - 1, ()):
            continue
        name = names.get(event.device, event.device[:16] + "…")
        have = max((s for s in feed if s < event.seq), default=0)
        raise BundleError(
            f"the bundle's events of device {name!r} do not link up with the "
            f"ledger here (seq {event.seq} follows seq {have}): export again "
            "without --since; nothing was stored"
        )
    forks: list[Fork] = []
    reported: set[str] = set()
    for event in fresh:
        others = ids[event.device][event.seq]
        if len(others) > 1 and event.device not in reported:
            reported.add(event.device)
            theirs = _newest([cp for cp in checkpoints if cp.device == event.device])
            forks.append(
                _fork(ws, event.device, names, event.seq, tuple(others[:2]), theirs)
            )
    keep: list[Checkpoint] = []  # already stored ones are skipped by the ledger
    for cp in checkpoints:
        seqs = leaves.get(cp.device, {})
        feed_leaves = [seqs[s] for s in sorted(seqs)]
        complete = sorted(seqs)[: cp.size] == list(range(1, cp.size + 1))
        if len(feed_leaves) < cp.size or not complete:
            name = names.get(cp.device, cp.device[:16] + "…")
            raise BundleError(
                f"the bundle's checkpoint of device {name!r} covers {cp.size} events "
                f"but only {len(feed_leaves)} would be held: export again without "
                "--since; nothing was stored"
            )
        if MerkleTree(feed_leaves).root(cp.size) == cp.root:
            keep.append(cp)
            continue
        if cp.device not in reported:
            reported.add(cp.device)
            forks.append(_fork(ws, cp.device, names, None, (), cp))
    return keep, forks


def _fork(
    ws: Workspace,
    device: str,
    names: dict[str, str],
    seq: int | None,
    events: tuple[str, ...],
    theirs: Checkpoint | None,
) -> Fork:
    ours = _newest(ws.ledger.checkpoints(device))
    return Fork(
        device=device,
        name=names.get(device, device[:16] + "…"),
        seq=seq,
        events=events,
        ours=None if ours is None else ours.note.decode("utf-8"),
        theirs=None if theirs is None else theirs.note.decode("utf-8"),
    )


__all__ = [
    "ExportResult",
    "Fork",
    "ImportResult",
    "Rollback",
    "bundle_for",
    "export_bundle",
    "import_bundle",
    "import_data",
    "read_bundle",
    "read_bundle_bytes",
]
