"""Fixtures for linkage tests: the real CLI entry point, in-process."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest
from _linkage_cli import Run


@pytest.fixture
def gawah(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Run]:
    """Run `gawah ...` through ``gawah.cli.main`` (error mapping and exit codes included)."""
    from gawah.cli import main

    def run(*args: str) -> Run:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["gawah", *args])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return Run(code, out.out, " ".join(out.err.split()))

    return run
