"""Turning one row of a source list into a report: column mapping and value checks.

Every problem in a row becomes an :class:`ImportIssue` (file line, column, value,
reason) so that a documenter can fix the list in one pass; values of sensitive
columns are never repeated in an issue.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter

from gawah.errors import UserInputError
from gawah.registry.mapfile import COMMON_MISSING_CODES
from gawah.registry.mapfile import ColumnMap as ColumnMap  # re-exported
from gawah.registry.mapfile import load_map as load_map  # re-exported
from gawah.registry.models import (
    CANONICAL_COLUMNS,
    SENSITIVE_COLUMNS,
    Provenance,
    Report,
    SensitiveFields,
    report_of,
)
from gawah.registry.parsing import (
    Age,
    PartialDate,
    parse_age,
    parse_age_bound,
    parse_cnic,
    parse_date,
)
from gawah.registry.reading import StreamedTable, Table
from gawah.registry.vocabularies import Sex, Status, StatusVocabulary, parse_sex

WITHHELD = "(withheld: sensitive)"

# A list repeats few distinct values in its sex, age, status and date columns
# (a million rows hold a few thousand); the parsers are pure functions of the
# cell's text and return frozen values, so each distinct cell is read once. A
# cell that fails raises every time (an exception is never cached).
_CACHED = 65_536
_sex_of = lru_cache(maxsize=_CACHED)(parse_sex)
_age_of = lru_cache(maxsize=_CACHED)(parse_age)
_date_of = lru_cache(maxsize=_CACHED)(parse_date)

# Headers lists commonly use for canonical columns (matched after normalising).
_ALIASES: dict[str, str] = {
    "id": "record_id", "sr no": "record_id", "s no": "record_id", "serial": "record_id",
    "serial no": "record_id", "no": "record_id", "name": "full_name",
    "victim name": "full_name", "first name": "given_name", "last name": "family_name",
    "surname": "family_name", "caste": "family_name", "father": "father_name",
    "s o": "father_name", "father name": "father_name", "fathers name": "father_name",
    "father s name": "father_name", "urdu name": "name_urdu", "نام": "name_urdu",
    # The name in its own script, whatever the script: Urdu or Arabic.
    "en name": "full_name", "english name": "full_name", "name english": "full_name",
    "name en": "full_name", "name latin": "full_name",
    "name native": "name_urdu", "native name": "name_urdu", "name arabic": "name_urdu",
    "arabic name": "name_urdu", "الاسم": "name_urdu", "اسم": "name_urdu",
    "gender": "sex", "condition": "status", "outcome": "status",
    "date of incident": "date",
    "date of birth": "dob", "birth date": "dob", "birthdate": "dob",
    "year of birth": "dob", "birth year": "dob", "yob": "dob",
    "تاريخ الميلاد": "dob", "تاریخ پیدائش": "dob", "سال پیدائش": "dob",
    "uc": "union_council",
    "profession": "occupation",
    "remarks": "notes", "comments": "notes",
    # Lists of the dead name the person after what happened to them.
    "name of martyr": "full_name", "name of the martyr": "full_name",
    "martyr name": "full_name", "martyrs name": "full_name", "shaheed name": "full_name",
    "name of shaheed": "full_name", "name of deceased": "full_name",
    "deceased name": "full_name", "name of victim": "full_name",
    "name of the deceased": "full_name", "name of person": "full_name",
    # The father (or husband): "F/Name" and "Parentage" on Pakistani forms.
    "f name": "father_name", "f h name": "father_name", "parentage": "father_name",
    "father husband name": "father_name", "father husband": "father_name",
    "d o": "father_name", "w o": "father_name", "s o d o": "father_name",
    "s o d o w o": "father_name", "s o w o": "father_name", "walad": "father_name",
    "ولدیت": "father_name", "ولد": "father_name", "والد کا نام": "father_name",
    "باپ کا نام": "father_name", "ولدیت زوجیت": "father_name",
    "اسم الأب": "father_name", "اسم الاب": "father_name", "إسم الأب": "father_name",
    "age years": "age", "age in years": "age", "age yrs": "age", "عمر": "age",
    "العمر": "age", "عمر سال": "age",
    "جنس": "sex", "الجنس": "sex",
    "city": "district", "ضلع": "district", "المحافظة": "district", "تحصیل": "tehsil",
    "گاؤں": "village", "پتہ": "address", "العنوان": "address",
    "date of death": "date", "death date": "date", "date of martyrdom": "date",
    "dod": "date", "تاریخ وفات": "date", "تاریخ شہادت": "date",
    "تاريخ الوفاة": "date", "تاريخ الاستشهاد": "date",
    "الاسم الرباعي": "name_urdu", "الاسم الكامل": "name_urdu",
}  # fmt: skip

# Headers of sensitive columns as lists write them, in English and Urdu (matched
# after normalising: case, punctuation and "#"/"no"/"number" variants fold away).
_SENSITIVE_HEADERS: dict[str, tuple[str, ...]] = {
    "national_id": (
        "cnic", "nic", "nicop", "snic", "cnic nicop", "id card", "idcard",
        "identity card", "national id", "national identity card",
        "computerized national identity card", "cnic of victim", "victim cnic",
        "b form", "شناختی کارڈ", "شناختی کارڈ نمبر", "شناختی نمبر",
        "قومی شناختی کارڈ", "قومی شناختی کارڈ نمبر", "شناخت", "سی این آئی سی",
    ),
    "phone": (
        "phone", "mobile", "mob", "cell", "cell phone", "cellphone", "contact",
        "contact detail", "contact details", "tel", "telephone", "whatsapp",
        "family contact", "relative contact", "heirs contact", "رابطہ", "رابطہ نمبر",
        "موبائل", "موبائل نمبر", "فون", "فون نمبر", "ٹیلیفون", "رقم الهاتف",
        "الهاتف", "رقم الجوال", "الجوال", "جوال",
    ),
    "witness_name": (
        "witness", "witness name", "eyewitness", "eye witness", "informant",
        "informant name", "reported by", "reporter", "reporter name", "source person",
        "source name", "narrated by", "information by", "گواہ", "گواہ کا نام",
        "عینی شاہد", "مخبر", "اطلاع دہندہ", "اطلاع دینے والا", "رپورٹ کنندہ",
    ),
    "witness_contact": (
        "witness contact", "witness phone", "witness mobile", "witness cell",
        "informant contact", "informant phone", "informant mobile", "reporter contact",
        "reported by contact", "source contact", "گواہ کا رابطہ", "گواہ کا نمبر",
        "گواہ کا فون", "مخبر کا رابطہ",
    ),
    # Exact addresses are sensitive but have no canonical column: they are kept,
    # sealed, under their own header (``SensitiveFields.other``).
    "": (
        "exact address", "home address", "house address", "residential address",
        "house no", "house number", "permanent address", "present address",
        "گھر کا پتہ", "مکمل پتہ", "رہائشی پتہ", "مستقل پتہ",
        # An Arabic list's identity number is not a 13-digit CNIC (Palestine's
        # has 9 digits): sealed under its header, not refused as a bad CNIC.
        "رقم الهوية", "رقم الهويه", "الهوية", "رقم الهوية الوطنية", "الرقم الوطني",
        "رقم البطاقة", "id no", "id number",
    ),
}  # fmt: skip

# Trailing words that name the same column ("CNIC No.", "Mobile Number", "فون نمبر").
_NUMBER_WORDS = ("no", "number", "num", "nbr", "#", "نمبر")


def _header_key(header: str) -> str:
    folded = unicodedata.normalize("NFKC", header).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", folded).replace("_", " ").split())


def _strip_number(key: str) -> str:
    words = key.split()
    while len(words) > 1 and words[-1] in _NUMBER_WORDS:
        words.pop()
    return " ".join(words)


_CANONICAL_KEYS = {_header_key(c): c for c in CANONICAL_COLUMNS}
_SENSITIVE_KEYS = {
    _strip_number(_header_key(h)): target
    for target, spellings in _SENSITIVE_HEADERS.items()
    for h in spellings
}
_SENSITIVE_COMPACT = {k.replace(" ", ""): t for k, t in _SENSITIVE_KEYS.items()}

#: Marks a column kept as a sensitive value under its own header.
SENSITIVE_OTHER = ""

# A whole cell that is a national id (CNIC, 13 digits) or a Pakistani mobile
# number (03xx, +92 3xx): a column of such cells is sensitive whatever its header.
_CNIC_CELL = re.compile(r"\d{5}[-\s]?\d{7}[-\s]?\d")
_PHONE_CELL = re.compile(r"(?:\+92|0092|92|0)[-\s]?3\d{2}[-\s]?\d{7}")
# A whole cell that is a long number: a national id of any country (Palestine: 9
# digits, Pakistan: 13) rather than a list's serial number.
_LONG_NUMBER_CELL = re.compile(r"\d{8,20}")


def looks_sensitive(cells: Iterable[str]) -> bool:
    """True when at least half of the non-empty cells are whole ids (CNIC, or any
    number of 8-20 digits) or phone numbers."""
    filled = matched = 0
    for cell in cells:
        text = cell.strip().replace("(", "").replace(")", "")
        if not text:
            continue
        filled += 1
        if (
            _CNIC_CELL.fullmatch(text)
            or _PHONE_CELL.fullmatch(text)
            or _LONG_NUMBER_CELL.fullmatch("".join(text.split()))
        ):
            matched += 1
    return matched > 0 and 2 * matched >= filled


def sensitive_target(header: str) -> str | None:
    """The sensitive column a header names (``SENSITIVE_OTHER``: kept as itself)."""
    key = _header_key(header)
    if key in _CANONICAL_KEYS:
        target = _CANONICAL_KEYS[key]
        return target if target in SENSITIVE_COLUMNS else None
    key = _strip_number(key)
    # "C.N.I.C #" folds to "c n i c": letters spaced out by dots are one word.
    return _SENSITIVE_KEYS.get(key) or _SENSITIVE_COMPACT.get(key.replace(" ", ""))


_ARABIC_LETTER = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")


def in_arabic_script(cells: Iterable[str]) -> bool:
    """True when most non-empty cells are written in Arabic script (Arabic, Urdu)."""
    filled = matched = 0
    for cell in cells:
        if not cell.strip():
            continue
        filled += 1
        if _ARABIC_LETTER.search(cell):
            matched += 1
    return matched > 0 and 2 * matched > filled


def looks_like_ids(cells: Iterable[str]) -> bool:
    """True when at least half of the non-empty cells are long numbers (8-20
    digits) or CNICs."""
    filled = matched = 0
    for cell in cells:
        text = "".join(cell.split())
        if not text:
            continue
        filled += 1
        if _LONG_NUMBER_CELL.fullmatch(text) or _CNIC_CELL.fullmatch(text):
            matched += 1
    return matched > 0 and 2 * matched >= filled


@dataclass(frozen=True)
class ColumnPlan:
    """Where each column of a list goes.

    ``columns``: index -> canonical column; ``sensitive_other``: index -> name of
    a sensitive column kept under its header; ``detected``: headers treated as
    sensitive because their cells look like national ids or phone numbers;
    ``dropped``: indexes the map drops; ``sealed_record_id``: the record id's
    column is sealed (its value is a national id); ``why``: index -> how the
    column's place was decided (shown by ``gawah import --dry-run``).
    """

    columns: dict[int, str]
    sensitive_other: dict[int, str]
    detected: tuple[str, ...]
    dropped: frozenset[int] = frozenset()
    sealed_record_id: bool = False
    why: dict[int, str] = field(default_factory=dict)

    def sensitive_headers(self, headers: tuple[str, ...]) -> tuple[str, ...]:
        """Every header whose values are sealed, in file order."""
        picked = {
            i
            for i, target in self.columns.items()
            if target in SENSITIVE_COLUMNS
            or (target == "record_id" and self.sealed_record_id)
        } | set(self.sensitive_other)
        return tuple(headers[i] or f"column_{i + 1}" for i in sorted(picked))


def _target_of(
    key: str, header: str, renames: dict[str, str]
) -> tuple[str | None, str]:
    """The canonical column a header names, and how that was decided."""
    if key in renames:
        return renames[key], "map file"
    if key in _CANONICAL_KEYS:
        return _CANONICAL_KEYS[key], "its name"
    if key in _ALIASES:
        return _ALIASES[key], "a common header"
    target = sensitive_target(header)
    return target, "a sensitive header"


def _unique_name(header: str, index: int, used: set[str]) -> str:
    name = base = header or f"column_{index + 1}"
    n = 2
    while name in used:
        name, n = f"{base}_{n}", n + 1
    used.add(name)
    return name


def _check_sensitive_marks(headers: tuple[str, ...], mapping: ColumnMap) -> None:
    """Refuse a map whose sensitive marks name no header of this list.

    A mark spelled differently from the file's header ("Uncle name" for
    "Uncle's name") matched nothing, and the column it meant went, unsealed,
    to the extra fields in the clear, with nothing said. The same holds for a
    header the map sends to a sensitive column (``"Mobile No" = "phone"``).
    """
    present = {_header_key(h) for h in headers}
    meant = [*mapping.sensitive]
    meant += [h for h, target in mapping.columns.items() if target in SENSITIVE_COLUMNS]
    missing = [h for h in meant if _header_key(h) not in present]
    if missing:
        named = ", ".join(repr(h) for h in dict.fromkeys(missing))
        shown = ", ".join(repr(h) for h in headers if h)
        raise UserInputError(
            f"the map file marks {named} sensitive, but this list has no such "
            f"header, so nothing would be sealed under that name (the list's "
            f"headers: {shown}); write the header as the list writes it"
        )


def plan_columns(
    headers: tuple[str, ...],
    mapping: ColumnMap,
    rows: Sequence[tuple[str, ...]] = (),
) -> ColumnPlan:
    """Map headers to canonical columns and find the sensitive ones.

    A header is sensitive when it is a sensitive canonical column, a known
    spelling of one (English or Urdu), marked in the map file, or unrecognised
    with cells that look like national ids or phone numbers (``rows``: a sample
    is enough). A second column of the same sensitive kind ("Mobile",
    "Contact No") is kept as a sensitive value under its own header rather
    than refused. A column that becomes ``record_id`` by a common header ("id")
    but holds long numbers, or that the map marks sensitive, is a *sealed*
    record id: never shown, matched across releases by its keyed digest.
    """
    renames = {_header_key(k): v for k, v in mapping.columns.items()}
    marked = {_header_key(h) for h in mapping.sensitive}
    dropped_keys = {_header_key(h) for h in mapping.drop}
    _check_sensitive_marks(headers, mapping)
    result: dict[int, str] = {}
    other: dict[int, str] = {}
    why: dict[int, str] = {}
    detected: list[str] = []
    dropped: set[int] = set()
    seen: dict[str, str] = {}
    used_names: set[str] = set()
    sealed_record_id = False
    # A name column in Arabic script is the name in its own script, unless
    # another column already is.
    has_native = any(
        _target_of(_header_key(h), h, renames)[0] == "name_urdu" for h in headers
    )
    # Columns named by the map file or by their canonical name win over a
    # common header for the same column ("District" over "City").
    claimed: dict[str, str] = {}
    for h in headers:
        target, how = _target_of(_header_key(h), h, renames)
        if target is not None and how in ("map file", "its name"):
            claimed.setdefault(target, h)
    for index, header in enumerate(headers):
        key = _header_key(header)
        if key in dropped_keys:
            dropped.add(index)
            why[index] = "dropped by the map file"
            continue
        target, how = _target_of(key, header, renames)
        column = [r[index] for r in rows if index < len(r)]
        if (
            target == "full_name"
            and key not in renames
            and not has_native
            and in_arabic_script(column)
        ):
            target, how = "name_urdu", "its values are in Arabic script"
        if target == "record_id" and "record_id" not in seen:
            if key in marked:
                sealed_record_id = True
                how += "; sealed: marked sensitive in the map file"
            elif key not in renames and looks_like_ids(column):
                sealed_record_id = True
                detected.append(header or f"column_{index + 1}")
                how += "; sealed: the values look like national ids"
        elif key in marked and (target is None or target not in SENSITIVE_COLUMNS):
            target, how = SENSITIVE_OTHER, "marked sensitive in the map file"
        if target is None:
            if not looks_sensitive(column):
                continue
            target, how = SENSITIVE_OTHER, "the values look like ids or phones"
            detected.append(header or f"column_{index + 1}")
        if target in seen and target in SENSITIVE_COLUMNS:
            target, how = SENSITIVE_OTHER, f"a second {target} column"
        if target == SENSITIVE_OTHER:
            other[index] = _unique_name(header, index, used_names)
            why[index] = how
            continue
        if how == "a common header" and target is not None:
            # A second column read as the same one ("City" beside "District",
            # "Name of Martyr" beside "Name") is kept as it is, not refused.
            first = seen.get(target) or claimed.get(target)
            if first is not None and first != header:
                why[index] = f"a common header for {target}, which {first!r} is"
                continue
        if target in seen:
            raise UserInputError(
                f"columns {seen[target]!r} and {header!r} both mean {target!r}; "
                "rename one with a map file"
            )
        seen[target] = header
        result[index] = target
        why[index] = how
    return ColumnPlan(
        result, other, tuple(detected), frozenset(dropped), sealed_record_id, why
    )


def map_headers(headers: tuple[str, ...], mapping: ColumnMap) -> dict[int, str]:
    """Return column index -> canonical name for every header we recognise."""
    return plan_columns(headers, mapping).columns


_HEADER_SEARCH_ROWS = 15


def _recognised(headers: tuple[str, ...], mapping: ColumnMap) -> int:
    renames = {_header_key(k) for k in mapping.columns}
    return sum(
        1
        for h in headers
        if (key := _header_key(h)) in renames
        or key in _CANONICAL_KEYS
        or key in _ALIASES
        or sensitive_target(h) is not None
    )


def locate_header(
    table: Table | StreamedTable, mapping: ColumnMap
) -> Table | StreamedTable:
    """Skip title lines above the header row ("List of martyrs, compiled by ...").

    The first row is the header when it names at least two known columns;
    otherwise the first of the next rows that does becomes the header. A list
    with no such row keeps its first row (its columns then go to ``extra``).
    """
    if _recognised(table.headers, mapping) >= 2:
        return table
    for index, (line, cells) in enumerate(table.head(_HEADER_SEARCH_ROWS)):
        headers = tuple(c.strip() for c in cells)
        if _recognised(headers, mapping) >= 2:
            while headers and not headers[-1]:
                headers = headers[:-1]
            if isinstance(table, StreamedTable):
                return table.below(index, headers, line)
            return Table(headers, table.rows[index + 1 :], table.encoding, line)
    return table


@dataclass(frozen=True)
class ImportIssue:
    """One problem in one cell of a list (the whole row when ``column`` is empty)."""

    line: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column!r}, value {self.value!r}"
        return f"{where}: {self.reason}"

    @property
    def kind(self) -> str:
        """The problem without its particulars, to group issues ("age: age N is ...")."""
        general = re.sub(r"'[^']*'|\"[^\"]*\"|\d+", "N", self.reason)
        return f"{self.column}: {general}" if self.column else general


@dataclass(frozen=True)
class ParsedRow:
    """A row that passed every check, ready to become a ``report.recorded`` event."""

    line: int
    record_id: str
    content_hash: str
    report: Report
    sensitive: SensitiveFields


#: Canonical columns added after lists were first imported: their values enter
#: the content hash as extra columns did (under the header), so a list imported
#: when they were extras is not recorded again.
_HASHED_AS_EXTRA = ("dob",)

_YEAR_CELL = re.compile(r"\s*(1[89]\d\d|20\d\d)\s*")


@dataclass(frozen=True)
class _ColumnRules:
    """What a map file says about one column's values (missing codes, value map)."""

    missing: frozenset[str] = frozenset()
    values: dict[str, str] = field(default_factory=dict)
    birth_years: bool = False


def _rules_for(
    mapping: ColumnMap, headers: tuple[str, ...], plan: ColumnPlan
) -> dict[int, _ColumnRules]:
    """Per column index, the map's rules, keyed there by header or canonical column."""

    def keys(index: int) -> set[str]:
        found = {_header_key(headers[index])}
        if index in plan.columns:
            found.add(_header_key(plan.columns[index]))
        return found

    missing = {_header_key(k): v for k, v in mapping.missing.items() if k != "*"}
    everywhere = mapping.missing.get("*", ())
    values = {_header_key(k): v for k, v in mapping.values.items()}
    births = {_header_key(h) for h in mapping.birth_years}
    rules: dict[int, _ColumnRules] = {}
    for index in range(len(headers)):
        if index in plan.dropped:
            continue
        mine = keys(index)
        codes = {c.strip().casefold() for c in everywhere}
        table: dict[str, str] = {}
        for key in mine:
            codes |= {c.strip().casefold() for c in missing.get(key, ())}
            table |= {k.strip().casefold(): v for k, v in values.get(key, {}).items()}
        if codes or table or mine & births:
            rules[index] = _ColumnRules(frozenset(codes), table, bool(mine & births))
    return rules


class RowParser:
    """Checks and converts rows of one file; all state is per file."""

    def __init__(
        self,
        headers: tuple[str, ...],
        mapping: ColumnMap,
        *,
        source_id: str,
        incident_id: str | None,
        file_name: str,
        file_sha256: str,
        rows: Sequence[tuple[str, ...]] = (),
        keyed: Callable[[str], str] | None = None,
        release: str = "",
    ) -> None:
        self.headers = headers
        self.mapping = mapping
        self.release = release
        self.plan = plan_columns(headers, mapping, rows)
        self.columns = self.plan.columns
        self.sensitive_other = self.plan.sensitive_other
        self.rules = _rules_for(mapping, headers, self.plan)
        self.constants = dict(mapping.constants)
        self.vocabulary = StatusVocabulary(mapping.status)
        self._status = lru_cache(maxsize=_CACHED)(self.vocabulary.lookup)
        self.source_id = source_id
        self.incident_id = incident_id
        self.file_name = file_name
        self.file_sha256 = file_sha256
        self.has_record_id = "record_id" in self.columns.values()
        self.record_index = next(
            (i for i, t in self.columns.items() if t == "record_id"), None
        )
        self.extra_headers = _extra_names(
            headers, set(self.columns) | set(self.sensitive_other) | self.plan.dropped
        )
        self.sensitive_headers = self.plan.sensitive_headers(headers)
        self.provenance_columns = {
            target: headers[i] for i, target in self.columns.items()
        }
        self._seen: dict[str, int] = {}
        self._keyed = keyed
        self._plain = [(i, t) for i, t in self.columns.items() if i not in self.rules]
        self._ruled = [(i, t) for i, t in self.columns.items() if i in self.rules]

    def describe(self) -> list[tuple[str, str, str]]:
        """Every column: (header, where it goes, why); sealed places say so."""
        out: list[tuple[str, str, str]] = []
        for index, header in enumerate(self.headers):
            name = header or f"column_{index + 1}"
            why = self.plan.why.get(index, "")
            if index in self.plan.dropped:
                place = "(dropped)"
            elif index in self.columns:
                target = self.columns[index]
                sealed = target in SENSITIVE_COLUMNS or (
                    target == "record_id" and self.plan.sealed_record_id
                )
                place = target + (" (sealed)" if sealed else "")
            elif index in self.sensitive_other:
                place = f"sealed value {self.sensitive_other[index]!r}"
            else:
                place = f"extra field {self.extra_headers[index]!r}"
                why = why or "not a known column"
            rule = self.rules.get(index)
            if rule is not None:
                notes = []
                if rule.missing:
                    notes.append("missing: " + ", ".join(sorted(rule.missing)))
                if rule.values:
                    notes.append(f"{len(rule.values)} value(s) mapped")
                if rule.birth_years:
                    notes.append("years are years of birth")
                why = "; ".join([why, *notes]) if why else "; ".join(notes)
            out.append((name, place, why))
        out += [
            (f"(constant) {v!r}", target, "map file [constants]")
            for target, v in self.constants.items()
        ]
        return out

    def map_used(
        self, mapping: ColumnMap, issues: Iterable[ImportIssue] = ()
    ) -> tuple[ColumnMap, dict[str, list[str]]]:
        """The map this parser applies, whole (for ``--map-out``), and lines to
        suggest from the problems found (``issues``): missing-value codes and
        birth-year columns, by map table."""
        columns = {
            self.headers[i] or f"column_{i + 1}": t for i, t in self.columns.items()
        }
        sensitive = list(mapping.sensitive)
        for index in self.sensitive_other:
            header = self.headers[index]
            if header and header not in sensitive:
                sensitive.append(header)
        record = self.record_index
        if self.plan.sealed_record_id and record is not None:
            header = self.headers[record]
            if header and header not in sensitive:
                sensitive.append(header)
        used = ColumnMap(
            columns=columns,
            status=dict(mapping.status),
            sensitive=tuple(sensitive),
            drop=tuple(self.headers[i] for i in sorted(self.plan.dropped)),
            constants=dict(mapping.constants),
            missing=dict(mapping.missing),
            values=dict(mapping.values),
            birth_years=mapping.birth_years,
        )
        missing: dict[str, set[str]] = {}
        births: list[str] = []
        for issue in issues:
            value = issue.value.strip()
            if value.casefold() in COMMON_MISSING_CODES:
                missing.setdefault(issue.column, set()).add(value)
            elif "year of birth" in issue.reason and issue.column not in births:
                births.append(issue.column)
        suggestions = {
            "missing": [
                f"{json.dumps(c, ensure_ascii=False)} = "
                f"{json.dumps(sorted(v), ensure_ascii=False)}"
                for c, v in missing.items()
            ],
            "birth_years": [
                f"columns = {json.dumps(births, ensure_ascii=False)}"
                "  # replaces the line above"
            ]
            if births
            else [],
        }
        return used, suggestions

    # -- one row, in steps -------------------------------------------------------

    def _clean(self, index: int, text: str) -> str:
        """A cell as the map says to read it: missing codes empty, values mapped."""
        value = text.strip()
        rule = self.rules.get(index)
        if rule is None or not value:
            return value
        folded = value.casefold()
        if folded in rule.missing:
            return ""
        return rule.values.get(folded, value)

    def _values(
        self, cells: tuple[str, ...]
    ) -> tuple[dict[str, str], dict[str, str], dict[str, str], str]:
        """Canonical values, extra values, sensitive extras; and a year of birth
        found in a ``[birth_years]`` column other than ``dob``."""
        values = dict.fromkeys(CANONICAL_COLUMNS, "")
        birth_year = ""
        width = len(cells)
        for index, target in self._plain:  # no map rules: the common, fast case
            if index < width:
                values[target] = cells[index].strip()
        for index, target in self._ruled:
            if index < width:
                value = self._clean(index, cells[index])
                rule = self.rules[index]
                if rule.birth_years and target != "dob" and _YEAR_CELL.fullmatch(value):
                    birth_year, value = value.strip(), ""
                values[target] = value
        for target, value in self.constants.items():
            if not values[target]:
                values[target] = value
        extra = {
            name: value
            for i, name in self.extra_headers.items()
            if i < len(cells) and (value := self._clean(i, cells[i]))
        }
        other = {
            name: value
            for i, name in self.sensitive_other.items()
            if i < len(cells) and (value := self._clean(i, cells[i]))
        }
        return values, extra, other, birth_year

    def _hash(
        self, values: dict[str, str], extra: dict[str, str], other: dict[str, str]
    ) -> str:
        hashed = dict(values)
        if self.plan.sealed_record_id:
            hashed["record_id"] = ""  # sealed with the other sensitive values
        shown_extra = dict(extra)
        for column in _HASHED_AS_EXTRA:
            if hashed[column]:
                shown_extra[self.provenance_columns.get(column, column)] = hashed[
                    column
                ]
            hashed[column] = ""
        return _content_hash(
            self.incident_id, hashed, {**shown_extra, **other}, set(other), self._keyed
        )

    def _sealed_id(self, value: str) -> str:
        """The record id of a sealed record-id value: its keyed digest."""
        if self._keyed is not None:
            return "s:" + self._keyed("record_id\x1f" + value)[:20]
        # Without a workspace secret (measurements only) a plain digest.
        return "s:" + hashlib.sha256(value.encode()).hexdigest()[:20]

    def _record_id(
        self, line: int, values: dict[str, str], digest: str, bad: _Bad
    ) -> str:
        record_id = values["record_id"]
        if self.has_record_id:
            if not record_id:
                bad("record_id", "record_id is empty")
            elif self.plan.sealed_record_id:
                record_id = self._sealed_id(record_id)
        else:
            record_id = f"h:{digest[:16]}"
        if record_id in self._seen:
            if self.has_record_id:
                bad("record_id", f"record_id repeats line {self._seen[record_id]}")
            else:  # identical rows without ids: keep each, they may be list duplicates
                n = 2
                while f"{record_id}-{n}" in self._seen:
                    n += 1
                record_id = f"{record_id}-{n}"
        self._seen.setdefault(record_id, line)
        return record_id

    def _sex(self, values: dict[str, str], bad: _Bad) -> Sex:
        sex = _sex_of(values["sex"])
        if sex is None:
            header = self.provenance_columns.get("sex", "sex")
            bad(
                "sex",
                "not a sex (use M, F, male, female, مرد, عورت or leave empty)"
                + _missing_hint(values["sex"], header),
            )
            return Sex.UNKNOWN
        return sex

    def _age(
        self, values: dict[str, str], bad: _Bad
    ) -> tuple[Age | None, int | None, int | None]:
        age: Age | None = None
        age_min = age_max = None
        try:
            age = _age_of(values["age"])
            if age is not None:
                age_min, age_max = age.minimum, age.maximum
        except ValueError as exc:
            header = self.provenance_columns.get("age", "age")
            if _YEAR_CELL.fullmatch(values["age"]):
                bad(
                    "age",
                    "looks like a year of birth, not an age (if the column holds "
                    f"years of birth, say so: [birth_years] columns = [{header!r}])",
                )
            else:
                bad("age", str(exc) + _missing_hint(values["age"], header))
        for column in ("age_min", "age_max"):
            try:
                bound = parse_age_bound(values[column])
            except ValueError as exc:
                bad(column, str(exc))
                continue
            if bound is not None:
                if column == "age_min":
                    age_min = bound
                else:
                    age_max = bound
        if age_min is not None and age_max is not None and age_min > age_max:
            bad(
                "age_max" if values["age_max"] else "age", "minimum age exceeds maximum"
            )
        return age, age_min, age_max

    def _date(
        self, values: dict[str, str], column: str, bad: _Bad
    ) -> PartialDate | None:
        try:
            return _date_of(values[column])
        except ValueError as exc:
            header = self.provenance_columns.get(column, column)
            bad(column, str(exc) + _missing_hint(values[column], header))
            return None

    def parse(self, line: int, cells: tuple[str, ...]) -> ParsedRow | list[ImportIssue]:
        """Return the parsed row, or every issue found in it."""
        issues: list[ImportIssue] = []
        width = len(self.headers)
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            issues.append(
                ImportIssue(
                    line, "", "", f"row has {len(cells)} cells but {width} headers"
                )
            )
        values, extra, other, birth_year = self._values(cells)

        def bad(column: str, reason: str) -> None:
            sealed = column in SENSITIVE_COLUMNS or (
                column == "record_id" and self.plan.sealed_record_id
            )
            shown = WITHHELD if sealed else values[column]
            header = self.provenance_columns.get(column, column)
            issues.append(ImportIssue(line, header, shown, reason))

        if self.plan.sealed_record_id and values["record_id"]:
            # The value is sealed with the other sensitive ones, never hashed plain.
            header = self.headers[self.record_index or 0] or "record_id"
            other = {header: values["record_id"], **other}
        digest = self._hash(values, extra, other)
        record_id = self._record_id(line, values, digest, bad)
        sex = self._sex(values, bad)
        age, age_min, age_max = self._age(values, bad)
        date = self._date(values, "date", bad)
        if birth_year and not values["dob"]:
            values["dob"] = birth_year
        dob = self._date(values, "dob", bad)
        national_id = _national_id(values, bad)
        if issues:
            return issues
        report = self._report(
            line,
            record_id,
            digest,
            values,
            extra,
            sex,
            age,
            age_min,
            age_max,
            date,
            dob,
        )
        sensitive = SensitiveFields(
            national_id=national_id,
            phone=values["phone"],
            witness_name=values["witness_name"],
            witness_contact=values["witness_contact"],
            other=other,
        )
        return ParsedRow(line, record_id, digest, report, sensitive)

    def _report(
        self,
        line: int,
        record_id: str,
        digest: str,
        values: dict[str, str],
        extra: dict[str, str],
        sex: Sex,
        age: Age | None,
        age_min: int | None,
        age_max: int | None,
        date: PartialDate | None,
        dob: PartialDate | None,
    ) -> Report:
        status = self._status(values["status"])
        text = {
            c: values[c]
            for c in (
                "full_name", "given_name", "family_name", "father_name", "name_urdu",
                "place", "address", "district", "tehsil", "union_council", "village",
                "occupation", "cause", "circumstances", "notes",
            )
        }  # fmt: skip
        return report_of(
            {
                "report_id": report_id_for(self.source_id, record_id, self.incident_id),
                "version": 1,
                "source_id": self.source_id,
                "incident_id": self.incident_id,
                "record_id": record_id,
                "content_hash": digest,
                "sex": sex,
                "age": age.value if age else None,
                "age_min": age_min,
                "age_max": age_max,
                "age_estimated": age.estimated if age else False,
                "dob": dob.iso if dob else None,
                "dob_precision": dob.precision if dob else None,
                "status": status or Status.UNKNOWN,
                "status_as_written": values["status"],
                "status_recognised": status is not None,
                "date": date.iso if date else None,
                "date_precision": date.precision if date else None,
                "date_estimated": date.estimated if date else False,
                "extra": extra,
                "provenance": Provenance(
                    self.file_name,
                    self.file_sha256,
                    line,
                    self.provenance_columns,
                    self.release,
                ),
                **text,
            }
        )


_Bad = Callable[[str, str], None]


def _national_id(values: dict[str, str], bad: _Bad) -> str | None:
    """The national id as 13 digits; its value is never repeated in an issue."""
    try:
        return parse_cnic(values["national_id"])
    except ValueError as exc:
        bad("national_id", str(exc))
        return None


def _missing_hint(value: str, header: str) -> str:
    """A hint when a refused value is a common "not known" code."""
    if value.strip().casefold() in COMMON_MISSING_CODES:
        return (
            f" (if {value.strip()!r} means 'not known', say so: "
            f"[missing] {header!r} = [{value.strip()!r}])"
        )
    return ""


def _extra_names(headers: tuple[str, ...], mapped: set[int]) -> dict[int, str]:
    """Names for unmapped columns: the header, ``column_N`` if blank, ``_2`` if repeated."""
    names: dict[int, str] = {}
    used: set[str] = set()
    for index, header in enumerate(headers):
        if index in mapped:
            continue
        name = base = header or f"column_{index + 1}"
        n = 2
        while name in used:
            name, n = f"{base}_{n}", n + 1
        used.add(name)
        names[index] = name
    return names


#: A row's canonical and sensitive values, in their order, in one call each.
_canonical_values = itemgetter(*CANONICAL_COLUMNS)
_sensitive_values = itemgetter(*SENSITIVE_COLUMNS)


def _content_hash(
    incident_id: str | None,
    values: dict[str, str],
    extra: dict[str, str],
    sensitive_extra: Collection[str] = (),
    keyed: Callable[[str], str] | None = None,
) -> str:
    """SHA-256 over what a row says (not where it sits in the file): the change key.

    Each part is length-prefixed, so no cell content can shift a boundary. With
    ``keyed`` (the workspace's HMAC), the sensitive values enter only through
    their keyed digest: the content hash sits in the event in the clear, and a
    plain hash of a row whose only unknown is a 13-digit id could be inverted by
    trying every id.
    """

    def joined(parts: list[str]) -> str:
        # Most cells are empty: "0:" written as such is a quarter faster.
        return "".join([f"{len(part)}:{part}" if part else "0:" for part in parts])

    has_secret = any(_sensitive_values(values)) or bool(sensitive_extra)
    if keyed is None or not has_secret:  # a row without sensitive values: as before
        parts = [incident_id or "", *_canonical_values(values)]
        for key, value in sorted(extra.items()):
            parts += [key, value]
        return hashlib.sha256(joined(parts).encode("utf-8")).hexdigest()
    plain = [incident_id or ""]
    secret: list[str] = []
    for column in CANONICAL_COLUMNS:
        (secret if column in SENSITIVE_COLUMNS else plain).append(values[column])
    for key, value in sorted(extra.items()):
        (secret if key in sensitive_extra else plain).extend([key, value])
    plain.append(keyed(joined(secret)))
    return hashlib.sha256(joined(plain).encode("utf-8")).hexdigest()


def report_id_for(
    source_id: str, record_id: str, incident_id: str | None = None
) -> str:
    """The stable id of a source's record: the same on every device that imports it.

    The incident is part of the key because a source numbers each list afresh:
    row 17 of the hospital's list for one incident is not row 17 of the next.
    """
    key = source_id if incident_id is None else f"{source_id}\x1f{incident_id}"
    digest = hashlib.sha256(f"{key}\x1f{record_id}".encode()).hexdigest()
    return f"rep-{digest[:16]}"
