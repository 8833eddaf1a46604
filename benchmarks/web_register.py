"""Register search at scale: p95 server time with 100,000 FICTIONAL reports (target < 200 ms).

Usage: ``uv run python benchmarks/web_register.py [N] [--keep DIR]``

Builds a workspace, imports N rows through the registry (so the web projector
indexes them exactly as in use), then times register searches through the
whole app in-process (session check, search, JSON): Latin and Urdu names,
misspellings, filters and deep pages. Prints one JSON object.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

from fastapi.testclient import TestClient  # noqa: E402

from gawah.registry import import_list, record_incident  # noqa: E402
from gawah.testing.scenario import write_big_csv  # noqa: E402
from gawah.web import Role, create_app  # noqa: E402
from gawah.web._backend import Backend  # noqa: E402
from gawah.web._search import refresh  # noqa: E402
from gawah.web._security import COOKIE  # noqa: E402
from gawah.web.accounts import add_user  # noqa: E402
from gawah.workspace import Workspace  # noqa: E402

QUERIES = [
    "muhammad", "mohd ali", "ahmed", "ahmad khan", "محمد", "علی", "bibi", "tanoli",
    "zubair", "zubeir", "hussain", "husain", "fatima", "qureshi", "abbas", "m. aslam",
    "raza", "shah", "gul", "khan", "", "عبدال", "اسلم", "iqbal", "nasreen",
]  # fmt: skip
FILTERS = [{}, {"status": "killed"}, {"status": "arrested_held"}, {"page": 20}]


def build(home: Path, n: int) -> float:
    """Import ``n`` rows; return the seconds it took."""
    started = time.perf_counter()
    with Workspace.init(home, author="bench") as ws:
        inc = record_incident(ws, "FICTIONAL benchmark incident", date="2031-03-14")
        path = write_big_csv(home / "big.csv", n)
        import_list(
            ws, path, source="big list", incident=inc.incident_id, skip_invalid=True
        )
        refresh(ws.conn)  # tokenising: what the server does before its first search
    backend = Backend(home=home)
    add_user(backend, "viewer", Role.VIEWER, "a long benchmark passphrase", by="bench")
    backend.close()
    return time.perf_counter() - started


def measure(home: Path, rounds: int = 4) -> dict[str, float | int]:
    """Time every query x filter ``rounds`` times; return percentiles in ms."""
    app = create_app(home)
    times: list[float] = []
    totals: list[int] = []
    with TestClient(app) as client:
        backend = app.state.backend
        token, _ = backend.store.new_session("viewer", backend.clock())
        client.cookies.set(COOKIE, token)
        t0 = time.perf_counter()
        client.get("/api/reports", params={"q": "muhammad"})
        cold = (time.perf_counter() - t0) * 1000
        for q in QUERIES:  # one untimed round: steady state is what users live in
            client.get("/api/reports", params={"q": q})
        for _ in range(rounds):
            for q in QUERIES:
                for f in FILTERS:
                    params = {"q": q, **f}
                    t0 = time.perf_counter()
                    r = client.get("/api/reports", params=params)
                    times.append((time.perf_counter() - t0) * 1000)
                    assert r.status_code == 200, r.text
                    totals.append(r.json()["total"])
    times.sort()
    return {
        "requests": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
        "max_ms": round(times[-1], 1),
        "median_hits": int(statistics.median(totals)),
        "cold_first_ms": round(cold, 1),
        "load_average": round(os.getloadavg()[0], 1),
    }


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 100_000
    keep = (
        Path(sys.argv[sys.argv.index("--keep") + 1]) if "--keep" in sys.argv else None
    )
    tmp = Path(tempfile.mkdtemp(prefix="gawah-bench-"))
    home = keep if keep is not None else tmp / "ws"
    try:
        build_s = build(home, n) if not (home / "workspace.toml").exists() else 0.0
        result = {"reports": n, "build_seconds": round(build_s, 1), **measure(home)}
        print(json.dumps(result))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
