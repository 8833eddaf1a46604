"""Chain of custody: the ledger events about one digest, in order.

Received, derived (a working copy, see :mod:`gawah.evidence.working_copy`),
linked to a report, incident or person, transferred, viewed, exported.
"""

from __future__ import annotations

from typing import Any, BinaryIO

from gawah.errors import UserInputError
from gawah.evidence.ingest import blob_store
from gawah.evidence.model import (
    CUSTODY_ACTIONS,
    LINKED,
    EvidenceItem,
    EvidenceWorkspace,
    LedgerEvent,
)
from gawah.evidence.queries import get_evidence
from gawah.evidence.sources import custody_details


def require_item(ws: EvidenceWorkspace, digest: str) -> EvidenceItem:
    """The recorded item for ``digest``, or a user error naming the prefix."""
    item = get_evidence(ws.conn, digest)
    if item is None:
        raise UserInputError(
            f"no evidence with digest {digest[:16]}... in this workspace"
        )
    return item


def open_blob(ws: EvidenceWorkspace, digest: str) -> BinaryIO:
    """Open the stored bytes of a recorded blob for reading.

    Record that someone looked at it with ``record_custody(ws, digest, "viewed")``.
    """
    require_item(ws, digest)
    try:
        return blob_store(ws).open(digest)
    except FileNotFoundError as exc:
        from gawah.errors import EvidenceIntegrityError

        raise EvidenceIntegrityError(
            f"blob {digest[:16]}... is recorded but missing from the store"
        ) from exc


def record_custody(
    ws: EvidenceWorkspace,
    digest: str,
    action: str,
    *,
    to: str | None = None,
    method: str | None = None,
    report_id: str | None = None,
    incident_id: str | None = None,
    person_id: str | None = None,
    note: str | None = None,
    from_: str | None = None,
    at: str | None = None,
    place: str | None = None,
) -> LedgerEvent:
    """Record one custody step (``linked``, ``transferred`` or ``viewed``) for a blob.

    A transfer records from whom (``from_``, default: the recording author),
    to whom (``to``), when (``at``, as told; the event's own time is when it
    was recorded), where (``place``) and how (``method``). Who, where and notes
    go to a side event kept out of exports and listings unless asked
    (:mod:`gawah.evidence.sources`); how and when stay public.

    Raises:
        UserInputError: unknown blob or action, a transfer without ``to``, a
            link without a report, incident or person (a person in the register).
    """
    kind = CUSTODY_ACTIONS.get(action)
    if kind is None:
        raise UserInputError(
            f"custody action must be one of {', '.join(sorted(CUSTODY_ACTIONS))}"
        )
    require_item(ws, digest)
    payload: dict[str, Any] = {"digest": digest}
    identifying: dict[str, str | None] = {"note": note}
    if kind == LINKED:
        if not (report_id or incident_id or person_id):
            raise UserInputError("a link needs a report, incident or person id")
        payload |= {
            "report_id": report_id,
            "incident_id": incident_id,
            "person_id": person_id,
        }
    elif action == "transferred":
        if not to:
            raise UserInputError("a transfer needs the person or body it went to")
        payload |= {"method": method, "handed_over_at": at}
        identifying |= {"from": from_, "to": to, "place": place}
    ref, details = custody_details(ws, digest, identifying)
    payload["details_ref"] = ref
    events = [(kind, payload)] + ([details] if details is not None else [])
    event: LedgerEvent = ws.append_many(events)[0]
    return event
