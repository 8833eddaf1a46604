"""The generator of realistic lists (gawah.testing.real_lists) has what real lists have.

These tests check the generator, not the linkage: that the phenomena issue 11
lists ("What real lists look like") are present in what it writes, so that the
linkage tests built on it measure something. FICTIONAL data only.
"""

from __future__ import annotations

import itertools
import re

import pandas as pd
import pytest

from gawah.testing.real_lists import (
    LATIN,
    URDU,
    GeneratedLists,
    arab_releases,
    pakistani_lists,
)

SEED = 21  # any seed: these tests look at the generator only


@pytest.fixture(scope="module")
def pk() -> GeneratedLists:
    return pakistani_lists(1500, seed=SEED)


@pytest.fixture(scope="module")
def ar() -> GeneratedLists:
    return arab_releases(1500, seed=SEED)


def _column(lists: GeneratedLists, column: str) -> pd.Series:
    reports = lists.reports()
    return reports[column] if column in reports else pd.Series([], dtype=str)


def _cross_pairs(truth: pd.DataFrame) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for _, group in truth.groupby("person_id"):
        for a, b in itertools.combinations(group["script"].tolist(), 2):
            key = (min(a, b), max(a, b))
            counts[key] = counts.get(key, 0) + 1
    return counts


class TestPakistaniLists:
    def test_truth_covers_every_row_and_a_seed_repeats(
        self, pk: GeneratedLists
    ) -> None:
        """Every row has a person; the same seed gives the same lists."""
        reports = pk.reports()
        truth = pk.truth_by_key()
        assert set(reports["key"]) == set(truth["key"])
        assert len(truth) == len(reports)
        again = pakistani_lists(1500, seed=SEED)
        for name, frame in pk.lists.items():
            pd.testing.assert_frame_equal(frame, again.lists[name])
        assert set(pk.lists) == {"hospital", "party", "press", "families"}

    def test_about_a_quarter_of_true_pairs_are_urdu_against_latin(
        self, pk: GeneratedLists
    ) -> None:
        counts = _cross_pairs(pk.truth)
        share = counts.get((LATIN, URDU), 0) / sum(counts.values())
        assert 0.18 <= share <= 0.35

    def test_names_are_written_the_ways_real_lists_write_them(
        self, pk: GeneratedLists
    ) -> None:
        """Relation markers, honorifics, Muhammad abbreviated, Arabic-keyboard Urdu."""
        latin = (
            " ".join(_column(pk, "full_name"))
            + " "
            + " ".join(_column(pk, "given_name"))
        )
        for marker in ("s/o", "S/O", "son of", "walad", "bin", "d/o", "w/o"):
            assert f" {marker} " in latin, marker
        for title in ("Syed", "Haji", "Ch.", "Malik"):
            assert f"{title} " in latin, title
        for short in ("Mohd", "M.", "Md."):
            assert f"{short} " in latin, short
        urdu = " ".join(_column(pk, "name_urdu"))
        assert "ولد" in urdu
        assert "ي" in urdu
        assert "ی" in urdu
        assert "ك" in urdu
        assert "ک" in urdu
        notes = " ".join(_column(pk, "notes"))
        assert re.search(r"son of [A-Z][a-z]+.*, aged \d+", notes)

    def test_ages_districts_ids_and_dates_vary_like_real_lists(
        self, pk: GeneratedLists
    ) -> None:
        ages = " | ".join(_column(pk, "age"))
        for pattern in (
            r"\d+Y\b",
            r"\d+/M\b",
            r"~\d+",
            r"in his \d0s",
            r"\d+-\d+",
            "teen",
            r"\b(19|20)\d\d\b",
        ):
            assert re.search(pattern, ages), pattern
        districts = set(_column(pk, "district"))
        assert {"Rwp", "DIK"} & districts
        assert "راولپنڈی" in districts or "پشاور" in districts
        # one person, two lists: a national id typed differently (typo or transposition)
        reports = pk.reports().merge(pk.truth_by_key()[["key", "person_id"]], on="key")
        ids = reports[reports["national_id"] != ""].assign(
            digits=lambda f: f["national_id"].str.replace("-", "", regex=False)
        )
        differing = ids.groupby("person_id")["digits"].nunique()
        assert (differing >= 2).sum() >= 3
        dates = reports.groupby("person_id")["date"].nunique()
        assert (dates >= 2).sum() >= 20  # a day apart between lists

    def test_namesakes_relatives_and_shared_phones(self, pk: GeneratedLists) -> None:
        """Many people share a common name; siblings, twins, fathers and sons share a phone."""
        relations = set(pk.relatives["relation"])
        assert {"father-child", "siblings", "twins"} <= relations
        reports = pk.reports().merge(pk.truth_by_key()[["key", "person_id"]], on="key")
        with_phone = reports[reports["phone"] != ""].assign(
            digits=lambda f: f["phone"].str.replace(r"\D", "", regex=True).str[-10:]
        )
        people_per_phone = with_phone.groupby("digits")["person_id"].nunique()
        assert (people_per_phone >= 2).sum() >= 50
        full = reports[reports["full_name"] != ""]
        people_per_name = full.groupby("full_name")["person_id"].nunique()
        assert people_per_name.max() >= 3

    def test_status_changes_between_lists(self, pk: GeneratedLists) -> None:
        """Families write a detained person as missing (in English or Urdu romanised)."""
        reports = pk.reports().merge(pk.truth_by_key()[["key", "person_id"]], on="key")
        party = reports[reports["list"] == "party"].set_index("person_id")["status"]
        families = reports[reports["list"] == "families"].set_index("person_id")[
            "status"
        ]
        common = party.index.intersection(families.index).unique()
        detained = [p for p in common if (party.loc[[p]] == "detained").all()]
        as_missing = [
            p
            for p in detained
            if families.loc[[p]]
            .isin(["missing", "lapata", "whereabouts unknown"])
            .any()
        ]
        assert len(detained) > 20
        assert 0.3 <= len(as_missing) / len(detained) <= 0.9


class TestArabReleases:
    def test_two_releases_each_person_once_per_release(
        self, ar: GeneratedLists
    ) -> None:
        assert set(ar.lists) == {"release-1", "release-2"}
        per_release = ar.truth.groupby(["list", "person_id"]).size()
        assert per_release.max() == 1
        both = ar.truth.groupby("person_id")["list"].nunique()
        assert 0.6 <= (both == 2).mean() <= 0.9

    def test_name_order_carries_identity(self, ar: GeneratedLists) -> None:
        """Brothers share father, grandfather and family; a son's father part is his father's own."""
        first = ar.lists["release-1"].merge(
            ar.truth[ar.truth["list"] == "release-1"], on="record_id"
        )
        names = dict(zip(first["person_id"], first["name_urdu"], strict=True))
        rel = ar.relatives
        siblings = rel[rel["relation"] == "siblings"]
        shared = [
            names[a].split()[-3:] == names[b].split()[-3:]
            for a, b in zip(siblings["person_a"], siblings["person_b"], strict=True)
            if a in names
            and b in names
            and len(names[a].split()) == len(names[b].split()) == 4
        ]
        assert len(shared) > 50
        assert sum(shared) / len(shared) > 0.6  # the rest differ by a spelling
        same_words = sum(
            sorted(names[a].split()) == sorted(names[b].split())
            for a, b in zip(rel["person_a"], rel["person_b"], strict=True)
            if a in names and b in names
        )
        assert (
            same_words >= 1
        )  # a grandson named after his grandfather: same words, other order

    def test_spelling_changes_between_releases(self, ar: GeneratedLists) -> None:
        """Hamza, ى/ي, ة/ه, joined "عبد ال…"; ages that move between releases."""
        t = ar.truth
        merged = (
            ar.lists["release-1"]
            .merge(t[t["list"] == "release-1"], on="record_id")
            .merge(
                ar.lists["release-2"].merge(
                    t[t["list"] == "release-2"], on="record_id"
                ),
                on="person_id",
                suffixes=("_1", "_2"),
            )
        )
        differ = merged[merged["name_urdu_1"] != merged["name_urdu_2"]]
        assert 0.15 <= len(differ) / len(merged) <= 0.6
        text = " ".join(differ["name_urdu_1"]) + " " + " ".join(differ["name_urdu_2"])
        for piece in ("أ", "ى", "ة", "عبد ال", "عبدال"):
            assert piece in text, piece
        ages = pd.to_numeric(merged["age_1"]) != pd.to_numeric(merged["age_2"])
        assert ages.mean() > 0.2
