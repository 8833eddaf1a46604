"""Who handed evidence over, to whom it went, where: kept out of public events.

A source's name in a public custody event would be in every export, listing and
synced copy of the ledger. So identifying custody fields (``received_from``,
a transfer's ``from``, ``to`` and ``place``, and free-text notes) are split off
into a side event, ``evidence.custody_details_recorded``, which the public event
points to by a random reference (``details_ref``). Exports and listings leave
side events out unless asked (``--include-sensitive``), as they do for
identifying metadata.

This is the one place that makes the side event, so it can be sealed
(encrypted to custodian keys, the witness-protection work) without changing
callers: today the fields are signed but not encrypted, like every
``evidence.sensitive_metadata_recorded`` event.
"""

from __future__ import annotations

import secrets
from typing import Any

from gawah.evidence.model import CUSTODY_DETAILS

#: Custody fields that can identify a source or a custodian.
IDENTIFYING = ("received_from", "from", "to", "place", "note")


def custody_details(
    digest: str, fields: dict[str, str | None]
) -> tuple[str | None, tuple[str, dict[str, Any]] | None]:
    """Split identifying fields off a custody event.

    Returns:
        ``(reference, side event)`` to put ``details_ref`` into the public
        event and append the side event after it; ``(None, None)`` when no
        field has a value.
    """
    kept = {k: v for k, v in fields.items() if v}
    if not kept:
        return None, None
    ref = secrets.token_hex(16)
    return ref, (CUSTODY_DETAILS, {"digest": digest, "ref": ref, "fields": kept})
