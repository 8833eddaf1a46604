"""``gawah estimate`` through Typer's CliRunner: JSON shape, refusals, bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from gawah.cli import app

runner = CliRunner()
KEYS = {
    "method",
    "estimate",
    "lower",
    "upper",
    "level",
    "n_observed",
    "lists",
    "model",
    "seed",
    "seconds",
    "diagnostics",
    "warnings",
    "notes",
}


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "caps.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def fictional_csv(tmp_path: Path, simulate: Any) -> Path:
    """FICTIONAL capture table written as in_<list> columns with counts."""
    path = tmp_path / "fictional.csv"
    simulate().to_frame().to_csv(path, index=False)
    return path


def _run(args: list[str]) -> Any:
    return runner.invoke(app, ["estimate", *args], standalone_mode=False)


class TestJson:
    @pytest.mark.parametrize("method", ["loglinear", "stepwise", "chao"])
    def test_one_json_object_with_the_documented_keys(
        self, method: str, fictional_csv: Path
    ) -> None:
        """--json prints exactly one object with the issue's keys."""
        result = _run([str(fictional_csv), "--method", method, "--json"])
        assert result.exit_code == 0, result.output
        payload = json.loads(result.stdout)
        assert set(payload) == KEYS
        assert payload["method"] == method
        assert payload["estimate"] >= payload["n_observed"]

    def test_refusal_is_exit_zero_with_reason(self, tmp_path: Path) -> None:
        """No overlap: nulls, a reason, and exit 0 (a refusal is an answer)."""
        path = _csv(tmp_path, "a,b,c,count\n1,0,0,40\n0,1,0,30\n0,0,1,20\n")
        result = _run([str(path), "--json"])
        assert result.exit_code == 0
        payload = json.loads(result.stdout)
        assert payload["estimate"] is None
        assert payload["lower"] is None
        assert payload["upper"] is None
        assert payload["diagnostics"]["reason"]

    def test_model_and_average_options(self, fictional_csv: Path) -> None:
        """--model picks a standard model and --average labels the result."""
        chosen = json.loads(
            _run([str(fictional_csv), "--model", "Mth Chao", "--json"]).stdout
        )
        assert chosen["model"] == "Mth Chao"
        averaged = json.loads(_run([str(fictional_csv), "--average", "--json"]).stdout)
        assert averaged["model"] == "model average"


class TestHumanOutput:
    def test_table_and_plot(self, fictional_csv: Path, tmp_path: Path) -> None:
        """Without --json a table is printed, and --plot writes a PNG."""
        png = tmp_path / "n.png"
        result = _run([str(fictional_csv), "--plot", str(png)])
        assert result.exit_code == 0, result.output
        assert "estimated total" in result.stdout
        assert "Best models" in result.stdout
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    def test_plot_is_private_and_written_where_asked(
        self, fictional_csv: Path, tmp_path: Path
    ) -> None:
        """A name without a suffix is the file written (matplotlib used to add
        ".png"), and it is 0600 like every file gawah writes."""
        figure = tmp_path / "figure"
        result = _run([str(fictional_csv), "--plot", str(figure)])
        assert result.exit_code == 0, result.output
        assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert not (tmp_path / "figure.png").exists()
        assert figure.stat().st_mode & 0o777 == 0o600


class TestBadInput:
    @pytest.mark.parametrize("where", ["missing/n.png", "."])
    def test_plot_path_that_cannot_be_written_exit_2_before_fitting(
        self, fictional_csv: Path, tmp_path: Path, capsys: Any, where: str
    ) -> None:
        """A missing folder used to fail after the fit, as "unexpected
        FileNotFoundError: the workspace may be damaged" (exit 1); a folder
        was written as "<folder>.png" beside it."""
        from gawah.cli import main

        target = tmp_path / where
        with pytest.raises(SystemExit) as info:
            _main_with_args(
                main, ["estimate", str(fictional_csv), "--plot", str(target)]
            )
        assert info.value.code == 2
        err = capsys.readouterr().err
        assert "--plot" in err
        assert "damaged" not in err
        assert not tmp_path.with_suffix(".png").exists()

    @pytest.mark.parametrize(
        "text",
        [
            "a,b,count\n1,2,3\n",
            "a,count\n1,3\n",
            "a,b,count\n1,0,-3\n0,1,2\n",
            "a,a,count\n1,0,3\n",
        ],
    )
    def test_invalid_tables_exit_2(self, tmp_path: Path, text: str) -> None:
        """Values other than 0/1, one list, negative counts, duplicates: exit 2."""
        from gawah.cli import main

        path = _csv(tmp_path, text)
        with pytest.raises(SystemExit) as info:
            _main_with_args(main, ["estimate", str(path)])
        assert info.value.code == 2

    def test_no_file_and_no_workspace_exit_2(self, tmp_path: Path) -> None:
        """Without a CSV the workspace is used; an empty folder is a clear user error."""
        from gawah.cli import main

        with pytest.raises(SystemExit) as info:
            _main_with_args(main, ["estimate", "--home", str(tmp_path)])
        assert info.value.code == 2

    def test_unknown_method_exit_2(self, fictional_csv: Path) -> None:
        """An unknown --method is a user error."""
        from gawah.cli import main

        with pytest.raises(SystemExit) as info:
            _main_with_args(main, ["estimate", str(fictional_csv), "--method", "magic"])
        assert info.value.code == 2


def _main_with_args(main: Any, args: list[str]) -> None:
    import sys

    saved = sys.argv
    sys.argv = ["gawah", *args]
    try:
        main()
    finally:
        sys.argv = saved
