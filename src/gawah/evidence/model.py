"""Evidence event kinds, the item type the API returns, and the workspace it needs.

Every fact about a piece of evidence is a ledger event; the tables in
:mod:`gawah.evidence.projection` are only a fold of them. The event kinds:

``evidence.received``
    Bytes arrived and were stored under their SHA-256: size, sniffed media
    type, original file name, who handed them over, how, non-sensitive
    metadata, perceptual fingerprint, and the report or incident they belong to.
``evidence.sensitive_metadata_recorded``
    Metadata that may identify the documenter (GPS, device serials, owner or
    author names), kept in its own event so exports can leave it out.
``evidence.derived``
    A working copy (faces blurred, metadata stripped) was made from an original
    and stored as a new blob; the original is untouched.
``evidence.linked``, ``.transferred``, ``.viewed``, ``.exported``
    Custody: attached to a report or incident, handed to someone, looked at,
    put into an export package.
``evidence.custody_details_recorded``
    Who handed a file over, to whom it was transferred, where, and notes: the
    identities of sources, sealed (``sealed``: ciphertext; older events hold
    plain ``fields``), in a side event an export leaves out by default.
``checkpoint.timestamped``
    An RFC 3161 token over a signed ledger checkpoint: proof that the ledger
    state *existed no later than* the token's time (never a capture time).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

RECEIVED = "evidence.received"
SENSITIVE = "evidence.sensitive_metadata_recorded"
DERIVED = "evidence.derived"
LINKED = "evidence.linked"
TRANSFERRED = "evidence.transferred"
VIEWED = "evidence.viewed"
EXPORTED = "evidence.exported"
TIMESTAMPED = "checkpoint.timestamped"
#: Who handed a file over, to whom it went, where, and notes: kept out of the
#: public custody event (see :mod:`gawah.evidence.sources`).
CUSTODY_DETAILS = "evidence.custody_details_recorded"

#: Custody actions a person records by hand (``record_custody``).
CUSTODY_ACTIONS = {"linked": LINKED, "transferred": TRANSFERRED, "viewed": VIEWED}
#: Every event kind that belongs to one blob's chain of custody.
CUSTODY_KINDS = (RECEIVED, DERIVED, LINKED, TRANSFERRED, VIEWED, EXPORTED)
#: Side events with fields that can identify a source or the documenter.
SENSITIVE_KINDS = (SENSITIVE, CUSTODY_DETAILS)
#: Every event kind an export may carry in an item's history.
CHAIN_KINDS = CUSTODY_KINDS + SENSITIVE_KINDS


def concerns(kind: str, payload: dict[str, Any]) -> list[str]:
    """The evidence digests one event is about (its place in custody histories).

    The stand-alone verifier has a copy of this rule; the tests keep them equal.
    """
    if kind == EXPORTED:
        return [str(d) for d in payload["digests"]]
    if kind == DERIVED:
        return [str(payload["digest"]), str(payload["derived_from"])]
    return [str(payload["digest"])] if kind in CHAIN_KINDS else []


class LedgerEvent(Protocol):
    """The fields of ``gawah.ledger.Event`` this domain reads."""

    @property
    def id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def payload(self) -> dict[str, Any]: ...
    @property
    def author(self) -> str: ...
    @property
    def device(self) -> str: ...
    @property
    def recorded_at(self) -> str: ...
    @property
    def raw(self) -> bytes: ...
    @property
    def signature(self) -> bytes: ...
    @property
    def rowid(self) -> int: ...


class EvidenceWorkspace(Protocol):
    """What evidence needs of ``gawah.workspace.Workspace`` (decision 0001)."""

    @property
    def home(self) -> Path: ...
    @property
    def conn(self) -> sqlite3.Connection: ...
    @property
    def ledger(self) -> Any: ...
    def append(self, kind: str, payload: dict[str, Any]) -> Any: ...
    def append_many(self, items: list[tuple[str, dict[str, Any]]]) -> list[Any]: ...


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """One stored blob as the ledger describes it (sensitive metadata excluded)."""

    digest: str
    size: int
    media_type: str
    kind: str
    original_name: str
    received_at: str
    received_by: str
    received_from: str | None
    source: str | None
    note: str | None
    metadata: dict[str, Any]
    flags: tuple[str, ...]
    derived_from: str | None
    operation: str | None
    report_ids: tuple[str, ...]
    incident_ids: tuple[str, ...]
    person_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CustodyEntry:
    """One link of a blob's chain of custody, in ledger order."""

    event_id: str
    action: str  # received | derived | linked | transferred | viewed | exported
    author: str
    device: str
    recorded_at: str
    detail: dict[str, Any]
