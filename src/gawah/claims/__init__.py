"""gawah.claims: public figures (who said how many, when) and their extraction from news text."""

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
)

__all__ = [
    "Category",
    "Claim",
    "ClaimProposal",
    "Claimant",
    "ClaimantKind",
    "Extraction",
    "Publication",
    "Stance",
    "VictimProposal",
    "extract",
    "extract_claims",
    "extract_victims",
    "format_bounds",
    "read_article",
]
