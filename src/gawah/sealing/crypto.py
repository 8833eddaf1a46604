"""The sealing primitives (PyNaCl, i.e. libsodium); no storage, no workspace.

A value is sealed in two layers, so that one report's values can be destroyed
without touching the append-only ledger (crypto-shredding):

1. the value is encrypted with a fresh 32-byte **data key** (``SecretBox``:
   XSalsa20-Poly1305, authenticated). Only this ciphertext (:class:`SealedValue`)
   enters the signed event;
2. the data key is encrypted to each **custodian** (``Box``: X25519 +
   XSalsa20-Poly1305) from an ephemeral key of the sealing session, whose private
   half is dropped when the session ends. The wrapped data keys
   (:class:`WrappedKey`) live in the key store beside the ledger, never in it.

The ephemeral session key gives what libsodium's sealed box gives ("the sender
cannot decrypt the message later") at the cost of one X25519 per custodian per
session instead of per value, several times cheaper per value (measured by
``benchmarks/sealing.py``; see docs/explanation/sealing.md), which is what keeps
a 100,000-row import cheap. A custodian's key is the Curve25519 form of an Ed25519
device key (``SigningKey.to_curve25519_private_key``) or a separate offline key.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import nacl.exceptions
import nacl.public
import nacl.secret
import nacl.signing
import nacl.utils
from nacl.bindings import crypto_box_easy_afternm, crypto_secretbox_easy

from gawah.errors import IntegrityError, UserInputError

__all__ = [
    "ALGORITHM",
    "SealedValue",
    "SealingSession",
    "WrappedKey",
    "custodian_private_key",
    "custodian_public_key",
    "open_value",
    "parse_public_key",
]

#: The format of a sealed value (data key: SecretBox; wrapping: Box per custodian).
ALGORITHM = "gawah-seal-1"

_KEY_SIZE = nacl.secret.SecretBox.KEY_SIZE
_SECRET_NONCE_SIZE = nacl.secret.SecretBox.NONCE_SIZE
_BOX_NONCE_SIZE = nacl.public.Box.NONCE_SIZE


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise IntegrityError("a sealed value is not valid base64") from None


@dataclass(frozen=True)
class SealedValue:
    """Ciphertext of one subject's values; ``key_id`` names the data key that opens it."""

    key_id: str
    box: bytes

    def to_dict(self) -> dict[str, str]:
        """The JSON form stored in events: ``{"alg", "key", "box"}``."""
        return {"alg": ALGORITHM, "key": self.key_id, "box": _b64(self.box)}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> SealedValue:
        """Rebuild from :meth:`to_dict`.

        Raises:
            IntegrityError: not a sealed value of a known format.
        """
        if data.get("alg") != ALGORITHM or not isinstance(data.get("key"), str):
            raise IntegrityError("not a sealed value gawah knows how to open")
        return cls(str(data["key"]), _unb64(str(data.get("box", ""))))


@dataclass(frozen=True)
class WrappedKey:
    """A data key encrypted to each custodian; lives in the key store, not the ledger.

    ``subject`` is what the key protects (a report id, an evidence digest):
    erasing a subject destroys every key recorded for it. ``wrapped`` maps a
    custodian's X25519 public key (hex) to the data key boxed to it from the
    session's ``ephemeral`` public key.
    """

    key_id: str
    subject: str
    ephemeral: bytes
    wrapped: dict[str, bytes]


def custodian_public_key(device: str) -> bytes:
    """The X25519 public key of a device, from its hex Ed25519 public key."""
    verify = nacl.signing.VerifyKey(bytes.fromhex(device))
    return bytes(verify.to_curve25519_public_key())


def custodian_private_key(seed: bytes) -> nacl.public.PrivateKey:
    """The X25519 private key of a device, from its Ed25519 seed."""
    return nacl.signing.SigningKey(seed).to_curve25519_private_key()


def parse_public_key(text: str) -> bytes:
    """A custodian public key given as 64 hex digits (X25519).

    Raises:
        UserInputError: not 32 bytes of hex.
    """
    try:
        raw = bytes.fromhex(text.strip())
    except ValueError:
        raw = b""
    if len(raw) != nacl.public.PublicKey.SIZE:
        raise UserInputError(
            "a custodian key is 64 hexadecimal digits (an X25519 public key)"
        )
    return raw


class SealingSession:
    """Seals values for one batch (an import) to a fixed set of custodians.

    One ephemeral X25519 key per session; one precomputed ``Box`` key per
    custodian (what ``nacl.public.Box`` precomputes). The ephemeral private key
    lives on only in those keys, held by this object, so nothing sealed here
    can be opened by the sealer later unless it is itself a custodian.
    """

    def __init__(self, custodians: Sequence[bytes]) -> None:
        if not custodians:
            raise UserInputError("sealing needs at least one custodian key")
        ephemeral = nacl.public.PrivateKey.generate()
        self.ephemeral_public = bytes(ephemeral.public_key)
        # Each custodian's Box key (X25519, computed once per session).
        self._shared = {
            key.hex(): nacl.public.Box(
                ephemeral, nacl.public.PublicKey(key)
            ).shared_key()
            for key in custodians
        }

    def seal(self, subject: str, plaintext: bytes) -> tuple[SealedValue, WrappedKey]:
        """Encrypt ``plaintext`` under a new data key wrapped to every custodian.

        libsodium's functions called directly, as ``SecretBox.encrypt`` and
        ``Box.encrypt`` call them (the same bytes: a fresh random nonce, then
        the authenticated ciphertext), without building a ``SecretBox`` and two
        result objects per value (an import seals a value per report).
        """
        random = nacl.utils.random
        data_key = random(_KEY_SIZE)
        key_id = random(16).hex()
        nonce = random(_SECRET_NONCE_SIZE)
        box = nonce + crypto_secretbox_easy(plaintext, nonce, data_key)
        wrapped = {}
        for custodian, shared in self._shared.items():
            nonce = random(_BOX_NONCE_SIZE)
            wrapped[custodian] = nonce + crypto_box_easy_afternm(
                data_key, nonce, shared
            )
        return SealedValue(key_id, box), WrappedKey(
            key_id, subject, self.ephemeral_public, wrapped
        )


class NotACustodianError(UserInputError):
    """The key at hand is not one the value was sealed to."""


def open_value(
    value: SealedValue, wrapped: WrappedKey, private: nacl.public.PrivateKey
) -> bytes:
    """Decrypt a sealed value with a custodian's private key.

    Raises:
        NotACustodianError: the data key was not wrapped to this key.
        IntegrityError: the ciphertext or the wrapped key was altered.
    """
    if value.key_id != wrapped.key_id:
        raise IntegrityError("the data key does not belong to this sealed value")
    boxed = wrapped.wrapped.get(bytes(private.public_key).hex())
    if boxed is None:
        raise NotACustodianError(
            "this key is not a custodian of the sealed value (it was sealed to others)"
        )
    try:
        data_key = nacl.public.Box(
            private, nacl.public.PublicKey(wrapped.ephemeral)
        ).decrypt(boxed)
        return bytes(nacl.secret.SecretBox(data_key).decrypt(value.box))
    except nacl.exceptions.CryptoError:
        raise IntegrityError(
            "a sealed value or its data key was altered (authentication failed)"
        ) from None
