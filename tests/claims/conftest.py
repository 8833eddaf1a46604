"""Fixtures for the claims tests: a workspace with one FICTIONAL incident."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gawah.claims.projection import PROJECTOR as CLAIMS
from gawah.core import fixed_clock
from gawah.registry import record_incident
from gawah.registry.projection import PROJECTOR as REGISTRY
from gawah.testing.signer import fixed_seed
from gawah.workspace import Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace.init(
        tmp_path / "ws",
        author="FICTIONAL documenter",
        key_seed=fixed_seed("claims-tests"),
        clock=fixed_clock(),
        projectors=[REGISTRY, CLAIMS],
    )
    record_incident(
        workspace,
        "FICTIONAL crackdown in Karak",
        incident_id="karak",
        date="2024-05-09",
    )
    yield workspace
    workspace.close()
