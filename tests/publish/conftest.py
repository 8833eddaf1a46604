"""A small FICTIONAL workspace to publish: three lists, linked persons, a claim.

Canary values (an identity number, a phone, a witness, an address, and the
name of a person who asked not to be named) are planted so that tests can
prove none of them reaches a release.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from gawah.claims import Category, Claim, Claimant, ClaimantKind, Stance, record_claim
from gawah.registry import assign_persons, import_rows, iter_reports, record_incident
from gawah.testing.signer import fixed_seed
from gawah.workspace import Workspace

INCIDENT = "fictional-chowk"
CANARY_ID = "35202-7777777-3"
CANARY_PHONE = "0300-5550199"
CANARY_WITNESS = "Canarywitness Qadeer"
CANARY_ADDRESS = "House 77 Canarystreet"
HIDDEN_NAME = "Hiddenperson Zarghuna"
HEADERS = (
    "record_id", "full_name", "sex", "age", "status", "date", "district",
    "national_id", "phone", "witness_name", "address", "do_not_name",
)  # fmt: skip
DISTRICTS = ("Rawalpindi", "Lahore", "Peshawar", "Mardan")


def _rows(seed: int = 7) -> tuple[dict[str, list[list[str]]], dict[str, list[str]]]:
    """Rows per list, and which (list, record) each FICTIONAL person is."""
    rng = random.Random(seed)
    lists: dict[str, list[list[str]]] = {"hospital": [], "party": [], "press": []}
    seen: dict[str, list[str]] = {}
    for i in range(90):
        status = "killed" if i < 40 else "injured"
        district = DISTRICTS[0] if i % 9 else rng.choice(DISTRICTS[1:])
        name = HIDDEN_NAME if i == 5 else f"Fictional Person{i:03d}"
        day = f"2031-03-{14 + i % 3}"
        for source, p in (("hospital", 0.6), ("party", 0.5), ("press", 0.45)):
            if rng.random() >= p and not (source == "hospital" and i % 7 == 0):
                continue
            record = f"{source[:3].upper()}-{i:03d}"
            secret = i == 3
            lists[source].append(
                [
                    record,
                    name,
                    "male" if i % 3 else "female",
                    str(18 + i % 40),
                    status,
                    day,
                    district,
                    CANARY_ID if secret else "",
                    CANARY_PHONE if secret else "",
                    CANARY_WITNESS if secret else "",
                    CANARY_ADDRESS if secret else "",
                    "yes" if i == 5 else "",
                ]
            )
            seen.setdefault(f"P{i:03d}", []).append(record)
    return lists, seen


def build(home: Path) -> Path:
    """Create the FICTIONAL workspace at ``home``."""
    with Workspace.init(
        home, author="FICTIONAL documenter", key_seed=fixed_seed("publish-tests")
    ) as ws:
        record_incident(
            ws,
            "FICTIONAL crackdown at Fictional Chowk",
            incident_id=INCIDENT,
            date="2031-03-14",
            district="Rawalpindi",
            description="FICTIONAL test incident.",
        )
        lists, persons = _rows()
        for source, rows in lists.items():
            import_rows(ws, HEADERS, rows, source=source, incident=INCIDENT)
        by_record = {r.record_id: r.report_id for r in iter_reports(ws.conn)}
        assign_persons(
            ws,
            {p: [by_record[r] for r in records] for p, records in persons.items()},
            run_id="fixture",
            method="FICTIONAL truth",
        )
        record_claim(
            ws,
            Claim(
                incident_id=INCIDENT,
                claimant=Claimant(
                    name="FICTIONAL Interior Ministry", kind=ClaimantKind.GOVERNMENT
                ),
                category=Category.KILLED,
                low=0,
                high=0,
                stance=Stance.DENIES,
                said_on=dt.date(2031, 3, 15),
            ),
        )
        record_claim(
            ws,
            Claim(
                incident_id=INCIDENT,
                claimant=Claimant(name="FICTIONAL rights group", kind=ClaimantKind.NGO),
                category=Category.KILLED,
                low=45,
                high=60,
                said_on=dt.date(2031, 3, 17),
            ),
        )
    return home


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("publish") / "ws")


@pytest.fixture
def home(built: Path, tmp_path: Path) -> Path:
    """A private copy of the built workspace (tests may change it)."""
    copy = tmp_path / "ws"
    shutil.copytree(built, copy)
    return copy


def make_release(home: Path, out: Path, *extra: str) -> Path:
    """Run ``gawah publish`` on ``home``; the release folder."""
    from typer.testing import CliRunner

    from gawah.cli import app

    result = CliRunner().invoke(
        app,
        [
            "publish",
            "--home",
            str(home),
            "--incident",
            INCIDENT,
            "--out",
            str(out),
            *extra,
        ],
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="session")
def release(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One release of the built workspace (read only: copy it before changing it)."""
    return make_release(built, tmp_path_factory.mktemp("release") / "out")


Gawah = Callable[..., tuple[int, str, str]]


@pytest.fixture
def gawah(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Gawah:
    """Run the real ``gawah`` entry point: (exit code, stdout, stderr)."""
    from gawah.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["gawah", *args])
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return code, out.out, out.err

    return run
