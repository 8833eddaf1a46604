"""RFC 3161 timestamps over signed ledger checkpoints.

When a device is online it asks a Time-Stamping Authority to sign the SHA-256
of its latest checkpoint note. The token proves that the ledger up to that
checkpoint (and so every event in it) **existed no later than** the TSA's
``genTime``. It never proves when a photo or video was captured: a capture
time is the device's claim, written in metadata.

The request goes over plain HTTP(S) with ``urllib`` (RFC 3161 section 3.4);
the reply is checked with ``rfc3161-client`` against the CA certificate the
user trusts for that TSA before it is stored as a ``checkpoint.timestamped``
event. Nothing here runs unless asked: gawah never goes online by itself.
"""

from __future__ import annotations

import base64
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from rfc3161_client import (
    HashAlgorithm,
    TimestampRequestBuilder,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

from gawah.core import sha256_hex
from gawah.errors import IntegrityError, UserInputError
from gawah.evidence.model import TIMESTAMPED, EvidenceWorkspace

_MAX_REPLY = 1024 * 1024


class TimestampError(IntegrityError):
    """A TSA reply does not verify against the request and the trusted CA."""


@dataclass(frozen=True, slots=True)
class TimestampRecord:
    """A verified token over one checkpoint, as stored in the ledger."""

    event_id: str
    origin: str
    size: int
    gen_time: str
    tsa_url: str


def load_ca(ca_file: Path) -> list[x509.Certificate]:
    try:
        data = Path(ca_file).read_bytes()
    except OSError as exc:
        raise UserInputError(f"cannot read the TSA CA file {ca_file}") from exc
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise UserInputError(f"{ca_file} is not a PEM or DER certificate") from exc


def verify_token(reply: bytes, message: bytes, roots: list[x509.Certificate]) -> str:
    """Check a TSA reply over ``message``; return its genTime (ISO 8601 UTC).

    Raises:
        TimestampError: the reply is malformed, not granted, not signed by a
            certificate chaining to ``roots``, or over another message.
    """
    try:
        resp = decode_timestamp_response(reply)
        builder = VerifierBuilder()
        for root in roots:
            builder = builder.add_root_certificate(root)
        builder.build().verify_message(resp, message)
    except (VerificationError, ValueError) as exc:
        raise TimestampError(f"the timestamp does not verify: {exc}") from exc
    return resp.tst_info.gen_time.isoformat()


def _post(url: str, body: bytes, timeout: float) -> bytes:
    if not url.startswith(("http://", "https://")):
        raise UserInputError("the TSA address must start with http:// or https://")
    req = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url, data=body, headers={"Content-Type": "application/timestamp-query"}
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
            data: bytes = resp.read(_MAX_REPLY + 1)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise UserInputError(f"could not get a timestamp from {url}: {exc}") from exc
    if len(data) > _MAX_REPLY:
        raise UserInputError("the TSA reply is too large")
    return data


def request_timestamp(
    ws: EvidenceWorkspace, tsa_url: str, ca_file: Path, timeout: float = 30.0
) -> TimestampRecord:
    """Timestamp this device's latest checkpoint and record the verified token.

    Steps: 1 - sign (or reuse) the latest checkpoint; 2 - send the SHA-256 of
    its note to the TSA with a fresh nonce; 3 - verify the reply against the
    request and ``ca_file``; 4 - append ``checkpoint.timestamped``.
    """
    roots = load_ca(ca_file)
    # 1 - the checkpoint note is the message
    cp = ws.ledger.checkpoint()
    note: bytes = cp.note
    # 2 - request over SHA-256 with a nonce and the TSA's certificate included
    request = (
        TimestampRequestBuilder()
        .data(note)
        .hash_algorithm(HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .cert_request(cert_request=True)
        .build()
    )
    reply = _post(tsa_url, request.as_bytes(), timeout)
    # 3 - verify the nonce, the message imprint and the signature chain
    try:
        resp = decode_timestamp_response(reply)
        builder = VerifierBuilder.from_request(request)
        for root in roots:
            builder = builder.add_root_certificate(root)
        builder.build().verify_message(resp, note)
    except (VerificationError, ValueError) as exc:
        raise TimestampError(f"the TSA reply does not verify: {exc}") from exc
    gen_time = resp.tst_info.gen_time.isoformat()
    # 4 - the token becomes part of the ledger
    payload: dict[str, Any] = {
        "origin": cp.origin,
        "size": cp.size,
        "root": base64.b64encode(cp.root).decode(),
        "checkpoint": note.decode("utf-8"),
        "message_sha256": sha256_hex(note),
        "tsa_url": tsa_url,
        "token": base64.b64encode(reply).decode(),
        "gen_time": gen_time,
        "ca_pem": "".join(
            r.public_bytes(serialization.Encoding.PEM).decode("ascii") for r in roots
        ),
        "meaning": "the ledger up to this checkpoint existed no later than gen_time",
    }
    event = ws.append(TIMESTAMPED, payload)
    return TimestampRecord(event.id, cp.origin, cp.size, gen_time, tsa_url)


def verify_timestamps(ws: EvidenceWorkspace, ca_file: Path) -> list[TimestampRecord]:
    """Re-verify every stored token of this workspace against ``ca_file``.

    Raises:
        TimestampError: a stored token no longer verifies.
    """
    roots = load_ca(ca_file)
    out = []
    rows = ws.conn.execute(
        "SELECT event_id FROM evidence_timestamps ORDER BY rowid"
    ).fetchall()
    for (event_id,) in rows:
        p = ws.ledger.event(event_id).payload
        gen = verify_token(
            base64.b64decode(p["token"]), p["checkpoint"].encode("utf-8"), roots
        )
        out.append(TimestampRecord(event_id, p["origin"], p["size"], gen, p["tsa_url"]))
    return out
