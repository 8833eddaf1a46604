"""Tolerant parsing of the values real lists contain: ages, dates and identifiers.

Each parser returns a typed value or raises :class:`ValueError` with a reason a
documenter understands; the importer turns that reason into a row issue.
Conventions (documented in docs/guides/import.md):

* ages: ``25`` exact; ``25-30`` a range; ``about 40`` / ``~40`` / ``40?`` an
  estimate 35-45; ``40s`` 40-49; ``child`` 0-17; Urdu digits are accepted.
* dates: ``2024-11-26``, ``26/11/2024`` (day first, as written in Pakistan,
  unless the second number cannot be a month), ``26 Nov 2024``, ``Nov 2024``
  (month precision), ``2024`` (year precision); ``about``/``~`` marks an
  estimate; a span of days (``14-16 March 2024``) is its first day, estimated.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from gawah.registry.vocabularies import DatePrecision

# Eastern Arabic-Indic (Urdu) and Arabic-Indic digits to ASCII.
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_APPROX = re.compile(
    r"^(?:about|approx\.?|approximately|around|apprx\.?|abt\.?|c\.|ca\.?|circa|~|"
    r"lagbhag|taqreeban|تقریبا|تقریباً)\s*",
    re.IGNORECASE,
)
_AGE_UNITS = re.compile(
    r"\s*(?:years?|yrs?\.?|y\.?o\.?|y|sal|saal|سال|سنة|سنه|سنوات|عام|عاما|عاماً)"
    r"\s*(?:old)?\s*$",
    re.IGNORECASE,
)
# An infant's age in months or days ("3 months", "6 ماہ", "10 أشهر", "5 days").
_AGE_IN_MONTHS = re.compile(
    r"(\d+(?:\.\d+)?)\s*(months?|mths?|mos?|ماہ|مہینے|مہینہ|شهر|شهور|أشهر|اشهر"
    r"|days?|دن|يوم|ايام|أيام)\s*(?:old)?",
    re.IGNORECASE,
)
_DAY_WORDS = frozenset(("day", "days", "دن", "يوم", "ايام", "أيام"))


def infant_age(text: str, *, whole: bool = True) -> int | None:
    """The whole years of an age written in months or days ("3 months" is 0,
    "18 months" 1), or None when ``text`` is not one (``whole``: the whole
    text; else anywhere in it). Read as years, "3 months" was 3."""
    found = (_AGE_IN_MONTHS.fullmatch if whole else _AGE_IN_MONTHS.search)(
        text.translate(_DIGITS).strip()
    )
    if found is None:
        return None
    per_year = 365 if found.group(2).casefold() in _DAY_WORDS else 12
    return int(float(found.group(1)) / per_year)


_MAX_AGE = 120
_ESTIMATE_SPREAD = 5
_AGE_WORDS: dict[str, tuple[int, int]] = {
    "child": (0, 17),
    "minor": (0, 17),
    "infant": (0, 1),
    "baby": (0, 2),
    "teen": (13, 19),
    "teenager": (13, 19),
    "youth": (15, 29),
    "young": (15, 29),
    "adult": (18, _MAX_AGE),
    "elderly": (60, _MAX_AGE),
    "old": (60, _MAX_AGE),
    "بچہ": (0, 17),
    "بچی": (0, 17),
    "نوجوان": (15, 29),
    "بزرگ": (60, _MAX_AGE),
}


@dataclass(frozen=True)
class Age:
    """An age at the incident: exact (``value``), a range, or an estimate."""

    value: int | None
    minimum: int | None
    maximum: int | None
    estimated: bool


def _age_int(text: str) -> int:
    number = float(text)
    if number != int(number) or not 0 <= number <= _MAX_AGE:
        raise ValueError(f"age {text} is not a whole number of years between 0 and 120")
    return int(number)


def parse_age(text: str) -> Age | None:
    """Parse an age as written; None when empty."""
    raw = " ".join(text.translate(_DIGITS).split())
    if not raw:
        return None
    estimated = False
    stripped = _APPROX.sub("", raw)
    if stripped != raw:
        estimated = True
    if stripped.endswith("?"):
        estimated = True
        stripped = stripped.rstrip("?").strip()
    if stripped.endswith("+"):
        low = _age_int(stripped.rstrip("+").strip())
        return Age(None, low, _MAX_AGE, estimated)
    years = infant_age(stripped)
    if years is not None:
        if years > _MAX_AGE:
            raise ValueError(f"cannot read {raw!r} as an age")
        return Age(years, years, years, estimated)
    stripped = _AGE_UNITS.sub("", stripped).strip()
    word = _AGE_WORDS.get(stripped.casefold())
    if word is not None:
        return Age(None, word[0], word[1], True)
    decade = re.fullmatch(r"(\d{1,2})0'?s", stripped)
    if decade:
        low = int(decade.group(1)) * 10
        return Age(None, low, low + 9, True)
    span = re.fullmatch(r"(\d+(?:\.0)?)\s*(?:-|–|to|/|se)\s*(\d+(?:\.0)?)", stripped)
    if span:
        low, high = _age_int(span.group(1)), _age_int(span.group(2))
        if low > high:
            raise ValueError(f"age range {raw} runs backwards")
        return Age(None, low, high, estimated)
    if re.fullmatch(r"\d+(?:\.\d+)?", stripped):
        value = _age_int(stripped)
        if estimated:
            return Age(
                value,
                max(0, value - _ESTIMATE_SPREAD),
                min(_MAX_AGE, value + _ESTIMATE_SPREAD),
                True,
            )
        return Age(value, value, value, False)
    raise ValueError(f"cannot read {raw!r} as an age")


def parse_age_bound(text: str) -> int | None:
    """Parse an ``age_min``/``age_max`` cell: a whole number of years, or empty."""
    raw = text.translate(_DIGITS).strip()
    return _age_int(raw) if raw else None


@dataclass(frozen=True)
class PartialDate:
    """A date as precise as the source gave it.

    ``iso`` is ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` according to ``precision``.
    """

    iso: str
    precision: DatePrecision
    estimated: bool


_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MONTH_WORD = r"([a-z]+)\.?"


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000
    if not 1900 <= year <= 2100:
        raise ValueError(f"year {text} is out of range")
    return year


def _day_date(year: int, month: int, day: int, estimated: bool) -> PartialDate:
    try:
        value = dt.date(year, month, day)
    except ValueError:
        raise ValueError(
            f"{day:02d}/{month:02d}/{year} is not a calendar date"
        ) from None
    return PartialDate(value.isoformat(), DatePrecision.DAY, estimated)


def _month(word: str) -> int:
    number = _MONTHS.get(word.casefold())
    if number is None:
        raise ValueError(f"{word!r} is not a month")
    return number


def parse_date(text: str) -> PartialDate | None:
    """Parse a date as written; None when empty."""
    raw = " ".join(text.translate(_DIGITS).split())
    if not raw:
        return None
    stripped = _APPROX.sub("", raw).rstrip("?").strip()
    estimated = stripped != raw
    low = stripped.casefold()
    if m := re.fullmatch(
        r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:[ t]\d{2}:\d{2}(?::\d{2})?)?", low
    ):  # year first, month second, whatever the separator ("2031/03/14")
        return _day_date(int(m[1]), int(m[3]), int(m[4]), estimated)
    if m := re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})", low):
        first, second, year = int(m[1]), int(m[2]), _year(m[3])
        if second > 12 >= first:  # month first: 11/26/2024
            first, second = second, first
        return _day_date(year, second, first, estimated)
    if m := re.fullmatch(
        r"(\d{1,2})(?:st|nd|rd|th)?[\s\-/]+" + _MONTH_WORD + r"[,\s\-/]+(\d{4})", low
    ):
        return _day_date(int(m[3]), _month(m[2]), int(m[1]), estimated)
    if m := re.fullmatch(
        r"(\d{1,2})\s*(?:-|–|/|&|to|and)\s*(\d{1,2})(?:st|nd|rd|th)?\s+"
        + _MONTH_WORD
        + r",?\s+(\d{4})",
        low,
    ):  # "14-16 March 2031": a span of days, recorded as its first day, estimated
        if int(m[1]) >= int(m[2]):
            raise ValueError(f"date range {raw!r} runs backwards")
        _day_date(int(m[4]), _month(m[3]), int(m[2]), True)  # the last day must exist
        return _day_date(int(m[4]), _month(m[3]), int(m[1]), True)
    if m := re.fullmatch(
        _MONTH_WORD + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", low
    ):
        return _day_date(int(m[3]), _month(m[1]), int(m[2]), estimated)
    if m := re.fullmatch(_MONTH_WORD + r"[,\s\-/]+(\d{4}|\d{2})", low):
        iso = f"{_year(m[2]):04d}-{_month(m[1]):02d}"
        return PartialDate(iso, DatePrecision.MONTH, estimated)
    if m := re.fullmatch(r"(\d{4})[-/](\d{1,2})", low):
        if not 1 <= int(m[2]) <= 12:
            raise ValueError(f"{raw!r}: month {m[2]} does not exist")
        iso = f"{_year(m[1]):04d}-{int(m[2]):02d}"
        return PartialDate(iso, DatePrecision.MONTH, estimated)
    if m := re.fullmatch(r"(\d{4})", low):
        return PartialDate(f"{_year(m[1]):04d}", DatePrecision.YEAR, estimated)
    raise ValueError(f"cannot read {raw!r} as a date")


#: A number as a spreadsheet shows it in scientific notation ("3.74051E+12"):
#: a long id saved so has lost its last digits for good.
SCIENTIFIC_NUMBER = re.compile(r"\s*\d+(?:\.\d+)?[eE]\+?\d+\s*")


def parse_cnic(text: str) -> str | None:
    """Return a CNIC as 13 digits (dashes and spaces removed); None when empty.

    The error never repeats the value: a national id is sensitive.
    """
    digits = re.sub(r"[\s\-]", "", text.translate(_DIGITS))
    if not digits:
        return None
    if SCIENTIFIC_NUMBER.fullmatch(digits):
        raise ValueError(
            "national_id is in a spreadsheet's scientific notation (like 3.7E+12), "
            "its digits lost: format the column as text in the spreadsheet and "
            "save the list again (value withheld: sensitive)"
        )
    if not re.fullmatch(r"\d{13}", digits):
        raise ValueError("national_id must have 13 digits (value withheld: sensitive)")
    return digits
