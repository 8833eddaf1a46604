"""A court-ready package: the files, their signed history, and how to check both.

Layout of ``--to DIR``::

    files/<digest[:12]>_<original name>   the bytes, re-hashed while copied
    SHA256SUMS                            for ``sha256sum -c`` / ``shasum -a 256 -c``
    manifest.json                         items, signed events with Merkle inclusion
                                          proofs, signed checkpoints, timestamps
    events/<id>.json + .sig, checkpoints/ the same signed bytes as files, for openssl
    VERIFY.md                             the checks, step by step, with standard tools
    verify_package.py                     stand-alone verifier (stdlib + cryptography)

The package is built in a temporary sibling folder and renamed into place, so
a failed export leaves nothing; the export itself is then recorded as an
``evidence.exported`` custody event carrying the manifest's SHA-256.
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
from typing import Any

from gawah.core import make_private, sha256_hex
from gawah.errors import EvidenceIntegrityError, UserInputError
from gawah.evidence.export_text import verify_md
from gawah.evidence.ingest import blob_store
from gawah.evidence.model import EXPORTED, EvidenceWorkspace
from gawah.evidence.queries import custody_history, get_evidence, list_evidence

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
    with src.open("rb") as fin, dst.open("wb") as fout:
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


def _event_ids(ws: EvidenceWorkspace, digests: list[str], sensitive: bool) -> list[str]:
    ids: list[str] = []
    for d in digests:
        ids += [c.event_id for c in custody_history(ws.conn, d)]
        if sensitive:
            ids += [
                r[0]
                for r in ws.conn.execute(
                    "SELECT event_id FROM evidence_sensitive WHERE digest = ?", (d,)
                )
            ]
    return list(dict.fromkeys(ids))


def build_manifest(
    ws: EvidenceWorkspace,
    digests: list[str],
    *,
    scope: dict[str, str | None],
    include_sensitive: bool,
) -> dict[str, Any]:
    """The manifest: items, their signed events with proofs, checkpoints, timestamps."""
    ledger = ws.ledger
    own_cp = ledger.checkpoint()
    cps = {own_cp.device: own_cp}
    events_out: list[dict[str, Any]] = []
    for event_id in _event_ids(ws, digests, include_sensitive):
        ev = ledger.event(event_id)
        if ev.device not in cps:
            stored = ledger.checkpoints(ev.device)
            if stored:
                cps[ev.device] = stored[-1]
        cp = cps.get(ev.device)
        proof = None
        if cp is not None:
            try:
                p = ledger.inclusion_proof(event_id, cp.size)
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
    for d in digests:
        item = get_evidence(ws.conn, d)
        assert item is not None
        row = ws.conn.execute(
            "SELECT event_id FROM evidence_items WHERE digest = ?", (d,)
        ).fetchone()
        payload = ledger.event(row[0]).payload
        items.append(
            {
                "digest": d,
                "size": item.size,
                "media_type": item.media_type,
                "original_name": item.original_name,
                "file": f"files/{d[:12]}_{_portable_name(item.original_name)}",
                "event": row[0],
                "metadata": payload.get("metadata"),
                "derived_from": payload.get("derived_from"),
            }
        )
    return {
        "format": FORMAT,
        "scope": scope,
        "statement": (
            "Each file's SHA-256 is the one recorded when gawah received it; the "
            "signed "
            "events are the chain of custody. A timestamp shows the ledger existed no "
            "later than the timestamp's time; it says nothing about when a photo or "
            "video was captured."
        ),
        "sensitive_metadata_included": include_sensitive,
        "items": items,
        "events": events_out,
        "checkpoints": [cp.note.decode("utf-8") for cp in cps.values()],
        "timestamps": _timestamps(ws, own_cp),
    }


def _timestamps(ws: EvidenceWorkspace, cp: Any) -> list[dict[str, Any]]:
    out = []
    rows = ws.conn.execute(
        "SELECT event_id FROM evidence_timestamps WHERE origin = ? AND size <= ? "
        "ORDER BY rowid",
        (cp.origin, cp.size),
    ).fetchall()
    for (event_id,) in rows:
        p = ws.ledger.event(event_id).payload
        proof = ws.ledger.consistency_proof(cp.device, p["size"], cp.size)
        out.append(
            {
                "checkpoint": p["checkpoint"],
                "token": p["token"],
                "tsa_url": p["tsa_url"],
                "gen_time": p["gen_time"],
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
        stem = out / "checkpoints" / device[:16]
        stem.with_suffix(".note").write_text(note, encoding="utf-8")
        stem.with_suffix(".body").write_bytes((body + "\n").encode("utf-8"))
        stem.with_suffix(".sig").write_bytes(sig)
        stem.with_suffix(".pub.pem").write_text(_ed25519_pem(device), encoding="ascii")
    for n, ts in enumerate(manifest["timestamps"], 1):
        (out / "timestamps").mkdir(exist_ok=True)
        (out / "timestamps" / f"{n}.tsr").write_bytes(base64.b64decode(ts["token"]))
        (out / "timestamps" / f"{n}.checkpoint").write_bytes(ts["checkpoint"].encode())


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
    manifest = build_manifest(
        ws, digests, scope=scope, include_sensitive=include_sensitive
    )
    store = blob_store(ws)
    to.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{to.name}.partial-", dir=to.parent))
    try:
        (tmp / "files").mkdir()
        for item in manifest["items"]:
            _copy_hashing(
                store.path_for(item["digest"]), tmp / item["file"], item["digest"]
            )
        sums = "".join(f"{i['digest']}  {i['file']}\n" for i in manifest["items"])
        (tmp / "SHA256SUMS").write_text(sums, encoding="utf-8")
        text = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        (tmp / "manifest.json").write_text(text, encoding="utf-8")
        _write_openssl_files(tmp, manifest)
        (tmp / "VERIFY.md").write_text(verify_md(manifest), encoding="utf-8")
        verifier = resources.files("gawah.evidence") / "verifier" / "verify_package.py"
        (tmp / "verify_package.py").write_text(
            verifier.read_text("utf-8"), encoding="utf-8"
        )
        make_private(tmp)  # 0700 folders, 0600 files, whatever the umask
        if to.exists():
            to.rmdir()
        os.replace(tmp, to)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    manifest_sha = sha256_hex(text.encode("utf-8"))
    ws.append(
        EXPORTED,
        {
            "digests": [i["digest"] for i in manifest["items"]],
            "report_id": report_id,
            "incident_id": incident_id,
            "manifest_sha256": manifest_sha,
            "package": to.name,
            "sensitive_metadata_included": include_sensitive,
        },
    )
    carrying = sum(
        1
        for i in manifest["items"]
        if not i["derived_from"] and (i["metadata"] or {}).get("sensitive_fields")
    )
    return ExportResult(
        to, len(manifest["items"]), len(manifest["events"]), manifest_sha, carrying
    )
