"""Imports run in a worker process, never on the request path.

Parsing and sealing a list of a hundred thousand rows takes a minute; inside
a request handler it held the server's event loop, and every user's pages
waited. :class:`ImportJobs` hands each upload to one worker process (SQLite
takes one writer at a time anyway, so more workers would only queue there),
which opens the workspace itself: the import neither holds the server's
event loop nor its interpreter lock (on a worker thread, a page of the
dashboard took 2.5 s instead of 0.1 s while 10,000 rows were imported), and
a file that exhausts the worker's memory kills the worker, not the server.
A thread per job follows the process, records the state the job page shows,
and removes the upload's temporary folder when the job ends, whatever happens.

Jobs are kept in memory for an hour after they end: a restart forgets them
(the import itself is in the ledger or not at all).
"""

from __future__ import annotations

import multiprocessing
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from gawah.errors import GawahError

if TYPE_CHECKING:
    from gawah.web._imports import Outcome

State = Literal["queued", "running", "done", "failed"]
#: How long an ended job stays visible on its page.
KEEP_SECONDS = 3600.0


@dataclass
class ImportJob:
    """One upload being imported."""

    job_id: str
    owner: str
    file_name: str
    rows: int
    queued_at: float
    state: State = "queued"
    started_at: float | None = None
    ended_at: float | None = None
    outcome: Outcome | None = None
    error: str | None = None
    # What stopped it, for a caller still waiting (the page shows ``error``).
    exception: BaseException | None = field(default=None, repr=False)
    folder: Path | None = field(default=None, repr=False)
    future: Future[Outcome | None] = field(default_factory=Future, repr=False)

    def seconds(self, now: float) -> float:
        """Seconds since the job started (or was queued), up to its end."""
        start = self.started_at or self.queued_at
        return max(0.0, (self.ended_at or now) - start)


class ImportJobs:
    """The worker and the jobs it knows."""

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, *, process: bool = True
    ) -> None:
        """``process=False`` runs imports on the thread itself (for callers whose
        ``run`` cannot be sent to another process)."""
        self._clock = clock
        self._pool = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="gawah-import"
        )
        self._process = process
        self._worker: ProcessPoolExecutor | None = None
        self._jobs: dict[str, ImportJob] = {}
        self._lock = threading.Lock()

    def _process_pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._worker is None:
                # spawn, not fork: forking a server with threads copies held locks.
                context = multiprocessing.get_context("spawn")
                self._worker = ProcessPoolExecutor(max_workers=1, mp_context=context)
            return self._worker

    def warm(self) -> None:
        """Start the worker process and wait until it answers (seconds, once)."""
        if self._process:
            try:
                self._process_pool().submit(_ready).result()
            except BrokenProcessPool:
                with self._lock:
                    self._worker = None

    def _in_worker(self, run: Callable[[], Outcome]) -> Outcome:
        if not self._process:
            return run()
        try:
            return self._process_pool().submit(run).result()
        except BrokenProcessPool:
            self._worker = None  # a fresh worker for the next job
            raise GawahError(
                "the import stopped: the worker ran out of memory or was killed"
            ) from None

    def submit(
        self,
        *,
        owner: str,
        file_name: str,
        rows: int,
        folder: Path,
        run: Callable[[], Outcome],
    ) -> ImportJob:
        """Queue ``run`` (the import); ``folder`` is removed when it ends."""
        job = ImportJob(
            job_id=uuid.uuid4().hex,
            owner=owner,
            file_name=file_name,
            rows=rows,
            queued_at=self._clock(),
            folder=folder,
        )
        with self._lock:
            self._forget_old()
            self._jobs[job.job_id] = job
        try:
            job.future = self._pool.submit(self._work, job, folder, run)
        except RuntimeError:  # the app is shutting down
            shutil.rmtree(folder, ignore_errors=True)
            raise GawahError(
                "the server is shutting down; upload again later"
            ) from None
        return job

    def _work(
        self, job: ImportJob, folder: Path, run: Callable[[], Outcome]
    ) -> Outcome | None:
        job.state, job.started_at = "running", self._clock()
        try:
            job.outcome = self._in_worker(run)
            job.state = "done"
        except GawahError as exc:  # a refusal the user can act on
            job.error, job.state, job.exception = str(exc), "failed", exc
        except Exception as exc:  # reported on the page by its type only
            job.error = f"internal error ({type(exc).__name__})"
            job.state, job.exception = "failed", exc
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            job.ended_at = self._clock()
        return job.outcome

    def get(
        self, job_id: str, user: str, *, any_owner: bool = False
    ) -> ImportJob | None:
        """The job, if ``user`` started it (or ``any_owner``: an admin)."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or (job.owner != user and not any_owner):
            return None
        return job

    def _forget_old(self) -> None:
        now = self._clock()
        for key in [
            k
            for k, j in self._jobs.items()
            if j.ended_at is not None and now - j.ended_at > KEEP_SECONDS
        ]:
            del self._jobs[key]

    def shutdown(self) -> None:
        """Finish the running job, drop the queued ones (their folders removed)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._worker is not None:
            self._worker.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            if job.state == "queued":
                job.state, job.error = "failed", "the server stopped before it ran"
                if job.folder is not None:
                    shutil.rmtree(job.folder, ignore_errors=True)


def _ready() -> bool:
    return True


# The worker process's open workspaces, by folder: opened once, kept for the
# next job (as a server thread keeps its own).
_OPEN: dict[str, Any] = {}


def import_in_worker(
    home: str,
    passphrase: str | None,
    path: str,
    *,
    source: str,
    incident: str | None,
    skip_invalid: bool,
    show_sensitive: bool,
) -> Outcome:
    """Import ``path`` into the workspace at ``home`` (runs in the worker process).

    A refusal comes back as the plain error class with its message, which
    every error class can be rebuilt from on the other side.
    """
    from gawah.errors import UserInputError
    from gawah.web._imports import run_import

    try:
        ws = _OPEN.get(home)
        if ws is None:
            from gawah.workspace import Workspace

            ws = _OPEN[home] = Workspace.open(Path(home), passphrase=passphrase)
        return run_import(
            ws,
            Path(path),
            source=source,
            incident=incident,
            skip_invalid=skip_invalid,
            show_sensitive=show_sensitive,
        )
    except UserInputError as exc:
        raise UserInputError(str(exc)) from None
    except GawahError as exc:
        raise GawahError(str(exc)) from None
