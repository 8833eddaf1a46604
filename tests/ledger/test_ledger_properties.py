"""Property tests: any arrival order of the same events gives the same verified state."""

from __future__ import annotations

import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st

from gawah.ledger import Ledger
from gawah.ledger.store import SCHEMA
from gawah.testing.signer import FixedSigner, signed_feed

_FEEDS = [
    signed_feed(
        FixedSigner(name), [("report.recorded", {"n": i, "by": name}) for i in range(8)]
    )
    for name in ("p", "q", "r")
]
_ALL = [item for feed in _FEEDS for item in feed]


def _ledger() -> Ledger:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.executescript(SCHEMA)
    return Ledger(conn, signer=None, author="FICTIONAL")


class TestArrivalOrder:
    def test_any_order_with_duplicates_converges(self) -> None:
        """Shuffled and partly repeated deliveries verify and give one state digest
        (60 examples, counted: S32)."""
        reference = _ledger()
        for raw, sig in _ALL:
            reference.receive(raw, sig)
        expected = reference.state_digest()
        ran: list[int] = []

        @settings(max_examples=60, deadline=None, database=None)
        @given(
            st.permutations(range(len(_ALL))), st.lists(st.integers(0, 23), max_size=6)
        )
        def converges(order: list[int], repeats: list[int]) -> None:
            ledger = _ledger()
            for index in [*order, *repeats]:
                ledger.receive(*_ALL[index])
            assert ledger.count() == len(_ALL)
            assert ledger.state_digest() == expected
            report = ledger.verify()
            assert report.ok
            assert report.devices == 3
            ran.append(1)

        converges()
        assert len(ran) >= 60

    def test_missing_events_are_gaps_unless_at_the_tail(self) -> None:
        """Withholding events leaves a gap problem exactly when a later seq arrived
        (40 examples, counted: S32)."""
        ran: list[int] = []

        @settings(max_examples=40, deadline=None, database=None)
        @given(st.sets(st.integers(0, 23), min_size=1, max_size=23))
        def gaps(dropped: set[int]) -> None:
            ledger = _ledger()
            for index, item in enumerate(_ALL):
                if index not in dropped:
                    ledger.receive(*item)
            expect_gap = any(
                (i % 8) < 7
                and any(j not in dropped for j in range(i + 1, i - i % 8 + 8))
                for i in dropped
            )
            report = ledger.verify()
            assert (not report.ok) == expect_gap
            ran.append(1)

        gaps()
        assert len(ran) >= 40


class TestEquivocation:
    def test_random_forked_pairs_are_all_flagged(self) -> None:
        """1,000 random forks with both branches' checkpoints: all flagged as equivocation (S05)."""
        import random

        from gawah.testing.signer import feed_checkpoint

        rng = random.Random(7)
        signer = FixedSigner("equivocator")
        cases = flagged = 0
        for case in range(1000):
            n = rng.randint(2, 12)
            k = rng.randint(1, n)
            common = [("toy.a", {"i": i}) for i in range(k - 1)]
            a = signed_feed(
                signer,
                [*common, *[("toy.a", {"a": case, "i": i}) for i in range(n - k + 1)]],
            )
            b = signed_feed(
                signer,
                [*common, *[("toy.b", {"b": case, "i": i}) for i in range(n - k + 1)]],
            )
            ledger = _ledger()
            ledger.receive_many(a)
            ledger.receive_many(b)
            ledger.add_checkpoint(feed_checkpoint(signer, [raw for raw, _ in a]))
            ledger.add_checkpoint(feed_checkpoint(signer, [raw for raw, _ in b]))
            report = ledger.verify()
            cases += 1
            flagged += (
                report.ok
                and report.forked_devices == (signer.device,)
                and len(report.equivocations) == 1
            )
        assert cases == 1000
        assert flagged == cases
