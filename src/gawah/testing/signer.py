"""A fixed-key signer: the same device key on every run, for reproducible tests.

Never use it for real data: its private seed is derived from a public string.
"""

from __future__ import annotations

import hashlib

from gawah.ledger import DeviceKey


class FixedSigner(DeviceKey):
    """An Ed25519 device key derived from ``name`` (FICTIONAL test device)."""

    def __init__(self, name: str = "gawah-test-device") -> None:
        super().__init__(
            hashlib.sha256(b"gawah fixed test key\x00" + name.encode()).digest()
        )
        self.name = name


def fixed_seed(name: str = "gawah-test-device") -> bytes:
    """Return the 32-byte seed :class:`FixedSigner` uses for ``name``."""
    return hashlib.sha256(b"gawah fixed test key\x00" + name.encode()).digest()
