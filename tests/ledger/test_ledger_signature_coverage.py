"""What the hash chain and the checkpoints cover, and what only the per-event
signature check catches (docs/explanation/ledger.md, "Why verify checks every
signature").

An event's id is the SHA-256 of its signed bytes (``raw``); the next event's
``prev`` and the checkpoint's Merkle leaves hash ``raw`` too. The signature
bytes are outside all three: these tests show a signature replaced in a
checkpointed feed leaves every link and every checkpoint root intact, so that
only the Ed25519 check of each event catches it (a verify that skipped the
signatures of checkpointed events would pass them). All keys and events are
FICTIONAL.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3

from gawah.ledger import stored_events, verify_store
from gawah.ledger.checkpoint import open_checkpoint
from gawah.ledger.events import encode_event
from gawah.ledger.merkle import MerkleTree
from gawah.testing.signer import FixedSigner
from gawah.workspace import Workspace


def _copy(ws: Workspace) -> sqlite3.Connection:
    mem = sqlite3.connect(":memory:")
    ws.conn.backup(mem)
    return mem


def _feed(mem: sqlite3.Connection, device: str) -> list[tuple[int, str, bytes, bytes]]:
    """(pos, id, raw, signature) of a device's events in seq order."""
    rows = mem.execute(
        "SELECT pos, id, raw, signature FROM ledger_events WHERE device = ?"
        " ORDER BY seq",
        (device,),
    ).fetchall()
    return [(int(p), str(i), bytes(r), bytes(s)) for p, i, r, s in rows]


def _checkpointed(mem: sqlite3.Connection, device: str) -> int:
    """The size of the device's largest stored checkpoint whose root matches
    the stored feed (asserting there is one)."""
    raws = [raw for _, _, raw, _ in _feed(mem, device)]
    tree = MerkleTree([hashlib.sha256(b"\x00" + raw).digest() for raw in raws])
    sizes = [
        cp.size
        for cp in (
            open_checkpoint(bytes(note))
            for (note,) in mem.execute(
                "SELECT note FROM ledger_checkpoints WHERE device = ?", (device,)
            )
        )
        if cp.size <= tree.size and tree.root(cp.size) == cp.root
    ]
    assert sizes, "the fixture checkpoints every feed"
    return max(sizes)


class TestSignatureCoverage:
    def test_a_replaced_signature_breaks_no_link_and_no_checkpoint(
        self, three_feeds: Workspace
    ) -> None:
        """Every checkpointed event of field-b, its signature replaced by random
        bytes or by the valid signature of its neighbour: the chain and every
        checkpoint root still verify, and the signature check alone reports it."""
        signer = FixedSigner("field-b")
        mem = _copy(three_feeds)
        feed = _feed(mem, signer.device)
        covered = _checkpointed(mem, signer.device)
        assert covered == len(feed) == 17
        cases = caught = 0
        for n, (pos, event_id, _raw, signature) in enumerate(feed[:covered]):
            neighbour = feed[(n + 1) % covered][3]
            for replacement in (hashlib.sha512(signature).digest(), neighbour):
                assert replacement != signature
                assert len(replacement) == 64
                put = "UPDATE ledger_events SET signature = ? WHERE pos = ?"
                mem.execute(put, (replacement, pos))
                report = verify_store(mem, devices=[signer.device], threads=1)
                mem.execute(put, (signature, pos))
                cases += 1
                # Only the signature check speaks: no chain, no checkpoint problem.
                caught += [(p.event_id, p.reason) for p in report.problems] == [
                    (event_id, "bad signature")
                ]
                assert _checkpointed(mem, signer.device) == covered
        assert cases == 2 * covered
        assert caught == cases
        assert verify_store(mem).ok

    def test_a_changed_author_breaks_the_hash_the_chain_and_the_checkpoint(
        self, three_feeds: Workspace
    ) -> None:
        """The author (like every other field) is inside the hashed bytes: an
        event rewritten with another author, its id column rewritten to match,
        fails its signature, the next event's link and the checkpoint root."""
        signer = FixedSigner("field-b")
        mem = _copy(three_feeds)
        feed = _feed(mem, signer.device)
        pos, event_id, raw, _signature = feed[4]
        obj = json.loads(raw)
        obj["author"] = "FICTIONAL someone else"
        forged = encode_event(
            obj["kind"],
            obj["payload"],
            author=obj["author"],
            device=obj["device"],
            seq=obj["seq"],
            prev=obj["prev"],
            recorded_at=obj["recorded_at"],
        )
        forged_id = hashlib.sha256(forged).hexdigest()
        assert forged_id != event_id
        mem.execute(
            "UPDATE ledger_events SET raw = ?, id = ? WHERE pos = ?",
            (forged, forged_id, pos),
        )
        report = verify_store(mem, devices=[signer.device], threads=1)
        reasons = {(p.event_id, p.reason) for p in report.problems}
        assert (forged_id, "bad signature") in reasons
        assert (
            feed[5][1],
            "prev does not match the previous event of the feed",
        ) in reasons
        assert any(
            p.event_id is None and "root does not match the stored feed" in p.reason
            for p in report.problems
        )
        assert report.first_problem is not None
        assert report.first_problem.event_id == forged_id


class TestIndexCoverage:
    def test_a_row_left_out_of_an_index_is_caught_by_the_full_integrity_check(
        self, three_feeds: Workspace
    ) -> None:
        """One event removed from the ``kind`` index (the index otherwise
        well-formed): reads by kind no longer see it and SQLite's quick check
        says ok, so verify runs the full integrity check, which reports it."""
        kind = "evidence.received"
        before = [e.id for e in stored_events(three_feeds.conn, [kind])]
        assert len(before) == 10
        hidden = before[3]
        file = three_feeds.home / "gawah.sqlite"
        edit = sqlite3.connect(file, isolation_level=None)
        schema = "UPDATE sqlite_master SET sql = ? WHERE name = 'ledger_events_kind'"
        plain = "CREATE INDEX ledger_events_kind ON ledger_events (kind)"
        edit.execute("PRAGMA writable_schema = ON")
        edit.execute(schema, (f"{plain} WHERE id != '{hidden}'",))
        edit.close()
        edit = sqlite3.connect(file, isolation_level=None)
        edit.execute("REINDEX ledger_events_kind")  # now without the hidden row
        edit.execute("PRAGMA writable_schema = ON")
        edit.execute(schema, (plain,))
        edit.close()
        edit = sqlite3.connect(file, isolation_level=None)
        assert edit.execute("PRAGMA quick_check").fetchall() == [("ok",)]
        edit.close()
        after = [e.id for e in stored_events(three_feeds.conn, [kind])]
        assert after == [i for i in before if i != hidden]
        report = three_feeds.ledger.verify()
        assert not report.ok
        assert report.database is not None
        assert "ledger_events_kind" in report.database
