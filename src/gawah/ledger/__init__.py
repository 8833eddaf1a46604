"""The signed, append-only ledger: the one source of truth (decision 0001).

Other domains use :class:`Event` and :class:`Projector` here and open workspaces
through :class:`gawah.workspace.Workspace`.
"""

from gawah.ledger.bulk import DeferredIndexes, gc_paused
from gawah.ledger.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from gawah.ledger.devices import (
    EnrolledDevice,
    enrolled_devices,
    identity_of,
    parse_identity,
)
from gawah.ledger.events import Event, Projector, Signer, encode_event
from gawah.ledger.keys import DeviceKey, key_is_wrapped
from gawah.ledger.ledger import Ledger
from gawah.ledger.log import stored_events
from gawah.ledger.merkle import (
    MerkleFrontier,
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
    "DeferredIndexes",
    "DeviceKey",
    "EnrolledDevice",
    "Event",
    "InclusionProof",
    "Ledger",
    "MerkleFrontier",
    "MerkleTree",
    "Problem",
    "Projector",
    "Signer",
    "VerifyReport",
    "encode_event",
    "enrolled_devices",
    "gc_paused",
    "identity_of",
    "key_is_wrapped",
    "leaf_hash",
    "merkle_root",
    "node_hash",
    "open_checkpoint",
    "parse_identity",
    "sign_checkpoint",
    "stored_events",
    "verify_consistency",
    "verify_inclusion",
    "verify_store",
]
