"""``gawah estimate`` without a file: the capture table comes from linked persons."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gawah.cli import app, main
from gawah.estimate import capture_histories
from gawah.workspace import Workspace

from .conftest import LinkedDemo

runner = CliRunner()


class TestEstimateOnWorkspace:
    def test_refuses_before_linkage(
        self,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """A workspace whose reports were never linked gets a clear message, exit 2."""
        home = tmp_path / "ws"
        Workspace.init(home, author="tester").close()
        monkeypatch.setattr(sys, "argv", ["gawah", "estimate", "--home", str(home)])
        with pytest.raises(SystemExit) as info:
            main()
        assert info.value.code == 2
        assert "gawah link" in capsys.readouterr().err

    def test_counts_linked_persons(
        self, linked_demo_once: LinkedDemo, tmp_path: Path
    ) -> None:
        """After linking the FICTIONAL demo, n_observed is the number of persons seen."""
        home = linked_demo_once.copy(tmp_path)
        n_persons = linked_demo_once.n_persons  # what the linkage run reported
        with Workspace.open(home) as ws:
            frame = capture_histories(ws)
        assert int(frame["count"].sum()) == n_persons
        result = runner.invoke(
            app, ["estimate", "--home", str(home), "--method", "chao", "--json"]
        )
        assert result.exit_code == 0, result.output
        answer = json.loads(result.stdout)
        assert answer["n_observed"] == n_persons
        assert sorted(answer["lists"]) == ["families", "hospital", "party", "press"]
        assert answer["estimate"] >= n_persons
