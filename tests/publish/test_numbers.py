"""The numbers of a release: equal to ``gawah estimate``, protected where small, readable
by Frictionless and HXL tools."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gawah.publish.gather import STATUSES, protect

from .conftest import INCIDENT, Gawah


@pytest.mark.parametrize("status", ["killed", "injured"])
def test_index_numbers_equal_gawah_estimate(
    release: Path, built: Path, gawah: Gawah, status: str
) -> None:
    """The estimate, interval and documented count in index.html are the CLI's."""
    code, out, err = gawah(
        "estimate",
        "--home",
        str(built),
        "--incident",
        INCIDENT,
        "--status",
        status,
        "--json",
    )
    assert code == 0, err
    cli = json.loads(out)
    html = (release / "index.html").read_text("utf-8")
    box = re.search(
        rf'data-number="estimated" data-status="{status}">.*?data-estimate="([^"]+)".*?'
        r'data-lower="([^"]+)" data-upper="([^"]+)"',
        html,
        re.S,
    )
    assert box is not None
    estimate, lower, upper = (float(x) for x in box.groups())
    assert estimate == cli["estimate"]
    assert (lower, upper) == (cli["lower"], cli["upper"])
    shown = re.search(
        rf'data-number="documented" data-status="{status}">[^<]*<b>([\d,]+)</b>', html
    )
    assert shown is not None
    assert int(shown.group(1).replace(",", "")) == cli["n_observed"]
    # and the printed, rounded figure is the CLI's rounding
    assert f"{cli['estimate']:,.0f}" in html
    data = json.loads((release / "release-data.json").read_bytes())
    assert data["estimates"][status]["estimate"] == cli["estimate"]
    # A release says what the method did (the CLI's notes) beside the warnings.
    assert data["estimates"][status]["warnings"] == [
        *cli["warnings"],
        *cli.get("notes", []),
    ]


def test_claims_are_on_the_page(release: Path) -> None:
    html = (release / "index.html").read_text("utf-8")
    assert "FICTIONAL Interior Ministry" in html
    assert "45–60" in html
    assert "<svg" in html  # the claims timeline
    assert "<script" not in html.lower()
    # nothing is fetched from elsewhere: no remote src, href to a resource, or url()
    assert not re.search(r'(src|url\()\s*=?\s*["\']?https?:', html)
    assert not re.search(r"<link[^>]+https?:", html)
    assert 'lang="ur" dir="rtl"' in html


class TestSmallCells:
    def test_small_counts_are_withheld_and_zeros_shown(self) -> None:
        table, n = protect(
            {"A": {"killed": 12, "injured": 3}, "B": {"killed": 7, "injured": 0},
             "C": {"killed": 2, "injured": 9}},
            5,
        )  # fmt: skip
        assert table["A"]["injured"].text == "fewer than 5"
        assert table["B"]["injured"].value == 0
        assert table["C"]["killed"].value is None
        assert table["A"]["killed"].value == 12
        # one withheld cell per column would be recovered from the column total:
        # the next smallest of that column is withheld too
        assert table["B"]["killed"].value is None
        assert table["C"]["injured"].value is None
        assert n == 4

    def test_each_column_hides_none_or_at_least_two(self) -> None:
        import random

        rng = random.Random(3)
        for _ in range(200):
            counts = {
                f"d{i}": {s: rng.choice([0, 1, 2, 4, 5, 9, 30]) for s in STATUSES}
                for i in range(rng.randint(1, 6))
            }
            table, _ = protect(counts, 5)
            for s in STATUSES:
                hidden = [r for r in table if table[r][s].value is None]
                nonzero = [r for r in table if counts[r][s] > 0]
                assert len(hidden) != 1 or len(nonzero) == 1
                for r in table:
                    if 0 < counts[r][s] < 5:
                        assert table[r][s].value is None
                    if table[r][s].value is not None:
                        assert table[r][s].value == counts[r][s]

    def test_release_tables_never_show_a_small_count(self, release: Path) -> None:
        for name in ("counts-by-district.csv", "counts-by-date.csv"):
            rows = (release / "data" / name).read_text("utf-8-sig").splitlines()[2:]
            for row in rows:
                for cell in row.split(",")[1:]:
                    assert cell == "fewer than 5" or cell == "0" or int(cell) >= 5


class TestStandardTools:
    def test_frictionless_validates_the_package(self, release: Path) -> None:
        from frictionless import Package, validate

        report = validate(str(release / "datapackage.json"))
        assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
        package = Package(str(release / "datapackage.json"))
        victims = package.get_resource("victims").read_rows()
        data = json.loads((release / "release-data.json").read_bytes())
        assert len(victims) == data["named"]
        counts = package.get_resource("counts-by-district").read_rows()
        assert any(r["killed"] is None for r in counts)  # "fewer than 5" is missing

    def test_libhxl_reads_the_hashtags(self, release: Path) -> None:
        import hxl
        from hxl.input import InputOptions

        def read(name: str) -> tuple[list[str], int]:
            with (release / "data" / name).open("rb") as fh:
                source = hxl.data(fh, InputOptions(allow_local=True))
                return [c.display_tag for c in source.columns], len(list(source))

        tags, rows = read("victims.csv")
        assert tags == [
            "#affected+name", "#affected+age+num", "#affected+sex", "#status",
            "#date+occurred", "#loc+district+name",
        ]  # fmt: skip
        data = json.loads((release / "release-data.json").read_bytes())
        assert rows == data["named"]
        tags, _ = read("counts-by-district.csv")
        assert "#affected+killed" in tags
