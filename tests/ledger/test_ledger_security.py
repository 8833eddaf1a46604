"""SECURITY.md anchors not covered elsewhere: S05 (checkpoint notes, revoked
signers), S06 (restore from a backup of every age 1-50), S23 (unsigned,
replayed and altered submissions). All keys and events are FICTIONAL."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from gawah.errors import LedgerIntegrityError
from gawah.ledger import Ledger, open_checkpoint
from gawah.ledger.store import SCHEMA
from gawah.testing.signer import (
    FixedSigner,
    enrol_signers,
    enrolled_name,
    feed_checkpoint,
    signed_feed,
)
from gawah.workspace import Workspace


def _bare(signer: FixedSigner) -> Ledger:
    """A ledger over an in-memory database that accepts any validly signed event."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.executescript(SCHEMA)
    return Ledger(conn, signer=signer, author=enrolled_name(signer))


class TestCheckpointNotes:
    def test_every_byte_of_a_note_is_covered(self) -> None:
        """S05: changing any one byte of a signed note, three ways, is refused."""
        signer = FixedSigner("notes")
        raws = [raw for raw, _ in signed_feed(signer, [("toy.a", {"i": 1})] * 5)]
        note = feed_checkpoint(signer, raws)
        assert open_checkpoint(note).size == 5
        tried = refused = 0
        for i in range(len(note)):
            for changed in (note[i] ^ 0x01, note[i] ^ 0x80, ord("A")):
                if changed == note[i]:
                    continue
                mutated = note[:i] + bytes([changed]) + note[i + 1 :]
                tried += 1
                try:
                    open_checkpoint(mutated)
                except LedgerIntegrityError:
                    refused += 1
        assert tried > 2 * len(note)
        assert refused == tried

    def test_a_revoked_devices_checkpoint_beyond_its_revocation_is_refused(
        self, tmp_path: Path
    ) -> None:
        """S05/S17: a revoked device's checkpoint covering events after its
        revocation is refused; one within what it was trusted for is kept; an
        unknown device's checkpoint is refused."""
        field, intruder = FixedSigner("field-cp"), FixedSigner("intruder-cp")
        feed = signed_feed(field, [("toy.a", {"i": i}) for i in range(6)])
        raws = [raw for raw, _ in feed]
        with Workspace.init(tmp_path / "hq", projectors=[]) as ws:
            enrol_signers(ws, field)
            ws.ledger.receive_many(feed[:4])
            ws.revoke_device(enrolled_name(field), "FICTIONAL: seized")
            with pytest.raises(LedgerIntegrityError, match="revoked device"):
                ws.ledger.add_checkpoint(feed_checkpoint(field, raws[:6]))
            kept = ws.ledger.add_checkpoint(feed_checkpoint(field, raws[:4]))
            assert kept.size == 4
            with pytest.raises(LedgerIntegrityError, match="not enrolled"):
                ws.ledger.add_checkpoint(feed_checkpoint(intruder, raws[:1]))
            assert [cp.size for cp in ws.ledger.checkpoints(field.device)] == [4]


class TestRestoreFromBackup:
    def test_every_backup_age_from_1_to_50_is_a_detected_fork(self) -> None:
        """S06: a device restored from a snapshot k = 1…50 events old resumes its
        feed; merging its new events into the original is 100% flagged as a fork,
        both branches kept, nothing overwritten."""
        signer = FixedSigner("restored")
        original = _bare(signer)
        original.append_many([("toy.a", {"i": i}) for i in range(60)])
        rows = [(e.raw, e.signature) for e in original.events()]
        detected = 0
        for k in range(1, 51):
            restored = _bare(signer)
            restored.receive_many(rows[: 60 - k])
            later = restored.append_many([("toy.b", {"k": k, "i": i}) for i in (1, 2)])
            assert later[0].seq == 61 - k
            held = original.count()
            original.receive_many([(e.raw, e.signature) for e in later])
            report = original.verify()
            assert original.count() == held + 2
            assert all(original.event(e.id) == e for e in later)
            assert report.ok, report.problems
            detected += report.forked_devices == (signer.device,)
        assert detected == 50


class TestPoisonedSubmissions:
    @pytest.fixture
    def hq(self, tmp_path: Path) -> Workspace:
        ws = Workspace.init(tmp_path / "hq", projectors=[])
        enrol_signers(ws, FixedSigner("field-s"), FixedSigner("field-t"))
        return ws

    def test_unsigned_replayed_and_altered_events_change_nothing(
        self, hq: Workspace
    ) -> None:
        """S23: no signature, a cut signature, an event altered after signing, one
        moved into another enrolled device's feed: refused; a replay of an
        event already held stores nothing new."""
        s, t = FixedSigner("field-s"), FixedSigner("field-t")
        with hq:
            good = signed_feed(s, [("toy.a", {"evidence": "ab" * 32})])
            hq.ledger.receive_many(good)
            digest, count = hq.ledger.state_digest(), hq.ledger.count()
            raw, sig = signed_feed(s, [("toy.a", {"n": 2})], start_seq=2)[0]
            obj = json.loads(raw)
            altered = raw.replace(b'"n":2', b'"n":3')
            obj["device"] = t.device
            moved = json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()
            attempts = {
                "no signature": (raw, b""),
                "cut signature": (raw, sig[:32]),
                "altered after signing": (altered, sig),
                "moved to another feed": (moved, sig),
            }
            refused = []
            for name, (r, g) in attempts.items():
                try:
                    hq.ledger.receive_many([(r, g)])
                except LedgerIntegrityError:
                    refused.append(name)
            assert refused == list(attempts)
            assert hq.ledger.receive_many(good) == []  # the replay: already held
            assert (hq.ledger.state_digest(), hq.ledger.count()) == (digest, count)

    def test_a_forged_row_written_into_the_table_is_reported(
        self, hq: Workspace
    ) -> None:
        """S23: an event written straight into the table with an altered payload
        (its signature kept) fails verify, naming it."""
        s = FixedSigner("field-s")
        with hq:
            hq.ledger.receive_many(signed_feed(s, [("toy.a", {"n": 1})]))
            home = hq.home
        conn = sqlite3.connect(home / "gawah.sqlite")
        conn.execute(
            "UPDATE ledger_events SET raw = replace(raw, X'6e223a31', X'6e223a32') "
            "WHERE device = ?",
            (s.device,),
        )
        conn.commit()
        conn.close()
        with Workspace.open(home, check=False, checkpoint_on_close=False) as ws:
            report = ws.ledger.verify()
            with pytest.raises(LedgerIntegrityError, match="not a blob"):
                list(ws.ledger.events())
        assert not report.ok
        first = report.first_problem
        assert first is not None
        assert first.device == s.device
