"""S11: merging is a join: commutative, associative, idempotent, order-free.

A bundle import stores the union of the events it verified
(:meth:`gawah.ledger.log.EventLog.receive_bundle`, what ``gawah sync import``
calls once its own checks pass). SECURITY.md S11 (T1) asks for 200 random
histories per law. Each example draws three replicas A, B, C as random sets of
events from four FICTIONAL feeds, one of them forked (its device signed two
histories), and a schedule of up to five bundles with repeats; all four laws are
checked on every example, so each is checked as many times as there are
examples, a count the test asserts (S32).

Equal means: the same state digest and event count, the same forked devices,
the same verdict from ``verify`` and the same problems (gaps; in any order), and the same Merkle root for every feed that
is not forked (a forked feed's tree depends on which branch arrived first; the
fork itself is what every replica reports).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import NamedTuple

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gawah.ledger import Ledger, MerkleTree, verify_store
from gawah.ledger.store import SCHEMA
from gawah.testing.signer import FixedSigner, signed_feed

EXAMPLES = 200
Item = tuple[bytes, bytes]


def _pool() -> list[Item]:
    """Three straight feeds of 4 events and one device that forked after seq 2."""
    pool: list[Item] = []
    for name in ("law-p", "law-q", "law-r"):
        pool += signed_feed(
            FixedSigner(name), [("report.recorded", {"n": i}) for i in range(4)]
        )
    forker = FixedSigner("law-forker")
    common = [("report.recorded", {"n": i}) for i in range(2)]
    pool += signed_feed(forker, [*common, *[("toy.a", {"a": i}) for i in range(3)]])
    pool += signed_feed(forker, [*common, *[("toy.b", {"b": i}) for i in range(2)]])[2:]
    return pool


POOL = _pool()
FORKER = FixedSigner("law-forker").device


class Replica(NamedTuple):
    ledger: Ledger
    conn: sqlite3.Connection


def _ledger(*deliveries: Sequence[Item]) -> Replica:
    """An empty ledger that received each delivery as one bundle, in order."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.executescript(SCHEMA)
    ledger = Ledger(conn, signer=None, author="FICTIONAL")
    for items in deliveries:
        ledger.log.receive_bundle(list(items))
    return Replica(ledger, conn)


def _held(replica: Replica) -> list[Item]:
    """What a bundle of everything the ledger holds carries (arrival order)."""
    return [(e.raw, e.signature) for e in replica.ledger.events()]


def _state(replica: Replica) -> tuple[object, ...]:
    # The ledger's own verifier, on this thread (the examples are small).
    report = verify_store(replica.conn, threads=1)
    ledger = replica.ledger
    roots = {}
    for device in ledger.devices():
        if device in report.forked_devices:
            continue
        leaves = [leaf for _seq, _id, leaf in ledger.feed_entries(device)]
        roots[device] = MerkleTree(leaves).root(len(leaves))
    return (
        ledger.state_digest(),
        ledger.count(),
        report.forked_devices,
        report.ok,
        # Which of a forked seq's events a gap report names depends on arrival.
        sorted((p.device, p.seq or 0, p.reason) for p in report.problems),
        roots,
    )


_replica = st.frozensets(st.integers(0, len(POOL) - 1)).map(
    lambda picked: [POOL[i] for i in sorted(picked)]
)


def test_merge_laws_hold_on_random_histories() -> None:
    """S11: merge(A,B) = merge(B,A); (A∪B)∪C = A∪(B∪C); merge(A,A) = A and a
    second import adds 0 rows; any order of up to 5 bundles, repeats included,
    gives the state of their union. 200 examples, every law on each."""
    checked: dict[str, int] = dict.fromkeys(
        ("commutative", "associative", "idempotent", "schedule"), 0
    )

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(
        a=_replica,
        b=_replica,
        c=_replica,
        bundles=st.lists(_replica, min_size=1, max_size=5),
        schedule=st.data(),
    )
    def laws(
        a: list[Item],
        b: list[Item],
        c: list[Item],
        bundles: list[list[Item]],
        schedule: st.DataObject,
    ) -> None:
        assert _state(_ledger(a, b)) == _state(_ledger(b, a))
        checked["commutative"] += 1

        ab_then_c = _ledger(a, b, c)
        a_then_bc = _ledger(a, _held(_ledger(b, c)))
        assert _state(ab_then_c) == _state(a_then_bc)
        checked["associative"] += 1

        once = _ledger(a)
        before = _state(once)
        assert once.ledger.log.receive_bundle(_held(once)) == []
        assert once.ledger.log.receive_bundle(list(a)) == []
        assert _state(once) == before == _state(_ledger(a, a))
        checked["idempotent"] += 1

        repeats = schedule.draw(
            st.lists(st.integers(0, len(bundles) - 1), max_size=len(bundles))
        )
        order = schedule.draw(st.permutations([*range(len(bundles)), *repeats]))
        union = sorted({item for items in bundles for item in items})
        scheduled = _ledger(*(bundles[i] for i in order))
        assert _state(scheduled) == _state(_ledger(union))
        checked["schedule"] += 1

    laws()
    assert min(checked.values()) >= EXAMPLES, checked
