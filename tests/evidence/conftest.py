"""Fixtures for the evidence tests: a workspace, FICTIONAL files, a local OpenSSL TSA."""

from __future__ import annotations

import http.server
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gawah.testing.evidence_media import camera_exif, image_bytes, scene
from gawah.workspace import Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace.init(tmp_path / "ws", author="FICTIONAL documenter")
    yield workspace
    workspace.close()


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    """A FICTIONAL camera photo with capture time, device serial and GPS in EXIF."""
    path = tmp_path / "in" / "photo.jpg"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(image_bytes(scene(7), exif=camera_exif()))
    return path


_TSA_CONF = """
[ tsa ]
default_tsa = tsa_config1
[ tsa_config1 ]
dir = {dir}
serial = $dir/tsaserial
crypto_device = builtin
signer_cert = $dir/tsa.crt
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


@dataclass(frozen=True)
class LocalTSA:
    url: str
    ca_file: Path
    other_ca_file: Path


def _openssl_has_ts() -> bool:
    if shutil.which("openssl") is None:
        return False
    probe = subprocess.run(["openssl", "ts", "-help"], capture_output=True, check=False)
    return probe.returncode in (0, 1) and b"reply" in probe.stdout + probe.stderr


def _run(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _make_ca(d: Path, name: str) -> None:
    _run(
        "ecparam",
        "-name",
        "prime256v1",
        "-genkey",
        "-noout",
        "-out",
        f"{name}.key",
        cwd=d,
    )
    _run(
        "req", "-x509", "-new", "-key", f"{name}.key", "-out", f"{name}.crt",
        "-subj", f"/CN=FICTIONAL {name}", "-days", "2",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=d,
    )  # fmt: skip


@pytest.fixture(scope="session")
def local_tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalTSA]:
    """An RFC 3161 TSA on 127.0.0.1: ``openssl ts -reply`` behind http.server."""
    if not _openssl_has_ts():
        pytest.skip("openssl lacks the ts command; cannot run a local TSA")
    d = tmp_path_factory.mktemp("tsa")
    _make_ca(d, "ca")
    _make_ca(d, "other")
    (d / "ext.cnf").write_text(
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=critical,timeStamping\n"
    )
    _run(
        "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "tsa.key", cwd=d
    )
    _run(
        "req",
        "-new",
        "-key",
        "tsa.key",
        "-out",
        "tsa.csr",
        "-subj",
        "/CN=FICTIONAL TSA",
        cwd=d,
    )
    _run(
        "x509", "-req", "-in", "tsa.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "tsa.crt", "-days", "2", "-extfile", "ext.cnf",
        cwd=d,
    )  # fmt: skip
    (d / "tsaserial").write_text("01\n")
    (d / "tsa.cnf").write_text(_TSA_CONF.format(dir=d))
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                (d / "q.tsq").write_bytes(body)
                _run(
                    "ts", "-reply", "-config", "tsa.cnf", "-queryfile", "q.tsq",
                    "-out", "r.tsr", cwd=d,
                )  # fmt: skip
                reply = (d / "r.tsr").read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LocalTSA(
            f"http://127.0.0.1:{server.server_address[1]}/tsa",
            d / "ca.crt",
            d / "other.crt",
        )
    finally:
        server.shutdown()
        server.server_close()
