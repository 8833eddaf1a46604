"""The first open checks the workspace once; threads arriving meanwhile open beside it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from gawah.errors import LedgerIntegrityError
from gawah.web._backend import Backend
from gawah.workspace import Workspace


def _blocking_check(
    monkeypatch: pytest.MonkeyPatch, fail: bool
) -> tuple[threading.Event, threading.Event, list[str]]:
    """A quick check that waits to be released (and then fails, if ``fail``)."""
    started, release = threading.Event(), threading.Event()
    calls: list[str] = []
    real = Workspace.quick_check

    def check(ws: Workspace) -> None:
        calls.append(threading.current_thread().name)
        started.set()
        assert release.wait(60)
        if fail:
            raise LedgerIntegrityError("FICTIONAL: a table was changed")
        real(ws)

    monkeypatch.setattr(Workspace, "quick_check", check)
    return started, release, calls


def _in_thread(backend: Backend, name: str, out: dict[str, object]) -> threading.Thread:
    def run() -> None:
        try:
            out[name] = backend.workspace()
        except Exception as exc:
            out[name] = exc

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread


@pytest.mark.parametrize("fail", [False, True])
def test_a_page_during_the_check_opens_beside_it_and_waits_for_the_verdict(
    home: Path, monkeypatch: pytest.MonkeyPatch, fail: bool
) -> None:
    started, release, calls = _blocking_check(monkeypatch, fail)
    opened: list[str] = []
    real_open = Workspace.open.__func__  # type: ignore[attr-defined]

    def noted_open(cls: type[Workspace], *args: object, **kwargs: object) -> Workspace:
        ws: Workspace = real_open(cls, *args, **kwargs)
        opened.append(threading.current_thread().name)
        return ws

    monkeypatch.setattr(Workspace, "open", classmethod(noted_open))
    backend = Backend(home=home)
    out: dict[str, object] = {}
    try:
        first = _in_thread(backend, "first", out)
        assert started.wait(60)
        second = _in_thread(backend, "second", out)
        second.join(timeout=2)
        # Opened beside the check, yet not served before the verdict.
        assert second.is_alive()
        assert opened == ["second"]
        release.set()
        first.join(timeout=60)
        second.join(timeout=60)
        if fail:
            # The second thread ran the check again and was refused too.
            assert isinstance(out["first"], LedgerIntegrityError)
            assert isinstance(out["second"], LedgerIntegrityError)
            assert calls == ["first", "second"]
        else:
            assert isinstance(out["first"], Workspace)
            assert isinstance(out["second"], Workspace)
            assert out["first"] is not out["second"]
            assert calls == ["first"]  # checked once
            assert backend.workspace().ledger.head() is not None  # this thread's
            assert calls == ["first"]
    finally:
        release.set()
        backend.close()
