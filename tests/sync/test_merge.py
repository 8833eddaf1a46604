"""Merge is a union of feeds (issue 14): any order, any repetition, same result.

Concurrent edits are both kept and listed as conflicts until resolved; a device
signing two histories is reported with both checkpoints. All data is FICTIONAL.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gawah.core import fixed_clock
from gawah.errors import IntegrityError
from gawah.linkage import decide
from gawah.registry import assign_persons, get_report, import_rows, person_of_report
from gawah.sealing import erase
from gawah.sync import conflicts, export_bundle, import_bundle, resolve
from gawah.workspace import Workspace

from .conftest import make_team, send

HEADERS = ["record_id", "full_name", "sex", "age", "status", "phone"]


def _row(record: int, age: int, phone: str = "") -> list[str]:
    return [str(record), f"FICTIONAL Person {record}", "M", str(age), "killed", phone]


def _tables(ws: Workspace) -> dict[str, str]:
    """Every projection table's digest (the web's search index included)."""
    return ws.projection_digests()


def _report_id(ws: Workspace, source: str, record: int) -> str:
    row = ws.conn.execute(
        "SELECT report_id FROM registry_reports WHERE source_id = ? AND record_id = ?",
        (source, str(record)),
    ).fetchone()
    return str(row[0])


class TestConflicts:
    def test_concurrent_edits_are_kept_listed_and_resolved(
        self, team: list[Workspace], tmp_path: Path
    ) -> None:
        _hq, a, b = team
        import_rows(a, HEADERS, [_row(1, 30)], source="FICTIONAL list A")
        send(a, b, tmp_path)
        import_rows(a, HEADERS, [_row(1, 31)], source="FICTIONAL list A")
        import_rows(b, HEADERS, [_row(1, 32)], source="FICTIONAL list A")
        send(a, b, tmp_path)
        send(b, a, tmp_path)
        report_id = _report_id(a, "fictional-list-a", 1)
        shown = {get_report(ws.conn, report_id).age for ws in (a, b)}  # type: ignore[union-attr]
        assert len(shown) == 1  # the same version everywhere, whatever the order
        assert _tables(a) == _tables(b)
        (conflict,) = conflicts(a.conn)
        assert conflict.subject == f"report:{report_id}"
        assert [c.subject for c in conflicts(b.conn)] == [conflict.subject]
        assert len(conflict.versions) == 2
        kept = next(
            v for v in conflict.versions if v.device == b.device
        )  # b's edit (age 32)
        resolve(a, conflict.subject, kept.event_id[:12])
        assert conflicts(a.conn) == []
        send(a, b, tmp_path)
        assert conflicts(b.conn) == []
        for ws in (a, b):
            assert get_report(ws.conn, report_id).age == 32  # type: ignore[union-attr]
        assert a.ledger.state_digest() == b.ledger.state_digest()

    def test_linkage_decisions_merge_the_same_way(
        self, team: list[Workspace], tmp_path: Path
    ) -> None:
        _hq, a, b = team
        import_rows(a, HEADERS, [_row(1, 30), _row(2, 30)], source="FICTIONAL list A")
        send(a, b, tmp_path)
        pair = (
            _report_id(a, "fictional-list-a", 1),
            _report_id(a, "fictional-list-a", 2),
        )
        decide(a, pair, "match", "FICTIONAL reviewer a")
        decide(b, pair, "non_match", "FICTIONAL reviewer b")
        send(a, b, tmp_path)
        send(b, a, tmp_path)
        assert _tables(a) == _tables(b)
        (conflict,) = conflicts(a.conn)
        assert conflict.kind == "decision"
        assert {v.value for v in conflict.versions} == {"match", "non_match"}
        keep = next(v for v in conflict.versions if v.value == "non_match")
        resolve(b, conflict.subject, keep.event_id)
        send(b, a, tmp_path)
        assert conflicts(a.conn) == conflicts(b.conn) == []


class TestPersonAssignments:
    """Two teams link the same reports apart: both assignments are kept, one is
    shown (the same everywhere), the conflict is listed until settled."""

    def _apart(
        self, team: list[Workspace], tmp_path: Path
    ) -> tuple[Workspace, Workspace, list[str]]:
        _hq, a, b = team
        rows = [_row(k, 30) for k in (1, 2, 3)]
        import_rows(a, HEADERS, rows, source="FICTIONAL list A")
        send(a, b, tmp_path)
        ids = [_report_id(a, "fictional-list-a", k) for k in (1, 2, 3)]
        assign_persons(a, {"p-a1": ids[:2], "p-a2": ids[2:]}, "run-a", "FICTIONAL")
        assign_persons(b, {"p-b1": [ids[0]], "p-b2": ids[1:]}, "run-b", "FICTIONAL")
        return a, b, ids

    def _exchanged(
        self, team: list[Workspace], tmp_path: Path
    ) -> tuple[Workspace, Workspace, list[str]]:
        """:meth:`_apart`, then each side receives the other's assignment."""
        a, b, ids = self._apart(team, tmp_path)
        send(a, b, tmp_path)
        send(b, a, tmp_path)
        return a, b, ids

    def test_conflicting_assignments_merge_the_same_in_both_orders(
        self, team: list[Workspace], tmp_path: Path
    ) -> None:
        a, b, ids = self._exchanged(team, tmp_path)  # an arrival order each
        assert a.ledger.state_digest() == b.ledger.state_digest()
        assert _tables(a) == _tables(b)
        assert person_of_report(a.conn) == person_of_report(b.conn)
        (conflict,) = conflicts(a.conn)
        assert conflict.subject == "persons"
        assert conflict.kind == "persons"
        assert [c.subject for c in conflicts(b.conn)] == ["persons"]
        assert {v.value for v in conflict.versions} == {"run-a", "run-b"}
        # report 3 is alone in run-a, with report 2 in run-b; every one differs
        assert set(conflict.report_ids) == set(ids)
        assert {c.subject for c in conflicts(a.conn, [ids[0]])} == {"persons"}
        # A third, late device receives them in the opposite order: same state.
        hq = team[0]
        send(b, hq, tmp_path)
        send(a, hq, tmp_path)
        assert _tables(hq) == _tables(a)
        assert person_of_report(hq.conn) == person_of_report(a.conn)

    def test_resolving_keeps_the_chosen_persons_everywhere(
        self, team: list[Workspace], tmp_path: Path
    ) -> None:
        a, b, ids = self._exchanged(team, tmp_path)
        (conflict,) = conflicts(a.conn)
        keep = next(v for v in conflict.versions if v.value == "run-b")
        resolve(a, "persons", keep.event_id[:12])
        assert conflicts(a.conn) == []
        groups = person_of_report(a.conn)
        assert groups[ids[1]] == groups[ids[2]] != groups[ids[0]]
        send(a, b, tmp_path)
        assert conflicts(b.conn) == []
        assert person_of_report(b.conn) == groups
        assert _tables(a) == _tables(b)

    def test_a_new_run_made_over_both_settles_it(
        self, team: list[Workspace], tmp_path: Path
    ) -> None:
        a, b, ids = self._apart(team, tmp_path)
        send(a, b, tmp_path)
        assert [c.subject for c in conflicts(b.conn)] == ["persons"]
        assign_persons(b, {"p-c": ids}, "run-c", "FICTIONAL")
        assert conflicts(b.conn) == []
        send(b, a, tmp_path)
        assert conflicts(a.conn) == []
        assert set(person_of_report(a.conn).values()) == {"p-c"}
        assert _tables(a) == _tables(b)

    def test_a_later_run_shows_even_behind_a_fast_clock(self, tmp_path: Path) -> None:
        """The assignment made over another is shown even when its device clock
        says it is older: order comes from what it supersedes, not the clock."""
        hq, fast = make_team(tmp_path / "t", 2)
        import_rows(hq, HEADERS, [_row(1, 30), _row(2, 30)], source="FICTIONAL l")
        ids = [_report_id(hq, "fictional-l", k) for k in (1, 2)]
        send(hq, fast, tmp_path)
        fast.close()
        fast = Workspace.open(
            fast.home, clock=fixed_clock("2999-01-01T00:00:00.000000Z")
        )
        assign_persons(fast, {"p-1": ids}, "run-fast", "FICTIONAL")
        send(fast, hq, tmp_path)
        assign_persons(hq, {"p-x": ids[:1], "p-y": ids[1:]}, "run-hq", "FICTIONAL")
        send(hq, fast, tmp_path)
        for ws in (hq, fast):
            assert person_of_report(ws.conn) == {ids[0]: "p-x", ids[1]: "p-y"}
            assert conflicts(ws.conn) == []
        for ws in (hq, fast):
            ws.close()


class TestFork:
    def test_a_cloned_device_is_reported_with_both_checkpoints(
        self, tmp_path: Path
    ) -> None:
        hq, a = make_team(tmp_path / "t", 2)
        import_rows(a, HEADERS, [_row(1, 30)], source="FICTIONAL list A")
        a.close()
        clone_home = tmp_path / "clone"
        shutil.copytree(a.home, clone_home)
        a = Workspace.open(a.home)
        clone = Workspace.open(clone_home)
        import_rows(a, HEADERS, [_row(2, 30)], source="FICTIONAL list A")
        import_rows(clone, HEADERS, [_row(3, 30)], source="FICTIONAL list A")
        first = send(a, hq, tmp_path)
        assert first.forks == ()
        second = send(clone, hq, tmp_path)
        (fork,) = second.forks
        assert fork.device == a.device
        assert fork.ours is not None
        assert fork.theirs is not None
        assert fork.ours != fork.theirs
        assert len(fork.events) == 2
        report = hq.ledger.verify()
        assert report.ok
        assert report.forked_devices == (a.device,)
        for ws in (hq, a, clone):
            ws.close()


def _converge(active: list[Workspace], root: Path) -> None:
    """Everyone sends everything to everyone (twice round a ring)."""
    for _ in range(2):
        for i, src in enumerate(active):
            dst = active[(i + 1) % len(active)]
            send(src, dst, root)


_ops = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "add",
                "edit",
                "edit",
                "edit",
                "review",
                "review",
                "assign",
                "assign",
                "resolve",
                "erase",
                "sync",
                "sync",
                "sync",
                "revoke",
            ]
        ),
        st.integers(0, 4),
        st.integers(0, 4),
        st.integers(1, 6),
    ),
    min_size=4,
    max_size=18,
)


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(size=st.integers(3, 5), ops=_ops, seed=st.integers(0, 2**16))
def test_any_order_of_exchanges_gives_the_same_record(
    size: int, ops: list[tuple[str, int, int, int]], seed: int
) -> None:
    """Random histories on 3-5 devices (adds, edits, reviews, person
    assignments, resolutions of conflicts, erasures, a revocation), exchanged in random pairs, some bundles imported twice, then
    gossiped to convergence: every active device holds the same events, the same
    projection tables and the same conflicts."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        team = make_team(root, size, tag=f"prop{size}")
        active = list(range(size))
        # A shared list everyone holds, so that edits and reviews can collide.
        shared = [_row(k, 30, f"+92-300-000000{k}") for k in (1, 2, 3)]
        import_rows(team[0], HEADERS, shared, source="FICTIONAL shared list")
        for ws in team[1:]:
            send(team[0], ws, root)
        try:
            for op, i, j, record in ops:
                me = team[active[i % len(active)]]
                other = team[active[j % len(active)]]
                source = f"FICTIONAL list {active[i % len(active)]}"
                if op == "add" or op == "edit":
                    known = me.conn.execute(
                        "SELECT count(*) FROM registry_sources WHERE name = ?",
                        (source,),
                    ).fetchone()[0]
                    if op == "edit":
                        # edit a report of someone else's list when one is held
                        row = me.conn.execute(
                            "SELECT s.name, r.record_id FROM registry_reports r JOIN"
                            " registry_sources s USING (source_id) ORDER BY r.report_id"
                        ).fetchall()
                        if row:
                            name, rec = row[rng.randrange(len(row))]
                            import_rows(
                                me, HEADERS, [_row(int(rec), 40 + rng.randrange(30))],
                                source=str(name),
                            )  # fmt: skip
                            continue
                    del known
                    phone = f"+92-300-{rng.randrange(10**7):07d}"
                    import_rows(me, HEADERS, [_row(record, 30, phone)], source=source)
                elif op == "review":
                    ids = [
                        str(r[0])
                        for r in me.conn.execute(
                            "SELECT report_id FROM registry_reports ORDER BY report_id"
                        )
                    ]
                    if len(ids) >= 2:
                        pair = rng.sample(ids, 2)
                        decide(
                            me,
                            (pair[0], pair[1]),
                            rng.choice(["match", "non_match"]),
                            "r",
                        )
                elif op == "assign":
                    ids = [
                        str(r[0])
                        for r in me.conn.execute(
                            "SELECT report_id FROM registry_reports ORDER BY report_id"
                        )
                    ]
                    groups: dict[str, list[str]] = {}
                    for report_id in ids:
                        groups.setdefault(f"p{rng.randrange(3)}", []).append(report_id)
                    assign_persons(me, groups, f"run-{rng.randrange(10**6)}", "r")
                elif op == "resolve":
                    held = conflicts(me.conn)
                    if held:
                        conflict = held[rng.randrange(len(held))]
                        kept = conflict.versions[rng.randrange(len(conflict.versions))]
                        resolve(me, conflict.subject, kept.event_id)
                        assert conflict.subject not in {
                            c.subject for c in conflicts(me.conn)
                        }
                elif op == "erase":
                    ids = [
                        str(r[0])
                        for r in me.conn.execute(
                            "SELECT report_id FROM registry_reports"
                        )
                    ]
                    if ids:
                        erase(me, rng.choice(sorted(ids)), "FICTIONAL request")
                elif op == "sync" and me is not other:
                    path = root / f"p{rng.randrange(10**9)}.gawah"
                    export_bundle(
                        me, [other.identity], path, since=rng.choice([None, "last"])
                    )
                    try:
                        import_bundle(other, path)
                        if rng.random() < 0.3:
                            import_bundle(other, path)  # replayed: adds nothing
                    except IntegrityError:
                        pass  # a delta that does not link up is refused whole
                elif op == "revoke" and len(active) > 3:
                    victim = active[-1]
                    if victim == 0:
                        continue
                    send(team[victim], team[0], root)  # seized after a last sync
                    team[0].revoke_device(
                        f"FICTIONAL team {victim}", "FICTIONAL seized"
                    )
                    active.remove(victim)
            order = [team[k] for k in active]
            rng.shuffle(order)
            _converge(order, root)
            digests = {ws.ledger.state_digest() for ws in order}
            assert len(digests) == 1
            tables = [_tables(ws) for ws in order]
            assert all(t == tables[0] for t in tables)
            found = [conflicts(ws.conn) for ws in order]
            assert all(f == found[0] for f in found)
            persons = [person_of_report(ws.conn) for ws in order]
            assert all(p == persons[0] for p in persons)
            # A reviewer on one device settles every conflict; once the
            # resolutions have travelled, no device lists any.
            reviewer = order[0]
            for conflict in conflicts(reviewer.conn):
                kept = conflict.versions[rng.randrange(len(conflict.versions))]
                resolve(reviewer, conflict.subject, kept.event_id)
            _converge(order, root)
            assert all(conflicts(ws.conn) == [] for ws in order)
            tables = [_tables(ws) for ws in order]
            assert all(t == tables[0] for t in tables)
            for ws in order:
                assert ws.ledger.verify().ok
        finally:
            for ws in team:
                ws.close()


def test_an_erasure_from_elsewhere_destroys_the_keys_here(
    team: list[Workspace], tmp_path: Path
) -> None:
    """Both teams sealed the same list's phone numbers with their own data keys;
    one erases a report; when the erasure arrives, the other's keys go too."""
    from gawah.sealing import purge_erased

    _hq, a, b = team
    for ws in (a, b):
        import_rows(ws, HEADERS, [_row(1, 30, "+92-300-0000001")], source="FICTIONAL l")
    report_id = _report_id(a, "fictional-l", 1)
    erase(a, report_id, "FICTIONAL request of the family")
    got = send(a, b, tmp_path)
    assert got.keys_destroyed >= 1
    assert purge_erased(b) == 0  # nothing of that report was left to destroy
