"""Verification, forks, proofs, the state digest and rebuild."""

from __future__ import annotations

import itertools
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest

from gawah.core import fixed_clock
from gawah.ledger import Checkpoint, Event, open_checkpoint, verify_store
from gawah.ledger.verify import _in_background
from gawah.testing.signer import FixedSigner, enrol_signers, fixed_seed, signed_feed
from gawah.workspace import Workspace


def _memory_copy(ws: Workspace) -> sqlite3.Connection:
    mem = sqlite3.connect(":memory:")
    ws.conn.backup(mem)
    return mem


class TestVerify:
    def test_intact_ledger_verifies(self, three_feeds: Workspace) -> None:
        """A freshly built ledger of 3 feeds verifies with every feed anchored."""
        report = three_feeds.ledger.verify()
        assert report.ok, report.problems
        assert (report.events, report.devices) == (64, 3)
        assert report.checkpoints == 6
        assert report.unanchored == {}
        assert report.forked_devices == ()

    def test_deleting_any_event_is_detected(self, three_feeds: Workspace) -> None:
        """Deleting any one of the 64 events is detected (gap or truncated tail)."""
        mem = _memory_copy(three_feeds)
        rows = mem.execute("SELECT * FROM ledger_events ORDER BY pos").fetchall()
        detected = 0
        for row in rows:
            mem.execute("DELETE FROM ledger_events WHERE pos = ?", (row[0],))
            detected += not verify_store(mem, devices=[row[3]], threads=1).ok
            mem.execute("INSERT INTO ledger_events VALUES (?, ?, ?, ?, ?, ?, ?)", row)
        assert len(rows) == 64
        assert detected == 64

    def test_swapping_signed_bytes_of_neighbours_is_detected(
        self, three_feeds: Workspace
    ) -> None:
        """Exchanging the bytes of any two adjacent events of a feed is detected."""
        mem = _memory_copy(three_feeds)
        rows = mem.execute(
            "SELECT pos, device, raw, signature FROM ledger_events ORDER BY device, seq"
        ).fetchall()
        pairs = detected = 0
        for a, b in itertools.pairwise(rows):
            if a[1] != b[1]:
                continue
            pairs += 1
            put = "UPDATE ledger_events SET raw = ?, signature = ? WHERE pos = ?"
            mem.execute(put, (b[2], b[3], a[0]))
            mem.execute(put, (a[2], a[3], b[0]))
            detected += not verify_store(mem, devices=[a[1]], threads=1).ok
            mem.execute(put, (a[2], a[3], a[0]))
            mem.execute(put, (b[2], b[3], b[0]))
        assert pairs == 61
        assert detected == pairs

    def test_swapping_any_adjacent_pair_of_the_log_is_detected(
        self, three_feeds: Workspace
    ) -> None:
        """S03: the 63 pairs adjacent in the whole log (by position, across
        feeds too) exchanged: each detected by verify over every feed."""
        mem = _memory_copy(three_feeds)
        rows = mem.execute(
            "SELECT pos, raw, signature FROM ledger_events ORDER BY pos"
        ).fetchall()
        put = "UPDATE ledger_events SET raw = ?, signature = ? WHERE pos = ?"
        pairs = detected = 0
        for a, b in itertools.pairwise(rows):
            pairs += 1
            mem.execute(put, (b[1], b[2], a[0]))
            mem.execute(put, (a[1], a[2], b[0]))
            detected += not verify_store(mem, threads=1).ok
            mem.execute(put, (a[1], a[2], a[0]))
            mem.execute(put, (b[1], b[2], b[0]))
        devices = [
            d for (d,) in mem.execute("SELECT device FROM ledger_events ORDER BY pos")
        ]
        across = sum(x != y for x, y in itertools.pairwise(devices))
        assert pairs == 63
        assert across >= 2
        assert detected == pairs
        assert verify_store(mem).ok

    def test_truncated_tail_is_reported_against_checkpoint(
        self, three_feeds: Workspace
    ) -> None:
        """Dropping the newest events of a checkpointed feed names the truncation."""
        device = three_feeds.device
        three_feeds.conn.execute(
            "DELETE FROM ledger_events WHERE device = ? AND seq > 27", (device,)
        )
        report = three_feeds.ledger.verify()
        assert not report.ok
        # The checkpoint kept outside the database speaks first; the one inside too.
        assert "shorter than its last checkpoint" in report.problems[0].reason
        assert any("truncated" in p.reason for p in report.problems)

    def test_unanchored_tail_is_counted(self, workspace: Workspace) -> None:
        """Events after the newest checkpoint are reported as unanchored, not hidden."""
        workspace.append_many([("toy.a", {})] * 3)
        workspace.append("toy.a", {})
        workspace.append("toy.a", {})
        assert workspace.ledger.verify().unanchored == {workspace.device: 2}


class TestForks:
    def test_fork_is_kept_and_flagged(self, three_feeds: Workspace) -> None:
        """A second, different event at a used (device, seq) is stored and flagged."""
        signer = FixedSigner("field-b")
        fork = signed_feed(signer, [("report.recorded", {"record_id": "other"})])[0]
        digest_before = three_feeds.ledger.state_digest()
        stored = three_feeds.ledger.receive(*fork)
        assert stored is not None
        assert stored.seq == 1
        report = three_feeds.ledger.verify()
        assert report.forked_devices == (signer.device,)
        assert report.ok
        assert three_feeds.ledger.count() == 65
        assert three_feeds.ledger.state_digest() != digest_before

    def test_receiving_a_known_event_adds_nothing(self, three_feeds: Workspace) -> None:
        """Receiving an event that is already stored is a no-op."""
        event = next(three_feeds.ledger.events())
        assert three_feeds.ledger.receive(event.raw, event.signature) is None
        assert three_feeds.ledger.count() == 64


class TestStateDigest:
    def test_digest_ignores_arrival_order(self, tmp_path: object) -> None:
        """Two ledgers holding the same events in different orders share a digest."""
        from pathlib import Path

        base = Path(str(tmp_path))
        feeds = [
            signed_feed(
                FixedSigner(n), [("report.recorded", {"i": i}) for i in range(6)]
            )
            for n in ("a", "b", "c")
        ]
        flat = [item for feed in feeds for item in feed]
        digests = []
        for name, order in (("x", flat), ("y", list(reversed(flat)))):
            # Same device key and clock: the two enrolments are the same events.
            with Workspace.init(
                base / name,
                projectors=[],
                key_seed=fixed_seed("digest"),
                clock=fixed_clock(),
            ) as ws:
                enrol_signers(ws, *(FixedSigner(n) for n in ("a", "b", "c")))
                for raw, sig in order:
                    ws.ledger.receive(raw, sig)
                digests.append(ws.ledger.state_digest())
        assert digests[0] == digests[1]


class TestProofs:
    def test_inclusion_proof_checks_against_checkpoint(
        self, three_feeds: Workspace
    ) -> None:
        """Every own event has an inclusion proof valid under the signed checkpoint."""
        cp = three_feeds.ledger.checkpoint()
        checked = 0
        for event in three_feeds.ledger.events(device=three_feeds.device):
            proof = three_feeds.ledger.proofs.inclusion(event.id, cp.size)
            assert proof.verify(cp.root)
            assert not proof.verify(bytes(32))
            checked += 1
        assert checked == cp.size == 30

    def test_consistency_between_checkpoints(self, three_feeds: Workspace) -> None:
        """A foreign feed's older checkpoint is proven a prefix of the newer one."""
        device = FixedSigner("field-b").device
        old, new = three_feeds.ledger.checkpoints(device)
        proof = three_feeds.ledger.proofs.consistency(device, old.size, new.size)
        assert proof.verify(old.root, new.root)
        assert not proof.verify(new.root, old.root)


class TestCheckpointNote:
    def test_unknown_signature_lines_are_ignored(self, three_feeds: Workspace) -> None:
        """A witness cosignature line does not invalidate the note (C2SP)."""
        cp = three_feeds.ledger.checkpoint()
        cosigned = cp.note + "\u2014 witness.example AAAAAAAA\n".encode()
        assert open_checkpoint(cosigned).root == cp.root

    def test_note_format(self, three_feeds: Workspace) -> None:
        """The note is origin, size and base64 root, then the device's signature."""
        cp: Checkpoint = three_feeds.ledger.checkpoint()
        lines = cp.note.decode().split("\n")
        assert lines[0] == f"gawah/feed/{three_feeds.device}"
        assert lines[1] == "30"
        assert lines[3] == ""
        assert lines[4].startswith(f"\u2014 gawah/feed/{three_feeds.device} ")


class TestRebuild:
    def test_rebuild_equals_incremental(self, workspace: Workspace) -> None:
        """Dropping and replaying projections gives the same tables as appending."""
        workspace.append_many([("toy.a", {}), ("toy.b", {}), ("toy.a", {})])
        workspace.append("toy.b", {})
        query = "SELECT kind, n FROM toy_counts ORDER BY kind"
        before = [tuple(r) for r in workspace.conn.execute(query)]
        assert workspace.ledger.rebuild() == 4
        after = [tuple(r) for r in workspace.conn.execute(query)]
        assert before == after == [("toy.a", 2), ("toy.b", 2)]


class TestRestoreFromBackup:
    def test_resumed_old_snapshot_is_a_detected_fork(self, tmp_path: Path) -> None:
        """A device restored from a k-event-old backup forks; merging shows it (S06)."""
        detected = 0
        for k in (1, 5, 20):
            base = tmp_path / f"k{k}"
            with Workspace.init(base / "device", projectors=[]) as ws:
                ws.append_many([("toy.a", {"i": i}) for i in range(5)])
                shutil.copytree(base / "device", base / "backup")
                ws.append_many([("toy.a", {"i": i}) for i in range(5, 5 + k)])
            with Workspace.open(base / "backup", projectors=[]) as restored:
                later = restored.append_many([("toy.b", {"i": i}) for i in range(k)])
                note = restored.ledger.checkpoint().note
            with Workspace.open(base / "device", projectors=[]) as ws:
                before = ws.ledger.count()
                for event in later:
                    assert ws.ledger.receive(event.raw, event.signature) is not None
                ws.ledger.add_checkpoint(note)
                report = ws.ledger.verify()
                assert ws.ledger.count() == before + k
                assert report.forked_devices == (ws.device,)
                assert report.ok, report.problems
                assert len(report.equivocations) == 1
                detected += 1
        assert detected == 3


class TestTailTruncation:
    def test_every_truncation_below_a_checkpoint_is_detected(
        self, three_feeds: Workspace
    ) -> None:
        """Dropping the last k = 1..30 events of a checkpointed feed is always caught (S04)."""
        mem = _memory_copy(three_feeds)
        device = three_feeds.device
        rows = mem.execute(
            "SELECT * FROM ledger_events WHERE device = ? ORDER BY seq", (device,)
        ).fetchall()
        detected = 0
        for k in range(1, len(rows) + 1):
            mem.execute(
                "DELETE FROM ledger_events WHERE device = ? AND seq > ?",
                (device, len(rows) - k),
            )
            report = verify_store(mem, devices=[device], threads=1)
            detected += any("truncated" in p.reason for p in report.problems)
            mem.executemany(
                "INSERT INTO ledger_events VALUES (?, ?, ?, ?, ?, ?, ?)", rows[-k:]
            )
        assert len(rows) == 30
        assert detected == 30
        assert verify_store(mem).ok


class TestDuplicates:
    def test_a_duplicated_row_is_detected(self, three_feeds: Workspace) -> None:
        """Even with the uniqueness index removed, a stored duplicate is reported."""
        mem = _memory_copy(three_feeds)
        mem.execute("CREATE TABLE copy AS SELECT * FROM ledger_events")
        mem.execute("DROP TABLE ledger_events")
        mem.execute("ALTER TABLE copy RENAME TO ledger_events")
        row = mem.execute("SELECT * FROM ledger_events WHERE pos = 7").fetchone()
        mem.execute(
            "INSERT INTO ledger_events VALUES (?, ?, ?, ?, ?, ?, ?)", (999, *row[1:])
        )
        report = verify_store(mem, threads=1)
        assert not report.ok
        assert report.first_problem is not None
        assert report.first_problem.reason == "the same event is stored twice"


class TestReceiveMany:
    def test_one_bad_signature_rejects_the_whole_bundle(
        self, three_feeds: Workspace
    ) -> None:
        """A bundle with one forged signature stores nothing at all."""
        import pytest

        from gawah.errors import LedgerIntegrityError

        feed = signed_feed(
            FixedSigner("field-d"), [("toy.a", {"i": i}) for i in range(5)]
        )
        raw, sig = feed[3]
        forged = [*feed[:3], (raw, bytes([sig[0] ^ 1]) + sig[1:]), feed[4]]
        with pytest.raises(LedgerIntegrityError, match="bad signature"):
            three_feeds.ledger.receive_many(forged)
        assert three_feeds.ledger.count() == 64

    def test_a_large_batch_names_its_first_bad_event(self) -> None:
        """Checked in batches beside the parsing, a batch still names its first forgery."""
        import pytest

        from gawah.errors import LedgerIntegrityError
        from gawah.ledger._writing import checked_many

        feed = signed_feed(
            FixedSigner("field-d"), [("toy.a", {"i": i}) for i in range(2600)]
        )
        assert [e.seq for e in checked_many(feed)] == list(range(1, 2601))

        def forge(item: tuple[bytes, bytes]) -> tuple[bytes, bytes]:
            return item[0], bytes([item[1][0] ^ 1]) + item[1][1:]

        for first, later in ((2500, 2599), (1500, 2400), (1100, 1200), (7, 2000)):
            forged = list(feed)
            forged[first], forged[later] = forge(feed[first]), forge(feed[later])
            ids = [Event.from_stored(*item).id for item in feed]
            with pytest.raises(LedgerIntegrityError, match=ids[first][:16]):
                checked_many(forged)

    def test_a_large_batch_reports_the_first_failure_of_any_kind(self) -> None:
        """A forged signature before a malformed event (or one of a device that
        is not a key) is the one reported, and the reverse; past the signatures
        checked on threads, the worker processes' verdicts name it too."""
        import pytest

        from gawah.errors import LedgerIntegrityError
        from gawah.ledger._writing import checked_many
        from gawah.ledger.signatures import PROCESS_AFTER

        count = PROCESS_AFTER + 1500
        feed = signed_feed(
            FixedSigner("field-e"), [("toy.a", {"i": i}) for i in range(count)]
        )
        ids = [Event.from_stored(*item).id for item in feed]
        late = PROCESS_AFTER + 1000  # checked by a worker process on Linux
        forged = (feed[late][0], bytes([feed[late][1][0] ^ 1]) + feed[late][1][1:])
        garbled = (b"{not json", feed[late + 300][1])
        keyless = feed[late + 300][0].replace(
            FixedSigner("field-e").device.encode(), b"zz" * 32
        )
        for broken in (garbled, (keyless, feed[late + 300][1])):
            items = list(feed)
            items[late], items[late + 300] = forged, broken
            with pytest.raises(LedgerIntegrityError, match=ids[late][:16]):
                checked_many(items)
        items = list(feed)
        items[late], items[late + 300] = garbled, forged
        with pytest.raises(LedgerIntegrityError, match="not valid JSON"):
            checked_many(items)

    def test_known_and_repeated_events_are_skipped(
        self, three_feeds: Workspace
    ) -> None:
        """Receiving a bundle twice, or with repeats inside, adds each event once."""
        feed = signed_feed(
            FixedSigner("field-d"), [("toy.a", {"i": i}) for i in range(5)]
        )
        enrol_signers(three_feeds, FixedSigner("field-d"))
        first = three_feeds.ledger.receive_many([*feed, feed[0]])
        again = three_feeds.ledger.receive_many(feed)
        assert [e.seq for e in first] == [1, 2, 3, 4, 5]
        assert again == []
        assert three_feeds.ledger.count() == 70  # 64, the enrolment, 5 received
        assert three_feeds.ledger.verify().ok


class TestInBackground:
    """The one helper that runs verify's side work (integrity check, table digests)."""

    def test_database_file_is_read_on_a_named_thread_of_its_own(
        self, tmp_path: Path
    ) -> None:
        """On a file the work gets its own read-only connection on a named thread."""
        conn = sqlite3.connect(tmp_path / "db.sqlite")
        conn.execute("CREATE TABLE t (x)")
        conn.execute("INSERT INTO t VALUES (1)")
        conn.commit()

        def work(c: sqlite3.Connection) -> tuple[str, bool, int]:
            readonly = False
            try:
                c.execute("INSERT INTO t VALUES (2)")
            except sqlite3.OperationalError:
                readonly = True
            count = c.execute("SELECT count(*) FROM t").fetchone()[0]
            return threading.current_thread().name, c is conn, readonly and count

        wait = _in_background(conn, work, "gawah-test-work")
        assert wait() == ("gawah-test-work", False, 1)
        assert wait() == ("gawah-test-work", False, 1)  # may be waited for again
        conn.close()

    def test_memory_database_is_read_on_the_callers_connection(self) -> None:
        """In memory there is no second connection: the work runs on the caller's,
        on the waiting thread, once."""
        conn = sqlite3.connect(":memory:")
        calls: list[str] = []

        def work(c: sqlite3.Connection) -> bool:
            calls.append(threading.current_thread().name)
            return c is conn

        wait = _in_background(conn, work, "gawah-test-work")
        assert calls == []
        assert wait() is True
        assert wait() is True
        assert calls == [threading.current_thread().name]

    def test_a_failure_is_raised_to_the_waiter(self, tmp_path: Path) -> None:
        """What the work raises on its thread is raised where it is waited for."""
        conn = sqlite3.connect(tmp_path / "db.sqlite")
        conn.execute("CREATE TABLE t (x)")
        conn.commit()

        def work(c: sqlite3.Connection) -> None:
            c.execute("SELECT * FROM no_such_table")

        wait = _in_background(conn, work, "gawah-test-work")
        with pytest.raises(sqlite3.OperationalError, match="no_such_table"):
            wait()
        conn.close()
