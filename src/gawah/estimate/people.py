"""Who is documented in a workspace, and their capture histories: one path for every figure.

The CLI (``gawah estimate --home``), the web dashboard and estimates pages, the
demo and publication all read the people to estimate from here, so the number
each of them shows comes from the same table:

* A *person* is a linkage cluster of reports; before linkage, each report
  stands alone (and no estimate is possible: reports are not people).
* Only reports of the chosen incident count, so a person's lists and status
  are those of that incident.
* A person's status is the gravest any of their reports gives
  (killed > missing > detained > injured), so no one is counted twice.
* A list is a source, named by a slug of its name (``in_<slug>`` columns);
  lists that recorded nobody in the selection are left out.
* A stratum value is the commonest non-empty value among the person's reports
  (ties: alphabetical); districts are read through the gazetteer, so
  "Pindi" and "Rawalpindi" are one stratum.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gawah.errors import UserInputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CATEGORIES",
    "Documented",
    "PersonRow",
    "capture_histories",
    "category_of",
    "documented",
    "documented_each",
    "table_of",
]

#: Status categories (dashboard, ``--status``) and the registry statuses each counts.
CATEGORIES: dict[str, frozenset[str]] = {
    "killed": frozenset({"killed", "found_dead"}),
    "injured": frozenset({"injured"}),
    "detained": frozenset({"arrested_held", "arrested_released"}),
    "missing": frozenset({"missing"}),
}
_GRAVITY = ("killed", "missing", "detained", "injured")


def category_of(statuses: Iterable[str]) -> str | None:
    """The gravest category among a person's reported statuses."""
    found = {c for s in statuses for c, members in CATEGORIES.items() if s in members}
    return next((c for c in _GRAVITY if c in found), None)


def list_name(name: str) -> str:
    """The list (column) name of a source: a lower-case slug of its name.

    Letters of every script are kept: a slug of ASCII letters only made every
    source named in Urdu or Arabic the same list, ``list``, so three lists
    were counted as one.
    """
    folded = unicodedata.normalize("NFKC", name).casefold()
    return "_".join(re.sub(r"[^\w]+", " ", folded).replace("_", " ").split()) or "list"


def _list_names(sources: Iterable[Any]) -> dict[str, str]:
    """Source id -> list name, one name per source (a suffix when two names meet)."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for source in sorted(sources, key=lambda s: str(s.source_id)):
        name = base = list_name(source.name)
        n = 2
        while name in used:
            name, n = f"{base}_{n}", n + 1
        used.add(name)
        names[source.source_id] = name
    return names


@dataclass(frozen=True)
class PersonRow:
    """One documented person (or a lone report before linkage)."""

    key: str
    sources: frozenset[str]
    category: str | None
    district: str
    fields: Mapping[str, str]


@dataclass(frozen=True)
class Documented:
    """Who is documented for an incident, and whether linkage has run."""

    linked: bool
    people: tuple[PersonRow, ...]
    sources: tuple[str, ...]

    def count(self, category: str | None = None) -> int:
        """People in ``category`` (None: everyone)."""
        return sum(1 for p in self.people if category is None or p.category == category)


def _conn(ws: Any) -> Any:
    return getattr(ws, "conn", ws)


def _value(value: object) -> str:
    """A field as text for a stratum; an age of 0 (an infant) is a value, not missing."""
    inner = getattr(value, "value", value)
    return "" if inner is None else str(inner)


def _stratum(field: str, value: str) -> str:
    if field == "district" and value:
        from gawah.linkage import resolve_place

        return resolve_place(district=value).district or value
    return value


def documented(
    ws: Any,
    incident: str | None = None,
    strata: Sequence[str] = (),
    *,
    assignment: Mapping[str, str] | None = None,
) -> Documented:
    """The persons (or, before linkage, reports) of one incident (None: all).

    Args:
        ws: an open workspace, or its database connection.
        incident: an incident id; None takes every report.
        strata: report fields whose commonest value each person carries.
        assignment: report id -> person id to use instead of the recorded
            persons (a plausible alternative clustering; see
            :mod:`gawah.estimate.linkage_doubt`).

    Raises:
        UserInputError: a stratum is not a report field.
    """
    from gawah.registry import persons_with_reports

    reports, names = _read(ws, incident, strata)
    if assignment is None:
        clusters = [
            (p.person_id, p.report_ids) for p in persons_with_reports(_conn(ws))
        ]
    else:
        clusters = _clusters(assignment)
    return _build(reports, names, clusters, strata)


def documented_each(
    ws: Any, incident: str | None, assignments: Sequence[Mapping[str, str]]
) -> list[Documented]:
    """:func:`documented` under each of several clusterings, reading reports once."""
    reports, names = _read(ws, incident, ())
    return [_build(reports, names, _clusters(a), ()) for a in assignments]


def _clusters(assignment: Mapping[str, str]) -> list[tuple[str, tuple[str, ...]]]:
    grouped: dict[str, list[str]] = {}
    for report_id, person in sorted(assignment.items()):
        grouped.setdefault(person, []).append(report_id)
    return sorted((p, tuple(r)) for p, r in grouped.items())


def _read(
    ws: Any, incident: str | None, strata: Sequence[str]
) -> tuple[dict[str, Any], dict[str, str]]:
    from gawah.registry import iter_reports, list_sources

    conn = _conn(ws)
    names = _list_names(list_sources(conn))
    reports = {r.report_id: r for r in iter_reports(conn, incident=incident)}
    for field in strata:
        if reports and not hasattr(next(iter(reports.values())), field):
            raise UserInputError(
                f"unknown stratum {field!r}: use a report field such as district"
            )
    return reports, names


def _build(
    reports: Mapping[str, Any],
    names: Mapping[str, str],
    clusters: Sequence[tuple[str, Sequence[str]]],
    strata: Sequence[str],
) -> Documented:
    linked = bool(clusters)
    groups = (
        [
            (person, members)
            for person, ids in clusters
            if (members := [reports[r] for r in ids if r in reports])
        ]
        if linked
        else [(r.report_id, [r]) for r in reports.values()]
    )
    rows: list[PersonRow] = []
    for key, members in groups:
        values: dict[str, str] = {}
        for field in strata:
            seen = Counter(
                v for r in members if (v := _stratum(field, _value(getattr(r, field))))
            )
            values[field] = (
                min(seen.items(), key=lambda kv: (-kv[1], kv[0]))[0] if seen else ""
            )
        rows.append(
            PersonRow(
                key=key,
                sources=frozenset(
                    names.get(r.source_id, list_name(r.source_id)) for r in members
                ),
                category=category_of(_value(r.status) for r in members),
                district=next((str(r.district) for r in members if r.district), ""),
                fields=values,
            )
        )
    sources = tuple(sorted({s for p in rows for s in p.sources}))
    return Documented(linked, tuple(rows), sources)


def capture_histories(
    ws: Any,
    incident: str | None = None,
    status: str | None = None,
    strata: Sequence[str] = (),
    *,
    district: str | None = None,
) -> pd.DataFrame:
    """The capture-history table of the linked persons: who is on which list.

    One row per distinct pattern (and stratum): stratum columns, then
    ``in_<list>`` 0/1 columns, then ``count`` persons. Read it with
    :meth:`gawah.estimate.CaptureHistories.from_frame` (no strata) or
    :class:`gawah.estimate.StratifiedMSE` (strata).

    Args:
        ws: an open workspace (or its connection), after ``gawah link``.
        incident: only this incident's reports (None: every report).
        status: only persons of this category (killed, injured, detained,
            missing); None: everyone.
        strata: report fields to stratify by (``district``, ``sex``, ...).
        district: only persons of this district (the web's filter).

    Raises:
        UserInputError: no such incident, no linked persons yet, an unknown
            status or stratum, or nobody in the selection.
    """
    if incident is not None:  # else "no linked persons in incident <typo>"
        from gawah.registry import require_incident

        require_incident(_conn(ws), incident)
    return table_of(
        documented(ws, incident, strata),
        status,
        strata,
        district=district,
        incident=incident,
    )


def table_of(
    doc: Documented,
    status: str | None = None,
    strata: Sequence[str] = (),
    *,
    district: str | None = None,
    incident: str | None = None,
) -> pd.DataFrame:
    """:func:`capture_histories` of people already read with :func:`documented`.

    The web reads an incident once and tabulates each status from it; this is
    the same table the CLI fits (``incident`` only words the error).
    """
    import pandas as pd

    if status is not None and status not in CATEGORIES:
        raise UserInputError(
            f"unknown status {status!r}; choose one of {', '.join(CATEGORIES)}"
        )
    if not doc.linked:
        raise UserInputError(
            "the workspace has no linked persons yet: run `gawah link` first"
        )
    people = [
        p
        for p in doc.people
        if (status is None or p.category == status)
        and (district is None or p.district == district)
    ]
    if not people:
        what = " ".join(x for x in (status, "persons") if x)
        where = f" in incident {incident}" if incident else ""
        raise UserInputError(f"no linked {what}{where} to estimate from")
    lists = sorted({s for p in people for s in p.sources})
    columns = [*strata, *(f"in_{x}" for x in lists)]
    frame = pd.DataFrame(
        [
            [*(p.fields[s] for s in strata), *(int(x in p.sources) for x in lists)]
            for p in people
        ],
        columns=columns,
    )
    out = (
        frame.groupby(columns, as_index=False).size().rename(columns={"size": "count"})
    )
    return out.sort_values(columns, ascending=False).reset_index(drop=True)
