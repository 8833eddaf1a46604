"""Accuracy on the demo scenario: the lists `gawah demo` links for its dashboard.

The scenario (``gawah.testing.scenario``) is written by the registry domain,
independently of linkage: hospital rows often give only a given name and no
father, press dates give only the month, statuses and districts come in Urdu.
Its numbers are recorded in docs/validation/linkage.md. The model is fitted
without the truth; the truth only scores the result.
"""

from __future__ import annotations

import pandas as pd
import pytest
from _linkage_accuracy import Scores, pairs_of, score

from gawah.linkage import LinkResult, link_records
from gawah.linkage.normalise import canonical_status
from gawah.testing.scenario import Scenario, generate


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    """The demo's fictional scenario (1,000 victims, four lists)."""
    return generate()


@pytest.fixture(scope="module")
def demo(scenario: Scenario) -> tuple[LinkResult, pd.DataFrame]:
    """The demo's four lists linked once, with each report's true person kept aside."""
    rows = [
        {
            **row,
            "list": src.name,
            "key": f"{src.name}/{row['record_id']}",
            "_truth": pid,
        }
        for src in scenario.lists
        for row, pid in zip(src.rows, src.person_ids, strict=True)
    ]
    reports = pd.DataFrame(rows)
    return link_records(reports.drop(columns=["_truth"])), reports


def _scores(result: LinkResult, reports: pd.DataFrame) -> Scores:
    truth = pairs_of(reports, "key", "_truth")
    return score(pairs_of(result.records, "key", "person_id"), truth)


class TestDemoScenario:
    def test_pairwise_accuracy(self, demo: tuple[LinkResult, pd.DataFrame]) -> None:
        """The demo lists link with precision >= 0.97 and pairwise F1 >= 0.95."""
        s = _scores(*demo)
        print(f"demo: P {s.precision:.4f} R {s.recall:.4f} F1 {s.f1:.4f}")
        assert s.precision >= 0.97
        assert s.f1 >= 0.95

    def test_documented_killed_near_truth(
        self, demo: tuple[LinkResult, pd.DataFrame], scenario: Scenario
    ) -> None:
        """Persons with a report saying killed number within 5 of the true killed on the lists."""
        result, reports = demo
        status = reports.set_index("key")["status"].map(canonical_status)
        records = result.records.assign(status=result.records["key"].map(status))
        found = records.loc[records["status"] == "killed", "person_id"].nunique()
        killed = {v.person_id for v in scenario.victims if v.status == "killed"}
        seen = killed & set(reports["_truth"])
        print(f"demo: killed documented {found}, truth {len(seen)}")
        assert abs(found - len(seen)) <= 5
