"""S04: a device rolled back k = 1…n events is caught at its next exchange.

A hash chain cannot show that its newest events were cut, and a device restored
whole from an older copy (database and the checkpoints kept beside it) has
nothing left locally to compare with. The peer that holds the device's
checkpoint of size n can: when the restored device sends a bundle, the peer
reports that its feed is k events shorter than what it signed; when the peer
sends its bundle back, the restored device reports that k of its own events
came back. All data is FICTIONAL.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from gawah.sync import export_bundle, import_bundle
from gawah.sync.cli import _rollback_line
from gawah.workspace import Workspace

from .conftest import make_team, send

FEED = 8


def test_every_rollback_depth_is_reported_on_both_sides(tmp_path: Path) -> None:
    """S04: for each k = 1…8, the restored device's bundle makes HQ (holding its
    checkpoint of size 8) report the k lost events, and HQ's bundle makes the
    restored device report its own k events coming back (and restores them);
    exchanges of the intact device, and a replayed bundle, report nothing."""
    hq, a = make_team(tmp_path / "team", 2, tag="s04")
    home = a.home
    backups = tmp_path / "backups"
    a.close()
    for size in range(FEED):  # the device as it was with `size` events of its own
        shutil.copytree(home, backups / str(size))
        with Workspace.open(home) as ws:
            ws.append("toy.a", {"i": size})
    with Workspace.open(home) as a:
        old = tmp_path / "old.gawah"
        export_bundle(a, [hq.identity], old)
        assert import_bundle(hq, old).rollbacks == ()  # an intact device
        assert send(hq, a, tmp_path).rollbacks == ()
        device = a.device
    assert import_bundle(hq, old).rollbacks == ()  # a replay
    assert max(cp.size for cp in hq.ledger.checkpoints(device)) == FEED
    caught_by_peer = caught_by_self = 0
    for k in range(1, FEED + 1):
        restored_home = tmp_path / f"restored-{k}"
        shutil.copytree(backups / str(FEED - k), restored_home)
        with Workspace.open(restored_home) as restored:
            assert restored.ledger.feed_size(device) == FEED - k
            seen = send(restored, hq, tmp_path).rollbacks
            caught_by_peer += [(r.device, r.had, r.held, r.own) for r in seen] == [
                (device, FEED - k, FEED, False)
            ]
            if k == FEED:  # what `gawah sync import` prints for each
                lines = [_rollback_line(r) for r in seen]
                assert "lost its last 8" in lines[0]
            back = send(hq, restored, tmp_path).rollbacks
            caught_by_self += [(r.device, r.had, r.held, r.own) for r in back] == [
                (device, FEED - k, FEED, True)
            ]
            assert restored.ledger.feed_size(device) == FEED
            assert restored.ledger.verify().ok
        shutil.rmtree(restored_home)
    assert caught_by_peer == caught_by_self == FEED
    hq.close()


def test_a_copy_that_went_on_apart_is_a_fork_not_a_rollback(tmp_path: Path) -> None:
    """A copy of a device that signed more events than the device itself: when
    they reach the device, it reports a fork, and no rollback of its own feed
    (those events chain to the copy's branch, not to its own head)."""
    hq, a = make_team(tmp_path / "team", 2, tag="s04-copy")
    a.append("toy.a", {"i": 0})
    a.close()
    shutil.copytree(a.home, tmp_path / "copy")
    with (
        Workspace.open(a.home) as original,
        Workspace.open(tmp_path / "copy") as copy,
    ):
        original.append("toy.a", {"branch": "original"})
        copy.append_many([("toy.b", {"branch": "copy", "i": i}) for i in range(3)])
        send(copy, hq, tmp_path)
        back = send(hq, original, tmp_path)
        assert original.ledger.feed_size(original.device) == 4  # the copy's tail
        assert [f.device for f in back.forks] == [original.device]
        assert back.rollbacks == ()
    hq.close()
