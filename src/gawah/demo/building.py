"""Building the FICTIONAL demo workspace: one incident, four sources, four lists.

The lists come from :mod:`gawah.testing.scenario` (seeded, so every build is
identical) and are imported through the same path a documenter uses, so the
demo exercises the real import. Building twice changes nothing: the import is
idempotent.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from gawah.registry import (
    counts,
    get_incident,
    get_source,
    import_list,
    record_incident,
    record_source,
    source_id_for,
)
from gawah.testing.scenario import (
    INCIDENT_DAYS,
    INCIDENT_TITLE,
    Scenario,
    generate,
    write_csvs,
)
from gawah.web import label_fictional
from gawah.workspace import CONFIG_FILE, Workspace

DEMO_SEED = 20310314
DEMO_INCIDENT = "qaumi-chowk"
DEMO_AUTHOR = "demo documenter"
_CONNECTIONS = {
    "hospital": "medical_provider",
    "party": "third_party",
    "press": "reporter",
    "families": "relative_of_victim",
}
_SOURCE_NAMES = {
    "hospital": "FICTIONAL District Headquarters Hospital register",
    "party": "FICTIONAL movement's list of martyrs, injured and detained",
    "press": "FICTIONAL newspaper reports",
    "families": "FICTIONAL testimonies of families",
}


@dataclass(frozen=True)
class DemoList:
    """One imported demo list."""

    source_id: str
    path: Path
    rows: int
    added: int


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`build_demo_workspace` built (or found already built)."""

    home: Path
    created: bool
    incident_id: str
    true_victims: int
    lists: tuple[DemoList, ...]
    reports: int
    persons: int
    events: int
    state_digest: str
    ground_truth: Path


def _write_truth(scenario: Scenario, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["source_id", "record_id", "true_person_id", "fictional"])
        for source in scenario.lists:
            for row, person in zip(source.rows, source.person_ids, strict=True):
                writer.writerow([source.name, row["record_id"], person, "FICTIONAL"])


def build_demo_workspace(
    home: Path, *, seed: int = DEMO_SEED, passphrase: str | None = None
) -> DemoSummary:
    """Create (if missing) and fill the demo workspace at ``home``; safe to call again.

    ``passphrase`` protects the device key of a new workspace (and unlocks an
    existing one).
    """
    home = Path(home)
    created = not (home / CONFIG_FILE).exists()
    ws = (
        Workspace.init(home, author=DEMO_AUTHOR, passphrase=passphrase)
        if created
        else Workspace.open(home, passphrase)
    )
    with ws:
        label_fictional(ws, "gawah demo: generated, no real person or event")
        scenario = generate(seed=seed)
        paths = write_csvs(scenario, home / "demo-lists")
        truth = home / "demo-lists" / "ground-truth.csv"
        _write_truth(scenario, truth)
        if get_incident(ws.conn, DEMO_INCIDENT) is None:
            record_incident(
                ws,
                INCIDENT_TITLE,
                incident_id=DEMO_INCIDENT,
                date=INCIDENT_DAYS[0].isoformat(),
                place="Qaumi Chowk",
                district="Islamabad",
                description="FICTIONAL: three days of a crackdown on a sit-in, "
                "generated for the gawah demo. No real person or event.",
            )
        imported = []
        for source in scenario.lists:
            if get_source(ws.conn, source_id_for(source.name)) is None:
                record_source(
                    ws,
                    source.name,
                    kind=source.kind,
                    description=_SOURCE_NAMES[source.name],
                    connection=_CONNECTIONS[source.name],
                )
            result = import_list(
                ws,
                paths[source.name],
                source=source.name,
                incident=DEMO_INCIDENT,
                progress=True,
            )
            imported.append(
                DemoList(result.source_id, result.file, result.rows, result.added)
            )
        c = counts(ws.conn)
        return DemoSummary(
            home=home,
            created=created,
            incident_id=DEMO_INCIDENT,
            true_victims=len(scenario.victims),
            lists=tuple(imported),
            reports=c.reports,
            persons=c.persons,
            events=ws.ledger.count(),
            state_digest=ws.ledger.state_digest(),
            ground_truth=truth,
        )
