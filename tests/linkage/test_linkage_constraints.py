"""Constraints: clusters that cannot be one person, and the run summary that reports them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from _linkage_cli import Run

from gawah.linkage.constraints import (
    AGE_GAP_YEARS,
    constraint_fields,
    constraint_violations,
    incompatible,
)

Gawah = Callable[..., Run]


def _frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows)


def _kinds(frame: pd.DataFrame, clusters: list[str]) -> set[tuple[str, str]]:
    return {(v.cluster, v.kind) for v in constraint_violations(frame, clusters)}


class TestConstraintViolations:
    def test_each_kind_is_found_in_its_cluster_only(self) -> None:
        """Sex, age, id and list conflicts are reported for the cluster that holds them."""
        frame = constraint_fields(
            _frame(
                [
                    {"list": "a", "sex": "male", "age": "24", "national_id": ""},
                    {"list": "b", "sex": "F", "age": "25", "national_id": ""},
                    {"list": "a", "sex": "m", "age": "20", "national_id": ""},
                    {"list": "b", "sex": "m", "age": "70", "national_id": ""},
                    {
                        "list": "a",
                        "sex": "",
                        "age": "",
                        "national_id": "37405-1234567-1",
                    },
                    {
                        "list": "b",
                        "sex": "",
                        "age": "",
                        "national_id": "61101-7654321-9",
                    },
                    {"list": "c", "sex": "m", "age": "31", "national_id": ""},
                    {"list": "c", "sex": "m", "age": "30", "national_id": ""},
                    {"list": "d", "sex": "m", "age": "40", "national_id": ""},
                ]
            )
        )
        clusters = ["p1", "p1", "p2", "p2", "p3", "p3", "p4", "p4", "p5"]
        assert _kinds(frame, clusters) == {
            ("p1", "sex"),
            ("p2", "age"),
            ("p3", "national_id"),
            ("p4", "same_list"),
        }

    def test_one_typing_error_in_an_id_is_one_id(self) -> None:
        """A wrong digit or two swapped neighbours may be one id; two wrong digits are not."""
        base = "3740512345671"
        swapped = "3740512345617"
        one_wrong = "3740512345679"
        two_wrong = "3740512345699"
        frame = pd.DataFrame(
            {
                "list": ["a", "b", "c", "d", "e", "f"],
                "sex": [None] * 6,
                "age_lo": pd.array([None] * 6, dtype="Int64"),
                "age_hi": pd.array([None] * 6, dtype="Int64"),
                "cnic": [base, swapped, base, one_wrong, base, two_wrong],
            }
        )
        clusters = ["x", "x", "y", "y", "z", "z"]
        assert _kinds(frame, clusters) == {("z", "national_id")}

    def test_age_ranges_are_compared_by_their_gap(self) -> None:
        """ "in his 20s" and 44 are within the gap; 20 and 20 + gap + 1 are not."""
        frame = constraint_fields(
            _frame(
                [
                    {"list": "a", "age": "in his 20s"},
                    {"list": "b", "age": str(29 + AGE_GAP_YEARS)},
                    {"list": "a", "age": "20"},
                    {"list": "b", "age": str(20 + AGE_GAP_YEARS + 1)},
                    {"list": "a", "age": ""},
                    {"list": "b", "age": "90"},
                ]
            )
        )
        assert _kinds(frame, ["p", "p", "q", "q", "r", "r"]) == {("q", "age")}

    def test_an_undated_age_in_a_dated_list_is_not_a_violation(self) -> None:
        """The summary trusts the ages clustering trusts (FICTIONAL records).

        List "a" dates three of its four records; its undated record's 20 is
        likely a placeholder, which clustering does not hold against a join
        with the other list's 56. The summary must not call that person
        impossible; without dates in list "a", it must.
        """
        rows: list[dict[str, object]] = [
            {"list": "a", "age": "20", "dob": ""},
            {"list": "a", "age": "30", "dob": "1994-01-02"},
            {"list": "a", "age": "41", "dob": "1983-05-06"},
            {"list": "a", "age": "52", "dob": "1972-07-08"},
            {"list": "b", "age": "56", "dob": ""},
        ]
        clusters = ["p", "q", "r", "s", "p"]
        assert _kinds(constraint_fields(_frame(rows)), clusters) == set()
        undated = [{**row, "dob": ""} for row in rows]
        assert _kinds(constraint_fields(_frame(undated)), clusters) == {("p", "age")}
        # A dated record's age still counts in the same list.
        assert _kinds(constraint_fields(_frame(rows)), ["q", "p", "r", "s", "p"]) == {
            ("p", "age")
        }

    def test_singletons_and_missing_values_break_nothing(self) -> None:
        """A person with one record, or with missing sex/age/id, breaks no constraint."""
        frame = constraint_fields(
            _frame(
                [
                    {"list": "a", "sex": "m", "age": "20"},
                    {"list": "b", "sex": "", "age": ""},
                    {"list": "c", "sex": "f", "age": "80"},
                ]
            )
        )
        assert constraint_violations(frame, ["p", "p", "q"]) == []

    def test_violation_names_the_records_that_conflict(self) -> None:
        """A violation's members are the conflicting records, not the whole cluster."""
        frame = constraint_fields(
            _frame(
                [
                    {"list": "a", "sex": "m"},
                    {"list": "b", "sex": ""},
                    {"list": "c", "sex": "f"},
                ]
            )
        )
        (violation,) = constraint_violations(frame, ["p", "p", "p"])
        assert set(violation.members) == {0, 2}
        assert "sex" in violation.reason

    def test_pairwise_check_agrees_with_the_cluster_check(self) -> None:
        """`incompatible` on two records gives the kinds the cluster check gives."""
        frame = constraint_fields(
            _frame(
                [
                    {"list": "a", "sex": "m", "age": "10", "national_id": "1234567"},
                    {"list": "a", "sex": "f", "age": "60", "national_id": "7654321"},
                ]
            )
        )
        rows = frame.to_dict("records")
        pairwise = set(incompatible(rows[0], rows[1]))
        assert pairwise == {k for _, k in _kinds(frame, ["p", "p"])}
        assert pairwise == {"sex", "age", "national_id", "same_list"}

    def test_cluster_labels_must_match_the_rows(self) -> None:
        frame = constraint_fields(_frame([{"list": "a"}]))
        with pytest.raises(ValueError, match="one cluster label per record"):
            constraint_violations(frame, ["p", "q"])


@pytest.fixture(scope="module")
def conflicting(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two FICTIONAL lists in which the same name and father are a boy and an old woman."""
    folder = tmp_path_factory.mktemp("conflict")
    a = pd.DataFrame(
        {
            "record_id": ["1", "2", "3"],
            "full_name": ["Bilal Ahmed Khan", "Sana Bibi", "Tariq Mehmood"],
            "father_name": ["Ahmed Khan", "Noor Din", "Ghulam Rasool"],
            "sex": ["m", "f", "m"],
            "age": ["12", "33", "41"],
            "district": ["Lahore", "Multan", "Quetta"],
            "date": ["2024-05-09", "2024-05-09", "2024-05-10"],
        }
    )
    b = pd.DataFrame(
        {
            "record_id": ["x", "y"],
            "full_name": ["Bilal Ahmed Khan", "Tariq Mehmood"],
            "father_name": ["Ahmed Khan", "Ghulam Rasool"],
            "sex": ["f", "m"],
            "age": ["70", "41"],
            "district": ["Lahore", "Quetta"],
            "date": ["2024-05-09", "2024-05-10"],
        }
    )
    paths = [folder / "hospital.csv", folder / "press.csv"]
    a.to_csv(paths[0], index=False)
    b.to_csv(paths[1], index=False)
    return paths


class TestRunSummary:
    def test_json_reports_counts_histogram_and_violations(
        self, conflicting: list[Path], tmp_path: Path, gawah: Gawah
    ) -> None:
        """`--json` holds per-list duplicates, histogram counts and the clusters to check."""
        out = tmp_path / "clusters.csv"
        result = gawah(
            "link", "csv", *map(str, conflicting), "--out", str(out), "--json"
        )
        assert result.code == 0, result.stderr
        info = json.loads(result.stdout)
        clusters = pd.read_csv(out, dtype=str)
        assert set(info["lists"]) == {"hospital", "press"}
        for name, row in info["lists"].items():
            rows = clusters[clusters["list"] == name]
            assert row["persons"] == rows["cluster_id"].nunique()
            assert row["duplicates"] == len(rows) - row["persons"]
        histogram = info["probability_histogram"]
        assert len(histogram["edges"]) == len(histogram["counts"]) + 1
        # Capture histories: every person is counted once, under its lists.
        assert sum(info["overlap"].values()) == clusters["cluster_id"].nunique()
        named_by = clusters.groupby("cluster_id")["list"].agg(
            lambda s: " + ".join(sorted(set(s)))
        )
        assert info["overlap"] == named_by.value_counts().to_dict()
        linked = clusters.groupby("cluster_id").size()
        if (linked > 1).any():
            assert sum(histogram["counts"]) >= 1
        # Whatever the model decides, every reported violation is a real one:
        # its records are in one cluster and break the named constraint.
        by_key = dict(
            zip(
                clusters["list"] + "/" + clusters["record_id"],
                clusters["cluster_id"],
                strict=True,
            )
        )
        for v in info["violations"]["list"]:
            assert {by_key[r] for r in v["records"]} == {v["person_id"]}
        merged_boy = by_key["hospital/1"] == by_key["press/x"]
        sex_flagged = any(
            v["kind"] == "sex" and "hospital/1" in v["records"]
            for v in info["violations"]["list"]
        )
        assert merged_boy == sex_flagged

    def test_terminal_shows_histogram_and_review_count(
        self, conflicting: list[Path], tmp_path: Path, gawah: Gawah
    ) -> None:
        result = gawah(
            "link", "csv", *map(str, conflicting), "--out", str(tmp_path / "c.csv")
        )
        assert result.code == 0, result.stderr
        assert "duplicates within list" in result.stdout
        assert "0.90-1.00" in result.stdout
        assert "pairs left for review" in result.stdout
        assert "persons by the lists that name them" in result.stdout
        assert "not followed" in result.stdout

    def test_summary_never_prints_national_ids(
        self, tmp_path: Path, gawah: Gawah
    ) -> None:
        """Two records with different ids merged by name: the ids are compared, not shown."""
        a = pd.DataFrame(
            {
                "record_id": ["1"],
                "full_name": ["Imran Khalid"],
                "national_id": ["3520211112221"],
            }
        )
        b = pd.DataFrame(
            {
                "record_id": ["2"],
                "full_name": ["Imran Khalid"],
                "national_id": ["4210188889991"],
            }
        )
        a.to_csv(tmp_path / "a.csv", index=False)
        b.to_csv(tmp_path / "b.csv", index=False)
        for flag in ((), ("--json",)):
            result = gawah(
                "link", str(tmp_path / "a.csv"), str(tmp_path / "b.csv"),
                "--out", str(tmp_path / "c.csv"), *flag,
            )  # fmt: skip
            assert result.code == 0, result.stderr
            assert "3520211112221" not in result.stdout + result.stderr
            assert "4210188889991" not in result.stdout + result.stderr


def test_workspace_run_prints_the_same_summary(
    conflicting: list[Path], tmp_path: Path, gawah: Gawah
) -> None:
    """`gawah link run --json` gives the CSV mode's summary for the workspace's reports."""
    from gawah.registry import import_list
    from gawah.testing.signer import fixed_seed
    from gawah.workspace import Workspace

    ws = Workspace.init(
        tmp_path / "ws", author="FICTIONAL reviewer", key_seed=fixed_seed("summary")
    )
    for path in conflicting:
        import_list(ws, path, source=path.stem, skip_invalid=True)
    ws.close()
    result = gawah("link", "run", "--home", str(tmp_path / "ws"), "--json")
    assert result.code == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["records"] == 5
    assert {n: r["records"] for n, r in info["lists"].items()} == {
        "hospital": 3,
        "press": 2,
    }
    assert info["violations"] is not None
    assert info["run_id"].startswith("run-")
    table = gawah("link", "run", "--home", str(tmp_path / "ws"))
    assert table.code == 0, table.stderr
    assert "duplicates within list" in table.stdout


def test_links_not_followed_counts_strong_pairs_left_apart() -> None:
    """A strong pair split by clustering is counted; a weak one or a joined one is not."""
    from gawah.linkage.pipeline import LinkOptions, LinkResult
    from gawah.linkage.summary import links_not_followed, overlap

    records = pd.DataFrame(
        {
            "key": ["a/1", "a/2", "b/1", "b/2"],
            "list": ["a", "a", "b", "b"],
            "record_id": ["1", "2", "1", "2"],
            "person_id": ["p1", "p2", "p1", "p3"],
        }
    )
    pairs = pd.DataFrame(
        {
            "key_l": ["a/1", "a/2", "a/2"],
            "key_r": ["b/1", "b/1", "b/2"],
            "match_probability": [0.99, 0.95, 0.4],
        }
    )
    result = LinkResult(records, pairs, {}, LinkOptions(threshold=0.7))
    assert links_not_followed(result) == 1  # a/2 - b/1: strong, kept apart
    assert overlap(result) == {"a": 1, "a + b": 1, "b": 1}


@pytest.mark.parametrize("n_lists", [5, 70])
def test_overlap_names_each_persons_set_of_lists(n_lists: int) -> None:
    """Persons per combination of lists, as each person's sorted set of list names.

    With few lists the combinations are counted as bit masks, with more than
    62 one person at a time; both give the plain definition.
    """
    import numpy as np

    from gawah.linkage.pipeline import LinkOptions, LinkResult
    from gawah.linkage.summary import overlap

    rng = np.random.default_rng(n_lists)
    names = [f"list{k:02d}" for k in range(n_lists)]
    lists = rng.choice(names, size=600)
    persons = [f"p{v}" for v in rng.integers(0, 200, size=600)]
    records = pd.DataFrame(
        {
            "key": [f"{lst}/{i}" for i, lst in enumerate(lists)],
            "list": lists,
            "record_id": [str(i) for i in range(600)],
            "person_id": persons,
        }
    )
    expected: dict[str, set[str]] = {}
    for p, lst in zip(persons, lists, strict=True):
        expected.setdefault(p, set()).add(str(lst))
    counts = pd.Series([" + ".join(sorted(s)) for s in expected.values()])
    result = LinkResult(records, records.iloc[:0], {}, LinkOptions())
    got = overlap(result)
    assert got == counts.value_counts().to_dict()
    assert list(got.values()) == sorted(got.values(), reverse=True)
