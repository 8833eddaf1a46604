"""Pull over the local network (issue 14), on loopback: mutual device authentication.

FICTIONAL data. The server runs in a thread for a bounded number of pulls.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from gawah.errors import UserInputError
from gawah.registry import import_rows
from gawah.sync import BundleError
from gawah.sync.network import pull, serve
from gawah.testing.signer import fixed_seed
from gawah.workspace import Workspace

HEADERS = ["record_id", "full_name", "sex", "age", "status"]


@contextmanager
def serving(ws: Workspace, pulls: int = 1) -> Iterator[str]:
    """Serve ``ws`` on a free loopback port for up to ``pulls`` pulls."""
    bound: list[str] = []
    ready = threading.Event()

    def on_ready(host: str, port: int) -> None:
        bound.append(f"http://{host}:{port}/")
        ready.set()

    thread = threading.Thread(
        target=serve, args=(ws,), kwargs={"max_requests": pulls, "ready": on_ready}
    )
    thread.daemon = True
    thread.start()
    assert ready.wait(10)
    try:
        yield bound[0]
    finally:
        thread.join(0.2)


def test_an_enrolled_device_pulls_what_it_lacks(
    team: list[Workspace], tmp_path: Path
) -> None:
    hq, a, _b = team
    import_rows(hq, HEADERS, [["1", "FICTIONAL Sana Iqbal", "F", "30", "killed"]],
                source="FICTIONAL list")  # fmt: skip
    with serving(hq, pulls=2) as url:
        got = pull(a, url, expect=hq.identity)
        again = pull(a, url, since="last")
    assert got.reports == 1
    assert again.new_events == 0
    assert a.ledger.state_digest() == hq.ledger.state_digest()


def test_an_unenrolled_device_is_not_served(
    tmp_path: Path, team: list[Workspace]
) -> None:
    hq, _a, _b = team
    stranger = Workspace.init(
        tmp_path / "stranger", author="FICTIONAL stranger",
        key_seed=fixed_seed("net-stranger"), join=hq.identity,
    )  # fmt: skip
    try:
        with serving(hq, pulls=1) as url:
            before = stranger.ledger.state_digest()
            with pytest.raises(UserInputError, match="not enrolled"):
                pull(stranger, url)
            assert stranger.ledger.state_digest() == before
            pull_ok = pull(team[1], url)  # ends the server
        assert pull_ok.sender == hq.device
    finally:
        stranger.close()


def test_a_replayed_or_forged_challenge_is_refused(team: list[Workspace]) -> None:
    hq, a, _b = team
    with serving(hq, pulls=1) as url:
        with urllib.request.urlopen(url + "gawah-sync/hello") as answer:
            hello = json.loads(answer.read())
        forged = {
            "identity": a.identity,
            "challenge": hello["challenge"],
            "signature": "00" * 64,
            "since": None,
        }
        request = urllib.request.Request(
            url + "gawah-sync/pull", data=json.dumps(forged).encode(), method="POST"
        )
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(request)
        assert info.value.code == 403
        info.value.close()
        pull(a, url)  # a real pull still works, and ends the server


def test_the_wrong_server_is_refused(team: list[Workspace]) -> None:
    hq, a, b = team
    with serving(hq, pulls=1) as url:
        with pytest.raises(BundleError, match="not the expected"):
            pull(a, url, expect=b.identity)
        pull(a, url)


@pytest.mark.parametrize(
    "hello",
    [b"not json", b"[" * 10_000, b'{"identity": 1}', b"[]", b"\xff\xfe"],
)
def test_a_server_that_is_no_gawah_device_is_refused(
    team: list[Workspace], hello: bytes
) -> None:
    """S12: whatever a hostile server answers to the greeting (not JSON, nested
    too deep, wrong fields), the pull is refused with a bundle error, nothing
    stored."""
    import http.server

    _hq, a, _b = team

    class Hostile(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(hello)))
            self.end_headers()
            self.wfile.write(hello)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Hostile)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    before = a.ledger.state_digest()
    try:
        with pytest.raises(BundleError, match="did not answer as a gawah device"):
            pull(a, f"http://127.0.0.1:{server.server_port}/")
    finally:
        thread.join(5)
        server.server_close()
    assert a.ledger.state_digest() == before


def test_a_malformed_pull_request_is_answered_400(team: list[Workspace]) -> None:
    """S12, the serving side: a request body that is not JSON, nested too deep
    or without the fields gets 400 (not a dropped connection); a real pull then
    still works."""
    hq, a, _b = team
    codes = []
    with serving(hq, pulls=1) as url:
        for body in (b"not json", b"[" * 10_000, b"{}", b'{"identity": 5}'):
            request = urllib.request.Request(
                url + "gawah-sync/pull", data=body, method="POST"
            )
            with pytest.raises(urllib.error.HTTPError) as info:
                urllib.request.urlopen(request)
            codes.append(info.value.code)
            info.value.close()
        pull(a, url)  # ends the server
    assert codes == [400] * 4
