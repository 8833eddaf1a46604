"""The Publish page: an admin previews what a release states and withholds."""

from __future__ import annotations

from collections.abc import Callable

from gawah.web import Role

from .conftest import TestClient


def test_admin_sees_the_preview_and_what_is_withheld(
    client: TestClient, as_role: Callable[[Role], str]
) -> None:
    as_role(Role.ADMIN)
    page = client.get("/publish")
    assert page.status_code == 200
    assert "What will be withheld" in page.text
    assert "national_id" in page.text
    assert "gawah publish --incident" in page.text
    api = client.get("/api/publish/preview")
    assert api.status_code == 200, api.text
    body = api.json()
    assert body["fields"] == ["name", "age", "sex", "status", "date", "district"]
    assert body["persons"] == body["named"] + body["withheld"]["persons_not_named"]
    assert sum(body["documented"].values()) <= body["persons"]


def test_a_reviewer_may_not_preview(
    client: TestClient, as_role: Callable[[Role], str]
) -> None:
    as_role(Role.REVIEWER)
    assert client.get("/publish").status_code == 403
    assert client.get("/api/publish/preview").status_code == 403
