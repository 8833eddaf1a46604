"""Typed claims: who said how many, about what, and how sure they were.

A claim is a public figure kept as data, not a fact: the interior ministry's
"no deaths" and a doctor's "at least seven" are both claims about the same
incident and are stored side by side. Bounds are integers with open ends so
that "over 1,000" and "6 to over 200" keep their meaning instead of being
rounded to one number.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ClaimantKind(StrEnum):
    """Who is speaking, coarsely: decides how a reader weighs the figure."""

    GOVERNMENT = "government"
    POLICE = "police"
    MILITARY = "military"
    MEDICAL = "medical"
    PARTY = "party"
    PRESS = "press"
    NGO = "ngo"
    FAMILY = "family"
    OTHER = "other"


# Ordered: the first group whose words appear decides (a "human rights minister" is
# government, a "Journalists' Safety Forum" an NGO, "hospital officials" medical).
_KIND_WORDS: tuple[tuple[ClaimantKind, str], ...] = (
    (ClaimantKind.FAMILY, r"family|families|relatives?|father|mother|brother|sister|uncle|"
     r"aunt|son|daughter|widow|wife|husband|cousin|parents|"
     r"خاندان|اہل\s+خانہ|لواحقین|ورثا|والد|والدہ|بھائی|بہن"),
    (ClaimantKind.MEDICAL, r"doctors?|dr|hospitals?|surgeons?|medics?|medical|paramedics?|"
     r"rescue|ambulance|physicians?|nurses?|"
     r"ہسپتال|اسپتال|ڈاکٹر\w*|ریسکیو|طبی|ایمبولینس"),
    (ClaimantKind.POLICE, r"police|inspector\s+general|ig|ssp|dpo|sho|constables?|cops?|"
     r"پولیس|ڈی\s+آئی\s+جی|آئی\s+جی|ایس\s+ایس\s+پی|ایس\s+ایچ\s+او|تھانے\w*"),
    (ClaimantKind.MILITARY, r"army|army's|military|rangers|frontier\s+corps|fc|troops|soldiers|"
     r"ispr|armed\s+forces|brigadier|colonel|major\s+general|"
     r"فوج|آئی\s+ایس\s+پی\s+آر|رینجرز|ایف\s+سی"),
    (ClaimantKind.GOVERNMENT, r"ministers?|ministry|government|govt|administration|"
     r"deputy\s+commissioner|commissioner's|cabinet|governor|"
     r"وزارت|وزیر|حکومت|کابینہ|گورنر|ڈپٹی\s+کمشنر"),
    (ClaimantKind.NGO, r"rights|commission|forum|network|watch|ngo|amnesty|foundation|"
     r"monitors?|council|society|committee|human\s+rights|"
     r"کمیشن|انسانی\s+حقوق|فاؤنڈیشن|تنظیم|ایچ\s+آر\s+سی\s+پی"),
    (ClaimantKind.PRESS, r"daily|wire|newspaper|reporters?|journalists?|correspondents?|press|"
     r"television|tv|agency|news|times|gazette|tribune|channel|"
     r"اخبار|نامہ\s+نگار|صحافی\w*|چینل"),
    (ClaimantKind.PARTY, r"party|party's|alliance|opposition|league|movement|"
     r"پارٹی|جماعت|تحریک|اتحاد|اپوزیشن"),
    (ClaimantKind.GOVERNMENT, r"officials?|department|authorities|spokesman|spokesperson|"
     r"spokeswoman|interior|state|provincial|district|secretary|chief\s+secretary|"
     r"انتظامیہ|حکام|سرکاری"),
)  # fmt: skip
_KIND_RES = tuple(
    (kind, re.compile(rf"\b(?:{words})\b", re.I)) for kind, words in _KIND_WORDS
)


def kind_of(text: str) -> ClaimantKind:
    """The kind of speaker a name or title suggests; ``other`` when nothing fits."""
    for kind, rx in _KIND_RES:
        if rx.search(text):
            return kind
    return ClaimantKind.OTHER


class Category(StrEnum):
    """What the figure counts."""

    KILLED = "killed"
    INJURED = "injured"
    ARRESTED = "arrested"  # arrested or detained
    MISSING = "missing"
    DEPLOYED = "deployed"  # security forces deployed
    PARTICIPANTS = "participants"
    OTHER = "other"


class Stance(StrEnum):
    """Whether the claimant asserts a figure, denies one, or gives an estimate."""

    ASSERTS = "asserts"
    DENIES = "denies"
    ESTIMATES = "estimates"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Claimant(_Frozen):
    """The speaker: a person or an office; ``name`` may be an office ("Interior Ministry")."""

    name: str = ""
    role: str = ""
    organisation: str = ""
    kind: ClaimantKind = ClaimantKind.OTHER


class Publication(_Frozen):
    """Where the claim was published; every field is optional because leaflets have no URL."""

    outlet: str = ""
    url: str = ""
    date: dt.date | None = None


class Claim(_Frozen):
    """One public figure about one incident, as recorded in the ledger.

    ``high is None`` means the upper end is open ("at least 7" is 7..open);
    ``note`` keeps what the bounds cannot say ("6 to over 200": 200 is noted).
    ``id`` is the id of the ``claim.recorded`` event, empty before recording.
    """

    incident_id: str = Field(min_length=1)
    claimant: Claimant
    category: Category
    low: int = Field(ge=0)
    high: int | None = Field(default=None, ge=0)
    note: str = ""
    stance: Stance = Stance.ASSERTS
    quote: str = ""
    language: str = "en"
    publication: Publication = Publication()
    said_on: dt.date | None = None
    evidence: tuple[str, ...] = ()
    #: The web account that typed the claim in (the event is signed by the
    #: server's device, whose author is not that person); empty elsewhere.
    entered_by: str = ""
    id: str = ""

    @model_validator(mode="after")
    def _bounds_ordered(self) -> Self:
        if self.high is not None and self.high < self.low:
            raise ValueError(f"high ({self.high}) is below low ({self.low})")
        return self

    @property
    def bounds(self) -> str:
        """The bounds as people read them: ``7``, ``7..open``, ``8..10``."""
        return format_bounds(self.low, self.high)

    def to_payload(self) -> dict[str, Any]:
        """The JSON payload of a ``claim.recorded`` event (the id is the event's own)."""
        # No "entered_by" unless set: claims recorded elsewhere keep their payload.
        skip = {"id"} if self.entered_by else {"id", "entered_by"}
        return self.model_dump(mode="json", exclude=skip)

    @classmethod
    def from_payload(cls, payload: dict[str, Any], event_id: str = "") -> Claim:
        """Rebuild a claim from a ``claim.recorded`` payload."""
        return cls.model_validate({**payload, "id": event_id})


class ClaimProposal(_Frozen):
    """A figure found in text, waiting for a person to accept or reject it.

    Offsets are character positions in the plain text that was searched
    (after HTML stripping): ``sentence_start:sentence_end`` is the supporting
    sentence, ``figure_start:figure_end`` the number phrase itself.
    """

    category: Category
    low: int = Field(ge=0)
    high: int | None = None
    note: str = ""
    stance: Stance = Stance.ASSERTS
    claimant: Claimant | None = None
    figure: str
    quote: str
    sentence_start: int
    sentence_end: int
    figure_start: int
    figure_end: int

    @property
    def bounds(self) -> str:
        """The bounds as people read them."""
        return format_bounds(self.low, self.high)

    def to_claim(
        self,
        incident_id: str,
        *,
        claimant: Claimant | None = None,
        publication: Publication | None = None,
        said_on: dt.date | None = None,
        language: str = "en",
        evidence: tuple[str, ...] = (),
    ) -> Claim:
        """Turn an accepted proposal into a claim; unattributed text falls back to the outlet."""
        who = claimant or self.claimant
        if who is None:
            who = _outlet_as_claimant(publication.outlet if publication else "")
        return Claim(
            incident_id=incident_id,
            claimant=who,
            category=self.category,
            low=self.low,
            high=self.high,
            note=self.note,
            stance=self.stance,
            quote=self.quote,
            language=language,
            publication=publication or Publication(),
            said_on=said_on,
            evidence=evidence,
        )


class VictimProposal(_Frozen):
    """A named person found in text ("Muhammad Ali, 24, from Karak"), for the registry's review."""

    name: str
    age: int | None = None
    place: str = ""
    category: Category | None = None
    quote: str
    sentence_start: int
    sentence_end: int


class Extraction(_Frozen):
    """Everything the extractor proposes for one text."""

    text: str
    claims: tuple[ClaimProposal, ...] = ()
    victims: tuple[VictimProposal, ...] = ()


def _outlet_as_claimant(outlet: str) -> Claimant:
    """The publisher speaks when the text names no one: a rights group's statement is
    the group's (kind from its name), anything else is the press."""
    if not outlet:
        return Claimant(kind=ClaimantKind.OTHER)
    kind = kind_of(outlet)
    return Claimant(
        name=outlet, kind=ClaimantKind.PRESS if kind is ClaimantKind.OTHER else kind
    )


def format_bounds(low: int, high: int | None) -> str:
    """``7`` for an exact figure, ``7..open`` for an open end, ``8..10`` for a range."""
    if high is None:
        return f"{low}..open"
    if high == low:
        return str(low)
    return f"{low}..{high}"


def parse_bounds(text: str) -> tuple[int, int | None]:
    """Read bounds as people write them: ``7``, ``7..``, ``7..open``, ``8..10``, ``7+``.

    Raises:
        ValueError: the text is not one of those shapes, or high is below low.
    """
    t = text.strip().lower().replace(",", "").replace(" ", "")
    if t.endswith("+"):
        t = t[:-1] + ".."
    low_text, sep, high_text = t.partition("..")
    if not low_text.isdigit():
        raise ValueError(f"bounds {text!r}: write 7, 7..open or 8..10")
    low = int(low_text)
    if not sep:
        return low, low
    if high_text in {"", "open"}:
        return low, None
    if not high_text.isdigit() or int(high_text) < low:
        raise ValueError(f"bounds {text!r}: the high end must be a number >= {low}")
    return low, int(high_text)
