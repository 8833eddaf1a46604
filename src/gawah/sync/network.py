"""``gawah sync serve`` / ``gawah sync pull``: teams in one building, one network.

The serving device answers two requests over plain HTTP (stdlib ``http.server``
and ``urllib``: the security is in the bundle, not in the transport):

* ``GET /gawah-sync/hello`` gives its identity and a fresh random challenge;
* ``POST /gawah-sync/pull`` with the puller's identity, the challenge, and the
  puller's Ed25519 signature over ``"gawah-sync-pull/1\\n" || server identity ||
  challenge`` returns a bundle of what the puller lacks, encrypted to it.

Both sides authenticate by device identity: the server serves only a device
enrolled in its workspace and not revoked that proves it holds its key (each
challenge works once); the puller accepts only a bundle signed by the identity
that answered (``--expect`` pins it) and imports it with every check of ``gawah
sync import``. Requests are bounded in size and time, and ``--max-requests``
stops the server after that many pulls.
"""

from __future__ import annotations

import json
import secrets
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import TYPE_CHECKING, Any

import nacl.exceptions
import nacl.signing

from gawah.errors import UserInputError
from gawah.ledger import identity_of, parse_identity
from gawah.sync.bundle import MAX_CONTENT, BundleError
from gawah.sync.exchange import ImportResult, bundle_for, import_data

if TYPE_CHECKING:
    from gawah.workspace import Workspace

PULL_TAG = b"gawah-sync-pull/1\n"
_MAX_REQUEST = 16 * 1024
_MAX_CHALLENGES = 256
_TIMEOUT = 120.0


def _signed_text(server_identity: str, challenge: str) -> bytes:
    return (
        PULL_TAG + server_identity.encode("ascii") + b"\n" + challenge.encode("ascii")
    )


class _Server(HTTPServer):
    """One workspace served; challenges issued and not yet used."""

    def __init__(self, address: tuple[str, int], ws: Workspace) -> None:
        super().__init__(address, _Handler)
        self.ws = ws
        self.challenges: list[str] = []
        self.lock = threading.Lock()
        self.pulls = 0
        self.timeout = _TIMEOUT


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = _TIMEOUT

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: nothing about who pulled goes to the terminal."""

    def _send(self, status: int, body: bytes, kind: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path != "/gawah-sync/hello":
            self._send(404, b"not found")
            return
        challenge = secrets.token_hex(32)
        with self.server.lock:
            self.server.challenges = [*self.server.challenges, challenge][
                -_MAX_CHALLENGES:
            ]
        body = json.dumps({"identity": self.server.ws.identity, "challenge": challenge})
        self._send(200, body.encode("ascii"), "application/json")

    def do_POST(self) -> None:
        if self.path != "/gawah-sync/pull":
            self._send(404, b"not found")
            return
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= _MAX_REQUEST:
            self._send(413, b"request too large")
            return
        try:
            request = json.loads(self.rfile.read(length))
            identity = str(request["identity"])
            challenge = str(request["challenge"])
            signature = bytes.fromhex(str(request["signature"]))
            since = request.get("since")
            device = parse_identity(identity).hex()
        except (ValueError, KeyError, TypeError, RecursionError, UserInputError):
            self._send(400, b"malformed pull request")
            return
        with self.server.lock:
            fresh = challenge in self.server.challenges
            if fresh:
                self.server.challenges.remove(challenge)
        ws = self.server.ws
        try:
            nacl.signing.VerifyKey(bytes.fromhex(device)).verify(
                _signed_text(ws.identity, challenge), signature
            )
        except (ValueError, nacl.exceptions.CryptoError):
            fresh = False
        if not fresh:
            self._send(403, b"the device did not prove its identity")
            return
        enrolled = {d.device: d for d in ws.enrolled_devices()}
        known = enrolled.get(device)
        if known is None or known.revoked:
            self._send(403, b"this device is not enrolled here (or was revoked)")
            return
        data = bundle_for(ws, identity, since="last" if since == "last" else None)
        self.server.pulls += 1
        self._send(200, data, "application/octet-stream")


def serve(
    ws: Workspace,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    max_requests: int | None = None,
    ready: Callable[[str, int], None] | None = None,
) -> int:
    """Serve pulls until interrupted (or ``max_requests`` pulls); return the count.

    ``ready`` is called with the bound address (``port=0`` picks a free one).
    """
    ws.device_key()  # a locked key cannot sign bundles: fail before listening
    server = _Server((host, port), ws)
    try:
        if ready is not None:
            ready(str(server.server_address[0]), int(server.server_address[1]))
        while max_requests is None or server.pulls < max_requests:
            server.handle_request()
    finally:
        server.server_close()
    return server.pulls


def pull(
    ws: Workspace,
    url: str,
    *,
    expect: str | None = None,
    since: str | None = None,
) -> ImportResult:
    """Pull what this device lacks from a ``gawah sync serve`` and import it.

    Raises:
        UserInputError: the server cannot be reached or refuses this device.
        BundleError: the server is not the expected device, or its bundle does
            not verify (nothing stored).
    """
    if not url.startswith(("http://", "https://")):
        raise UserInputError("the URL must start with http:// (as `sync serve` prints)")
    base = url.rstrip("/")
    key = ws.device_key()
    answer = _fetch(f"{base}/gawah-sync/hello", None, _MAX_REQUEST)
    try:
        hello = json.loads(answer)
        server_identity = str(hello["identity"])
        challenge = str(hello["challenge"])
        server_device = parse_identity(server_identity).hex()
    except (ValueError, KeyError, TypeError, RecursionError, UserInputError):
        raise BundleError("the server did not answer as a gawah device") from None
    if expect is not None and parse_identity(expect).hex() != server_device:
        raise BundleError(
            f"the server is device {server_identity}, not the expected one; "
            "nothing was pulled"
        )
    signing = nacl.signing.SigningKey(key.seed())
    request = {
        "identity": identity_of(bytes(signing.verify_key)),
        "challenge": challenge,
        "signature": signing.sign(
            _signed_text(server_identity, challenge)
        ).signature.hex(),
        "since": since,
    }
    data = _fetch(
        f"{base}/gawah-sync/pull", json.dumps(request).encode("ascii"), MAX_CONTENT
    )
    return import_data(ws, data, sender=server_device)


def _fetch(url: str, body: bytes | None, limit: int) -> bytes:
    request = urllib.request.Request(  # noqa: S310 (http(s) checked by the caller)
        url,
        data=body,
        headers={"Content-Type": "application/json"} if body else {},
        method="POST" if body else "GET",
    )
    try:
        with urllib.request.urlopen(request, timeout=_TIMEOUT) as response:  # noqa: S310
            data: bytes = response.read(limit + 1)
    except urllib.error.HTTPError as exc:
        with exc:
            reason = exc.read(200).decode("utf-8", "replace").strip() or exc.reason
        raise UserInputError(f"the server refused: {reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise UserInputError(f"cannot reach {url}: {exc}") from None
    if len(data) > limit:
        raise BundleError("the server sent more than gawah reads")
    return data


__all__ = ["PULL_TAG", "pull", "serve"]
