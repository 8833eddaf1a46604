"""Bounds from qualifiers: "at least 7" is 7..open, "over 1,000" is 1,001..open.

The conventions are written out in ``docs/guides/claims.md``; this module is
their only implementation, so the guide and the extractor cannot drift apart
without the corpus test noticing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gawah.claims._numbers import Quantity

_AT_LEAST = re.compile(
    r"(?:at\s+least|no\s+fewer\s+than|no\s+less\s+than|not\s+less\s+than|a\s+minimum\s+of)$"
)
_OVER = re.compile(
    r"(?:more\s+than|(?:well\s+)?over|upwards\s+of|in\s+excess\s+of|(?:well\s+)?above|"
    r"just\s+over)$"
)
_UP_TO = re.compile(
    r"(?:up\s+to|as\s+many\s+as|as\s+high\s+as|at\s+most|no\s+more\s+than|a\s+maximum\s+of)$"
)
_UNDER = re.compile(r"(?:fewer\s+than|less\s+than|under|below)$")
_APPROX = re.compile(
    r"(?:estimated\s+at|put\s+at|about|around|some|roughly|approximately|approx\.?|an\s+estimated|estimated|nearly|"
    r"almost|close\s+to|just\s+under|an\s+approximate|circa|perhaps|possibly)$"
)
_OPEN_AFTER = re.compile(r"^\s*(?:or\s+more|and\s+more|-plus|\+|plus|odd)\b")
_RANGE_JOIN = re.compile(r"^\s*(?:to|-|–|—|and)\s*$")
_TRAILING_FILLER = re.compile(
    r"(?:\s|[\"“”']|\b(?:the|a|an|only|just|a\s+total\s+of)\b)*$"
)


_REACH = 80  # characters before a figure that can hold its qualifier (keeps it linear)


@dataclass(frozen=True, slots=True)
class Bounds:
    """What a figure phrase claims, and how far the phrase reaches in the sentence."""

    low: int
    high: int | None
    note: str
    estimate: bool
    start: int  # where the phrase starts, qualifiers included
    end: int  # where it ends, a range's second number included
    joined: bool  # True when the next quantity was consumed as a range end


def _qualifier(before: str) -> tuple[str, str]:
    """The qualifier right before a number, and the text before that qualifier."""
    text = before.lower().rstrip(" \"“”'")
    for name, rx in (
        ("at_least", _AT_LEAST),
        ("up_to", _UP_TO),
        ("over", _OVER),
        ("under", _UNDER),
        ("approx", _APPROX),
    ):
        m = rx.search(text)
        if m and (m.start() == 0 or not text[m.start() - 1].isalnum()):
            return name, before[: m.start()]
    return "", before


def strip_qualifier(before: str) -> str:
    """Text before a number with its qualifier and articles removed ("killing at least" -> "killing")."""
    _, rest = _qualifier(before)
    return _TRAILING_FILLER.sub("", rest.lower())


def _single(q: Quantity, qual: str, after: str) -> tuple[int, int | None, bool]:
    if q.vague:
        return q.value, None, qual == "approx"
    if qual == "at_least" or _OPEN_AFTER.match(after):
        return q.value, None, False
    if qual == "over":
        return q.value + 1, None, False
    if qual == "up_to":
        return 0, q.value, False
    if qual == "under":
        return 0, max(q.value - 1, 0), False
    return q.value, q.value, qual == "approx"


def bounds_for(sentence: str, q: Quantity, following: Quantity | None) -> Bounds:
    """Bounds of the phrase around ``q``; a range "from A to B" also consumes ``following``."""
    offset = max(0, q.start - _REACH)
    before = sentence[offset : q.start]
    qual, rest = _qualifier(before)
    start = offset + len(rest) if qual else q.start
    if following is not None and following.start - q.end <= _REACH:
        gap = sentence[q.end : following.start]
        gap_qual, gap_rest = _qualifier(gap)
        opener = re.search(r"\b(between|from)\s*$", rest.lower())
        join = _RANGE_JOIN.match(gap_rest if gap_qual else gap)
        if join and (opener or "and" not in join.group(0)) and not q.vague:
            high: int | None
            note = ""
            if gap_qual in {"over", "at_least"} or following.vague:
                high = None
                note = " ".join(f"{q.text} {gap.strip()} {following.text}".split())
            else:
                _, high, _ = _single(
                    following, gap_qual, sentence[following.end : following.end + 20]
                )
            low = q.value
            estimate = qual == "approx" or gap_qual == "approx"
            if high is not None and high < low:
                low, high = high, low
            return Bounds(
                low,
                high,
                note,
                estimate,
                offset + opener.start() if opener else q.start,
                following.end,
                True,
            )
    low, high_value, estimate = _single(q, qual, sentence[q.end : q.end + 20])
    return Bounds(low, high_value, "", estimate, start, q.end, False)
