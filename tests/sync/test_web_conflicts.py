"""The register and the report page show a conflict two teams left (FICTIONAL data)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
from fastapi.testclient import TestClient  # noqa: E402

from gawah.registry import assign_persons, import_rows  # noqa: E402
from gawah.sync import conflicts  # noqa: E402
from gawah.web import Role, create_app  # noqa: E402
from gawah.web._backend import Backend  # noqa: E402
from gawah.web.accounts import add_user  # noqa: E402

from .conftest import make_team, send  # noqa: E402

PASSWORD = "FICTIONAL correct horse viewer staple"
HEADERS = ["record_id", "full_name", "sex", "age", "status"]


@contextmanager
def _viewer(home: Path) -> Iterator[TestClient]:
    """A client of the web app over ``home``, logged in as a new viewer."""
    backend = Backend(home=home)
    try:
        add_user(backend, "viewer", Role.VIEWER, PASSWORD, by="tester")
    finally:
        backend.close()
    with TestClient(create_app(home)) as client:
        anon = client.get("/api/session").json()["csrf_token"]
        r = client.post(
            "/api/session",
            json={"username": "viewer", "password": PASSWORD},
            headers={"X-CSRF-Token": anon},
        )
        assert r.status_code == 200, r.text
        yield client


def test_register_and_report_page_show_the_conflict(tmp_path: Path) -> None:
    hq, a = make_team(tmp_path / "t", 2)
    import_rows(hq, HEADERS, [["1", "FICTIONAL Nadia Ahmed", "F", "30", "killed"]],
                source="FICTIONAL list")  # fmt: skip
    send(hq, a, tmp_path)
    import_rows(hq, HEADERS, [["1", "FICTIONAL Nadia Ahmed", "F", "31", "killed"]],
                source="FICTIONAL list")  # fmt: skip
    import_rows(a, HEADERS, [["1", "FICTIONAL Nadia Ahmed", "F", "33", "injured"]],
                source="FICTIONAL list")  # fmt: skip
    send(a, hq, tmp_path)
    (conflict,) = conflicts(hq.conn)
    (report_id,) = conflict.report_ids
    home = hq.home
    hq.close()
    a.close()
    with _viewer(home) as client:
        register = client.get("/register").text  # persons, by default
        assert 'title="two teams edited a report of this person apart' in register
        reports = client.get("/register", params={"view": "reports"}).text
        assert 'title="two teams edited this report apart' in reports
        page = client.get(f"/reports/{report_id}").text
        assert "Edited apart by two teams" in page
        assert conflict.subject in page
        assert "version 2 by FICTIONAL HQ" in page
        assert "version 2 by FICTIONAL team 1" in page


def test_register_and_person_page_show_assignments_made_apart(tmp_path: Path) -> None:
    hq, a = make_team(tmp_path / "t", 2)
    rows = [[str(k), f"FICTIONAL Nadia Ahmed {k}", "F", "30", "killed"] for k in (1, 2)]
    import_rows(hq, HEADERS, rows, source="FICTIONAL list")
    send(hq, a, tmp_path)
    ids = sorted(
        str(r[0]) for r in hq.conn.execute("SELECT report_id FROM registry_reports")
    )
    assign_persons(hq, {"p-one": ids}, "FICTIONAL-run-hq", "FICTIONAL")
    assign_persons(a, {"p-a": ids[:1], "p-b": ids[1:]}, "FICTIONAL-run-a", "FICTIONAL")
    send(a, hq, tmp_path)
    (conflict,) = conflicts(hq.conn)
    assert conflict.subject == "persons"
    home = hq.home
    hq.close()
    a.close()
    with _viewer(home) as client:
        register = client.get("/register").text
        assert 'title="two teams edited a report of this person apart' in register
        page = client.get(f"/reports/{ids[0]}").text
        assert "Edited apart by two teams" in page
        assert "persons of linkage run FICTIONAL-ru" in page
        assert page.count("persons of linkage run") == 2
