"""The bundle file: signed by the sender, compressed, encrypted to each recipient.

Layout (only the first two lines are plain text, and they name nobody)::

    gawah-bundle/1
    {"nonce": <base64>, "recipients": [<base64 stanza>, ...]}
    <ciphertext>

This follows age's recipient model with libsodium primitives (PyNaCl), nothing
hand-rolled:

* a fresh 32-byte **file key** encrypts the content with XChaCha20-Poly1305
  (``crypto_aead_xchacha20poly1305_ietf``), the two header lines being the
  associated data, so a changed header (an added or removed recipient) fails
  to decrypt;
* each **recipient stanza** is the file key in a libsodium sealed box
  (``SealedBox``: ephemeral X25519 + XSalsa20-Poly1305) to the recipient's
  Curve25519 key, the conversion of its Ed25519 identity. Stanzas do not say
  whom they are for; a recipient tries each (as age does for X25519).

The ciphertext opens to a zstd frame whose content is::

    gawah-bundle-content/1\\n
    u32 length, manifest (canonical JSON)
    per event: u32 length, the event's signed bytes, its 64-byte signature
    64-byte Ed25519 signature of the sender

The sender signs ``"gawah-bundle-signature/1\\n" || SHA-256(header) ||
SHA-256(content before the signature)``: it covers the recipient list, so a
recipient cannot re-wrap the content for someone else under the sender's name.
Events keep their own authors' signatures; sealed fields inside them stay sealed
(their data keys live in ``keys/data-keys.sqlite``; the manifest carries one,
as ``data_keys``, only to a recipient that was a custodian when the value was
sealed, wrapped to that recipient alone: see decision 0002).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import nacl.bindings
import nacl.exceptions
import nacl.public
import nacl.signing
import nacl.utils
import zstandard

from gawah.core import canonical_json
from gawah.errors import IntegrityError, UserInputError

MAGIC = b"gawah-bundle/1\n"
CONTENT_MAGIC = b"gawah-bundle-content/1\n"
_SIGNATURE_TAG = b"gawah-bundle-signature/1\n"
_KEY_BYTES = 32
_NONCE_BYTES = 24
_TAG_BYTES = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_ABYTES  # 16
_STANZA_BYTES = 80  # sealed box of 32 bytes: 32 ephemeral key + 16 MAC + 32
_MAX_HEADER = 1 << 20
_MAX_RECIPIENTS = 1000
MAX_CONTENT = 4 << 30
"""Largest decompressed content read (4 GiB): a bound, not a format limit."""
MAX_RATIO = 256
"""Most bytes of content read per byte of compressed content, past :data:`RATIO_FLOOR`.

Anyone holding a device's public identity can write a bundle to it, and the
sender's signature is checked only once the content is read: 16 KiB of
compressed zeros held 1 GiB of memory before this bound
(``benchmarks/bundle_bomb.py``). Real bundles compress about 3.3 times
(docs/guides/sync.md: every event carries a 64-byte signature and hashes, which
do not compress), so 256 times leaves a wide margin for long repetitive notes.
"""
RATIO_FLOOR = 64 << 20
"""Content read whatever the ratio (64 MiB), so small bundles are never refused for it."""
LEVEL = 9
"""zstd level of bundles (``benchmarks/sync.py`` measures size and speed)."""

_U32 = struct.Struct(">I")


class BundleError(IntegrityError):
    """A bundle cannot be opened or does not verify (exit 3; nothing stored)."""


@dataclass(frozen=True, slots=True)
class Content:
    """What a bundle carries once opened and its sender's signature checked."""

    manifest: dict[str, Any]
    events: list[tuple[bytes, bytes]]
    sender: str

    @property
    def bundle_id(self) -> str:
        """Random id the sender gave the bundle (replays are recognised by it)."""
        return str(self.manifest.get("bundle_id", ""))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise BundleError("the bundle header is damaged")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise BundleError("the bundle header is damaged") from None


def curve_public(device: str) -> nacl.public.PublicKey:
    """The X25519 key a device receives bundles under (from its Ed25519 key)."""
    try:
        verify = nacl.signing.VerifyKey(bytes.fromhex(device))
        return verify.to_curve25519_public_key()
    except (ValueError, nacl.exceptions.CryptoError) as exc:
        raise UserInputError("a recipient key is not a valid device key") from exc


def write_bundle(
    *,
    seed: bytes,
    recipients: Sequence[str],
    manifest: dict[str, Any],
    events: Iterable[tuple[bytes, bytes]],
) -> bytes:
    """Return the bytes of a bundle (see the module docstring).

    ``seed`` is the sender's Ed25519 seed (its device key); ``recipients`` the
    hex Ed25519 keys of the devices that can open it.
    """
    if not recipients:
        raise UserInputError("a bundle needs at least one recipient (--to)")
    signing = nacl.signing.SigningKey(seed)
    file_key = nacl.utils.random(_KEY_BYTES)
    nonce = nacl.utils.random(_NONCE_BYTES)
    stanzas = [
        _b64(nacl.public.SealedBox(curve_public(device)).encrypt(file_key))
        for device in dict.fromkeys(recipients)
    ]
    header = MAGIC + canonical_json({"nonce": _b64(nonce), "recipients": stanzas})
    header += b"\n"
    parts = [CONTENT_MAGIC]
    body = canonical_json(manifest)
    parts.append(_U32.pack(len(body)))
    parts.append(body)
    for raw, signature in events:
        if len(signature) != 64:
            raise ValueError("an event signature has 64 bytes")
        parts.append(_U32.pack(len(raw)))
        parts.append(raw)
        parts.append(signature)
    content = b"".join(parts)
    signed = _SIGNATURE_TAG + _sha(header) + _sha(content)
    content += signing.sign(signed).signature
    compressed = zstandard.ZstdCompressor(level=LEVEL).compress(content)
    sealed = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(
        compressed, header, nonce, file_key
    )
    return header + sealed


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _split_header(data: bytes) -> tuple[bytes, dict[str, Any], bytes]:
    if not data.startswith(MAGIC):
        raise BundleError("not a gawah bundle (it does not start with gawah-bundle/1)")
    end = data.find(b"\n", len(MAGIC), len(MAGIC) + _MAX_HEADER)
    if end < 0:
        raise BundleError("the bundle header is damaged or truncated")
    header = data[: end + 1]
    try:
        fields = json.loads(data[len(MAGIC) : end])
    except (ValueError, UnicodeDecodeError, RecursionError):  # nested too deep
        raise BundleError("the bundle header is damaged") from None
    if not isinstance(fields, dict) or set(fields) != {"nonce", "recipients"}:
        raise BundleError("the bundle header is damaged")
    if not isinstance(fields["recipients"], list) or not (
        0 < len(fields["recipients"]) <= _MAX_RECIPIENTS
    ):
        raise BundleError("the bundle header is damaged")
    return header, fields, data[end + 1 :]


def recipient_count(data: bytes) -> int:
    """How many devices a bundle is encrypted to (read from the plain header)."""
    return len(_split_header(data)[1]["recipients"])


def open_bundle(data: bytes, private_key: nacl.public.PrivateKey) -> Content:
    """Decrypt, decompress and parse a bundle, and check its sender's signature.

    Events are returned as stored bytes; their own signatures are checked when
    they are received (:meth:`gawah.ledger.log.EventLog.receive_bundle`).

    Raises:
        BundleError: not a bundle, not addressed to this key, altered,
            truncated, or not signed by the device it names.
    """
    header, fields, sealed = _split_header(data)
    nonce = _unb64(fields["nonce"])
    if len(nonce) != _NONCE_BYTES:
        raise BundleError("the bundle header is damaged")
    box = nacl.public.SealedBox(private_key)
    file_key: bytes | None = None
    for stanza in fields["recipients"]:
        blob = _unb64(stanza)
        if len(blob) != _STANZA_BYTES:
            raise BundleError("the bundle header is damaged")
        try:
            file_key = box.decrypt(blob)
        except nacl.exceptions.CryptoError:
            continue
        break
    if file_key is None or len(file_key) != _KEY_BYTES:
        raise BundleError(
            "this bundle is not addressed to this device (export it again with "
            "--to and this device's `gawah devices id`)"
        )
    if len(sealed) < _TAG_BYTES:  # PyNaCl raises a bare ValueError on these
        raise BundleError("the bundle was altered or truncated (it does not decrypt)")
    try:
        compressed = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(
            sealed, header, nonce, file_key
        )
    except nacl.exceptions.CryptoError:
        raise BundleError(
            "the bundle was altered or truncated (it does not decrypt)"
        ) from None
    content = _decompress(compressed)
    return _parse(content, header)


def _decompress(compressed: bytes) -> bytes:
    reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(compressed))
    chunks: list[bytes] = []
    total = 0
    bound = min(MAX_CONTENT, max(RATIO_FLOOR, MAX_RATIO * len(compressed)))
    try:
        while chunk := reader.read(1 << 22):
            total += len(chunk)
            if total > bound:
                if bound < MAX_CONTENT:
                    raise BundleError(
                        "the bundle content decompresses to more than "
                        f"{MAX_RATIO} times its size (gawah's own bundles are "
                        "about 3 times); refused as a decompression bomb"
                    )
                raise BundleError("the bundle content is larger than gawah reads")
            chunks.append(chunk)
    except zstandard.ZstdError:
        raise BundleError(
            "the bundle content is damaged (it does not decompress)"
        ) from None
    return b"".join(chunks)


def _parse(content: bytes, header: bytes) -> Content:
    if not content.startswith(CONTENT_MAGIC) or len(content) < len(CONTENT_MAGIC) + 68:
        raise BundleError("the bundle content is damaged")
    body, signature = content[:-64], content[-64:]
    view = memoryview(body)
    at = len(CONTENT_MAGIC)
    (size,) = _U32.unpack_from(view, at)
    at += 4
    if at + size > len(body):
        raise BundleError("the bundle manifest is damaged")
    try:
        manifest = json.loads(bytes(view[at : at + size]))
    except (ValueError, UnicodeDecodeError, RecursionError):  # nested too deep
        raise BundleError("the bundle manifest is damaged") from None
    at += size
    sender = manifest.get("sender") if isinstance(manifest, dict) else None
    if not isinstance(sender, str):
        raise BundleError("the bundle manifest is damaged")
    try:
        verify = nacl.signing.VerifyKey(bytes.fromhex(sender))
        verify.verify(_SIGNATURE_TAG + _sha(header) + _sha(body), signature)
    except (ValueError, nacl.exceptions.CryptoError):
        raise BundleError(
            "the bundle is not signed by the device it names as sender"
        ) from None
    events: list[tuple[bytes, bytes]] = []
    end = len(body)
    while at < end:
        if at + 4 > end:
            raise BundleError("the bundle content is damaged")
        (size,) = _U32.unpack_from(view, at)
        at += 4
        if at + size + 64 > end:
            raise BundleError("the bundle content is damaged")
        events.append(
            (bytes(view[at : at + size]), bytes(view[at + size : at + size + 64]))
        )
        at += size + 64
    if manifest.get("events") != len(events):
        raise BundleError("the bundle holds a different number of events than it says")
    return Content(manifest=manifest, events=events, sender=sender)


__all__ = [
    "BundleError",
    "Content",
    "curve_public",
    "open_bundle",
    "recipient_count",
    "write_bundle",
]
