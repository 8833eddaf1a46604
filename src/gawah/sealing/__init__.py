"""Sealed fields: sensitive values encrypted to the workspace's custodian keys.

See ``docs/explanation/sealing.md``. The public surface:

- :class:`Sealer` (``seal_json``, ``match_key``), :class:`Opener` (``open_json``);
- custodians: :func:`add_custodian`, :func:`list_custodians`,
  :func:`custodian_keys`, :func:`device_custodian_key`;
- erasure: :func:`erase`, :func:`erasures`, :func:`purge_erased`;
- data keys between devices (sync): :func:`sealed_key_ids`, :func:`keys_for`,
  :func:`receive_keys`;
- the primitives in :mod:`gawah.sealing.crypto` (:class:`SealedValue`,
  :class:`WrappedKey`, :class:`SealingSession`, :func:`open_value`).
"""

from gawah.sealing.api import (
    Custodian,
    Erasure,
    Opener,
    Sealer,
    add_custodian,
    custodian_keys,
    device_custodian_key,
    erase,
    erasures,
    is_sealed,
    keys_for,
    list_custodians,
    match_key,
    normalise_for_match,
    purge_erased,
    receive_keys,
    sealed_key_ids,
)
from gawah.sealing.crypto import (
    NotACustodianError,
    SealedValue,
    SealingSession,
    WrappedKey,
    open_value,
)
from gawah.sealing.projection import CUSTODIAN_ADDED, SEALED_ERASED

__all__ = [
    "CUSTODIAN_ADDED",
    "SEALED_ERASED",
    "Custodian",
    "Erasure",
    "NotACustodianError",
    "Opener",
    "SealedValue",
    "Sealer",
    "SealingSession",
    "WrappedKey",
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
    "open_value",
    "purge_erased",
    "receive_keys",
    "sealed_key_ids",
]
