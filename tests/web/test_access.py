"""The access-control matrix: every route x role x own/other object (SECURITY.md S26-S27).

Routes come from the app itself (every route, including pages hidden from the
OpenAPI document) and must each have a row in ``POLICY``; the OpenAPI document's
operations must all be among them. A request counts as *allowed* unless it gets
401/403 or a redirect to the login page.
"""

from __future__ import annotations

import shutil
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute

import gawah.estimate
from gawah.claims import list_claims
from gawah.estimate.chao import ChaoLowerBound
from gawah.evidence import list_evidence
from gawah.linkage import LinkRun, review_queue
from gawah.registry import iter_reports, persons_with_reports
from gawah.web import Right, Role, _numbers, create_app
from gawah.web.auth import allows
from gawah.web.routes import review
from gawah.workspace import Workspace

from ._data import PASSWORDS
from .conftest import ROLES, TestClient, mint

R, REC, REV, ADM = Right.READ, Right.RECORD, Right.REVIEW, Right.ADMIN
#: (method, path) -> the right it needs (None: anyone, even anonymous).
POLICY: dict[tuple[str, str], Right | None] = {
    ("GET", "/api/session"): None, ("POST", "/api/session"): None,
    ("DELETE", "/api/session"): None, ("POST", "/api/me/password"): R,
    ("GET", "/api/users"): ADM, ("POST", "/api/users"): ADM,
    ("PUT", "/api/users/{name}/role"): ADM, ("POST", "/api/users/{name}/disable"): ADM,
    ("GET", "/api/reports"): R, ("GET", "/api/reports/{report_id}"): R,
    ("GET", "/api/persons"): R, ("GET", "/api/persons/{person_id}"): R, ("POST", "/api/reports"): REC,
    ("POST", "/api/imports"): REC, ("GET", "/api/entry/choices"): REC, ("GET", "/api/dashboard"): R,
    ("GET", "/api/imports/{job_id}"): REC, ("GET", "/imports/{job_id}"): REC,
    ("GET", "/api/estimates"): R, ("GET", "/api/estimates/plot.png"): R,
    ("GET", "/api/review"): REV, ("POST", "/api/review/decisions"): REV,
    ("POST", "/api/linkage/runs"): REV,
    ("GET", "/login"): None, ("POST", "/login"): None, ("POST", "/logout"): None,
    ("GET", "/users"): ADM, ("POST", "/users"): ADM, ("POST", "/users/{name}"): ADM,
    ("GET", "/"): R,
    ("GET", "/register"): R, ("GET", "/reports/{report_id}"): R,
    ("GET", "/persons/{person_id}"): R, ("GET", "/dashboard"): R, ("GET", "/estimates"): R,
    ("GET", "/entry"): REC, ("POST", "/entry"): REC, ("POST", "/entry/upload"): REC,
    ("POST", "/api/evidence/{digest}/view"): Right.EVIDENCE,
    ("GET", "/review"): REV, ("POST", "/review/decide"): REV, ("POST", "/review/relink"): REV,
    ("GET", "/publish"): ADM, ("GET", "/api/publish/preview"): ADM,
    ("GET", "/api/claims"): R, ("POST", "/api/claims"): REC,
    ("PUT", "/api/claims/{claim_id}"): REC, ("POST", "/api/claims/{claim_id}/withdrawal"): REC,
    ("GET", "/claims"): R, ("POST", "/claims"): REC, ("GET", "/claims/{claim_id}/edit"): REC,
    ("POST", "/claims/{claim_id}/edit"): REC, ("POST", "/claims/{claim_id}/withdraw"): REC,
}  # fmt: skip
LOGIN_ROUTES = {("POST", "/api/session"), ("POST", "/login")}
CSV = b"record_id,full_name,status\nm1,Matrix Person,killed\n"


def _routes(app: Any) -> list[tuple[str, str]]:
    """Every (method, path) the app serves, unwrapping included routers."""
    out: list[tuple[str, str]] = []
    stack = list(app.routes)
    while stack:
        route = stack.pop()
        if isinstance(route, APIRoute):
            out.extend((m, route.path) for m in sorted(route.methods) if m != "HEAD")
        elif hasattr(route, "original_router"):
            stack.extend(route.original_router.routes)
    return sorted(set(out))


@pytest.fixture(scope="module")
def ids(template_home: Path) -> dict[str, str]:
    with Workspace.open(template_home) as ws:
        report = next(iter_reports(ws.conn)).report_id
        person = persons_with_reports(ws.conn)[0].person_id
        pair = review_queue(ws)[0]
        digest = list_evidence(ws.conn)[0].digest
        claim = list_claims(ws.conn)[0]
    return {
        "claim": claim.id,
        "incident": claim.incident_id,
        "report": report,
        "person": person,
        "left": pair.report_l,
        "right": pair.report_r,
        "digest": digest,
    }


def _request(
    client: TestClient,
    method: str,
    path: str,
    role: Role | None,
    obj: str,
    ids: dict[str, str],
    headers: dict[str, str],
) -> Any:
    me = role.value if role else "nobody"
    own = obj == "own"
    url = (
        path.replace("{report_id}", ids["report"] if own else "rep-0000000000000000")
        .replace("{person_id}", ids["person"] if own else "per-0000000000000000")
        .replace("{name}", me if own else "other")
        .replace("{digest}", ids["digest"] if own else "0" * 64)
        .replace("{claim_id}", ids["claim"] if own else "f" * 64)
        .replace("{job_id}", "0" * 32)  # no job: 404 to whoever may see jobs
    )
    csrf = headers.get("X-CSRF-Token", "")
    claim = {
        "incident": ids["incident"],
        "claimant": "Matrix speaker (FICTIONAL)",
        "category": "killed",
        "low": "1",
    }
    password = PASSWORDS[role] if role else "not the password"
    kw: dict[str, Any] = {"headers": headers, "follow_redirects": False}
    bodies: dict[tuple[str, str], dict[str, Any]] = {
        ("POST", "/api/session"): {"json": {"username": me, "password": password}},
        ("POST", "/api/me/password"): {
            "json": {
                "current_password": password,
                "new_password": "a brand new passphrase",
            }
        },
        ("POST", "/api/users"): {"json": {"name": "matrixuser", "role": "viewer"}},
        ("PUT", "/api/users/{name}/role"): {"json": {"role": "viewer"}},
        ("POST", "/api/reports"): {
            "json": {"source": "matrix", "full_name": "Matrix Person"}
        },
        ("POST", "/api/imports"): {
            "files": {"file": ("m.csv", CSV, "text/csv")},
            "data": {"source": "matrix"},
        },
        ("POST", "/api/review/decisions"): {
            "json": {
                "report_l": ids["left"],
                "report_r": ids["right"],
                "decision": "skip",
            }
        },
        ("POST", "/login"): {
            "data": {"username": me, "password": password, "csrf_token": csrf}
        },
        ("POST", "/logout"): {"data": {"csrf_token": csrf}},
        ("POST", "/users/{name}"): {
            "data": {"action": "role", "role": "viewer", "csrf_token": csrf}
        },
        ("POST", "/users"): {
            "data": {"name": "matrixuser", "role": "viewer", "csrf_token": csrf}
        },
        ("POST", "/entry"): {
            "data": {
                "source": "matrix",
                "full_name": "Matrix Person",
                "csrf_token": csrf,
            }
        },
        ("POST", "/entry/upload"): {
            "files": {"file": ("m.csv", CSV, "text/csv")},
            "data": {"source": "matrix", "csrf_token": csrf},
        },
        ("POST", "/review/decide"): {
            "data": {
                "report_l": ids["left"],
                "report_r": ids["right"],
                "decision": "skip",
                "csrf_token": csrf,
            }
        },
        ("POST", "/review/relink"): {"data": {"csrf_token": csrf}},
        ("POST", "/api/evidence/{digest}/view"): {"data": {"csrf_token": csrf}},
        ("POST", "/api/claims"): {"json": claim},
        ("PUT", "/api/claims/{claim_id}"): {"json": {**claim, "reason": "matrix"}},
        ("POST", "/api/claims/{claim_id}/withdrawal"): {"json": {"reason": "matrix"}},
        ("POST", "/claims"): {"data": {**claim, "csrf_token": csrf}},
        ("POST", "/claims/{claim_id}/edit"): {
            "data": {**claim, "reason": "matrix", "csrf_token": csrf}
        },
        ("POST", "/claims/{claim_id}/withdraw"): {
            "data": {"reason": "matrix", "csrf_token": csrf}
        },
    }
    kw.update(bodies.get((method, path), {}))
    return client.request(method, url, **kw)


def _allowed(response: Any) -> bool:
    if response.status_code in (401, 403):
        return False
    return not (
        300 <= response.status_code < 400
        and response.headers.get("location", "").startswith("/login?next=")
    )


def _cases() -> Iterator[tuple[str, str, Role | None, str]]:
    for method, path in sorted(POLICY):
        objs = ("own", "other") if "{" in path else ("none",)
        for role in ROLES:
            for obj in objs:
                yield method, path, role, obj


RELINK_ROUTES = {("POST", "/review/relink"), ("POST", "/api/linkage/runs")}


@pytest.fixture
def cheap_heavy_work(
    monkeypatch: pytest.MonkeyPatch, template_home: Path
) -> list[Path]:
    """Relinking and estimating made cheap for the matrix, which is about who may call them.

    A relink returns the template's own linkage run (the same counts) without
    linking again, and notes the workspace it was asked to link: the matrix
    checks that only allowed requests got there. Estimates (dashboard,
    estimates page and plot, publish preview, the pages warmed after an
    import) come from the closed-form Chao lower bound instead of the model
    search. The real relink routes run in :func:`test_relink_routes_link_again`;
    the real estimates in test_pages.py, test_real_work.py and
    test_publish_page.py.
    """
    with Workspace.open(template_home) as ws:
        template_persons = len(persons_with_reports(ws.conn))
    relinked: list[Path] = []

    def recorded_relink(ws: Workspace, **_: Any) -> LinkRun:
        relinked.append(Path(ws.home).resolve())
        return LinkRun(
            run_id="run-matrix",
            n_reports=0,
            n_persons=template_persons,
            n_review=0,
            seconds=0.0,
            result=None,  # type: ignore[arg-type]  # the routes read only the counts
        )

    def closed_form(method: str = "", **_: Any) -> ChaoLowerBound:
        return ChaoLowerBound()

    monkeypatch.setattr(review, "link_workspace", recorded_relink)
    monkeypatch.setattr(gawah.estimate, "build_estimator", closed_form)
    # The web's fits are cached per process: keep the cheap ones out of later tests.
    monkeypatch.setattr(_numbers, "_cache", OrderedDict())
    return relinked


class TestMatrix:
    def test_every_route_has_a_policy(self, client: TestClient) -> None:
        """A route added without a policy row fails here; so does a stale row."""
        app = client.app
        assert set(_routes(app)) == set(POLICY)
        spec = app.openapi()  # type: ignore[attr-defined]
        documented = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
        assert documented <= set(POLICY)
        assert len(documented) >= 18

    @pytest.mark.filterwarnings("ignore::UserWarning")  # pandas date chatter in linkage
    def test_matrix(
        self,
        template_home: Path,
        tmp_path: Path,
        ids: dict[str, str],
        cheap_heavy_work: list[Path],
    ) -> None:
        """0 unexpected allows and 0 unexpected denials over every route x role x object.

        Refused requests run against one shared workspace whose ledger must not
        change; each allowed state change gets a fresh copy. Relinks and
        estimates are cheap stand-ins here (see :func:`cheap_heavy_work`).
        """
        shared = tmp_path / "shared"
        shutil.copytree(template_home, shared)
        unexpected_allow: list[str] = []
        unexpected_deny: list[str] = []
        cases = list(_cases())
        relinks_allowed: list[Path] = []
        with Workspace.open(shared) as ws:
            digest_before = ws.ledger.state_digest()
        with TestClient(create_app(shared)) as reader:
            for n, (method, path, role, obj) in enumerate(cases):
                expected = POLICY[(method, path)] is None or allows(
                    role, POLICY[(method, path)]
                )
                if method != "GET" and role is None:
                    expected = False  # no session, no CSRF token: anonymous cannot change state
                if method == "GET" or not expected:
                    client, home = reader, None
                else:  # an allowed state change gets a fresh copy of the workspace
                    home = tmp_path / f"c{n}"
                    shutil.copytree(template_home, home)
                    client = TestClient(create_app(home))
                    if (method, path) in RELINK_ROUTES:
                        relinks_allowed.append(home.resolve())
                headers = mint(client, role.value if role else None)
                r = _request(client, method, path, role, obj, ids, headers)
                got = _allowed(r)
                where = f"{method} {path} as {role} ({obj}) -> {r.status_code}"
                if got and not expected:
                    unexpected_allow.append(where)
                if expected and not got and (method, path) not in LOGIN_ROUTES:
                    unexpected_deny.append(where)
                if got and obj == "other" and "{name}" not in path:
                    assert r.status_code == 404, where  # others' ids are never found
                assert r.status_code < 500, where
                if home is not None:
                    client.close()
                    shutil.rmtree(home)
        with Workspace.open(shared) as ws:
            # GETs and refused changes leave the ledger as it was
            assert ws.ledger.state_digest() == digest_before
        assert len(cases) >= 150
        # exactly the allowed relinks reached the linkage, each on its own copy
        assert cheap_heavy_work == relinks_allowed
        assert len(relinks_allowed) == 2 * 2  # two routes, reviewer and admin
        assert unexpected_allow == []
        assert unexpected_deny == []


@pytest.mark.filterwarnings("ignore::UserWarning")  # pandas date chatter in linkage
def test_relink_routes_link_again(template_home: Path, tmp_path: Path) -> None:
    """Each relink route really links, for each role class allowed to relink.

    The matrix above stands a recorded run in for the linkage; here a reviewer
    relinks from the review page's form and an admin through the API, on one
    copy, and each run is recorded in the ledger with the template's persons.
    """
    home = tmp_path / "ws"
    shutil.copytree(template_home, home)
    with Workspace.open(home) as ws:
        persons = len(persons_with_reports(ws.conn))
        before = ws.ledger.state_digest()
    with TestClient(create_app(home, admin_mfa=False)) as client:
        headers = mint(client, Role.REVIEWER.value)
        page = client.post(
            "/review/relink",
            data={"csrf_token": headers["X-CSRF-Token"]},
            headers=headers,
            follow_redirects=False,
        )
        assert page.status_code == 303, page.text
        assert page.headers["location"] == f"/review?relinked={persons}"
        with Workspace.open(home) as ws:
            after_page = ws.ledger.state_digest()
        assert after_page != before
        headers = mint(client, Role.ADMIN.value)
        api = client.post("/api/linkage/runs", headers=headers)
        assert api.status_code == 201, api.text
        run = api.json()
        assert run["n_persons"] == persons
        assert run["n_reports"] > persons
    with Workspace.open(home) as ws:
        assert ws.ledger.state_digest() != after_page
        assert len(persons_with_reports(ws.conn)) == persons


def test_forged_cross_site_requests_are_refused(
    template_home: Path, tmp_path: Path, ids: dict[str, str]
) -> None:
    """Every state-changing route refuses an admin's request without the CSRF token (S26)."""
    home = tmp_path / "ws"
    shutil.copytree(template_home, home)
    with Workspace.open(home) as ws:
        before = ws.ledger.state_digest()
    unsafe = [(m, p) for m, p in sorted(POLICY) if m != "GET"]
    with TestClient(create_app(home)) as client:
        for method, path in unsafe:
            for forged in ({}, {"X-CSRF-Token": "forged"}):
                mint(client, Role.ADMIN.value)
                r = _request(client, method, path, Role.ADMIN, "own", ids, forged)
                assert r.status_code == 403, (method, path, forged, r.status_code)
    with Workspace.open(home) as ws:
        assert ws.ledger.state_digest() == before
    assert len(unsafe) >= 17
