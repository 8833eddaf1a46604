"""Hostile uploads and metadata minimisation (SECURITY.md S22, S28)."""

from __future__ import annotations

import io
import logging
import random
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import TestClient, mint

CANARY_UA = "CANARY-UA-5f1e9c"
CANARY_IP = "203.0.113.77"


def _xlsx_like(payload: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", payload)
    return buf.getvalue()


def _bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"<row>" + b"A" * 8_000_000 + b"</row>")
    return buf.getvalue()


NAMES = ["list.csv", "../../escape.csv", "..\\..\\escape.csv", "/etc/passwd.csv",
         "gpj.\u202ecsv", "nul\x00byte.csv", "x" * 1000 + ".csv", "list.csv.exe",
         "list.php", "list.xlsx", "COM1.csv", "  .csv", "list.CSV", "ليست.csv",
         ".hidden.csv", "list.xlsm", "a/b/c.csv", "list.csv%00.txt", "~user.csv",
         "list.tar.gz"]  # fmt: skip


def _bodies(rng: random.Random) -> Iterator[tuple[str, bytes]]:
    yield "empty", b""
    yield "random", rng.randbytes(rng.randint(1, 4000))
    yield "truncated-xlsx", b"PK\x03\x04" + rng.randbytes(200)
    yield "polyglot", b"PK\x03\x04record_id,full_name\n1,A\n"
    yield "fake-zip-xml", _xlsx_like(b"<not>a workbook</not>")
    yield "utf16-no-bom", "record_id,full_name\n1,علی\n".encode("utf-16-le")
    yield "many-columns", (",".join(f"c{i}" for i in range(5000)) + "\n1\n").encode()
    yield "huge-cell", b"record_id,full_name\n1," + b"A" * 300_000 + b"\n"
    yield "formula", b"record_id,full_name\n1,=cmd|' /C calc'!A0\n"
    yield "quotes", b'record_id,full_name\n1,"unterminated\n'
    yield "binary-nul", b"record_id,full_name\n1,a\x00b\n"
    yield "only-header", b"record_id,full_name\n"
    yield "bad-utf8", b"record_id,full_name\n1,\xff\xfe\xfa\n"
    yield "rtl", "record_id,full_name\n1,\u202egnp.exe\n".encode()
    yield "deep-dup", b"record_id,full_name\n" + b"1,A\n" * 2000
    yield "header-dupes", b"full_name,full_name\nA,B\n"
    yield "crlf-mix", b"record_id,full_name\r\n1,A\r2,B\n"
    yield "bom-only", b"\xef\xbb\xbf"
    yield "sep-semicolon", b"record_id;full_name\n1;A\n"
    yield "long-line", b"record_id,full_name\n" + b"1," + b"x," * 50_000 + b"\n"


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_hostile_uploads(
    client: TestClient,
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """>= 500 hostile uploads: 0 server errors, nothing left outside the store."""
    # Each answer waits for its import (none is left running as a job), so
    # the folders are checked after every import has ended.
    monkeypatch.setattr("gawah.web.routes.imports.INLINE_WAIT", 300.0)
    # A temporary folder of this test's own: another test (or another pytest
    # worker under xdist) may hold an upload folder in the shared one meanwhile.
    tmp = tmp_path_factory.mktemp("uploads-tmp")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    before_tmp = {p.name for p in tmp.glob("gawah-upload-*")}
    before_home = {p.relative_to(home) for p in home.rglob("*")}
    headers = mint(client, "documenter")
    rng = random.Random(28)
    sent = 0
    statuses: dict[int, int] = {}
    for round_ in range(2):
        for i, name in enumerate(NAMES):
            for kind, body in _bodies(rng):
                if round_ and kind in ("many-columns", "huge-cell", "long-line"):
                    continue  # the big ones once are enough
                r = client.post(
                    "/api/imports",
                    headers=headers,
                    data={"source": f"hostile {kind} {i}"},
                    files={"file": (name, body, "application/octet-stream")},
                )
                sent += 1
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                assert r.status_code < 500, (name, kind, r.status_code, r.text[:200])
    r = client.post(
        "/api/imports",
        headers=headers,
        data={"source": "bomb"},
        files={"file": ("bomb.xlsx", _bomb(), "application/octet-stream")},
    )
    assert r.status_code < 500
    assert sent >= 500
    assert {p.name for p in tmp.glob("gawah-upload-*")} == before_tmp
    created = {p.relative_to(home) for p in home.rglob("*")} - before_home
    assert all(str(p).startswith("gawah.sqlite") for p in created), created
    assert set(statuses) <= {201, 400, 413, 422}, statuses


def test_no_request_metadata_is_kept(
    client: TestClient, home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """100 requests with a canary User-Agent and X-Forwarded-For leave no trace (S22)."""
    caplog.set_level(logging.DEBUG)
    headers = mint(client, "admin")
    headers.update({"User-Agent": CANARY_UA, "X-Forwarded-For": CANARY_IP})
    for i in range(100):
        if i % 10 == 0:
            client.post(
                "/api/reports",
                headers=headers,
                json={"source": "s22", "full_name": f"Person {i}"},
            )
        else:
            client.get("/api/reports", headers=headers, params={"q": "ali"})
    client.get("/api/session", headers={"User-Agent": CANARY_UA})
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert CANARY_UA.encode() not in data, path
            assert CANARY_IP.encode() not in data, path
    assert CANARY_UA not in caplog.text
    assert CANARY_IP not in caplog.text
