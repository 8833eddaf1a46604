"""Custody identities are sealed: nowhere in the open, opened with the key, erasable.

A FICTIONAL canary source name is given as ``--received-from`` and as a
transfer's ``--to``; then no byte of it (UTF-8, UTF-16) may be in any file of
the workspace folder, in the default listings or the default export. With
``--include-sensitive`` it comes back exactly; after ``erase-sources`` nobody
can read it and the ledger still verifies.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from gawah.evidence import custody_history, get_evidence
from gawah.evidence.model import CUSTODY_DETAILS, TRANSFERRED
from gawah.sealing import Opener, erasures
from gawah.testing.evidence_media import image_bytes, scene
from gawah.workspace import Workspace

CANARY = "FICTIONAL Canary Source 7731"
NEEDLES = [CANARY.encode(e) for e in ("utf-8", "utf-16-le", "utf-16-be")]


def _gawah(
    capsys: pytest.CaptureFixture[str], mp: pytest.MonkeyPatch, *args: str
) -> tuple[int, str]:
    from gawah.cli import main

    capsys.readouterr()
    mp.setattr(sys, "argv", ["gawah", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, " ".join((out.out + " " + out.err).split())


def _leaks(folder: Path) -> list[str]:
    """Files under ``folder`` holding the canary in any encoding."""
    return [
        str(f.relative_to(folder))
        for f in sorted(folder.rglob("*"))
        if f.is_file() and any(n in f.read_bytes() for n in NEEDLES)
    ]


@pytest.fixture
def seeded(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[Path, str]:
    """A workspace with one photo received from, and transferred to, the canary."""
    monkeypatch.setenv("COLUMNS", "200")
    home = tmp_path / "ws"
    code, out = _gawah(
        capsys, monkeypatch, "init", "--home", str(home),
        "--author", "FICTIONAL doc", "--no-passphrase",
    )  # fmt: skip
    assert code == 0, out
    photo = tmp_path / "photo.png"
    photo.write_bytes(image_bytes(scene(3)))
    code, out = _gawah(
        capsys, monkeypatch, "evidence", "add", str(photo), "--home", str(home),
        "--report", "R-1", "--received-from", CANARY,
    )  # fmt: skip
    assert code == 0, out
    with Workspace.open(home) as ws:
        digest = get_evidence(ws.conn, _only_digest(ws)).digest  # type: ignore[union-attr]
    code, out = _gawah(
        capsys, monkeypatch, "evidence", "custody", digest, "transferred",
        "--to", CANARY, "--place", "FICTIONAL office", "--home", str(home),
    )  # fmt: skip
    assert code == 0, out
    return home, digest


def _only_digest(ws: Workspace) -> str:
    return str(ws.conn.execute("SELECT digest FROM evidence_items").fetchone()[0])


def test_canary_sealed_everywhere_and_round_trips(
    seeded: tuple[Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home, digest = seeded
    assert _leaks(home) == []
    for args, flag in (
        (["list"], "--include-sensitive"),
        (["history", digest], "--include-sensitive"),
        (["show", digest], "--sensitive"),
    ):
        code, out = _gawah(capsys, monkeypatch, "evidence", *args, "--home", str(home))
        assert code == 0, out
        assert CANARY not in out
        code, out = _gawah(
            capsys, monkeypatch, "evidence", *args, flag, "--home", str(home)
        )
        assert code == 0, out
        assert CANARY in out
    plain = tmp_path / "plain"
    code, out = _gawah(
        capsys, monkeypatch, "evidence", "export", "--report", "R-1",
        "--to", str(plain), "--home", str(home),
    )  # fmt: skip
    assert code == 0, out
    assert _leaks(plain) == []
    full = tmp_path / "full"
    code, out = _gawah(
        capsys, monkeypatch, "evidence", "export", "--report", "R-1",
        "--to", str(full), "--include-sensitive", "--home", str(home),
    )  # fmt: skip
    assert code == 0, out
    opened = json.loads((full / "manifest.json").read_text())["custody_details"]
    assert sorted(f.get("received_from", f.get("to")) for f in opened.values()) == [
        CANARY,
        CANARY,
    ]
    with Workspace.open(home) as ws, Opener(ws) as opener:
        entries = custody_history(
            ws.conn, digest, include_sensitive=True, opener=opener
        )
        assert next(e.detail.get("received_from") for e in entries) == CANARY
        assert entries[1].detail["to"] == CANARY
        assert entries[1].detail["place"] == "FICTIONAL office"
        # without an opener the sealed values stay withheld
        withheld = custody_history(ws.conn, digest, include_sensitive=True)
        assert CANARY not in str([e.detail for e in withheld])
        ws.ledger.rebuild()  # the tables hold ciphertext: a rebuild is the same
        again = custody_history(ws.conn, digest, include_sensitive=True, opener=opener)
        assert [e.detail for e in again] == [e.detail for e in entries]
    for command in (["evidence", "verify"], ["ledger", "verify"]):
        code, out = _gawah(capsys, monkeypatch, *command, "--home", str(home))
        assert code == 0, out


def test_erase_sources(
    seeded: tuple[Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home, digest = seeded
    code, out = _gawah(
        capsys, monkeypatch, "evidence", "erase-sources", digest[:12],
        "--reason", "FICTIONAL request", "--home", str(home),
    )  # fmt: skip
    assert code == 0, out
    for args in (["list"], ["history", digest]):
        code, out = _gawah(
            capsys, monkeypatch, "evidence", *args, "--include-sensitive",
            "--home", str(home),
        )  # fmt: skip
        assert code == 0, out
        assert CANARY not in out
    full = tmp_path / "full"
    code, out = _gawah(
        capsys, monkeypatch, "evidence", "export", "--report", "R-1",
        "--to", str(full), "--include-sensitive", "--home", str(home),
    )  # fmt: skip
    assert code == 0, out
    assert _leaks(full) == []
    with Workspace.open(home) as ws, Opener(ws) as opener:
        item = get_evidence(ws.conn, digest, include_sensitive=True, opener=opener)
        assert item is not None
        assert item.received_from is None
        (erased,) = erasures(ws.conn, f"custody:{digest}")
        assert (erased.reason, erased.author) == ("FICTIONAL request", "FICTIONAL doc")
    for command in (["ledger", "verify"], ["evidence", "verify"]):
        code, out = _gawah(capsys, monkeypatch, *command, "--home", str(home))
        assert code == 0, out
    code, out = _gawah(
        capsys, monkeypatch, "evidence", "erase-sources", digest,
        "--reason", " ", "--home", str(home),
    )  # fmt: skip
    assert code != 0
    assert "reason" in out


def test_details_recorded_before_sealing_still_read(tmp_path: Path) -> None:
    """A side event of the plain form (before sealing) is read as it is."""
    from gawah.evidence import add_evidence

    photo = tmp_path / "p.png"
    photo.write_bytes(image_bytes(scene(5)))
    with Workspace.init(tmp_path / "ws", author="FICTIONAL doc") as ws:
        item = add_evidence(ws, photo)
        ws.append_many(
            [
                (TRANSFERRED, {"digest": item.digest, "details_ref": "r" * 32}),
                (
                    CUSTODY_DETAILS,
                    {
                        "digest": item.digest,
                        "ref": "r" * 32,
                        "fields": {"to": "FICTIONAL old recipient"},
                    },
                ),
            ]
        )
        owner = custody_history(ws.conn, item.digest, include_sensitive=True)
        assert owner[-1].detail["to"] == "FICTIONAL old recipient"
        public = custody_history(ws.conn, item.digest)
        assert "to" not in public[-1].detail
