"""Offline exchange: signed, encrypted bundles and the union merge of feeds.

``export_bundle`` writes the events other devices lack into one file encrypted
to each recipient's identity and signed by this device; ``import_bundle``
verifies all of it before storing anything. See docs/guides/sync.md.
"""

from gawah.sync.bundle import BundleError
from gawah.sync.conflicts import (
    Conflict,
    Version,
    conflicted_reports,
    conflicts,
    resolve,
)
from gawah.sync.exchange import (
    ExportResult,
    Fork,
    ImportResult,
    export_bundle,
    import_bundle,
    read_bundle,
)
from gawah.sync.exchanges import EXCHANGES_FILE, Exchange, Exchanges
from gawah.sync.projection import SYNC_RESOLVED

__all__ = [
    "EXCHANGES_FILE",
    "SYNC_RESOLVED",
    "BundleError",
    "Conflict",
    "Exchange",
    "Exchanges",
    "ExportResult",
    "Fork",
    "ImportResult",
    "Version",
    "conflicted_reports",
    "conflicts",
    "export_bundle",
    "import_bundle",
    "read_bundle",
    "resolve",
]
