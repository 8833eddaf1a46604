"""A court-ready package: the files, their signed history, and how to check both.

Layout of ``--to DIR``::

    files/<digest[:12]>_<original name>   the bytes, re-hashed while copied
    SHA256SUMS                            every other file, for ``sha256sum -c``
    manifest.json                         items, signed events with Merkle inclusion
                                          proofs, signed checkpoints, timestamps
    events/<id>.json + .sig, checkpoints/ the same signed bytes as files, for openssl
    timestamps/N.tsr, .checkpoint, .ca.pem RFC 3161 replies, for ``openssl ts``
    VERIFY.md                             the checks, step by step; pins the key(s)
    verify_package.py                     stand-alone verifier (stdlib + cryptography)

Completeness: once the files are copied, the export is recorded as a signed
``evidence.exported`` event whose ``contents`` list every item, its file and
every event of its custody history in the package (and how many sensitive side
events were withheld); the checkpoint is signed after it, so the statement is
in the log the proofs lead to. A verifier then fails on any missing or added
item, file or event. The package is built in a temporary sibling folder and
renamed into place, so a failed export leaves no folder (if the last writes
fail, the signed statement stays in the ledger as an export attempt).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from gawah.core import make_private, sha256_hex
from gawah.errors import EvidenceIntegrityError, UserInputError
from gawah.evidence.export_text import verify_md
from gawah.evidence.ingest import blob_store
from gawah.evidence.model import (
    CHAIN_KINDS,
    CUSTODY_DETAILS,
    DERIVED,
    EXPORTED,
    RECEIVED,
    SENSITIVE_KINDS,
    EvidenceWorkspace,
    LedgerEvent,
    concerns,
)
from gawah.evidence.queries import get_evidence, list_evidence
from gawah.evidence.sources import open_details
from gawah.evidence.store import hash_stream
from gawah.sealing import Opener

if TYPE_CHECKING:
    from gawah.workspace import Workspace

FORMAT = "gawah-evidence-export/1"


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What was written and the digest of its manifest."""

    path: Path
    items: int
    events: int
    manifest_sha256: str
    originals_with_sensitive: int = 0  # files whose own bytes carry GPS/serials


_NOT_PORTABLE = str.maketrans({c: "_" for c in '<>:"|?*'})


def _portable_name(name: str) -> str:
    """A file name every operating system can open (Windows forbids ``<>:"|?*``)."""
    clean = name.translate(_NOT_PORTABLE)
    if len(clean.encode("utf-8")) > 180:  # leave room for the digest prefix
        stem, dot, ext = clean.rpartition(".")
        ext = ext[:16] if dot else ""
        stem = (stem if dot else clean).encode("utf-8")[:150].decode("utf-8", "ignore")
        clean = f"{stem}.{ext}" if ext else stem
    return clean


def _copy_hashing(src: Path, dst: Path, digest: str) -> None:
    h = hashlib.sha256()
    try:
        fin = src.open("rb")
    except FileNotFoundError:
        raise EvidenceIntegrityError(
            f"blob {digest[:16]}... is recorded but missing from the store; run "
            "`gawah evidence verify`; nothing was exported"
        ) from None
    with fin, dst.open("wb") as fout:
        while chunk := fin.read(4 * 1024 * 1024):
            h.update(chunk)
            fout.write(chunk)
        fout.flush()
        os.fsync(fout.fileno())
    if h.hexdigest() != digest:
        raise EvidenceIntegrityError(
            f"blob {digest[:16]}... does not match its digest; run `gawah evidence "
            "verify`; nothing was exported"
        )


def _select(
    ws: EvidenceWorkspace, report_id: str | None, incident_id: str | None
) -> list[str]:
    if (report_id is None) == (incident_id is None):
        raise UserInputError("give exactly one of --report or --incident")
    chosen = [i.digest for i in list_evidence(ws.conn, report_id, incident_id)]
    if not chosen:
        raise UserInputError("no evidence is linked to that report or incident")
    # a working copy is shown with the original it was made from
    seen: list[str] = []
    stack = list(chosen)
    while stack:
        d = stack.pop(0)
        if d in seen:
            continue
        seen.append(d)
        item = get_evidence(ws.conn, d)
        if item is not None and item.derived_from:
            stack.append(item.derived_from)
    return seen


@dataclass(frozen=True, slots=True)
class _Chain:
    """One item's custody history as the signed ledger holds it."""

    digest: str
    receipt: LedgerEvent
    events: list[LedgerEvent]  # in ledger order, the receipt first
    withheld: int  # sensitive side events left out of this package


def _chains(
    ws: EvidenceWorkspace, digests: list[str], include_sensitive: bool
) -> list[_Chain]:
    """Each item's history read from the signed events, not from a table.

    Raises:
        EvidenceIntegrityError: an item has no signed receipt in the ledger.
    """
    wanted = set(digests)
    found: dict[str, list[LedgerEvent]] = {d: [] for d in digests}
    withheld = dict.fromkeys(digests, 0)
    events: list[LedgerEvent] = [
        ev for kind in CHAIN_KINDS for ev in ws.ledger.events(kind=kind)
    ]
    events.sort(key=lambda ev: int(ev.rowid))
    for ev in events:
        for d in concerns(ev.kind, ev.payload):
            if d not in wanted:
                continue
            if ev.kind in SENSITIVE_KINDS and not include_sensitive:
                withheld[d] += 1
            else:
                found[d].append(ev)
    out = []
    for d in digests:
        receipt = next(
            (
                ev
                for ev in found[d]
                if ev.kind in (RECEIVED, DERIVED) and ev.payload["digest"] == d
            ),
            None,
        )
        if receipt is None:
            raise EvidenceIntegrityError(
                f"evidence {d[:16]}... has no signed receipt in the ledger; run "
                "`gawah evidence verify`; nothing was exported"
            )
        chain = found[d][found[d].index(receipt) :]
        out.append(_Chain(d, receipt, chain, withheld[d]))
    return out


def _file_name(chain: _Chain) -> str:
    name = str(chain.receipt.payload["original_name"])
    return f"files/{chain.digest[:12]}_{_portable_name(name)}"


def _statement(chains: list[_Chain]) -> list[dict[str, Any]]:
    """What the signed export event states: every item, file and custody event."""
    return [
        {
            "digest": c.digest,
            "file": _file_name(c),
            "events": [ev.id for ev in c.events],
            "withheld": c.withheld,
        }
        for c in chains
    ]


def build_manifest(
    ws: EvidenceWorkspace,
    chains: list[_Chain],
    export_event: LedgerEvent,
    *,
    scope: dict[str, str | None],
    include_sensitive: bool,
) -> dict[str, Any]:
    """The manifest: items, their signed events with proofs, checkpoints, timestamps."""
    ledger = ws.ledger
    own_cp = ledger.checkpoint()  # signed now: it covers the export statement
    cps = {own_cp.device: own_cp}
    events_out: list[dict[str, Any]] = []
    ordered = {ev.id: ev for c in chains for ev in c.events}
    ordered[export_event.id] = export_event
    for ev in sorted(ordered.values(), key=lambda e: int(e.rowid)):
        if ev.device not in cps:
            stored = ledger.checkpoints(ev.device)
            if stored:
                cps[ev.device] = max(stored, key=lambda cp: cp.size)
        cp = cps.get(ev.device)
        proof = None
        if cp is not None:
            try:
                p = ledger.proofs.inclusion(ev.id, cp.size)
                proof = {
                    "index": p.index,
                    "size": p.size,
                    "path": [h.hex() for h in p.path],
                }
            except UserInputError:
                proof = None
        events_out.append(
            {
                "id": ev.id,
                "kind": ev.kind,
                "raw": ev.raw.decode("utf-8"),
                "signature": ev.signature.hex(),
                "proof": proof,
            }
        )
    items = []
    for c in chains:
        payload = c.receipt.payload
        items.append(
            {
                "digest": c.digest,
                "size": payload["size"],
                "media_type": payload["media_type"],
                "original_name": payload["original_name"],
                "file": _file_name(c),
                "event": c.receipt.id,
                "metadata": payload.get("metadata"),
                "derived_from": payload.get("derived_from"),
            }
        )
    return {
        "format": FORMAT,
        "scope": scope,
        "statement": (
            "Each file's SHA-256 is the one recorded when gawah received it; the "
            "signed events are the chain of custody, and the signed export event "
            "lists every item, file and event of this package. A timestamp shows "
            "the ledger existed no later than the timestamp's time; it says nothing "
            "about when a photo or video was captured."
        ),
        "sensitive_metadata_included": include_sensitive,
        "devices": sorted(cps),
        "export_event": export_event.id,
        "items": items,
        "events": events_out,
        "checkpoints": [cp.note.decode("utf-8") for cp in cps.values()],
        "timestamps": _timestamps(ws, own_cp),
    } | ({"custody_details": _opened_details(ws, chains)} if include_sensitive else {})


def _opened_details(
    ws: EvidenceWorkspace, chains: list[_Chain]
) -> dict[str, dict[str, str]]:
    """The sealed custody details of the package, opened (``--include-sensitive``).

    Keyed by each side event's ``ref``. They are not signed as opened text: the
    signed side events hold their ciphertext, which only a custodian key opens.
    Erased details are left out.
    """
    out: dict[str, dict[str, str]] = {}
    with Opener(cast("Workspace", ws)) as opener:
        for c in chains:
            for ev in c.events:
                if ev.kind != CUSTODY_DETAILS:
                    continue
                p = ev.payload
                stored = p.get("sealed", p.get("fields")) or {}
                fields = open_details(str(p["digest"]), stored, opener)
                if fields:
                    out[str(p["ref"])] = fields
    return out


def _timestamps(ws: EvidenceWorkspace, cp: Any) -> list[dict[str, Any]]:
    out = []
    rows = ws.conn.execute(
        "SELECT event_id FROM evidence_timestamps WHERE origin = ? AND size <= ? "
        "ORDER BY rowid",
        (cp.origin, cp.size),
    ).fetchall()
    for (event_id,) in rows:
        p = ws.ledger.event(event_id).payload
        proof = ws.ledger.proofs.consistency(cp.device, p["size"], cp.size)
        out.append(
            {
                "checkpoint": p["checkpoint"],
                "token": p["token"],
                "tsa_url": p["tsa_url"],
                "gen_time": p["gen_time"],
                "ca_pem": p.get("ca_pem"),
                "consistency": [h.hex() for h in proof.path],
            }
        )
    return out


def _write_openssl_files(out: Path, manifest: dict[str, Any]) -> None:
    (out / "events").mkdir()
    for ev in manifest["events"]:
        (out / "events" / f"{ev['id']}.json").write_bytes(ev["raw"].encode("utf-8"))
        (out / "events" / f"{ev['id']}.sig").write_bytes(bytes.fromhex(ev["signature"]))
    (out / "checkpoints").mkdir()
    for note in manifest["checkpoints"]:
        body, _, sigs = note.partition("\n\n")
        device = body.split("\n")[0].rsplit("/", 1)[1]
        sig = base64.b64decode(sigs.split(" ")[-1])[4:]
        stem = out / "checkpoints" / device
        (out / "checkpoints" / f"{device}.note").write_text(note, encoding="utf-8")
        (out / "checkpoints" / f"{device}.body").write_bytes(
            (body + "\n").encode("utf-8")
        )
        (out / "checkpoints" / f"{device}.sig").write_bytes(sig)
        stem.with_name(f"{device}.pub.pem").write_text(
            _ed25519_pem(device), encoding="ascii"
        )
    for n, ts in enumerate(manifest["timestamps"], 1):
        (out / "timestamps").mkdir(exist_ok=True)
        (out / "timestamps" / f"{n}.tsr").write_bytes(base64.b64decode(ts["token"]))
        (out / "timestamps" / f"{n}.checkpoint").write_bytes(ts["checkpoint"].encode())
        if ts.get("ca_pem"):
            (out / "timestamps" / f"{n}.ca.pem").write_text(
                ts["ca_pem"], encoding="ascii"
            )


def _ed25519_pem(device_hex: str) -> str:
    der = bytes.fromhex("302a300506032b6570032100") + bytes.fromhex(device_hex)
    b64 = base64.b64encode(der).decode()
    return f"-----BEGIN PUBLIC KEY-----\n{b64}\n-----END PUBLIC KEY-----\n"


def export_package(
    ws: EvidenceWorkspace,
    to: Path,
    *,
    report_id: str | None = None,
    incident_id: str | None = None,
    include_sensitive: bool = False,
) -> ExportResult:
    """Write the package for one report or incident into ``to`` (new or empty).

    Raises:
        UserInputError: bad scope, nothing linked, or ``to`` is not empty.
        EvidenceIntegrityError: a blob no longer matches its digest (nothing written).
    """
    to = Path(to)
    if to.exists() and (not to.is_dir() or any(to.iterdir())):
        raise UserInputError(f"{to} exists and is not an empty folder")
    digests = _select(ws, report_id, incident_id)
    scope = {"report_id": report_id, "incident_id": incident_id}
    chains = _chains(ws, digests, include_sensitive)
    store = blob_store(ws)
    to.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{to.name}.partial-", dir=to.parent))
    try:
        # 1 - the evidence files, re-hashed while copied (a mismatch stops here)
        (tmp / "files").mkdir()
        for c in chains:
            _copy_hashing(store.path_for(c.digest), tmp / _file_name(c), c.digest)
        # 2 - the signed statement of what the package holds, then the checkpoint
        export_event: LedgerEvent = ws.append(
            EXPORTED,
            {
                "digests": [c.digest for c in chains],
                "report_id": report_id,
                "incident_id": incident_id,
                "package": to.name,
                "sensitive_metadata_included": include_sensitive,
                "contents": _statement(chains),
            },
        )
        manifest = build_manifest(
            ws,
            chains,
            export_event,
            scope=scope,
            include_sensitive=include_sensitive,
        )
        # 3 - manifest, openssl-ready copies, VERIFY.md, the verifier, SHA256SUMS
        text = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        (tmp / "manifest.json").write_text(text, encoding="utf-8")
        _write_openssl_files(tmp, manifest)
        (tmp / "VERIFY.md").write_text(verify_md(manifest), encoding="utf-8")
        verifier = resources.files("gawah.evidence") / "verifier" / "verify_package.py"
        (tmp / "verify_package.py").write_text(
            verifier.read_text("utf-8"), encoding="utf-8"
        )
        _write_sums(tmp)
        make_private(tmp)  # 0700 folders, 0600 files, whatever the umask
        if to.exists():
            to.rmdir()
        os.replace(tmp, to)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    manifest_sha = sha256_hex(text.encode("utf-8"))
    carrying = sum(
        1
        for i in manifest["items"]
        if not i["derived_from"] and (i["metadata"] or {}).get("sensitive_fields")
    )
    return ExportResult(
        to, len(manifest["items"]), len(manifest["events"]), manifest_sha, carrying
    )


def _write_sums(folder: Path) -> None:
    """``SHA256SUMS``: every file of the package but itself, for ``sha256sum -c``."""
    lines = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        with path.open("rb") as fh:
            lines.append(f"{hash_stream(fh)}  {path.relative_to(folder).as_posix()}\n")
    (folder / "SHA256SUMS").write_text("".join(lines), encoding="utf-8")
