"""Whether sources really disagree: values compared after linkage's normalisation.

Two reports of one person rarely write a field the same way: "Naim" and
"نعیم", "ISB" and "اسلام آباد", an age of 42 and "40-49". The person page marks a
conflict only when the values cannot describe the same thing once normalised
the way linkage normalises them (:func:`gawah.linkage.parse_name`,
:func:`gawah.linkage.resolve_place`, :func:`gawah.linkage.parse_age`); an
unknown or empty value never conflicts with a known one. Free text (notes,
circumstances, the status as written) is shown, never marked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from gawah.linkage import (
    AgeRange,
    parse_age,
    parse_name,
    resolve_place,
    skeleton,
    to_latin,
)

NAME_FIELDS = frozenset({"full_name", "name_urdu", "father_name"})
PLACE_FIELDS = frozenset({"place", "village", "union_council", "tehsil", "district"})
#: Written in sources' own words: different wording is not a disagreement.
FREE_TEXT = frozenset(
    {"notes", "circumstances", "status_as_written", "cause", "provenance"}
)
UNKNOWN = frozenset({"", "unknown", "not known", "n/a", "na", "-", "?"})
_DIGITS = re.compile(r"\D+")


def _name_key(value: str) -> frozenset[str]:
    parsed = parse_name(value)
    return frozenset(skeleton(t) for t in parsed.tokens if t)


def _names_agree(a: str, b: str) -> bool:
    """One name's parts are a part of the other's ("Ali" in "Muhammad Ali")."""
    ka, kb = _name_key(a), _name_key(b)
    return not ka or not kb or ka <= kb or kb <= ka


def _compact(value: str) -> str:
    latin = "".join(to_latin(value).casefold().split())
    return skeleton(re.sub(r"[^a-z0-9]", "", latin)) or value.casefold()


def _place_key(value: str) -> str:
    place = resolve_place(place=value)
    if place.village is None and (place.district or place.tehsil):
        return f"{place.tehsil or ''}/{place.district or ''}".casefold()
    return _compact(value)


def _places_agree(a: str, b: str) -> bool:
    return _place_key(a) == _place_key(b)


def _age(value: str) -> AgeRange:
    return parse_age(value.replace("(about)", "about"))


def _ages_agree(a: str, b: str) -> bool:
    ra, rb = _age(a), _age(b)
    if ra.low is None or ra.high is None or rb.low is None or rb.high is None:
        return True
    return ra.low <= rb.high and rb.low <= ra.high


def _dates_agree(a: str, b: str) -> bool:
    """A partial date ("2031-03") agrees with any day inside it."""
    return a.startswith(b) or b.startswith(a)


def _numbers_agree(a: str, b: str) -> bool:
    da, db = _DIGITS.sub("", a), _DIGITS.sub("", b)
    if not da or not db:
        return a.strip().casefold() == b.strip().casefold()
    return da[-10:] == db[-10:]


def _text_agree(a: str, b: str) -> bool:
    return _compact(a) == _compact(b)


def _rule(field: str) -> Callable[[str, str], bool] | None:
    if field in FREE_TEXT:
        return None
    if field in NAME_FIELDS or field == "witness_name":
        return _names_agree
    if field in PLACE_FIELDS:
        return _places_agree
    if field == "age":
        return _ages_agree
    if field == "date":
        return _dates_agree
    if field in ("national_id", "phone", "witness_contact"):
        return _numbers_agree
    return _text_agree


def conflict(field: str, values: Sequence[str]) -> bool:
    """Whether two known values of ``field`` cannot describe the same person."""
    agree = _rule(field)
    known = [v.strip() for v in values if v.strip().casefold() not in UNKNOWN]
    if agree is None or len(known) < 2:
        return False
    return any(not agree(a, b) for i, a in enumerate(known) for b in known[i + 1 :])
