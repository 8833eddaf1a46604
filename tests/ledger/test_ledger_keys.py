"""Device keys: passphrase wrapping, locked workspaces, no key material in output."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest

from gawah.errors import WorkspaceError
from gawah.workspace import Workspace

PASSPHRASE = "FICTIONAL correct horse battery staple"


def _seed_forms(ws_home: Path, ws: Workspace) -> list[str]:
    """Every printable form of the private seed (to search for leaks)."""
    key = ws.ledger._signer
    seed: bytes = key.seed()  # type: ignore[union-attr]
    return [seed.hex(), base64.b64encode(seed).decode(), seed.hex().upper()]


class TestPassphrase:
    def test_wrapped_key_file_holds_no_seed(self, tmp_path: Path) -> None:
        """With a passphrase the key file stores only the Argon2id-sealed seed."""
        with Workspace.init(tmp_path / "w", passphrase=PASSPHRASE, projectors=[]) as ws:
            forms = _seed_forms(tmp_path / "w", ws)
        record = json.loads((tmp_path / "w" / "keys" / "device.key").read_text())
        assert record["kdf"] == "argon2id"
        assert record["memlimit"] >= 64 * 1024 * 1024
        assert record["opslimit"] >= 3
        text = (tmp_path / "w" / "keys" / "device.key").read_text()
        assert not any(form in text for form in forms)
        mode = (tmp_path / "w" / "keys" / "device.key").stat().st_mode
        assert stat.S_IMODE(mode) == 0o600

    def test_wrong_passphrase_is_a_clear_error(self, tmp_path: Path) -> None:
        """A wrong passphrase raises WorkspaceError naming neither secret nor key."""
        with Workspace.init(tmp_path / "w", passphrase=PASSPHRASE, projectors=[]) as ws:
            forms = _seed_forms(tmp_path / "w", ws)
        with pytest.raises(WorkspaceError, match="wrong passphrase") as caught:
            Workspace.open(tmp_path / "w", passphrase="FICTIONAL wrong guess")
        message = str(caught.value)
        assert "FICTIONAL wrong guess" not in message
        assert PASSPHRASE not in message
        assert not any(form in message for form in forms)
        assert caught.value.__cause__ is None

    def test_locked_workspace_reads_but_does_not_sign(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Without the passphrase a workspace opens read-only: verify yes, append no."""
        monkeypatch.delenv("GAWAH_PASSPHRASE", raising=False)
        with Workspace.init(tmp_path / "w", passphrase=PASSPHRASE, projectors=[]) as ws:
            ws.append("toy.a", {})
        with Workspace.open(tmp_path / "w", projectors=[]) as ws:
            assert not ws.unlocked
            assert ws.ledger.verify().ok
            with pytest.raises(WorkspaceError, match="locked"):
                ws.append("toy.a", {})

    def test_passphrase_from_environment_unlocks(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """$GAWAH_PASSPHRASE unlocks the key when no passphrase is passed."""
        Workspace.init(tmp_path / "w", passphrase=PASSPHRASE, projectors=[]).close()
        monkeypatch.setenv("GAWAH_PASSPHRASE", PASSPHRASE)
        with Workspace.open(tmp_path / "w", projectors=[]) as ws:
            assert ws.append("toy.a", {}).seq == 1

    def test_damaged_key_file_is_refused(self, tmp_path: Path) -> None:
        """A key file that does not match the workspace's device is refused."""
        Workspace.init(tmp_path / "w", projectors=[]).close()
        key_file = tmp_path / "w" / "keys" / "device.key"
        record = json.loads(key_file.read_text())
        record["seed"] = base64.b64encode(bytes(32)).decode()
        key_file.write_text(json.dumps(record))
        with pytest.raises(WorkspaceError, match="damaged"):
            Workspace.open(tmp_path / "w")
