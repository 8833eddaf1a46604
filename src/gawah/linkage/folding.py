"""Folding and consonant skeletons: the spelling primitives linkage compares by.

Kept apart from :mod:`gawah.linkage.normalise` so that the gazetteer (which
folds place names) and the normaliser (which resolves places) both build on it
without importing each other.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from gawah.linkage.transliterate import has_arabic_script, romanise

_DIGRAPHS: tuple[tuple[str, str], ...] = (
    ("kh", "k"),
    ("gh", "g"),
    ("sh", "s"),
    ("ch", "c"),
    ("th", "t"),
)
_DIGRAPHS += (
    ("dh", "d"),
    ("ph", "f"),
    ("bh", "b"),
    ("zh", "z"),
    ("q", "k"),
    ("v", "w"),
)
_SKELETON_DROP = re.compile(r"[aeiouyw]")
_REPEAT = re.compile(r"(.)\1+")


@lru_cache(maxsize=500_000)
def fold(text: str | None) -> str:
    """NFKC, romanise Urdu, strip Latin accents, lower-case, squeeze spaces."""
    if not text:
        return ""
    text = str(text)
    # ASCII is left as it is by NFKC, romanisation and accent stripping: only
    # the case and the spaces change (most Latin names; the same result).
    if text.isascii():
        return " ".join(text.lower().split())
    # Word by word: no step crosses a space (NFKC composes no letter with a
    # space; romanisation reads letters and runs of letters), and whole names
    # rarely repeat where their words do (Gaza: 76,000 distinct names of
    # some 15,000 distinct words). Romanising each distinct word once was
    # half of normalising the Gaza releases' Arabic names.
    words = text.split()
    arabic = any(map(_arabic_word, words))
    return " ".join(filter(None, [_fold_word(word, arabic) for word in words]))


@lru_cache(maxsize=500_000)
def _arabic_word(word: str) -> bool:
    """Whether one word holds Arabic script once NFKC-normalised (as :func:`fold` reads it)."""
    return has_arabic_script(unicodedata.normalize("NFKC", word))


@lru_cache(maxsize=500_000)
def _fold_word(word: str, arabic: bool) -> str:
    """:func:`fold` of one word of a text, romanised when that text holds Arabic script."""
    text = unicodedata.normalize("NFKC", word)
    if arabic:
        text = romanise(text)
    if not text.isascii():
        text = "".join(
            ch
            for ch in unicodedata.normalize("NFKD", text)
            if not unicodedata.combining(ch)
        )
    return " ".join(text.lower().split())


@lru_cache(maxsize=500_000)
def skeleton(token: str) -> str:
    """Consonant skeleton of a romanised token: what survives Urdu's missing vowels.

    ``ahmad``, ``ahmed`` and the letter-by-letter ``ahmd`` of احمد all give
    ``ahmd``; the first letter is kept (a vowel becomes ``a``).
    """
    if not token:
        return ""
    s = token
    # The Arabic article, written joined or dropped between releases
    # ("Alnajjar", "Najjar"); kept where what follows is too short to be a
    # name of its own ("Ali", "Alam", "Altaf").
    if s[:2] in ("al", "el") and len(s) >= 6:
        s = s[2:]
    for a, b in _DIGRAPHS:
        s = s.replace(a, b)
    head = "a" if s[0] in "aeiou" else s[0]
    tail = _SKELETON_DROP.sub("", s[1:])
    if tail.endswith("h"):
        tail = tail[:-1]
    return _REPEAT.sub(_first_letter, head + tail)


def _first_letter(match: re.Match[str]) -> str:
    # A function, not the template r"\1": Python 3.11 parses a template again
    # at every match.
    return match.group(1)
