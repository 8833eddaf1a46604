"""The garbage collector pause of bulk passes: the collector is never left off."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from gawah.ledger.bulk import gc_paused
from gawah.workspace import Workspace


@pytest.fixture
def collector_on() -> Iterator[None]:
    """The collector on for the test, and as it was afterwards, whatever the test did.

    (Restoring only "off" left it off for the rest of the suite after the test
    that turns it off; with no cyclic collection, the Spark tests' Java objects
    held by Python-side cycles were never released and the JVM ran out of heap.)
    """
    was = gc.isenabled()
    gc.enable()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


@pytest.mark.usefixtures("collector_on")
class TestPausedCollector:
    def test_paused_inside_and_enabled_again_after(self) -> None:
        with gc_paused():
            assert not gc.isenabled()
        assert gc.isenabled()

    def test_enabled_again_after_an_exception(self) -> None:
        with pytest.raises(RuntimeError), gc_paused():
            raise RuntimeError("FICTIONAL failure inside a bulk pass")
        assert gc.isenabled()

    def test_left_off_when_it_was_off(self) -> None:
        """A program that turned the collector off keeps it off."""
        gc.disable()
        with gc_paused():
            pass
        assert not gc.isenabled()

    def test_verify_leaves_it_enabled(self, three_feeds: Workspace) -> None:
        """A verify (good, then of a damaged ledger) runs with the collector off
        and turns it back on."""
        seen: list[bool] = []
        assert three_feeds.ledger.verify(
            progress=lambda _: seen.append(gc.isenabled())
        ).ok
        three_feeds.conn.execute(
            "UPDATE ledger_events SET raw = CAST('FICTIONAL' AS BLOB) WHERE pos = 5"
        )
        assert not three_feeds.ledger.verify().ok
        assert seen
        assert not any(seen)
        assert gc.isenabled()


def test_the_suite_runs_with_the_collector_on() -> None:
    """Runs after the class above: no test leaves the collector off for the rest."""
    assert gc.isenabled()
