"""Normalise: turn one report's free text into the fields the model compares.

The first HRDAG stage. Everything here is deterministic and table-driven (the
tables live in ``data/`` with their sources in ``data/SOURCES.md``):

* text is NFKC-normalised, lower-cased, Urdu script romanised;
* titles and honorifics (Syed, Hafiz, Ch., Dr., ...) are kept apart;
* frequent spelling variants get one canonical spelling (Mohd -> muhammad);
* the father's or husband's name is split off ("s/o", "bin", "walad", or a
  sentence of the notes such as "..., son of Y, aged 63, ...");
* a name keeps its *order*: in a four-part Arab name (own, father,
  grandfather, family) fathers, sons and brothers share three of four words,
  and only the order tells them apart; compounds ("Abdul Rehman", "Abu
  Sweis", "Saif ullah") are one part;
* a name in Arabic or Urdu script is also kept in its own script, its letter
  variants folded (hamza seats, ى/ي, ة/ه, the Urdu keyboard's ی/ک/ہ), so that
  two native spellings compare exactly and a native against a Latin spelling
  meets through the consonant skeleton;
* ages become ranges (from an age, a range, a birth year or a date of birth),
  national ids digits, places a gazetteer lookup.
"""

from __future__ import annotations

import datetime
import multiprocessing
import os
import re
import sys
import unicodedata
import warnings
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache, lru_cache

import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
from rapidfuzz.distance import OSA

from gawah.linkage import folding, gazetteer, transliterate
from gawah.linkage._tables import rows, variant_map

# Re-exported: normalise is where callers have always found the spelling primitives.
from gawah.linkage.folding import fold as fold
from gawah.linkage.folding import skeleton as skeleton
from gawah.linkage.gazetteer import resolve_place
from gawah.linkage.transliterate import has_arabic_script
from gawah.registry import SCIENTIFIC_NUMBER, infant_age

_MARKS = re.compile(r"[\u064b-\u065f\u0670\u0640\u200c\u200d]")
_NATIVE_WORD = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]+")

# Relation markers between a person's name and the father's/husband's name.
_RELATION = re.compile(
    r"(?:^|\s|,)(s\s*/\s*o|d\s*/\s*o|w\s*/\s*o|h\s*/\s*o|son\s+of|daughter\s+of|"
    r"wife\s+of|widow\s+of|husband\s+of|bin|binte|bint|ibn|walad|wald|zauja|dukhtar)"
    r"(?=\s|\.|$)"
)
# In free-text notes only the spelled-out forms are trusted ("bin" is too
# short); Urdu notes write ولد (walad), دختر (dukhtar), زوجہ (zauja), read
# here in their romanised form.
_NOTES_RELATION = re.compile(
    r"(?:s\s*/\s*o|d\s*/\s*o|w\s*/\s*o|son\s+of|daughter\s+of|wife\s+of|widow\s+of|"
    r"\bwalad|\bdukhtar|\bzauja)"
    r"\s+(.+?)(?=,|;|\.\s|\(|\baged?\b|\bwas\b|\bwho\b|\bfrom\b|\bof\s+village\b|"
    r"\bumar\s+(?:taqriban\s+)?\d|\d|$)"
)
_NON_NAME = re.compile(r"[^a-z\s]")
_PARTICLES = frozenset(
    {"ul", "ur", "us", "ud", "al", "el", "ush", "un", "ut", "uz", "u"}
)
_ABDU = re.compile(r"^abd[ua]?[lrsnzt]?(?=[a-z]{3,})")


@dataclass(frozen=True, slots=True)
class ParsedName:
    """A name split into its parts; ``tokens`` are canonical and unordered."""

    tokens: tuple[str, ...]
    titles: tuple[str, ...]
    relative: tuple[str, ...]
    relation: str | None

    @property
    def key(self) -> str:
        """The canonical tokens, sorted: equal for "Ali Muhammad" and "Mohd. Ali"."""
        return " ".join(sorted(self.tokens))

    @property
    def parts(self) -> tuple[str, ...]:
        """The name's parts in order, compounds joined: ``abdul rehman`` is one part.

        Order is identity in a patronymic chain: "Rabah Harabi Rabah Jradah"
        and "Harabi Rabah Harabi Jradah" are father and son.
        """
        return join_compounds(self.tokens)


@cache
def _known_names() -> frozenset[str]:
    return frozenset(variant_map("name_variants.tsv").values())


def is_known_name(token: str) -> bool:
    """Whether ``token`` is a canonical name of the variant table (``muhammad``).

    Two known names are two names, however alike their skeletons: ``muhammad``
    and ``mehmood`` share ``mhmd``. Only an unknown spelling needs its skeleton
    to be found.
    """
    return token in _known_names()


@lru_cache(maxsize=100_000)
def _mistyped_title(word: str) -> str | None:
    """The title ``word`` is one typing slip away from ("hjai": haji), if any.

    Only a word at least four letters long, that is no known name and not one
    slip from one either ("syeed" may be Saeed as well as Syed: left a name),
    and only at the head of a name, where titles stand; titles shorter than
    four letters ("ch", "dr") are too short to tell a slip from a name.
    """
    if len(word) < 4:
        return None
    titles = variant_map("honorifics.tsv")
    near = {
        canonical
        for spelling, canonical in titles.items()
        if len(spelling) >= 4 and OSA.distance(word, spelling, score_cutoff=1) <= 1
    }
    if len(near) != 1:
        return None
    names = variant_map("name_variants.tsv")
    if any(OSA.distance(word, n, score_cutoff=1) <= 1 for n in names):
        return None
    return near.pop()


def _canonical_tokens(words: list[str]) -> tuple[list[str], list[str]]:
    """Map words to canonical name tokens, returning ``(tokens, titles)``."""
    names = variant_map("name_variants.tsv")
    titles_map = variant_map("honorifics.tsv")
    tokens: list[str] = []
    titles: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        nxt = words[i + 1] if i + 1 < len(words) else ""
        i += 1
        if w in _PARTICLES and tokens and nxt:
            # "Zia ud Din" -> uddin; "Inam ul Haq" -> the particle carries no identity.
            if nxt == "din":
                tokens.append("uddin")
                i += 1
            elif nxt in ("allah", "ullah", "lah"):
                tokens.append("ullah")
                i += 1
            continue
        if w in titles_map and (tokens or nxt):
            # Kept apart wherever it stands: lists add and drop titles at will
            # ("Wasim Malik", "Malik Wasim", "Wasim").
            titles.append(titles_map[w])
            continue
        if not tokens and nxt and w not in names:
            title = _mistyped_title(w)
            if title:  # "Hjai Waseem", "Seyd Aslam": a title with a typing slip
                titles.append(title)
                continue
        if w in ("m", "mu") and (tokens or nxt):
            tokens.append("muhammad")  # "M. Ali", "Noor M.": the initial M. is Muhammad
            continue
        if w not in names and w not in ("abdullah", "abdulla"):
            abdu = _ABDU.match(w)
            if abdu:
                tokens.append("abdul")
                w = w[abdu.end() :]
            for suffix in ("ullah", "uddin"):
                if w.endswith(suffix) and len(w) > len(suffix) + 2:
                    tokens.append(names.get(w[: -len(suffix)], w[: -len(suffix)]))
                    w = suffix
                    break
        tokens.append(names.get(w, w))
    return tokens, titles


_COMPOUND_HEADS = frozenset({"abdul", "abu", "umm", "ibn"})
_COMPOUND_TAILS = frozenset({"ullah", "uddin"})


def join_compounds(tokens: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Join the words of one name part: ``abdul`` + ``rehman``, ``saif`` + ``ullah``.

    A patronymic chain is read by position (own name, father, grandfather,
    family); "Abdul Fattah" is one position, not two.
    """
    out: list[str] = []
    pending = ""
    for token in tokens:
        if token in _COMPOUND_TAILS and out and not pending:
            out[-1] += token
        elif token in _COMPOUND_HEADS:
            pending += token
        else:
            out.append(pending + token)
            pending = ""
    if pending:
        out.append(pending)
    return tuple(out)


@cache
def _native_fold_table() -> dict[int, str]:
    return {
        ord(row[0]): (row[1] if len(row) > 1 else "")
        for row in rows("arabic_folding.tsv")
    }


_NATIVE_JOIN = re.compile(r"(?:^|(?<=\s))(عبد|ابو|ال)\s+")
_NATIVE_TAIL = re.compile(r"\s+الله(?=\s|$)")  # "هبة الله" is one name, "هبةالله"
_NATIVE_RELATION = frozenset({"بن", "بنت", "ابن"})


@lru_cache(maxsize=500_000)
def fold_native(text: str | None) -> str:
    """A name in Arabic or Urdu script, folded for exact comparison in that script.

    Letter variants are folded (``data/arabic_folding.tsv``), vowel marks and
    tatweel dropped, "عبد ال…", "ابو …" and "… الله" joined however they were
    typed (and "هللا", a reversed ligature, read as "الله"), and
    the chain markers بن/بنت dropped. Latin letters are dropped: they are
    compared through :func:`parse_name`. Empty when no Arabic-script word is left.
    """
    if not text or not has_arabic_script(str(text)):
        return ""
    # Word by word (nothing below but the joins crosses a space; names
    # repeat their words far more than themselves), then the joins.
    words = [w for token in str(text).split() for w in _native_words(token)]
    # A function, not the template r"\1": Python 3.11 parses a template
    # again at every match, a tenth of normalising an Arabic name.
    joined = _NATIVE_JOIN.sub(_group_one, " ".join(words))
    return _NATIVE_TAIL.sub("الله", joined)


@lru_cache(maxsize=500_000)
def _native_words(token: str) -> tuple[str, ...]:
    """The Arabic-script words of one space-free piece of a name, folded, chain markers dropped."""
    folded = _MARKS.sub("", unicodedata.normalize("NFKC", token))
    # "الله" extracted from a PDF's ligature comes out reversed as "هللا".
    folded = folded.replace("هللا", "الله").translate(_native_fold_table())
    return tuple(w for w in _NATIVE_WORD.findall(folded) if w not in _NATIVE_RELATION)


def _group_one(match: re.Match[str]) -> str:
    return match.group(1)


_APOSTROPHES = re.compile(r"['’ʼ`]")


def _words(text: str) -> list[str]:
    text = _APOSTROPHES.sub("", text)  # Sa'ad and Saad are one spelling
    return _NON_NAME.sub(" ", text.replace("-", " ")).split()


@lru_cache(maxsize=500_000)
def parse_name(raw: str | None) -> ParsedName:
    """Parse a full name such as "Ch. Muhammad Ali s/o Ghulam Rasool".

    Args:
        raw: the name as written, in any script.

    Returns:
        The person's canonical tokens, titles, and the relative's tokens when a
        relation marker (s/o, d/o, w/o, son of, bin, walad, ...) is present.
    """
    text = fold(raw)
    relation: str | None = None
    relative_text = ""
    m = _RELATION.search(text)
    if m and m.start(1) > 0:
        relation = re.sub(r"\s+", "", m.group(1))
        relative_text = text[m.end(1) :]
        text = text[: m.start(1)]
    tokens, titles = _canonical_tokens(_words(text))
    relative, _ = _canonical_tokens(_words(relative_text.split(",")[0]))
    return ParsedName(tuple(tokens), tuple(titles), tuple(relative), relation)


def _relative_in(raw: str) -> tuple[str, ...]:
    """``parse_name(raw).relative``, without parsing a name that names no relative.

    Most native names are read only for this (their Latin twin is parsed for
    the person), and few hold a relation marker.
    """
    m = _RELATION.search(fold(raw))
    return parse_name(raw).relative if m and m.start(1) > 0 else ()


_ABBREVIATION_DOT = re.compile(r"\b([a-z]{1,2}|mohd|muhd|mst|mrs)\.(?=\s*[a-z])")
# "aged 63", "aged about 63", "25 years old"; in Urdu "عمر تقریباً 40 سال"
# (umar taqriban 40 saal: aged about 40 years), read romanised.
_NOTES_AGE = re.compile(
    r"\b(?:aged?|umar)\s*(about\s*|taqriban\s*)?(\d{1,3})\b|"
    r"\b(\d{1,3})\s*(?:years?|yrs?|saal)\b"
)


def relative_from_notes(notes: str | None) -> tuple[str, ...]:
    """Find a father's/husband's name in free text ("X, son of Y, aged 63, ...")."""
    text = _ABBREVIATION_DOT.sub(lambda m: m.group(1) + " ", fold(notes))
    m = _NOTES_RELATION.search(text)
    if not m:
        return ()
    tokens, _ = _canonical_tokens(_words(m.group(1)))
    return tuple(tokens[:4])


def name_tokens(raw: str | None) -> tuple[str, ...]:
    """Canonical tokens of a bare name (a father's name column, say)."""
    return parse_name(raw).tokens


def age_from_notes(notes: str | None) -> str | None:
    """The age written in free text ("aged 63", "25 years old"), as text for :func:`parse_age`.

    "aged about 63" (Urdu "عمر تقریباً 63") is returned as "about 63", an estimate.
    """
    m = _NOTES_AGE.search(fold(notes))
    if not m:
        return None
    if m.group(2):
        return ("about " if m.group(1) else "") + m.group(2)
    return m.group(3)


@dataclass(frozen=True, slots=True)
class AgeRange:
    """An age as a closed interval of years; ``None`` bounds mean unknown."""

    low: int | None
    high: int | None


_AGE_RANGE = re.compile(r"(?<!\d)(\d{1,3})\s*(?:-|to|–)\s*(\d{1,3})(?!\d)")
_AGE_ONE = re.compile(r"(?<!\d)(\d{1,3})(?!\d)")
# "20s", "in his 30's": a decade, as lists and the press write ages they guess.
_AGE_DECADE = re.compile(r"\b([1-9])0\s*'?s\b")


def _as_int(value: object) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    if number != number or not 0 <= number <= 120:  # NaN or implausible
        return None
    return int(number)


@lru_cache(maxsize=100_000)
def parse_age(
    age: object = None, age_min: object = None, age_max: object = None
) -> AgeRange:
    """Turn "24", "about 40", "20-25" or explicit bounds into an :class:`AgeRange`.

    An approximate age ("about", "approx", "~", "30?") widens to plus or minus
    three years; "teenager" is 13-19, "young boy" 6-19.
    """
    low, high = _as_int(age_min), _as_int(age_max)
    if low is not None or high is not None:
        return AgeRange(
            low if low is not None else high, high if high is not None else low
        )
    text = fold(str(age)) if age is not None else ""
    if not text or text == "nan":
        return AgeRange(None, None)
    m = _AGE_RANGE.search(text)
    if m:
        a, b = sorted((int(m.group(1)), int(m.group(2))))
        return AgeRange(a, b)
    # "3 months", "6 ماہ": 0 years, not 3 ("2 years 3 months" is left as it was).
    infant = (
        infant_age(str(age), whole=False) if len(_AGE_ONE.findall(text)) == 1 else None
    )
    if infant is not None:
        return AgeRange(infant, infant)
    m = _AGE_DECADE.search(text)
    if m:
        decade = int(m.group(1)) * 10
        return AgeRange(decade, decade + 9)
    m = _AGE_ONE.search(text)
    if not m:
        for pattern, band in _AGE_WORDS:
            if pattern.search(text):
                return band
        return AgeRange(None, None)
    n = int(m.group(1))
    if any(w in text for w in _APPROXIMATE):
        return AgeRange(max(0, n - 3), n + 3)
    return AgeRange(n, n)


# Words that mark a number as a guess: "about 30", "~30", "30?".
_APPROXIMATE = ("about", "approx", "around", "~", "almost", "nearly", "?")
# Ages written as words, as the press and families write them: a teenager is
# 13 to 19; a "boy" or "girl" is a child or a teenager (wide on purpose: the
# band is evidence only against ages far outside it).
_AGE_WORDS: tuple[tuple[re.Pattern[str], AgeRange], ...] = (
    (re.compile(r"\bteen(?:s|age|ager)?\b"), AgeRange(13, 19)),
    (re.compile(r"\b(?:boy|girl|lad|minor)\b"), AgeRange(6, 19)),
)


_STATUS = {
    "killed": ("killed", "dead", "died", "death", "martyr", "shaheed", "murdered",
               "deceased", "expired", "bid", "شہید", "جاں بحق", "ہلاک"),
    "injured": ("injured", "wounded", "hurt", "injury", "zakhmi", "admitted", "treated",
                "referred", "under treatment", "زخمی"),
    "detained": ("detained", "arrested", "custody", "jail", "imprisoned", "held",
                 "giraftar", "remand", "گرفتار", "جیل"),
    "missing": ("missing", "disappeared", "abducted", "whereabouts", "picked up",
                "lapata", "لاپتہ", "گمشدہ", "lama"),
}  # fmt: skip


@lru_cache(maxsize=10_000)
def canonical_status(raw: str | None) -> str | None:
    """Map a free status ("martyred", "Giraftar", "لاپتہ") to killed/injured/detained/missing."""
    if raw is None:
        return None
    original = unicodedata.normalize("NFKC", str(raw)).lower()
    text = fold(raw)
    if not text or text == "nan":
        return None
    for status, words in _STATUS.items():
        if any(w in original or w in text for w in words):
            return status
    # An unrecognised word ("see remarks", "unknown") says nothing about the
    # status; compared as a value it would count as a disagreement.
    return None


@lru_cache(maxsize=10_000)
def canonical_sex(raw: str | None) -> str | None:
    """Return ``m``, ``f`` or ``None`` from the many ways lists write sex."""
    text = fold(raw)
    if text in ("m", "male", "man", "boy", "mard", "mrd"):
        return "m"
    if text in ("f", "female", "woman", "girl", "aurat", "awrt", "ort"):
        return "f"
    if raw is not None and has_arabic_script(str(raw)):
        # "ذكر", "أنثى", "عورت", "لڑکی": the import's own table, in the script.
        from gawah.registry import Sex, parse_sex

        sex = parse_sex(str(raw))
        return "m" if sex is Sex.MALE else "f" if sex is Sex.FEMALE else None
    return None


def canonical_cnic(raw: str | None) -> str | None:
    """The digits of a national id: a CNIC ("37405-1234567-1") has 13.

    Other national numbers (at least 6 digits) are kept too; shorter strings
    are not identifiers.
    """
    if raw is None:
        return None
    if SCIENTIFIC_NUMBER.fullmatch(str(raw)):
        # "3.74051E+12": a spreadsheet kept only the first digits, which many
        # different people's ids share; compared, they would join them.
        return None
    digits = re.sub(r"\D", "", fold(str(raw)))
    return digits if len(digits) >= 6 else None


NAME_COLUMNS = (
    "full_name", "given_name", "family_name", "name_native", "name_urdu", "name_arabic",
)  # fmt: skip
# The name in its own script: one column, whatever the script is called.
NATIVE_NAME_COLUMNS = ("name_native", "name_urdu", "name_arabic")
_MISSING = ("", "nan", "none", "null", "n/a", "na", "-", "unknown")
_MISSING_SET = frozenset(_MISSING)


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return None if text.lower() in _MISSING else text


# Lists repeat their places (a district, a village, an address of a few
# words): each distinct place is resolved once.
_resolve_place = lru_cache(maxsize=100_000)(resolve_place)


def _skeletons(parts: tuple[str, ...]) -> list[str]:
    return [skeleton(p) for p in parts]


def normalise_record(row: dict[str, object]) -> dict[str, object]:
    """Turn one report (canonical import columns) into the model's comparison fields.

    The Latin name is ``full_name``, else given + family name; the native name
    is ``name_native`` (or ``name_urdu``, ``name_arabic``), or the Latin
    columns when they hold Arabic script. Comparisons in Latin letters use the
    Latin name when there is one (it was typed by someone who knows the name),
    else the native one romanised. The relative's name comes from
    ``father_name``, else the relation marker in the name, else a "son of ..."
    sentence of ``notes`` (for patronymic lists, also the name's second part:
    :func:`normalise_frame`).
    """
    return _normalise(
        {k: _text(v) for k, v in row.items()},
        row.get("age"),
        row.get("age_min"),
        row.get("age_max"),
    )


def _normalise(
    get: dict[str, str | None], age_raw: object, age_min: object, age_max: object
) -> dict[str, object]:
    """:func:`normalise_record` of a row whose text values went through :func:`_text`.

    The age columns are passed as written (:func:`parse_age` reads them so).
    """
    latin = get.get("full_name") or " ".join(
        x for x in (get.get("given_name"), get.get("family_name")) if x
    )
    # The first native column given (NATIVE_NAME_COLUMNS, in order).
    native = (
        get.get("name_native") or get.get("name_urdu") or get.get("name_arabic") or None
    )
    if latin and not native and has_arabic_script(latin):
        native = latin
    parsed = parse_name(latin or native)
    if not parsed.tokens and native:
        parsed = parse_name(native)
    native_folded = fold_native(native) or fold_native(latin)
    relative = name_tokens(get.get("father_name")) or parsed.relative
    if not relative and native and native != latin:
        relative = _relative_in(native)
    if not relative:
        relative = relative_from_notes(get.get("notes"))
    dob = parse_dob(get.get("dob") or get.get("date_of_birth"))
    age = parse_age(age_raw, age_min, age_max)
    if age.low is None:
        age = parse_age(age_from_notes(get.get("notes")))
    place = _resolve_place(
        get.get("address"),
        place=get.get("place"),
        village=get.get("village"),
        union_council=get.get("union_council"),
        tehsil=get.get("tehsil"),
        district=get.get("district"),
    )
    date = _parse_date(get.get("date"))
    parts = parsed.parts
    skels = _skeletons(parts)
    core = [sk for p, sk in zip(parts, skels, strict=True) if p != "muhammad"]
    return {
        # Ordered: the exact name in its most precise form (the native script
        # when there is one), then the consonant skeletons in order.
        "name_exact": ("n:" + native_folded)
        if native_folded
        else (" ".join(parts) or None),
        "name_seq": " ".join(skels) or None,
        # The given name: "Muhammad" before it is a prefix in Pakistan, and
        # the same given name for many Arab brothers' sons; what follows is
        # what tells people apart.
        "name_first": (core or skels)[0] if skels else None,
        "name_last": skels[-1] if len(skels) > 1 else None,
        "name_core": " ".join(core) or None,
        # The same, order-free: "Khan Muhammad Javed" and "Javed Khan".
        "name_core_set": " ".join(sorted(core)) or None,
        "name_parts": len(parts),
        "name_key": parsed.key or None,
        "name_skels": sorted(set(skels)),
        "name_skel": " ".join(sorted(skels)) or None,  # order-free, for blocking
        # The name's letters run together: a space typed one letter off
        # ("AamnaM ahsud", "NurY ousafzai") changes every token, not this.
        "name_flat": skeleton("".join(parsed.tokens)) or None,
        "titles": " ".join(parsed.titles) or None,
        "father_key": " ".join(sorted(relative)) or None,
        "father_skels": sorted({skeleton(t) for t in relative}),
        "father_skel": " ".join(sorted(skeleton(t) for t in relative)) or None,
        "age_lo": age.low,
        "age_hi": age.high,
        # An age column holding a year of birth ("1985"): resolved against a
        # reference year in :func:`normalise_frame`.
        "birth_year_in_age": _birth_year(age_raw),
        "dob": dob.iso,
        "dob_year": dob.year,
        "sex": canonical_sex(get.get("sex")),
        "status": canonical_status(get.get("status")),
        "date": None if date is None else date.date().isoformat(),
        "district": place.district,
        "tehsil": place.tehsil,
        "union_council": place.union_council,
        "village": place.village,
        "cnic": canonical_cnic(get.get("national_id")),
    }


@dataclass(frozen=True, slots=True)
class DateOfBirth:
    """A date of birth as far as it is known: the full date, or only the year."""

    iso: str | None  # "1987-03-14" when day and month are known
    year: int | None


_YEAR_ONLY = re.compile(r"^\s*(1[89]\d\d|20\d\d)\s*$")


@lru_cache(maxsize=100_000)
def parse_dob(text: str | None) -> DateOfBirth:
    """Parse "1987-03-14", "14/03/1987", "19870314", "1987-03" or "1987"; else unknown."""
    if not text:
        return DateOfBirth(None, None)
    m = _YEAR_ONLY.match(text)
    if m:
        return DateOfBirth(None, int(m.group(1)))
    compact = re.match(r"^\s*((?:18|19|20)\d\d)(\d\d)(\d\d)\s*$", text)
    if compact:  # 19560409, as registers and FEBRL write it
        text = f"{compact.group(1)}-{compact.group(2)}-{compact.group(3)}"
    partial = re.match(r"^\s*(1[89]\d\d|20\d\d)-(\d{1,2})\s*$", text)
    if partial:
        return DateOfBirth(None, int(partial.group(1)))
    # The day itself where it is read directly (a pandas timestamp made for
    # each distinct date of birth was a tenth of normalising the Gaza releases).
    value = _fast_day(text) or _parse_date(text)
    if value is None or not 1880 <= value.year <= 2100:
        return DateOfBirth(None, None)
    day = value.date() if isinstance(value, pd.Timestamp) else value
    return DateOfBirth(day.isoformat(), int(value.year))


_BIRTH_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")


def _birth_year(value: object) -> int | None:
    """A year of birth written where the age belongs ("1985", "b. 1985"), else ``None``."""
    if value is None:
        return None
    m = _BIRTH_YEAR.search(str(value))
    return int(m.group(1)) if m else None


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
# Year, month, day with "/" or "." ("2031/03/14", as some Excel locales save).
_YEAR_FIRST = re.compile(r"(\d{4})([/.])(\d{1,2})\2(\d{1,2})")
# Day, month, four-digit year, one separator ("15/03/2031", "5.3.2031"): what
# pandas reads day first as "%d/%m/%Y" (or "." or "-").
_DAY_FIRST = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})")
# The years a pandas timestamp holds whole (1677-09-21 to 2262-04-11).
_TIMESTAMP_YEARS = range(1678, 2262)


def _valid_day(year: int, month: int, day: int) -> datetime.date | None:
    """A real calendar day within pandas' range, else ``None``."""
    if year not in _TIMESTAMP_YEARS:
        return None
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _fast_date(text: str) -> pd.Timestamp | None:
    """:func:`_fast_day` as pandas' timestamp."""
    day = _fast_day(text)
    return None if day is None else pd.Timestamp(day.year, day.month, day.day)


def _fast_day(text: str) -> datetime.date | None:
    """The date ``pd.to_datetime`` gives for the commonest forms, without calling it.

    A call of ``pd.to_datetime`` on one value costs about a millisecond (it
    guesses a format, builds an index), most of normalising a list that
    gives dates of birth. ISO dates and day-first dates with a four-digit year
    are read here; ``None`` leaves every other text (and any date outside the
    calendar or pandas' range) to pandas, so the result is the same
    (tests/linkage/test_linkage_speed.py compares the two).
    """
    if not text.isascii():
        return None
    if _ISO_DATE.match(text):
        return _valid_day(int(text[:4]), int(text[5:7]), int(text[8:10]))
    m = _DAY_FIRST.fullmatch(text)
    if m is None:
        return None
    return _valid_day(int(m.group(4)), int(m.group(3)), int(m.group(1)))


@lru_cache(maxsize=100_000)
def _parse_date(text: str | None) -> pd.Timestamp | None:
    """ISO dates as they are; others day first ("15-03-2031", "15/03/2031")."""
    if not text:
        return None
    fast = _fast_date(text)
    if fast is not None:
        return fast
    year_first = _YEAR_FIRST.fullmatch(text.strip())
    # "2031/03/14": pandas, day first, read 3 December (a day that cannot be
    # year-month-day, "2031/14/03", is still left to pandas).
    day = year_first and _valid_day(*(int(year_first.group(i)) for i in (1, 3, 4)))
    if day:
        return pd.Timestamp(day.year, day.month, day.day)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # pandas' format-guessing notice
        if _ISO_DATE.match(text):
            value = pd.to_datetime(text[:10], errors="coerce", format="%Y-%m-%d")
        elif len(re.findall(r"\d+", text)) < 2:
            return None  # "Mar 2031", "2031": no day, not the 1st of the month
        else:
            value = pd.to_datetime(text, errors="coerce", dayfirst=True)
    return None if pd.isna(value) else value


def _rarest(skels: list[str], freq: dict[str, int], rank: int) -> str | None:
    ordered = sorted(skels, key=lambda s: (freq.get(s, 0), s))
    return ordered[rank] if len(ordered) > rank else None


def _patronymic(rows: int, long_names: int, fathers: int) -> bool:
    """Whether a list writes names as patronymic chains (own, father, grandfather, family).

    Arab lists write four parts and no separate father: most names have four
    or more parts and almost none a father of their own. Pakistani lists
    write two or three parts and the father apart ("s/o", a column). Told
    from the list's counts: its rows, those of four or more name parts, and
    those naming a father.
    """
    if rows == 0:
        return False
    return long_names / rows >= 0.5 and fathers / rows < 0.2


# Rows normalised at a time: a million rows as Python dicts (the input's and
# the output's) held at once took gigabytes; a chunk's are freed before the next.
_CHUNK_ROWS = 50_000
# From this many rows on, chunks are normalised by worker processes, one per
# core (at most _WORKERS): normalisation is pure Python, about a tenth of a
# millisecond a row on one core, the largest stage before the model at
# 100,000 rows. Smaller jobs stay in-process (starting a worker costs a second).
_PARALLEL_ROWS = 50_000
_WORKERS = 2


def _busy() -> bool:
    """Whether no core is idle (the load average is at least the cores less one).

    Workers pay for themselves only on idle cores: each imports the code and
    fills its own per-value caches, and the rows go to it and back pickled.
    On the 2-core machine at a load average of 24, 300,000 generated reports
    took 34 s of CPU (207 s of wall time) in-process and 51 s (237 s) in two
    workers; 100,000 took 10 s (50 s) and 19 s (93 s): on a busy machine
    workers cost more CPU and get no more of it (docs/validation/linkage.md,
    "Scale").
    """
    try:
        load = os.getloadavg()[0]
    except OSError:  # no load average on this system
        return False
    return load >= (os.cpu_count() or 1) - 1


# The columns :func:`_normalise` reads (through :func:`_text`), and the age
# columns it reads as written (also what `gawah link csv` maps a list's headers to).
TEXT_COLUMNS = (
    *NAME_COLUMNS, "father_name", "notes", "dob", "date_of_birth", "address", "place",
    "village", "union_council", "tehsil", "district", "date", "sex", "status",
    "national_id",
)  # fmt: skip
AGE_COLUMNS = ("age", "age_min", "age_max")


def _text_column(values: list[object]) -> list[str | None]:
    """:func:`_text` of every value of a column, without a call per value when all are text."""
    if all(type(v) is str for v in values):
        stripped = [str.strip(v) for v in values]  # type: ignore[arg-type]
        return [None if v.lower() in _MISSING_SET else v for v in stripped]
    return [_text(v) for v in values]


def _normalise_chunk(chunk: pd.DataFrame) -> pd.DataFrame:
    """:func:`normalise_record` of every row of ``chunk``, as a frame.

    Column by column rather than a dictionary per row: each text column is
    cleaned once (:func:`_text_column`), and only the columns normalisation
    reads are taken (the same values ``DataFrame.to_dict`` gives).
    """
    names = {str(c): c for c in chunk.columns}
    text = [c for c in TEXT_COLUMNS if c in names]
    cleaned = [_text_column(chunk[names[c]].tolist()) for c in text]
    n = len(chunk)
    ages = [chunk[names[c]].tolist() if c in names else [None] * n for c in AGE_COLUMNS]
    rows = zip(*cleaned, strict=True) if cleaned else iter([()] * n)
    return pd.DataFrame.from_records(
        [
            _normalise(dict(zip(text, values, strict=True)), age, lo, hi)
            for values, age, lo, hi in zip(rows, *ages, strict=True)
        ],
        index=chunk.index,
    )


def _normalised_parts(
    reports: pd.DataFrame, chunk: int = _CHUNK_ROWS
) -> Iterator[pd.DataFrame]:
    """:func:`_normalise_chunk` of every chunk of ``reports``, in order.

    Large inputs are shared between worker processes (``spawn``: a fresh
    interpreter, safe whatever threads this process runs), a few chunks in
    flight at a time.
    """
    workers = min(_WORKERS, os.cpu_count() or 1)
    parallel = len(reports) >= _PARALLEL_ROWS and workers > 1 and not _busy()
    if parallel:  # every worker busy: at least one chunk each
        chunk = max(1, min(chunk, -(-len(reports) // workers)))
    starts = range(0, len(reports), chunk)
    if not parallel:
        for s in starts:
            yield _normalise_chunk(reports.iloc[s : s + chunk])
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        # A few chunks in flight at a time, not the whole input pickled at once.
        for i in range(0, len(starts), 2 * workers):
            batch = [reports.iloc[s : s + chunk] for s in starts[i : i + 2 * workers]]
            yield from pool.map(_normalise_chunk, batch)


def _normalise_rows(reports: pd.DataFrame, chunk: int = _CHUNK_ROWS) -> pd.DataFrame:
    """:func:`normalise_record` of every row, one frame, built a chunk at a time.

    Each chunk's columns are typed from its own rows, so the joined columns
    are typed again from all of them (``infer_objects``): the result is the
    frame one :meth:`~pandas.DataFrame.from_records` over every row gives.
    """
    parts = list(_normalised_parts(reports, chunk))
    if len(parts) <= 1:
        return parts[0] if parts else pd.DataFrame.from_records([], index=reports.index)
    with warnings.catch_warnings():
        # A chunk whose column is all empty (no date of birth in its rows) makes
        # pandas warn that such columns will count towards the joined dtype one
        # day. The dtype is decided again from every row (``infer_objects``), so
        # the notice says nothing to the user running ``gawah link``.
        warnings.filterwarnings(
            "ignore", "The behavior of DataFrame concatenation", FutureWarning
        )
        return pd.concat(parts).infer_objects()


def _lists_of(reports: pd.DataFrame) -> pd.Series:
    """Each report's list name ("" for all when the frame has no ``list``)."""
    if "list" in reports.columns:
        return reports["list"]
    return pd.Series("", index=reports.index)


@dataclass
class _FrameCounts:
    """What normalisation's frame-wide steps need to know of every row.

    Which lists write patronymic chains (:func:`_patronymic`), how often each
    name skeleton occurs (the rarest tokens block), and the latest report
    year (an age from a birth year, undated): counted a chunk at a time, so
    that the rows need not be held whole as Python objects.
    """

    rows: dict[object, int] = field(default_factory=dict)
    long_names: dict[object, int] = field(default_factory=dict)
    fathers: dict[object, int] = field(default_factory=dict)
    freq: dict[str, int] = field(default_factory=dict)
    latest_year: float = float("nan")

    def add(self, out: pd.DataFrame, lists: pd.Series) -> None:
        """Count the rows of ``out`` (normalised, one list name per row in ``lists``)."""
        groups = pd.DataFrame(
            {
                "rows": 1,
                "long": (out["name_parts"] >= 4).to_numpy(),
                "father": out["father_key"].notna().to_numpy(),
            }
        ).groupby(lists.to_numpy())
        for name, counts in groups.sum().iterrows():
            self.rows[name] = self.rows.get(name, 0) + int(counts["rows"])
            self.long_names[name] = self.long_names.get(name, 0) + int(counts["long"])
            self.fathers[name] = self.fathers.get(name, 0) + int(counts["father"])
        freq = self.freq
        for skels in out["name_skels"]:
            for s in skels:
                freq[s] = freq.get(s, 0) + 1
        year = _report_years(out).max()
        if not pd.isna(year) and not year <= self.latest_year:
            self.latest_year = float(year)

    def patronymic(self, name: object) -> bool:
        """Whether list ``name`` writes names as patronymic chains."""
        return _patronymic(
            self.rows.get(name, 0),
            self.long_names.get(name, 0),
            self.fathers.get(name, 0),
        )


def _report_years(out: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(out["date"], errors="coerce", format="%Y-%m-%d").dt.year


def _finish(out: pd.DataFrame, lists: pd.Series, counts: _FrameCounts) -> pd.DataFrame:
    """The frame-wide steps of :func:`normalise_frame` on some of its rows, counted whole.

    ``out`` holds :func:`_normalise_chunk`'s rows (any subset of the frame),
    ``lists`` their list names, ``counts`` the whole frame's
    :class:`_FrameCounts`: the rows come out as the whole frame's would.
    """
    for name, idx in out.groupby(lists.to_numpy()).groups.items():
        if not counts.patronymic(name):
            continue
        block = out.loc[idx]
        # "Muhammad" is the own name in a chain, not a prefix to skip.
        out.loc[idx, "name_first"] = [
            seq.split(" ")[0] if isinstance(seq, str) else None
            for seq in block["name_seq"]
        ]
        # name_core keeps dropping "Muhammad" even here: a list of chains in
        # one script and its twin in the other are often detected apart (one
        # qualifies as chains, the other not), and a core kept whole on one
        # side only split the pairs across scripts (generated Arab releases,
        # Arabic against Latin: F1 0.90 -> 0.78).
        fill = idx[(block["father_key"].isna() & (block["name_parts"] >= 3)).to_numpy()]
        seconds = [seq.split(" ")[1] for seq in out.loc[fill, "name_seq"]]
        out.loc[fill, "father_key"] = seconds
        out.loc[fill, "father_skel"] = seconds
        out.loc[fill, "father_skels"] = pd.Series([[x] for x in seconds], index=fill)
    _ages_from_years(out, counts.latest_year)
    # The given name's first letter: clerks rarely mistype a name's first
    # letter, so a slip later in it ("Thair", "Arshhad") keeps this key.
    out["name_init"] = out["name_first"].str[:1]
    freq = counts.freq
    out["rare1"] = [_rarest(s, freq, 0) for s in out["name_skels"]]
    out["rare2"] = [_rarest(s, freq, 1) for s in out["name_skels"]]
    out["father_rare"] = [_rarest(s, freq, 0) for s in out["father_skels"]]
    # The incident's week (Monday to Sunday), a blocking key looser than the
    # day: reports of one person often give dates a day or two apart.
    days = pd.to_datetime(out["date"], errors="coerce", format="%Y-%m-%d")
    out["week"] = ((days - pd.Timestamp("1970-01-05")).dt.days // 7).astype("Int64")
    for col in ("age_lo", "age_hi", "dob_year"):
        out[col] = out[col].astype("Int64")
    return out.drop(columns=["birth_year_in_age"])


def normalise_frame(reports: pd.DataFrame) -> pd.DataFrame:
    """Normalise every report of a frame; adds the frequency-based blocking keys and the week.

    ``rare1``/``rare2`` are the skeletons of a record's two least frequent name
    tokens in this frame: "Muhammad" and "Khan" are too common to block on,
    the other tokens are what identifies a name. In a list of patronymic
    chains (:func:`_patronymic`) a name's second part is the father's name.
    An age given as a year of birth, or missing beside a date of birth, is
    turned into an age at the report's date (else at the latest date of the
    frame's reports).
    """
    out = _normalise_rows(reports)
    lists = _lists_of(reports)
    counts = _FrameCounts()
    counts.add(out, lists)
    return _finish(out, lists, counts)


# The columns of a normalised row that hold lists (Arrow hands them back as arrays).
_LIST_COLUMNS = ("name_skels", "father_skels")


def normalise_chunks(
    reports: pd.DataFrame, chunk: int = _CHUNK_ROWS
) -> Iterator[pd.DataFrame]:
    """:func:`normalise_frame`'s rows, a chunk at a time, in order.

    For a caller that keeps of each chunk only a compact form (the model's
    Arrow table): the whole frame as Python objects took some 1.4 GB at a
    million reports, and the memory it freed stayed with Python's
    allocator, not with DuckDB. The rows are normalised once: each chunk is
    counted (:class:`_FrameCounts`) and held as an Arrow table until every
    row is counted, then finished with the whole frame's counts.
    """
    lists = _lists_of(reports)
    counts = _FrameCounts()
    held: list[pa.Table] = []
    for part in _normalised_parts(reports, chunk):
        counts.add(part, lists.loc[part.index])
        held.append(pa.Table.from_pandas(part, preserve_index=True))
        del part
    held.reverse()  # popped from the end, in order: each freed once finished
    while held:
        table = held.pop()
        part = table.to_pandas()
        for column in _LIST_COLUMNS:
            part[column] = table.column(column).to_pylist()
        del table
        yield _finish(part, lists.loc[part.index], counts)
    release_value_caches()


def release_value_caches() -> None:
    """Empty the per-value caches normalisation filled (names, places, dates, folding).

    They make each value seen again cost nothing while a frame is normalised,
    but outlive it: on the Gaza releases (52,857 reports) some 270,000
    entries, 76 MiB of the process's memory through the model's run,
    which DuckDB then needs (docs/validation/linkage-history.md). The
    bounded caches (``lru_cache``) are the per-value ones; the unbounded
    ones are kept: the name and place tables, read once, and the
    gazetteer's look-ups of place names (a few per district).
    """
    for module in (sys.modules[__name__], folding, gazetteer, transliterate):
        for value in vars(module).values():
            parameters = getattr(value, "cache_parameters", None)
            if parameters is not None and parameters()["maxsize"] is not None:
                value.cache_clear()


def _ages_from_years(out: pd.DataFrame, latest: float) -> None:
    """Fill missing ages from a year of birth (in the age column, or the date of birth).

    At the report's year; undated, at ``latest``, the latest report year of
    the whole frame (NaN: no date anywhere, and no age can be told).
    """
    if pd.isna(latest):
        return  # no date anywhere: an age cannot be told from a birth year
    year = _report_years(out).fillna(latest)
    born = out["birth_year_in_age"].where(
        out["birth_year_in_age"].notna(), out["dob_year"]
    )
    missing = out["age_lo"].isna() & born.notna()
    age = (year - born.astype("float"))[missing]
    out.loc[missing, "age_lo"] = (age - 1).clip(lower=0)
    out.loc[missing, "age_hi"] = age
