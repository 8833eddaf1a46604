"""Ed25519 checks of many events on other cores, while the caller goes on.

A verify or an import checks one signature per event (about half of its CPU).
libsodium releases the GIL during the check, but worker *threads* still need
the GIL for a few microseconds around each call, and while the calling thread
runs Python (hashing, parsing, replaying the projections) a waiting thread gets
it back only when the interpreter switches threads, every 5 ms: a thread pool
then checks a couple of hundred signatures a second beside a busy caller, and
the rest waits until the caller blocks on the answers. Worker *processes* share
no GIL: on Linux (where a fork is cheap and keeps every module loaded) the
checks run in forked processes, so an idle second core checks signatures while
the first one does the rest. Elsewhere, or when no process can be started, the
checks run on threads, with the same answers.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool, ProcessPoolExecutor
from types import TracebackType

import nacl.bindings
import nacl.exceptions

#: One check: the signature, the signed bytes, the 32-byte public key.
Signed = tuple[bytes, bytes, bytes]


def check_signatures(items: Sequence[Signed]) -> list[bool]:
    """Whether each signature is a valid Ed25519 signature of its bytes by its key."""
    out: list[bool] = []
    sign_open = nacl.bindings.crypto_sign_open
    for signature, raw, public_key in items:
        try:
            sign_open(signature + raw, public_key)
            out.append(True)
        except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError):
            out.append(False)
    return out


def _in_processes() -> bool:
    """Whether worker processes are used: Linux, where ``fork`` is the default."""
    return sys.platform == "linux"


#: Signatures checked on threads before processes start: a small ledger (a
#: test's, a small bundle's) is done before a fork would pay for itself.
PROCESS_AFTER = 4096


class SignatureChecks:
    """A pool that checks batches of signatures beside the caller.

    Use as a context manager; :meth:`submit` a batch, later ask
    :meth:`answer` for its verdicts (in the batch's order). The first
    :data:`PROCESS_AFTER` signatures go to threads, the rest to worker
    processes where :func:`_in_processes` allows (``processes`` overrides it).
    A batch whose worker process died is checked again on the calling thread,
    so an answer is always the verdicts of :func:`check_signatures`.
    """

    def __init__(
        self,
        workers: int = 2,
        *,
        processes: bool | None = None,
        process_after: int | None = None,
    ) -> None:
        self._workers = max(1, workers)
        self._use_processes = _in_processes() if processes is None else processes
        self._process_after = PROCESS_AFTER if process_after is None else process_after
        self._submitted = 0
        self._threads: ThreadPoolExecutor | None = None
        self._processes: ProcessPoolExecutor | None = None

    def __enter__(self) -> SignatureChecks:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _executor(self) -> Executor:
        if self._use_processes and self._submitted >= self._process_after:
            if self._processes is None:
                try:
                    self._processes = ProcessPoolExecutor(
                        self._workers, mp_context=multiprocessing.get_context("fork")
                    )
                except (OSError, ValueError):  # no processes here: threads will do
                    self._use_processes = False
            if self._processes is not None:
                return self._processes
        if self._threads is None:
            self._threads = ThreadPoolExecutor(self._workers)
        return self._threads

    def submit(self, items: list[Signed]) -> Future[list[bool]]:
        """Start checking a batch (its verdicts come from :meth:`answer`)."""
        executor = self._executor()
        self._submitted += len(items)
        try:
            return executor.submit(check_signatures, items)
        except (BrokenProcessPool, OSError, RuntimeError):
            self._use_processes = False
            return self._executor().submit(check_signatures, items)

    @staticmethod
    def answer(future: Future[list[bool]], items: list[Signed]) -> list[bool]:
        """The verdicts of a submitted batch (``items``: the batch, checked here
        again if its worker process died)."""
        try:
            return future.result()
        except (BrokenProcessPool, OSError):
            return check_signatures(items)

    @property
    def in_processes(self) -> bool:
        """Whether some batches went to worker processes."""
        return self._processes is not None

    def close(self) -> None:
        """Stop the workers (after the batches already submitted)."""
        for pool in (self._threads, self._processes):
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        self._threads = self._processes = None


__all__ = ["PROCESS_AFTER", "SignatureChecks", "Signed", "check_signatures"]


def device_public_key(device: str) -> bytes | None:
    """The 32-byte Ed25519 public key a device's hex name spells (``None``: not a key)."""
    try:
        key = bytes.fromhex(device)
    except ValueError:
        return None
    return key if len(key) == 32 else None
