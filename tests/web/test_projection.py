"""The web projector's batched apply leaves the tables per-event apply leaves."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from gawah.testing.projections import one_by_one_and_batched
from gawah.web.projection import (
    PERSONS_ASSIGNED,
    PROJECTOR,
    REPORT_RECORDED,
    ROLE_GRANTED,
)
from gawah.workspace import Workspace

_TABLES = (
    "web_role_grants",
    "web_history",
    "web_search_reports",
    "web_person_keys",
    "web_persons",
    "web_search_tokens",
)


def test_batch_equals_per_event_in_any_order(template_home: Path) -> None:
    """Reports, assignments, grants and reviews: the same rows, whatever the order."""
    with Workspace.open(template_home, checkpoint_on_close=False) as ws:
        events = list(ws.ledger.events())
    kinds = Counter(e.kind for e in events)
    assert kinds[REPORT_RECORDED] > 1
    assert kinds[PERSONS_ASSIGNED] >= 1
    assert kinds[ROLE_GRANTED] >= 1
    # A second version of a report after an assignment, and a grant replaced.
    late = [e for e in events if e.kind == REPORT_RECORDED][:3]
    grants = [e for e in events if e.kind == ROLE_GRANTED]
    extended = events + late + grants[:1]
    orders = (extended, extended[::-1], extended[1::2] + extended[::2])
    for order in orders:
        for cut in sorted({1, 2, len(order) // 3, len(order) // 2, len(order)}):
            expected, batched = one_by_one_and_batched(PROJECTOR, order[:cut], _TABLES)
            assert batched == expected
    assert all(expected[t] for t in _TABLES if t != "web_search_tokens")
