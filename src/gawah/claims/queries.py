"""Read claims back from the projection (other domains and the web call these)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from gawah.claims.model import Category, Claim

# Claims with their first withdrawal (by event id, so every device agrees).
_CLAIMS = (
    "(SELECT c.*, w.event_id AS withdrawn_by, w.reason AS withdrawn_reason "
    "FROM claims_claims AS c LEFT JOIN (SELECT claim_id, min(event_id) AS event_id, "
    "reason FROM claims_withdrawals GROUP BY claim_id) AS w USING (claim_id))"
)


@dataclass(frozen=True, slots=True)
class RecordedClaim:
    """A claim with its ledger facts: who recorded it and when, and any withdrawal."""

    claim: Claim
    author: str
    recorded_at: str
    withdrawn_by: str | None
    withdrawn_reason: str


def list_claims(
    conn: sqlite3.Connection,
    incident_id: str | None = None,
    *,
    category: Category | None = None,
    include_withdrawn: bool = False,
) -> list[Claim]:
    """Claims, oldest statement first (by date said, then published, then recorded)."""
    return [
        r.claim
        for r in list_recorded(
            conn, incident_id, category=category, include_withdrawn=include_withdrawn
        )
    ]


def list_recorded(
    conn: sqlite3.Connection,
    incident_id: str | None = None,
    *,
    category: Category | None = None,
    include_withdrawn: bool = False,
) -> list[RecordedClaim]:
    """Like :func:`list_claims`, with who recorded each claim and whether it was withdrawn."""
    where: list[str] = []
    args: list[str] = []
    if incident_id is not None:
        where.append("incident_id = ?")
        args.append(incident_id)
    if category is not None:
        where.append("category = ?")
        args.append(category.value)
    if not include_withdrawn:
        where.append("withdrawn_by IS NULL")
    sql = (
        "SELECT claim_id, payload, author, recorded_at, withdrawn_by, withdrawn_reason "
        f"FROM {_CLAIMS}"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY coalesce(said_on, published_on, substr(recorded_at, 1, 10)),"
        " recorded_at, claim_id"
    )
    out: list[RecordedClaim] = []
    for claim_id, payload, author, recorded_at, withdrawn_by, reason in conn.execute(
        sql, args
    ):
        claim = Claim.from_payload(json.loads(payload), event_id=str(claim_id))
        out.append(
            RecordedClaim(
                claim, str(author), str(recorded_at), withdrawn_by, str(reason or "")
            )
        )
    return out


def get_claim(conn: sqlite3.Connection, claim_id: str) -> RecordedClaim | None:
    """One claim by its id (the id of its ``claim.recorded`` event), or None."""
    row = conn.execute(
        "SELECT payload, author, recorded_at, withdrawn_by, withdrawn_reason "
        f"FROM {_CLAIMS} WHERE claim_id = ?",
        (claim_id,),
    ).fetchone()
    if row is None:
        return None
    payload, author, recorded_at, withdrawn_by, reason = row
    claim = Claim.from_payload(json.loads(payload), event_id=claim_id)
    return RecordedClaim(
        claim, str(author), str(recorded_at), withdrawn_by, str(reason or "")
    )


def same_claims(conn: sqlite3.Connection, claim: Claim) -> list[str]:
    """Ids of recorded claims that say the same thing (incident, speaker, category,
    bounds, stance, day): the same statement reported by a second outlet."""
    rows = conn.execute(
        f"SELECT claim_id, payload FROM {_CLAIMS} WHERE incident_id = ? AND "
        "category = ? AND low = ? AND high IS ? AND stance = ? AND withdrawn_by IS NULL",
        (
            claim.incident_id,
            claim.category.value,
            claim.low,
            claim.high,
            claim.stance.value,
        ),
    )
    out: list[str] = []
    for claim_id, payload in rows:
        other = Claim.from_payload(json.loads(payload))
        if (
            other.claimant.name.casefold() == claim.claimant.name.casefold()
            and other.said_on == claim.said_on
        ):
            out.append(str(claim_id))
    return out
