"""Teams of FICTIONAL workspaces for the sync tests: one authority, enrolled devices."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from gawah.sync import ImportResult, export_bundle, import_bundle
from gawah.testing.signer import fixed_seed
from gawah.workspace import Workspace

_COUNTER = itertools.count()


def make_team(root: Path, size: int, tag: str = "sync") -> list[Workspace]:
    """An authority (index 0) and ``size - 1`` devices it enrolled; all open.

    Every device holds the authority's enrolments (sent to it in a bundle).
    """
    hq = Workspace.init(
        root / "hq", author="FICTIONAL HQ", key_seed=fixed_seed(f"{tag}-hq")
    )
    team = [hq]
    for i in range(1, size):
        ws = Workspace.init(
            root / f"team{i}",
            author=f"FICTIONAL team {i}",
            key_seed=fixed_seed(f"{tag}-team{i}"),
            join=hq.identity,
        )
        hq.enrol_device(ws.identity, f"FICTIONAL team {i}")
        team.append(ws)
    for ws in team[1:]:
        send(hq, ws, root)
    return team


def send(
    src: Workspace, dst: Workspace, root: Path, *, since: str | None = None
) -> ImportResult:
    """Export from ``src`` to ``dst`` and import there."""
    path = root / f"bundle-{next(_COUNTER)}.gawah"
    export_bundle(src, [dst.identity], path, since=since)
    return import_bundle(dst, path)


@pytest.fixture
def team(tmp_path: Path) -> Iterator[list[Workspace]]:
    """HQ and two enrolled teams."""
    workspaces = make_team(tmp_path, 3)
    yield workspaces
    for ws in workspaces:
        ws.close()
