"""Pages and their API: what each shows, to whom, and what it refuses."""

from __future__ import annotations

import json
from pathlib import Path

from gawah.registry import iter_reports, persons_with_reports
from gawah.workspace import Workspace

from .conftest import TestClient, mint

CANARY_ID = "35202-9990001-7"
CANARY_DIGITS = "3520299900017"  # the registry keeps a CNIC as digits
CANARY_PHONE = "0300-9990001"


def _add_canary(client: TestClient) -> str:
    headers = mint(client, "documenter")
    r = client.post(
        "/api/reports",
        headers=headers,
        json={
            "source": "canary desk",
            "full_name": "Canary Person",
            "name_urdu": "کینری",
            "status": "injured",
            "national_id": CANARY_ID,
            "phone": CANARY_PHONE,
            "witness_name": "Canary Witness",
        },
    )
    assert r.status_code == 201, r.text
    report_ids: list[str] = r.json()["report_ids"]
    return report_ids[0]


class TestSensitiveFields:
    def test_only_admin_sees_them(self, client: TestClient) -> None:
        """National id, phone and witness appear for admin only, on every read route."""
        rid = _add_canary(client)
        urls = [
            f"/api/reports/{rid}",
            f"/reports/{rid}",
            "/api/reports?q=canary",
            "/register?q=canary",
            "/dashboard",
            "/api/dashboard",
        ]
        for user in ("viewer", "documenter", "reviewer"):
            mint(client, user)
            for url in urls:
                body = client.get(url).text
                assert CANARY_ID not in body, (user, url)
                assert CANARY_DIGITS not in body, (user, url)
                assert CANARY_PHONE not in body, (user, url)
                assert "Canary Witness" not in body, (user, url)
        mint(client, "admin")
        body = client.get(f"/api/reports/{rid}").text
        assert CANARY_DIGITS in body
        assert CANARY_PHONE in body

    def test_upload_report_hides_sensitive_values(self, client: TestClient) -> None:
        """A bad national id in an upload is reported without its value to non-admins."""
        headers = mint(client, "documenter")
        csv = "record_id,full_name,national_id,age\nx1,A B,35202-9990001-7,not an age\n"
        r = client.post(
            "/api/imports",
            headers=headers,
            data={"source": "s"},
            files={"file": ("l.csv", csv.encode(), "text/csv")},
        )
        assert r.status_code == 422
        assert CANARY_ID not in r.text
        assert CANARY_DIGITS not in r.text


class TestUploads:
    def test_oversize_is_refused_before_reading(self, client: TestClient) -> None:
        """A declared body over the limit gets 413 at once."""
        headers = mint(client, "documenter")
        headers["content-length"] = str(200 * 1024 * 1024)
        headers["content-type"] = "multipart/form-data; boundary=x"
        r = client.post("/api/imports", headers=headers, content=b"--x--")
        assert r.status_code == 413
        assert r.headers["x-content-type-options"] == "nosniff"

    def test_wrong_extension_and_fake_xlsx(self, client: TestClient) -> None:
        """Only .csv and real .xlsx files are read; the user's path is never used."""
        headers = mint(client, "documenter")
        for name, data in (
            ("list.exe", b"MZ"),
            ("../../etc/passwd.csv", b""),
            ("fake.xlsx", b"not a zip"),
        ):
            r = client.post(
                "/api/imports",
                headers=headers,
                data={"source": "s"},
                files={"file": (name, data, "application/octet-stream")},
            )
            assert r.status_code in (400, 422), (name, r.text)

    def test_bad_row_reported_and_nothing_imported(
        self, client: TestClient, home: Path
    ) -> None:
        """One bad row: the line and the reason come back; no row is recorded."""
        headers = mint(client, "documenter")
        csv = "record_id,full_name,age\nok1,Good Row,30\nbad1,Bad Row,abc\n"
        r = client.post(
            "/api/imports",
            headers=headers,
            data={"source": "new list"},
            files={"file": ("l.csv", csv.encode(), "text/csv")},
        )
        body = r.json()
        assert r.status_code == 422
        assert body["issues"][0]["line"] == 3
        assert body["issues"][0]["column"] == "age"
        with Workspace.open(home) as ws:
            assert not list(iter_reports(ws.conn, source="new-list"))


class TestRegister:
    def test_urdu_and_variant_spellings(self, client: TestClient) -> None:
        """An Urdu-script query finds the Latin record and Mohd finds Muhammad."""
        headers = mint(client, "documenter")
        client.post(
            "/api/reports",
            headers=headers,
            json={
                "source": "desk",
                "full_name": "Muhammad Aslam Khokhar",
                "status": "killed",
            },
        )
        for q in ("محمد اسلم", "Mohd Aslam", "muhamad aslam khokar"):
            names = [
                h["name"]
                for h in client.get("/api/reports", params={"q": q}).json()["hits"]
            ]
            assert "Muhammad Aslam Khokhar" in names, q

    def test_pagination_and_filters(self, client: TestClient) -> None:
        """Pages partition the result; a status filter keeps only that status."""
        mint(client, "viewer")
        first = client.get("/api/reports", params={"page": 1}).json()
        second = client.get("/api/reports", params={"page": 2}).json()
        ids1 = {h["report_id"] for h in first["hits"]}
        assert len(ids1) == 50
        assert not ids1 & {h["report_id"] for h in second["hits"]}
        killed = client.get("/api/reports", params={"status": "killed"}).json()
        assert killed["total"] > 0
        assert {h["status"] for h in killed["hits"]} == {"killed"}


class TestPersonDashboardEstimates:
    def test_person_side_by_side(self, client: TestClient, home: Path) -> None:
        """A linked person shows one column per report and the ledger history."""
        with Workspace.open(home) as ws:
            person = max(persons_with_reports(ws.conn), key=lambda p: len(p.report_ids))
        mint(client, "viewer")
        body = client.get(f"/api/persons/{person.person_id}").json()
        # The register's order: the person's first report by name leads.
        assert sorted(body["report_ids"]) == sorted(person.report_ids)
        assert all(len(row["values"]) == len(person.report_ids) for row in body["rows"])
        kinds = {h["kind"] for h in body["history"]}
        assert "report.recorded" in kinds
        assert body["linked_by"]
        assert client.get(f"/persons/{person.person_id}").status_code == 200

    def test_dashboard_numbers(self, client: TestClient) -> None:
        """Counts are persons; the three FICTIONAL claims about the killed are listed."""
        mint(client, "viewer")
        d = client.get("/api/dashboard").json()
        assert d["linked"] is True
        assert d["documented"] == d["counts"]["killed"]
        assert [c["low"] for c in d["claims"]] == [0, 7, 6]
        page = client.get("/dashboard").text
        assert "<svg" in page
        assert "Dr. Saima" in page

    def test_dashboard_figure_is_the_cli_figure(
        self, client: TestClient, home: Path
    ) -> None:
        """`gawah estimate --home --incident --status killed` prints the dashboard's number."""
        import json

        from typer.testing import CliRunner

        from gawah.cli import app

        mint(client, "viewer")
        d = client.get("/api/dashboard").json()
        shown = d["estimate"]
        assert shown is not None
        args = ["estimate", "--home", str(home), "--incident", d["incident_id"]]
        result = CliRunner().invoke(app, [*args, "--status", "killed", "--json"])
        assert result.exit_code == 0, result.output
        cli = json.loads(result.stdout)
        for key in ("estimate", "lower", "upper", "n_observed", "method", "model"):
            assert cli[key] == shown[key], key
        assert cli["lists"] == shown["lists"]
        assert cli["warnings"] == shown["warnings"]
        assert cli["n_observed"] == d["documented"]

    def test_estimates_strata(self, client: TestClient) -> None:
        """The estimates page gives the overlap table and one row per status stratum."""
        mint(client, "viewer")
        e = client.get("/api/estimates").json()
        assert [s["stratum"] for s in e["strata"]] == [
            "killed",
            "injured",
            "detained",
            "missing",
        ]
        assert sum(p["count"] for p in e["patterns"]) == e["documented"]
        assert [m["method"] for m in e["methods"]] == ["loglinear", "stepwise", "chao"]
        assert e["methods"][0] == e["estimate"]  # the default is the first column
        assert client.get("/estimates").status_code == 200


def test_index_catches_up_with_an_older_workspace(home: Path) -> None:
    """A workspace whose web tables are missing is re-indexed from the ledger on open."""
    import sqlite3

    conn = sqlite3.connect(home / "gawah.sqlite")
    conn.execute("DELETE FROM web_search_reports")
    conn.execute("DELETE FROM web_search_tokens")
    conn.execute("DELETE FROM web_history")
    conn.execute("DELETE FROM web_page_cache")  # an older version kept no pages
    conn.commit()
    conn.close()
    from gawah.web import create_app

    # Tables edited outside the ledger are refused by the quick check at open ...
    with TestClient(create_app(home)) as client:
        mint(client, "viewer")
        refused = client.get("/api/reports")
        assert refused.status_code == 503
        assert "changed outside the ledger" in refused.json()["detail"]
    # ... an older workspace simply has no projection digests recorded yet.
    state_path = home / "ledger-state.json"
    state = json.loads(state_path.read_text())
    state["projections"] = None
    state_path.write_text(json.dumps(state))
    with TestClient(create_app(home)) as client:
        mint(client, "viewer")
        assert client.get("/api/reports").json()["total"] >= 80
        assert client.get("/api/session").json()["role"] == "viewer"  # grants kept


def test_evidence_download_is_an_attachment_and_a_custody_event(
    client: TestClient, home: Path
) -> None:
    """Opening evidence sends a sandboxed attachment and records who viewed it."""
    from gawah.evidence import custody_history, list_evidence

    with Workspace.open(home) as ws:
        digest = list_evidence(ws.conn)[0].digest
    headers = mint(client, "viewer")
    assert (
        client.post(f"/api/evidence/{digest}/view", headers=headers).status_code == 403
    )
    headers = mint(client, "reviewer")
    r = client.post(f"/api/evidence/{digest}/view", headers=headers)
    assert r.status_code == 200
    assert r.content.startswith(b"\x89PNG")
    assert r.headers["content-disposition"].startswith("attachment;")
    assert r.headers["content-security-policy"].startswith("sandbox")
    assert r.headers["content-type"] == "application/octet-stream"
    with Workspace.open(home) as ws:
        actions = [e.action for e in custody_history(ws.conn, digest)]
    assert actions[-1] == "viewed"
