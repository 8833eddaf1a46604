"""Real-shaped lists in: map files, dry runs, sealed id columns, dates of birth,
releases of one source, unknown sources. All lists are FICTIONAL."""

from __future__ import annotations

import csv
import sys
import tomllib
from pathlib import Path

import pytest
from _moh_shape import MAP_TEXT, write_releases
from _registry_helpers import ListWriter, sensitive_of

from gawah.cli import main
from gawah.errors import UserInputError
from gawah.registry import (
    RowsInvalidError,
    assign_persons,
    import_list,
    list_reports,
    load_map,
    record_source,
    source_releases,
)
from gawah.workspace import Workspace


def _run(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["gawah", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def releases(tmp_path: Path) -> tuple[Path, Path, dict[str, dict[str, str]]]:
    return write_releases(tmp_path)


@pytest.fixture
def map_file(tmp_path: Path) -> Path:
    path = tmp_path / "moh.map.toml"
    path.write_text(MAP_TEXT, encoding="utf-8")
    return path


class TestRawList:
    def test_refusal_is_grouped_by_kind(
        self, ws: Workspace, releases: tuple[Path, Path, dict[str, dict[str, str]]]
    ) -> None:
        """Unknown ages and birth years in the age column: one line per kind, with
        counts and a hint, not one line per row."""
        first, _, _ = releases
        with pytest.raises(RowsInvalidError) as info:
            import_list(ws, first, source="moh")
        message = str(info.value)
        assert info.value.summary.bad_rows >= 3
        kinds = info.value.summary.counts
        assert sum(kinds.values()) == len(info.value.issues)
        assert any("year of birth" in k for k in kinds)
        assert "[birth_years]" in message
        assert "[missing]" in message
        # count lines + at most three examples per kind
        assert len(message.splitlines()) <= 1 + 4 * len(kinds)
        assert list_reports(ws.conn) == []

    def test_an_id_column_of_national_ids_is_sealed(
        self,
        ws: Workspace,
        releases: tuple[Path, Path, dict[str, dict[str, str]]],
        tmp_path: Path,
    ) -> None:
        """Without a map, ``id`` holding 9-digit numbers never becomes a shown record id."""
        first, _, truth = releases
        report = import_list(ws, first, source="moh", skip_invalid=True, dry_run=True)
        places = {header: place for header, place, _ in report.mapping}
        assert places["id"] == "record_id (sealed)"
        assert places["name"] == "name_urdu"  # Arabic script: the native name
        assert places["en_name"] == "full_name"
        assert "id" in report.sensitive_columns
        assert "id" in report.detected_sensitive
        import_list(ws, first, source="moh", skip_invalid=True)
        shown = {r.record_id for r in list_reports(ws.conn)}
        assert shown
        assert all(r.startswith("s:") for r in shown)
        assert not shown & set(truth[first.name])
        dump = tmp_path / "dump.txt"
        dump.write_text(
            repr([r.__dict__ for r in list_reports(ws.conn)]), encoding="utf-8"
        )
        assert not any(n in dump.read_text("utf-8") for n in truth[first.name])

    def test_ids_after_placeholder_rows_are_still_found(
        self, ws: Workspace, write_list: ListWriter
    ) -> None:
        """A list may open with over a thousand placeholder ids: the column is
        judged on rows from the whole file, not its head."""
        rows = [["id", "full_name"]]
        rows += [[f"missing-{n:08d}-{n % 97}", f"FICTIONAL {n}"] for n in range(1700)]
        rows += [[str(400_000_000 + n * 7919), f"FICTIONAL {n}"] for n in range(2500)]
        report = import_list(ws, write_list(rows), source="s", dry_run=True)
        assert ("id", "record_id (sealed)") in {(h, p) for h, p, _ in report.mapping}

    def test_explicit_record_id_is_shown(
        self, ws: Workspace, write_list: ListWriter
    ) -> None:
        """A map that says the column is the record id keeps it as written."""
        path = write_list([["id", "full_name"], ["123456789", "FICTIONAL A"]])
        import_list(
            ws,
            path,
            source="s",
            mapping=_map(path.parent, '[columns]\nid = "record_id"\n'),
        )
        assert [r.record_id for r in list_reports(ws.conn)] == ["123456789"]


def _map(folder: Path, text: str) -> Path:
    path = folder / "m.toml"
    path.write_text(text, encoding="utf-8")
    return path


class TestMapFile:
    def test_full_map_imports_the_list(
        self,
        ws: Workspace,
        releases: tuple[Path, Path, dict[str, dict[str, str]]],
        map_file: Path,
    ) -> None:
        first, _, truth = releases
        report = import_list(ws, first, source="moh", mapping=map_file)
        reports = list_reports(ws.conn)
        with first.open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert report.added == len(rows) == len(reports)
        assert {r.status.value for r in reports} == {"killed"}
        assert {r.sex.value for r in reports} <= {"male", "female"}
        assert all(r.name_urdu and r.full_name for r in reports)
        assert all("source" not in r.extra for r in reports)
        unknown_age = sum(1 for row in rows if row["age"] == "-1")
        assert sum(1 for r in reports if r.age is None) >= unknown_age > 0
        birth_years = [row for row in rows if len(row["age"]) == 4]
        assert birth_years
        by_name = {r.name_urdu: r for r in reports}
        for row in birth_years:
            found = by_name[row["name"]]
            assert found.age is None
            assert found.dob == (row["dob"] or row["age"])
        opened = sensitive_of(ws, reports[0].report_id)
        assert opened is not None
        assert opened.other["id"] in truth[first.name]

    def test_missing_codes_values_constants_and_drop(
        self, ws: Workspace, write_list: ListWriter, tmp_path: Path
    ) -> None:
        path = write_list(
            [
                ["serial", "Victim", "Gender", "Age", "Hal", "Remarks"],
                ["1", "FICTIONAL One", "Mard", "N/A", "Shaheed", "x"],
                ["2", "FICTIONAL Two", "Aurat", "33", "Zakhmi", "y"],
                ["3", "FICTIONAL Three", "unknown", "نامعلوم", "Shaheed", "z"],
            ]
        )
        text = (
            '[columns]\nserial = "record_id"\nVictim = "full_name"\nGender = "sex"\n'
            'Age = "age"\nHal = "status"\n[drop]\ncolumns = ["Remarks"]\n'
            '[missing]\n"*" = ["N/A", "unknown", "نامعلوم"]\n'
            '[values.sex]\nmard = "male"\naurat = "female"\n'
            '[values.Hal]\nShaheed = "killed"\nZakhmi = "injured"\n'
            '[constants]\ndistrict = "FICTIONAL district"\n'
        )
        import_list(ws, path, source="s", mapping=_map(tmp_path, text))
        got = {r.record_id: r for r in list_reports(ws.conn)}
        assert [got[k].sex.value for k in "123"] == ["male", "female", "unknown"]
        assert [got[k].age for k in "123"] == [None, 33, None]
        assert [got[k].status.value for k in "123"] == ["killed", "injured", "killed"]
        assert {r.district for r in got.values()} == {"FICTIONAL district"}
        assert all(r.extra == {} for r in got.values())

    def test_map_targets_are_checked(self, tmp_path: Path) -> None:
        with pytest.raises(UserInputError, match="not a canonical column"):
            load_map(_map(tmp_path, '[constants]\nstaus = "killed"\n'))
        with pytest.raises(UserInputError, match="list of codes"):
            load_map(_map(tmp_path, "[missing]\nage = {a = 1}\n"))

    def test_dry_run_writes_an_editable_map(
        self,
        tmp_path: Path,
        releases: tuple[Path, Path, dict[str, dict[str, str]]],
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """--dry-run shows every column's place and grouped problems; --map-out
        writes a map file that loads, and that works once its suggestions are taken."""
        first, _, truth = releases
        monkeypatch.setenv("GAWAH_HOME", str(tmp_path / "cli"))
        assert _run(["init", "--no-passphrase"], monkeypatch, capsys)[0] == 0
        out_map = tmp_path / "out.map.toml"
        code, out, err = _run(
            ["import", str(first), "--source", "moh", "--new-source", "--dry-run",
             "--map-out", str(out_map)],
            monkeypatch, capsys,
        )  # fmt: skip
        assert code != 0
        assert "would record nothing" in err
        for header in ("id", "name", "en_name", "age", "dob", "sex", "source"):
            assert header in out
        assert "record_id (sealed)" in out
        assert "Problems, by kind" in out
        assert not any(n in out + err for n in truth[first.name])
        text = out_map.read_text("utf-8")
        data = tomllib.loads(text)
        assert data["columns"]["id"] == "record_id"
        assert "id" in data["sensitive"]["columns"]
        # take the suggestions: uncomment them in place
        edited = text.replace(
            'columns = []\n# suggested:\n# columns = ["age"]  # replaces the line above',
            'columns = ["age"]',
        )
        edited = edited.replace('# suggested:\n# "age" = ["-1"]', '"age" = ["-1"]')
        assert edited != text
        out_map.write_text(edited, encoding="utf-8")
        code, out, err = _run(
            ["import", str(first), "--source", "moh", "--new-source", "--map", str(out_map)],
            monkeypatch, capsys,
        )  # fmt: skip
        assert code == 0, err


class TestSources:
    def test_unknown_source_is_refused_with_a_suggestion(
        self,
        tmp_path: Path,
        write_list: ListWriter,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        path = write_list([["record_id", "full_name"], ["1", "FICTIONAL A"]])
        monkeypatch.setenv("GAWAH_HOME", str(tmp_path / "cli"))
        assert _run(["init", "--no-passphrase"], monkeypatch, capsys)[0] == 0
        assert _run(["sources", "add", "press"], monkeypatch, capsys)[0] == 0
        code, _, err = _run(
            ["import", str(path), "--source", "presss"], monkeypatch, capsys
        )
        assert code == 2
        assert "Did you mean 'press'" in err
        assert "--new-source" in err
        assert (
            _run(["import", str(path), "--source", "press"], monkeypatch, capsys)[0]
            == 0
        )
        code, _, err = _run(
            ["import", str(path), "--source", "presss", "--new-source"],
            monkeypatch,
            capsys,
        )
        assert code == 0, err


class TestReleases:
    def test_later_release_updates_the_same_reports(
        self,
        ws: Workspace,
        releases: tuple[Path, Path, dict[str, dict[str, str]]],
        map_file: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        first, second, truth = releases
        ids1, ids2 = set(truth[first.name]), set(truth[second.name])
        one = import_list(
            ws, first, source="moh", mapping=map_file, release="2031-08-08"
        )
        two = import_list(
            ws, second, source="moh", mapping=map_file, release="2031-09-21"
        )
        assert one.added == len(ids1)
        assert two.added == len(ids2 - ids1)
        assert two.changed + two.unchanged == len(ids1 & ids2)
        assert two.changed > 0
        assert two.dropped == len(ids1 - ids2) > 0
        assert len(list_reports(ws.conn)) == len(ids1 | ids2)
        history = source_releases(ws.conn, "moh")
        assert [(r.release, r.added, r.changed, r.dropped) for r in history] == [
            ("2031-08-08", one.added, 0, 0),
            ("2031-09-21", two.added, two.changed, two.dropped),
        ]
        again = import_list(
            ws, second, source="moh", mapping=map_file, release="2031-09-21"
        )
        assert again.events == 0
        assert len(source_releases(ws.conn, "moh")) == 2
        changed = [r for r in list_reports(ws.conn) if r.version == 2]
        assert changed
        assert all(
            r.provenance is not None and r.provenance.release == "2031-09-21"
            for r in changed
        )

    def test_estimation_sees_one_list_per_source(
        self,
        ws: Workspace,
        releases: tuple[Path, Path, dict[str, dict[str, str]]],
        map_file: Path,
    ) -> None:
        from gawah.estimate import capture_histories

        first, second, _truth = releases
        import_list(ws, first, source="moh", mapping=map_file, release="r1")
        import_list(ws, second, source="moh", mapping=map_file, release="r2")
        record_source(ws, "FICTIONAL press")
        press = first.with_name("press.csv")
        with (
            first.open(encoding="utf-8") as fh,
            press.open("w", encoding="utf-8", newline="") as out,
        ):
            rows = list(csv.reader(fh))
            csv.writer(out).writerows(rows[: len(rows) // 2])
        import_list(ws, press, source="FICTIONAL press", mapping=map_file)
        # persons: the reports of one FICTIONAL national id (opened with the key)
        members: dict[str, list[str]] = {}
        for report in list_reports(ws.conn):
            opened = sensitive_of(ws, report.report_id)
            assert opened is not None
            members.setdefault(opened.other["id"], []).append(report.report_id)
        assign_persons(ws, members, run_id="run-t", method="truth")
        table = capture_histories(ws)
        lists = [c for c in table.columns if c.startswith("in_")]
        assert len(lists) == 2
        assert int(table["count"].sum()) == len(members)

    def test_sources_history_command(
        self,
        tmp_path: Path,
        releases: tuple[Path, Path, dict[str, dict[str, str]]],
        map_file: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        first, second, _ = releases
        monkeypatch.setenv("GAWAH_HOME", str(tmp_path / "cli"))
        assert _run(["init", "--no-passphrase"], monkeypatch, capsys)[0] == 0
        base = ["--source", "moh", "--map", str(map_file)]
        assert (
            _run(
                ["import", str(first), *base, "--new-source", "--release", "a"],
                monkeypatch,
                capsys,
            )[0]
            == 0
        )
        code, out, err = _run(
            ["import", str(second), *base, "--release", "b"], monkeypatch, capsys
        )
        assert code == 0, err
        assert "release b" in out
        assert "dropped" in out
        code, out, _ = _run(
            ["sources", "history", "moh", "--json"], monkeypatch, capsys
        )
        import json

        assert [r["release"] for r in json.loads(out)] == ["a", "b"]
