"""Linkage on lists that look like real ones (issue 11): relatives apart, any script, bad input.

The lists come from :mod:`gawah.testing.real_lists` (FICTIONAL), written from
the issue's description of real lists, not from the model.

Seeds. The model is tuned on seeds 1-3 (``benchmarks/linkage_real.py``);
the generator's own tests use seed 21. These tests use held-out seeds only:
11 (small lists, default run) and 12 (full-size lists, ``-m slow``).

Floors. Each floor is the issue's target minus a stated margin: the targets
were set on other data (the Gaza releases, a Pakistani benchmark kept outside
the project), and a floor must sit below what the model measures, never at
it. No floor here was set from a value measured on these seeds.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from itertools import combinations
from pathlib import Path

import pandas as pd
import pytest

from gawah.testing.real_lists import GeneratedLists, arab_releases, pakistani_lists

SMALL_SEED = 11
FULL_SEED = 12


# --------------------------------------------------------------------------
# Scoring (the tests' own; pairwise over records)
# --------------------------------------------------------------------------
def _pairs(groups: pd.Series) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for _, keys in groups.groupby(groups):
        out.update(combinations(sorted(keys.index), 2))
    return out


class Scored:
    """Predicted persons against the generator's truth."""

    def __init__(self, lists: GeneratedLists, person_by_key: dict[str, str]) -> None:
        truth = lists.truth_by_key().set_index("key")
        self.truth = truth
        self.pred = pd.Series(person_by_key).reindex(truth.index)
        assert self.pred.notna().all(), "every report gets a person"
        predicted, true = _pairs(self.pred), _pairs(truth["person_id"])
        self.tp = len(predicted & true)
        self.precision = self.tp / len(predicted) if predicted else 1.0
        self.recall = self.tp / len(true) if true else 1.0
        total = self.precision + self.recall
        self.f1 = 2 * self.precision * self.recall / total if total else 0.0
        self.persons = int(self.pred.nunique())
        self.people = int(truth["person_id"].nunique())
        people_in = truth.groupby(self.pred)["person_id"].nunique()
        self.merged_share = float((people_in >= 2).mean())
        self._true = true
        self._predicted = predicted

    def recall_between(self, script_a: str, script_b: str) -> float:
        """Recall over true pairs of one record in each script."""
        scripts = self.truth["script"]
        wanted = {
            p
            for p in self._true
            if {scripts[p[0]], scripts[p[1]]} == {script_a, script_b}
        }
        assert wanted, "there are such pairs"
        return len(wanted & self._predicted) / len(wanted)

    def within_list_recall(self) -> float:
        """Recall over true pairs of two records of one list (its own duplicates)."""
        lists = self.truth["list"]
        wanted = {p for p in self._true if lists[p[0]] == lists[p[1]]}
        assert wanted, "the lists hold duplicates"
        return len(wanted & self._predicted) / len(wanted)

    def persons_repeating_a_list(self) -> float:
        """The share of persons holding two or more records of one list."""
        per_list = self.truth.groupby([self.pred, self.truth["list"]]).size()
        repeating = per_list[per_list >= 2].index.get_level_values(0).unique()
        return len(repeating) / self.persons

    def relatives_merged(self, relatives: pd.DataFrame, relation: str) -> float:
        """Of the pairs of relatives who both appear, the share put into one person."""
        persons = self.pred.groupby(self.truth["person_id"]).agg(frozenset)
        rel = relatives[relatives["relation"] == relation]
        both = [
            (a, b)
            for a, b in zip(rel["person_a"], rel["person_b"], strict=True)
            if a in persons.index and b in persons.index
        ]
        assert len(both) >= 20, f"enough {relation} pairs to measure"
        return sum(bool(persons[a] & persons[b]) for a, b in both) / len(both)


def _link(reports: pd.DataFrame) -> dict[str, str]:
    from gawah.linkage import link_records

    result = link_records(reports)
    return dict(zip(result.records["key"], result.records["person_id"], strict=True))


def _native_column() -> str:
    from gawah.linkage.normalise import NAME_COLUMNS

    return "name_native" if "name_native" in NAME_COLUMNS else "name_urdu"


# --------------------------------------------------------------------------
# CLI runner that keeps stderr as written (the shared fixture folds whitespace)
# --------------------------------------------------------------------------
RawRun = Callable[..., tuple[int, str]]


@pytest.fixture
def gawah_raw(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> RawRun:
    from gawah.cli import main

    def run(*args: str) -> tuple[int, str]:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["gawah", *args])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = int(exc.code or 0)
        return code, capsys.readouterr().err

    return run


def _write_lists(lists: dict[str, pd.DataFrame], folder: Path) -> list[Path]:
    paths = []
    for name, frame in lists.items():
        path = folder / f"{name}.csv"
        frame.to_csv(path, index=False)
        paths.append(path)
    return paths


def _clusters(out: Path) -> dict[str, str]:
    frame = pd.read_csv(out, dtype=str)
    keys = frame["list"] + "/" + frame["record_id"]
    return dict(zip(keys, frame["cluster_id"], strict=True))


# --------------------------------------------------------------------------
# Small lists, held-out seed 11 (default run)
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pk_small() -> tuple[GeneratedLists, Scored]:
    lists = pakistani_lists(800, seed=SMALL_SEED)
    return lists, Scored(lists, _link(lists.reports()))


@pytest.fixture(scope="module")
def ar_small() -> tuple[GeneratedLists, Scored]:
    lists = arab_releases(800, seed=SMALL_SEED, native_column=_native_column())
    return lists, Scored(lists, _link(lists.reports()))


class TestListsThatRepeatThemselves:
    """A register names each person once; other lists name some twice (issue 11).

    The model cannot tell a register from its own scores (namesakes in it look
    like its duplicates); clustering lets a list repeat itself only on strong
    evidence that beats every other person the records could join.
    """

    def test_registers_keep_their_namesakes_apart(
        self, ar_small: tuple[GeneratedLists, Scored]
    ) -> None:
        """Two generated releases, each naming a person once: a person holding two
        records of one release is two people. Target (Gaza) under 0.5% of persons
        holding two people; the floor is that target."""
        lists, scored = ar_small
        assert not lists.truth.duplicated(["list", "person_id"]).any()
        assert scored.persons_repeating_a_list() < 0.005

    def test_a_list_with_duplicates_still_finds_them(
        self, pk_small: tuple[GeneratedLists, Scored]
    ) -> None:
        """The generated Pakistani lists name some people twice in one list; most
        such pairs are found (floor 0.75: the within-list bar trades some of them
        for namesakes kept apart, docs/explanation/linkage.md section 5)."""
        _, scored = pk_small
        assert scored.within_list_recall() >= 0.75


class TestRelativesApart:
    """Fathers, sons and brothers share most of a name; they are not one person.

    Issue target: under 0.5% of persons holding two real people (Gaza). Floors
    allow 1% of father/son and 2% of sibling pairs to be merged (a margin for
    namesakes the generator makes at random), 10% of twins (same age, father,
    village and phone: only the given name tells them apart).
    """

    def test_pakistani_fathers_and_sons(
        self, pk_small: tuple[GeneratedLists, Scored]
    ) -> None:
        lists, scored = pk_small
        assert scored.relatives_merged(lists.relatives, "father-child") <= 0.01

    def test_pakistani_brothers_and_sisters(
        self, pk_small: tuple[GeneratedLists, Scored]
    ) -> None:
        lists, scored = pk_small
        assert scored.relatives_merged(lists.relatives, "siblings") <= 0.02

    def test_pakistani_twins(self, pk_small: tuple[GeneratedLists, Scored]) -> None:
        lists, scored = pk_small
        assert scored.relatives_merged(lists.relatives, "twins") <= 0.10

    def test_arab_fathers_and_sons(
        self, ar_small: tuple[GeneratedLists, Scored]
    ) -> None:
        """Four-part names: a son's name is his father's shifted by one part."""
        lists, scored = ar_small
        assert scored.relatives_merged(lists.relatives, "father-child") <= 0.01

    def test_arab_brothers(self, ar_small: tuple[GeneratedLists, Scored]) -> None:
        """Brothers share three of four parts, in the same order."""
        lists, scored = ar_small
        assert scored.relatives_merged(lists.relatives, "siblings") <= 0.02

    def test_arab_persons_hold_one_person(
        self, ar_small: tuple[GeneratedLists, Scored]
    ) -> None:
        """Target < 0.5% of persons holding two people; floor 1%."""
        _, scored = ar_small
        assert scored.merged_share <= 0.01


class TestAnyScript:
    def test_arabic_only_against_latin_only_links(
        self, tmp_path: Path, gawah_raw: RawRun
    ) -> None:
        """Release 1 in Arabic script only, release 2 in Latin only: exit 0, and the
        same people found across scripts (target F1 0.90; floors P and R 0.85)."""
        native = _native_column()
        lists = arab_releases(800, seed=SMALL_SEED, native_column=native)
        one = lists.lists["release-1"].drop(columns=["full_name"])
        two = lists.lists["release-2"].drop(columns=[native])
        paths = _write_lists({"release-1": one, "release-2": two}, tmp_path)
        out = tmp_path / "clusters.csv"
        code, err = gawah_raw("link", "csv", *map(str, paths), "--out", str(out))
        assert code == 0, err
        assert "Traceback" not in err
        scored = Scored(lists, _clusters(out))
        assert scored.recall >= 0.85
        assert scored.precision >= 0.85

    def test_a_script_neutral_native_name_column_links(
        self, tmp_path: Path, gawah_raw: RawRun
    ) -> None:
        """An Arabic list may name its column ``name_arabic`` or ``name_native`` (issue 11, item 4)."""
        lists = arab_releases(300, seed=SMALL_SEED, native_column="name_arabic")
        one = lists.lists["release-1"].drop(columns=["full_name"])
        two = lists.lists["release-2"].drop(columns=["full_name"])
        two = two.rename(columns={"name_arabic": "name_native"})
        paths = _write_lists({"release-1": one, "release-2": two}, tmp_path)
        out = tmp_path / "clusters.csv"
        code, err = gawah_raw("link", "csv", *map(str, paths), "--out", str(out))
        assert code == 0, err
        scored = Scored(lists, _clusters(out))
        assert scored.recall >= 0.85

    def test_a_list_with_an_empty_name_column_links(
        self, tmp_path: Path, gawah_raw: RawRun
    ) -> None:
        """A Latin list that also has an Urdu column nobody filled links like one without it."""
        lists = pakistani_lists(300, seed=SMALL_SEED)
        latin_only = {
            name: frame[
                frame.get("name_urdu", pd.Series("", index=frame.index)) == ""
            ].assign(name_urdu="")
            for name, frame in lists.lists.items()
        }
        paths = _write_lists(latin_only, tmp_path)
        out = tmp_path / "clusters.csv"
        code, err = gawah_raw("link", "csv", *map(str, paths), "--out", str(out))
        assert code == 0, err
        written = pd.read_csv(out, dtype=str)
        assert len(written) == sum(len(f) for f in latin_only.values())


class TestBadInput:
    """Bad input: exit 2, one line on stderr (even in a narrow pipe), no traceback, nothing written."""

    @pytest.mark.parametrize(
        ("content", "words"),
        [
            (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "name column"),
            (b'record_id,full_name\n1,"Ali Khan\n2,Bilal\n', "CSV"),
            (b"", "CSV"),
            (b"record_id,age\n1,30\n", "name column"),
        ],
        ids=["binary", "open-quote", "empty", "no-name-column"],
    )
    def test_one_line_and_exit_2(
        self, tmp_path: Path, gawah_raw: RawRun, content: bytes, words: str
    ) -> None:
        good = tmp_path / "good.csv"
        good.write_text("record_id,full_name\n1,Ali Khan\n2,Bilal Ahmed\n")
        bad = tmp_path / "a-list-from-the-field-office.csv"
        bad.write_bytes(content)
        out = tmp_path / "clusters.csv"
        code, err = gawah_raw("link", "csv", str(good), str(bad), "--out", str(out))
        assert code == 2
        assert "Traceback" not in err
        assert words in err
        assert len(err.strip().splitlines()) == 1, err
        assert not out.exists()


# --------------------------------------------------------------------------
# Full-size lists, held-out seed 12 (slow)
# --------------------------------------------------------------------------
@pytest.mark.slow
def test_pakistani_lists_meet_the_targets() -> None:
    """Targets (issue 11): F1 0.90, Urdu-Latin recall 0.80, persons within 5% of people.

    Floors: F1 0.85, Urdu-Latin recall 0.75, persons within 8%.
    """
    lists = pakistani_lists(seed=FULL_SEED)
    scored = Scored(lists, _link(lists.reports()))
    assert scored.f1 >= 0.85
    assert scored.recall_between("urdu", "latin") >= 0.75
    assert abs(scored.persons - scored.people) / scored.people <= 0.08


@pytest.mark.slow
@pytest.mark.parametrize(
    "way",
    ["both", "ar-lat"],
)
def test_arab_releases_meet_the_targets(way: str) -> None:
    """Targets (issue 11, on Gaza): both scripts F1 0.97 with < 0.5% of persons
    holding two people; Arabic-only against Latin-only F1 0.90.

    Floors: both 0.92 and 1%; Arabic against Latin 0.85.
    """
    native = _native_column()
    lists = arab_releases(seed=FULL_SEED, native_column=native)
    reports = lists.reports()
    if way == "ar-lat":
        reports.loc[reports["list"] == "release-1", "full_name"] = ""
        reports.loc[reports["list"] == "release-2", native] = ""
    scored = Scored(lists, _link(reports))
    if way == "both":
        assert scored.f1 >= 0.92
        assert scored.merged_share <= 0.01
    else:
        assert scored.f1 >= 0.85
