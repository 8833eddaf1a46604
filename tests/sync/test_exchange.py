"""Offline exchange (issue 14): bundles arrive whole and verified, or not at all.

Every refusal is checked to store nothing: the state digest, the event count and
the projection tables are the same before and after. All data is FICTIONAL.
"""

from __future__ import annotations

import io
import json
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nacl.signing
import pytest

from gawah.errors import IntegrityError, LedgerIntegrityError
from gawah.registry import import_rows, list_reports
from gawah.sync import BundleError, export_bundle, import_bundle
from gawah.sync.bundle import open_bundle, write_bundle
from gawah.testing.signer import FixedSigner, fixed_seed, signed_feed
from gawah.workspace import Workspace

from .conftest import make_team, send

HEADERS = ["record_id", "full_name", "father_name", "sex", "age", "status", "phone"]
CANARY_NAME = "FICTIONALCANARY Zarghunaqvi"
CANARY_PHONE = "+92-300-0000-4242"


def _rows(n: int, tag: str = "") -> list[list[str]]:
    return [
        [str(i), f"FICTIONAL Person{tag} {i}", "Tariq", "M", str(20 + i), "killed", ""]
        for i in range(1, n + 1)
    ]


def _state(ws: Workspace) -> tuple[str, int, dict[str, str]]:
    return ws.ledger.state_digest(), ws.ledger.count(), ws.projection_digests()


def _export(src: Workspace, dst: Workspace, path: Path) -> Path:
    export_bundle(src, [dst.identity], path)
    return path


class TestRoundTrip:
    def test_reports_arrive_and_digests_agree(
        self, team: list[Workspace], tmp_path: Path
    ) -> None:
        hq, a, _b = team
        import_rows(a, HEADERS, _rows(5, "A"), source="FICTIONAL list A")
        result = send(a, hq, tmp_path)
        assert result.new_events == 6  # the source and 5 reports
        assert result.reports == 5
        assert len(list_reports(hq.conn)) == 5
        back = send(hq, a, tmp_path)
        assert back.new_events == 0
        assert hq.ledger.state_digest() == a.ledger.state_digest()
        assert hq.projection_digests() == a.projection_digests()

    def test_reimport_adds_nothing(self, team: list[Workspace], tmp_path: Path) -> None:
        hq, a, _b = team
        import_rows(a, HEADERS, _rows(3), source="FICTIONAL list A")
        path = _export(a, hq, tmp_path / "a.gawah")
        first = import_bundle(hq, path)
        before = _state(hq)
        again = import_bundle(hq, path)
        assert first.new_events == 4
        assert again.new_events == 0
        assert again.replay_of is not None
        assert not again.changed
        assert _state(hq) == before

    def test_bundle_is_private_and_names_nobody(
        self, team: list[Workspace], tmp_path: Path
    ) -> None:
        """The canary's name and phone appear nowhere in the file; inside, the phone
        stays sealed (the recipient sees ciphertext, the sender's data key stays home)."""
        hq, a, _b = team
        rows = [["1", CANARY_NAME, "Tariq", "M", "30", "killed", CANARY_PHONE]]
        import_rows(a, HEADERS, rows, source="FICTIONAL list A")
        path = _export(a, hq, tmp_path / "canary.gawah")
        data = path.read_bytes()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        for needle in (CANARY_NAME, "FICTIONALCANARY", CANARY_PHONE, "0000-4242"):
            assert needle.encode() not in data
            assert needle.encode("utf-16-le") not in data
        private = nacl.signing.SigningKey(
            fixed_seed("sync-hq")
        ).to_curve25519_private_key()
        content = open_bundle(data, private)
        inside = b"".join(raw for raw, _sig in content.events)
        assert CANARY_NAME.encode() in inside  # names travel, encrypted in the file
        assert CANARY_PHONE.encode() not in inside  # sealed fields stay sealed
        assert b'"sealed"' in inside

    def test_since_last_sends_only_what_is_new(
        self, team: list[Workspace], tmp_path: Path
    ) -> None:
        hq, a, _b = team
        import_rows(a, HEADERS, _rows(3), source="FICTIONAL list A")
        send(a, hq, tmp_path)
        send(hq, a, tmp_path)
        import_rows(a, HEADERS, _rows(5), source="FICTIONAL list A")
        path = tmp_path / "delta.gawah"
        result = export_bundle(a, [hq.identity], path, since="last")
        assert result.events == 2  # reports 4 and 5 only
        assert import_bundle(hq, path).new_events == 2
        assert hq.ledger.state_digest() == a.ledger.state_digest()

    def test_several_recipients_open_the_same_file(
        self, team: list[Workspace], tmp_path: Path
    ) -> None:
        hq, a, b = team
        import_rows(hq, HEADERS, _rows(2), source="FICTIONAL HQ list")
        path = tmp_path / "both.gawah"
        export_bundle(hq, [a.identity, b.identity], path)
        assert import_bundle(a, path).reports == 2
        assert import_bundle(b, path).reports == 2
        assert a.ledger.state_digest() == b.ledger.state_digest()


class TestRefusals:
    """Each bad bundle: exit-3 class error, one reason, nothing stored."""

    def _refused(
        self,
        ws: Workspace,
        path: Path,
        match: str,
        error: type[Exception] = BundleError,
    ) -> None:
        before = _state(ws)
        record = ws.home / "sync-exchanges.json"
        exchanges = record.read_bytes() if record.exists() else None
        with pytest.raises(error, match=match) as info:
            import_bundle(ws, path)
        assert isinstance(info.value, IntegrityError)
        assert _state(ws) == before
        assert (record.read_bytes() if record.exists() else None) == exchanges

    @pytest.mark.parametrize("where", [-1, -200, 40, 200])
    def test_tampered(self, team: list[Workspace], tmp_path: Path, where: int) -> None:
        hq, a, _b = team
        import_rows(a, HEADERS, _rows(20), source="FICTIONAL list A")
        path = _export(a, hq, tmp_path / "t.gawah")
        data = bytearray(path.read_bytes())
        data[where] ^= 0x01
        path.write_bytes(bytes(data))
        self._refused(hq, path, "altered|damaged|not addressed")

    @pytest.mark.parametrize("keep", [0.0, 0.3, 0.99])
    def test_truncated(
        self, team: list[Workspace], tmp_path: Path, keep: float
    ) -> None:
        hq, a, _b = team
        import_rows(a, HEADERS, _rows(20), source="FICTIONAL list A")
        path = _export(a, hq, tmp_path / "t.gawah")
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * keep)])
        self._refused(hq, path, "truncated|damaged|not a gawah bundle")

    def test_wrong_recipient(self, team: list[Workspace], tmp_path: Path) -> None:
        hq, a, b = team
        import_rows(a, HEADERS, _rows(3), source="FICTIONAL list A")
        path = _export(a, hq, tmp_path / "for-hq.gawah")
        self._refused(b, path, "not addressed to this device")

    def test_unenrolled_sender(self, tmp_path: Path) -> None:
        (hq,) = make_team(tmp_path / "t", 1)
        stranger = Workspace.init(
            tmp_path / "stranger", author="FICTIONAL stranger",
            key_seed=fixed_seed("sync-stranger"),
        )  # fmt: skip
        import_rows(stranger, HEADERS, _rows(2), source="FICTIONAL list S")
        path = _export(stranger, hq, tmp_path / "s.gawah")
        self._refused(hq, path, "not enrolled", LedgerIntegrityError)
        stranger.close()
        hq.close()

    def test_event_of_an_unenrolled_author_inside(
        self, team: list[Workspace], tmp_path: Path
    ) -> None:
        """An enrolled sender cannot carry events of a device nobody enrolled."""
        hq, a, _b = team
        rogue = FixedSigner("sync-rogue")
        feed = signed_feed(
            rogue, [("report.recorded", {"report_id": "r", "version": 1})]
        )
        own = [(e.raw, e.signature) for e in a.ledger.events()]
        items = own + feed
        data = write_bundle(
            seed=a.device_key().seed(),
            recipients=[hq.device],
            manifest={
                "bundle_id": "f" * 32, "sender": a.device, "created_at": "",
                "recipients": [hq.identity], "events": len(items), "checkpoints": [],
                "have": {},
            },
            events=items,
        )  # fmt: skip
        path = tmp_path / "rogue.gawah"
        path.write_bytes(data)
        self._refused(hq, path, "not enrolled", LedgerIntegrityError)

    def test_revoked_sender(self, team: list[Workspace], tmp_path: Path) -> None:
        hq, a, _b = team
        import_rows(a, HEADERS, _rows(2), source="FICTIONAL list A")
        hq.revoke_device("FICTIONAL team 1", "FICTIONAL: the laptop was seized")
        path = _export(a, hq, tmp_path / "r.gawah")
        self._refused(hq, path, "revoked|refused", IntegrityError)

    def test_gap_is_refused(self, team: list[Workspace], tmp_path: Path) -> None:
        """A delta whose first events the recipient never got does not link up."""
        hq, a, b = team
        import_rows(a, HEADERS, _rows(3), source="FICTIONAL list A")
        earlier = send(a, hq, tmp_path).bundle_id
        import_rows(a, HEADERS, _rows(5), source="FICTIONAL list A")
        path = tmp_path / "delta.gawah"
        # b never had what went to hq in the earlier exchange: the delta is wrong for it
        export_bundle(a, [b.identity], path, since=earlier)
        self._refused(b, path, "do not link up|export again without --since")

    def test_replayed_bundle_changes_nothing(
        self, team: list[Workspace], tmp_path: Path
    ) -> None:
        """An old bundle replayed after newer work neither rolls back nor adds."""
        hq, a, _b = team
        import_rows(a, HEADERS, _rows(3), source="FICTIONAL list A")
        old = _export(a, hq, tmp_path / "old.gawah")
        import_bundle(hq, old)
        import_rows(a, HEADERS, _rows(4), source="FICTIONAL list A")
        send(a, hq, tmp_path)
        before = _state(hq)
        result = import_bundle(hq, old)
        assert result.new_events == 0
        assert result.replay_of is not None
        assert _state(hq) == before

    def test_spliced_signature_is_refused(
        self, team: list[Workspace], tmp_path: Path
    ) -> None:
        """A recipient cannot re-wrap a bundle under the sender's name."""
        hq, a, b = team
        import_rows(a, HEADERS, _rows(2), source="FICTIONAL list A")
        path = tmp_path / "two.gawah"
        export_bundle(a, [hq.identity, b.identity], path)
        data = path.read_bytes()
        header_end = data.index(b"\n", len(b"gawah-bundle/1\n")) + 1
        header = json.loads(data[len(b"gawah-bundle/1\n") : header_end])
        header["recipients"] = header["recipients"][:1] + header["recipients"][:1]
        forged = (
            b"gawah-bundle/1\n"
            + json.dumps(header, separators=(",", ":"), sort_keys=True).encode()
            + b"\n"
            + data[header_end:]
        )
        path.write_bytes(forged)
        self._refused(hq, path, "altered|not addressed")


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def gawah(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Run]:
    """Run the real CLI entry point in-process."""
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
        return Run(code, " ".join(out.out.split()), out.err)

    return run


class TestCommandLine:
    def test_export_import_and_refusal(
        self, gawah: Callable[..., Run], tmp_path: Path
    ) -> None:
        team = make_team(tmp_path / "t", 2)
        hq, a = team
        import_rows(a, HEADERS, _rows(4), source="FICTIONAL list A")
        for ws in team:
            ws.close()
        path = tmp_path / "cli.gawah"
        out = gawah(
            "sync", "export", "--to", hq.identity, "--out", str(path),
            "--home", str(a.home),
        )  # fmt: skip
        assert out.returncode == 0, out.stderr
        assert "Bundle id" in out.stdout
        got = gawah("sync", "import", str(path), "--home", str(hq.home))
        assert got.returncode == 0, got.stderr
        assert "4 report version(s)" in got.stdout
        assert "FICTIONAL Person" not in got.stdout
        again = gawah("sync", "import", str(path), "--home", str(hq.home))
        assert "Nothing new" in again.stdout
        data = bytearray(path.read_bytes())
        data[-5] ^= 0x10
        path.write_bytes(bytes(data))
        bad = gawah("sync", "import", str(path), "--home", str(hq.home))
        assert bad.returncode == 3
        assert bad.stderr.count("\n") == 1
        assert "Traceback" not in bad.stderr
        assert "altered" in bad.stderr
