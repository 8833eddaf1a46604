"""A small FICTIONAL workspace with linked lists, public claims and one account per role."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

from gawah.claims import (
    Claim,
    Claimant,
    ClaimantKind,
    Publication,
    Stance,
    record_claims,
)
from gawah.evidence import add_evidence
from gawah.linkage import link_workspace
from gawah.registry import import_list, iter_reports, record_incident
from gawah.testing.scenario import generate, write_csvs
from gawah.web import Role, label_fictional
from gawah.web._backend import Backend
from gawah.web.accounts import add_user
from gawah.workspace import Workspace

PASSWORDS = {role: f"correct horse {role.value} staple" for role in Role}
OTHER_PASSWORD = "another long passphrase"


def fictional_claims(incident_id: str) -> list[Claim]:
    """A denial, a doctor's floor and a party's wide range: FICTIONAL statements."""
    day = dt.date(2031, 3, 15)

    def claim(
        name: str,
        kind: ClaimantKind,
        low: int,
        high: int | None,
        stance: Stance,
        quote: str,
        days: int,
    ) -> Claim:
        return Claim(
            incident_id=incident_id,
            claimant=Claimant(name=name, kind=kind),
            category="killed",
            low=low,
            high=high,
            stance=stance,
            quote=quote,
            publication=Publication(outlet="FICTIONAL Daily"),
            said_on=day + dt.timedelta(days=days),
        )

    return [
        claim(
            "Interior ministry (FICTIONAL)",
            ClaimantKind.GOVERNMENT,
            0,
            0,
            Stance.DENIES,
            "No one died; not a single bullet was fired.",
            0,
        ),
        claim(
            "Dr. Saima (FICTIONAL)",
            ClaimantKind.MEDICAL,
            7,
            None,
            Stance.ASSERTS,
            "At least seven bodies were brought in.",
            1,
        ),
        claim(
            "Movement spokesman (FICTIONAL)",
            ClaimantKind.PARTY,
            6,
            200,
            Stance.ESTIMATES,
            "Between six and over two hundred martyrs.",
            2,
        ),
    ]


def _photo(path: Path) -> Path:
    """A small generated PNG standing in for a photograph (FICTIONAL)."""
    from PIL import Image

    Image.new("RGB", (64, 48), (120, 30, 30)).save(path)
    return path


def build(home: Path, n_victims: int = 120, link: bool = True) -> Path:
    """Build the workspace at ``home`` and return it."""
    with Workspace.init(home, author="tester") as ws:
        label_fictional(ws, "tests: generated")
        inc = record_incident(
            ws, "FICTIONAL crackdown for tests", date="2031-03-14", place="Qaumi Chowk"
        )
        scenario = generate(seed=7, n_victims=n_victims)
        for name, path in write_csvs(scenario, home / "lists").items():
            import_list(
                ws, path, source=name, incident=inc.incident_id, skip_invalid=True
            )
        if link:
            with warnings.catch_warnings():
                # pandas/splink chatter inside linkage is linkage's business, not the web's
                warnings.simplefilter("ignore")
                link_workspace(ws)
        record_claims(ws, fictional_claims(inc.incident_id))
        first = next(iter_reports(ws.conn)).report_id
        add_evidence(
            ws,
            _photo(home / "photo.png"),
            name="ward-photo.png",
            report_id=first,
            source="FICTIONAL test",
        )
    backend = Backend(home=home)
    try:
        for role in Role:
            add_user(backend, role.value, role, PASSWORDS[role], by="tester")
        add_user(backend, "other", Role.DOCUMENTER, OTHER_PASSWORD, by="tester")
    finally:
        backend.close()
    return home
