"""CSV mode: `gawah link FILE.csv... --out clusters.csv`, and bad input."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from _linkage_cli import Run

from gawah.testing.linkage_data import generate_linked_lists

Gawah = Callable[..., Run]


@pytest.fixture(scope="module")
def lists(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Four small generated lists written as CSV files."""
    folder = tmp_path_factory.mktemp("lists")
    data = generate_linked_lists(150, seed=7)
    paths = []
    for name, frame in data.lists.items():
        path = folder / f"{name}.csv"
        frame.to_csv(path, index=False)
        paths.append(path)
    return paths


class TestCsvMode:
    def test_shortcut_writes_one_row_per_input_row(
        self, lists: list[Path], tmp_path: Path, gawah: Gawah
    ) -> None:
        """`gawah link FILES --out` writes list,record_id,cluster_id for every input row."""
        out = tmp_path / "clusters.csv"
        result = gawah("link", *map(str, lists), "--out", str(out), "--json")
        assert result.code == 0, result.stderr
        clusters = pd.read_csv(out, dtype=str)
        assert list(clusters.columns) == ["list", "record_id", "cluster_id"]
        inputs = pd.concat(
            [pd.read_csv(p, dtype=str).assign(list=p.stem) for p in lists]
        )
        assert len(clusters) == len(inputs)
        assert set(zip(clusters["list"], clusters["record_id"], strict=True)) == set(
            zip(inputs["list"], inputs["record_id"], strict=True)
        )
        summary = json.loads(result.stdout)
        assert summary["persons"] == clusters["cluster_id"].nunique()
        assert summary["persons"] < len(clusters)

    def test_csv_command_and_shortcut_agree(
        self, lists: list[Path], tmp_path: Path, gawah: Gawah
    ) -> None:
        """`gawah link csv` and the shortcut give the same clusters."""
        a, b = tmp_path / "a.csv", tmp_path / "b.csv"
        assert gawah("link", "csv", *map(str, lists[:2]), "--out", str(a)).code == 0
        assert gawah("link", *map(str, lists[:2]), "--out", str(b)).code == 0
        assert a.read_text() == b.read_text()

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            ("record_id,age\n1,30\n", "no name column"),
            ("record_id,full_name\n1,Ali\n1,Ahmad\n", "duplicate record_id"),
        ],
    )
    def test_bad_input_writes_nothing(
        self, tmp_path: Path, content: str, message: str, gawah: Gawah
    ) -> None:
        """A list without a name column or with duplicate ids: exit 2, clear message, no output."""
        bad = tmp_path / "bad.csv"
        bad.write_text(content)
        out = tmp_path / "out.csv"
        result = gawah("link", str(bad), "--out", str(out))
        assert result.code == 2
        assert message in result.stderr
        assert not out.exists()

    def test_unreadable_file(self, tmp_path: Path, gawah: Gawah) -> None:
        """A missing file is a user error and nothing is written."""
        out = tmp_path / "out.csv"
        result = gawah("link", str(tmp_path / "nope.csv"), "--out", str(out))
        assert result.code == 2
        assert not out.exists()


class TestDistinctLists:
    """`--distinct LIST`: a register whose records are all different people."""

    @pytest.fixture
    def register(self, lists: list[Path], tmp_path: Path) -> tuple[Path, Path]:
        """One list copied with each record twice under two ids (FICTIONAL)."""
        frame = pd.read_csv(lists[0], dtype=str)
        twice = pd.concat([frame, frame.assign(record_id=frame["record_id"] + "b")])
        path = tmp_path / "register.csv"
        twice.to_csv(path, index=False)
        return path, lists[1]

    def test_a_distinct_list_never_holds_a_person_twice(
        self, register: tuple[Path, Path], tmp_path: Path, gawah: Gawah
    ) -> None:
        """Identical records of one list merge by default and stay apart when distinct."""
        reg, other = register
        plain, apart = tmp_path / "plain.csv", tmp_path / "apart.csv"
        assert gawah("link", str(reg), str(other), "--out", str(plain)).code == 0
        code = gawah(
            "link", str(reg), str(other), "--out", str(apart), "--distinct", "register"
        ).code
        assert code == 0

        def most_in_one_person(path: Path) -> int:
            clusters = pd.read_csv(path, dtype=str)
            rows = clusters[clusters["list"] == "register"]
            return int(rows.groupby("cluster_id").size().max())

        assert most_in_one_person(plain) >= 2
        assert most_in_one_person(apart) == 1

    def test_an_unknown_list_is_refused(
        self, register: tuple[Path, Path], tmp_path: Path, gawah: Gawah
    ) -> None:
        reg, other = register
        out = tmp_path / "out.csv"
        result = gawah(
            "link", str(reg), str(other), "--out", str(out), "--distinct", "nope"
        )
        assert result.code == 2
        assert "--distinct nope: no such list" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert not out.exists()
