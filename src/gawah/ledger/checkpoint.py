"""Signed checkpoints in the C2SP ``tlog-checkpoint`` / ``signed-note`` format.

A checkpoint commits a device feed's Merkle tree at one size::

    gawah/feed/<device hex>
    <size>
    <base64 root>

    — gawah/feed/<device hex> <base64(key id || Ed25519 signature)>

The key id is the first 4 bytes of ``SHA256(name || 0x0A || 0x01 || public key)``
(C2SP signed-note, Ed25519). The note is stored verbatim; anyone holding an older
checkpoint can demand a consistency proof and so detect a rewritten or truncated feed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

import nacl.bindings
import nacl.exceptions

from gawah.errors import LedgerIntegrityError
from gawah.ledger.events import Signer

ORIGIN_PREFIX = "gawah/feed/"
_SIG_PREFIX = "\u2014 "


def origin_of(device: str) -> str:
    """Return the checkpoint origin line for a device feed."""
    return ORIGIN_PREFIX + device


def _key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n\x01" + public_key).digest()[:4]


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A signed statement: feed ``device`` had ``size`` events with head ``root``."""

    origin: str
    size: int
    root: bytes
    note: bytes

    @property
    def device(self) -> str:
        """Hex public key of the feed (and of the signer)."""
        return self.origin.removeprefix(ORIGIN_PREFIX)

    @property
    def body(self) -> bytes:
        """The signed text: origin, size and base64 root, one per line."""
        return _body(self.origin, self.size, self.root)


def _body(origin: str, size: int, root: bytes) -> bytes:
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n".encode()


def sign_checkpoint(signer: Signer, size: int, root: bytes) -> Checkpoint:
    """Sign the checkpoint of ``signer``'s own feed at ``size`` with head ``root``."""
    origin = origin_of(signer.device)
    body = _body(origin, size, root)
    key_id = _key_id(origin, bytes.fromhex(signer.device))
    sig = base64.b64encode(key_id + signer.sign(body)).decode()
    note = body + f"\n{_SIG_PREFIX}{origin} {sig}\n".encode()
    return Checkpoint(origin=origin, size=size, root=root, note=note)


def open_checkpoint(note: bytes) -> Checkpoint:
    """Parse a note and check the feed device's signature on it.

    Unknown signature lines (witness cosignatures) are ignored, as C2SP requires;
    at least one valid signature by the feed's own device key must be present.

    Raises:
        LedgerIntegrityError: the note is malformed or not signed by its device.
    """
    try:
        text = note.decode("utf-8")
        body_text, sep, sigs_text = text.partition("\n\n")
        if not sep or not sigs_text.endswith("\n"):
            raise ValueError("no signature block")
        lines = body_text.split("\n")
        if len(lines) < 3:
            raise ValueError("short body")
        origin, size_text, root_text = lines[0], lines[1], lines[2]
        if not origin.startswith(ORIGIN_PREFIX) or not size_text.isdigit():
            raise ValueError("bad origin or size")
        if size_text != str(int(size_text)):
            raise ValueError("non-canonical size")
        root = base64.b64decode(root_text, validate=True)
        if len(root) != 32 or base64.b64encode(root).decode() != root_text:
            raise ValueError("bad root")
        public_key = bytes.fromhex(origin.removeprefix(ORIGIN_PREFIX))
        if len(public_key) != 32:
            raise ValueError("bad device key")
    except (UnicodeDecodeError, ValueError, binascii.Error) as exc:
        raise LedgerIntegrityError("checkpoint note is malformed") from exc
    body = (body_text + "\n").encode()
    key_id = _key_id(origin, public_key)
    for line in sigs_text[:-1].split("\n"):
        name, _, sig_text = line.removeprefix(_SIG_PREFIX).partition(" ")
        if not line.startswith(_SIG_PREFIX) or name != origin:
            continue
        try:
            blob = base64.b64decode(sig_text, validate=True)
        except (ValueError, binascii.Error):
            continue
        # Non-canonical base64 (altered padding bits) decodes to the same bytes:
        # refuse it so that every change to a stored note is detected.
        canonical = base64.b64encode(blob).decode() == sig_text
        if not canonical or len(blob) != 68 or blob[:4] != key_id:
            continue
        try:
            nacl.bindings.crypto_sign_open(blob[4:] + body, public_key)
        except nacl.exceptions.BadSignatureError:
            continue
        return Checkpoint(origin=origin, size=int(size_text), root=root, note=note)
    raise LedgerIntegrityError("checkpoint note has no valid signature by its device")
