"""docs/guides/first-list.md: every command in it, run in order on FICTIONAL lists."""

from __future__ import annotations

import csv
import io
import re
import shlex
import sys
from pathlib import Path

import pytest
from _moh_shape import write_releases

from gawah.cli import main

GUIDE = Path(__file__).parents[2] / "docs" / "guides" / "first-list.md"
_BLOCK = re.compile(r"```(\w*)\n(.*?)```", re.S)


def _blocks(kind: str) -> list[str]:
    text = GUIDE.read_text(encoding="utf-8")
    return [body for lang, body in _BLOCK.findall(text) if lang == kind]


def _commands() -> list[list[str]]:
    out = []
    for body in _blocks("sh"):
        for line in body.splitlines():
            if line.startswith("gawah "):
                out.append(shlex.split(line)[1:])
    return out


def test_the_guide_runs(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    first, second, _ = write_releases(tmp_path, n_people=200, seed=11)
    monkeypatch.chdir(tmp_path)
    first.rename("moh-2031-08-08.csv")
    second.rename("moh-2031-09-21.csv")
    with open("moh-2031-09-21.csv", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    with open("hospital.csv", "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([rows[0], *rows[1::3]])  # a third of the people
    secret = tmp_path / "passphrase.txt"
    secret.write_text("FICTIONAL passphrase for the guide's test\n", encoding="utf-8")
    monkeypatch.setenv("GAWAH_PASSPHRASE_FILE", str(secret))
    monkeypatch.setenv("GAWAH_HOME", str(tmp_path / "first-list"))
    (map_text,) = _blocks("toml")
    ran: list[str] = []
    for args in _commands():
        monkeypatch.setattr(sys, "argv", ["gawah", *args])
        monkeypatch.setattr(sys, "stdin", io.StringIO("y\nn\nq\n"))
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = capsys.readouterr()
        if "--map-out" in args:
            # the first dry run refuses the raw list and writes a map to edit
            assert code == 2, out.err
            assert "record_id (sealed)" in out.out
            assert Path("moh.map.toml").read_text("utf-8").startswith("# gawah map")
            Path("moh.map.toml").write_text(map_text, encoding="utf-8")  # "edit it"
        else:
            assert code == 0, f"gawah {' '.join(args)}: {out.err}"
        ran.append(" ".join(args[:2]))
        if args[:2] == ["sources", "history"]:
            assert "2031-08-08" in out.out
            assert "2031-09-21" in out.out
    assert "estimate --incident" in ran
    assert ran.count("link run") == 2
