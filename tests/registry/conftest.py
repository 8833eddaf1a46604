"""Fixtures for registry tests: a real workspace and a writer of small lists."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from _registry_helpers import ListWriter

from gawah.registry import record_incident
from gawah.testing.signer import fixed_seed
from gawah.workspace import Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace.init(
        tmp_path / "ws",
        author="FICTIONAL documenter",
        key_seed=fixed_seed("registry-tests"),
    )
    record_incident(
        workspace, "FICTIONAL test incident", incident_id="inc", date="2031"
    )
    yield workspace
    workspace.close()


@pytest.fixture
def write_list(tmp_path: Path) -> ListWriter:
    """Write rows (first row = headers) as a CSV in the given encoding."""

    def write(
        rows: list[list[str]], name: str = "list.csv", encoding: str = "utf-8"
    ) -> Path:
        path = tmp_path / name
        with path.open("w", encoding=encoding, newline="") as fh:
            csv.writer(fh).writerows(rows)
        return path

    return write
