"""Turning one row of a source list into a report: column mapping and value checks.

Every problem in a row becomes an :class:`ImportIssue` (file line, column, value,
reason) so that a documenter can fix the list in one pass; values of sensitive
columns are never repeated in an issue.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
import unicodedata
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gawah.errors import UserInputError
from gawah.registry.models import (
    CANONICAL_COLUMNS,
    SENSITIVE_COLUMNS,
    Provenance,
    Report,
    SensitiveFields,
)
from gawah.registry.parsing import parse_age, parse_age_bound, parse_cnic, parse_date
from gawah.registry.reading import Table
from gawah.registry.vocabularies import Sex, Status, StatusVocabulary, parse_sex

WITHHELD = "(withheld: sensitive)"

# Headers lists commonly use for canonical columns (matched after normalising).
_ALIASES: dict[str, str] = {
    "id": "record_id", "sr no": "record_id", "s no": "record_id", "serial": "record_id",
    "serial no": "record_id", "no": "record_id", "name": "full_name",
    "victim name": "full_name", "first name": "given_name", "last name": "family_name",
    "surname": "family_name", "caste": "family_name", "father": "father_name",
    "s o": "father_name", "father name": "father_name", "fathers name": "father_name",
    "father s name": "father_name", "urdu name": "name_urdu", "نام": "name_urdu",
    # The name in its own script, whatever the script: Urdu or Arabic.
    "name native": "name_urdu", "native name": "name_urdu", "name arabic": "name_urdu",
    "arabic name": "name_urdu", "الاسم": "name_urdu", "اسم": "name_urdu",
    "gender": "sex", "condition": "status", "outcome": "status",
    "date of incident": "date",
    "uc": "union_council",
    "profession": "occupation",
    "remarks": "notes", "comments": "notes",
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
        "موبائل", "موبائل نمبر", "فون", "فون نمبر", "ٹیلیفون",
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


def looks_sensitive(cells: Iterable[str]) -> bool:
    """True when at least half of the non-empty cells are whole ids or phone numbers."""
    filled = matched = 0
    for cell in cells:
        text = cell.strip().replace("(", "").replace(")", "")
        if not text:
            continue
        filled += 1
        if _CNIC_CELL.fullmatch(text) or _PHONE_CELL.fullmatch(text):
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


@dataclass(frozen=True)
class ColumnMap:
    """A map file: header renames (``[columns]``), status spellings (``[status]``),
    headers to treat as sensitive (``[sensitive] columns = [...]``)."""

    columns: dict[str, str] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)
    sensitive: tuple[str, ...] = ()


def load_map(path: Path) -> ColumnMap:
    """Read a TOML map file; targets must be canonical columns."""
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserInputError(f"map file {path}: {exc}") from None
    columns = {str(k): str(v) for k, v in data.get("columns", {}).items()}
    for header, target in columns.items():
        if target not in CANONICAL_COLUMNS:
            raise UserInputError(
                f"map file {path.name}: {header!r} maps to {target!r}, "
                "which is not a canonical column (see docs/guides/import.md)"
            )
    status = {str(k): str(v) for k, v in data.get("status", {}).items()}
    marked = data.get("sensitive", [])
    if isinstance(marked, dict):
        marked = marked.get("columns", [])
    if not isinstance(marked, list) or not all(isinstance(h, str) for h in marked):
        raise UserInputError(
            f"map file {path.name}: [sensitive] columns must be a list of headers"
        )
    return ColumnMap(columns, status, tuple(marked))


@dataclass(frozen=True)
class ColumnPlan:
    """Where each column of a list goes.

    ``columns``: index -> canonical column; ``sensitive_other``: index -> name of
    a sensitive column kept under its header; ``detected``: headers treated as
    sensitive because their cells look like national ids or phone numbers.
    """

    columns: dict[int, str]
    sensitive_other: dict[int, str]
    detected: tuple[str, ...]

    def sensitive_headers(self, headers: tuple[str, ...]) -> tuple[str, ...]:
        """Every header whose values are sealed, in file order."""
        picked = {
            i for i, target in self.columns.items() if target in SENSITIVE_COLUMNS
        } | set(self.sensitive_other)
        return tuple(headers[i] or f"column_{i + 1}" for i in sorted(picked))


def plan_columns(
    headers: tuple[str, ...],
    mapping: ColumnMap,
    rows: Sequence[tuple[str, ...]] = (),
) -> ColumnPlan:
    """Map headers to canonical columns and find the sensitive ones.

    A header is sensitive when it is a sensitive canonical column, a known
    spelling of one (English or Urdu), marked in the map file, or unrecognised
    with cells that look like national ids or phone numbers (``rows``). A second
    column of the same sensitive kind ("Mobile", "Contact No") is kept as a
    sensitive value under its own header rather than refused.
    """
    renames = {_header_key(k): v for k, v in mapping.columns.items()}
    marked = {_header_key(h) for h in mapping.sensitive}
    result: dict[int, str] = {}
    other: dict[int, str] = {}
    detected: list[str] = []
    seen: dict[str, str] = {}
    used_names: set[str] = set()
    for index, header in enumerate(headers):
        key = _header_key(header)
        target = (
            renames.get(key)
            or _CANONICAL_KEYS.get(key)
            or _ALIASES.get(key)
            or sensitive_target(header)
        )
        if key in marked and (target is None or target not in SENSITIVE_COLUMNS):
            target = SENSITIVE_OTHER
        if target is None:
            column = [r[index] for r in rows if index < len(r)]
            if looks_sensitive(column):
                target = SENSITIVE_OTHER
                detected.append(header or f"column_{index + 1}")
            else:
                continue
        if target in seen and target in SENSITIVE_COLUMNS:
            target = SENSITIVE_OTHER
        if target == SENSITIVE_OTHER:
            name = base = header or f"column_{index + 1}"
            n = 2
            while name in used_names:
                name, n = f"{base}_{n}", n + 1
            used_names.add(name)
            other[index] = name
            continue
        if target in seen:
            raise UserInputError(
                f"columns {seen[target]!r} and {header!r} both mean {target!r}; "
                "rename one with a map file"
            )
        seen[target] = header
        result[index] = target
    return ColumnPlan(result, other, tuple(detected))


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


def locate_header(table: Table, mapping: ColumnMap) -> Table:
    """Skip title lines above the header row ("List of martyrs, compiled by ...").

    The first row is the header when it names at least two known columns;
    otherwise the first of the next rows that does becomes the header. A list
    with no such row keeps its first row (its columns then go to ``extra``).
    """
    if _recognised(table.headers, mapping) >= 2:
        return table
    for index, (line, cells) in enumerate(table.rows[:_HEADER_SEARCH_ROWS]):
        headers = tuple(c.strip() for c in cells)
        if _recognised(headers, mapping) >= 2:
            while headers and not headers[-1]:
                headers = headers[:-1]
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


@dataclass(frozen=True)
class ParsedRow:
    """A row that passed every check, ready to become a ``report.recorded`` event."""

    line: int
    record_id: str
    content_hash: str
    report: Report
    sensitive: SensitiveFields


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
    ) -> None:
        self.headers = headers
        self.plan = plan_columns(headers, mapping, rows)
        self.columns = self.plan.columns
        self.sensitive_other = self.plan.sensitive_other
        self.vocabulary = StatusVocabulary(mapping.status)
        self.source_id = source_id
        self.incident_id = incident_id
        self.file_name = file_name
        self.file_sha256 = file_sha256
        self.has_record_id = "record_id" in self.columns.values()
        self.extra_headers = _extra_names(
            headers, set(self.columns) | set(self.sensitive_other)
        )
        self.sensitive_headers = self.plan.sensitive_headers(headers)
        self.provenance_columns = {
            target: headers[i] for i, target in self.columns.items()
        }
        self._seen: dict[str, int] = {}
        self._keyed = keyed

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
        values = dict.fromkeys(CANONICAL_COLUMNS, "")
        for index, target in self.columns.items():
            if index < len(cells):
                values[target] = cells[index].strip()
        extra = {
            name: cells[i].strip()
            for i, name in self.extra_headers.items()
            if i < len(cells) and cells[i].strip()
        }

        other = {
            name: cells[i].strip()
            for i, name in self.sensitive_other.items()
            if i < len(cells) and cells[i].strip()
        }

        def bad(column: str, reason: str) -> None:
            shown = WITHHELD if column in SENSITIVE_COLUMNS else values[column]
            header = self.provenance_columns.get(column, column)
            issues.append(ImportIssue(line, header, shown, reason))

        # Sensitive columns kept under their header hash as extra ones did, so a
        # list imported before they were recognised is not recorded again.
        digest = _content_hash(
            self.incident_id, values, {**extra, **other}, set(other), self._keyed
        )
        record_id = values["record_id"]
        if self.has_record_id:
            if not record_id:
                bad("record_id", "record_id is empty")
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

        sex = parse_sex(values["sex"])
        if sex is None:
            bad("sex", "not a sex (use M, F, male, female, مرد, عورت or leave empty)")
            sex = Sex.UNKNOWN
        age_value = age_min = age_max = None
        age_estimated = False
        try:
            age = parse_age(values["age"])
            if age is not None:
                age_value, age_min, age_max = age.value, age.minimum, age.maximum
                age_estimated = age.estimated
        except ValueError as exc:
            bad("age", str(exc))
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
        date = None
        try:
            date = parse_date(values["date"])
        except ValueError as exc:
            bad("date", str(exc))
        national_id = None
        try:
            national_id = parse_cnic(values["national_id"])
        except ValueError as exc:
            bad("national_id", str(exc))
        status = self.vocabulary.lookup(values["status"])
        if issues:
            return issues
        report = Report(
            report_id=report_id_for(self.source_id, record_id, self.incident_id),
            version=1,
            source_id=self.source_id,
            incident_id=self.incident_id,
            record_id=record_id,
            content_hash=digest,
            full_name=values["full_name"],
            given_name=values["given_name"],
            family_name=values["family_name"],
            father_name=values["father_name"],
            name_urdu=values["name_urdu"],
            sex=sex,
            age=age_value,
            age_min=age_min,
            age_max=age_max,
            age_estimated=age_estimated,
            status=status or Status.UNKNOWN,
            status_as_written=values["status"],
            status_recognised=status is not None,
            date=date.iso if date else None,
            date_precision=date.precision if date else None,
            date_estimated=date.estimated if date else False,
            place=values["place"],
            address=values["address"],
            district=values["district"],
            tehsil=values["tehsil"],
            union_council=values["union_council"],
            village=values["village"],
            occupation=values["occupation"],
            cause=values["cause"],
            circumstances=values["circumstances"],
            notes=values["notes"],
            extra=extra,
            provenance=Provenance(
                self.file_name, self.file_sha256, line, self.provenance_columns
            ),
        )
        sensitive = SensitiveFields(
            national_id=national_id,
            phone=values["phone"],
            witness_name=values["witness_name"],
            witness_contact=values["witness_contact"],
            other=other,
        )
        return ParsedRow(line, record_id, digest, report, sensitive)


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
        return "".join(f"{len(part)}:{part}" for part in parts)

    has_secret = any(values[c] for c in SENSITIVE_COLUMNS) or bool(sensitive_extra)
    if keyed is None or not has_secret:  # a row without sensitive values: as before
        parts = [incident_id or "", *(values[c] for c in CANONICAL_COLUMNS)]
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
