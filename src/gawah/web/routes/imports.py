"""Uploads as background jobs: checked first, imported on the worker, followed on a page.

:func:`start_upload` is what the upload form and ``POST /api/imports`` call:
it streams the file to a private folder, measures it against the upload
limits (:mod:`gawah.web._uploads`: a zip bomb is refused before anything
parses it), queues the import (:mod:`gawah.web._jobs`) and waits a moment:
a small list is done by then and answered as before; a larger one is
answered with its job, whose page (``/imports/{id}``) and JSON
(``/api/imports/{id}``) show how it goes. Only the user who uploaded a file
(and an admin) sees its job.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import threading
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from gawah.errors import UserInputError
from gawah.web._backend import Backend
from gawah.web._imports import Outcome, save_upload
from gawah.web._jobs import ImportJob, ImportJobs, import_in_worker
from gawah.web._security import Principal, require
from gawah.web._templates import render
from gawah.web._uploads import UploadLimits, check_upload
from gawah.web.auth import Right

router = APIRouter()
Recorder = Annotated[Principal, Depends(require(Right.RECORD))]
#: Seconds a request waits for its import before answering with the job.
INLINE_WAIT = 5.0
_state_lock = threading.Lock()


def upload_limits(app: FastAPI) -> UploadLimits:
    """The app's upload limits (``create_app(upload_limits=...)``, else the environment's)."""
    with _state_lock:
        limits = getattr(app.state, "upload_limits", None)
        if limits is None:
            limits = app.state.upload_limits = UploadLimits.from_env()
    return limits


def import_jobs(app: FastAPI) -> ImportJobs:
    """The app's import worker, started at first use."""
    with _state_lock:
        jobs = getattr(app.state, "import_jobs", None)
        if jobs is None:
            jobs = app.state.import_jobs = ImportJobs()
    return jobs


def stop_jobs(app: FastAPI) -> None:
    """Stop the worker, if it started (at the app's shutdown)."""
    jobs = getattr(app.state, "import_jobs", None)
    if jobs is not None:
        jobs.shutdown()


async def _chunks(file: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await file.read(64 * 1024):
        yield chunk


async def start_upload(
    request: Request,
    me: Principal,
    file: UploadFile,
    *,
    source: str,
    incident: str | None,
    skip_invalid: bool,
    wait: float | None = None,
) -> Outcome | ImportJob:
    """Check and queue an uploaded list; its outcome if done within ``wait`` s, else the job.

    ``wait`` defaults to :data:`INLINE_WAIT` (read at each call).

    Raises:
        UserInputError: no source, a file of the wrong kind, or over a limit.
    """
    if not source.strip():
        raise UserInputError("name the source of this list")
    app: FastAPI = request.app
    backend: Backend = app.state.backend
    limits = upload_limits(app)
    folder = Path(tempfile.mkdtemp(prefix="gawah-upload-"))
    try:
        path = await save_upload(
            _chunks(file), folder, file.filename or "", limit=limits.max_bytes
        )
        # Counting rows reads the file: off the event loop too.
        shape = await asyncio.to_thread(check_upload, path, limits)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    run = partial(
        import_in_worker,
        str(backend.home),
        backend.passphrase,
        str(path),
        source=source.strip(),
        incident=incident or None,
        skip_invalid=skip_invalid,
        show_sensitive=me.can(Right.SENSITIVE),
    )

    jobs = import_jobs(app)
    # The first upload starts the worker process; the wait below is the import's.
    await asyncio.to_thread(jobs.warm)
    job = jobs.submit(
        owner=me.user or "",
        file_name=path.name,
        rows=shape.rows,
        folder=folder,
        run=run,
    )
    timeout = INLINE_WAIT if wait is None else wait
    done, _ = await asyncio.wait([asyncio.wrap_future(job.future)], timeout=timeout)
    if not done:
        return job
    if job.exception is not None:
        raise job.exception
    assert job.outcome is not None  # done without an exception
    return job.outcome


def _job_for(request: Request, me: Principal, job_id: str) -> ImportJob:
    job = import_jobs(request.app).get(
        job_id, me.user or "", any_owner=me.can(Right.ADMIN)
    )
    if job is None:
        raise HTTPException(404, "no such import")
    return job


class JobOut(BaseModel):
    """An import job as the API shows it."""

    job_id: str
    state: str
    file_name: str
    rows: int
    seconds: float
    page: str
    message: str | None = None
    outcome: dict[str, Any] | None = None


def job_out(job: ImportJob, now: float) -> JobOut:
    """The API's view of ``job`` (the outcome once it is done)."""
    from dataclasses import asdict

    return JobOut(
        job_id=job.job_id,
        state=job.state,
        file_name=job.file_name,
        rows=job.rows,
        seconds=round(job.seconds(now), 1),
        page=f"/imports/{job.job_id}",
        message=job.error or (job.outcome.message if job.outcome else None),
        outcome=asdict(job.outcome) if job.outcome else None,
    )


def _now() -> float:
    import time

    return time.monotonic()


@router.get("/imports/{job_id}", response_class=HTMLResponse, include_in_schema=False)
async def job_page(request: Request, job_id: str, me: Recorder) -> Response:
    job = _job_for(request, me, job_id)
    page = render(request, "import_job.html", job=job, seconds=job.seconds(_now()))
    if job.state in ("queued", "running"):
        page.headers["Refresh"] = "2"  # every browser follows it; no script needed
    return page


@router.get("/api/imports/{job_id}", tags=["entry"], response_model=JobOut)
async def api_job(request: Request, job_id: str, me: Recorder) -> JobOut:
    """How an import started by ``POST /api/imports`` is going (answered 202)."""
    return job_out(_job_for(request, me, job_id), _now())
