"""Pages kept per ledger state across restarts (issue 18: the first dashboard after start)."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from gawah.web import _backend, _search, create_app
from gawah.web.routes import dashboard, estimates
from gawah.workspace import Workspace

from .conftest import TestClient, mint


def _no_computing(monkeypatch: pytest.MonkeyPatch) -> None:
    def recompute(*args: object) -> None:
        raise AssertionError("the page was computed again")

    monkeypatch.setattr(dashboard, "_compute", recompute)
    monkeypatch.setattr(estimates, "_compute", recompute)


def _stored(home: Path) -> dict[str, tuple[str, str]]:
    conn = sqlite3.connect(home / "gawah.sqlite")
    try:
        rows = conn.execute("SELECT key, state, value FROM web_page_cache").fetchall()
    finally:
        conn.close()
    return {str(k): (str(s), str(v)) for k, s, v in rows}


def _first_pages(home: Path) -> tuple[dict[str, object], dict[str, object]]:
    with TestClient(create_app(home)) as client:
        mint(client, "viewer")
        d = client.get("/api/dashboard")
        e = client.get("/api/estimates")
        assert d.status_code == 200
        assert e.status_code == 200
        return d.json(), e.json()


class TestKeptAcrossRestarts:
    def test_a_restarted_server_answers_from_the_stored_pages(
        self, home: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        dash, est = _first_pages(home)
        assert dash["documented"] > 0
        _no_computing(monkeypatch)
        with TestClient(create_app(home)) as client:
            mint(client, "viewer")
            assert client.get("/api/dashboard").json() == dash
            assert client.get("/api/estimates").json() == est
            page = client.get("/dashboard")
            assert page.status_code == 200
            assert f"{dash['documented']:,}" in page.text
            assert client.get("/estimates").status_code == 200

    def test_a_page_of_another_ledger_state_is_not_used(
        self, home: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        dash, _ = _first_pages(home)
        with Workspace.open(home) as ws:  # any event changes the state
            ws.append("workspace.note", {"text": "FICTIONAL: a later event"})
        computed: list[object] = []
        real = dashboard._compute

        def counting(*args: object) -> dashboard.DashboardOut:
            computed.append(args)
            return real(*args)  # type: ignore[arg-type]

        monkeypatch.setattr(dashboard, "_compute", counting)
        with TestClient(create_app(home)) as client:
            mint(client, "viewer")
            assert client.get("/api/dashboard").json() == dash
        assert len(computed) == 1
        (state, _), *_ = [v for k, v in _stored(home).items() if "dashboard" in k]
        with Workspace.open(home) as ws:
            head = ws.ledger.head()
        assert head is not None
        assert state == f"{head[0]}:{head[1]}"

    def test_a_started_server_recomputes_and_replaces_an_altered_copy(
        self,
        home: Path,
        caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        dash, _ = _first_pages(home)
        key = next(k for k in _stored(home) if "dashboard" in k)
        conn = sqlite3.connect(home / "gawah.sqlite")
        with conn:
            (value,) = conn.execute(
                "SELECT value FROM web_page_cache WHERE key = ?", (key,)
            ).fetchone()
            altered = json.loads(value) | {"documented": 999_999}
            conn.execute(
                "UPDATE web_page_cache SET value = ? WHERE key = ?",
                (json.dumps(altered), key),
            )
        conn.close()
        monkeypatch.setattr(_backend, "WARM_AFTER", 0.0)  # no first page first
        app = create_app(home, warm=True)
        with (
            caplog.at_level(logging.WARNING, logger="gawah.web"),
            TestClient(app) as client,
        ):
            warming = app.state.backend._warming
            assert warming is not None
            warming.join(timeout=300)
            mint(client, "viewer")
            assert client.get("/api/dashboard").json() == dash
        assert "differed from the ledger" in caplog.text
        assert json.loads(_stored(home)[key][1])["documented"] == dash["documented"]

    def test_a_started_server_holds_the_stored_pages_before_checking_them(
        self, home: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """As ``gawah serve`` starts, the stored pages are in memory before the
        check recomputes them: a request meanwhile reads no database table."""
        dash, est = _first_pages(home)
        checking, release = threading.Event(), threading.Event()
        real = dashboard._compute

        def slow(*args: object) -> dashboard.DashboardOut:
            checking.set()
            assert release.wait(120)
            return real(*args)  # type: ignore[arg-type]

        monkeypatch.setattr(dashboard, "_compute", slow)
        monkeypatch.setattr(_backend, "WARM_AFTER", 0.0)  # no first page first
        app = create_app(home, warm=True)
        with TestClient(app) as client:
            backend = app.state.backend
            assert checking.wait(120)
            state = backend.state()
            for key in (
                ("dashboard", None, "killed"),
                ("estimates", None, None, "loglinear"),
            ):
                held, _ = backend.cache.peek(state, ("page", key))
                assert held, key
            mint(client, "viewer")
            assert client.get("/api/dashboard").json() == dash
            assert client.get("/api/estimates").json() == est
            release.set()

    def test_closing_the_server_stops_the_warm_up_quietly(
        self,
        home: Path,
        monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """A warm-up still reading when the server closes (the dashboard's check
        reads for minutes at a million reports) has its query stopped: it ends
        before its handle is closed, and logs no failure (it failed with
        ProgrammingError on the handle closed under it). The query starts
        only after close began, as when the warm-up is between two queries:
        SQLite drops an interrupt that comes before a statement runs (a single
        interrupt left this query running and hung a CI run)."""
        reading = threading.Event()

        def endless(backend: _backend.Backend, *args: object) -> None:
            reading.set()
            conn = backend.workspace().conn
            while not backend.stopping():
                time.sleep(0.01)
            time.sleep(0.2)  # well after close's first interrupt
            conn.execute(
                "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n"
                " LIMIT 10000000000) SELECT count(*) FROM n"
            ).fetchone()

        monkeypatch.setattr(dashboard, "_compute", endless)
        monkeypatch.setattr(_backend, "WARM_AFTER", 0.0)  # no first page first
        app = create_app(home, warm=True)
        warming = None
        with (
            caplog.at_level(logging.WARNING, logger="gawah.web"),
            TestClient(app),
        ):
            warming = app.state.backend._warming
            assert reading.wait(120)
        assert warming is not None
        assert not warming.is_alive()
        assert "failed" not in caplog.text

    @pytest.mark.parametrize("names_pending", [False, True])
    def test_the_work_at_start_waits_for_the_first_page(
        self, home: Path, monkeypatch: pytest.MonkeyPatch, names_pending: bool
    ) -> None:
        """The pages' check at start, and tokenising names recorded since the
        last start (seconds of the interpreter at a million reports), begin
        once a first page was answered, not beside it. An index with nothing
        to tokenise is complete at once."""
        _first_pages(home)
        conn = sqlite3.connect(home / "gawah.sqlite")
        with conn:  # a volatile column: as after an import, names not tokenised
            conn.execute("UPDATE web_search_reports SET pending = ?", (names_pending,))
        conn.close()
        checking = threading.Event()
        real = dashboard._compute

        def noted(*args: object) -> dashboard.DashboardOut:
            checking.set()
            return real(*args)  # type: ignore[arg-type]

        monkeypatch.setattr(dashboard, "_compute", noted)
        monkeypatch.setattr(_backend, "WARM_AFTER", 600.0)
        app = create_app(home, warm=True)
        with TestClient(app) as client:
            backend = app.state.backend
            assert backend.indexed.wait(1.0) is not names_pending
            assert not checking.wait(1.0)
            assert client.get("/login").status_code == 200
            assert backend.indexed.wait(120)
            assert checking.wait(120)
            assert not _search.has_pending(backend.workspace().conn)

    def test_a_copy_that_no_longer_reads_is_computed_again(self, home: Path) -> None:
        dash, _ = _first_pages(home)
        conn = sqlite3.connect(home / "gawah.sqlite")
        with conn:
            conn.execute("UPDATE web_page_cache SET value = '{\"broken\": true}'")
        conn.close()
        assert _first_pages(home)[0] == dash

    def test_the_ledger_checks_leave_the_cache_out(self, home: Path) -> None:
        """The stored pages are no projection: verify passes with them altered,
        and a rebuild empties them."""
        _first_pages(home)
        conn = sqlite3.connect(home / "gawah.sqlite")
        with conn:
            conn.execute("UPDATE web_page_cache SET value = '{}'")
        conn.close()
        with Workspace.open(home) as ws:  # the quick check at open passes
            assert ws.ledger.verify().ok
            ws.ledger.rebuild()
            assert (
                ws.conn.execute("SELECT count(*) FROM web_page_cache").fetchone()[0]
                == 0
            )


class TestShownWhileRecomputed:
    def test_a_changed_ledger_shows_the_earlier_figures_marked_then_the_new(
        self, home: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """After an append, the page answers at once with the kept figures, says
        they are being recomputed, and shows the new ones once they are."""
        dash, _ = _first_pages(home)
        with Workspace.open(home) as ws:
            ws.append("workspace.note", {"text": "FICTIONAL: a later event"})
        release = threading.Event()
        real = dashboard._compute

        def slow(*args: object) -> dashboard.DashboardOut:
            assert release.wait(120)
            return real(*args)  # type: ignore[arg-type]

        monkeypatch.setattr(dashboard, "_compute", slow)
        with TestClient(create_app(home)) as client:
            mint(client, "viewer")
            page = client.get("/dashboard")
            assert page.status_code == 200
            assert 'id="recomputing"' in page.text
            assert "latest 1 change." in page.text
            assert f"{dash['documented']:,}" in page.text
            release.set()
            for _ in range(600):
                page = client.get("/dashboard")
                if 'id="recomputing"' not in page.text:
                    break
                time.sleep(0.1)
            assert 'id="recomputing"' not in page.text
            assert f"{dash['documented']:,}" in page.text

    def test_with_nothing_kept_the_page_is_computed_at_once(self, home: Path) -> None:
        with TestClient(create_app(home)) as client:
            mint(client, "viewer")
            page = client.get("/estimates")
            assert page.status_code == 200
            assert 'id="recomputing"' not in page.text


def test_a_started_server_has_its_templates_compiled_before_the_first_page(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first page a user opens renders without compiling a template (the
    server compiled them all as it started, with its routes)."""
    from gawah.web import _templates

    _templates.ENV.cache.clear()  # type: ignore[union-attr]
    with TestClient(create_app(home)) as client:

        def compiling(*args: object, **kwargs: object) -> None:
            raise AssertionError("a template was compiled by a page")

        monkeypatch.setattr(_templates.ENV, "compile", compiling)
        mint(client, "viewer")
        for page in ("/dashboard", "/register", "/estimates"):
            assert client.get(page).status_code == 200, page
