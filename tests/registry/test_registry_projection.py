"""The registry tables are a projection: rebuilt from the ledger they are identical."""

from __future__ import annotations

import sqlite3

import pytest
from _registry_helpers import ListWriter, good_rows

from gawah.errors import UserInputError
from gawah.registry import (
    assign_persons,
    counts,
    import_list,
    list_reports,
    persons_with_reports,
    record_source,
)
from gawah.registry.projection import PROJECTOR, TABLES
from gawah.testing.projections import Tables, dump_tables, one_by_one_and_batched
from gawah.workspace import Workspace


def _dump(conn: sqlite3.Connection) -> Tables:
    return dump_tables(conn, TABLES)


class TestRebuild:
    def test_rebuilt_tables_equal_incremental(
        self, ws: Workspace, write_list: ListWriter
    ) -> None:
        """After imports, a correction and two assignments, rebuild changes no row."""
        rows = good_rows()
        import_list(ws, write_list(rows), source="party", incident="inc")
        rows[1][6] = "Injured"
        import_list(
            ws,
            write_list(rows, name="v2.csv"),
            source="party",
            incident="inc",
            release="v2",
        )
        record_source(
            ws,
            "party",
            kind="party",
            reliability="unsure",
            independence_group="movement",
        )
        ids = [r.report_id for r in list_reports(ws.conn)]
        assign_persons(
            ws, {"p1": ids[:2], "p2": ids[2:]}, run_id="run-1", method="test"
        )
        assign_persons(ws, {"p9": ids[:1]}, run_id="run-2", method="test")
        before = _dump(ws.conn)
        assert all(before[t] for t in TABLES)  # every table has rows to compare
        ws.ledger.rebuild()
        assert _dump(ws.conn) == before


class TestApplyMany:
    def test_batch_equals_per_event_in_any_order(
        self, ws: Workspace, write_list: ListWriter
    ) -> None:
        """Batched apply leaves the tables per-event apply does, late versions too."""
        rows = good_rows()
        import_list(ws, write_list(rows), source="party", incident="inc")
        rows[1][6] = "Injured"
        rows[0][10] = ""  # the phone is withdrawn: its sensitive row must go
        rows[0][9] = ""
        import_list(ws, write_list(rows, name="v2.csv"), source="party", incident="inc")
        rows[0][6] = "Injured"
        import_list(ws, write_list(rows, name="v3.csv"), source="party", incident="inc")
        events = list(ws.ledger.events())
        reports = [e.payload for e in events if e.kind == "report.recorded"]
        assert any(p["version"] > 1 and not p.get("sensitive") for p in reports)
        sensitive_seen = False
        for order in (events, events[::-1], events[1::2] + events[::2]):
            for cut in range(1, len(order) + 1):
                one, many = one_by_one_and_batched(PROJECTOR, order[:cut], TABLES)
                assert many == one
                sensitive_seen |= bool(one["registry_sensitive"])
        assert sensitive_seen


class TestPersons:
    def test_assignment_replaces_previous(
        self, ws: Workspace, write_list: ListWriter
    ) -> None:
        """A new persons.assigned event replaces the whole earlier assignment."""
        import_list(ws, write_list(good_rows()), source="party")
        a, b, c = sorted(r.report_id for r in list_reports(ws.conn))
        assign_persons(ws, {"p1": [a, b], "p2": [c]}, run_id="r1", method="manual")
        assert counts(ws.conn).persons == 2
        assign_persons(ws, {"q": [c, a]}, run_id="r2", method="splink")
        (person,) = persons_with_reports(ws.conn)
        assert (person.person_id, person.run_id, person.method) == ("q", "r2", "splink")
        assert person.report_ids == tuple(sorted([a, c]))

    def test_rejects_unknown_and_double_assignment(
        self, ws: Workspace, write_list: ListWriter
    ) -> None:
        """Unknown report ids and a report in two persons are refused before recording."""
        import_list(ws, write_list(good_rows()), source="party")
        a = list_reports(ws.conn)[0].report_id
        events = ws.ledger.count()
        with pytest.raises(UserInputError, match="does not exist"):
            assign_persons(ws, {"p": ["rep-nope"]}, run_id="r", method="m")
        with pytest.raises(UserInputError, match="assigned to"):
            assign_persons(ws, {"p": [a], "q": [a]}, run_id="r", method="m")
        assert ws.ledger.count() == events


class TestPayload:
    def test_report_payload_round_trip(
        self, ws: Workspace, write_list: ListWriter
    ) -> None:
        """A recorded event's payload rebuilds exactly the report the registry holds."""
        from gawah.registry.models import REPORT_RECORDED, report_from_payload

        import_list(ws, write_list(good_rows()), source="party")
        stored = {r.report_id: r for r in list_reports(ws.conn)}
        events = [e for e in ws.ledger.events() if e.kind == REPORT_RECORDED]
        assert len(events) == 3
        for event in events:
            report, _ = report_from_payload(event.payload)
            assert report == stored[report.report_id]


class TestSources:
    def test_source_details_recorded_and_checked(self, ws: Workspace) -> None:
        """Connection (MT19), reliability (MT42) and independence group are kept and checked."""
        from gawah.registry import get_source

        record_source(
            ws,
            "Party Newspaper",
            kind="press",
            connection="reporter",
            reliability="likely_reliable",
            independence_group="The Movement",
        )
        source = get_source(ws.conn, "party-newspaper")
        assert source is not None
        assert (source.connection, source.reliability, source.group) == (
            "reporter",
            "likely_reliable",
            "the-movement",
        )
        with pytest.raises(UserInputError, match="reliability"):
            record_source(ws, "x", reliability="trustworthy")

    def test_older_workspace_tables_gain_new_columns(self) -> None:
        """A sources table from before the MT19/MT42 columns is upgraded on create."""
        from gawah.registry.projection import PROJECTOR

        conn = sqlite3.connect(":memory:")
        conn.execute(
            "CREATE TABLE registry_sources (source_id TEXT PRIMARY KEY, name TEXT NOT NULL,"
            " kind TEXT NOT NULL, description TEXT NOT NULL, event_id TEXT NOT NULL)"
        )
        conn.execute("INSERT INTO registry_sources VALUES ('a', 'A', 'press', '', 'e')")
        PROJECTOR.create(conn)
        row = conn.execute(
            "SELECT connection, reliability, independence_group FROM registry_sources"
        ).fetchone()
        assert row == ("unknown", "unknown", "")
