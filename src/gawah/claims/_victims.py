"""Named people in wire copy: "Muhammad Ali, 24, from Karak" becomes a victim proposal.

Only the shapes reporters use for victims are read (name, age in apposition,
"from"/"of" place; "17-year-old Bilal Ahmed"; "Name (24)"). A name right after
"said" is the speaker, not a victim, and is skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CAP = r"[A-Z][a-z]+(?:-[A-Z][a-z]+)?"
_PARTICLE = r"(?:ul|ud|ur|bin|bint|al|de|van)"
_NAME = rf"(?P<name>{_CAP}(?:\s+(?:{_PARTICLE}\s+)?{_CAP}){{1,3}})"
_PLACE = rf"(?:,?\s+(?:from|of|a\s+resident\s+of|resident\s+of)\s+(?P<place>{_CAP}(?:\s+{_CAP}){{0,2}}))"
_MONTHS = (
    r"january|february|march|april|may|june|july|august|september|october|november|"
    r"december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
# An age in apposition is followed by a comma, a bracket, "from"/"of"/"and" or the end,
# never by a month ("Justice Forum, 12 June" is a date).
_AGE_END = rf"(?=\s*[,)]|\s+(?:from|of|and)\b|\s*$)(?!\s+(?:{_MONTHS})\b)"
_PATTERNS = tuple(
    re.compile(p)
    for p in (
        rf"{_NAME},\s+(?P<age>\d{{1,3}})\b{_AGE_END},?(?:\s+(?:a|an)\s+[a-z]+(?:\s+(?!from\b|of\b)[a-z]+)?)?{_PLACE}?",
        rf"{_NAME}\s+\((?P<age>\d{{1,3}})\){_PLACE}?",
        rf"{_NAME},\s+(?:a|an)\s+(?P<age>\d{{1,3}})-year-old(?:\s+[a-z]+){{0,2}}{_PLACE}?",
        rf"\b(?P<age>\d{{1,3}})-year-old\s+(?:[a-z]+\s+){{0,2}}{_NAME}{_PLACE}?",
    )
)
_NOT_NAMES = frozenset(
    [
        "The",
        "A",
        "An",
        "Police",
        "Two",
        "Three",
        "Four",
        "Five",
        "Six",
        "Seven",
        "Eight",
        "Nine",
        "Ten",
        "Officials",
        "Doctors",
        "Party",
        "Relatives",
        "Families",
        "Witnesses",
        "Organisers",
        "Interior",
        "Minister",
        "Ministry",
        "Inspector",
        "General",
        "Chief",
        "Deputy",
        "According",
        "In",
        "On",
        "At",
        "Security",
        "Army",
        "Rescue",
        "Daily",
        "Indus",
        "Wire",
        "Human",
        "Rights",
    ]
)
# "said Zarina Bibi, 58" and "said the group's chair, Huma Saeed, 61" name the speaker.
_SPEAKER = re.compile(
    r"\b(?:said|says|told|added|according\s+to)\s+"
    r"(?:(?:the|a|an|its|their|his|her)\s+[^,.;\"“”]{0,40},\s*)?$"
)


@dataclass(frozen=True, slots=True)
class FoundVictim:
    """A name found in one sentence; offsets are relative to that sentence."""

    name: str
    age: int | None
    place: str
    start: int
    end: int


def find_victims(sentence: str) -> list[FoundVictim]:
    """Named people with an age (and a place when given) in one sentence."""
    found: list[FoundVictim] = []
    for rx in _PATTERNS:
        for m in rx.finditer(sentence):
            name = _trim(m.group("name"))
            if not name or _SPEAKER.search(sentence[: m.start("name")]):
                continue
            if any(f.start <= m.start("name") < f.end for f in found):
                continue
            age = int(m.group("age"))
            if not 0 < age < 120:
                continue
            place = m.group("place") or ""
            found.append(FoundVictim(name, age, place, m.start(), m.end()))
    found.sort(key=lambda f: f.start)
    return _share_places(sentence, found)


def _trim(name: str) -> str:
    """Drop leading words that are titles or sentence openers, keep two or more name words."""
    words = name.split()
    while words and words[0] in _NOT_NAMES:
        words.pop(0)
    return " ".join(words) if len(words) >= 2 else ""


def _share_places(sentence: str, found: list[FoundVictim]) -> list[FoundVictim]:
    """Victims listed before a shared place ("A, 19, and B, 22, of Swabi") share it."""
    out = list(found)
    for i in range(len(out) - 2, -1, -1):
        here, nxt = out[i], out[i + 1]
        joined = re.fullmatch(r"\s*,?\s*(?:and|,)\s*", sentence[here.end : nxt.start])
        if not here.place and nxt.place and joined:
            out[i] = FoundVictim(here.name, here.age, nxt.place, here.start, here.end)
    return out
