"""The review explanation and the groups in which conflicts are looked for."""

from __future__ import annotations

import pandas as pd

from gawah.linkage.classify import _groups
from gawah.linkage.review import explain


def test_frequency_adjustments_are_named_after_their_comparison() -> None:
    """A district's frequency is not explained as a name's."""
    model = {
        "comparisons": [
            {
                "output_column_name": name,
                "comparison_levels": [
                    {
                        "label_for_charts": "same",
                        "m_probability": 0.8,
                        "u_probability": 0.1,
                    },
                    {
                        "label_for_charts": "else",
                        "m_probability": 0.2,
                        "u_probability": 0.9,
                    },
                ],
            }
            for name in ("name", "place")
        ]
    }
    pairs = pd.DataFrame(
        {
            "mw_name": [3.0],
            "mw_tf_adj_name": [-1.0],
            "mw_place": [3.0],
            "mw_tf_adj_place": [0.5],
        }
    )
    [lines] = explain(pairs, model)
    assert [(c.comparison, c.level, c.weight) for c in lines] == [
        ("name", "same", 3.0),
        ("name", "name frequency", -1.0),
        ("place", "same", 3.0),
        ("place", "district frequency", 0.5),
    ]


def test_conflicts_are_only_looked_for_where_links_can_chain() -> None:
    """Groups of three or more joined records, through strong pairs or decisions.

    0-1-2 chain through strong pairs; 3-4 is a pair (no conflict possible);
    5-6 strong and 6-7 joined by a reviewer make a group; 8 is alone.
    """
    pairs = pd.DataFrame(
        {
            "unique_id_l": [0, 1, 3, 5, 2],
            "unique_id_r": [1, 2, 4, 6, 8],
            "match_probability": [0.9, 0.8, 0.95, 0.9, 0.3],
        }
    )
    groups = _groups(9, pairs, 0.7, [(6, 7)])
    by_group = groups.groupby("grp")["unique_id"].apply(sorted).tolist()
    assert sorted(by_group) == [[0, 1, 2], [5, 6, 7]]
