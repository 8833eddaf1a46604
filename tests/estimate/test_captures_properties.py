"""Property tests: capture tables are canonical whatever order they arrive in."""

from __future__ import annotations

import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gawah.estimate import CaptureHistories


@st.composite
def cell_tables(draw: st.DrawFn) -> tuple[int, list[int]]:
    t = draw(st.integers(min_value=2, max_value=5))
    cells = draw(
        st.lists(
            st.integers(min_value=0, max_value=50), min_size=2**t - 1, max_size=2**t - 1
        )
    )
    if sum(cells) == 0:
        cells[0] = 1
    return t, [0, *cells]


@settings(max_examples=60, deadline=None)
@given(cell_tables(), st.randoms(use_true_random=False))
def test_permuting_lists_keeps_digest_and_total(
    table: tuple[int, list[int]], rnd: random.Random
) -> None:
    """Any permutation of the lists keeps the digest and the number observed."""
    t, cells = table
    caps = CaptureHistories.from_cell_counts(tuple(f"L{j}" for j in range(t)), cells)
    order = list(caps.lists)
    rnd.shuffle(order)
    moved = caps.reorder(order)
    assert moved.digest() == caps.digest()
    assert moved.n_observed == caps.n_observed == sum(cells)
    assert moved.reorder(caps.lists) == caps


@settings(max_examples=60, deadline=None)
@given(cell_tables())
def test_cell_counts_roundtrip(table: tuple[int, list[int]]) -> None:
    """from_cell_counts and cell_counts are inverse to each other."""
    t, cells = table
    caps = CaptureHistories.from_cell_counts(tuple(f"L{j}" for j in range(t)), cells)
    assert np.array_equal(caps.cell_counts(), np.asarray(cells))
