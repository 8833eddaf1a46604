"""``gawah claims add | list | extract | review | withdraw``.

Extraction only proposes; ``review`` is where a person accepts a proposal, and
only accepted proposals become ``claim.recorded`` events.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.markup import escape
from rich.table import Table

from gawah.claims._render import pick, proposals_table, warn_if_unread
from gawah.claims.export import write_victims_csv
from gawah.claims.extract import extract, read_article
from gawah.claims.model import (
    Category,
    Claim,
    Claimant,
    ClaimantKind,
    ClaimProposal,
    Publication,
    Stance,
    parse_bounds,
)
from gawah.claims.queries import list_recorded, same_claims
from gawah.claims.recording import record_claim, record_claims, withdraw_claim
from gawah.config import resolve_home
from gawah.core import terminal_console
from gawah.errors import UserInputError
from gawah.options import HomeOption, JsonOption, PassFileOption, read_passphrase
from gawah.workspace import Workspace

_out = terminal_console()
_err = terminal_console(stderr=True)

claims_app = typer.Typer(
    name="claims",
    help="Public figures: who said how many, when; and proposals from news text.",
    no_args_is_help=True,
)

Incident = Annotated[
    str,
    typer.Option("--incident", help="The incident id (see `gawah incidents list`)."),
]
Outlet = Annotated[str, typer.Option("--outlet", help="Where it was published.")]
Url = Annotated[str, typer.Option("--url", help="The article's address.")]
Published = Annotated[
    str, typer.Option("--published", help="Publication date, YYYY-MM-DD.")
]
SaidOn = Annotated[str, typer.Option("--said-on", help="When it was said, YYYY-MM-DD.")]


def _open(home: Path | None, passphrase_file: Path | None) -> Workspace:
    return Workspace.open(
        resolve_home(home),
        passphrase=read_passphrase(passphrase_file, resolve_home(home)),
    )


def _date(text: str, what: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UserInputError(f"{what} {text!r} is not a date (YYYY-MM-DD)") from None


_E = TypeVar("_E", Category, Stance, ClaimantKind)


def _choice(kind: type[_E], text: str, what: str) -> _E:
    try:
        return kind(text.strip().lower())
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise UserInputError(f"{what} {text!r}: use one of {allowed}") from None


@claims_app.command("add")
def add(
    incident: Incident,
    category: Annotated[
        str, typer.Option("--category", help=", ".join(c.value for c in Category))
    ],
    bounds: Annotated[
        str, typer.Option("--bounds", help="7 (exact), 7..open, 8..10, 0 (none).")
    ],
    claimant: Annotated[str, typer.Option("--claimant", help="Who said it.")],
    kind: Annotated[
        str, typer.Option("--kind", help=", ".join(k.value for k in ClaimantKind))
    ] = "other",
    role: Annotated[str, typer.Option("--role", help="The speaker's role.")] = "",
    organisation: Annotated[str, typer.Option("--organisation")] = "",
    stance: Annotated[
        str, typer.Option("--stance", help="asserts, denies or estimates.")
    ] = "asserts",
    quote: Annotated[str, typer.Option("--quote", help="The words, verbatim.")] = "",
    note: Annotated[str, typer.Option("--note", help="What bounds cannot say.")] = "",
    language: Annotated[str, typer.Option("--language")] = "en",
    outlet: Outlet = "",
    url: Url = "",
    published: Published = "",
    said_on: SaidOn = "",
    evidence: Annotated[
        list[str] | None, typer.Option("--evidence", help="Evidence id (repeatable).")
    ] = None,
    home: HomeOption = None,
    passphrase_file: PassFileOption = None,
) -> None:
    """Record one claim by hand."""
    try:
        low, high = parse_bounds(bounds)
    except ValueError as exc:
        raise UserInputError(str(exc)) from None
    claim = Claim(
        incident_id=incident,
        claimant=Claimant(
            name=claimant,
            role=role,
            organisation=organisation,
            kind=_choice(ClaimantKind, kind, "--kind"),
        ),
        category=_choice(Category, category, "--category"),
        low=low,
        high=high,
        note=note,
        stance=_choice(Stance, stance, "--stance"),
        quote=quote,
        language=language,
        publication=Publication(
            outlet=outlet, url=url, date=_date(published, "--published")
        ),
        said_on=_date(said_on, "--said-on"),
        evidence=tuple(evidence or ()),
    )
    with _open(home, passphrase_file) as ws:
        claim_id = record_claim(ws, claim)
    _out.print(
        f"Recorded claim [bold]{claim_id[:12]}[/]: {escape(claimant)} "
        f"{claim.stance.value} {claim.category.value} {claim.bounds}"
    )


@claims_app.command("list")
def list_command(
    incident: Annotated[
        str | None, typer.Option("--incident", help="Only this incident.")
    ] = None,
    include_withdrawn: Annotated[
        bool, typer.Option("--all", help="Also show withdrawn claims.")
    ] = False,
    as_json: JsonOption = False,
    home: HomeOption = None,
    passphrase_file: PassFileOption = None,
) -> None:
    """List recorded claims, oldest statement first."""
    with _open(home, passphrase_file) as ws:
        rows = list_recorded(ws.conn, incident, include_withdrawn=include_withdrawn)
    if as_json:
        doc = [
            {
                **r.claim.model_dump(mode="json"),
                "bounds": r.claim.bounds,
                "author": r.author,
                "recorded_at": r.recorded_at,
                "withdrawn_by": r.withdrawn_by,
            }
            for r in rows
        ]
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{len(rows)} claims")
    for col in ("id", "said", "claimant", "kind", "stance", "category", "bounds"):
        table.add_column(col)
    for r in rows:
        c = r.claim
        when = c.said_on or c.publication.date
        table.add_row(
            c.id[:12] + (" (withdrawn)" if r.withdrawn_by else ""),
            when.isoformat() if when else "",
            escape(c.claimant.name),
            c.claimant.kind.value,
            c.stance.value,
            c.category.value,
            c.bounds,
        )
    _out.print(table)


@claims_app.command("extract")
def extract_command(
    file: Annotated[Path, typer.Argument(help="An article: plain text or HTML.")],
    as_json: JsonOption = False,
    victims_csv: Annotated[
        Path | None,
        typer.Option(
            "--victims-csv",
            help="Also write named persons as a CSV to check and `gawah import`.",
        ),
    ] = None,
) -> None:
    """Propose claims and named victims from an English or Urdu article (nothing is recorded)."""
    result = extract(read_article(file))
    warn_if_unread(result.text)
    if victims_csv is not None:
        n = write_victims_csv(result.victims, victims_csv, origin=file.name)
        _err.print(f"Wrote {n} named persons to {escape(str(victims_csv))}.")
    if as_json:
        doc = {
            "claims": [p.model_dump(mode="json") for p in result.claims],
            "victims": [v.model_dump(mode="json") for v in result.victims],
        }
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    _out.print(proposals_table(result))
    for v in result.victims:
        age = f", {v.age}" if v.age is not None else ""
        place = f", {v.place}" if v.place else ""
        cat = f" ({v.category.value})" if v.category else ""
        _out.print(f"named person: {escape(v.name)}{age}{escape(place)}{cat}")


def _ask(p: ClaimProposal, i: int, count: int) -> str:
    _out.rule(f"proposal {i} of {count}")
    _out.print(f"[bold]{p.category.value} {p.bounds}[/] ({p.stance.value})")
    if p.note:
        _out.print(f"note: {escape(p.note)}")
    who = (
        f"{p.claimant.name} ({p.claimant.kind.value})" if p.claimant else "(no speaker)"
    )
    _out.print(f"claimant: {escape(who)}")
    _out.print(f"figure: {escape(p.figure)}")
    _out.print(f"[dim]{escape(p.quote)}[/]")
    answer: str = typer.prompt(
        "[a]ccept / [e]dit speaker and accept / [r]eject / [q]uit", default="r"
    )
    return answer.strip().lower()[:1]


def _edit_speaker(p: ClaimProposal) -> Claimant:
    """Ask for the speaker's name and kind (the extractor's guess is the default)."""
    current = p.claimant or Claimant()
    name: str = typer.prompt("speaker", default=current.name or "")
    kinds = ", ".join(k.value for k in ClaimantKind)
    kind: str = typer.prompt(f"kind ({kinds})", default=current.kind.value)
    return current.model_copy(
        update={"name": name.strip(), "kind": _choice(ClaimantKind, kind, "kind")}
    )


@claims_app.command("review")
def review(
    file: Annotated[Path, typer.Argument(help="An article: plain text or HTML.")],
    incident: Incident,
    accept_all: Annotated[
        bool, typer.Option("--accept-all", help="Accept every proposal (scripts).")
    ] = False,
    accept: Annotated[
        str, typer.Option("--accept", help="Accept these proposals: 1,3,4 (scripts).")
    ] = "",
    keep_duplicates: Annotated[
        bool,
        typer.Option(
            "--keep-duplicates",
            help="Record a claim even if the same statement is already recorded.",
        ),
    ] = False,
    outlet: Outlet = "",
    url: Url = "",
    published: Published = "",
    said_on: SaidOn = "",
    home: HomeOption = None,
    passphrase_file: PassFileOption = None,
) -> None:
    """Accept or reject each proposal; accepted ones are recorded as claims.

    A statement already recorded (same incident, speaker, category, bounds, stance
    and day; typically the same quote in a second outlet) is skipped unless
    ``--keep-duplicates`` is given.
    """
    result = extract(read_article(file))
    warn_if_unread(result.text)
    proposals = list(result.claims)
    count = len(proposals)
    speakers: dict[int, Claimant] = {}
    if accept_all:
        chosen = set(range(1, count + 1))
    elif accept:
        chosen = pick(accept, count)
    else:
        chosen = set()
        for i, p in enumerate(proposals, 1):
            answer = _ask(p, i, count)
            if answer == "q":
                break
            if answer == "e":
                speakers[i] = _edit_speaker(p)
            if answer in {"a", "e"}:
                chosen.add(i)
    publication = Publication(
        outlet=outlet, url=url, date=_date(published, "--published")
    )
    when = _date(said_on, "--said-on")
    claims = [
        proposals[i - 1].to_claim(
            incident, claimant=speakers.get(i), publication=publication, said_on=when
        )
        for i in sorted(chosen)
    ]
    if not claims:
        _out.print(f"{count} proposals, none accepted: nothing recorded.")
        return
    with _open(home, passphrase_file) as ws:
        fresh = (
            claims
            if keep_duplicates
            else [c for c in claims if not same_claims(ws.conn, c)]
        )
        ids = record_claims(ws, fresh) if fresh else []
    skipped = len(claims) - len(fresh)
    note = f" ({skipped} already recorded, skipped)" if skipped else ""
    _out.print(
        f"{count} proposals, recorded {len(ids)} claims for {escape(incident)}{note}."
    )


@claims_app.command("withdraw")
def withdraw(
    claim_id: Annotated[
        str, typer.Argument(help="The claim's id (from `claims list`).")
    ],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the ledger).")],
    home: HomeOption = None,
    passphrase_file: PassFileOption = None,
) -> None:
    """Withdraw a wrongly recorded claim; the ledger keeps the original."""
    with _open(home, passphrase_file) as ws:
        full = _resolve_id(ws, claim_id)
        withdraw_claim(ws, full, reason)
    _out.print(f"Withdrew claim [bold]{full[:12]}[/].")


def _resolve_id(ws: Workspace, prefix: str) -> str:
    """Accept the 12-character prefix that ``claims list`` shows."""
    ids = [
        r.claim.id
        for r in list_recorded(ws.conn, include_withdrawn=True)
        if r.claim.id.startswith(prefix)
    ]
    if len(ids) != 1:
        raise UserInputError(
            f"no claim {prefix!r}" if not ids else f"{prefix!r} names {len(ids)} claims"
        )
    return ids[0]


def register(app: typer.Typer) -> None:
    """Add ``gawah claims ...`` to the CLI."""
    app.add_typer(claims_app, name="claims")
