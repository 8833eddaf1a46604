"""One path from a workspace to a capture table: incident, status, strata (FICTIONAL demo)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gawah.cli import app
from gawah.errors import UserInputError
from gawah.estimate import CaptureHistories
from gawah.estimate.factory import build_estimator
from gawah.estimate.people import capture_histories, documented
from gawah.workspace import Workspace

from .conftest import LinkedDemo

runner = CliRunner()


@pytest.fixture(scope="module")
def linked(
    linked_demo_once: LinkedDemo, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, str]:
    home = linked_demo_once.copy(tmp_path_factory.mktemp("people"))
    return home, linked_demo_once.incident_id


class TestCaptureHistories:
    def test_status_splits_the_persons(self, linked: tuple[Path, str]) -> None:
        """Each person falls in at most one status; the statuses add up to at most all."""
        home, incident = linked
        with Workspace.open(home) as ws:
            everyone = int(capture_histories(ws, incident)["count"].sum())
            doc = documented(ws, incident)
            by_status = {}
            for status in ("killed", "injured", "detained", "missing"):
                if doc.count(status):
                    table = capture_histories(ws, incident, status)
                    by_status[status] = int(table["count"].sum())
        assert by_status["killed"] == doc.count("killed")
        assert sum(by_status.values()) <= everyone == doc.count()

    def test_unknown_incident_status_and_stratum(
        self, linked: tuple[Path, str]
    ) -> None:
        """Bad selections are user errors naming what was wrong."""
        home, incident = linked
        with Workspace.open(home) as ws:
            with pytest.raises(UserInputError, match="unknown status"):
                capture_histories(ws, incident, "dead")
            # not "no linked persons in incident no-such-incident"
            with pytest.raises(UserInputError, match="no incident with id"):
                capture_histories(ws, "no-such-incident")
            with pytest.raises(UserInputError, match="unknown stratum"):
                capture_histories(ws, incident, strata=["shoe_size"])

    def test_strata_split_the_same_people(self, linked: tuple[Path, str]) -> None:
        """A district table holds the same persons as the plain one."""
        home, incident = linked
        with Workspace.open(home) as ws:
            plain = capture_histories(ws, incident, "killed")
            split = capture_histories(ws, incident, "killed", ["district"])
        assert split["count"].sum() == plain["count"].sum()
        assert list(split.columns[1:]) == list(plain.columns)


class TestCli:
    def test_cli_fits_the_selected_table(self, linked: tuple[Path, str]) -> None:
        """`--incident --status` fits exactly the table capture_histories gives."""
        home, incident = linked
        with Workspace.open(home) as ws:
            caps = CaptureHistories.from_frame(
                capture_histories(ws, incident, "killed")
            )
        expected = build_estimator("chao").fit(caps)
        args = ["estimate", "--home", str(home), "--incident", incident]
        result = runner.invoke(
            app, [*args, "--status", "killed", "--method", "chao", "--json"]
        )
        assert result.exit_code == 0, result.output
        got = json.loads(result.stdout)
        assert (got["estimate"], got["lower"], got["upper"]) == (
            expected.estimate,
            expected.lower,
            expected.upper,
        )
        assert got["n_observed"] == caps.n_observed

    def test_status_with_a_file_is_refused(self, tmp_path: Path) -> None:
        """--status selects persons of a workspace; with a CSV it is a user error."""
        csv = tmp_path / "c.csv"
        csv.write_text("A,B,C,count\n1,0,0,5\n0,1,0,4\n1,1,0,2\n0,0,1,3\n1,0,1,1\n")
        result = runner.invoke(app, ["estimate", str(csv), "--status", "killed"])
        assert isinstance(result.exception, UserInputError)
        assert "workspace" in str(result.exception)


def test_an_infant_keeps_age_zero_as_a_stratum() -> None:
    """Age 0 is a value (an infant killed), not a missing age."""
    from types import SimpleNamespace

    from gawah.estimate.people import _build

    infant = SimpleNamespace(
        report_id="r1", source_id="s1", status="killed", district="", age=0
    )
    unknown = SimpleNamespace(
        report_id="r2", source_id="s1", status="killed", district="", age=None
    )
    built = _build({"r1": infant, "r2": unknown}, {"s1": "hospital"}, [], ["age"])
    ages = sorted(row.fields["age"] for row in built.people)
    assert ages == ["", "0"]


def test_sources_named_in_urdu_stay_separate_lists(tmp_path: Path) -> None:
    """Source names were slugged to ASCII letters, so every source named in
    Urdu or Arabic became the one list ``list``: three lists (FICTIONAL),
    counted as one, could not be estimated ("at least 2 lists are needed")."""
    from gawah.registry import (
        assign_persons,
        import_rows,
        list_reports,
        record_incident,
        record_source,
    )
    from gawah.testing.signer import fixed_seed

    names = ["ہسپتال", "خاندان", "اخبار"]
    with Workspace.init(
        tmp_path / "ws", author="FICTIONAL", key_seed=fixed_seed("urdu-lists")
    ) as ws:
        record_incident(ws, "FICTIONAL incident", incident_id="inc")
        for name in names:
            record_source(ws, name)
            rows = [[f"{n}", f"FICTIONAL person {n}", "killed"] for n in range(3)]
            import_rows(
                ws,
                ["record_id", "full_name", "status"],
                rows,
                source=name,
                incident="inc",
            )
        people: dict[str, list[str]] = {}
        for report in list_reports(ws.conn):
            people.setdefault(report.full_name, []).append(report.report_id)
        assign_persons(ws, people, "run-fictional", "test")
        table = capture_histories(ws, "inc")
        doc = documented(ws, "inc")
    assert sorted(doc.sources) == sorted(names)
    assert sorted(c for c in table.columns if c.startswith("in_")) == sorted(
        f"in_{n}" for n in names
    )
    assert CaptureHistories.from_frame(table).n_lists == 3


def test_list_names_of_distinct_sources_never_meet() -> None:
    """Two sources whose names slug alike still give two lists."""
    from types import SimpleNamespace

    from gawah.estimate.people import _list_names, list_name

    assert list_name("Hospital A") == "hospital_a"  # ASCII names as before
    sources = [
        SimpleNamespace(source_id="a", name="Party (Lahore)"),
        SimpleNamespace(source_id="b", name="party lahore"),
    ]
    assert _list_names(sources) == {"a": "party_lahore", "b": "party_lahore_2"}
