"""Who handed evidence over, to whom it went, where: kept out of public events.

A source's name in a public custody event would be in every export, listing and
synced copy of the ledger. So identifying custody fields (``received_from``,
a transfer's ``from``, ``to`` and ``place``, and free-text notes) are split off
into a side event, ``evidence.custody_details_recorded``, which the public event
points to by a random reference (``details_ref``). Exports and listings leave
side events out unless asked (``--include-sensitive``), as they do for
identifying metadata.

This is the one place that makes the side event, and it seals the fields
(:mod:`gawah.sealing`: encrypted to the workspace's custodian keys) so the
event, the ``evidence_custody_details`` table, the WAL and packages hold
ciphertext only. :func:`open_details` opens them on the owner's view; events
recorded before sealing kept the fields in plain text and are read as they are.
:func:`erase_sources` crypto-shreds every custody detail of one item.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any, cast

from gawah.evidence.model import CUSTODY_DETAILS
from gawah.sealing import Opener, Sealer, erase, is_sealed

if TYPE_CHECKING:
    from gawah.evidence.model import EvidenceWorkspace
    from gawah.ledger import Event
    from gawah.workspace import Workspace

#: Custody fields that can identify a source or a custodian.
IDENTIFYING = ("received_from", "from", "to", "place", "note")


def subject(digest: str) -> str:
    """The sealing subject of an item's custody details.

    One subject per evidence item (not per ``details_ref``): erasing a source
    on request must shred the receipt's ``received_from`` and every transfer's
    ``from``/``to``/``place`` of that item at once, and the digest is already
    public. The ``custody:`` prefix keeps it apart from other values sealed
    about the same item, so erasing the sources leaves those alone.
    """
    return f"custody:{digest}"


def custody_details(
    ws: EvidenceWorkspace, digest: str, fields: dict[str, str | None]
) -> tuple[str | None, tuple[str, dict[str, Any]] | None]:
    """Split identifying fields off a custody event and seal them.

    The data key is written to the key store here, before the caller appends
    the events (an unused key left by a failed append opens nothing public).

    Returns:
        ``(reference, side event)`` to put ``details_ref`` into the public
        event and append the side event after it; ``(None, None)`` when no
        field has a value.
    """
    kept = {k: v for k, v in fields.items() if v}
    if not kept:
        return None, None
    ref = secrets.token_hex(16)
    with Sealer(cast("Workspace", ws)) as sealer:
        sealed = sealer.seal_json(subject(digest), kept)
    return ref, (CUSTODY_DETAILS, {"digest": digest, "ref": ref, "sealed": sealed})


def open_details(
    digest: str, stored: dict[str, Any], opener: Opener | None
) -> dict[str, str]:
    """The identifying fields as stored in a side event or its table row.

    Plain fields (events recorded before sealing) are returned as they are;
    sealed ones only with an ``opener``, and ``{}`` once erased.
    """
    if not is_sealed(stored):
        return {str(k): str(v) for k, v in stored.items()}
    if opener is None:
        return {}
    values = opener.open_json(subject(digest), stored)
    return {str(k): str(v) for k, v in (values or {}).items()}


def erase_sources(ws: EvidenceWorkspace, digest: str, reason: str) -> Event:
    """Erase the custody details of one item for good (crypto-shredding).

    A ``sealed.erased`` event records who, when and why; then the item's data
    keys are destroyed. The signed events are untouched (``ledger verify``
    still passes) but their ciphertext can no longer be opened. Details
    recorded in plain text before sealing cannot be erased this way.

    Raises:
        UserInputError: an empty reason.
    """
    event, _destroyed = erase(cast("Workspace", ws), subject(digest), reason)
    return event
