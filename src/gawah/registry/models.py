"""The registry's typed records and the ledger payloads they travel in.

A *report* is one person as one source reported them (ECW: never merge what
sources said; keep each account). A *person* is a cluster of reports, decided
by linkage. Sensitive values (national id, phone, witness identity) travel in a
separate ``sensitive`` object of the payload and live in their own table, so
they can be encrypted and withheld without touching the rest of the record.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from gawah.registry.vocabularies import DatePrecision, Sex, Status

if TYPE_CHECKING:
    from gawah.sealing import Sealer

INCIDENT_RECORDED = "incident.recorded"
SOURCE_RECORDED = "source.recorded"
REPORT_RECORDED = "report.recorded"
PERSONS_ASSIGNED = "persons.assigned"
SOURCE_RELEASED = "source.released"

#: Columns a source list may have, in export order (docs/guides/import.md).
CANONICAL_COLUMNS: tuple[str, ...] = (
    "record_id", "full_name", "given_name", "family_name", "father_name",
    "name_urdu", "sex", "age", "age_min", "age_max", "dob", "status", "date", "place",
    "address", "district", "tehsil", "union_council", "village", "occupation",
    "cause", "circumstances", "notes", "national_id", "phone", "witness_name",
    "witness_contact",
)  # fmt: skip

#: Columns that are never shown, listed or exported unless explicitly asked for.
SENSITIVE_COLUMNS: tuple[str, ...] = (
    "national_id",
    "phone",
    "witness_name",
    "witness_contact",
)

#: How the source knows (HURIDOCS MT19 "source connection to information").
SOURCE_CONNECTIONS: tuple[str, ...] = (
    "victim", "witness", "relative_of_victim", "medical_provider", "reporter", "lawyer",
    "ngo", "official", "perpetrator", "third_party", "unknown",
)  # fmt: skip

#: How far the source has proved right (HURIDOCS MT42 "reliability").
SOURCE_RELIABILITY: tuple[str, ...] = (
    "highly_reliable", "likely_reliable", "unsure", "likely_unreliable",
    "highly_unreliable", "unknown",
)  # fmt: skip

#: Source kinds (ECW "at least the kind of source"; HURIDOCS MT16/MT19 simplified).
SOURCE_KINDS: tuple[str, ...] = (
    "hospital", "party", "press", "family", "official", "ngo", "witness", "lawyer",
    "other",
)  # fmt: skip


@dataclass(frozen=True)
class Incident:
    """An event in which people were harmed: a protest crackdown, a raid, a shooting."""

    incident_id: str
    title: str
    date: str | None = None
    date_precision: DatePrecision | None = None
    place: str = ""
    district: str = ""
    description: str = ""

    def to_payload(self) -> dict[str, Any]:
        """The JSON payload of an ``incident.recorded`` event."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Incident:
        """Rebuild from an event payload (unknown keys from newer versions ignored)."""
        precision = payload.get("date_precision")
        return cls(
            incident_id=str(payload["incident_id"]),
            title=str(payload["title"]),
            date=payload.get("date"),
            date_precision=DatePrecision(precision) if precision else None,
            place=str(payload.get("place", "")),
            district=str(payload.get("district", "")),
            description=str(payload.get("description", "")),
        )


@dataclass(frozen=True)
class Source:
    """Who reported: a hospital register, a party list, a newspaper, families.

    ``connection`` (HURIDOCS MT19) says how the source knows, ``reliability``
    (MT42) how far it has proved right; sources sharing an ``independence_group``
    (a party and its newspaper) do not corroborate each other. An empty group
    means the source is its own group.
    """

    source_id: str
    name: str
    kind: str = "other"
    description: str = ""
    connection: str = "unknown"
    reliability: str = "unknown"
    independence_group: str = ""

    @property
    def group(self) -> str:
        """The independence group, defaulting to the source itself."""
        return self.independence_group or self.source_id

    def to_payload(self) -> dict[str, Any]:
        """The JSON payload of a ``source.recorded`` event."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Source:
        """Rebuild from an event payload."""
        return cls(
            source_id=str(payload["source_id"]),
            name=str(payload["name"]),
            kind=str(payload.get("kind", "other")),
            description=str(payload.get("description", "")),
            connection=str(payload.get("connection", "unknown")),
            reliability=str(payload.get("reliability", "unknown")),
            independence_group=str(payload.get("independence_group", "")),
        )


@dataclass(frozen=True)
class Release:
    """One release of a source's list, as imported: what it added, changed, dropped.

    ``dropped``: the source's reports (for this incident) that the release no
    longer lists; they are kept (the ledger never forgets what a source said).
    """

    source_id: str
    release: str
    incident_id: str | None
    file_name: str
    file_sha256: str
    rows: int
    added: int
    changed: int
    unchanged: int
    dropped: int
    rejected: int = 0

    def to_payload(self) -> dict[str, Any]:
        """The JSON payload of a ``source.released`` event."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Release:
        """Rebuild from an event payload."""
        counts = ("rows", "added", "changed", "unchanged", "dropped", "rejected")
        return cls(
            source_id=str(payload["source_id"]),
            release=str(payload["release"]),
            incident_id=payload.get("incident_id"),
            file_name=str(payload.get("file_name", "")),
            file_sha256=str(payload.get("file_sha256", "")),
            **{name: int(payload.get(name, 0)) for name in counts},
        )


@dataclass(frozen=True)
class SensitiveFields:
    """Values that could endanger a victim's family or a witness if disclosed."""

    national_id: str | None = None
    phone: str = ""
    witness_name: str = ""
    witness_contact: str = ""
    other: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The non-empty values as a JSON-able mapping (``other`` only if present)."""
        values: dict[str, Any] = {
            "national_id": self.national_id,
            "phone": self.phone,
            "witness_name": self.witness_name,
            "witness_contact": self.witness_contact,
        }
        values = {k: v for k, v in values.items() if v}
        if self.other:
            values["other"] = dict(self.other)
        return values

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> SensitiveFields:
        """Rebuild from :meth:`to_dict` (missing keys are empty)."""
        return cls(
            national_id=values.get("national_id"),
            phone=str(values.get("phone") or ""),
            witness_name=str(values.get("witness_name") or ""),
            witness_contact=str(values.get("witness_contact") or ""),
            other={str(k): str(v) for k, v in (values.get("other") or {}).items()},
        )


@dataclass(frozen=True)
class Provenance:
    """Where a report came from: file, line, headers that differ from field names."""

    file_name: str
    file_sha256: str
    line: int
    columns: dict[str, str] = field(default_factory=dict)
    #: The source's release the row came from (``gawah import --release``), if named.
    release: str = ""


@dataclass(frozen=True)
class Report:
    """One person as reported by one source, values parsed and as written.

    ``report_id`` is stable for (source, record_id); a changed row is recorded
    again with ``version`` + 1 and replaces the previous version.
    ``status_as_written`` keeps the source's word; ``status_recognised`` is
    False when the vocabulary did not know it (then ``status`` is UNKNOWN).
    """

    report_id: str
    version: int
    source_id: str
    incident_id: str | None
    record_id: str
    content_hash: str
    full_name: str = ""
    given_name: str = ""
    family_name: str = ""
    father_name: str = ""
    name_urdu: str = ""
    sex: Sex = Sex.UNKNOWN
    age: int | None = None
    age_min: int | None = None
    age_max: int | None = None
    age_estimated: bool = False
    #: Date of birth as far as the source gave it: "1987-03-14", "1987-03" or "1987".
    dob: str | None = None
    dob_precision: DatePrecision | None = None
    status: Status = Status.UNKNOWN
    status_as_written: str = ""
    status_recognised: bool = True
    date: str | None = None
    date_precision: DatePrecision | None = None
    date_estimated: bool = False
    place: str = ""
    address: str = ""
    district: str = ""
    tehsil: str = ""
    union_council: str = ""
    village: str = ""
    occupation: str = ""
    cause: str = ""
    circumstances: str = ""
    notes: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    provenance: Provenance | None = None


#: Every field of :class:`Report`.
_REPORT_FIELDS = frozenset(f.name for f in fields(Report))


def report_of(values: dict[str, Any]) -> Report:
    """``Report(**values)``, when ``values`` names every field: the same frozen
    object without the ``object.__setattr__`` per field that a frozen
    dataclass's ``__init__`` makes (36 of them: measured 25 µs a report
    against 1.5, a million of them in a million-row import). With a field
    missing or unknown, ``Report(**values)`` decides (a default, or TypeError).
    """
    if values.keys() != _REPORT_FIELDS:
        return Report(**values)
    report = object.__new__(Report)
    report.__dict__.update(values)
    return report


_REPORT_SCALARS = tuple(
    f.name for f in fields(Report) if f.name not in ("extra", "provenance")
)


#: Payload keys always present; the others are omitted when they hold the default.
_REQUIRED_KEYS = frozenset(
    {"report_id", "version", "source_id", "record_id", "content_hash"}
)
_DEFAULTS: dict[str, Any] = {
    f.name: f.default for f in fields(Report) if f.name in _REPORT_SCALARS
}


#: (name, default, always kept) of each scalar, and a getter of all of them at
#: once (an import builds a million payloads; one getattr per field cost more).
_SCALAR_RULES = tuple(
    (name, _DEFAULTS[name], name in _REQUIRED_KEYS) for name in _REPORT_SCALARS
)
_scalars_of = attrgetter(*_REPORT_SCALARS)


def report_payload(
    report: Report, sensitive: SensitiveFields, sealer: Sealer | None = None
) -> dict[str, Any]:
    """The JSON payload of a ``report.recorded`` event (sensitive values kept apart).

    With a ``sealer`` the sensitive values enter the event only as ciphertext
    (``sealed``), with keyed hashes of the national id and phone (``match``) for
    linkage; without one (workspaces made before sealing, measurements) they are
    stored as plain ``sensitive`` values.

    Values equal to the default of :class:`Report` (empty text, None, unknown,
    False, recognised status) are left out to keep events small: a 100,000-row
    list is 100,000 signed events. Provenance names the file, line and, for each
    value whose column header differs from the canonical name, that header.
    """
    payload: dict[str, Any] = {
        name: value
        for (name, default, required), value in zip(
            _SCALAR_RULES, _scalars_of(report), strict=True
        )
        if required or value != default
    }
    if report.extra:
        payload["extra"] = report.extra
    secret = sensitive.to_dict()
    if secret and sealer is not None:
        payload["sealed"] = sealer.seal_json(report.report_id, secret)
        match = {
            kind: key
            for kind, value in (
                ("national_id", sensitive.national_id or ""),
                ("phone", sensitive.phone),
            )
            if (key := sealer.match_key(kind, value))
        }
        if match:
            payload["match"] = match
    elif secret:
        payload["sensitive"] = secret
    prov = report.provenance
    if prov is not None:
        payload["provenance"] = {
            "file_name": prov.file_name,
            "file_sha256": prov.file_sha256,
            "line": prov.line,
            "columns": {
                k: v
                for k, v in prov.columns.items()
                if v != k and (k in payload or k in secret)
            },
        }
        if prov.release:
            payload["provenance"]["release"] = prov.release
    return payload


def report_from_payload(payload: dict[str, Any]) -> tuple[Report, SensitiveFields]:
    """Rebuild a report and its sensitive values from a ``report.recorded`` payload."""
    values: dict[str, Any] = {n: payload[n] for n in _REPORT_SCALARS if n in payload}
    values.setdefault("incident_id", None)
    values["sex"] = Sex(values.get("sex") or "unknown")
    values["status"] = Status(values.get("status") or "unknown")
    for name in ("date_precision", "dob_precision"):
        precision = values.get(name)
        values[name] = DatePrecision(precision) if precision else None
    prov = payload.get("provenance")
    provenance = (
        None
        if prov is None
        else Provenance(
            file_name=str(prov["file_name"]),
            file_sha256=str(prov["file_sha256"]),
            line=int(prov["line"]),
            columns=dict(prov.get("columns", {})),
            release=str(prov.get("release", "")),
        )
    )
    return (
        Report(**values, extra=dict(payload.get("extra") or {}), provenance=provenance),
        SensitiveFields.from_dict(payload.get("sensitive") or {}),
    )


@dataclass(frozen=True)
class PersonAssignment:
    """One person (a linkage cluster) and the reports that describe them."""

    person_id: str
    report_ids: tuple[str, ...]


@dataclass(frozen=True)
class PersonsAssigned:
    """A complete assignment of reports to persons, replacing any earlier one.

    ``supersedes`` names the assignments this one was made over (the ones the
    recording device showed or held unsettled), and ``generation`` is one more
    than the highest of theirs: a causal order that does not trust device
    clocks. Two assignments neither of which supersedes the other were made
    apart (offline teams); both are kept and ``gawah sync conflicts`` lists
    them. Events recorded before these fields existed read as generation 0,
    superseding nothing.
    """

    run_id: str
    method: str
    assignments: tuple[PersonAssignment, ...]
    supersedes: tuple[str, ...] = ()
    generation: int = 0

    def to_payload(self) -> dict[str, Any]:
        """The JSON payload of a ``persons.assigned`` event."""
        payload: dict[str, Any] = {
            "run_id": self.run_id,
            "method": self.method,
            "assignments": [
                {"person_id": a.person_id, "report_ids": list(a.report_ids)}
                for a in self.assignments
            ],
        }
        if self.generation:
            payload["generation"] = self.generation
            payload["supersedes"] = sorted(self.supersedes)
        return payload

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> PersonsAssigned:
        """Rebuild from an event payload."""
        return cls(
            run_id=str(payload["run_id"]),
            method=str(payload["method"]),
            assignments=tuple(
                PersonAssignment(
                    str(a["person_id"]), tuple(str(r) for r in a["report_ids"])
                )
                for a in payload["assignments"]
            ),
            supersedes=superseded_by(payload),
            generation=generation_of(payload),
        )


def generation_of(payload: dict[str, Any]) -> int:
    """The ``generation`` of a ``persons.assigned`` payload (0 when absent or bad)."""
    value = payload.get("generation")
    return value if type(value) is int and value > 0 else 0


def superseded_by(payload: dict[str, Any]) -> tuple[str, ...]:
    """The event ids a ``persons.assigned`` payload supersedes, sorted."""
    value = payload.get("supersedes")
    if not isinstance(value, list):
        return ()
    return tuple(sorted({v for v in value if isinstance(v, str)}))


def assignment_order(
    payload: dict[str, Any], recorded_at: str, event_id: str
) -> tuple[int, str, str]:
    """The total order on ``persons.assigned`` events; the greatest one held is shown.

    Generation first (an assignment made over others comes after them, whatever
    the device clocks say), then the recorded time, then the event id, so every
    workspace holding the same events shows the same persons, whatever the
    order they arrived in.
    """
    return (generation_of(payload), recorded_at, event_id)
