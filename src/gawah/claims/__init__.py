"""gawah.claims: public figures (who said how many, when), extracted from news text.

Other domains and the web call :func:`record_claim`, :func:`list_claims` and
:func:`extract_claims`; extraction only proposes, a person accepts.
"""

from gawah.claims.export import write_victims_csv
from gawah.claims.extract import extract, extract_claims, extract_victims, read_article
from gawah.claims.model import (
    Category,
    Claim,
    Claimant,
    ClaimantKind,
    ClaimProposal,
    Extraction,
    Publication,
    Stance,
    VictimProposal,
    format_bounds,
    parse_bounds,
)
from gawah.claims.projection import CLAIM_RECORDED, CLAIM_WITHDRAWN
from gawah.claims.queries import (
    RecordedClaim,
    get_claim,
    list_claims,
    list_recorded,
    same_claims,
)
from gawah.claims.recording import (
    correct_claim,
    record_claim,
    record_claims,
    withdraw_claim,
)

__all__ = [
    "CLAIM_RECORDED",
    "CLAIM_WITHDRAWN",
    "Category",
    "Claim",
    "ClaimProposal",
    "Claimant",
    "ClaimantKind",
    "Extraction",
    "Publication",
    "RecordedClaim",
    "Stance",
    "VictimProposal",
    "correct_claim",
    "extract",
    "extract_claims",
    "extract_victims",
    "format_bounds",
    "get_claim",
    "list_claims",
    "list_recorded",
    "parse_bounds",
    "read_article",
    "record_claim",
    "record_claims",
    "same_claims",
    "withdraw_claim",
    "write_victims_csv",
]
