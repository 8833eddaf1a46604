"""Trust the ledger, not the tables (issue 12): every tamper case, tried and caught.

An attacker with the laptop in hand edits projection tables, injects events signed
by a never-enrolled key, deletes the newest events with their checkpoints, empties
or removes the database, or flips bits in its pages. Each case below is tried and
must be caught: refused on receipt, exit 3 from ``gawah ledger verify`` (naming
what differs) and from the quick check every command runs at open. All data is
FICTIONAL.
"""

from __future__ import annotations

import csv
import io
import os
import random
import shutil
import sqlite3
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nacl.signing
import pytest

from gawah.errors import LedgerIntegrityError, UserInputError
from gawah.ledger import Ledger, identity_of, parse_identity
from gawah.ledger.anchors import ProjectionRecord, StateFile
from gawah.ledger.projections import projection_schema
from gawah.testing.signer import (
    FixedSigner,
    enrol_signers,
    enrolled_name,
    fixed_seed,
    signed_feed,
)
from gawah.web.projection import ROLE_GRANTED, role_of
from gawah.workspace import Workspace

HEADERS = ["record_id", "full_name", "father_name", "sex", "age", "status", "date"]
ROWS = [
    ["1", "FICTIONAL Usman Tariq", "Tariq", "M", "25", "killed", "2031-03-26"],
    ["2", "FICTIONAL Ayesha Aslam", "Aslam", "F", "40", "injured", "2031-03-26"],
    ["3", "FICTIONAL Bilal Khan", "Khan", "M", "30", "detained", "2031-03-27"],
]
SERVER = "fictional-server"


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def gawah(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Run]:
    """Run the real CLI entry point in-process, standard input not a terminal."""
    from gawah.cli import main

    def run(*args: str) -> Run:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["gawah", *args])
        monkeypatch.setattr(sys, "stdin", io.StringIO(""))
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return Run(code, " ".join(out.out.split()), " ".join(out.err.split()))

    return run


def _build(home: Path, tmp: Path) -> Path:
    from gawah.registry import import_list

    listing = tmp / "fictional-list.csv"
    with listing.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADERS, *ROWS])
    with Workspace.init(home, author="FICTIONAL HQ", key_seed=fixed_seed("hq")) as ws:
        import_list(ws, listing, source="FICTIONAL party list")
        ws.append(
            ROLE_GRANTED,
            {"user": "amna", "role": "viewer", "server": SERVER, "by": "FICTIONAL HQ"},
        )
    return home


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("trust")
    return _build(base / "hq", base)


@pytest.fixture
def hq(template: Path, tmp_path: Path) -> Path:
    """A fresh copy of a closed workspace: 3 reports, one viewer grant."""
    home = tmp_path / "hq"
    shutil.copytree(template, home)
    return home


def _sql(home: Path, *statements: str) -> None:
    conn = sqlite3.connect(home / "gawah.sqlite")
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def _attack_feed(signer: FixedSigner) -> list[tuple[bytes, bytes]]:
    """The three events of the issue: viewer made admin, a fake victim, a changed status."""
    return signed_feed(
        signer,
        [
            (
                ROLE_GRANTED,
                {"user": "amna", "role": "admin", "server": SERVER, "by": "x"},
            ),
            (
                "report.recorded",
                {"report_id": "FICTIONAL-fake", "full_name": "FICTIONAL nobody"},
            ),
            ("report.recorded", {"report_id": "FICTIONAL-1", "status": "released"}),
        ],
        author="FICTIONAL HQ",
    )


class TestIdentity:
    def test_round_trip_and_curve25519_convention(self) -> None:
        """The identity gives back the verify key; its Curve25519 form matches the seed's."""
        signer = FixedSigner("field-b")
        key = parse_identity(signer.identity)
        assert key.hex() == signer.device
        assert signer.identity == identity_of(key)
        assert signer.identity.startswith("gawah1")
        assert len(signer.identity) == 64
        public = nacl.signing.VerifyKey(key).to_curve25519_public_key()
        private = nacl.signing.SigningKey(signer.seed()).to_curve25519_private_key()
        assert bytes(public) == bytes(private.public_key)

    def test_every_single_character_typo_is_refused(self) -> None:
        """Each of the identity's characters replaced by each other letter: all refused."""
        identity = FixedSigner("field-b").identity
        alphabet = "abcdefghijklmnopqrstuvwxyz234567"
        tried = refused = 0
        for i in range(len("gawah1"), len(identity)):
            for ch in alphabet:
                if ch == identity[i]:
                    continue
                typo = identity[:i] + ch + identity[i + 1 :]
                tried += 1
                try:
                    parse_identity(typo)
                except UserInputError:
                    refused += 1
        assert tried == 58 * 31
        assert refused == tried


class TestReceipt:
    def test_events_of_a_never_enrolled_key_are_refused(self, hq: Path) -> None:
        """Each attack event (and the batch) is refused and nothing is stored."""
        intruder = FixedSigner("intruder")
        feed = _attack_feed(intruder)
        with Workspace.open(hq) as ws:
            before = ws.ledger.state_digest()
            refused = 0
            for item in [feed, *[[e] for e in feed]]:
                with pytest.raises(LedgerIntegrityError, match="not enrolled"):
                    ws.ledger.receive_many(item)
                refused += 1
            assert refused == 4
            assert ws.ledger.state_digest() == before
            assert role_of(ws.conn, SERVER, "amna") == "viewer"

    def test_a_thousand_poisoned_events_are_all_refused(self, hq: Path) -> None:
        """S23: 1,000 injected events of five kinds: 100% refused, 0 in any table."""
        rng = random.Random(23)
        enrolled, revoked, intruder = (
            FixedSigner("field-b"),
            FixedSigner("field-r"),
            FixedSigner("intruder"),
        )
        with Workspace.open(hq) as ws:
            enrol_signers(ws, enrolled, revoked)
            ws.revoke_device(enrolled_name(revoked), "FICTIONAL: seized")
            before = ws.ledger.state_digest()
            reports = ws.conn.execute(
                "SELECT count(*) FROM registry_reports"
            ).fetchone()
            kinds = (
                "unsigned",
                "unknown key",
                "revoked key",
                "other feed",
                "lying author",
            )
            tried = dict.fromkeys(kinds, 0)
            refused = dict.fromkeys(kinds, 0)
            for n in range(1000):
                kind = kinds[n % len(kinds)]
                payload = {"report_id": f"FICTIONAL-poison-{n}", "full_name": "x"}
                item = ("report.recorded", payload)
                seq = rng.randint(1, 50)
                if kind == "unsigned":
                    raw, sig = signed_feed(enrolled, [item], start_seq=seq)[0]
                    sig = bytes(64)
                elif kind == "unknown key":
                    raw, sig = signed_feed(intruder, [item], start_seq=seq)[0]
                elif kind == "revoked key":
                    raw, sig = signed_feed(revoked, [item], start_seq=seq)[0]
                elif (
                    kind == "other feed"
                ):  # an enrolled device's event, signed by another key
                    raw, _ = signed_feed(enrolled, [item], start_seq=seq)[0]
                    sig = intruder.sign(raw)
                else:
                    raw, sig = signed_feed(
                        enrolled, [item], start_seq=seq, author="FICTIONAL HQ"
                    )[0]
                tried[kind] += 1
                try:
                    ws.ledger.receive_many([(raw, sig)])
                except LedgerIntegrityError:
                    refused[kind] += 1
            assert sum(tried.values()) == 1000
            assert refused == tried
            assert ws.ledger.state_digest() == before
            after = ws.conn.execute("SELECT count(*) FROM registry_reports").fetchone()
            assert tuple(after) == tuple(reports)

    def test_recorded_author_is_the_enrolled_name(self, hq: Path) -> None:
        """An enrolled device's events must carry its enrolled name as author."""
        signer = FixedSigner("field-b")
        with Workspace.open(hq) as ws:
            enrol_signers(ws, signer)
            lying = signed_feed(signer, [("toy.a", {})], author="FICTIONAL HQ")
            with pytest.raises(LedgerIntegrityError, match="not the enrolled name"):
                ws.ledger.receive_many(lying)
            honest = signed_feed(signer, [("toy.a", {})])
            assert [e.author for e in ws.ledger.receive_many(honest)] == [
                enrolled_name(signer)
            ]
            assert ws.ledger.verify().ok

    def test_revoked_device_is_refused_after_its_revocation_only(
        self, hq: Path
    ) -> None:
        """Events up to the revocation stay valid; later ones are refused (S17)."""
        signer = FixedSigner("field-b")
        feed = signed_feed(signer, [("toy.a", {"i": i}) for i in range(5)])
        with Workspace.open(hq) as ws:
            enrol_signers(ws, signer)
            ws.ledger.receive_many(feed[:3])
            revocation = ws.revoke_device(enrolled_name(signer), "FICTIONAL: lost")
            assert revocation.payload["after_seq"] == 3
            for item in feed[3:]:
                with pytest.raises(LedgerIntegrityError, match="after its revocation"):
                    ws.ledger.receive_many([item])
            assert ws.ledger.verify().ok
            listed = {d.name: d for d in ws.enrolled_devices()}
            assert listed[enrolled_name(signer)].revoked
            hq_events = [(e.raw, e.signature) for e in ws.ledger.events()]
            identity = ws.identity
        # A peer that trusts this authority gets the same answer from one batch.
        peer_home = hq.parent / "peer"
        with Workspace.init(peer_home, join=identity, projectors=[]) as peer:
            received = peer.ledger.receive_many(hq_events)
            assert len(received) == len(hq_events)
            with pytest.raises(LedgerIntegrityError, match="after its revocation"):
                peer.ledger.receive_many(feed[3:4])
            assert peer.ledger.verify().ok

    def test_enrolment_by_a_non_authority_enrols_nobody(self, hq: Path) -> None:
        """A documenter device signing an enrolment does not make a device trusted."""
        documenter, stranger = FixedSigner("field-b"), FixedSigner("stranger")
        with Workspace.open(hq) as ws:
            enrol_signers(ws, documenter)
            enrolment = signed_feed(
                documenter,
                [
                    (
                        "device.enrolled",
                        {
                            "name": "FICTIONAL stranger",
                            "identity": stranger.identity,
                            "device": stranger.device,
                            "roles": ["authority"],
                        },
                    )
                ],
            )
            ws.ledger.receive_many(enrolment)
            with pytest.raises(LedgerIntegrityError, match="not enrolled"):
                ws.ledger.receive_many(
                    signed_feed(stranger, [("toy.a", {})], author="FICTIONAL stranger")
                )

    def test_join_then_enrol(self, hq: Path, tmp_path: Path) -> None:
        """A joined device trusts only its authority; the authority enrols it."""
        with Workspace.open(hq, projectors=[]) as authority:
            root_identity = authority.identity
        field = tmp_path / "field"
        with Workspace.init(
            field, author="FICTIONAL field team", join=root_identity, projectors=[]
        ) as ws:
            own = ws.append_many([("toy.a", {"i": i}) for i in range(3)])
            with pytest.raises(UserInputError, match="not an authority"):
                ws.enrol_device(FixedSigner("x").identity, "FICTIONAL x")
            field_identity = ws.identity
        with Workspace.open(hq, projectors=[]) as authority:
            with pytest.raises(LedgerIntegrityError, match="not enrolled"):
                authority.ledger.receive_many([(e.raw, e.signature) for e in own])
            authority.enrol_device(field_identity, "FICTIONAL field team")
            authority.ledger.receive_many([(e.raw, e.signature) for e in own])
            assert authority.ledger.verify().ok
            hq_events = list(authority.ledger.events())
        with Workspace.open(field, projectors=[]) as ws:
            ws.ledger.receive_many([(e.raw, e.signature) for e in hq_events])
            names = {d.name for d in ws.enrolled_devices()}
            assert "FICTIONAL field team" in names
            assert ws.ledger.verify().ok

    def test_stored_events_of_an_unknown_key_are_reported(
        self, hq: Path, gawah: Callable[..., Run]
    ) -> None:
        """Events written straight into the table by an unenrolled key: verify exit 3."""
        feed = _attack_feed(FixedSigner("intruder"))
        conn = sqlite3.connect(hq / "gawah.sqlite")
        top = conn.execute("SELECT max(pos) FROM ledger_events").fetchone()[0]
        for n, (raw, sig) in enumerate(feed, start=1):
            import hashlib
            import json

            obj = json.loads(raw)
            conn.execute(
                "INSERT INTO ledger_events VALUES (?, ?, ?, ?, ?, ?, ?)",
                (top + n, hashlib.sha256(raw).hexdigest(), obj["kind"],
                 obj["device"], obj["seq"], raw, sig),
            )  # fmt: skip
        conn.commit()
        conn.close()
        done = gawah("ledger", "verify", "--home", str(hq))
        assert done.returncode == 3
        assert "not enrolled" in done.stderr
        with Workspace.open(hq, check=False) as ws:
            assert role_of(ws.conn, SERVER, "amna", trusted=_trusted(ws)) == "viewer"


def _trusted(ws: Workspace) -> Callable[[object], bool]:
    registry = ws.ledger.registry()
    return lambda event: registry.why_not(event) is None  # type: ignore[arg-type]


# Edits of the tables the workspace shows, each as one SQL statement.
EDITS = {
    "web_role_grants": "UPDATE web_role_grants SET role = 'admin'",
    "registry_reports": "UPDATE registry_reports SET status = 'released'",
    "registry_reports ": "DELETE FROM registry_reports WHERE rowid = 1",
    "registry_persons": "INSERT INTO registry_persons VALUES "
    "('FICTIONAL-p', 'run', 'manual', 2)",
    "registry_sources": "UPDATE registry_sources SET name = 'FICTIONAL forged'",
    "web_history": "DELETE FROM web_history",
}


class TestProjections:
    def test_every_table_edit_is_caught_and_rebuild_repairs_it(
        self, template: Path, tmp_path: Path, gawah: Callable[..., Run]
    ) -> None:
        """Each edit: refused at open, verify exit 3 naming the table, rebuild repairs."""
        tried = caught_open = caught_verify = repaired = 0
        for n, (table, statement) in enumerate(EDITS.items()):
            home = tmp_path / f"edit{n}"
            shutil.copytree(template, home)
            _sql(home, statement)
            tried += 1
            status = gawah("status", "--home", str(home))
            caught_open += status.returncode == 3 and "ledger rebuild" in status.stderr
            verify = gawah("ledger", "verify", "--home", str(home))
            caught_verify += verify.returncode == 3 and table.strip() in verify.stderr
            rebuild = gawah("ledger", "rebuild", "--home", str(home))
            assert rebuild.returncode == 0, rebuild.stderr
            again = gawah("ledger", "verify", "--home", str(home))
            repaired += (
                again.returncode == 0
                and gawah("status", "--home", str(home)).returncode == 0
            )
        assert tried == len(EDITS) == 6
        assert (caught_open, caught_verify, repaired) == (tried, tried, tried)

    def test_an_untouched_database_is_not_read_at_open(
        self, hq: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """After a command closed it, the next open compares the file's fingerprint
        instead of digesting every table (the quick check's cost at 100,000 reports)."""
        Workspace.open(hq).close()  # a copy: tables digested once, fingerprint kept
        record = StateFile(hq / "ledger-state.json").projections()
        assert record is not None
        assert record.files is not None

        def read_tables(self: Workspace) -> dict[str, str]:
            raise AssertionError("the quick check read the tables")

        monkeypatch.setattr(Workspace, "projection_digests", read_tables)
        for _ in range(3):
            Workspace.open(hq).close()

    def test_an_untouched_database_is_counted_at_most_once_per_open(
        self, hq: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The ledger's events are counted once by an open that cannot trust the
        file (none by the open itself, only by its check), and not at all, nor
        by the close, once the file is known untouched: the feed sizes are kept
        with its fingerprint (a million events take a second to count)."""
        counted: list[str] = []
        feed_size, position = Ledger.feed_size, Workspace._ledger_position

        def spy_feed(ledger: Ledger, device: str) -> int:
            counted.append("feed")
            return feed_size(ledger, device)

        def spy_position(ws: Workspace) -> tuple[int, int]:
            counted.append("position")
            return position(ws)

        monkeypatch.setattr(Ledger, "feed_size", spy_feed)
        monkeypatch.setattr(Workspace, "_ledger_position", spy_position)
        os.utime(hq / "gawah.sqlite")  # a copy touched: its fingerprint is new
        ws = Workspace.open(hq)
        assert counted == ["feed", "position"]  # the own feed, then the ledger
        size = feed_size(ws.ledger, ws.device)
        counted.clear()
        ws.close()
        assert counted == []  # unchanged since the check: nothing to sign
        record = StateFile(hq / "ledger-state.json").projections()
        assert record is not None
        assert record.feeds == {ws.device: size}
        for _ in range(3):
            Workspace.open(hq).close()
        assert counted == []
        with Workspace.open(hq) as ws:
            ws.append("workspace.note", {"text": "FICTIONAL: a later event"})
            counted.clear()
        # A change: the checkpoint, the digests and the feed kept counted anew.
        assert counted.count("position") == 1
        Workspace.open(hq).close()
        assert counted.count("position") == 1

    def test_a_newer_checkpoint_than_the_kept_feed_size_is_still_caught(
        self, hq: Path, tmp_path: Path
    ) -> None:
        """An untouched file whose kept feed size is below a checkpoint kept
        since (the database put back from a copy with the state file of a
        longer ledger) is "shorter": the recorded sizes stand for the count."""
        copy = tmp_path / "older"
        shutil.copytree(hq, copy)
        Workspace.open(copy).close()  # its fingerprint and feed sizes kept
        with Workspace.open(hq) as ws:
            ws.append("workspace.note", {"text": "FICTIONAL: a later event"})
        newer = StateFile(hq / "ledger-state.json").checkpoints()
        StateFile(copy / "ledger-state.json").remember(newer)
        with pytest.raises(LedgerIntegrityError, match="shorter"):
            Workspace.open(copy)

    @pytest.mark.parametrize("table", sorted(EDITS))
    def test_an_edit_with_its_modification_time_put_back_is_caught(
        self, table: str, hq: Path
    ) -> None:
        """The fingerprint includes the change time, which no ordinary process can
        set back: the edit sends the open to the full digest comparison."""
        Workspace.open(hq).close()
        db = hq / "gawah.sqlite"
        before = db.stat()
        _sql(hq, EDITS[table])
        os.utime(db, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert db.stat().st_mtime_ns == before.st_mtime_ns
        with pytest.raises(LedgerIntegrityError, match=table.strip()):
            Workspace.open(hq)

    def test_digests_recorded_by_the_earlier_version_still_check(
        self, hq: Path
    ) -> None:
        """A state file written before the digest format prefix: untouched tables
        open, an edited one is refused."""
        from gawah.ledger.projections import stored_digests

        state = StateFile(hq / "ledger-state.json")
        with Workspace.open(hq, check=False, checkpoint_on_close=False) as ws:
            schema = projection_schema(ws.ledger.projectors)
            old = stored_digests(ws.conn, schema, legacy=True)
        record = state.projections()
        assert record is not None
        assert all(":" not in v for v in old.values())
        state.remember_projections(
            ProjectionRecord(record.last_pos, record.events, old, files=None)
        )
        Workspace.open(hq).close()
        state.remember_projections(
            ProjectionRecord(record.last_pos, record.events, old, files=None)
        )
        _sql(hq, EDITS["registry_persons"])
        with pytest.raises(LedgerIntegrityError, match="registry_persons"):
            Workspace.open(hq)

    def test_an_edit_still_in_the_wal_is_caught(self, hq: Path) -> None:
        """An edit committed to the WAL by a connection still open leaves the
        database file as it was; a WAL with frames is never taken as untouched."""
        Workspace.open(hq).close()
        conn = sqlite3.connect(hq / "gawah.sqlite")
        try:
            conn.execute("UPDATE registry_reports SET status = 'released'")
            conn.commit()
            with pytest.raises(LedgerIntegrityError, match="registry_reports"):
                Workspace.open(hq)
        finally:
            conn.close()

    def test_web_roles_come_from_the_events(self, hq: Path) -> None:
        """A viewer edited into admin in the table is still a viewer to the web app."""
        from gawah.web._backend import Backend

        _sql(hq, "UPDATE web_role_grants SET role = 'admin'")
        with Workspace.open(hq, check=False) as ws:
            assert role_of(ws.conn, SERVER, "amna", trusted=_trusted(ws)) == "viewer"
        backend = Backend(home=hq)
        try:
            with pytest.raises(LedgerIntegrityError, match="web_role_grants"):
                backend.workspace()  # the app refuses to serve this workspace
        finally:
            backend.close()


class TestCheckpointsOutsideTheDatabase:
    def _own_feed(self, home: Path) -> tuple[str, int]:
        with Workspace.open(home, projectors=[]) as ws:
            return ws.device, ws.ledger.feed_size(ws.device)

    @pytest.mark.parametrize(
        "damage", ["deleted tail", "emptied", "missing", "replaced by an empty one"]
    )
    def test_shorter_ledger_is_exit_3(
        self, hq: Path, gawah: Callable[..., Run], damage: str
    ) -> None:
        """Deleting the tail with its checkpoints, emptying, removing or replacing the file."""
        device, size = self._own_feed(hq)
        db = hq / "gawah.sqlite"
        if damage == "deleted tail":
            _sql(
                hq,
                f"DELETE FROM ledger_events WHERE device = '{device}' AND seq > {size - 2}",
                f"DELETE FROM ledger_checkpoints WHERE size > {size - 2}",
            )
        elif damage == "emptied":
            _sql(hq, "DELETE FROM ledger_events", "DELETE FROM ledger_checkpoints")
        elif damage == "missing":
            db.unlink()
        else:
            db.unlink()
            sqlite3.connect(db).close()
        for args in (("ledger", "verify"), ("status",), ("ledger", "show")):
            done = gawah(*args, "--home", str(hq))
            assert done.returncode == 3, (args, done)
            assert "shorter than its last checkpoint" in done.stderr
        if damage == "missing":
            assert not db.exists()  # never silently recreated

    @pytest.mark.parametrize("damage", ["deleted", "garbled", "rolled back"])
    def test_the_kept_checkpoints_themselves(
        self, hq: Path, gawah: Callable[..., Run], damage: str
    ) -> None:
        """A deleted or garbled state file is exit 3; an older one still checks."""
        state = hq / "ledger-state.json"
        if damage == "deleted":
            state.unlink()
        elif damage == "garbled":
            state.write_text("{not json")
        else:  # an older copy of the file: fewer anchors, still consistent
            state.write_text(
                '{"format": "gawah-ledger-state-1", "checkpoints": [], '
                '"projections": null}'
            )
        done = gawah("status", "--home", str(hq))
        verify = gawah("ledger", "verify", "--home", str(hq))
        if damage == "rolled back":
            assert (done.returncode, verify.returncode) == (0, 0)
        else:
            assert done.returncode == 3, done
            assert verify.returncode == 3, verify
            assert "against its last checkpoints" in done.stderr

    def test_truncation_inside_the_kept_checkpoint_is_caught_at_every_k(
        self, hq: Path
    ) -> None:
        """Cutting the last k = 1..n events (and their stored checkpoints) is always caught."""
        device, size = self._own_feed(hq)
        caught = 0
        for k in range(1, size + 1):
            copy = hq.parent / f"cut{k}"
            shutil.copytree(hq, copy)
            _sql(
                copy,
                f"DELETE FROM ledger_events WHERE device = '{device}' AND seq > {size - k}",
                "DELETE FROM ledger_checkpoints",
            )
            with pytest.raises(LedgerIntegrityError, match="shorter"):
                Workspace.open(copy, projectors=[])
            with Workspace.open(copy, projectors=[], check=False) as ws:
                caught += not ws.ledger.verify().ok
            shutil.rmtree(copy)
        assert size >= 5
        assert caught == size


class TestCorruption:
    def test_random_bit_flips_never_crash_and_never_change_output_silently(
        self, hq: Path, tmp_path: Path, gawah: Callable[..., Run]
    ) -> None:
        """120 single-bit flips anywhere in the file: no traceback; a changed export is caught.

        Most of a small workspace's file is free space in its pages, where a flip
        changes nothing: about 1 flip in 20 is caught (of 200 flips with this
        seed, 11 before the tables of decision 0002 were added and 8 after;
        of the first 40, one before and none after, the file being longer).
        """
        baseline = tmp_path / "baseline.csv"
        assert (
            gawah("export", "csv", "--out", str(baseline), "--home", str(hq)).returncode
            == 0
        )
        expected = baseline.read_bytes()
        data = (hq / "gawah.sqlite").read_bytes()
        assert (
            not (hq / "gawah.sqlite-wal").exists()
            or not (hq / "gawah.sqlite-wal").stat().st_size
        )
        rng = random.Random(12)
        tried = silent = 0
        outcomes: dict[int, int] = {}
        for n in range(120):
            home = tmp_path / f"flip{n}"
            shutil.copytree(hq, home)
            offset = rng.randrange(100, len(data))  # past the 100-byte file header
            flipped = bytearray(data)
            flipped[offset] ^= 1 << rng.randrange(8)
            (home / "gawah.sqlite").write_bytes(bytes(flipped))
            out = tmp_path / f"flip{n}.csv"
            export = gawah("export", "csv", "--out", str(out), "--home", str(home))
            verify = gawah("ledger", "verify", "--home", str(home))
            for done in (export, verify):
                assert "Traceback" not in done.stderr + done.stdout
                assert done.returncode in (0, 1, 3), done
            tried += 1
            outcomes[verify.returncode] = outcomes.get(verify.returncode, 0) + 1
            changed = export.returncode == 0 and out.read_bytes() != expected
            silent += changed and verify.returncode == 0
            shutil.rmtree(home)
        assert tried == 120
        assert silent == 0
        assert outcomes.get(3, 0) >= 1  # flips in used cells are caught

    def test_a_damaged_index_page_is_reported_as_a_damaged_file(self, hq: Path) -> None:
        """The integrity check runs beside the events: a page of an index zeroed
        (the events themselves intact) is reported as the damaged file, alone."""
        db = hq / "gawah.sqlite"
        with sqlite3.connect(db) as conn:
            page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
            name, page = conn.execute(
                "SELECT d.name, min(d.pageno) FROM dbstat d"
                " JOIN sqlite_master m ON m.name = d.name"
                " WHERE m.type = 'index' AND m.sql IS NOT NULL"
                " AND m.tbl_name = 'registry_reports'"
            ).fetchone()
        conn.close()
        assert name is not None
        data = bytearray(db.read_bytes())
        start = (int(page) - 1) * page_size
        data[start : start + page_size] = bytes(page_size)
        db.write_bytes(bytes(data))
        with Workspace.open(hq, check=False, checkpoint_on_close=False) as ws:
            report = ws.ledger.verify()
        assert not report.ok
        assert report.database is not None
        assert (report.events, report.problems, report.tables) == (0, (), ())
        with pytest.raises(LedgerIntegrityError, match="database file is damaged"):
            report.raise_for_problems()


class TestPrivateByDefault:
    def test_files_are_private_whatever_the_umask(
        self, tmp_path: Path, gawah: Callable[..., Run]
    ) -> None:
        """umask 0: folder 0700; database, WAL, key, state, config and exports 0600."""
        old = os.umask(0)
        try:
            home = tmp_path / "ws"
            done = gawah("init", "--home", str(home), "--no-passphrase")
            assert done.returncode == 0, done.stderr
            ws = Workspace.open(home)
            ws.append("toy.a", {})
            modes = {
                p.relative_to(home).as_posix(): stat.S_IMODE(p.stat().st_mode)
                for p in home.rglob("*")
                if p.is_file()
            }
            ws.close()
            export = tmp_path / "export.csv"
            assert (
                gawah(
                    "export", "csv", "--out", str(export), "--home", str(home)
                ).returncode
                == 0
            )
        finally:
            os.umask(old)
        assert stat.S_IMODE(home.stat().st_mode) == 0o700
        assert "gawah.sqlite-wal" in modes
        assert {k: v for k, v in modes.items() if v != 0o600} == {}
        assert stat.S_IMODE(export.stat().st_mode) == 0o600

    def test_init_without_a_terminal_says_what_to_pass(
        self, tmp_path: Path, gawah: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """No prompt on a pipe: exit 2 naming the options; the env file then works."""
        home = tmp_path / "ws"
        done = gawah("init", "--home", str(home))
        assert done.returncode == 2
        assert "--passphrase-file" in done.stderr
        assert "--no-passphrase" in done.stderr
        assert not home.exists()
        secret = tmp_path / "secret"
        secret.write_text("FICTIONAL passphrase\n")
        monkeypatch.setenv("GAWAH_PASSPHRASE_FILE", str(secret))
        done = gawah("init", "--home", str(home))
        assert done.returncode == 0, done.stderr
        assert "passphrase-protected" in done.stdout
        monkeypatch.delenv("GAWAH_PASSPHRASE_FILE")
        identity = FixedSigner("field-b").identity
        locked = gawah("devices", "enrol", identity, "--name", "x", "--home", str(home))
        assert locked.returncode == 2
        assert "--passphrase-file" in locked.stderr


class TestDevicesCli:
    def test_id_enrol_list_revoke(self, hq: Path, gawah: Callable[..., Run]) -> None:
        """The commands print the identity, enrol, list and revoke."""
        identity = gawah("devices", "id", "--home", str(hq))
        assert identity.returncode == 0
        parse_identity(identity.stdout)
        other = FixedSigner("field-b").identity
        home = ("--home", str(hq))
        enrol = gawah(
            "devices",
            "enrol",
            other,
            "--name",
            "FICTIONAL b",
            "--role",
            "custodian",
            *home,
        )
        assert enrol.returncode == 0, enrol.stderr
        twice = gawah("devices", "enrol", other, "--name", "FICTIONAL c", *home)
        assert twice.returncode == 2
        typo = gawah(
            "devices", "enrol", other[:-1] + "a", "--name", "FICTIONAL d", *home
        )
        assert typo.returncode == 2
        listed = gawah("devices", "list", "--json", *home)
        assert "FICTIONAL b" in listed.stdout
        assert "custodian" in listed.stdout
        revoke = gawah("devices", "revoke", "FICTIONAL b", "--reason", "lost", *home)
        assert revoke.returncode == 0, revoke.stderr
        with Workspace.open(hq, projectors=[]) as ws:
            devices = {d.name: d for d in ws.enrolled_devices()}
        assert devices["FICTIONAL b"].revoked
        assert devices["FICTIONAL b"].roles == ("custodian",)
        assert devices["FICTIONAL HQ"].root


@pytest.fixture(autouse=True)
def _no_passphrase_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GAWAH_PASSPHRASE", raising=False)
    monkeypatch.delenv("GAWAH_PASSPHRASE_FILE", raising=False)


class TestPassphrasePrompt:
    def test_asked_only_on_a_terminal_for_a_protected_key(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """read_passphrase asks on a terminal for a protected key, never on a pipe."""
        import typer

        from gawah.options import read_passphrase

        home = tmp_path / "ws"
        Workspace.init(home, passphrase="FICTIONAL passphrase").close()
        asked: list[str] = []

        def prompt(text: str, **_: object) -> str:
            asked.append(text)
            return "FICTIONAL passphrase"

        monkeypatch.setattr(typer, "prompt", prompt)

        class Tty(io.StringIO):
            def isatty(self) -> bool:
                return True

        monkeypatch.setattr(sys, "stdin", io.StringIO(""))
        assert read_passphrase(None, home) is None
        monkeypatch.setattr(sys, "stdin", Tty(""))
        assert read_passphrase(None, home) == "FICTIONAL passphrase"
        plain = tmp_path / "plain"
        Workspace.init(plain).close()
        assert read_passphrase(None, plain) is None  # nothing to unlock: no question
        assert asked == ["Passphrase"]


class TestReplayInThePass:
    def test_replay_fed_by_the_verify_pass_agrees_with_a_replay_of_the_events(
        self, hq: Path
    ) -> None:
        """The events verify parses once and replays give the digests that a
        separate replay of the stored events gives, and those of the tables."""
        from gawah.ledger.projections import Replay, recompute_digests
        from gawah.ledger.verify import verify_store

        with Workspace.open(hq) as ws:
            projectors = ws.ledger.projectors
            schema = projection_schema(projectors)
            replay = Replay(projectors)
            verify_store(ws.conn, replay=replay.feed)
            fed = replay.digests(schema)
            here = recompute_digests(ws.ledger.events(), projectors)
            stored = ws.projection_digests()
        assert fed == here
        assert {t: stored[t] for t in here} == here
        assert len(here) >= 10
