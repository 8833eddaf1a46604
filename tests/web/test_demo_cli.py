"""`gawah demo --no-serve`: built, linked, claimed and estimated in under 60 s."""

from __future__ import annotations

import re
import time
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gawah.cli import app
from gawah.errors import UserInputError
from gawah.web import create_app

from .conftest import TestClient, login


@pytest.mark.filterwarnings("ignore::UserWarning")  # pandas date chatter in linkage
def test_demo_is_ready_quickly_with_a_generated_password(tmp_path: Path) -> None:
    """The demo prepares itself in < 60 s and prints a fresh admin password that works."""
    home = tmp_path / "demo"
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = CliRunner().invoke(app, ["demo", "--home", str(home), "--no-serve"])
    elapsed = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    assert elapsed < 60
    found = re.search(r"password \(shown once\): (\S+)", result.output)
    assert found is not None
    password = found.group(1)
    assert len(password) >= 20
    key = re.search(r"passphrase \(shown once\): (\S+)", result.output)
    assert key is not None  # the device key is protected by a generated passphrase
    assert len(key.group(1)) >= 20
    assert "no passphrase" not in result.output
    # serving it later names the relaxed second-factor rule the demo admin needs
    assert "--admin-without-mfa" in result.output
    with TestClient(
        create_app(home, passphrase=key.group(1), admin_mfa=False)
    ) as client:
        login(client, "admin", password)
        dashboard = client.get("/api/dashboard").json()
    assert dashboard["linked"] is True
    assert len(dashboard["claims"]) == 5
    assert dashboard["counts"]["killed"] > 0
    refused = CliRunner().invoke(app, ["demo", "--home", str(home), "--no-serve"])
    # the key is protected: a usage error (exit 2) saying what to pass
    assert isinstance(refused.exception, UserInputError)
    assert "--passphrase-file" in str(refused.exception)
    secret = tmp_path / "demo-passphrase"
    secret.write_text(key.group(1) + "\n")
    again = CliRunner().invoke(
        app,
        ["demo", "--home", str(home), "--no-serve", "--passphrase-file", str(secret)],
    )
    second = re.search(r"password \(shown once\): (\S+)", again.output)
    assert second is not None
    assert second.group(1) != password  # never a fixed password
