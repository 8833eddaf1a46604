"""Shared fixtures for the estimation tests.

The reference datasets (published aggregate capture tables, no personal data)
and the R packages' numbers live in ``tests/data/mse`` with their provenance
(``tests/data/mse/README.md``), so no test skips on a fresh clone.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gawah.estimate import CaptureHistories

MSE_DIR = Path(__file__).resolve().parents[1] / "data" / "mse"
REFERENCE_JSON = MSE_DIR / "REFERENCE.json"


@pytest.fixture(scope="session")
def reference() -> dict[str, Any]:
    """REFERENCE.json: what the R packages returned on every dataset."""
    data: dict[str, Any] = json.loads(REFERENCE_JSON.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="session")
def load_dataset() -> Any:
    """Function loading a reference dataset by name as CaptureHistories."""

    def load(name: str) -> CaptureHistories:
        return CaptureHistories.from_csv(MSE_DIR / f"{name}.csv")

    return load


@pytest.fixture(scope="session")
def simulate() -> Any:
    """Function making FICTIONAL capture histories (see ``simulated_captures``)."""
    return simulated_captures


def simulated_captures(
    n_total: int = 3000,
    probs: tuple[float, ...] = (0.3, 0.25, 0.2, 0.35),
    seed: int = 20240601,
    names: tuple[str, ...] | None = None,
) -> CaptureHistories:
    """FICTIONAL capture histories: independent lists with known capture probabilities."""
    rng = np.random.default_rng(seed)
    caught = rng.random((n_total, len(probs))) < np.asarray(probs)
    seen = caught[caught.any(axis=1)]
    lists = names or tuple(f"L{j + 1}" for j in range(len(probs)))
    return CaptureHistories(
        lists, seen.astype(np.uint8), np.ones(seen.shape[0], dtype=np.int64)
    )


@dataclass(frozen=True)
class LinkedDemo:
    """The FICTIONAL demo workspace, imported and linked once per session."""

    home: Path
    incident_id: str
    #: Persons the linkage run found.
    n_persons: int

    def copy(self, folder: Path) -> Path:
        """A private copy under ``folder`` (the session's own is never changed)."""
        target = folder / "demo"
        shutil.copytree(self.home, target)
        return target


@pytest.fixture(scope="session")
def linked_demo_once(tmp_path_factory: pytest.TempPathFactory) -> LinkedDemo:
    """Building and linking the demo takes tens of seconds: the modules share one.

    Tests use :meth:`LinkedDemo.copy`, never ``home`` itself.
    """
    from gawah.demo import build_demo_workspace
    from gawah.linkage import link_workspace
    from gawah.workspace import Workspace

    home = tmp_path_factory.mktemp("linked-demo") / "demo"
    summary = build_demo_workspace(home)
    with Workspace.open(home) as ws:
        run = link_workspace(ws)
    return LinkedDemo(home, summary.incident_id, run.n_persons)
