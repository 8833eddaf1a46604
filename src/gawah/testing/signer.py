"""A fixed-key signer and a builder of signed feeds, for reproducible tests.

Never use these for real data: the private seeds are derived from public strings.
Everything they sign is FICTIONAL test material.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from gawah.ledger import (
    DeviceKey,
    MerkleTree,
    encode_event,
    leaf_hash,
    sign_checkpoint,
)


def fixed_seed(name: str = "gawah-test-device") -> bytes:
    """Return the 32-byte Ed25519 seed that :class:`FixedSigner` uses for ``name``."""
    return hashlib.sha256(b"gawah fixed test key\x00" + name.encode()).digest()


class FixedSigner(DeviceKey):
    """An Ed25519 device key derived from ``name``: same device on every run."""

    def __init__(self, name: str = "gawah-test-device") -> None:
        super().__init__(fixed_seed(name))
        self.name = name


def signed_feed(
    signer: DeviceKey,
    items: Iterable[tuple[str, dict[str, Any]]],
    *,
    author: str | None = None,
    start_seq: int = 1,
    prev: str | None = None,
    recorded_at: str = "2024-11-26T00:00:00.000000Z",
) -> list[tuple[bytes, bytes]]:
    """Sign ``items`` as consecutive events of ``signer``'s feed.

    Returns ``(raw, signature)`` pairs ready for ``Ledger.receive`` (as if they
    arrived from another device by sync). The author defaults to the name
    :func:`enrol_signers` enrols a :class:`FixedSigner` under.
    """
    if author is None:
        author = enrolled_name(signer)
    out: list[tuple[bytes, bytes]] = []
    seq = start_seq
    for kind, payload in items:
        raw = encode_event(
            kind,
            payload,
            author=author,
            device=signer.device,
            seq=seq,
            prev=prev,
            recorded_at=recorded_at,
        )
        out.append((raw, signer.sign(raw)))
        prev = hashlib.sha256(raw).hexdigest()
        seq += 1
    return out


def enrolled_name(signer: DeviceKey) -> str:
    """The name :func:`enrol_signers` gives ``signer`` (and its events' author)."""
    name = getattr(signer, "name", None)
    return f"FICTIONAL {name}" if name else "FICTIONAL field documenter"


def enrol_signers(
    workspace: Any, *signers: DeviceKey, roles: tuple[str, ...] = ()
) -> None:
    """Enrol test signers in ``workspace`` (a :class:`gawah.workspace.Workspace`
    whose device is an authority), so their feeds are accepted on receipt."""
    for signer in signers:
        workspace.enrol_device(signer.identity, enrolled_name(signer), roles)


def feed_checkpoint(signer: DeviceKey, raws: Iterable[bytes]) -> bytes:
    """Return the signed checkpoint note of a feed whose events have bytes ``raws``."""
    tree = MerkleTree([leaf_hash(raw) for raw in raws])
    return sign_checkpoint(signer, tree.size, tree.root()).note
