"""The canary test: sensitive values of an imported list are nowhere in the open.

A FICTIONAL list whose ids, phones, witnesses and addresses are unique canary
strings, under headers real lists use (Latin and Urdu), is imported and linked;
then no canary, in UTF-8, UTF-16 or hex, may appear in any file of the workspace
folder, in the default export, in listings, in the web pages of each role
without the right to see sensitive values, or in logs. With the key, every
value comes back exactly.
"""

from __future__ import annotations

import base64
import csv
import json
import logging
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from gawah.cli import main
from gawah.linkage import link_workspace
from gawah.registry import get_sensitive, list_reports
from gawah.sealing import Opener
from gawah.workspace import Workspace

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
from fastapi.testclient import TestClient  # noqa: E402

from gawah.web import Role, create_app  # noqa: E402
from gawah.web._backend import Backend  # noqa: E402
from gawah.web._security import COOKIE  # noqa: E402
from gawah.web.accounts import add_user  # noqa: E402
from gawah.web.auth import Right, allows  # noqa: E402

N = 24
_URDU_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
HEADERS = [
    "Sr No", "Name", "Father Name", "CNIC Number", "Mobile No", "Witness",
    "Informant", "شناختی کارڈ نمبر", "موبائل نمبر", "گواہ کا نام", "Exact Address",
    "Col 12", "Status",
]  # fmt: skip


def canary_rows() -> list[dict[str, str]]:
    """N FICTIONAL rows; every sensitive cell is a unique canary."""
    rows = []
    for n in range(N):
        rows.append(
            {
                "Sr No": str(n + 1),
                "Name": f"FICTIONAL Person {n:02d}",
                "Father Name": "FICTIONAL Father",
                "CNIC Number": f"35202-{7770000 + n:07d}-1",
                "Mobile No": f"0300-{5550000 + n:07d}",
                "Witness": f"Qzwitness Kanary{n:02d}",
                "Informant": f"Qzinformant Kanary{n:02d}",
                "شناختی کارڈ نمبر": f"61101-{8880000 + n:07d}-3",
                "موبائل نمبر": f"0321-{6660000 + n:07d}",
                "گواہ کا نام": f"قزگواہ {n:02d}".translate(_URDU_DIGITS),
                "Exact Address": f"House {n} Qzstreet Kanary",
                "Col 12": f"0345-{4440000 + n:07d}",
                "Status": "Injured",
            }
        )
    return rows


def canaries(rows: list[dict[str, str]]) -> list[str]:
    """Every sensitive value, as written and as digits only."""
    found: set[str] = set()
    for row in rows:
        for header in HEADERS[3:12]:
            value = row[header]
            found.add(value)
            digits = "".join(c for c in value if c.isdigit())
            if len(digits) >= 10:
                found.add(digits)
    return sorted(found)


def encodings(canary: str) -> list[bytes]:
    """UTF-8, UTF-16, hex and base64 (S14): base64 at each of the 3 alignments
    the value can have inside a longer encoded text, less the first and last
    quantum, which depend on the neighbouring bytes."""
    raw = canary.encode("utf-8")
    return [
        raw,
        canary.encode("utf-16-le"),
        canary.encode("utf-16-be"),
        raw.hex().encode("ascii"),
        *(base64.b64encode(bytes(shift) + raw)[4:-4] for shift in range(3)),
    ]


def leaks(data: bytes, values: list[str]) -> list[str]:
    return [v for v in values if any(form in data for form in encodings(v))]


def _run(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> str:
    monkeypatch.setattr(sys, "argv", ["gawah", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    assert code == 0, out.out + out.err
    return out.out + out.err


@pytest.fixture
def imported(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> Iterator[tuple[Path, list[dict[str, str]], list[str]]]:
    caplog.set_level(logging.DEBUG)
    home = tmp_path / "ws"
    monkeypatch.setenv("GAWAH_HOME", str(home))
    monkeypatch.setenv("COLUMNS", "250")
    rows = canary_rows()
    lists = tmp_path / "lists"  # the lists are the user's files, outside the workspace
    lists.mkdir()
    first, second = lists / "hospital.csv", lists / "families.csv"
    for path, part, encoding in (
        (first, rows[: N // 2], "utf-8"),
        (second, rows[N // 2 :], "utf-16"),
    ):
        with path.open("w", encoding=encoding, newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=HEADERS)
            writer.writeheader()
            writer.writerows(part)
    # The device key is passphrase-protected, as by default.
    monkeypatch.setenv("GAWAH_PASSPHRASE", "FICTIONAL test passphrase")
    outputs = [_run(["init", "--author", "FICTIONAL doc"], monkeypatch, capsys)]
    outputs.append(
        _run(["incidents", "add", "FICTIONAL", "--id", "inc"], monkeypatch, capsys)
    )
    for path in (first, second):
        outputs.append(
            _run(
                [
                    "import",
                    str(path),
                    "--source",
                    path.stem,
                    "--incident",
                    "inc",
                    "--new-source",
                ],
                monkeypatch,
                capsys,
            )
        )
    assert "Col 12" in outputs[-1]  # the import said it treated Col 12 as sensitive
    with Workspace.open(home) as ws, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        link_workspace(ws)
    return home, rows, outputs


def test_no_canary_anywhere_without_the_key(
    imported: tuple[Path, list[dict[str, str]], list[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    home, rows, outputs = imported
    values = canaries(rows)
    assert len(values) >= 9 * N
    with Workspace.open(home) as ws:
        report_id = list_reports(ws.conn)[0].report_id
    export = tmp_path / "export.csv"
    outputs += [
        _run(["reports", "list", "--limit", "0"], monkeypatch, capsys),
        _run(["reports", "list", "--limit", "0", "--json"], monkeypatch, capsys),
        _run(["reports", "show", report_id], monkeypatch, capsys),
        _run(["reports", "show", report_id, "--json"], monkeypatch, capsys),
        _run(["status", "--json"], monkeypatch, capsys),
        _run(["ledger", "verify"], monkeypatch, capsys),
        _run(["export", "csv", "--out", str(export)], monkeypatch, capsys),
    ]
    assert leaks("\n".join(outputs).encode("utf-8"), values) == []
    assert leaks(export.read_bytes(), values) == []

    pages: dict[Role, bytes] = {}
    backend = Backend(home=home)
    try:
        for role in Role:
            add_user(
                backend, role.value, role, f"FICTIONAL pass {role.value} 12345", by="t"
            )
    finally:
        backend.close()
    with TestClient(create_app(home)) as client:
        backend = client.app.state.backend  # type: ignore[attr-defined]
        for role in Role:
            client.cookies.clear()
            token, _ = backend.store.new_session(role.value, backend.clock())
            client.cookies.set(COOKIE, token)
            body = b""
            for url in (
                "/dashboard", "/register", "/api/reports", f"/reports/{report_id}",
                f"/api/reports/{report_id}", "/review", "/api/review", "/estimates",
            ):  # fmt: skip
                body += client.get(url).content
            pages[role] = body
    for role, body in pages.items():
        found = leaks(body, values)
        if allows(role, Right.SENSITIVE):
            assert found, f"{role} may see sensitive values but the page shows none"
        else:
            assert found == [], f"{role} sees sensitive values"

    files = [p for p in home.rglob("*") if p.is_file()]
    assert any(p.name == "gawah.sqlite" for p in files)
    for path in files:
        assert leaks(path.read_bytes(), values) == [], f"canary in {path.name}"
    log_text = "\n".join(r.getMessage() for r in caplog.records).encode("utf-8")
    assert leaks(log_text, values) == []


def test_exact_round_trip_with_the_key(
    imported: tuple[Path, list[dict[str, str]], list[str]],
) -> None:
    home, rows, _ = imported
    by_record = {row["Sr No"]: row for row in rows}
    with Workspace.open(home) as ws, Opener(ws) as opener:
        reports = list_reports(ws.conn)
        assert len(reports) == N
        for report in reports:
            row = by_record[report.record_id]
            secret = get_sensitive(ws.conn, report.report_id, opener)
            assert secret is not None
            assert secret.national_id == row["CNIC Number"].replace("-", "")
            assert secret.phone == row["Mobile No"]
            assert secret.witness_name == row["Witness"]
            expected_other = {h: row[h] for h in HEADERS[6:12] if h != "گواہ کا نام"}
            expected_other["گواہ کا نام"] = row["گواہ کا نام"]
            assert secret.other == expected_other
    assert json.loads(json.dumps(secret.other, ensure_ascii=False)) == expected_other


def test_the_scan_finds_a_value_inside_longer_base64() -> None:
    """The base64 forms catch a canary at any offset of an encoded blob (S14)."""
    found = 0
    for before in range(6):
        for after in range(4):
            blob = bytes(range(before)) + b"Qzwitness Kanary07" + bytes(after)
            encoded = base64.b64encode(blob)
            assert leaks(encoded, ["Qzwitness Kanary07"]) == ["Qzwitness Kanary07"]
            found += 1
    assert found == 24
    assert leaks(base64.b64encode(b"Qzwitness Xanary07"), ["Qzwitness Kanary07"]) == []
