"""The three numbers of a dashboard: documented, estimated, and what others claimed.

Documented counts are *persons* (linked clusters of reports) when linkage has
run, else reports (and the page says so). A person's status is the gravest any
source reports (killed > missing > detained > injured), so no one is counted
twice within an incident. Estimates come from :mod:`gawah.estimate` over the
capture histories of those persons; a refusal is shown as a refusal.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from gawah.errors import GawahError
from gawah.web._domains import domain_attr

#: Dashboard categories and the registry statuses each one counts.
CATEGORIES: dict[str, frozenset[str]] = {
    "killed": frozenset({"killed", "found_dead"}),
    "injured": frozenset({"injured"}),
    "detained": frozenset({"arrested_held", "arrested_released"}),
    "missing": frozenset({"missing"}),
}
#: The claims domain's category for each dashboard category.
CLAIM_CATEGORY = {
    "killed": "killed",
    "injured": "injured",
    "detained": "arrested",
    "missing": "missing",
}
_GRAVITY = ("killed", "missing", "detained", "injured")


def category_of(statuses: Iterable[str]) -> str | None:
    """The gravest dashboard category among a person's reported statuses."""
    found = {c for s in statuses for c, members in CATEGORIES.items() if s in members}
    return next((c for c in _GRAVITY if c in found), None)


@dataclass(frozen=True)
class PersonRow:
    """One documented person (or a lone report before linkage)."""

    key: str
    sources: frozenset[str]
    category: str | None
    district: str


@dataclass(frozen=True)
class Documented:
    """Who is documented for an incident, and whether linkage has run."""

    linked: bool
    people: tuple[PersonRow, ...]
    sources: tuple[str, ...]

    def count(self, category: str | None = None) -> int:
        """People in ``category`` (None: everyone)."""
        return sum(1 for p in self.people if category is None or p.category == category)


def documented(conn: Any, incident: str | None) -> Documented:
    """Persons (or reports) of one incident with their lists and category."""
    iter_reports = domain_attr("registry", "iter_reports")
    persons = domain_attr("registry", "persons_with_reports")
    if iter_reports is None:
        return Documented(False, (), ())
    reports = {r.report_id: r for r in iter_reports(conn, incident=incident)}
    sources = tuple(sorted({r.source_id for r in reports.values()}))
    clusters = persons(conn) if persons else []
    rows: list[PersonRow] = []
    if clusters:
        for p in clusters:
            members = [reports[r] for r in p.report_ids if r in reports]
            if not members:
                continue
            rows.append(
                PersonRow(
                    key=p.person_id,
                    sources=frozenset(r.source_id for r in members),
                    category=category_of(str(r.status) for r in members),
                    district=next((r.district for r in members if r.district), ""),
                )
            )
    else:
        rows = [
            PersonRow(
                r.report_id,
                frozenset({r.source_id}),
                category_of([str(r.status)]),
                r.district,
            )
            for r in reports.values()
        ]
    return Documented(bool(clusters), tuple(rows), sources)


def captures(
    doc: Documented, category: str | None = None, district: str | None = None
) -> Any:
    """Capture histories of the documented persons (None without linkage)."""
    hist = domain_attr("estimate", "CaptureHistories")
    if hist is None or not doc.linked:
        return None
    import pandas as pd

    people = [
        p
        for p in doc.people
        if (category is None or p.category == category)
        and (district is None or p.district == district)
    ]
    if not people:
        return None
    frame = pd.DataFrame(
        [{s: int(s in p.sources) for s in doc.sources} for p in people],
        columns=list(doc.sources),
    )
    frame = frame.loc[:, frame.sum(axis=0) > 0]
    try:
        return hist.from_frame(frame)
    except GawahError:
        return None


@dataclass(frozen=True)
class EstimateView:
    """An estimate or a refusal, ready to show."""

    method: str
    estimate: float | None
    lower: float | None
    upper: float | None
    level: float
    n_observed: int
    lists: tuple[str, ...]
    reason: str | None
    model: str | None


_cache: OrderedDict[tuple[str, str], tuple[EstimateView, Any]] = OrderedDict()
_CACHE_SIZE = 64  # fits are deterministic (fixed seed), so the cache only saves time
_lock = threading.Lock()
#: Methods the web offers (the Bayesian LCMCR takes minutes: run it from the CLI).
METHODS = ("loglinear", "stepwise", "chao")


def estimator(method: str) -> Any:
    """The estimator for ``method`` with a fixed seed (results are reproducible)."""
    names = {
        "loglinear": "LogLinearMSE",
        "stepwise": "StepwiseMSE",
        "chao": "ChaoLowerBound",
    }
    cls = domain_attr("estimate", names.get(method, ""))
    if cls is None:
        return None
    return cls(seed=20310314)


def estimate(caps: Any, method: str = "loglinear") -> tuple[EstimateView | None, Any]:
    """Fit (cached by the capture digest); returns the view and the raw result."""
    if caps is None:
        return None, None
    key = (caps.digest(), method)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    est = estimator(method)
    if est is None:
        return None, None
    try:
        result = est.fit(caps)
    except GawahError as exc:
        view = EstimateView(
            method,
            None,
            None,
            None,
            0.95,
            int(caps.n_observed),
            tuple(caps.lists),
            str(exc),
            None,
        )
        return view, None
    view = EstimateView(
        method=str(result.method),
        estimate=result.estimate,
        lower=result.lower,
        upper=result.upper,
        level=float(result.level),
        n_observed=int(result.n_observed),
        lists=tuple(result.lists),
        reason=result.reason,
        model=result.model,
    )
    with _lock:
        _cache[key] = (view, result)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return view, result
