"""The fictional crackdown scenario: deterministic, realistic in its mess, honest in its truth."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from gawah.registry.reading import read_csv
from gawah.testing.scenario import (
    CSV_COLUMNS,
    TRUE_STATUSES,
    big_list_rows,
    generate,
    write_big_csv,
    write_csvs,
)


class TestScenario:
    def test_deterministic(self) -> None:
        """The same seed gives the same lists; another seed gives others."""
        assert generate(seed=5) == generate(seed=5)
        assert generate(seed=5).lists != generate(seed=6).lists

    def test_shape(self) -> None:
        """About 1,000 victims in four statuses, four lists with one truth per row."""
        s = generate()
        assert len(s.victims) == 1000
        assert {v.status for v in s.victims} == set(TRUE_STATUSES)
        assert [x.name for x in s.lists] == ["hospital", "party", "press", "families"]
        for source in s.lists:
            assert len(source.rows) == len(source.person_ids) > 50
            assert all(row["fictional"] == "FICTIONAL" for row in source.rows)

    def test_coverage_differs_by_source(self) -> None:
        """The hospital sees the injured, families the missing, and nobody sees everyone."""
        s = generate()
        status = {v.person_id: v.status for v in s.victims}

        def share(source: str, st: str) -> float:
            seen = set(s.source(source).person_ids)
            group = [p for p, x in status.items() if x == st]
            return sum(p in seen for p in group) / len(group)

        assert share("hospital", "injured") > share("families", "injured")
        assert share("families", "missing") > share("hospital", "missing")
        seen_any = set().union(*(set(x.person_ids) for x in s.lists))
        assert 0.6 * len(s.victims) < len(seen_any) < len(s.victims)

    def test_overlap_and_duplicates(self) -> None:
        """Lists overlap, and some lists name one person twice."""
        s = generate()
        hospital, party = (
            set(s.source("hospital").person_ids),
            set(s.source("party").person_ids),
        )
        assert hospital & party
        duplicated = [
            x.name for x in s.lists if max(Counter(x.person_ids).values()) > 1
        ]
        assert len(duplicated) >= 3

    def test_recording_styles(self) -> None:
        """Transliteration variants, Urdu script, s/o names and district variants occur."""
        s = generate()
        all_text = " ".join(
            v for x in s.lists for row in x.rows for v in row.values() if v
        )
        for needle in (
            "Mohd",
            "Muhammad",
            "محمد",
            "Rwp",
            "D.I. Khan",
            "about ",
            "شہید",
        ):
            assert needle in all_text, needle
        party = s.source("party")
        assert sum(bool(r["father_name"]) for r in party.rows) == len(party.rows)

    def test_csvs_round_trip(self, tmp_path: Path) -> None:
        """Each list is written in its source's encoding and reads back unchanged."""
        s = generate()
        paths = write_csvs(s, tmp_path)
        for source in s.lists:
            table = read_csv(paths[source.name])
            assert table.headers == CSV_COLUMNS
            assert [
                dict(zip(table.headers, cells, strict=True)) for _, cells in table.rows
            ] == list(source.rows)

    def test_big_list(self, tmp_path: Path) -> None:
        """The benchmark list has the requested number of distinct, labelled rows."""
        path = write_big_csv(tmp_path / "big.csv", 2000)
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert len(rows) == 2000
        assert len({r["record_id"] for r in rows}) == 2000
        assert rows[0] == next(iter(big_list_rows(1)))
