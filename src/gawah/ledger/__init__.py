"""The signed, append-only ledger: the one source of truth (decision 0001).

Other domains use :class:`Event` and :class:`Projector` here and open workspaces
through :class:`gawah.workspace.Workspace`.
"""

from gawah.ledger.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from gawah.ledger.events import Event, Projector, Signer, encode_event
from gawah.ledger.keys import DeviceKey
from gawah.ledger.ledger import Ledger
from gawah.ledger.merkle import (
    MerkleTree,
    leaf_hash,
    merkle_root,
    node_hash,
    verify_consistency,
    verify_inclusion,
)
from gawah.ledger.proofs import ConsistencyProof, InclusionProof
from gawah.ledger.verify import Problem, VerifyReport, verify_store

__all__ = [
    "Checkpoint",
    "ConsistencyProof",
    "DeviceKey",
    "Event",
    "InclusionProof",
    "Ledger",
    "MerkleTree",
    "Problem",
    "Projector",
    "Signer",
    "VerifyReport",
    "encode_event",
    "leaf_hash",
    "merkle_root",
    "node_hash",
    "open_checkpoint",
    "sign_checkpoint",
    "verify_consistency",
    "verify_inclusion",
    "verify_store",
]
