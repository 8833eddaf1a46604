"""Linkage over a workspace: persons, review decisions, stable ids, capture histories."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from _linkage_accuracy import score
from _linkage_cli import Run

from gawah.errors import UserInputError
from gawah.estimate import capture_histories
from gawah.linkage import LinkRun, decide, link_workspace, review_queue
from gawah.registry import import_list, person_of_report
from gawah.testing import scenario
from gawah.testing.signer import fixed_seed
from gawah.workspace import Workspace


@dataclass(frozen=True)
class Linked:
    """A linked workspace that tests copy before changing, and what built it."""

    home: Path
    scenario: scenario.Scenario
    #: The first linkage run over the imported lists.
    run: LinkRun


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> Linked:
    """The four lists of a 300-victim fictional scenario, imported and linked once.

    Linking takes seconds; each test gets its own copy (:func:`home`), so tests
    run in any order and in parallel processes.
    """
    root = tmp_path_factory.mktemp("linkws")
    sc = scenario.generate(n_victims=300)
    paths = scenario.write_csvs(sc, root / "lists")
    with Workspace.init(
        root / "ws", author="FICTIONAL reviewer", key_seed=fixed_seed("linkage")
    ) as ws:
        for name, path in paths.items():
            import_list(ws, path, source=name, skip_invalid=True)
        run = link_workspace(ws)
    return Linked(root / "ws", sc, run)


@pytest.fixture
def home(linked: Linked, tmp_path: Path) -> tuple[Path, scenario.Scenario]:
    """A private copy of the linked workspace, and its scenario."""
    copy = tmp_path / "ws"
    shutil.copytree(linked.home, copy)
    return copy, linked.scenario


@pytest.fixture
def ws(home: tuple[Path, scenario.Scenario]) -> Iterator[Workspace]:
    workspace = Workspace.open(home[0])
    yield workspace
    workspace.close()


def _truth_pairs(sc: scenario.Scenario, ws: Workspace) -> set[tuple[str, str]]:
    truth = {
        (s.name, row["record_id"]): pid
        for s in sc.lists
        for row, pid in zip(s.rows, s.person_ids, strict=True)
    }
    rows = ws.conn.execute(
        "SELECT r.report_id, s.name, r.record_id FROM registry_reports r "
        "JOIN registry_sources s USING (source_id)"
    ).fetchall()
    by_person: dict[str, list[str]] = {}
    for report_id, source, record_id in rows:
        by_person.setdefault(truth[(source, record_id)], []).append(report_id)
    return {
        tuple(sorted((a, b)))
        for ms in by_person.values()
        for i, a in enumerate(ms)
        for b in ms[i + 1 :]
    }  # type: ignore[misc]


class TestLinkWorkspace:
    def test_link_fills_persons(self, ws: Workspace, linked: Linked) -> None:
        """Linking assigns every report to a person, with good pairwise accuracy."""
        run = linked.run
        persons = person_of_report(ws.conn)
        assert len(persons) == run.n_reports
        members: dict[str, list[str]] = {}
        for report, person in persons.items():
            members.setdefault(person, []).append(report)
        predicted = {
            tuple(sorted((a, b)))
            for ms in members.values()
            for i, a in enumerate(ms)
            for b in ms[i + 1 :]
        }
        s = score(predicted, _truth_pairs(linked.scenario, ws))  # type: ignore[arg-type]
        assert s.f1 >= 0.85

    def test_decisions_win_and_ids_stay(self, ws: Workspace, linked: Linked) -> None:
        """A non-match decision splits a pair on relink; untouched persons keep their ids."""
        first = linked.run
        before = person_of_report(ws.conn)
        queue = review_queue(ws)
        assert queue, "the scenario should leave some pairs for review"
        pair = queue[0]
        assert pair.explanation
        assert all(line.level for line in pair.explanation)
        decide(ws, pair, "non_match", "FICTIONAL reviewer")
        assert all(
            (p.report_l, p.report_r) != (pair.report_l, pair.report_r)
            for p in review_queue(ws)
        )
        link_workspace(ws)
        after = person_of_report(ws.conn)
        assert after[pair.report_l] != after[pair.report_r]
        unchanged = sum(before[r] == after[r] for r in before)
        assert unchanged / len(before) > 0.95
        assert first.n_reports == len(after)

    def test_match_decision_joins(self, ws: Workspace) -> None:
        """A match decision joins two reports the model kept apart."""
        persons = person_of_report(ws.conn)
        a, b = sorted(persons, key=lambda r: persons[r])[:2]
        if persons[a] == persons[b]:
            b = next(r for r in persons if persons[r] != persons[a])
        decide(ws, (a, b), "match", "FICTIONAL reviewer")
        link_workspace(ws)
        after = person_of_report(ws.conn)
        assert after[a] == after[b]

    def test_bad_decision(self, ws: Workspace) -> None:
        """Unknown decisions and unknown reports are refused."""
        report = next(iter(person_of_report(ws.conn)))
        with pytest.raises(UserInputError):
            decide(ws, (report, "rep-nope"), "match", "x")
        with pytest.raises(UserInputError):
            decide(ws, (report, report + "x"), "maybe", "x")


class TestProjection:
    def test_rebuild_replays_decisions_and_queue(self, ws: Workspace) -> None:
        """Rebuilding the projections from the ledger gives the same decisions and queue."""
        queue = review_queue(ws)
        decide(ws, queue[0], "skip", "FICTIONAL reviewer")
        before_queue = review_queue(ws)
        before = ws.conn.execute(
            "SELECT * FROM linkage_decisions ORDER BY 1, 2"
        ).fetchall()
        ws.ledger.rebuild()
        assert (
            ws.conn.execute("SELECT * FROM linkage_decisions ORDER BY 1, 2").fetchall()
            == before
        )
        assert review_queue(ws) == before_queue
        assert before_queue[-1].skipped


class TestCaptureHistories:
    def test_table_counts_every_person(self, ws: Workspace) -> None:
        """One in_<source> column per list; counts add up to the persons."""
        table = capture_histories(ws)
        assert sorted(c for c in table.columns if c.startswith("in_")) == [
            "in_families",
            "in_hospital",
            "in_party",
            "in_press",
        ]
        assert table["count"].sum() == len(set(person_of_report(ws.conn).values()))
        assert (table.filter(like="in_").sum(axis=1) > 0).all()

    def test_strata(self, ws: Workspace) -> None:
        """Per-stratum tables split the same persons; district spellings are one stratum."""
        table = capture_histories(ws, strata=["district"])
        assert table["count"].sum() == capture_histories(ws)["count"].sum()
        assert "Rwp" not in set(table["district"])
        assert "Pindi" not in set(table["district"])

    def test_unknown_stratum(self, ws: Workspace) -> None:
        """An unknown stratum field is a user error."""
        with pytest.raises(UserInputError):
            capture_histories(ws, strata=["shoe_size"])


class TestCli:
    def test_link_and_review(
        self,
        home: tuple[Path, scenario.Scenario],
        gawah: Callable[..., Run],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """`gawah link --home` links; `gawah link review` records the answers given."""
        result = gawah("link", "--home", str(home[0]))
        assert result.code == 0, result.stderr
        assert "persons" in result.stdout
        # One "no", then skip the rest (every pair is shown once).
        answers = "n\n" + "s\n" * 200 + "q\n"
        monkeypatch.setattr("sys.stdin", __import__("io").StringIO(answers))
        result = gawah("link", "review", "--home", str(home[0]))
        assert result.code == 0, result.stderr
        # The families list names people in two columns: they are shown.
        assert "given_name" in result.stdout
        with Workspace.open(home[0]) as ws:
            decided = ws.conn.execute(
                "SELECT count(*) FROM linkage_decisions WHERE decision = 'non_match'"
            ).fetchone()[0]
        assert decided >= 1
