"""Tamper evidence (S03): random single-byte mutations of stored bytes are all detected."""

from __future__ import annotations

import random
import sqlite3

from gawah.ledger import verify_store
from gawah.workspace import Workspace

MUTATIONS = 10_000

# (table, column) pairs an attacker with write access to the database might alter.
TARGETS = (
    ("ledger_events", "raw"),
    ("ledger_events", "signature"),
    ("ledger_checkpoints", "note"),
)


def _mutate(data: bytes, rng: random.Random) -> tuple[bytes, int]:
    """Change one byte (half of the time a single bit) at a random offset."""
    offset = rng.randrange(len(data))
    old = data[offset]
    new = old ^ (1 << rng.randrange(8)) if rng.random() < 0.5 else old
    while new == old:
        new = rng.randrange(256)
    return data[:offset] + bytes([new]) + data[offset + 1 :], offset


class TestTamperEvidence:
    def test_random_single_byte_mutations_are_all_detected(
        self, three_feeds: Workspace
    ) -> None:
        """10,000 single-byte mutations of events, signatures, checkpoints: 100% caught.

        Each mutation goes into an in-memory copy of a 64-event, 3-device workspace;
        the real verifier runs over the mutated device's feed and checkpoints, and
        for event mutations it must name the mutated event as the first problem.
        """
        mem = sqlite3.connect(":memory:")
        three_feeds.conn.backup(mem)
        assert verify_store(mem).ok
        rows = {
            (table, column): mem.execute(
                f"SELECT pos, device, {column}"
                + (", id" if table == "ledger_events" else ", NULL")
                + f" FROM {table}"
            ).fetchall()
            for table, column in TARGETS
        }
        rng = random.Random(19481210)
        cases = detected = located = event_cases = 0
        for _ in range(MUTATIONS):
            table, column = rng.choice(TARGETS)
            pos, device, original, event_id = rng.choice(rows[table, column])
            mutated, _offset = _mutate(bytes(original), rng)
            update = f"UPDATE {table} SET {column} = ? WHERE pos = ?"
            mem.execute(update, (mutated, pos))
            report = verify_store(mem, devices=[device], threads=1)
            mem.execute(update, (original, pos))
            cases += 1
            detected += not report.ok
            if event_id is not None:
                event_cases += 1
                first = report.first_problem
                located += first is not None and first.event_id == event_id
        assert cases == MUTATIONS
        assert detected == MUTATIONS
        assert event_cases > MUTATIONS // 2
        assert located == event_cases
        assert verify_store(mem).ok
