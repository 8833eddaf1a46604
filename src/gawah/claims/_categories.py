"""What a figure counts, read from the words around it.

Three sources, in order of trust: a verb or noun right before the number
("killing two", "the death toll rose to 31", "a crowd of 3,000"); the nearest
casualty word after it, inside its clause ("14 bodies", "600 people had been
arrested"); and weaker nouns ("3,000 protesters", "2,500 troops"). A figure
with no casualty word near it is not a claim: that is what keeps "12 chapters"
and "93 of 266 seats" out.
"""

from __future__ import annotations

import re
from typing import Final

from gawah.claims.model import Category

INHERIT: Final = (
    "inherit"  # "the real figure was 30": same category as the figure before
)

_STRONG: tuple[tuple[Category, str], ...] = (
    (Category.KILLED, r"killed|kill|killing|dead|died|die|deaths?|bodies|martyred|martyrs|"
     r"fatalities|lost\s+their\s+lives|lives\s+were\s+lost|coffins|slain|shot\s+dead|"
     r"massacred|perished|funerals"),
    (Category.INJURED, r"injured|injuries|injury|wounded|wounds|hurt|treated|casualties|"
     r"beaten|assaulted|"
     r"hospitali[sz]ed|hit\s+by\s+(?:rubber\s+)?bullets"),
    (Category.ARRESTED, r"arrested|arresting|arrests?|detained|detaining|detainees|detentions?|custody|"
     r"held(?!\s+(?:a|an|the|talks|up)\b)|rounded\s+up|jailed|imprisoned|in\s+jail|"
     r"booked|remanded|taken\s+in"),
    (Category.MISSING, r"missing|disappeared|disappearances?|abducted|abductions?|taken\s+away|"
     r"unaccounted|whereabouts|vanished"),
    (Category.DEPLOYED, r"deployed|stationed|sent|dispatched|mobili[sz]ed|called\s+in|"
     r"deployment"),
    (Category.PARTICIPANTS, r"gathered|joined|attended|marched|rallied|took\s+to\s+the\s+streets|"
     r"took\s+part|participated|turned\s+out|thronged|protested|demonstrated|converged|"
     r"assembled|flocked|massed|poured\s+into|descended\s+on|congregated"),
)  # fmt: skip
_STRONG_RE = re.compile(
    "|".join(rf"(?P<c{i}>\b(?:{words})\b)" for i, (_, words) in enumerate(_STRONG)),
    re.IGNORECASE,
)

_WEAK: tuple[tuple[Category, str], ...] = (
    (Category.PARTICIPANTS, r"protesters|protestors|demonstrators|marchers|mourners|"
     r"participants|crowd"),
    (Category.DEPLOYED, r"troops|soldiers|personnel|policemen|police|rangers|paramilitar\w*|"
     r"security\s+forces|commandos"),
)  # fmt: skip
# A weak noun counts only right after the figure ("3,000 protesters", "thousands of
# armed police"), never further away ("four people were banned, police said").
_NOT_ADJECTIVE = r"(?!(?:for|to|from|by|with|in|on|at|against|and|or)\b)"
_NOT_PERSONNEL = (
    r"(?!\s+(?:vehicles?|stations?|posts?|checkpoints?|cars?|vans?|trucks?|lines|"
    r"headquarters|chowkis?|mobiles?|barracks|camps?))"
)
_WEAK_RE = tuple(
    (
        c,
        re.compile(
            rf"^\s*(?:of\s+)?(?:{_NOT_ADJECTIVE}[a-z-]+\s+)?(?:{w})\b{_NOT_PERSONNEL}",
            re.IGNORECASE,
        ),
    )
    for c, w in _WEAK
)

# Right before the number (after its qualifier is stripped).
_BEFORE: tuple[tuple[Category | str, re.Pattern[str]], ...] = tuple(
    (c, re.compile(rf"(?:^|\b)(?:{p})$"))
    for c, p in (
        (Category.KILLED, r"killing|killed|kills|shooting\s+dead|"
         r"(?:death\s+)?toll\s+(?:[\w']+\s+){0,5}?(?:at|to|of|is|was|be|been|stood\s+at|"
         r"stands\s+at|reached|reach|hit|exceeds?|exceeded|now)|deaths\s+of|bodies\s+of|lives\s+of|funerals\s+of|killings\s+of|"
         r"killing\s+of|murders?\s+of|death\s+of"),
        (Category.INJURED, r"wounding|injuring|injured|wounded|hurting|treated"),
        (Category.ARRESTED, r"arresting|arrested|detaining|detained|arrests\s+of|detention\s+of|"
         r"rounded\s+up|rounding\s+up|held|holding|jailed|arrest\s+of"),
        (Category.MISSING, r"abducted|abducting|disappearance\s+of|disappearances\s+of|"
         r"whereabouts\s+of"),
        (Category.DEPLOYED, r"deployed|deploying|deployment\s+of|sent|sending|stationed|"
         r"dispatched|mobili[sz]ed|called\s+in"),
        (Category.PARTICIPANTS, r"crowd\s+(?:of|at|to)|crowd|crowds\s+of|put\s+the\s+crowd\s+at|"
         r"crowd\s+(?:numbered|swelled\s+to|was\s+put\s+at)|"
         r"gathering\s+of|rally\s+of|turnout\s+of|attended\s+by|joined\s+by|mob\s+of|"
         r"procession\s+of|march\s+of|convoy\s+of"),
        (INHERIT, r"(?:figure|number|count|tally|total)\s+(?:\w+\s+){0,4}?(?:at|to|of|is|was|"
         r"crossed|reached|exceeded|hit|touched|"
         r"stood\s+at|stands\s+at)"),
    )
)  # fmt: skip

_SUBSET = re.compile(
    r"^\s*(?:\w+\s+){0,2}?(?:were|was|are|is)\s+among\b", re.IGNORECASE
)
_OF_GROUP = re.compile(r"^\s*of\s+(?:them|whom|those|these)\b", re.IGNORECASE)
# "9 of the injured were critical": a part of a figure already given, not a new one.
_PART_OF = re.compile(
    r"^\s*of\s+(?:the|those)\s+(?:\w+\s+)?(?:injured|wounded|dead|detained|arrested|"
    r"missing|detainees|victims|casualties)\b",
    re.IGNORECASE,
)
_IN_NUMBER = re.compile(r"^\s*in\s+number\b", re.IGNORECASE)
_MORE = re.compile(r"^\s*(?:more|others?|additional|further)\b", re.IGNORECASE)
# "up from 24" is the figure being replaced; "released 1,500" is not a count of arrests.
_PREVIOUS = re.compile(
    r"(?:(?:up|down|rising|falling)\s+from|released|releasing|freed|freeing|set\s+free)$"
)
_WINDOW_STOP = re.compile(
    r";|[,.][\"”]|\b(?:said|says|told|according|adding|saying|citing)\b|,\s+but\b",
    re.IGNORECASE,
)
_WINDOW_WORDS = 16


def is_previous_figure(before_stripped: str) -> bool:
    """An old figure being replaced ("up from 24"), or people released, is no claim."""
    return bool(_PREVIOUS.search(before_stripped))


def category_for(before_stripped: str, after: str) -> Category | str | None:
    """The category of a figure, ``INHERIT``, or ``None`` when it is not a casualty count.

    Args:
        before_stripped: lower-cased text before the figure, qualifier removed.
        after: text from the end of the figure to the next figure or the sentence end.
    """
    window = _window(after)
    if _SUBSET.match(window) or _PART_OF.match(window):
        return None
    if _IN_NUMBER.match(window):  # "the injured, 18 in number,"
        return _first_strong(before_stripped[-60:])
    for cat, rx in _BEFORE:
        if m := rx.search(before_stripped):
            if cat == INHERIT:
                # "the number of dead at 60": the words of the phrase say what it counts.
                return _first_strong(m.group(0)) or _first_strong(window) or INHERIT
            return cat
    found = _first_strong(window)
    if found is not None:
        return found
    if _OF_GROUP.match(window):
        return None
    hits = [(m.end(), c) for c, rx in _WEAK_RE if (m := rx.match(window))]
    if hits:
        return min(hits)[1]
    return INHERIT if _MORE.match(window) else None


def sentence_category(sentence: str) -> Category | None:
    """The first casualty word of a sentence (for named victims)."""
    return _first_strong(sentence)


def _window(after: str) -> str:
    stop = _WINDOW_STOP.search(after)
    text = after[: stop.start()] if stop else after
    words = text.split(" ")
    return " ".join(words[: _WINDOW_WORDS + 1])


def _first_strong(text: str) -> Category | None:
    m = _STRONG_RE.search(text)
    if m is None:
        return None
    idx = next(i for i in range(len(_STRONG)) if m.group(f"c{i}"))
    return _STRONG[idx][0]
