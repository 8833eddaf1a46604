"""Clustering guards and stable person ids."""

from __future__ import annotations

import pandas as pd

from gawah.linkage.cluster import (
    OTHER_HOME_THRESHOLD,
    WITHIN_LIST_THRESHOLD,
    Constraints,
    carry_over,
    cluster_pairs,
    person_id,
)


def _pairs(rows: list[tuple[int, int, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["unique_id_l", "unique_id_r", "match_probability"]
    )


class TestClusterPairs:
    def test_threshold(self) -> None:
        """Pairs at or above the threshold join; below it they do not."""
        labels = cluster_pairs(3, _pairs([(0, 1, 0.95), (1, 2, 0.5)]), threshold=0.7)
        assert labels.tolist() == [0, 0, 2]

    def test_non_match_decision_beats_chain(self) -> None:
        """A reviewed non-match cannot be joined through a third record."""
        pairs = _pairs([(0, 1, 0.99), (1, 2, 0.98)])
        labels = cluster_pairs(3, pairs, threshold=0.7, decisions={(0, 2): False})
        assert labels[0] != labels[2]

    def test_match_decision_beats_model(self) -> None:
        """A reviewed match joins two records the model scored low."""
        labels = cluster_pairs(
            2, _pairs([(0, 1, 0.01)]), threshold=0.7, decisions={(0, 1): True}
        )
        assert labels[0] == labels[1]

    def test_conflict_stops_chain(self) -> None:
        """Two records the model scored clearly apart are not joined through a chain."""
        pairs = _pairs([(0, 1, 0.99), (1, 2, 0.98)])
        labels = cluster_pairs(3, pairs, threshold=0.7, conflicts=[(0, 2)])
        assert labels[0] != labels[2]

    def test_size_guard(self) -> None:
        """No cluster grows beyond max_size, however many links there are."""
        chain = _pairs([(i, i + 1, 0.99) for i in range(20)])
        labels = cluster_pairs(21, chain, threshold=0.7, max_size=5)
        assert pd.Series(labels).value_counts().max() == 5


class TestPersonIds:
    def test_id_depends_on_smallest_member(self) -> None:
        """A person's id is the hash of its smallest member key."""
        assert person_id(["b/2", "a/1"]) == person_id(["a/1", "c/9"])

    def test_carry_over_keeps_ids(self) -> None:
        """Unchanged and grown clusters keep the previous run's id; new ones get a fresh id."""
        previous = {"a/1": "p-old", "b/1": "p-old", "c/1": "p-other"}
        ids = carry_over(
            {"x": ["a/1", "b/1", "d/1"], "y": ["c/1"], "z": ["e/1"]}, previous
        )
        assert ids["x"] == "p-old"
        assert ids["y"] == "p-other"
        assert ids["z"] not in ("p-old", "p-other")

    def test_split_gives_id_to_larger_part(self) -> None:
        """When a cluster splits, the part with most old members keeps the id."""
        previous = {"a/1": "p-old", "b/1": "p-old", "c/1": "p-old"}
        ids = carry_over({"x": ["a/1", "b/1"], "y": ["c/1"]}, previous)
        assert ids["x"] == "p-old"
        assert ids["y"] != "p-old"


def test_equal_probabilities_cluster_the_same_in_any_row_order() -> None:
    """Ties are taken by id, not in the order the database returned them.

    Records 0-1-2 form a chain of equal probabilities; with a size limit of 2
    only one link can be kept, and it must be the same one whatever the order.
    """
    rows = [(1, 2, 0.9), (0, 1, 0.9), (2, 3, 0.5)]
    first = cluster_pairs(4, _pairs(rows), threshold=0.7, max_size=2)
    second = cluster_pairs(4, _pairs(rows[::-1]), threshold=0.7, max_size=2)
    assert first.tolist() == second.tolist() == [0, 0, 2, 3]


def _constraints(
    lists: list[str],
    *,
    sex: list[str] | None = None,
    ages: list[int | None] | None = None,
    distinct: tuple[str, ...] = (),
    same_list_threshold: float | None = 0.99,
    within_list_threshold: float | None = WITHIN_LIST_THRESHOLD,
    other_home_threshold: float | None = OTHER_HOME_THRESHOLD,
) -> Constraints:
    """Constraints of FICTIONAL records: their lists, sexes and ages."""
    n = len(lists)
    age = ages or [None] * n
    frame = pd.DataFrame(
        {
            "list": lists,
            "sex": sex or [None] * n,
            "age_lo": pd.array(age, dtype="Int64"),
            "age_hi": pd.array(age, dtype="Int64"),
        }
    )
    return Constraints.from_frame(
        frame,
        distinct,
        same_list_threshold,
        within_list_threshold,
        other_home_threshold,
    )


class TestConstrainedClustering:
    """Best-first joins that refuse what cannot be one person (issue 11, item 3)."""

    def test_a_bridging_record_does_not_chain_incompatible_groups(self) -> None:
        """A (man, 20) - B (unknown) - C (woman, 70): the bridge joins one side only.

        Connected components on the same edges put all three together.
        """
        pairs = _pairs([(0, 1, 0.99), (1, 2, 0.98)])
        c = _constraints(["a", "b", "c"], sex=["m", "", "f"], ages=[20, None, 70])
        labels = cluster_pairs(3, pairs, threshold=0.7, constraints=c)
        assert labels.tolist() == [0, 0, 2]
        plain = cluster_pairs(3, pairs, threshold=0.7)
        assert plain.tolist() == [0, 0, 0]

    def test_ages_decades_apart_stay_apart_through_a_chain(self) -> None:
        """Ages are checked over the whole group, not only on the joining pair."""
        pairs = _pairs([(0, 1, 0.99), (1, 2, 0.99), (2, 3, 0.99)])
        c = _constraints(["a", "b", "c", "d"], ages=[20, 32, 44, 56])
        labels = cluster_pairs(4, pairs, threshold=0.7, constraints=c)
        assert labels[0] != labels[3]
        ages = pd.Series([20, 32, 44, 56]).groupby(labels)
        assert (ages.max() - ages.min()).max() <= 20

    def test_an_undated_age_in_a_dated_list_does_not_constrain(self) -> None:
        """A list that dates most records: an undated record's age may be a placeholder.

        FICTIONAL: list "a" dates three of its four records; its undated
        record says 20, the other list's record of the same person 56. The
        model's link stands; the same ages in a list without dates still
        refuse the join.
        """
        frame = pd.DataFrame(
            {
                "list": ["a", "a", "a", "a", "b"],
                "sex": [None] * 5,
                "age_lo": pd.array([20, 30, 41, 52, 56], dtype="Int64"),
                "age_hi": pd.array([20, 30, 41, 52, 56], dtype="Int64"),
                "dob": [None, "1994-01-02", "1983-05-06", "1972-07-08", "1968-03-04"],
            }
        )
        pairs = _pairs([(0, 4, 0.95)])
        dated = cluster_pairs(
            5, pairs, threshold=0.7, constraints=Constraints.from_frame(frame)
        )
        assert dated[0] == dated[4]
        undated = frame.assign(dob=[None] * 5)
        refused = cluster_pairs(
            5, pairs, threshold=0.7, constraints=Constraints.from_frame(undated)
        )
        assert refused[0] != refused[4]
        # A dated record's age still constrains in the same dated list.
        later = cluster_pairs(
            5,
            _pairs([(1, 4, 0.95)]),
            threshold=0.7,
            constraints=Constraints.from_frame(frame),
        )
        assert later[1] != later[4]

    def test_a_list_repeats_itself_only_on_a_strong_link(self) -> None:
        """A1 - B - A2: the second record of list A joins only on a link of 0.99
        (the rule on its own, without the within-list bar), and with the bar
        only if A1 and A2 were themselves scored alike."""
        alone = _constraints(["a", "b", "a"], within_list_threshold=None)
        weak = cluster_pairs(
            3, _pairs([(0, 1, 0.999), (1, 2, 0.9)]), threshold=0.7, constraints=alone
        )
        assert weak.tolist() == [0, 0, 2]
        c = _constraints(["a", "b", "a"])
        strong = cluster_pairs(
            3,
            _pairs([(0, 1, 0.999), (1, 2, 0.995), (0, 2, 0.95)]),
            threshold=0.7,
            constraints=c,
        )
        assert strong.tolist() == [0, 0, 0]
        ruled_off = _constraints(["a", "b", "a"], same_list_threshold=None)
        plain = cluster_pairs(
            3,
            _pairs([(0, 1, 0.999), (1, 2, 0.9)]),
            threshold=0.7,
            constraints=ruled_off,
        )
        assert plain.tolist() == [0, 0, 0]

    def test_a_chain_through_another_list_never_vouches_for_two_records_of_one(
        self,
    ) -> None:
        """A1 - B - A2, both links 0.999, but A1 and A2 scored against each other
        below the within-list bar (or not at all): A2 stays apart.

        The bridging links were scored without the evidence that A1 and A2
        share a list; their own pair was scored with it.
        """
        c = _constraints(["a", "b", "a"])
        for direct in ([], [(0, 2, 0.8)]):
            labels = cluster_pairs(
                3,
                _pairs([(0, 1, 0.999), (1, 2, 0.999), *direct]),
                threshold=0.7,
                constraints=c,
            )
            assert labels.tolist() == [0, 0, 2]
        without_bar = _constraints(["a", "b", "a"], within_list_threshold=None)
        labels = cluster_pairs(
            3,
            _pairs([(0, 1, 0.999), (1, 2, 0.999)]),
            threshold=0.7,
            constraints=without_bar,
        )
        assert labels.tolist() == [0, 0, 0]

    def test_two_lists_that_each_kept_two_records_apart(self) -> None:
        """{A1, B1} and {A2, B2}: both lists kept the two apart; no link joins them."""
        pairs = _pairs([(0, 1, 0.9999), (2, 3, 0.9999), (0, 2, 0.999), (1, 3, 0.999)])
        c = _constraints(["a", "b", "a", "b"])
        labels = cluster_pairs(4, pairs, threshold=0.7, constraints=c)
        assert labels.tolist() == [0, 0, 2, 2]

    def test_a_direct_link_within_a_list_needs_the_within_list_bar(self) -> None:
        """A1 - A2 scored directly joins from WITHIN_LIST_THRESHOLD, not the threshold.

        The same probability between two lists joins.
        """
        assert WITHIN_LIST_THRESHOLD > 0.8
        c = _constraints(["a", "b", "a"])
        strong = cluster_pairs(
            3, _pairs([(0, 1, 0.999), (0, 2, 0.95)]), threshold=0.7, constraints=c
        )
        assert strong.tolist() == [0, 0, 0]
        weak = cluster_pairs(
            3, _pairs([(0, 1, 0.999), (0, 2, 0.8)]), threshold=0.7, constraints=c
        )
        assert weak.tolist() == [0, 0, 2]
        across = _constraints(["a", "b", "c"])
        joined = cluster_pairs(
            3, _pairs([(0, 1, 0.999), (0, 2, 0.8)]), threshold=0.7, constraints=across
        )
        assert joined.tolist() == [0, 0, 0]

    def test_a_repeated_record_with_a_likelier_home_goes_there(self) -> None:
        """FICTIONAL: two releases a and b of one register. A1 and B1 are one man;
        B2, his namesake in b, resembles A1 too (0.9999) but is his own man's
        partner A2 (0.9994); B1 and B2, scored knowing they share a list, 0.996.

        Best-first would take B2 into A1's person (the strongest link left,
        B1 and B2 alike) and leave A2 alone. Against B2's other home the
        duplicate is improbable (odds 249 against 1,665): each man keeps his own.
        """
        pairs = _pairs([(0, 1, 0.99999), (0, 2, 0.9999), (1, 2, 0.996), (2, 3, 0.9994)])
        lists = ["a", "b", "b", "a"]
        labels = cluster_pairs(4, pairs, threshold=0.7, constraints=_constraints(lists))
        assert labels.tolist() == [0, 0, 2, 2]
        without = _constraints(lists, other_home_threshold=None)
        greedy = cluster_pairs(4, pairs, threshold=0.7, constraints=without)
        assert greedy.tolist() == [0, 0, 0, 3]

    def test_a_duplicate_with_no_likelier_home_joins(self) -> None:
        """FICTIONAL: a hospital names Bilal twice (0.97 knowing they share a
        list), the press once (0.999, 0.998); a families' report resembles the
        second hospital record weakly (0.6). The weak home does not outweigh
        the duplicate: the three are one person, the families' report apart."""
        pairs = _pairs([(0, 2, 0.999), (1, 2, 0.998), (0, 1, 0.97), (1, 3, 0.6)])
        c = _constraints(["hospital", "hospital", "press", "families"])
        labels = cluster_pairs(4, pairs, threshold=0.7, constraints=c)
        assert labels.tolist() == [0, 0, 0, 3]

    def test_relatives_in_one_list_stay_apart_while_its_duplicate_joins(
        self,
    ) -> None:
        """FICTIONAL: a hospital list names Bilal s/o Sher Khan twice (a duplicate
        typed again: their pair 0.99) and his brother Nabeel s/o Sher Khan once
        (the brothers' pair 0.85: same father, village, close ages). A press
        report "Bilal, son of Sher Khan" resembles both brothers (0.995 each).

        Bilal's two records and the press report are one person; the brother,
        whom only a chain through the press report ties to Bilal, is not.
        """
        c = _constraints(["hospital", "hospital", "hospital", "press"])
        pairs = _pairs(
            [(0, 3, 0.995), (1, 3, 0.995), (0, 2, 0.99), (0, 1, 0.85), (1, 2, 0.85)]
        )
        labels = cluster_pairs(4, pairs, threshold=0.7, constraints=c)
        assert labels.tolist() == [0, 1, 0, 0]

    def test_one_list_alone_is_deduplicated_at_the_threshold(self) -> None:
        """With a single list every join is within it: the plain threshold rules."""
        c = _constraints(["a", "a", "a"])
        labels = cluster_pairs(
            3, _pairs([(0, 1, 0.8), (1, 2, 0.75)]), threshold=0.7, constraints=c
        )
        assert labels.tolist() == [0, 0, 0]

    def test_distinct_lists_pair_each_record_once_from_the_lower_bar(self) -> None:
        """Two registers: A1 takes its best partner B1 at 0.6; A2's weaker 0.55 to B1
        is refused (B1 is taken), and no pair below 0.5 joins."""
        pairs = _pairs([(0, 2, 0.6), (1, 2, 0.55), (1, 3, 0.4)])
        c = _constraints(["a", "a", "b", "b"], distinct=("a", "b"))
        labels = cluster_pairs(
            4, pairs, threshold=0.7, constraints=c, distinct_threshold=0.5
        )
        assert labels.tolist() == [0, 1, 0, 3]
        undeclared = _constraints(["a", "a", "b", "b"])
        plain = cluster_pairs(
            4, pairs, threshold=0.7, constraints=undeclared, distinct_threshold=0.5
        )
        assert plain.tolist() == [0, 1, 2, 3]

    def test_a_reviewed_same_person_overrides_the_list_rule(self) -> None:
        """A reviewer who says A1 and A2 are one person is obeyed."""
        c = _constraints(["a", "b", "a"])
        labels = cluster_pairs(
            3,
            _pairs([(0, 1, 0.999)]),
            threshold=0.7,
            constraints=c,
            decisions={(0, 2): True},
        )
        assert labels.tolist() == [0, 0, 0]


class TestAttachAlone:
    """A report left alone joins its most probable person, if more likely than every alternative."""

    def test_single_candidate_above_half_joins(self) -> None:
        """A press report ("Bilal", one district) whose one candidate is more likely than not joins it."""
        pairs = _pairs([(0, 1, 0.99), (1, 2, 0.6)])
        cons = _constraints(["hospital", "party", "press"])
        kept = cluster_pairs(3, pairs, threshold=0.7, constraints=cons)
        assert kept.tolist() == [0, 0, 2]
        joined = cluster_pairs(3, pairs, threshold=0.7, constraints=cons, attach=0.5)
        assert joined.tolist() == [0, 0, 0]

    def test_two_equal_candidates_join_neither(self) -> None:
        """Equally close to two persons (brothers, namesakes): the report stays alone.

        Each pair is 0.6 (odds 1.5); the posterior of either person is
        1.5 / (1 + 1.5 + 1.5) = 0.375.
        """
        pairs = _pairs([(0, 2, 0.6), (1, 2, 0.6)])
        cons = _constraints(["hospital", "party", "press"])
        labels = cluster_pairs(3, pairs, threshold=0.7, constraints=cons, attach=0.5)
        assert labels.tolist() == [0, 1, 2]

    def test_below_half_stays(self) -> None:
        """A single candidate less likely than "a person of its own" is not joined."""
        pairs = _pairs([(0, 1, 0.45)])
        cons = _constraints(["hospital", "press"])
        labels = cluster_pairs(2, pairs, threshold=0.7, constraints=cons, attach=0.5)
        assert labels.tolist() == [0, 1]

    def test_not_through_a_link_within_one_list(self) -> None:
        """The best partner in the report's own list: no join (a list keeps its people apart)."""
        pairs = _pairs([(0, 1, 0.6)])
        cons = _constraints(["hospital", "hospital"])
        labels = cluster_pairs(2, pairs, threshold=0.7, constraints=cons, attach=0.5)
        assert labels.tolist() == [0, 1]

    def test_not_into_a_person_that_changed(self) -> None:
        """A posterior holds for the person as it was: once another report joined it, no more.

        0 and 3 are alone, each close to the person {1, 2}; 3 joins first (the
        more probable); 0 was never compared with 3, so it stays alone.
        """
        pairs = _pairs([(1, 2, 0.9), (0, 1, 0.6), (2, 3, 0.65)])
        cons = _constraints(["press", "hospital", "party", "families"])
        labels = cluster_pairs(4, pairs, threshold=0.7, constraints=cons, attach=0.5)
        assert labels.tolist() == [0, 1, 1, 1]

    def test_constraints_hold(self) -> None:
        """A join that would put both sexes into one person is refused here too."""
        pairs = _pairs([(0, 1, 0.6)])
        cons = _constraints(["hospital", "press"], sex=["m", "f"])
        labels = cluster_pairs(2, pairs, threshold=0.7, constraints=cons, attach=0.5)
        assert labels.tolist() == [0, 1]
