"""The shipped gazetteer of Pakistani districts and tehsils, and address parsing.

Lists write places the way people say them: "Pindi", "Rwp", "D.I. Khan",
"Abbotabad", or the Urdu spelling. :func:`resolve_place` turns an address and
any district/tehsil/village columns into canonical names from
``data/districts.tsv`` and ``data/tehsils.tsv`` so that the model compares
places, not spellings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from rapidfuzz import fuzz, process

from gawah.linkage._tables import rows
from gawah.linkage.folding import fold, skeleton

_PLACE_WORDS = re.compile(
    r"\b(district|distt|dist|tehsil|tehseel|teh|village|vill|vil|mouza|mohallah|"
    r"mohalla|town|city|union council|uc|p\.?o\.?|post office|province)\b\.?"
)


# Fuzzy district matching: names of 6+ letters, similarity >= 88 (one edit in
# "peshawar"); shorter names are too easily another place.
_FUZZY_MIN_LENGTH = 6
_FUZZY_CUTOFF = 88.0
_SPLIT = re.compile(r"[,;/\n]|\s-\s")


def _compact(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(text))


@dataclass(frozen=True, slots=True)
class GazetteerEntry:
    """One place of the gazetteer: a district (``tehsil`` None) or a tehsil."""

    province: str
    district: str
    tehsil: str | None


@cache
def _index() -> tuple[dict[str, GazetteerEntry], dict[str, GazetteerEntry]]:
    districts: dict[str, GazetteerEntry] = {}
    province_of: dict[str, str] = {}
    for row in rows("districts.tsv"):
        province, district = row[0], row[1]
        province_of[district] = province
        entry = GazetteerEntry(province, district, None)
        for name in [district, *(row[2].split("|") if len(row) > 2 else [])]:
            if name.strip():
                districts.setdefault(_compact(name), entry)
    tehsils: dict[str, GazetteerEntry] = {}
    for row in rows("tehsils.tsv"):
        district, tehsil = row[0], row[1]
        entry = GazetteerEntry(province_of.get(district, ""), district, tehsil)
        for name in [tehsil, *(row[2].split("|") if len(row) > 2 else [])]:
            if name.strip():
                tehsils.setdefault(_compact(name), entry)
    return districts, tehsils


def district_names() -> list[str]:
    """Every canonical district name of the gazetteer, sorted."""
    return sorted({e.district for e in _index()[0].values()})


@lru_cache(maxsize=200_000)
def lookup(text: str | None) -> GazetteerEntry | None:
    """Find a district or tehsil by any of its spellings; ``None`` if unknown.

    A spelling not in the tables but one typo away from a district's
    ("Pshawar") is accepted when the name is long enough for that to be safe.
    """
    return _lookup(_compact(_PLACE_WORDS.sub(" ", fold(text))))


@cache
def _lookup(key: str) -> GazetteerEntry | None:
    if not key:
        return None
    districts, tehsils = _index()
    found = districts.get(key) or tehsils.get(key)
    if found is not None:
        return found
    if len(key) >= _FUZZY_MIN_LENGTH:
        best = process.extractOne(
            key, list(districts), scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF
        )
        if best:
            return districts[best[0]]
    return _abbreviation(key)


@cache
def _skeleton_index() -> dict[str, set[GazetteerEntry]]:
    out: dict[str, set[GazetteerEntry]] = {}
    for name, entry in _index()[0].items():
        if name.isascii():
            out.setdefault(skeleton(name), set()).add(entry)
    return out


def _abbreviation(key: str) -> GazetteerEntry | None:
    """A district written by its consonants ("Qta", "Mrd", "Pshwr"), when only one fits.

    Clerks abbreviate by dropping vowels; the abbreviation's consonant
    skeleton equals, or begins, the skeleton of exactly one district's name.
    """

    if not key.isalpha() or len(key) < 3 or sum(c in "aeiou" for c in key[1:]) > 1:
        return None
    short = skeleton(key)
    if len(short) < 3:  # "kt" fits Quetta and Kohat alike
        return None
    index = _skeleton_index()
    exact = index.get(short, set())
    if len(exact) == 1:
        return next(iter(exact))
    starts = {e for sk, es in index.items() if sk.startswith(short) for e in es}
    return next(iter(starts)) if len(starts) == 1 else None


@cache
def _ambiguous(word: str) -> bool:
    """Whether an unknown district is the start of several ("Dera": D.I. Khan, D.G. Khan).

    Kept as written it would disagree with every spelling of the district
    meant; unknown, it says nothing, which is the truth.
    """
    starts = [d for d in district_names() if d.lower().startswith(word + " ")]
    return len(starts) > 1


@dataclass(frozen=True, slots=True)
class Place:
    """A place reduced to canonical parts; unknown parts are ``None``."""

    village: str | None
    union_council: str | None
    tehsil: str | None
    district: str | None


@lru_cache(maxsize=200_000)
def _clean(text: str | None) -> str | None:
    folded = " ".join(
        re.sub(r"[^a-z0-9 ]", " ", _PLACE_WORDS.sub(" ", fold(text))).split()
    )
    return folded or None


@lru_cache(maxsize=200_000)
def resolve_place(
    address: str | None = None,
    *,
    place: str | None = None,
    village: str | None = None,
    union_council: str | None = None,
    tehsil: str | None = None,
    district: str | None = None,
) -> Place:
    """Combine an address and place columns into one canonical :class:`Place`.

    The address is split on commas; each part is looked up in the gazetteer
    (most specific last, as in "Banda Daud Shah, Karak"). The first part that
    is not a district becomes the village, so "Banda Daud Shah, Karak" gives
    village ``banda daud shah``, tehsil Banda Daud Shah, district Karak.
    Explicit columns win over what the address says.
    """
    out_district: str | None = None
    out_tehsil: str | None = None
    out_village: str | None = None
    for column, is_district in ((district, True), (tehsil, False)):
        entry = lookup(column)
        if entry is not None:
            out_district = out_district or entry.district
            if entry.tehsil and not is_district:
                out_tehsil = entry.tehsil
        elif column and is_district and _clean(column):
            if not _ambiguous(_clean(column) or ""):
                out_district = out_district or (_clean(column) or "").title()
        elif column and not is_district:
            out_tehsil = _clean(column)
    joined = " , ".join(x for x in (address, place) if x)
    parts = [p for p in _SPLIT.split(fold(joined)) if p.strip()]
    # `place` is where the incident happened ("Qaumi Chowk"), not where the
    # person lives: it may name the district, never the village (two
    # strangers shot at one crossing do not share a village).
    n_address = len([p for p in _SPLIT.split(fold(address or "")) if p.strip()])
    entries = [lookup(part) for part in parts]
    # Districts first, so that a tehsil name shared by two districts is read
    # in the district the address names ("Qasimabad, Pindi" is not Hyderabad's).
    # The last district named wins: addresses run from specific to general
    # ("Korangi, Karachi": Korangi is then the locality).
    named = [e.district for e in entries if e is not None and e.tehsil is None]
    if named:
        out_district = out_district or named[-1]
    for k, (part, entry) in enumerate(zip(parts, entries, strict=True)):
        if (
            entry is not None
            and entry.tehsil is None
            and entry.district == out_district
        ):
            continue
        if (
            entry is not None
            and entry.tehsil
            and out_district in (None, entry.district)
        ):
            out_district = entry.district
            out_tehsil = out_tehsil or entry.tehsil
        if k < n_address:
            out_village = out_village or _clean(part)
    return Place(
        village=_clean(village) or out_village,
        union_council=_clean(union_council),
        tehsil=out_tehsil,
        district=out_district,
    )
