"""Controlled vocabularies: status (HURIDOCS MT25), sex (MT39), dates (MT48).

Sources write the same fact in many ways ("Expired", "Shaheed", "شہید"). The
registry stores one code per value *and* the text as written, so a reader can
always check what the source actually said. The status vocabulary lives in
``data/status.toml`` so documenters can read and extend it without code.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from importlib import resources

from gawah.errors import UserInputError


class Status(StrEnum):
    """A victim's status as reported (HURIDOCS MT25 "status as victim")."""

    KILLED = "killed"
    INJURED = "injured"
    ARRESTED_HELD = "arrested_held"
    ARRESTED_RELEASED = "arrested_released"
    MISSING = "missing"
    FOUND_DEAD = "found_dead"
    FOUND_ALIVE = "found_alive"
    UNKNOWN = "unknown"


class Sex(StrEnum):
    """Sex as identified by the source (HURIDOCS MT39), with an explicit unknown."""

    MALE = "male"
    FEMALE = "female"
    OTHER = "other"
    UNKNOWN = "unknown"


class DatePrecision(StrEnum):
    """How much of a date the source gave (HURIDOCS MT48 types of dates)."""

    DAY = "day"
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True)
class StatusTerm:
    """One status code, its label, its MT25 term and the spellings that map to it."""

    code: Status
    label: str
    huridocs: str
    values: tuple[str, ...]


_PUNCT = re.compile(r"[^\w]+", re.UNICODE)
# Urdu typed on Arabic keyboards: Arabic yeh, alef maksura, kaf and heh become the
# Urdu letters; harakat (zabar, zer, pesh, tanween...) are dropped.
_URDU_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ه": "ہ", "ۀ": "ہ"})
_HARAKAT = re.compile("[\u064b-\u065f\u0670]")


def normalise_term(text: str) -> str:
    """Reduce a value to a matching key: NFKC, case-folded, punctuation removed.

    Underscores count as spaces so that codes like ``arrested_held`` match
    themselves; Arabic letter forms count as their Urdu equivalents.
    """
    folded = unicodedata.normalize("NFKC", text).casefold().replace("_", " ")
    folded = _HARAKAT.sub("", folded.translate(_URDU_LETTERS))
    return " ".join(_PUNCT.sub(" ", folded).split())


@lru_cache(maxsize=1)
def status_terms() -> tuple[StatusTerm, ...]:
    """The shipped status vocabulary, read once from ``data/status.toml``."""
    text = (
        resources.files("gawah.registry")
        .joinpath("data/status.toml")
        .read_text("utf-8")
    )
    data = tomllib.loads(text)
    return tuple(
        StatusTerm(
            code=Status(code),
            label=str(entry["label"]),
            huridocs=str(entry["huridocs"]),
            values=tuple(str(v) for v in entry["values"]),
        )
        for code, entry in data.items()
    )


@lru_cache(maxsize=1)
def _shipped_status_index() -> dict[str, Status]:
    index: dict[str, Status] = {}
    for term in status_terms():
        index[normalise_term(term.code.value)] = term.code
        index[normalise_term(term.label)] = term.code
        for value in term.values:
            index[normalise_term(value)] = term.code
    return index


class StatusVocabulary:
    """Maps status text to a :class:`Status`; extra spellings come from a map file."""

    def __init__(self, extra: Mapping[str, str] | None = None) -> None:
        self._index = dict(_shipped_status_index())
        for value, code in (extra or {}).items():
            try:
                self._index[normalise_term(value)] = Status(code)
            except ValueError:
                codes = ", ".join(s.value for s in Status)
                raise UserInputError(
                    f"map file: status {value!r} maps to unknown code {code!r} "
                    f"(use one of: {codes})"
                ) from None

    def lookup(self, text: str) -> Status | None:
        """The code for ``text``: empty text is UNKNOWN, unmatched text None."""
        key = normalise_term(text)
        if not key:
            return Status.UNKNOWN
        return self._index.get(key)


_SEX: dict[str, Sex] = {
    **dict.fromkeys(
        ["m", "male", "man", "boy", "mr", "mard", "larka", "مرد", "لڑکا", "مذکر",
         "ذکر"],
        Sex.MALE,
    ),
    **dict.fromkeys(
        [
            "f", "female", "woman", "girl", "w", "mrs", "ms", "aurat", "khatoon",
            "larki",
            "عورت", "خاتون", "لڑکی", "مؤنث", "مونث",
            # Arabic "أنثى" (as normalise_term folds it: ى to ی), with and
            # without its hamza, as Gaza's and other Arabic lists write it.
            "أنثی", "انثی", "إنثی",
        ],
        Sex.FEMALE,
    ),
    **dict.fromkeys(
        ["other", "x", "transgender", "khawaja sira", "خواجہ سرا"], Sex.OTHER
    ),
    **dict.fromkeys(
        ["", "u", "unknown", "not known", "na", "n a", "نامعلوم"], Sex.UNKNOWN
    ),
}  # fmt: skip


def parse_sex(text: str) -> Sex | None:
    """The sex a source wrote, or None when the text is not a recognisable sex."""
    return _SEX.get(normalise_term(text))
