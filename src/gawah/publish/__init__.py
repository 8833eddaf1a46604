"""gawah.publish: signed, redacted, reproducible releases of an incident.

:func:`publish` writes a release folder (report, PDF twin, public data with
HXL hashtags, a redaction receipt, a signed manifest and a stand-alone
verifier); :func:`check_release` and :func:`recompute` check one;
:func:`gather` computes what a release states (the web preview shows it).
"""

from gawah.publish.gather import ReleaseData, gather
from gawah.publish.policy import DEFAULT_FIELDS, PUBLISHABLE, Policy, load_policy
from gawah.publish.release import (
    FORMAT,
    ReleaseResult,
    build_files,
    ledger_checkpoints,
    publish,
)
from gawah.publish.verify import Problem, check_release, recompute

__all__ = [
    "DEFAULT_FIELDS",
    "FORMAT",
    "PUBLISHABLE",
    "Policy",
    "Problem",
    "ReleaseData",
    "ReleaseResult",
    "build_files",
    "check_release",
    "gather",
    "ledger_checkpoints",
    "load_policy",
    "publish",
    "recompute",
]
