"""What a documenter meets in the first hour (issue 18): pages that say what is true."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from gawah.registry import persons_with_reports
from gawah.web import Role
from gawah.web._backend import Backend
from gawah.web._charts import ClaimPoint, y_max
from gawah.web._compare import conflict
from gawah.web._plain import reason
from gawah.web._templates import number
from gawah.web.accounts import add_user
from gawah.workspace import Workspace

from .conftest import TestClient, mint


class TestEstimates:
    def test_everyone_is_a_choice_not_an_error(self, client: TestClient) -> None:
        """The form's default "Who: everyone" sends category= (empty): page and plot answer."""
        mint(client, "viewer")
        page = client.get("/estimates", params={"category": "", "method": "loglinear"})
        assert page.status_code == 200, page.text
        assert "String should match" not in page.text
        api = client.get("/api/estimates", params={"category": ""})
        assert api.status_code == 200
        assert api.json()["category"] is None
        plot = client.get("/api/estimates/plot.png", params={"category": ""})
        assert plot.status_code in (200, 404), plot.text  # never 422
        src = re.search(r'<img class="plot" src="([^"]+)"', page.text)
        if src is not None:
            img = client.get(src.group(1).replace("&amp;", "&"))
            assert img.status_code == 200
            assert img.headers["content-type"] == "image/png"


class TestFictionalLabel:
    def test_a_labelled_workspace_says_so(self, client: TestClient) -> None:
        mint(client, "viewer")
        assert "FICTIONAL data" in client.get("/dashboard").text
        assert client.get("/api/dashboard").json()["fictional"] is True

    def test_a_real_workspace_does_not(self, tmp_path: Path) -> None:
        from gawah.web import create_app

        home = tmp_path / "real"
        Workspace.init(home, author="documenter").close()
        backend = Backend(home=home)
        add_user(backend, "viewer", Role.VIEWER, "a long enough passphrase", by="t")
        backend.close()
        with TestClient(create_app(home)) as client:
            mint(client, "viewer")
            page = client.get("/dashboard")
            assert page.status_code == 200
            assert "FICTIONAL" not in page.text
            assert client.get("/api/dashboard").json()["fictional"] is False


class TestConflicts:
    @pytest.mark.parametrize(
        ("field", "values"),
        [
            ("full_name", ["Naim", "نعیم"]),
            ("district", ["ISB", "Islamabad", "اسلام آباد"]),
            ("sex", ["male", "unknown"]),
            ("age", ["42", "40-49"]),
            ("date", ["2031-03", "2031-03-14"]),
            ("notes", ["shot at the chowk", "died in hospital"]),
        ],
    )
    def test_the_same_thing_written_twice_is_no_conflict(
        self, field: str, values: list[str]
    ) -> None:
        assert not conflict(field, values)

    @pytest.mark.parametrize(
        ("field", "values"),
        [
            ("full_name", ["Naim Khan", "Rashid Ali"]),
            ("age", ["20", "76"]),
            ("status", ["killed", "injured"]),
            ("district", ["Islamabad", "Karak"]),
            ("sex", ["male", "female"]),
        ],
    )
    def test_real_disagreements_are_marked(self, field: str, values: list[str]) -> None:
        assert conflict(field, values)


class TestRegisterByPerson:
    def test_a_person_is_listed_once_with_their_reports(
        self, client: TestClient, home: Path
    ) -> None:
        mint(client, "viewer")
        reports = client.get("/api/reports").json()["total"]
        persons = client.get("/api/persons").json()
        with Workspace.open(home) as ws:
            linked = persons_with_reports(ws.conn)
        multi = [p for p in linked if len(p.report_ids) > 1]
        assert multi, "the test lists share people"
        assert persons["total"] == reports - sum(len(p.report_ids) - 1 for p in multi)
        by_id = {p["person_id"]: p for p in persons["persons"]}
        everyone = persons["persons"]
        page = 2
        while len(everyone) < persons["total"]:
            more = client.get("/api/persons", params={"page": page}).json()["persons"]
            everyone += more
            page += 1
        by_id = {p["person_id"]: p for p in everyone}
        for p in multi:
            shown = by_id[p.person_id]
            assert sorted(r["report_id"] for r in shown["reports"]) == sorted(
                p.report_ids
            )

    def test_the_person_page_is_headed_by_a_name_and_shows_the_linkage(
        self, client: TestClient, home: Path
    ) -> None:
        mint(client, "viewer")
        with Workspace.open(home) as ws:
            person = next(
                p for p in persons_with_reports(ws.conn) if len(p.report_ids) > 1
            )
        api = client.get(f"/api/persons/{person.person_id}").json()
        assert api["name"]
        assert "persons.assigned" in [h["kind"] for h in api["history"]]
        page = client.get(f"/persons/{person.person_id}").text
        heading = re.search(r'<h1 id="person-name">(.*?)</h1>', page, re.S)
        assert heading is not None
        assert api["name"] in heading.group(1)
        assert person.person_id not in heading.group(1)

    def test_the_switch_to_reports_lists_each_report(self, client: TestClient) -> None:
        mint(client, "viewer")
        persons = client.get("/register").text
        reports = client.get("/register", params={"view": "reports"}).text
        total = client.get("/api/reports").json()["total"]
        assert f"{total:,} reports" in reports
        assert " persons" in persons


class TestReviewInWords:
    def test_reasons_name_the_values_without_model_jargon(
        self, client: TestClient
    ) -> None:
        mint(client, "reviewer")
        pairs = client.get("/api/review", params={"limit": 5}).json()["pairs"]
        assert pairs
        for pair in pairs:
            for w in pair["explanation"]:
                assert w["words"]
                assert "NULL" not in w["words"]
                assert "All other comparisons" not in w["words"]
        page = client.get("/review").text
        assert "NULL" not in page

    def test_an_age_gap_reads_as_unlikely(self) -> None:
        words = reason("age", "All other comparisons", -6.2, {"age": ["20", "76"]})
        assert words == "ages 20 and 76: very unlikely the same person"


class TestNumbersAndCharts:
    def test_thousands_are_separated(self) -> None:
        assert number(28490) == "28,490"
        assert number(29770.4) == "29,770"

    def test_one_far_claim_does_not_flatten_the_rest(self) -> None:
        day = dt.date(2031, 3, 15)
        claims = [
            ClaimPoint(day, 7, None, "doctor", "doctor", "at least 7"),
            ClaimPoint(day, 6, 2000, "party", "party", "6–2,000"),
        ]
        top = y_max(claims, 40, (55.0, 45.0, 70.0))
        assert 70 <= top < 2000

    def test_claim_dates_do_not_wrap(self, client: TestClient) -> None:
        mint(client, "viewer")
        page = client.get("/dashboard").text
        assert '<td class="nowrap">2031-03-15</td>' in page
        assert "at least 6 over 200" not in page


class TestApiTwins:
    def test_person_api_has_the_pages_provenance(
        self, client: TestClient, home: Path
    ) -> None:
        mint(client, "viewer")
        with Workspace.open(home) as ws:
            person = persons_with_reports(ws.conn)[0]
        api = client.get(f"/api/persons/{person.person_id}").json()
        page = client.get(f"/persons/{person.person_id}").text
        assert len(api["provenance"]) == len(api["report_ids"])
        for where in api["provenance"]:
            assert where
            assert where in page

    def test_review_api_has_the_pair_side_by_side(self, client: TestClient) -> None:
        mint(client, "reviewer")
        pair = client.get("/api/review", params={"limit": 1}).json()["pairs"][0]
        assert sorted(pair["reports"]["report_ids"]) == sorted(
            [pair["report_l"], pair["report_r"]]
        )
        assert pair["reports"]["rows"]

    def test_entry_choices_are_the_existing_sources(self, client: TestClient) -> None:
        mint(client, "documenter")
        choices = client.get("/api/entry/choices").json()
        page = client.get("/entry").text
        assert choices["sources"]
        for source in choices["sources"]:
            assert f'<option value="{source["value"]}"' in page
        assert "killed" in choices["statuses"]


class TestStartWarm:
    def test_a_started_server_indexes_and_fills_its_caches(
        self, home: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """``gawah serve`` tokenises names and computes the dashboard in the background."""
        from gawah.web import _backend, create_app
        from gawah.web._search import pending
        from gawah.web.routes import dashboard

        monkeypatch.setattr(_backend, "WARM_AFTER", 0.0)  # no first page first
        app = create_app(home, warm=True)
        with TestClient(app) as client:
            backend = app.state.backend
            assert backend.indexed.wait(120)
            assert backend._warming is not None
            backend._warming.join(timeout=300)
            assert pending(backend.workspace().conn) == 0

            def recompute(*args: object) -> None:
                raise AssertionError("the dashboard was computed again")

            monkeypatch.setattr(dashboard, "_compute", recompute)
            mint(client, "viewer")
            assert client.get("/api/dashboard").status_code == 200
            assert client.get("/dashboard").status_code == 200
