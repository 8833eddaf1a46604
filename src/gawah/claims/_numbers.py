"""Numbers in digits and words, and the figures that are not counts of people.

A casualty figure is an integer written as digits ("1,350"), words ("seven",
"twenty-five") or a vague plural ("dozens", "tens of thousands"). Everything
else that looks like a number (percentages, ages, years, dates, times,
durations, distances, money, phone numbers, house numbers, "father of seven")
is masked before any category is looked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from word2number import w2n

_UNITS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SCALES = ("hundred", "thousand", "million")
_WORD = "|".join(sorted(_UNITS + _TENS + list(_SCALES), key=len, reverse=True))
_WORD_NUMBER = re.compile(
    rf"\b(?:{_WORD})(?:(?:[\s-]+|\s+and\s+)(?:{_WORD}))*\b", re.IGNORECASE
)
_DIGITS = re.compile(
    r"(?<![\w.,/+\-])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(\s+(?:million|thousand|lakh))?(?![\w/]|,\d|-(?!strong\b)\w)",
    re.IGNORECASE,
)

# Vague quantities: (pattern, lowest value it can mean). All have an open upper end.
_VAGUE: tuple[tuple[str, int], ...] = (
    (r"hundreds of thousands", 200_000),
    (r"tens of thousands", 20_000),
    (r"several thousands?", 3_000),
    (r"several hundreds?", 300),
    (r"several dozens?", 36),
    (r"thousands", 2_000),
    (r"hundreds", 200),
    (r"dozens", 24),
    (r"scores", 40),
    (r"several", 3),
)
_VAGUE_RE = re.compile(
    r"\b(?:" + "|".join(f"(?P<v{i}>{p})" for i, (p, _) in enumerate(_VAGUE)) + r")\b",
    re.IGNORECASE,
)
_A_DOZEN = re.compile(
    r"\b(?P<n>a|half\s+a|one|two|three|four|five|six|seven|eight|nine|ten|\d{1,2})"
    r"\s+dozen\b(?!s)",
    re.IGNORECASE,
)

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|"
    "december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_UNIT_WORDS = (
    r"(?:years?|months?|weeks?|days?|hours?|minutes?|seconds?|decades?|nights?|"
    r"kilometres?|kilometers?|km|miles?|metres?|meters?|feet|acres?|kg|"
    r"seats?|votes?|pages?|chapters?|rupees|dollars|euros|pounds|per\s*cent|percent|"
    r"am|pm|a\.m\.|p\.m\.|o'clock|storeys?|floors?|rounds?|times|"
    r"sections?|articles?|clauses?)"
)
_LABELS = (
    r"(?:house|street|road|sector|block|plot|no\.?|number|section|article|rescue|"
    r"room|ward|gate|flat|phase|route|rule|para|paragraph|chapter|page|cell|"
    r"barrack|fir|case|ppc|item|table|figure|platform|highway|bus)"
)

# Spans (on lower-cased text) that hide any number inside them.
_MASKS = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"\+?\d[\d\s\-()]{7,}\d",  # phone numbers and long identifiers
        r"\d+(?:\.\d+)?\s*(?:%|per\s*cent\b|percent\b)",
        r"(?:rs\.?|pkr|usd|us\$|\$|£|€)\s*\d[\d,.]*(?:\s*(?:million|billion|lakh|crore))?",
        r"\d[\d,.]*\s*(?:million|billion|lakh|crore)?\s*(?:rupees|dollars|euros)\b",
        rf"\b(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}})?",
        rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\b\.?(?:,?\s+\d{{4}})?",
        r"\b\d{1,2}[:.]\d{2}\b",
        r"\b(?:1[89]|20)\d{2}s?\b(?!,\d)",  # years
        r"\b\d+(?:\.\d+)?\s*-\s*(?:year|month|week|day|hour|minute)s?[\s-]old\b",
        r"\b(?:aged|age\s+of|ages\s+of|age)\s+\d+\b",
        r"\b(?:father|mother|parent|grandfather|grandmother)\s+of\s+\w+",
        # compounds ("1,000-page", "3-member"), but "a 1,200-strong contingent" counts
        r"\b(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|\d+)-(?!strong\b)\w+",
        r"\b\d[\d,]*\s+(?:votes?|seats?)\s+(?:to|against)\s+\d[\d,]*",
        rf"\b{_LABELS}\s+\d+\b",
        r"\b[a-z]-\d+(?:/\d+)?\b",  # sector codes: F-7/2, I-8
        rf"(?:\b(?:{_WORD})\b[\s-]*)+\b{_UNIT_WORDS}\b",
        rf"\b\d[\d,.]*\s*{_UNIT_WORDS}\b",
        r"\b(?:the\s+)?(?:first|last|past|next)\s+(?:\w+\s+)?\b(?:{w})".format(
            w="|".join(_UNITS + _TENS)
        ),
        r"\(\s*\d{1,3}\s*\)",  # (24) after a name is an age
    )
)
# ", 24," straight after a capitalised word is an age in apposition.
_AGE_APPOSITION = re.compile(r"\b[A-Z][a-z]+,\s+(\d{1,3})(?=\s*[,)]|\s+(?:from|of)\b)")


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number phrase in a sentence; offsets are relative to that sentence."""

    start: int
    end: int
    value: int
    vague: bool  # a vague plural: ``value`` is its lowest reading, the top is open
    text: str


def masked_spans(sentence: str) -> list[tuple[int, int]]:
    """Spans whose numbers are not counts of people."""
    spans = [(m.start(), m.end()) for rx in _MASKS for m in rx.finditer(sentence)]
    spans += [(m.start(1), m.end(1)) for m in _AGE_APPOSITION.finditer(sentence)]
    return spans


def find_quantities(sentence: str) -> list[Quantity]:
    """Every candidate count in the sentence, left to right, distractors removed."""
    # One flag per character keeps the overlap tests linear in the text's length.
    hidden = bytearray(len(sentence))
    for x, y in masked_spans(sentence):
        hidden[x:y] = b"\x01" * (y - x)
    used = bytearray(len(sentence))
    found: list[Quantity] = []

    def free(a: int, b: int) -> bool:
        return used.find(1, a, b) < 0

    def masked(a: int, b: int) -> bool:
        return hidden.find(0, a, b) < 0

    for m in _VAGUE_RE.finditer(sentence):
        idx = next(i for i in range(len(_VAGUE)) if m.group(f"v{i}"))
        if masked(m.start(), m.end()) or not _vague_is_count(sentence, m.end()):
            continue
        found.append(Quantity(m.start(), m.end(), _VAGUE[idx][1], True, m.group(0)))
        used[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    for m in _A_DOZEN.finditer(sentence):
        if free(m.start(), m.end()):
            n = m.group("n").lower()
            value = 6 if n.startswith("half") else 12 * _small_number(n)
            found.append(Quantity(m.start(), m.end(), value, False, m.group(0)))
            used[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    for m in _DIGITS.finditer(sentence):
        if not free(m.start(), m.end()) or masked(m.start(1), m.end(1)):
            continue
        number = float(m.group(1).replace(",", ""))
        scale = (m.group(2) or "").strip().lower()
        number *= {"million": 1e6, "thousand": 1e3, "lakh": 1e5}.get(scale, 1)
        if number != int(number):
            continue
        found.append(Quantity(m.start(), m.end(), int(number), False, m.group(0)))
        used[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    for m in _WORD_NUMBER.finditer(sentence):
        words = m.group(0)
        if not free(m.start(), m.end()) or masked(m.start(), m.end()):
            continue
        if words.lower() in _SCALES or _is_loose_one(sentence, m):
            continue
        try:
            value = int(w2n.word_to_num(words.lower()))
        except ValueError:
            continue
        found.append(Quantity(m.start(), m.end(), value, False, words))
        used[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    return sorted(found, key=lambda q: q.start)


def _small_number(word: str) -> int:
    """1 for "a", else the value of a small number word or digits ("two dozen" is 24)."""
    if word == "a":
        return 1
    return int(word) if word.isdigit() else int(w2n.word_to_num(word))


def _vague_is_count(sentence: str, end: int) -> bool:
    """``hundreds of people`` counts people; ``several days`` or ``hundreds of rupees`` does not."""
    after = sentence[end : end + 40].lower()
    return not re.match(rf"\s+(?:of\s+)?(?:more\s+)?{_UNIT_WORDS}\b", after)


_PERSON_NOUNS = (
    r"person|man|woman|child|boy|girl|protester|demonstrator|student|officer|"
    r"policeman|soldier|worker|journalist|activist|civilian|people|body|other"
)


def _is_loose_one(sentence: str, m: re.Match[str]) -> bool:
    """A bare "one" is a count only before a person noun ("one protester was killed")."""
    if m.group(0).lower() != "one":
        return False
    after = sentence[m.end() : m.end() + 20].lower()
    return not re.match(rf"\s+(?:{_PERSON_NOUNS})\b", after)
