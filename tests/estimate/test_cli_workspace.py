"""``gawah estimate`` without a file: the capture table comes from linked persons."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gawah.cli import app, main
from gawah.demo import build_demo_workspace
from gawah.estimate import capture_histories
from gawah.linkage import link_workspace
from gawah.workspace import Workspace

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

    def test_counts_linked_persons(self, tmp_path: Path) -> None:
        """After linking the FICTIONAL demo, n_observed is the number of persons seen."""
        home = tmp_path / "demo"
        build_demo_workspace(home)
        with Workspace.open(home) as ws:
            run = link_workspace(ws)
            frame = capture_histories(ws)
        assert int(frame["count"].sum()) == run.n_persons
        result = runner.invoke(
            app, ["estimate", "--home", str(home), "--method", "chao", "--json"]
        )
        assert result.exit_code == 0, result.output
        answer = json.loads(result.stdout)
        assert answer["n_observed"] == run.n_persons
        assert sorted(answer["lists"]) == ["families", "hospital", "party", "press"]
        assert answer["estimate"] >= run.n_persons
