"""schemathesis over the OpenAPI document, in-process, as every role: 0 server errors (S29)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

import gawah.publish
from gawah.web import create_app

from .conftest import ROLES, TestClient, mint

# Operations that end the fuzzing session itself or relink for seconds per example;
# the access matrix covers them.
EXCLUDED = {"/api/session", "/api/me/password", "/api/users/{name}/disable",
            "/api/linkage/runs"}  # fmt: skip
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 4  # per operation, mode and role (CI tier T1 budget)


def _fuzz(
    op: Any,
    mode: GenerationMode,
    role: Any,
    headers: dict[str, str],
    cookies: dict[str, str],
) -> Any:
    """A hypothesis test of one operation, mode and role; calling it returns its calls."""
    count = [0]

    @given(case=op.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )
    def run(case: Any) -> None:
        response = case.call(headers=headers, cookies=cookies)
        count[0] += 1
        assert response.status_code < 500, (
            case.method,
            case.path,
            role,
            response.status_code,
        )
        if mode is GenerationMode.POSITIVE:
            # Domain rules beyond the schema (a list must parse) may refuse
            # schema-valid data, so "positive data accepted" is not checked.
            case.validate_response(response, checks=CHECKS)

    def go() -> int:
        run()
        return count[0]

    return go


@pytest.fixture
def gather_once_per_state(
    monkeypatch: pytest.MonkeyPatch,
) -> dict[tuple[Any, ...], Any]:
    """The publish preview's release data, computed once per ledger state and incident.

    The preview fits every method for every status on each call and is not
    cached by the app; between two appended events its answer cannot change,
    so repeating it for every fuzzed query string only repeats the fits. The
    route itself (its parsing, its errors, its response) runs on every call.
    Returns what was computed, by key.
    """
    real = gawah.publish.gather
    kept: dict[tuple[Any, ...], Any] = {}

    def once(ws: Any, incident: str, *args: Any, **kwargs: Any) -> Any:
        key = (ws.ledger.head(), incident, repr(args), repr(sorted(kwargs.items())))
        if key not in kept:
            kept[key] = real(ws, incident, *args, **kwargs)
        return kept[key]

    monkeypatch.setattr(gawah.publish, "gather", once)
    return kept


def test_no_server_errors(
    template_home: Path,
    tmp_path: Path,
    gather_once_per_state: dict[tuple[Any, ...], Any],
) -> None:
    """Positive and negative inputs, as every role, never give a 5xx or break the schema."""
    home = tmp_path / "ws"
    shutil.copytree(template_home, home)
    app = create_app(home)
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    operations = [
        r.ok() for r in schema.get_all_operations() if r.ok().path not in EXCLUDED
    ]
    assert len(operations) >= 13
    calls = 0
    with TestClient(app) as client:
        sessions = []
        for role in ROLES:
            headers = mint(client, role.value if role else None)
            sessions.append((role, headers, dict(client.cookies.items())))
        for op in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                for role, headers, cookies in sessions:
                    try:
                        calls += _fuzz(op, mode, role, headers, cookies)()
                    except Exception as exc:  # unsatisfiable negative schemas are fine
                        if type(exc).__name__ != "Unsatisfiable":
                            raise
    print(f"schemathesis: {len(operations)} operations, {calls} calls")
    assert gather_once_per_state  # the preview really gathered a release
    assert calls >= len(operations) * len(ROLES) * 2
