"""SHA-256 helpers with the names the rest of gawah uses for digests."""

from __future__ import annotations

import hashlib


def sha256_bytes(data: bytes) -> bytes:
    """Return the 32-byte SHA-256 digest of ``data``."""
    return hashlib.sha256(data).digest()


def sha256_hex(data: bytes) -> str:
    """Return the lowercase hex SHA-256 digest of ``data`` (event ids, blob names)."""
    return hashlib.sha256(data).hexdigest()
