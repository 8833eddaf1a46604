"""Every error gawah raises on purpose, in one hierarchy.

The CLI maps each branch to a documented exit code, so a user sees one clear
sentence and never a traceback::

    GawahError                      exit 1   something went wrong that is not the user's input
    +-- UserInputError              exit 2   bad arguments, unreadable or invalid files
    |   +-- ImportValidationError            rows of a source list failed validation
    |   +-- WorkspaceError                   no workspace, or one that cannot be opened
    +-- IntegrityError              exit 3   stored data does not verify (tampering, corruption)
    |   +-- LedgerIntegrityError             an event, signature, chain link or checkpoint is bad
    |   +-- EvidenceIntegrityError           a blob does not match its recorded digest
    +-- EstimationError             exit 1
        +-- NotEstimable                     the data cannot support an estimate (a refusal, not a crash)

Messages never contain key material, passphrases or sensitive field values.
"""

from __future__ import annotations


class GawahError(Exception):
    """Base of every error gawah raises deliberately."""

    exit_code: int = 1


class UserInputError(GawahError):
    """The user's input (arguments, files) cannot be used as given."""

    exit_code = 2


class WorkspaceError(UserInputError):
    """The workspace folder is missing, not initialised, or locked by a passphrase."""


class ImportValidationError(UserInputError):
    """One or more rows of an imported list failed validation; nothing was imported."""


class IntegrityError(GawahError):
    """Stored data failed verification: something was altered, lost or forged."""

    exit_code = 3


class LedgerIntegrityError(IntegrityError):
    """An event, signature, chain link or checkpoint of the ledger does not verify."""


class EvidenceIntegrityError(IntegrityError):
    """An evidence blob does not match the digest recorded in the ledger."""


class EstimationError(GawahError):
    """Estimation failed for a reason other than the data."""


class NotEstimable(EstimationError):
    """The capture data cannot support an estimate; ``reason`` says why.

    A refusal is an answer: the CLI prints it with exit 0 and no number.
    """

    exit_code = 0

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
