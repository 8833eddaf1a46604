"""Signature checks on worker processes give the verdicts of the checks in-process."""

from __future__ import annotations

import sqlite3
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool, ProcessPoolExecutor
from typing import Any

import pytest

from gawah.ledger import signatures as signatures_module
from gawah.ledger import verify_store
from gawah.ledger.signatures import SignatureChecks, Signed, check_signatures
from gawah.testing.signer import FixedSigner
from gawah.workspace import Workspace


def _items() -> list[Signed]:
    """Good and bad checks of two devices: valid, wrong bytes, wrong key, mangled."""
    one, two = FixedSigner("sig-one"), FixedSigner("sig-two")
    out: list[Signed] = []
    for i in range(40):
        raw = f'{{"n": {i}}}'.encode()
        signer, other = (one, two) if i % 2 else (two, one)
        signature, key = signer.sign(raw), bytes.fromhex(signer.device)
        match i % 5:
            case 1:
                raw = raw + b" "  # bytes changed after signing
            case 2:
                key = bytes.fromhex(other.device)  # signed by another device
            case 3:
                signature = bytes([signature[0] ^ 1]) + signature[1:]
        out.append((signature, raw, key))
    return out


class _CountingPool(ProcessPoolExecutor):
    started = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        type(self).started += 1
        super().__init__(*args, **kwargs)


def test_processes_and_threads_give_the_same_verdicts() -> None:
    """Every verdict from a worker process equals the in-process check's."""
    items = _items()
    expected = check_signatures(items)
    assert expected.count(False) == 24  # three bad kinds of five, of 40
    for processes in (True, False):
        with SignatureChecks(2, processes=processes, process_after=0) as checks:
            batches = [items[i : i + 7] for i in range(0, len(items), 7)]
            futures = [checks.submit(batch) for batch in batches]
            got = [
                v
                for future, batch in zip(futures, batches, strict=True)
                for v in checks.answer(future, batch)
            ]
            assert checks.in_processes is processes
        assert got == expected


def test_a_batch_whose_worker_died_is_checked_again_here() -> None:
    """A broken worker process never turns into a verdict: the batch is rechecked."""
    items = _items()
    dead: Future[list[bool]] = Future()
    dead.set_exception(BrokenProcessPool("worker killed"))
    assert SignatureChecks.answer(dead, items) == check_signatures(items)


def test_a_bad_signature_found_by_a_worker_process_fails_verify_naming_the_event(
    three_feeds: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """verify_store on worker processes still names the event whose signature fails."""
    monkeypatch.setattr(signatures_module, "PROCESS_AFTER", 0)
    monkeypatch.setattr(signatures_module, "ProcessPoolExecutor", _CountingPool)
    mem = sqlite3.connect(":memory:")
    three_feeds.conn.backup(mem)
    pos, event_id, signature = mem.execute(
        "SELECT pos, id, signature FROM ledger_events ORDER BY pos LIMIT 1 OFFSET 40"
    ).fetchone()
    assert verify_store(mem).ok
    forged = bytes([signature[5] ^ 0x40]).join([signature[:5], signature[6:]])
    mem.execute("UPDATE ledger_events SET signature = ? WHERE pos = ?", (forged, pos))
    started = _CountingPool.started
    report = verify_store(mem)
    assert _CountingPool.started > started
    assert not report.ok
    assert [(p.event_id, p.reason) for p in report.problems] == [
        (event_id, "bad signature")
    ]
