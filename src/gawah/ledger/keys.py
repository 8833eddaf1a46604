"""The device's Ed25519 signing key and how it rests on disk.

Without a passphrase the 32-byte seed is stored in a file readable only by its
owner (mode 0600). With a passphrase the seed is wrapped: a key is derived with
Argon2id (libsodium ``crypto_pwhash``, 3 passes, 64 MiB) and the seed sealed with
XSalsa20-Poly1305 (``SecretBox``). Key material and passphrases never appear in
errors, logs or ``repr``.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.signing
import nacl.utils

from gawah.errors import WorkspaceError

KEY_FORMAT = "gawah-device-key-1"
ARGON2_OPSLIMIT = 3
ARGON2_MEMLIMIT = 64 * 1024 * 1024


class DeviceKey:
    """This device's Ed25519 signing key; a :class:`~gawah.ledger.Signer`."""

    __slots__ = ("_device", "_key")

    def __init__(self, seed: bytes) -> None:
        if len(seed) != 32:
            raise ValueError("an Ed25519 seed has 32 bytes")
        self._key = nacl.signing.SigningKey(seed)
        self._device = bytes(self._key.verify_key).hex()

    @classmethod
    def generate(cls) -> DeviceKey:
        """Return a fresh key from the operating system's CSPRNG."""
        return cls(nacl.utils.random(32))

    @property
    def device(self) -> str:
        """Hex public key: the device's identity in every event it signs."""
        return self._device

    @property
    def identity(self) -> str:
        """The copy-pasteable public identity (``gawah devices id``)."""
        from gawah.ledger.devices import identity_of

        return identity_of(bytes.fromhex(self._device))

    def sign(self, message: bytes) -> bytes:
        """Return the detached Ed25519 signature of ``message``."""
        return bytes(self._key.sign(message).signature)

    def seed(self) -> bytes:
        """Return the private seed (only for writing the key file)."""
        return bytes(self._key)

    def __repr__(self) -> str:
        return f"DeviceKey(device={self._device[:16]}…)"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def save_key(path: Path, key: DeviceKey, passphrase: str | None) -> None:
    """Write ``key`` to ``path`` (mode 0600), wrapped when a passphrase is given."""
    record: dict[str, object] = {"format": KEY_FORMAT, "device": key.device}
    if passphrase:
        salt = nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES)
        wrap = nacl.pwhash.argon2id.kdf(
            nacl.secret.SecretBox.KEY_SIZE,
            passphrase.encode("utf-8"),
            salt,
            opslimit=ARGON2_OPSLIMIT,
            memlimit=ARGON2_MEMLIMIT,
        )
        box = nacl.secret.SecretBox(wrap).encrypt(key.seed())
        record.update(
            kdf="argon2id",
            opslimit=ARGON2_OPSLIMIT,
            memlimit=ARGON2_MEMLIMIT,
            salt=_b64(salt),
            sealed_seed=_b64(bytes(box)),
        )
    else:
        record.update(kdf="none", seed=_b64(key.seed()))
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = json.dumps(record, sort_keys=True).encode("ascii")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise WorkspaceError(f"a device key already exists at {path}") from None
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(path, 0o600)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def key_is_wrapped(path: Path) -> bool:
    """Tell whether the key file needs a passphrase to unlock."""
    return _read_record(path).get("kdf") == "argon2id"


def _read_record(path: Path) -> dict[str, object]:
    try:
        record = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise WorkspaceError(f"device key file is missing: {path}") from None
    except ValueError:
        raise WorkspaceError(f"device key file is not readable: {path}") from None
    if not isinstance(record, dict) or record.get("format") != KEY_FORMAT:
        raise WorkspaceError(f"device key file has an unknown format: {path}")
    return record


def load_key(path: Path, passphrase: str | None) -> DeviceKey:
    """Read and, if wrapped, unwrap the device key.

    Raises:
        WorkspaceError: the file is missing or damaged, a passphrase is needed but
            absent, or the passphrase is wrong (the message never contains either).
    """
    record = _read_record(path)
    try:
        if record.get("kdf") == "none":
            key = DeviceKey(base64.b64decode(str(record["seed"]), validate=True))
        elif record.get("kdf") == "argon2id":
            if not passphrase:
                raise WorkspaceError(
                    "the workspace key is locked: give the passphrase "
                    "(--passphrase-file, $GAWAH_PASSPHRASE_FILE or $GAWAH_PASSPHRASE)"
                )
            wrap = nacl.pwhash.argon2id.kdf(
                nacl.secret.SecretBox.KEY_SIZE,
                passphrase.encode("utf-8"),
                base64.b64decode(str(record["salt"]), validate=True),
                opslimit=int(str(record["opslimit"])),
                memlimit=int(str(record["memlimit"])),
            )
            sealed = base64.b64decode(str(record["sealed_seed"]), validate=True)
            try:
                seed = nacl.secret.SecretBox(wrap).decrypt(sealed)
            except nacl.exceptions.CryptoError:
                raise WorkspaceError("wrong passphrase for the workspace key") from None
            key = DeviceKey(seed)
        else:
            raise WorkspaceError(f"device key file has an unknown format: {path}")
    except (KeyError, ValueError, nacl.exceptions.RuntimeError):
        raise WorkspaceError(f"device key file is damaged: {path}") from None
    if key.device != record.get("device"):
        raise WorkspaceError(f"device key file is damaged: {path}")
    return key
