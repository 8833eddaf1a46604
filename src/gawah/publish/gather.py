"""Read what a release states from a workspace: people, counts, estimates, claims.

Everything a release shows is computed here, once, into a plain
:class:`ReleaseData`; the files (:mod:`gawah.publish.files`), the report
(:mod:`gawah.publish.report`) and the web preview only render it. The people
and the estimates come from the one path every figure of gawah uses
(:func:`gawah.estimate.documented`, :func:`gawah.estimate.table_of` and
:func:`gawah.estimate.build_estimator` with its default method), so a release
says what ``gawah estimate --incident ID --status S`` says.

Redaction happens here too: only the fields the policy allows are read into
the public rows, persons who asked not to be named are counted but not
listed, and small counts are replaced by "fewer than N".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gawah.errors import GawahError, UserInputError
from gawah.publish.policy import LOCATION_FIELDS, NEVER_PUBLISHED, Policy

__all__ = [
    "SENSITIVITY_METHODS",
    "STATUSES",
    "Cell",
    "ClaimRow",
    "EstimateRow",
    "ReleaseData",
    "gather",
    "protect",
]

#: Status categories in the order a release shows them (gravest first).
STATUSES: tuple[str, ...] = ("killed", "missing", "detained", "injured")
#: Estimators re-run to show how far the number depends on the method. The
#: Bayesian samplers (lcmcr, dga) take minutes and are left to ``gawah estimate``.
SENSITIVITY_METHODS: tuple[str, ...] = ("loglinear", "stepwise", "chao", "petersen")
#: The claims domain's category for each status category.
_CLAIM_CATEGORY = {
    "killed": "killed",
    "injured": "injured",
    "detained": "arrested",
    "missing": "missing",
}
#: Report fields read for each publishable field.
_READ: Mapping[str, tuple[str, ...]] = {
    "name": ("full_name", "given_name", "family_name"),
    "name_urdu": ("name_urdu",),
    "age": ("age",),
    "sex": ("sex",),
    "date": ("date",),
    "district": ("district",),
    "tehsil": ("tehsil",),
    "union_council": ("union_council",),
    "village": ("village",),
    "occupation": ("occupation",),
}


@dataclass(frozen=True)
class Cell:
    """One published count: the number, or ``None`` when it is too small to show."""

    value: int | None
    threshold: int

    @property
    def text(self) -> str:
        """How the count is printed."""
        return f"fewer than {self.threshold}" if self.value is None else str(self.value)

    def to_json(self) -> int | str:
        """The count, or the words that replace it."""
        return self.text if self.value is None else self.value


@dataclass(frozen=True)
class EstimateRow:
    """One estimator's answer for one status (a refusal has no numbers)."""

    status: str
    method: str
    model: str | None
    estimate: float | None
    lower: float | None
    upper: float | None
    level: float
    n_observed: int
    lists: tuple[str, ...]
    reason: str | None
    warnings: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """As in ``release-data.json``."""
        return {
            "status": self.status,
            "method": self.method,
            "model": self.model,
            "estimate": self.estimate,
            "lower": self.lower,
            "upper": self.upper,
            "level": self.level,
            "n_observed": self.n_observed,
            "lists": list(self.lists),
            "reason": self.reason,
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class ClaimRow:
    """A public statement of a figure (claims are public: the speaker said it aloud)."""

    said_on: str
    speaker: str
    kind: str
    stance: str
    category: str
    low: int
    high: int | None
    note: str
    outlet: str
    url: str

    def to_dict(self) -> dict[str, Any]:
        """As in ``release-data.json``."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class ReleaseData:
    """Everything a release states, already redacted."""

    incident: dict[str, str]
    policy: Policy
    columns: tuple[str, ...]
    rows: tuple[dict[str, str], ...]
    documented: dict[str, int]
    persons: int
    by_district: dict[str, dict[str, Cell]]
    by_date: dict[str, dict[str, Cell]]
    lists: dict[str, int]
    overlaps: dict[str, dict[str, int]]
    estimates: dict[str, EstimateRow]
    sensitivity: dict[str, tuple[EstimateRow, ...]]
    claims: tuple[ClaimRow, ...]
    sources: tuple[dict[str, str | int], ...]
    linkage: dict[str, Any]
    receipt: dict[str, Any]
    ledger: dict[str, Any]
    warnings: tuple[str, ...] = field(default=())


def _text(value: object) -> str:
    value = getattr(value, "value", value)
    if value is None or value == "unknown":
        return ""
    return str(value)


def protect(
    counts: Mapping[str, Mapping[str, int]], threshold: int
) -> tuple[dict[str, dict[str, Cell]], int]:
    """Small-cell protection of a table ``row -> status -> count``.

    A count from 1 to ``threshold - 1`` is withheld. Each status's total is
    published as the documented number, so a column with exactly one withheld
    cell would give it away by subtraction: then the next smallest non-zero
    cell of that column is withheld too (secondary suppression). Zeros are
    shown. Returns the protected table and how many cells were withheld.
    """
    withheld = {
        (r, s) for r, row in counts.items() for s, n in row.items() if 0 < n < threshold
    }
    for status in STATUSES:
        column = [(counts[r].get(status, 0), r) for r in sorted(counts)]
        hidden = [r for _, r in column if (r, status) in withheld]
        if len(hidden) == 1:
            shown = sorted(
                (n, r) for n, r in column if n > 0 and (r, status) not in withheld
            )
            if shown:
                withheld.add((shown[0][1], status))
    table = {
        r: {
            s: Cell(None if (r, s) in withheld else counts[r].get(s, 0), threshold)
            for s in STATUSES
        }
        for r in sorted(counts)
    }
    return table, len(withheld)


def _name(fields: Mapping[str, str]) -> str:
    full = fields.get("full_name", "")
    if full:
        return full
    return " ".join(
        x for x in (fields.get("given_name"), fields.get("family_name")) if x
    )


def _fit(caps: Any, method: str, status: str) -> EstimateRow:
    from gawah.estimate import build_estimator

    try:
        result = build_estimator(method).fit(caps)
    except GawahError as exc:
        return EstimateRow(
            status, method, None, None, None, None, 0.95, int(caps.n_observed),
            tuple(caps.lists), str(exc), (),
        )  # fmt: skip
    return EstimateRow(
        status=status,
        method=str(result.method),
        model=result.model,
        estimate=result.estimate,
        lower=result.lower,
        upper=result.upper,
        level=float(result.level),
        n_observed=int(result.n_observed),
        lists=tuple(result.lists),
        reason=result.reason,
        # What the method did (e.g. widened the interval) is said beside the warnings.
        warnings=(*result.warnings, *result.notes),
    )


def _claims(conn: Any, incident_id: str) -> tuple[ClaimRow, ...]:
    from gawah.claims import list_claims

    out = []
    for c in list_claims(conn, incident_id):
        when = c.said_on or c.publication.date
        who = c.claimant.name or c.claimant.organisation or c.claimant.role or "unnamed"
        out.append(
            ClaimRow(
                said_on=when.isoformat() if when else "",
                speaker=who,
                kind=str(c.claimant.kind),
                stance=str(c.stance),
                category=str(c.category),
                low=c.low,
                high=c.high,
                note=c.note,
                outlet=c.publication.outlet,
                url=c.publication.url,
            )
        )
    return tuple(sorted(out, key=lambda c: (c.said_on or "9999", c.low, c.speaker)))


def _receipt(
    conn: Any, reports: Sequence[Any], policy: Policy, unnamed: int, suppressed: int
) -> dict[str, Any]:
    """What was withheld and why: kinds of field and how many records, never values."""
    from gawah.registry import is_sealed, match_keys

    keys = match_keys(conn)
    ids = [r.report_id for r in reports]
    withheld: list[dict[str, Any]] = []
    counts = {
        "national_id": sum(1 for i in ids if keys.get(i, (None, None))[0]),
        "phone": sum(1 for i in ids if keys.get(i, (None, None))[1]),
    }
    for name, why in NEVER_PUBLISHED.items():
        if name in counts:
            n = counts[name]
        elif name in ("witness_name", "witness_contact"):
            continue  # sealed together: counted below without opening them
        else:
            n = sum(1 for r in reports if _text(getattr(r, name, "")))
        withheld.append({"field": name, "reports_with_a_value": n, "why": why})
    sealed = sum(1 for i in ids if is_sealed(conn, i))
    withheld.append(
        {
            "field": "sealed sensitive values (identity numbers, phones, witnesses)",
            "reports_with_a_value": sealed,
            "why": "sealed to custodian keys; never opened for a release",
        }
    )
    for name in LOCATION_FIELDS:
        if name not in policy.fields:
            n = sum(1 for r in reports if _text(getattr(r, name, "")))
            withheld.append(
                {
                    "field": name,
                    "reports_with_a_value": n,
                    "why": "location coarsened to district (the policy allows no finer)",
                }
            )
    for name in ("name_urdu", "occupation", "age", "sex", "date"):
        if name not in policy.fields:
            n = sum(1 for r in reports if _text(getattr(r, name, "")))
            withheld.append(
                {"field": name, "reports_with_a_value": n, "why": "not in the policy"}
            )
    extra = sum(1 for r in reports if r.extra)
    withheld.append(
        {
            "field": "other columns of the source lists",
            "reports_with_a_value": extra,
            "why": "unchecked columns are never published",
        }
    )
    return {
        "fields": withheld,
        "persons_not_named": unnamed,
        "persons_not_named_why": (
            "they asked not to be named (column "
            f"{policy.unnamed_column!r}); they are counted in every figure"
        ),
        "cells_withheld": suppressed,
        "cells_withheld_why": (
            f"counts from 1 to {policy.small_cell_threshold - 1} in the district and "
            "date tables could point to a person; they read "
            f'"fewer than {policy.small_cell_threshold}"'
        ),
    }


def gather(
    ws: Any,
    incident_id: str,
    policy: Policy,
    checkpoints: Sequence[bytes],
    *,
    sensitivity: bool = True,
) -> ReleaseData:
    """Read and redact everything a release of ``incident_id`` states.

    Args:
        ws: an open workspace.
        incident_id: the incident to publish.
        policy: what may be published.
        checkpoints: the signed checkpoint notes the release is made from.
        sensitivity: also fit every method of :data:`SENSITIVITY_METHODS`
            (a release does; a quick preview may not).

    Raises:
        UserInputError: no such incident, or its reports are not linked yet.
    """
    from gawah.estimate import documented
    from gawah.registry import iter_reports, persons_with_reports, require_incident

    conn = ws.conn
    incident = require_incident(conn, incident_id)
    wanted = (*policy.fields, "district", "date")  # the count tables need both
    strata = tuple(dict.fromkeys(f for p in wanted for f in _READ.get(p, ())))
    doc = documented(ws, incident_id, strata)
    if not doc.linked:
        raise UserInputError(
            "the workspace has no linked persons yet: run `gawah link` first "
            "(a release counts persons, not reports)"
        )
    reports = list(iter_reports(conn, incident=incident_id))
    linked = persons_with_reports(conn)
    person_of = {r: p.person_id for p in linked for r in p.report_ids}
    hidden = {
        person_of[r.report_id]
        for r in reports
        if r.report_id in person_of and policy.asked_not_to_be_named(r.extra)
    }
    people = doc.people
    documented_counts = {s: doc.count(s) for s in STATUSES}
    threshold = policy.small_cell_threshold
    by_district, hidden_d = protect(_counted_by(people, "district"), threshold)
    by_date, hidden_t = protect(_counted_by(people, "date"), threshold)
    lists = dict(Counter(s for p in people for s in p.sources))
    estimates, sensitivity_rows = _estimates(
        doc, incident_id, documented_counts, sensitivity=sensitivity
    )
    runs = sorted({(p.run_id, p.method) for p in linked})
    warnings = tuple(
        dict.fromkeys(
            f"{row.status}: {w}" for row in estimates.values() for w in row.warnings
        )
    )
    return ReleaseData(
        incident={
            "id": incident.incident_id,
            "title": incident.title,
            "date": incident.date or "",
            "district": incident.district,
            "description": incident.description,
        },
        policy=policy,
        columns=tuple(policy.fields),
        rows=_public_rows(people, hidden, tuple(policy.fields)),
        documented=documented_counts,
        persons=len(people),
        by_district=by_district,
        by_date=by_date,
        lists=dict(sorted(lists.items())),
        overlaps={
            a: {
                b: sum(1 for p in people if a in p.sources and b in p.sources)
                for b in sorted(lists)
            }
            for a in sorted(lists)
        },
        estimates=estimates,
        sensitivity=sensitivity_rows,
        claims=_claims(conn, incident_id),
        sources=_source_rows(conn, reports),
        linkage={
            "reports": len(reports),
            "persons": len(people),
            "lists": len(lists),
            "runs": [{"run_id": r, "method": m} for r, m in runs],
            "reports_per_person": (
                round(len(reports) / len(people), 3) if people else 0.0
            ),
        },
        receipt=_receipt(conn, reports, policy, len(hidden), hidden_d + hidden_t),
        ledger={
            "state_digest": ws.ledger.state_digest(),
            "events": ws.ledger.count(),
            "checkpoints": [c.decode("utf-8") for c in checkpoints],
        },
        warnings=warnings,
    )


def _public_rows(
    people: Sequence[Any], hidden: set[str], columns: tuple[str, ...]
) -> tuple[dict[str, str], ...]:
    """One row a person, only the policy's columns; the unnamed left out."""
    rows = []
    for person in people:
        if person.key in hidden:
            continue
        values = {f: _text(person.fields.get(f, "")) for f in columns if f in _READ}
        values["name"] = _name(person.fields)
        values["status"] = person.category or ""
        rows.append({c: values.get(c, "") for c in columns})
    rows.sort(key=lambda r: tuple((r.get(c) or "").casefold() for c in columns))
    return tuple(rows)


def _counted_by(people: Sequence[Any], field_name: str) -> dict[str, Counter[str]]:
    """Persons per value of ``field_name`` and status category, before protection."""
    counts: dict[str, Counter[str]] = {}
    for p in people:
        if p.category is None:
            continue
        value = p.fields.get(field_name) or "(not known)"
        counts.setdefault(value, Counter())[p.category] += 1
    return counts


def _estimates(
    doc: Any,
    incident_id: str,
    documented_counts: Mapping[str, int],
    *,
    sensitivity: bool,
) -> tuple[dict[str, EstimateRow], dict[str, tuple[EstimateRow, ...]]]:
    """The default method's estimate per status, and every method's beside it."""
    from gawah.estimate import DEFAULT_METHOD, CaptureHistories, table_of

    estimates: dict[str, EstimateRow] = {}
    sensitivity_rows: dict[str, tuple[EstimateRow, ...]] = {}
    for status in STATUSES:
        if not documented_counts[status]:
            continue
        caps = CaptureHistories.from_frame(table_of(doc, status, incident=incident_id))
        estimates[status] = _fit(caps, DEFAULT_METHOD, status)
        if sensitivity:
            sensitivity_rows[status] = tuple(
                _fit(caps, m, status) for m in SENSITIVITY_METHODS
            )
    return estimates, sensitivity_rows


def _source_rows(conn: Any, reports: Sequence[Any]) -> tuple[dict[str, str | int], ...]:
    """Reports per source, by the source's name and kind only.

    Not its description: that is the documenter's note and may name the
    people behind the source.
    """
    from gawah.registry import list_sources

    names = {s.source_id: s for s in list_sources(conn)}
    per_source = Counter(r.source_id for r in reports)
    return tuple(
        {
            "name": names[sid].name if sid in names else sid,
            "kind": names[sid].kind if sid in names else "other",
            "reports": n,
        }
        for sid, n in sorted(per_source.items())
    )
