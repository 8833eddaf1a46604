"""``gawah sync export | import``: signed, encrypted bundles between offline teams.

Output names devices, counts and digests, never event content.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from gawah.config import resolve_home
from gawah.core import open_private, terminal_console
from gawah.errors import UserInputError
from gawah.options import HomeOption, JsonOption, PassFileOption, read_passphrase
from gawah.sync.conflicts import conflicts, resolve
from gawah.sync.exchange import (
    Fork,
    ImportResult,
    Rollback,
    export_bundle,
    import_bundle,
)
from gawah.sync.network import pull, serve
from gawah.workspace import Workspace

sync_app = typer.Typer(
    name="sync",
    help="Exchange work with other devices offline (signed, encrypted bundles).",
    no_args_is_help=True,
)

_out = terminal_console()
FORKS_DIR = "sync-forks"


def _open(home: Path | None, passphrase_file: Path | None) -> Workspace:
    folder = resolve_home(home)
    return Workspace.open(folder, passphrase=read_passphrase(passphrase_file, folder))


@sync_app.command("export")
def export(
    to: Annotated[
        list[str],
        typer.Option(
            "--to",
            help="A recipient's identity (`gawah devices id` on its device); repeat "
            "for several.",
        ),
    ],
    out: Annotated[
        Path,
        typer.Option("--out", help="The bundle file to write.", dir_okay=False),
    ],
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Only events past an earlier exchange: 'last' (what every recipient "
            "is known to hold) or a bundle id printed by export or import.",
        ),
    ] = None,
    qr: Annotated[
        Path | None,
        typer.Option(
            "--qr",
            help="Also write the bundle as numbered QR-code PNGs in this folder "
            "(small bundles: a phone camera can carry them).",
            file_okay=False,
        ),
    ] = None,
    home: HomeOption = None,
    passphrase_file: PassFileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write the events the recipients lack into one signed, encrypted bundle."""
    with _open(home, passphrase_file) as ws:
        result = export_bundle(ws, to, out, since=since, qr=qr)
    if as_json:
        _out.print_json(
            json.dumps(
                {
                    "path": str(result.path),
                    "bundle_id": result.bundle_id,
                    "events": result.events,
                    "devices": result.devices,
                    "checkpoints": result.checkpoints,
                    "bytes": result.size,
                    "qr_codes": result.qr_codes,
                    "recipients": list(result.recipients),
                }
            )
        )
        return
    _out.print(
        f"Wrote {escape(str(result.path))}: {result.events:,} event(s) from "
        f"{result.devices} device(s), {result.checkpoints} checkpoint(s), "
        f"{result.size:,} bytes, encrypted to {len(result.recipients)} device(s)."
    )
    _out.print(f"Bundle id: {result.bundle_id}")
    if qr is not None:
        _out.print(
            f"Also as {result.qr_codes} QR code(s) in {escape(str(qr))} "
            "(import the folder of their photos or images)."
        )
    for identity in result.unknown_recipients:
        _out.print(
            f"[yellow]note:[/] {identity} is not enrolled here; it can open the "
            "bundle, but its own events will be refused until an authority enrols it."
        )


@sync_app.command("import")
def import_(
    bundle: Annotated[
        Path,
        typer.Argument(
            help="A bundle file written by `gawah sync export`, or a folder of "
            "images of its QR codes (--qr)."
        ),
    ],
    home: HomeOption = None,
    passphrase_file: PassFileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Verify a bundle completely, then add what is new (exit 3: refused, nothing stored)."""
    folder = resolve_home(home)
    with _open(home, passphrase_file) as ws:
        result = import_bundle(ws, bundle)
    proofs = [_write_proof(folder, result, fork) for fork in result.forks]
    if as_json:
        _out.print_json(
            json.dumps(
                {
                    "bundle_id": result.bundle_id,
                    "sender": result.sender,
                    "sender_name": result.sender_name,
                    "events": result.events,
                    "new_events": result.new_events,
                    "kinds": result.kinds,
                    "reports": result.reports,
                    "devices": result.devices,
                    "changed_reports": len(result.changed_reports),
                    "state_digest_before": result.digest_before,
                    "state_digest": result.digest_after,
                    "replay_of": result.replay_of,
                    "keys_received": result.keys_received,
                    "forks": [
                        {"device": f.device, "name": f.name, "proof": str(p)}
                        for f, p in zip(result.forks, proofs, strict=True)
                    ],
                    "rollbacks": [
                        {
                            "device": r.device,
                            "name": r.name,
                            "had": r.had,
                            "held": r.held,
                            "own": r.own,
                        }
                        for r in result.rollbacks
                    ],
                }
            )
        )
        return
    _out.print(
        f"Bundle {result.bundle_id[:16]}… from {escape(result.sender_name)!r} "
        f"({escape(result.created_at)}): {result.events:,} event(s), "
        f"{result.checkpoints} checkpoint(s), all verified."
    )
    if result.replay_of is not None:
        _out.print(f"This bundle was already imported ({escape(result.replay_of)}).")
    if not result.new_events:
        _out.print("Nothing new: this workspace already held every event.")
    else:
        kinds = ", ".join(f"{n:,} {escape(k)}" for k, n in result.kinds.items())
        _out.print(
            f"Arrived: {result.new_events:,} new event(s) from {result.feeds} "
            f"device(s): {result.reports:,} report version(s), {result.devices} "
            f"device event(s) ({kinds})."
        )
        _out.print(
            f"Changed: {len(result.changed_reports):,} report(s) added or edited; "
            f"state digest {result.digest_before[:16]}… -> {result.digest_after[:16]}…"
        )
    if result.keys_received:
        _out.print(
            f"Data keys: {result.keys_received:,} sealed value key(s) wrapped to this "
            "device as a custodian; `--include-sensitive` can open them here."
        )
    if result.keys_destroyed:
        _out.print(
            f"Erasures recorded elsewhere: {result.keys_destroyed} data key(s) "
            "destroyed here too."
        )
    for fork, proof in zip(result.forks, proofs, strict=True):
        _out.print(
            f"[bold yellow]FORK[/] device {escape(fork.name)!r} signed two different "
            f"histories; both are kept as evidence. Proof (both checkpoints): "
            f"{escape(str(proof))}. Revoke the device if its key was copied."
        )
    for rollback in result.rollbacks:
        _out.print(_rollback_line(rollback))


@sync_app.command("conflicts")
def conflicts_(home: HomeOption = None, as_json: JsonOption = False) -> None:
    """List what two teams changed differently (reports, link decisions, persons)."""
    with Workspace.open(resolve_home(home), checkpoint_on_close=False) as ws:
        found = conflicts(ws.conn)
    if as_json:
        _out.print_json(
            json.dumps(
                [
                    {
                        "subject": c.subject,
                        "kind": c.kind,
                        "report_ids": list(c.report_ids),
                        "versions": [
                            {
                                "event_id": v.event_id,
                                "value": v.value,
                                "version": v.version,
                                "author": v.author,
                                "recorded_at": v.recorded_at,
                            }
                            for v in c.versions
                        ],
                    }
                    for c in found
                ]
            )
        )
        return
    if not found:
        _out.print("No conflicts.")
        return
    table = Table("subject", "event", "version / decision", "by", "recorded at")
    for c in found:
        for v in c.versions:
            what = v.value
            if c.kind == "report":
                what = f"v{v.version} {v.value[:12]}"
            elif c.kind == "persons":
                what = f"run {v.value[:12]} ({len(c.report_ids):,} reports apart)"
            table.add_row(
                escape(c.subject), v.event_id[:16], escape(what), escape(v.author),
                escape(v.recorded_at),
            )  # fmt: skip
    _out.print(table)
    _out.print(
        f"{len(found)} conflict(s). Keep one version: gawah sync resolve SUBJECT "
        "--keep EVENT"
    )


@sync_app.command("resolve")
def resolve_(
    subject: Annotated[
        str,
        typer.Argument(help="report:REPORT_ID, pair:REPORT_ID|REPORT_ID or persons."),
    ],
    keep: Annotated[
        str,
        typer.Option(
            "--keep", help="The competing event to keep (its id or a prefix)."
        ),
    ],
    home: HomeOption = None,
    passphrase_file: PassFileOption = None,
) -> None:
    """Settle a conflict: record the kept version and a sync.resolved event."""
    with _open(home, passphrase_file) as ws:
        events = resolve(ws, subject, keep)
    _out.print(
        f"Resolved {escape(subject)}: kept {events[-1].payload['chosen'][:16]}… "
        f"({len(events[-1].payload['resolved'])} earlier version(s) or decision(s) settled)."
    )


@sync_app.command("serve")
def serve_(
    host: Annotated[
        str,
        typer.Option(
            "--host",
            help="Address to listen on (default: this computer only; give the "
            "local network address for teams in the building).",
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8765,
    max_requests: Annotated[
        int | None,
        typer.Option("--max-requests", help="Stop after this many pulls.", min=1),
    ] = None,
    home: HomeOption = None,
    passphrase_file: PassFileOption = None,
) -> None:
    """Let enrolled devices pull what they lack (`gawah sync pull`), until Ctrl-C."""
    with _open(home, passphrase_file) as ws:

        def ready(bound: str, bound_port: int) -> None:
            _out.print(
                f"Serving bundles at http://{bound}:{bound_port}/ to devices enrolled "
                f"here; this device is {ws.identity}. Ctrl-C stops."
            )

        try:
            pulls = serve(ws, host, port, max_requests=max_requests, ready=ready)
        except KeyboardInterrupt:
            pulls = None
        except OSError as exc:
            raise UserInputError(
                f"cannot listen on {host}:{port}: {exc.strerror}"
            ) from None
    if pulls is not None:
        _out.print(f"Served {pulls} pull(s).")


@sync_app.command("pull")
def pull_(
    url: Annotated[str, typer.Argument(help="The address `gawah sync serve` printed.")],
    expect: Annotated[
        str | None,
        typer.Option(
            "--expect", help="The serving device's identity; refuse any other."
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="'last': only what the server knows you lack."),
    ] = None,
    home: HomeOption = None,
    passphrase_file: PassFileOption = None,
) -> None:
    """Pull what this device lacks from another device's `gawah sync serve`."""
    if since not in (None, "last"):
        raise UserInputError("--since takes 'last' for a pull")
    with _open(home, passphrase_file) as ws:
        result = pull(ws, url, expect=expect, since=since)
    _out.print(
        f"Pulled {result.events:,} event(s) from {escape(result.sender_name)!r}, "
        f"{result.new_events:,} new ({result.reports:,} report version(s)); state "
        f"digest {result.digest_after[:16]}…"
    )
    for fork in result.forks:
        proof = _write_proof(resolve_home(home), result, fork)
        _out.print(
            f"[bold yellow]FORK[/] device {escape(fork.name)!r} signed two different "
            f"histories; both are kept as evidence. Proof: {escape(str(proof))}."
        )
    for rollback in result.rollbacks:
        _out.print(_rollback_line(rollback))


def _rollback_line(rollback: Rollback) -> str:
    """One warning line: a feed came back shorter than its device had signed."""
    lost = rollback.held - rollback.had
    if rollback.own:
        return (
            f"[bold yellow]ROLLBACK[/] this device held {rollback.had:,} event(s) of "
            f"its own feed but had signed {rollback.held:,}: {lost:,} came back in "
            "this bundle. Was this workspace restored from an older copy, or its "
            "newest events deleted?"
        )
    return (
        f"[bold yellow]ROLLBACK[/] device {escape(rollback.name)!r} holds "
        f"{rollback.had:,} event(s) of its own feed, but this workspace holds "
        f"{rollback.held:,} it signed: it lost its last {lost:,} (restored from an "
        "older copy, or deleted), unless this bundle is older than one imported "
        "before."
    )


def _write_proof(home: Path, result: ImportResult, fork: Fork) -> Path:
    """Write one fork's evidence (checkpoint notes and event ids; no content)."""
    folder = home / FORKS_DIR
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / f"{fork.device[:16]}-{result.bundle_id[:16]}.txt"
    lines = [
        f"device {fork.device} ({fork.name}) signed two histories",
        f"found importing bundle {result.bundle_id} from {result.sender}",
    ]
    if fork.seq is not None:
        lines.append(f"two events at seq {fork.seq}: {', '.join(fork.events)}")
    lines += [
        "",
        "checkpoint held here:",
        fork.ours or "(none)",
        "checkpoint in the bundle:",
        fork.theirs or "(none)",
    ]
    with open_private(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return path


def register(app: typer.Typer) -> None:
    """Add ``gawah sync ...`` to the CLI."""
    app.add_typer(sync_app, name="sync")
