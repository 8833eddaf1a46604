"""Who said it: the speaker of reported speech, and what kind of speaker that is.

Wire copy attributes a figure in a handful of shapes, and these rules cover them:
``Police said ...`` (speaker first), ``..., the ministry said.`` (speaker last),
``"...," said Amina Yusuf of the Justice Forum.`` (inverted), ``according to X``,
and ``X put the toll at N``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gawah.claims.model import Claimant, ClaimantKind, kind_of

_VERBS = (
    r"said|says|say|told|tells|confirmed|confirms|denied|denies|deny|reported|reports|"
    r"stated|states|claimed|claims|claim|added|announced|insisted|insists|estimated|"
    r"estimates|estimate|rejected|rejects|dismissed|counted|alleged|alleges|"
    r"put|puts|warned|acknowledged|admitted|noted|wrote|tweeted|posted|maintains|"
    r"maintained|asserted|contends|contended|argued|conceded|revealed|disclosed|"
    r"informed|recorded|documented|verified"
)
DENY_VERBS = re.compile(
    r"\b(?:denied|denies|deny|rejected|rejects|dismissed|refuted)\b"
)
ESTIMATE_VERBS = re.compile(r"\b(?:estimated|estimates|estimate)\b")
_VERB_RE = re.compile(rf"\b(?:{_VERBS})\b")
_PRONOUN = re.compile(
    r"^\W*(?:he|she|they|it|the\s+group|the\s+organisation)\b", re.IGNORECASE
)
_LEAD_IN = re.compile(
    r"^\W*(?:(?:in|on|at|late\s+on|earlier\s+on)\s+(?:a|an|the)?\s*[\w\s'-]{0,30}?,\s+)",
    re.I,
)
# A dateline: "LAHORE:", "ISLAMABAD, May 12 (Indus Wire) -".
_DATELINE = re.compile(
    r"^\s*[A-Z][A-Z .'-]{2,}(?:,\s*[\w ]{0,20})?\s*(?:\([^)]{0,40}\))?\s*[:—–-]\s+"
)
_ACCORDING = re.compile(r"\baccording\s+to\s+([^,.;\"“”]+)", re.IGNORECASE)
_SOURCE_NOUNS = re.compile(
    r"^(?:a|an|the)?\s*(?:tally|count|statement|report|figures?|estimate|data|list|"
    r"records?)\s+(?:by|from|of|compiled\s+by|released\s+by)\s+",
    re.IGNORECASE,
)
# "the ministry's figure of 9 deaths": the owner of the figure is its source.
_POSSESSIVE = re.compile(
    r"(?:^|,\s+|\bby\s+)((?:the\s+)?[\w-]+(?:\s+[\w-]+){0,3}?)['’]s\s+"
    r"(?:own\s+|official\s+|latest\s+)?(?:figure|count|tally|estimate|death\s+toll|toll)\b",
    re.IGNORECASE,
)
_NOT_NP = re.compile(
    r"\b(?:was|were|is|are|had|has|have|been|that|which|when|who|where|after|as|"
    r"and\s+that|it|they|we|i)\b"
)
_TRAIL_CUT = re.compile(
    r"\s+(?:(?:late\s+|early\s+|earlier\s+|later\s+)?on\s+(?:monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday)|in\s+a\s+statement|on\s+condition\b|citing\b|"
    r"adding\b|yesterday|today|last\s+night|this\s+week)\b.*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Attribution:
    """A speaker found in a clause; ``verb_at`` is where the reporting verb sits."""

    claimant: Claimant
    verb: str
    verb_at: int


def find_attribution(clause: str) -> Attribution | None:
    """The speaker of a clause, or ``None`` when the text is the outlet's own voice."""
    m = _ACCORDING.search(clause)
    if m:
        name = _clean(_SOURCE_NOUNS.sub("", m.group(1).strip()))
        if name:
            return Attribution(make_claimant(name), "according to", m.start())
    lowered = clause.lower()
    for v in _VERB_RE.finditer(lowered):
        verb = v.group(0)
        if verb in {"put", "puts"} and not re.match(
            r"\s+(?:the\s+)?(?:death\s+)?(?:toll|crowd|number|figure|count)",
            lowered[v.end() :],
        ):
            continue
        found = _speaker_before(clause, v.start()) or _speaker_after(
            clause, v.start(), v.end()
        )
        if found:
            return Attribution(make_claimant(found), verb, v.start())
    m = _POSSESSIVE.search(clause)
    if m:
        return Attribution(make_claimant(_clean(m.group(1))), "figure", m.start())
    return None


def is_pronoun_speaker(clause: str) -> bool:
    """True when the clause is reported by "he", "she" or "they" (resolve from context)."""
    m = _PRONOUN.match(clause)
    if m is None:
        return False
    return bool(_VERB_RE.search(clause.lower()[m.end() : m.end() + 25]))


# Past tenses that do not end in -ed: where a sentence's subject stops.
_IRREGULAR_VERBS = frozenset(
    {"say", "said", "are", "were", "have", "had", "has", "is", "was", "held", "made",
     "gave", "told", "put", "sent", "met", "took", "came", "went", "wrote", "spoke",
     "began", "read", "set", "brought", "led"}
)  # fmt: skip
# What stands for a speaker named before: "he", "the statement", "its spokesperson".
_REFERENCE = re.compile(
    r"^(?:he|she|they|it|we|(?:the\s+)?(?:statement|report|release|press\s+release|"
    r"communiqu[eé]|handout|bulletin|notification|figures|data|letter|tweet|post))$",
    re.IGNORECASE,
)
_POSSESSIVE_REFERENCE = re.compile(r"^(?:its|their|his|her)\s+(.+)$", re.IGNORECASE)


def resolve_reference(claimant: Claimant, referent: Claimant | None) -> Claimant | None:
    """A speaker that only points back ("He", "the statement", "Its spokesperson"),
    resolved to ``referent``; any other claimant is returned as it is."""
    m = _POSSESSIVE_REFERENCE.match(claimant.name)
    if m is not None:
        own = make_claimant(m.group(1))
        # "their uncle" is the victims' relative, not the last speaker's.
        if referent is None or own.kind is ClaimantKind.FAMILY:
            return own
        return Claimant(name=referent.name, role=m.group(1), kind=referent.kind)
    if _REFERENCE.match(claimant.name):
        return referent
    return claimant


def leading_subject(sentence: str) -> str:
    """The noun phrase a sentence opens with ("Families of the missing gathered ...")."""
    words: list[str] = []
    for word in sentence.split():
        bare = word.strip(",.;:\"“”'")
        if words and (bare.lower().endswith("ed") or bare.lower() in _IRREGULAR_VERBS):
            break
        words.append(bare)
        if len(words) > 6 or word.endswith(","):
            return ""
    return re.sub(r"^(?:the|a|an)\s+", "", " ".join(words), flags=re.IGNORECASE)


def _speaker_before(clause: str, at: int) -> str:
    """The noun phrase just before the verb: the clause's subject, or after a comma or quote."""
    before = clause[:at].rstrip().rstrip(",").rstrip()
    cut = max(before.rfind('"'), before.rfind("”"), before.rfind("—"))
    before = _LEAD_IN.sub("", _DATELINE.sub("", before[cut + 1 :]))
    before = _RELATIVE.sub("", before)
    segments = [seg.strip() for seg in before.split(",")]
    picked: list[str] = []
    for seg in reversed(segments):
        if not _np_like(seg, allow_digits=len(segments) == 1):
            break
        picked.insert(0, seg)
        if len(picked) == 2:
            break
    name = _clean(", ".join(picked))
    return "" if name.lower() in _DETERMINERS else name


_RELATIVE = re.compile(r"^\s*(?:where|which|whom|whereas|and)\s+", re.IGNORECASE)
_SERVICE_NUMBER = re.compile(r"\b[A-Z][a-z]+\s+\d{3,4}\b")
_DETERMINERS = frozenset({"", "a", "an", "the", "this", "that", "some", "only", "it"})


def _np_like(text: str, *, allow_digits: bool) -> bool:
    if not text or len(text.split()) > 9 or _NOT_NP.search(text.lower()):
        return False
    # "Rescue 1122" and "Edhi 115" are names; any other digit is a figure, not a speaker.
    return allow_digits or not re.search(r"\d", _SERVICE_NUMBER.sub("", text))


def _speaker_after(clause: str, start: int, end: int) -> str:
    """Inverted attribution: ``," said Amina Yusuf of the Justice Forum, a rights group``."""
    before = clause[:start].rstrip()
    if not before or before[-1] not in ',"”':
        return ""
    after = clause[end:].strip()
    after = re.split(r"[.;]\s|[.;]$|\s+(?:adding|saying)\b", after)[0]
    parts = [p.strip() for p in after.split(",") if p.strip()]
    if not parts or _NOT_NP.search(parts[0].lower()) or len(parts[0].split()) > 10:
        return ""
    if re.search(r"\d", parts[0]):
        return ""
    name = parts[0]
    if len(parts) > 1 and len(parts[1].split()) <= 10:
        name = f"{name}, {parts[1]}"
    return _clean(name)


# Words a speaker's name never starts or ends with: what is left of a clause.
_LEADING_FRAGMENT = re.compile(
    r"^(?:(?:and|but|or|so|while|as|also|however|meanwhile|now|then|by\s+now|"
    r"so\s+far|until\s+now|by\s+\w+day(?:\s+\w+)?|by\s+evening|by\s+morning)\b[\s,]*)+",
    re.IGNORECASE,
)
_TRAILING_FRAGMENT = re.compile(
    r"(?:\s+(?:in|of|at|on|from|to|by|with|for|and|or|the|a|an|its|their))+$",
    re.IGNORECASE,
)


def _clean(name: str) -> str:
    name = _TRAIL_CUT.sub("", name.strip(" ,\"“”'"))
    name = _LEADING_FRAGMENT.sub("", name)
    name = re.sub(r"^(?:the|a|an)\s+", "", name, flags=re.IGNORECASE)
    name = _TRAILING_FRAGMENT.sub("", name.strip(" ,"))
    return name.strip(" ,")


def make_claimant(text: str) -> Claimant:
    """A claimant from the attribution phrase; the first comma part is the name."""
    name, _, role = text.partition(", ")
    return Claimant(name=name.strip(), role=role.strip(), kind=kind_of(text))
