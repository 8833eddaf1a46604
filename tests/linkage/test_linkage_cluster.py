"""Clustering guards and stable person ids."""

from __future__ import annotations

import pandas as pd

from gawah.linkage.cluster import carry_over, cluster_pairs, person_id


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
