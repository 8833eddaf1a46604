"""Record claims as ledger events; the only way a claim enters a workspace."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from gawah.claims.model import Claim
from gawah.claims.projection import CLAIM_RECORDED, CLAIM_WITHDRAWN
from gawah.claims.queries import get_claim
from gawah.errors import UserInputError
from gawah.registry import get_incident

if TYPE_CHECKING:
    from gawah.workspace import Workspace


def record_claim(ws: Workspace, claim: Claim) -> str:
    """Append a ``claim.recorded`` event and return its id (the claim's id).

    Raises:
        UserInputError: the incident is not in the registry, or an evidence link
            names no stored evidence item.
    """
    _check_incident(ws, claim.incident_id)
    _check_evidence(ws, claim.evidence)
    return ws.append(CLAIM_RECORDED, claim.to_payload()).id


def record_claims(ws: Workspace, claims: list[Claim]) -> list[str]:
    """Record several claims in one transaction (a reviewed article): all or nothing."""
    for incident_id in sorted({c.incident_id for c in claims}):
        _check_incident(ws, incident_id)
    _check_evidence(ws, tuple(e for c in claims for e in c.evidence))
    events = ws.append_many([(CLAIM_RECORDED, c.to_payload()) for c in claims])
    return [e.id for e in events]


def withdraw_claim(ws: Workspace, claim_id: str, reason: str) -> str:
    """Mark a recorded claim as withdrawn (a mistake in recording, not a retraction by
    the speaker: that is a new claim). The original event stays in the ledger.

    Raises:
        UserInputError: no such claim, or it is already withdrawn, or no reason.
    """
    if not reason.strip():
        raise UserInputError("say why the claim is withdrawn (--reason)")
    found = get_claim(ws.conn, claim_id)
    if found is None:
        raise UserInputError(f"no claim {claim_id}")
    if found.withdrawn_by is not None:
        raise UserInputError(f"claim {claim_id} is already withdrawn")
    payload = {"claim_id": claim_id, "reason": reason.strip()}
    return ws.append(CLAIM_WITHDRAWN, payload).id


def correct_claim(ws: Workspace, claim_id: str, claim: Claim, reason: str) -> str:
    """Replace a recorded claim by a corrected one; return the new claim's id.

    Events cannot change, so a correction is the corrected ``claim.recorded``
    and a ``claim.withdrawn`` of the old one (naming the new), appended in one
    transaction: both or neither.

    Raises:
        UserInputError: no such claim, it is withdrawn, no reason, or the
            corrected claim names an unknown incident or evidence item.
    """
    if not reason.strip():
        raise UserInputError("say what was corrected")
    found = get_claim(ws.conn, claim_id)
    if found is None:
        raise UserInputError(f"no claim {claim_id}")
    if found.withdrawn_by is not None:
        raise UserInputError(f"claim {claim_id} is withdrawn: record a new one")
    _check_incident(ws, claim.incident_id)
    _check_evidence(ws, claim.evidence)
    recorded, _withdrawn = ws.append_many(
        [
            (CLAIM_RECORDED, claim.to_payload()),
            (
                CLAIM_WITHDRAWN,
                {"claim_id": claim_id, "reason": f"corrected: {reason.strip()}"},
            ),
        ]
    )
    return str(recorded.id)


def _check_incident(ws: Workspace, incident_id: str) -> None:
    """A claim must be about an incident the registry knows."""
    if get_incident(ws.conn, incident_id) is None:
        raise UserInputError(
            f"no incident {incident_id!r}: record it first (`gawah incidents add`)"
        )


def _check_evidence(ws: Workspace, digests: tuple[str, ...]) -> None:
    """Evidence links must name items in the evidence store (by SHA-256 digest)."""
    if not digests:
        return
    # Imported here: the evidence domain loads media libraries, needed only for links.
    from gawah.evidence import get_evidence

    for digest in digests:
        try:
            found = get_evidence(ws.conn, digest)
        except (
            sqlite3.OperationalError
        ):  # a workspace opened without the evidence tables
            found = None
        if found is None:
            raise UserInputError(
                f"no evidence item {digest[:16]}: add it first (`gawah evidence add`)"
            )
