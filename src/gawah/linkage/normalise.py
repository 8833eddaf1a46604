"""Normalise: turn one report's free text into the fields the model compares.

The first HRDAG stage. Everything here is deterministic and table-driven (the
tables live in ``data/`` with their sources in ``data/SOURCES.md``):

* text is NFKC-normalised, lower-cased, Urdu script romanised;
* titles and honorifics (Syed, Hafiz, Ch., Dr., ...) are kept apart;
* frequent spelling variants get one canonical spelling (Mohd -> muhammad);
* the father's or husband's name is split off ("s/o", "bin", "walad", or a
  sentence of the notes such as "..., son of Y, aged 63, ...");
* a name is a *set* of tokens: given and family order is never assumed;
* ages become ranges, CNICs digits, places a gazetteer lookup.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from gawah.linkage._tables import variant_map
from gawah.linkage.transliterate import to_latin

# Relation markers between a person's name and the father's/husband's name.
_RELATION = re.compile(
    r"(?:^|\s|,)(s\s*/\s*o|d\s*/\s*o|w\s*/\s*o|h\s*/\s*o|son\s+of|daughter\s+of|"
    r"wife\s+of|widow\s+of|husband\s+of|bin|binte|bint|ibn|walad|wald|zauja)(?=\s|\.|$)"
)
# In free-text notes only the spelled-out forms are trusted ("bin" is too short).
_NOTES_RELATION = re.compile(
    r"(?:s\s*/\s*o|d\s*/\s*o|w\s*/\s*o|son\s+of|daughter\s+of|wife\s+of|widow\s+of)"
    r"\s+(.+?)(?=,|;|\.\s|\(|\baged?\b|\bwas\b|\bwho\b|\bfrom\b|\bof\s+village\b|\d|$)"
)
_NON_NAME = re.compile(r"[^a-z\s]")
_PARTICLES = frozenset(
    {"ul", "ur", "us", "ud", "al", "el", "ush", "un", "ut", "uz", "u"}
)
_ABDU = re.compile(r"^abd[ua]?[lrsnzt]?(?=[a-z]{3,})")
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


def fold(text: str | None) -> str:
    """NFKC, romanise Urdu, strip Latin accents, lower-case, squeeze spaces."""
    if not text:
        return ""
    text = to_latin(unicodedata.normalize("NFKC", str(text)))
    text = "".join(
        ch
        for ch in unicodedata.normalize("NFKD", text)
        if not unicodedata.combining(ch)
    )
    return " ".join(text.lower().split())


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


@lru_cache(maxsize=500_000)
def skeleton(token: str) -> str:
    """Consonant skeleton of a romanised token: what survives Urdu's missing vowels.

    ``ahmad``, ``ahmed`` and the letter-by-letter ``ahmd`` of احمد all give
    ``ahmd``; the first letter is kept (a vowel becomes ``a``).
    """
    if not token:
        return ""
    s = token
    for a, b in _DIGRAPHS:
        s = s.replace(a, b)
    head = "a" if s[0] in "aeiou" else s[0]
    tail = _SKELETON_DROP.sub("", s[1:])
    if tail.endswith("h"):
        tail = tail[:-1]
    return _REPEAT.sub(r"\1", head + tail)


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


def _words(text: str) -> list[str]:
    text = re.sub(r"['’ʼ`]", "", text)  # Sa'ad and Saad are one spelling
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


_ABBREVIATION_DOT = re.compile(r"\b([a-z]{1,2}|mohd|muhd|mst|mrs)\.(?=\s*[a-z])")
_NOTES_AGE = re.compile(
    r"\baged?\s*(?:about\s*)?(\d{1,3})\b|\b(\d{1,3})\s*(?:years?|yrs?)\b"
)


def relative_from_notes(notes: str | None) -> tuple[str, ...]:
    """Find a father's/husband's name in free text ("X, son of Y, aged 63, ...")."""
    text = _ABBREVIATION_DOT.sub(r"\1 ", fold(notes))
    m = _NOTES_RELATION.search(text)
    if not m:
        return ()
    tokens, _ = _canonical_tokens(_words(m.group(1)))
    return tuple(tokens[:4])


def name_tokens(raw: str | None) -> tuple[str, ...]:
    """Canonical tokens of a bare name (a father's name column, say)."""
    return parse_name(raw).tokens


def age_from_notes(notes: str | None) -> str | None:
    """The age written in free text ("aged 63", "25 years old"), as text for :func:`parse_age`."""
    m = _NOTES_AGE.search(fold(notes))
    return (m.group(1) or m.group(2)) if m else None


@dataclass(frozen=True, slots=True)
class AgeRange:
    """An age as a closed interval of years; ``None`` bounds mean unknown."""

    low: int | None
    high: int | None


_AGE_RANGE = re.compile(r"(\d{1,3})\s*(?:-|to|–)\s*(\d{1,3})")
_AGE_ONE = re.compile(r"(\d{1,3})")
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


def parse_age(
    age: object = None, age_min: object = None, age_max: object = None
) -> AgeRange:
    """Turn "24", "about 40", "20-25" or explicit bounds into an :class:`AgeRange`.

    An approximate age ("about", "approx", "~") widens to plus or minus three years.
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
    m = _AGE_DECADE.search(text)
    if m:
        decade = int(m.group(1)) * 10
        return AgeRange(decade, decade + 9)
    m = _AGE_ONE.search(text)
    if not m:
        return AgeRange(None, None)
    n = int(m.group(1))
    if any(w in text for w in ("about", "approx", "around", "~", "almost", "nearly")):
        return AgeRange(max(0, n - 3), n + 3)
    return AgeRange(n, n)


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


def canonical_sex(raw: str | None) -> str | None:
    """Return ``m``, ``f`` or ``None`` from the many ways lists write sex."""
    text = fold(raw)
    if text in ("m", "male", "man", "boy", "mard", "mrd"):
        return "m"
    if text in ("f", "female", "woman", "girl", "aurat", "awrt", "ort"):
        return "f"
    return None


def canonical_cnic(raw: str | None) -> str | None:
    """The digits of a national id: a CNIC ("37405-1234567-1") has 13.

    Other national numbers (at least 6 digits) are kept too; shorter strings
    are not identifiers.
    """
    if raw is None:
        return None
    digits = re.sub(r"\D", "", fold(str(raw)))
    return digits if len(digits) >= 6 else None


NAME_COLUMNS = ("full_name", "given_name", "family_name", "name_urdu")
_MISSING = ("", "nan", "none", "null", "n/a", "na", "-", "unknown")


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return None if text.lower() in _MISSING else text


def normalise_record(row: dict[str, object]) -> dict[str, object]:
    """Turn one report (canonical import columns) into the model's comparison fields.

    Name precedence: ``full_name``, else given + family name, else ``name_urdu``.
    The relative's name comes from ``father_name``, else the relation marker in
    the name, else a "son of ..." sentence of ``notes``.
    """
    from gawah.linkage.gazetteer import resolve_place

    get = {k: _text(v) for k, v in row.items()}
    latin = get.get("full_name") or " ".join(
        x for x in (get.get("given_name"), get.get("family_name")) if x
    )
    parsed = parse_name(latin or get.get("name_urdu"))
    if not parsed.tokens and get.get("name_urdu"):
        parsed = parse_name(get.get("name_urdu"))
    relative = name_tokens(get.get("father_name")) or parsed.relative
    if not relative:
        relative = relative_from_notes(get.get("notes"))
    age = parse_age(row.get("age"), row.get("age_min"), row.get("age_max"))
    if age.low is None:
        age = parse_age(age_from_notes(get.get("notes")))
    place = resolve_place(
        get.get("address"),
        place=get.get("place"),
        village=get.get("village"),
        union_council=get.get("union_council"),
        tehsil=get.get("tehsil"),
        district=get.get("district"),
    )
    date = _parse_date(get.get("date"))
    return {
        "name_key": parsed.key or None,
        "name_tokens": sorted(parsed.tokens),
        "name_skels": sorted({skeleton(t) for t in parsed.tokens}),
        "name_skel": " ".join(sorted(skeleton(t) for t in parsed.tokens)) or None,
        # The name's letters run together: a space typed one letter off
        # ("AamnaM ahsud", "NurY ousafzai") changes every token, not this.
        "name_flat": skeleton("".join(parsed.tokens)) or None,
        "titles": " ".join(parsed.titles) or None,
        "father_key": " ".join(sorted(relative)) or None,
        "father_skels": sorted({skeleton(t) for t in relative}),
        "father_skel": " ".join(sorted(skeleton(t) for t in relative)) or None,
        "age_lo": age.low,
        "age_hi": age.high,
        "sex": canonical_sex(get.get("sex")),
        "status": canonical_status(get.get("status")),
        "date": None if date is None else date.date().isoformat(),
        "district": place.district,
        "tehsil": place.tehsil,
        "union_council": place.union_council,
        "village": place.village,
        "cnic": canonical_cnic(get.get("national_id")),
    }


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


@lru_cache(maxsize=100_000)
def _parse_date(text: str | None) -> pd.Timestamp | None:
    """ISO dates as they are; others day first ("15-03-2031", "15/03/2031")."""
    if not text:
        return None
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


def normalise_frame(reports: pd.DataFrame) -> pd.DataFrame:
    """Normalise every report of a frame; adds the frequency-based blocking keys and the week.

    ``rare1``/``rare2`` are the skeletons of a record's two least frequent name
    tokens in this frame: "Muhammad" and "Khan" are too common to block on,
    the other tokens are what identifies a name.
    """
    records = [
        normalise_record({str(k): v for k, v in r.items()})
        for r in reports.to_dict("records")
    ]
    out = pd.DataFrame.from_records(records, index=reports.index)
    freq: dict[str, int] = {}
    for skels in out["name_skels"]:
        for s in skels:
            freq[s] = freq.get(s, 0) + 1
    out["rare1"] = [_rarest(s, freq, 0) for s in out["name_skels"]]
    out["rare2"] = [_rarest(s, freq, 1) for s in out["name_skels"]]
    out["father_rare"] = [_rarest(s, freq, 0) for s in out["father_skels"]]
    # The incident's week (Monday to Sunday), a blocking key looser than the
    # day: reports of one person often give dates a day or two apart.
    days = pd.to_datetime(out["date"], errors="coerce", format="%Y-%m-%d")
    out["week"] = ((days - pd.Timestamp("1970-01-05")).dt.days // 7).astype("Int64")
    for col in ("age_lo", "age_hi"):
        out[col] = out[col].astype("Int64")
    return out
