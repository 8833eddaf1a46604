"""The web projector's batched apply leaves the tables per-event apply leaves."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
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
    "web_shown_reports",
    "web_shown_persons",
    "web_register_totals",
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
    # Newer versions of two reports (by another event id, as another team's
    # edit), and one of them twice with the same version (ties go by event id).
    newer = [
        replace(
            e,
            id=f"{n:x}" * 64,
            payload={**e.payload, "version": 2, "full_name": f"FICTIONAL Edited {n}"},
        )
        for n, e in enumerate([*late[:2], late[0]], start=10)
    ]
    extended = events + late + grants[:1] + newer
    orders = (
        extended,
        extended[::-1],
        extended[1::2] + extended[::2],
        newer + events + newer[::-1],
    )
    for order in orders:
        for cut in sorted({1, 2, len(order) // 3, len(order) // 2, len(order)}):
            expected, batched = one_by_one_and_batched(PROJECTOR, order[:cut], _TABLES)
            assert batched == expected
    assert all(expected[t] for t in _TABLES if t != "web_search_tokens")
    shown = dict((r[0], r[1]) for r in expected["web_shown_reports"])
    assert shown[late[0].payload["report_id"]] == 2
