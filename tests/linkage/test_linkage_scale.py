"""Scale mechanics of linkage: normalisation shared between worker processes."""

from __future__ import annotations

import pandas as pd
import pytest

from gawah.linkage import normalise
from gawah.testing.linkage_data import generate_linked_lists


def test_worker_processes_give_the_same_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks normalised by worker processes join into the frame one process builds."""
    data = generate_linked_lists(60, seed=3)
    reports = pd.concat(
        [f.assign(list=name) for name, f in data.lists.items()], ignore_index=True
    ).fillna("")
    alone = normalise._normalise_rows(reports, chunk=25)
    monkeypatch.setattr(normalise, "_PARALLEL_ROWS", 0)
    shared = normalise._normalise_rows(reports, chunk=25)
    assert len(reports) > 100  # several chunks, more than the workers at once
    pd.testing.assert_frame_equal(shared, alone)
