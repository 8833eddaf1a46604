"""Urdu/Arabic script to Latin, so that محمد and Muhammad can meet.

Urdu writes few vowels, so letter-by-letter romanisation cannot recover the
spelling a clerk would type: محمد becomes ``mhmd``. Two tables therefore work
together: whole words from ``data/urdu_names.tsv`` (the frequent name words,
with their usual romanisation) and, for every other word, the letter table
``data/urdu_letters.tsv``. Names that reach only the letter table still meet
their Latin spellings through the consonant skeleton of
:func:`gawah.linkage.normalise.skeleton`.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from gawah.linkage._tables import rows

# Arabic-script blocks: Arabic, Arabic Supplement, Arabic Presentation Forms.
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
# Short-vowel marks, shadda, sukun, tatweel, zero-width non-joiner: not letters.
_MARKS = re.compile(r"[\u064b-\u065f\u0670\u0640\u200c\u200d]")
_WORD = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]+")
# An Urdu list typed on an Arabic keyboard writes ي, ك and ه for Urdu's ی, ک
# and ہ: read as Urdu, so that the name table knows the word.
_URDU_FORMS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ه": "ہ", "ة": "ہ"})
# Urdu punctuation and digits to their Latin counterparts.
_PUNCT = str.maketrans(
    {
        "،": ",",
        "؛": ";",
        "۔": ".",
        "؟": "?",
        **{chr(0x06F0 + d): str(d) for d in range(10)},
    }
)


@cache
def _letters() -> dict[str, str]:
    return {
        row[0]: (row[1] if len(row) > 1 else "") for row in rows("urdu_letters.tsv")
    }


@cache
def _words() -> dict[str, str]:
    return {row[0]: row[1] for row in rows("urdu_names.tsv")}


@lru_cache(maxsize=500_000)
def has_arabic_script(text: str) -> bool:
    """Tell whether ``text`` contains any Urdu/Arabic-script letter."""
    return bool(_ARABIC.search(text))


def _letter_by_letter(word: str) -> str:
    letters = _letters()
    out: list[str] = []
    for i, ch in enumerate(word):
        latin = letters.get(ch, "")
        # و and ی are consonants at the start of a word (w, y), vowels inside it.
        if i == 0 and ch == "و":
            latin = "w"
        elif i == 0 and ch in "یي":
            latin = "y"
        out.append(latin)
    return "".join(out)


def _word_to_latin(word: str) -> str:
    words = _words()
    if word in words:
        return words[word]
    # عبدالرحمان, عبدالله: "Abdul" joined to the following name.
    for prefix in ("عبدال", "عبد"):
        if word.startswith(prefix) and len(word) > len(prefix) + 1:
            rest = word[len(prefix) :]
            return "abdul " + _word_to_latin(
                "ال" + rest if prefix == "عبدال" and "ال" + rest in words else rest
            )
    # سیف اللہ written joined: the name followed by "ullah" / "uddin".
    for suffix, latin in (("اللہ", "ullah"), ("الله", "ullah"), ("الدین", "uddin")):
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            return _word_to_latin(word[: -len(suffix)]) + " " + latin
    return _letter_by_letter(word)


def to_latin(text: str) -> str:
    """Romanise every Urdu/Arabic-script word of ``text``; Latin text passes through.

    Args:
        text: any string, already NFKC-normalised.

    Returns:
        The text with each Arabic-script word replaced by its Latin form.
    """
    if not has_arabic_script(text):
        return text
    return romanise(text)


def romanise(text: str) -> str:
    """:func:`to_latin` of a text known to hold Arabic script, or of one word of such a text.

    Every step reads one character or one run of Arabic-script letters, none
    crosses a space: a text's romanisation is its words' romanisations, each
    in place, so each distinct word can be romanised once
    (:func:`gawah.linkage.folding.fold`). A word without Arabic script still
    loses its joiners and marks, as it does inside such a text.
    """
    text = _MARKS.sub("", text).translate(_PUNCT).translate(_URDU_FORMS)
    return _WORD.sub(_padded_latin, text)


def _padded_latin(match: re.Match[str]) -> str:
    return " " + _word_to_latin(match.group(0)) + " "
