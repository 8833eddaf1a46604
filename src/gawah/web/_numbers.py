"""The three numbers of a dashboard: documented, estimated, and what others claimed.

Documented counts are *persons* (linked clusters of reports) when linkage has
run, else reports (and the page says so). A person's status is the gravest any
source reports (killed > missing > detained > injured), so no one is counted
twice within an incident. Who is documented and their capture histories come
from :mod:`gawah.estimate.people`, the estimator from
:func:`gawah.estimate.factory.build_estimator`: the same path as
``gawah estimate --home --incident --status``. A refusal is shown as a refusal.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gawah.errors import GawahError
from gawah.estimate import (
    CATEGORIES,
    CaptureHistories,
    Documented,
    Estimator,
    MSEResult,
    PersonRow,
    category_of,
    documented,
    table_of,
)

if TYPE_CHECKING:
    from gawah.web._backend import Backend

__all__ = [
    "CATEGORIES",
    "CLAIM_CATEGORY",
    "METHODS",
    "Documented",
    "EstimateView",
    "PersonRow",
    "captures",
    "category_of",
    "documented",
    "estimate",
    "estimator",
    "fitted",
    "people",
    "table",
]

#: The claims domain's category for each dashboard category.
CLAIM_CATEGORY = {
    "killed": "killed",
    "injured": "injured",
    "detained": "arrested",
    "missing": "missing",
}


def people(backend: Backend, incident: str | None) -> Documented:
    """The documented persons of ``incident``, read once per ledger state."""
    return backend.cached(
        ("documented", incident),
        lambda: documented(backend.workspace().conn, incident),
    )


def table(
    backend: Backend, incident: str | None, category: str | None
) -> CaptureHistories | None:
    """:func:`captures` of :func:`people`, tabulated once per ledger state."""
    return backend.cached(
        ("captures", incident, category),
        lambda: captures(people(backend, incident), category),
    )


def fitted(
    backend: Backend, incident: str | None, category: str | None, method: str | None
) -> tuple[EstimateView | None, MSEResult | None]:
    """:func:`estimate` of :func:`table`, fitted once per ledger state."""
    return backend.cached(
        ("fit", incident, category, method),
        lambda: estimate(table(backend, incident, category), method),
    )


def captures(
    doc: Documented, category: str | None = None, district: str | None = None
) -> CaptureHistories | None:
    """Capture histories of the documented persons (None without linkage or people).

    The same table ``gawah estimate --home H --incident ID --status C`` fits
    (:func:`gawah.estimate.people.table_of`).
    """
    try:
        return CaptureHistories.from_frame(table_of(doc, category, district=district))
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
    warnings: tuple[str, ...] = ()


_cache: OrderedDict[tuple[str, str], tuple[EstimateView, MSEResult]] = OrderedDict()
_CACHE_SIZE = 64  # fits are deterministic (fixed seed), so the cache only saves time
_lock = threading.Lock()
#: Methods the web offers (the Bayesian LCMCR takes minutes: run it from the CLI).
METHODS = ("loglinear", "stepwise", "chao")


def estimator(method: str) -> Estimator:
    """The estimator for ``method``: the CLI's, with the same fixed defaults."""
    from gawah.estimate import build_estimator

    return build_estimator(method)


def estimate(
    caps: CaptureHistories | None, method: str | None = None
) -> tuple[EstimateView | None, MSEResult | None]:
    """Fit (cached by the capture digest); returns the view and the raw result.

    ``method`` None is the default method of :func:`gawah.estimate.build_estimator`.
    """
    if caps is None:
        return None, None
    if method is None:
        from gawah.estimate import DEFAULT_METHOD

        method = DEFAULT_METHOD
    key = (caps.digest(), method)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    est = estimator(method)
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
        # What the method did (e.g. widened the interval) is said beside the warnings.
        warnings=(*result.warnings, *result.notes),
    )
    with _lock:
        _cache[key] = (view, result)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return view, result
