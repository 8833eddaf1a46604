"""The web app at scale, on FICTIONAL data: register search, first page, dashboard.

Usage: ``uv run python -m benchmarks.web_register [N] [--keep DIR] [--linked | --pages | --index-only | --first-page R]``

Register (default): builds a workspace, imports N rows through the registry
(so the web projector indexes them exactly as in use), then times, through the
whole app in-process: the first register page of a server just started, its
names not yet tokenised (``first_page_ms``, target <= 2 s; ``first_page_cpu_ms``:
this process's CPU meanwhile, the quick check at start included), and register
searches (session check, search, JSON) by person and by report: Latin and
Urdu names, misspellings, filters and deep pages (``p95_ms``, target <= 300 ms;
``cpu_p95_ms``: this process's CPU per request, which a busy machine does not
inflate). ``--linked``: the workspace is the four linked lists of ``--pages``
(persons of several reports), not one list; a ``--keep DIR`` workspace that
exists is measured as it is.

A workspace that does not exist yet is built in a process of its own, which
prints the import's wall time, CPU time and peak memory (``build_*``); this
process then measures as a server freshly started on it would (nothing of the
import left in its memory or its caches). Every measurement at a million:
``uv run python -m benchmarks.web_register 1000000 --keep DIR`` (the import
takes minutes; a ``--keep`` workspace that exists is measured again as it is,
its names then tokenised).

``--first-page R``: only the first register page of R servers started one
after another on the workspace (built if ``--keep DIR`` holds none), wall and
CPU ms each, with the load average; no search, so a workspace whose names are
not all tokenised yet is measured as it is.

``--index-only``: the register index alone (the web projector's tables filled
by its own functions, no ledger), then the register's queries on it, timed
in-process without HTTP: the query side at sizes whose import would take
hours on a shared machine (see :func:`build_index`).

``--pages``: about N reports on four linked lists (the test scenario, about
1.27 reports per victim), then the dashboard and the estimates page: computed
(nothing kept for this ledger state), after a restart (kept in the workspace
database per ledger state), as ``gawah serve`` starts, and from memory (target
<= 1 s at 52,000 reports; see :func:`measure_pages`). Prints one JSON object.
"""

from __future__ import annotations

import json
import math
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

from fastapi.testclient import TestClient  # noqa: E402

from gawah.linkage import link_workspace  # noqa: E402
from gawah.registry import (  # noqa: E402
    StatusVocabulary,
    import_list,
    record_incident,
)
from gawah.testing.scenario import (  # noqa: E402
    big_list_rows,
    generate,
    write_big_csv,
    write_csvs,
)
from gawah.web import Role, create_app  # noqa: E402
from gawah.web._backend import Backend  # noqa: E402
from gawah.web._search import (  # noqa: E402
    index_reports,
    refresh,
    search,
    search_persons,
)
from gawah.web._security import COOKIE  # noqa: E402
from gawah.web.accounts import add_user  # noqa: E402
from gawah.web.projection import PROJECTOR  # noqa: E402
from gawah.workspace import Workspace  # noqa: E402

QUERIES = [
    "muhammad", "mohd ali", "ahmed", "ahmad khan", "محمد", "علی", "bibi", "tanoli",
    "zubair", "zubeir", "hussain", "husain", "fatima", "qureshi", "abbas", "m. aslam",
    "raza", "shah", "gul", "khan", "", "عبدال", "اسلم", "iqbal", "nasreen",
]  # fmt: skip
FILTERS = [{}, {"status": "killed"}, {"status": "arrested_held"}, {"page": 20}]
ROUTES = ("/api/persons", "/api/reports")
REPORTS_PER_VICTIM = 1.27  # of the four-list test scenario


def _viewer(home: Path) -> None:
    backend = Backend(home=home)
    add_user(backend, "viewer", Role.VIEWER, "a long benchmark passphrase", by="bench")
    backend.close()


def build(home: Path, n: int) -> float:
    """Import ``n`` rows of one list; return the seconds it took."""
    started = time.perf_counter()
    with Workspace.init(home, author="bench") as ws:
        inc = record_incident(ws, "FICTIONAL benchmark incident", date="2031-03-14")
        path = write_big_csv(home / "big.csv", n)
        import_list(
            ws, path, source="big list", incident=inc.incident_id, skip_invalid=True
        )
    _viewer(home)
    return time.perf_counter() - started


def build_linked(home: Path, n: int) -> float:
    """Four FICTIONAL lists of about ``n`` reports in all, linked; return seconds."""
    started = time.perf_counter()
    with Workspace.init(home, author="bench") as ws:
        inc = record_incident(ws, "FICTIONAL benchmark incident", date="2031-03-14")
        scenario = generate(seed=7, n_victims=round(n / REPORTS_PER_VICTIM))
        for name, path in write_csvs(scenario, home / "lists").items():
            import_list(
                ws, path, source=name, incident=inc.incident_id, skip_invalid=True
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            link_workspace(ws)
    _viewer(home)
    return time.perf_counter() - started


def _ms(client: TestClient, url: str, params: dict[str, Any] | None = None) -> float:
    t0 = time.perf_counter()
    r = client.get(url, params=params)
    assert r.status_code == 200, r.text
    return round((time.perf_counter() - t0) * 1000, 1)


def _first(client: TestClient, url: str) -> tuple[float, float]:
    """A first page: (wall ms, this process's CPU ms in all its threads meanwhile).

    The CPU includes the server's start-up work running beside the page (the
    quick check of the first open, which the page waits for), and is not
    inflated by other jobs on a shared machine as the wall clock is.
    """
    c0 = time.process_time()
    ms = _ms(client, url)
    return ms, round((time.process_time() - c0) * 1000, 1)


def _kind(q: str, f: dict[str, Any]) -> str:
    """The kind of a register query, for the per-kind figures."""
    words = "empty" if not q else "urdu" if not q.isascii() else "latin"
    words += " 2 words" if len(q.split()) > 1 else ""
    what = "page 20" if "page" in f else "status" if f else "no filter"
    return f"{words}, {what}"


def _by_kind(timed: list[tuple[float, str]]) -> dict[str, str]:
    """p50 / p95 / max ms of each query kind."""
    kinds: dict[str, list[float]] = {}
    for ms, kind in timed:
        kinds.setdefault(kind, []).append(ms)
    out = {}
    for kind, ms in sorted(kinds.items()):
        ms.sort()
        p95 = ms[math.ceil(0.95 * len(ms)) - 1]
        out[kind] = f"{statistics.median(ms):.0f}/{p95:.0f}/{ms[-1]:.0f}"
    return out


def _login(app: Any, client: TestClient) -> None:
    backend = app.state.backend
    token, _ = backend.store.new_session("viewer", backend.clock())
    client.cookies.set(COOKIE, token)


def measure(home: Path, rounds: int = 2) -> dict[str, float | int]:
    """First page of a started server; every route x query x filter, in ms."""
    started = time.perf_counter()
    app = create_app(home, warm=True)  # as `gawah serve` starts
    times: list[float] = []
    cpu: list[float] = []  # this process's CPU: what the load average does not inflate
    totals: list[int] = []
    timed: list[tuple[float, str]] = []
    slowest: list[tuple[float, str]] = []
    with TestClient(app) as client:
        _login(app, client)
        first_page, first_cpu = _first(client, "/register")
        first_api = _ms(client, "/api/persons")
        to_first = round((time.perf_counter() - started) * 1000, 1)
        print(  # at once: tokenising a million names as the server starts takes long
            json.dumps(
                {"first_page_ms": first_page, "start_to_first_page_ms": to_first}
            ),
            file=sys.stderr,
            flush=True,
        )
        backend = app.state.backend
        backend.indexed.wait()
        indexed_s = round(time.perf_counter() - started, 1)
        if backend._warming is not None:  # the pages' check at start: not a search
            backend._warming.join()
        refresh(backend.workspace().conn)
        load_before = os.getloadavg()[0]
        for route in ROUTES:  # one untimed round: steady state is what users live in
            for q in QUERIES:
                client.get(route, params={"q": q})
        for _ in range(rounds):
            for route in ROUTES:
                for q in QUERIES:
                    for f in FILTERS:
                        params = {"q": q, **f}
                        t0, c0 = time.perf_counter(), time.process_time()
                        r = client.get(route, params=params)
                        ms = (time.perf_counter() - t0) * 1000
                        cpu.append((time.process_time() - c0) * 1000)
                        times.append(ms)
                        timed.append((ms, f"{route[5:]}: {_kind(q, f)}"))
                        slowest.append((ms, f"{route} {q!r} {f}"))
                        assert r.status_code == 200, r.text
                        totals.append(r.json()["total"])
    restart = restart_page(home)
    times.sort()
    cpu.sort()
    return {
        "first_page_ms": first_page,
        "first_page_cpu_ms": first_cpu,
        "first_api_page_ms": first_api,
        "start_to_first_page_ms": to_first,
        "names_indexed_after_s": indexed_s,
        **restart,
        "requests": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
        "max_ms": round(times[-1], 1),
        "cpu_p50_ms": round(statistics.median(cpu), 1),
        "cpu_p95_ms": round(cpu[int(0.95 * (len(cpu) - 1))], 1),
        "median_hits": int(statistics.median(totals)),
        "slowest": [f"{ms:.0f} ms {what}" for ms, what in sorted(slowest)[-5:]],  # type: ignore[dict-item]
        "p50/p95/max ms by kind": _by_kind(timed),  # type: ignore[dict-item]
        "load_average_before": round(load_before, 1),
        "load_average": round(os.getloadavg()[0], 1),
    }


def restart_page(home: Path) -> dict[str, float]:
    """The first register page of a server started again (names all indexed)."""
    started = time.perf_counter()
    app = create_app(home, warm=True)
    with TestClient(app) as client:
        _login(app, client)
        first, first_cpu = _first(client, "/register")
        to_first = round((time.perf_counter() - started) * 1000, 1)
        second = _ms(client, "/register")
    return {
        "restart_first_page_ms": first,
        "restart_first_page_cpu_ms": first_cpu,
        "restart_to_first_page_ms": to_first,
        "restart_second_page_ms": second,
    }


def _forget_pages(home: Path) -> None:
    """Empty the pages kept per ledger state (as after the ledger changed)."""
    with Workspace.open(home) as ws:
        ws.conn.execute("DELETE FROM web_page_cache")


def measure_pages(home: Path) -> dict[str, float | int]:
    """Dashboard and estimates: computed (no kept copy), after a restart, warm.

    ``*_computed_ms``: a server started (not warmed) after the ledger changed,
    so nothing is kept for this state; ``*_restart_ms``: the first load after
    a restart (the pages kept in the workspace database); ``*_serve_ms``: the
    first load of a server started as ``gawah serve`` (warming, which
    recomputes the kept pages to check them, runs beside it); ``*_warm_ms``:
    the slowest of three loads from memory.
    """
    _forget_pages(home)
    out: dict[str, float | int] = {}
    app = create_app(home)
    with TestClient(app) as client:
        _login(app, client)
        out["reports_indexed"] = int(client.get("/api/reports").json()["total"])
        out["persons"] = int(client.get("/api/persons").json()["total"])
        for name, url in (("dashboard", "/dashboard"), ("estimates", "/estimates")):
            out[f"{name}_computed_ms"] = _ms(client, url)
            out[f"{name}_warm_ms"] = max(_ms(client, url) for _ in range(3))
    for label, warm in (("restart", False), ("serve", True)):
        app = create_app(home, warm=warm)
        with TestClient(app) as client:
            _login(app, client)
            for name, url in (
                ("dashboard", "/dashboard"),
                ("estimates", "/estimates"),
            ):
                out[f"{name}_{label}_ms"] = _ms(client, url)
    out["load_average"] = round(os.getloadavg()[0], 1)
    return out


def build_index(db: Path, n: int) -> dict[str, float]:
    """The register index alone, for ``n`` FICTIONAL reports, in a scratch database.

    The web projector's tables, filled by the functions the projector and the
    server call (``index_reports`` per chunk, then ``refresh`` to tokenise);
    the ledger, the registry and the signing of events are left out (the
    import's own cost, measured by benchmarks/import_scale.py).
    """
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    PROJECTOR.create(conn)
    vocabulary = StatusVocabulary()
    started = time.perf_counter()
    conn.execute("BEGIN")
    batch: list[dict[str, Any]] = []
    for i, row in enumerate(big_list_rows(n)):
        status = vocabulary.lookup(row["status"])
        age = row.get("age", "")
        batch.append(
            {
                **{k: row.get(k, "") for k in _INDEXED},
                "report_id": f"bench-{i:07d}",
                "incident_id": "bench-incident",
                "source_id": "big list",
                "status": status.value if status else "unknown",
                "age": int(age) if age.isdigit() else None,
            },
        )
        if len(batch) == 5000:  # as the projector folds a chunk of events
            index_reports(conn, batch)
            batch = []
    index_reports(conn, batch)
    conn.execute("COMMIT")
    indexed = time.perf_counter() - started
    started = time.perf_counter()
    refresh(conn, batch=20_000)
    tokenised = time.perf_counter() - started
    conn.close()
    return {"index_s": round(indexed, 1), "tokenise_s": round(tokenised, 1)}


def _complete(db: Path) -> dict[str, float]:
    """Tokenise what a kept index left pending (a run stopped while tokenising)."""
    conn = sqlite3.connect(db, isolation_level=None)
    started = time.perf_counter()
    done = refresh(conn)
    conn.close()
    return {
        "tokenised_left": done,
        "tokenise_s": round(time.perf_counter() - started, 1),
    }


_INDEXED = ("full_name", "given_name", "family_name", "name_urdu", "father_name")
_INDEXED += ("village", "district", "sex")


def measure_index(db: Path, rounds: int = 2) -> dict[str, float | int]:
    """The register's queries on the index alone (no HTTP, no session), in ms."""
    conn = sqlite3.connect(db, isolation_level=None)
    PROJECTOR.create(conn)  # as a workspace opens: an index kept by an older version
    conn.execute("PRAGMA cache_size = -131072")  # as Backend.workspace sets it
    t0 = time.perf_counter()
    search_persons(conn, "", complete=False)
    first = (time.perf_counter() - t0) * 1000
    finds = (search_persons, search)
    for find in finds:  # one untimed round, as measure() does
        for q in QUERIES:
            find(conn, q, complete=False)
    times: list[float] = []
    cpu: list[float] = []  # this process's CPU: what the load average does not inflate
    slowest: list[tuple[float, str]] = []
    timed: list[tuple[float, str]] = []
    for _ in range(rounds):
        for find in finds:
            for q in QUERIES:
                for f in FILTERS:
                    t0, c0 = time.perf_counter(), time.process_time()
                    find(conn, q, complete=False, **f)
                    ms = (time.perf_counter() - t0) * 1000
                    cpu.append((time.process_time() - c0) * 1000)
                    times.append(ms)
                    slowest.append((ms, f"{find.__name__} {q!r} {f}"))
                    view = "persons" if find is search_persons else "reports"
                    timed.append((ms, f"{view}: {_kind(q, f)}"))
    conn.close()
    times.sort()
    cpu.sort()
    slowest.sort(reverse=True)
    return {
        "cpu_p50_ms": round(statistics.median(cpu), 1),
        "cpu_p95_ms": round(cpu[int(0.95 * (len(cpu) - 1))], 1),
        "first_page_ms": round(first, 1),
        "requests": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
        "max_ms": round(times[-1], 1),
        "slowest": [f"{ms:.0f} ms {what}" for ms, what in slowest[:5]],  # type: ignore[dict-item]
        "p50/p95/max ms by kind": _by_kind(timed),  # type: ignore[dict-item]
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "load_average": round(os.getloadavg()[0], 1),
    }


def first_pages(home: Path, restarts: int) -> dict[str, Any]:
    """The first register page of ``restarts`` servers started one after another.

    No search: a workspace whose million names are not all tokenised yet is
    measured as it is (the first page needs no tokens). Each start opens the
    workspace closed by the one before, as a server restarted does.
    """
    runs = []
    for _ in range(restarts):
        load = os.getloadavg()[0]
        runs.append({**restart_page(home), "load_average": round(load, 1)})
    return {
        "restarts": runs,
        "first_page_ms": [r["restart_first_page_ms"] for r in runs],
        "first_page_cpu_ms": [r["restart_first_page_cpu_ms"] for r in runs],
    }


def built_here(home: Path, n: int, linked: bool) -> dict[str, float]:
    """Build the workspace in this process: wall and CPU seconds, peak MiB."""
    cpu = time.process_time()
    wall = (build_linked if linked else build)(home, n)
    return {
        "build_seconds": round(wall, 1),
        "build_cpu_seconds": round(time.process_time() - cpu, 1),
        "build_peak_rss_mib": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        ),
        "build_load_average": round(os.getloadavg()[0], 1),
    }


def build_apart(home: Path, n: int, linked: bool) -> dict[str, float]:
    """Build the workspace in a child process (:func:`built_here`), so that the
    measurements after it are those of a server freshly started on it."""
    command = [sys.executable, "-m", "benchmarks.web_register", str(n)]
    command += ["--keep", str(home), "--build-only"] + (["--linked"] if linked else [])
    done = subprocess.run(
        command,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    built: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    print(json.dumps(built), file=sys.stderr, flush=True)  # at once: it took long
    return built


def main() -> None:
    if "--help" in sys.argv or "-h" in sys.argv:
        print(__doc__)
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 100_000
    keep = (
        Path(sys.argv[sys.argv.index("--keep") + 1]) if "--keep" in sys.argv else None
    )
    pages = "--pages" in sys.argv
    tmp = Path(tempfile.mkdtemp(prefix="gawah-bench-"))
    home = keep if keep is not None else tmp / "ws"
    try:
        if "--index-only" in sys.argv:
            db = home / "index.sqlite"
            home.mkdir(parents=True, exist_ok=True)
            built = build_index(db, n) if not db.exists() else _complete(db)
            print(json.dumps({"reports": n, **built, **measure_index(db)}))
            return
        linked = pages or "--linked" in sys.argv
        if "--build-only" in sys.argv:
            print(json.dumps(built_here(home, n, linked)), flush=True)
            return
        made = (
            {} if (home / "workspace.toml").exists() else build_apart(home, n, linked)
        )
        if "--first-page" in sys.argv:
            restarts = int(sys.argv[sys.argv.index("--first-page") + 1])
            timed = first_pages(home, restarts)
        else:
            timed = measure_pages(home) if pages else measure(home)
        result = {"reports": n, **made, **timed}
        print(json.dumps(result))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
