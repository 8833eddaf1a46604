"""Recording, correcting and withdrawing public claims in the browser and its API."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from gawah.claims import list_recorded
from gawah.web import Role
from gawah.workspace import Workspace

from .conftest import TestClient


def _incident(client: TestClient) -> str:
    claims = client.get("/api/claims").json()
    return str(claims[0]["incident"])


def _new(incident: str, **extra: object) -> dict[str, object]:
    body: dict[str, object] = {
        "incident": incident,
        "claimant": "FICTIONAL Lawyers' Forum",
        "claimant_kind": "ngo",
        "category": "arrested",
        "low": 40,
        "stance": "asserts",
        "quote": "At least 40 lawyers were detained.",
        "said_on": "2031-03-16",
    }
    body.update(extra)
    return body


def test_record_correct_and_withdraw_through_the_api(
    client: TestClient, as_role: Callable[[Role], str], home: Path
) -> None:
    """A documenter records a claim, corrects it (old one withdrawn), withdraws the new."""
    csrf = as_role(Role.DOCUMENTER)
    headers = {"X-CSRF-Token": csrf}
    incident = _incident(client)
    r = client.post("/api/claims", json=_new(incident), headers=headers)
    assert r.status_code == 201, r.text
    first = r.json()
    assert (first["bounds"], first["claimant_kind"]) == ("40..open", "ngo")
    assert first["id"] in {c["id"] for c in client.get("/api/claims").json()}

    r = client.put(
        f"/api/claims/{first['id']}",
        json={**_new(incident, low=45, high=45), "reason": "the figure is 45"},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    second = r.json()
    live = {c["id"]: c for c in client.get("/api/claims").json()}
    assert first["id"] not in live
    assert live[second["id"]]["bounds"] == "45"
    every = {
        c["id"]: c
        for c in client.get("/api/claims", params={"include_withdrawn": True}).json()
    }
    assert every[first["id"]]["withdrawn"] is True
    assert "the figure is 45" in every[first["id"]]["withdrawn_reason"]

    r = client.post(
        f"/api/claims/{second['id']}/withdrawal",
        json={"reason": "recorded under the wrong incident"},
        headers=headers,
    )
    assert r.status_code == 204
    assert second["id"] not in {c["id"] for c in client.get("/api/claims").json()}
    with Workspace.open(home) as ws:  # the ledger keeps every version
        kept = {r.claim.id for r in list_recorded(ws.conn, include_withdrawn=True)}
    assert {first["id"], second["id"]} <= kept


def test_the_page_records_and_withdraws_by_form(
    client: TestClient, as_role: Callable[[Role], str]
) -> None:
    """The form records a claim (redirect back to the list); withdrawing marks it."""
    csrf = as_role(Role.DOCUMENTER)
    incident = _incident(client)
    page = client.get("/claims")
    assert page.status_code == 200
    assert 'id="claim-form"' in page.text
    form = {
        k: str(v) for k, v in _new(incident, claimant="FICTIONAL Bar Council").items()
    }
    r = client.post(
        "/claims", data={**form, "csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303
    listed = client.get(r.headers["location"]).text
    assert "FICTIONAL Bar Council" in listed
    claim = next(
        c
        for c in client.get("/api/claims").json()
        if c["claimant"] == "FICTIONAL Bar Council"
    )
    edit = client.get(f"/claims/{claim['id']}/edit")
    assert edit.status_code == 200
    assert 'value="FICTIONAL Bar Council"' in edit.text
    r = client.post(
        f"/claims/{claim['id']}/withdraw",
        data={"reason": "a duplicate", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert claim["id"] not in {c["id"] for c in client.get("/api/claims").json()}


def test_bad_bounds_are_refused_and_nothing_is_recorded(
    client: TestClient, as_role: Callable[[Role], str], home: Path
) -> None:
    """An upper bound below the lower one is a clear refusal, with no event."""
    csrf = as_role(Role.DOCUMENTER)
    incident = _incident(client)
    with Workspace.open(home) as ws:
        before = ws.ledger.count()
    r = client.post(
        "/api/claims",
        json=_new(incident, low=50, high=10),
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 400
    assert "upper bound" in r.json()["detail"]
    form = {k: str(v) for k, v in _new(incident, low=50, high=10).items()}
    page = client.post("/claims", data={**form, "csrf_token": csrf})
    assert page.status_code == 400
    assert "upper bound" in page.text
    with Workspace.open(home) as ws:
        assert ws.ledger.count() == before


def test_a_viewer_reads_but_cannot_record(
    client: TestClient, as_role: Callable[[Role], str]
) -> None:
    """Viewers see the claims; recording needs the record right."""
    csrf = as_role(Role.VIEWER)
    assert client.get("/claims").status_code == 200
    assert 'id="claim-form"' not in client.get("/claims").text
    incident = _incident(client)
    r = client.post("/api/claims", json=_new(incident), headers={"X-CSRF-Token": csrf})
    assert r.status_code == 403


def test_a_claim_typed_in_the_browser_names_its_account(
    client: TestClient, as_role: Callable[[Role], str], home: Path
) -> None:
    """The event is signed by the server's device: the claim names the web account
    that typed it apart from the server's author; claims from elsewhere do not."""
    headers = {"X-CSRF-Token": as_role(Role.DOCUMENTER)}
    r = client.post("/api/claims", json=_new(_incident(client)), headers=headers)
    assert r.status_code == 201, r.text
    with Workspace.open(home) as ws:
        author = ws.author
        event = ws.ledger.event(r.json()["id"])
        earlier = [c for c in list_recorded(ws.conn) if c.claim.id != r.json()["id"]]
    assert event.payload["entered_by"] == Role.DOCUMENTER.value
    assert r.json()["recorded_by"] == (
        f"{Role.DOCUMENTER.value} (web account on {author}'s server)"
    )
    assert earlier
    for other in earlier:  # recorded by the CLI: no account, payload unchanged
        assert "entered_by" not in ws_payload(home, other.claim.id)
    page = client.get("/claims").text
    assert f"{Role.DOCUMENTER.value} (web account on {author}&#39;s server)" in page


def ws_payload(home: Path, event_id: str) -> dict[str, object]:
    with Workspace.open(home) as ws:
        return dict(ws.ledger.event(event_id).payload)
