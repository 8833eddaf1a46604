"""The outcome of one in-process CLI run (see conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str
