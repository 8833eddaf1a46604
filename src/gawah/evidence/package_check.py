"""Check an export package with gawah's own ledger code (a second, independent verifier).

The package ships ``verify_package.py`` (standard library + ``cryptography``)
for recipients without gawah. This module performs the same five checks with
the code the ledger itself trusts: :func:`gawah.ledger.open_checkpoint`,
:func:`gawah.ledger.verify_inclusion` / ``verify_consistency`` and PyNaCl
signatures. The tests run both on good and tampered packages and require them
to agree (SECURITY.md S31), so a bug in either shows up as a disagreement.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.signing

from gawah.core import sha256_bytes
from gawah.errors import LedgerIntegrityError
from gawah.evidence.store import hash_stream
from gawah.ledger import (
    Checkpoint,
    Event,
    leaf_hash,
    open_checkpoint,
    verify_consistency,
    verify_inclusion,
)

_DESCRIBED = (
    "digest",
    "size",
    "media_type",
    "original_name",
    "metadata",
    "derived_from",
)


def _sha256_file(path: Path) -> str:
    with path.open("rb") as fh:
        return hash_stream(fh)


def _files(pkg: Path, manifest: dict[str, Any]) -> list[str]:
    problems = []
    root = pkg.resolve()
    for item in manifest["items"]:
        path = (pkg / item["file"]).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            problems.append(f"missing file {item['file']}")
        elif (
            path.stat().st_size != item["size"] or _sha256_file(path) != item["digest"]
        ):
            problems.append(f"file does not match its digest: {item['file']}")
    return problems


def _events(manifest: dict[str, Any]) -> tuple[dict[str, Event], list[str]]:
    good: dict[str, Event] = {}
    problems = []
    for ev in manifest["events"]:
        raw, sig = ev["raw"].encode("utf-8"), bytes.fromhex(ev["signature"])
        try:
            event = Event.from_stored(raw, sig)
            nacl.signing.VerifyKey(bytes.fromhex(event.device)).verify(raw, sig)
        except (LedgerIntegrityError, nacl.exceptions.BadSignatureError, ValueError):
            problems.append(f"bad event or signature {ev['id']}")
            continue
        if event.id != ev["id"]:
            problems.append(f"event bytes do not hash to its id {ev['id']}")
            continue
        good[event.id] = event
    return good, problems


def check_package(pkg: Path) -> list[str]:
    """Every problem found in the package at ``pkg`` (an empty list: all checks pass)."""
    try:
        manifest = json.loads((pkg / "manifest.json").read_text(encoding="utf-8"))
        return _check(pkg, manifest)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        return [f"manifest.json is unreadable or malformed: {exc!r}"]


def _check(pkg: Path, manifest: dict[str, Any]) -> list[str]:
    # 1 - files
    problems = _files(pkg, manifest)
    # 2 - signed events
    events, bad = _events(manifest)
    problems += bad
    # 3 - descriptions match the signed receipts
    for item in manifest["items"]:
        ev = events.get(item.get("event", ""))
        if ev is None or ev.kind not in ("evidence.received", "evidence.derived"):
            problems.append(f"no signed receipt for {item['digest']}")
        elif any(ev.payload.get(k) != item.get(k) for k in _DESCRIBED):
            problems.append(
                f"description differs from the signed event: {item['digest']}"
            )
    # 4 - inclusion in signed checkpoints
    checkpoints: dict[str, Checkpoint] = {}
    for note in manifest["checkpoints"]:
        try:
            opened = open_checkpoint(note.encode("utf-8"))
        except LedgerIntegrityError:
            problems.append("checkpoint signature or format is bad")
            continue
        checkpoints[opened.device] = opened
    raw_by_id = {ev["id"]: ev for ev in manifest["events"]}
    for event_id, event in events.items():
        proof, head = raw_by_id[event_id].get("proof"), checkpoints.get(event.device)
        ok = (
            proof is not None
            and head is not None
            and proof["size"] == head.size
            and verify_inclusion(
                proof["index"],
                head.size,
                leaf_hash(event.raw),
                [bytes.fromhex(h) for h in proof["path"]],
                head.root,
            )
        )
        if not ok:
            problems.append(f"no valid inclusion proof for event {event_id}")
    # 5 - timestamps: same log, earlier state, token over that checkpoint
    for ts in manifest["timestamps"]:
        try:
            old = open_checkpoint(ts["checkpoint"].encode("utf-8"))
        except LedgerIntegrityError:
            problems.append("timestamped checkpoint is bad")
            continue
        latest = checkpoints.get(old.device)
        imprint = sha256_bytes(ts["checkpoint"].encode("utf-8"))
        path = [bytes.fromhex(h) for h in ts["consistency"]]
        if (
            latest is None
            or imprint not in base64.b64decode(ts["token"])
            or not verify_consistency(
                old.size, latest.size, old.root, latest.root, path
            )
        ):
            problems.append("timestamp does not bind to the exported checkpoint")
    return problems
