"""Claims as ledger events: recording, projection, queries and withdrawal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gawah.claims import (
    CLAIM_RECORDED,
    Category,
    Claim,
    Claimant,
    ClaimantKind,
    Publication,
    Stance,
    extract_claims,
    get_claim,
    list_claims,
    list_recorded,
    parse_bounds,
    record_claim,
    record_claims,
    withdraw_claim,
)
from gawah.core import fixed_clock
from gawah.errors import UserInputError
from gawah.testing.signer import fixed_seed
from gawah.workspace import Workspace


def _claim(**changes: object) -> Claim:
    base = Claim(
        incident_id="karak",
        claimant=Claimant(
            name="FICTIONAL Interior Ministry", kind=ClaimantKind.GOVERNMENT
        ),
        category=Category.KILLED,
        low=0,
        high=0,
        stance=Stance.DENIES,
        quote="No one was killed.",
        publication=Publication(outlet="FICTIONAL Daily", date=dt.date(2024, 5, 10)),
        said_on=dt.date(2024, 5, 10),
    )
    return base.model_copy(update=changes)


class TestModel:
    def test_high_below_low_is_refused(self) -> None:
        """Bounds must be ordered: 10..8 is not a claim."""
        with pytest.raises(ValueError, match="below low"):
            Claim(
                incident_id="x",
                claimant=Claimant(),
                category=Category.KILLED,
                low=10,
                high=8,
            )

    @pytest.mark.parametrize(
        ("text", "expected"),
        [("7", (7, 7)), ("7..open", (7, None)), ("7..", (7, None)), ("7+", (7, None)),
         ("8..10", (8, 10)), ("1,001..open", (1001, None)), ("0", (0, 0))],
    )  # fmt: skip
    def test_parse_bounds(self, text: str, expected: tuple[int, int | None]) -> None:
        """The written forms of bounds read back to (low, high)."""
        assert parse_bounds(text) == expected

    @pytest.mark.parametrize("text", ["", "many", "10..8", "7..lots"])
    def test_parse_bounds_refuses_nonsense(self, text: str) -> None:
        """Unreadable bounds are an error, not a guess."""
        with pytest.raises(ValueError, match="bounds"):
            parse_bounds(text)

    def test_payload_round_trip(self) -> None:
        """A claim survives its event payload unchanged (the id comes from the event)."""
        c = _claim(high=None, low=7, stance=Stance.ASSERTS, evidence=("abc",))
        assert Claim.from_payload(c.to_payload(), event_id="e1") == c.model_copy(
            update={"id": "e1"}
        )


class TestRecording:
    def test_recorded_claim_is_listed_with_its_event_id(self, ws: Workspace) -> None:
        """record_claim appends claim.recorded and list_claims returns the same claim."""
        claim_id = record_claim(ws, _claim())
        assert ws.ledger.event(claim_id).kind == CLAIM_RECORDED
        (listed,) = list_claims(ws.conn, "karak")
        assert listed == _claim().model_copy(update={"id": claim_id})

    def test_unknown_incident_is_refused(self, ws: Workspace) -> None:
        """A claim about an incident the registry does not know is not recorded."""
        with pytest.raises(UserInputError, match="no incident"):
            record_claim(ws, _claim(incident_id="nowhere"))
        assert list_claims(ws.conn) == []

    def test_list_is_ordered_by_when_said(self, ws: Workspace) -> None:
        """The timeline reads oldest statement first, whatever the recording order."""
        later = _claim(said_on=dt.date(2024, 5, 12), low=7, high=None,
                       stance=Stance.ASSERTS)  # fmt: skip
        earlier = _claim(said_on=dt.date(2024, 5, 9))
        record_claims(ws, [later, earlier])
        assert [c.said_on for c in list_claims(ws.conn, "karak")] == [
            dt.date(2024, 5, 9),
            dt.date(2024, 5, 12),
        ]

    def test_filter_by_category(self, ws: Workspace) -> None:
        """A category filter returns only that category."""
        record_claims(
            ws, [_claim(), _claim(category=Category.ARRESTED, low=600, high=600)]
        )
        got = list_claims(ws.conn, "karak", category=Category.ARRESTED)
        assert [c.low for c in got] == [600]

    def test_withdrawn_claim_leaves_the_list_but_not_the_ledger(
        self, ws: Workspace
    ) -> None:
        """Withdrawal hides a claim from the default list and keeps it with --all."""
        claim_id = record_claim(ws, _claim())
        withdraw_claim(ws, claim_id, "recorded against the wrong incident")
        assert list_claims(ws.conn) == []
        (kept,) = list_recorded(ws.conn, include_withdrawn=True)
        assert kept.withdrawn_reason == "recorded against the wrong incident"
        with pytest.raises(UserInputError, match="already withdrawn"):
            withdraw_claim(ws, claim_id, "again")

    def test_projection_rebuilds_to_the_same_claims(self, ws: Workspace) -> None:
        """Dropping and replaying the ledger gives the same claims (decision 0001)."""
        record_claims(ws, [_claim(), _claim(low=7, high=None, stance=Stance.ASSERTS)])
        before = list_claims(ws.conn)
        ws.ledger.rebuild()
        assert list_claims(ws.conn) == before

    def test_accepted_proposal_records_as_claim(self, ws: Workspace) -> None:
        """An extracted proposal becomes a claim with its quote and speaker."""
        (p,) = extract_claims("Police said at least 600 people were arrested.")
        claim_id = record_claim(ws, p.to_claim("karak"))
        got = get_claim(ws.conn, claim_id)
        assert got is not None
        assert (got.claim.low, got.claim.high) == (600, None)
        assert got.claim.claimant.kind is ClaimantKind.POLICE
        assert got.claim.quote == "Police said at least 600 people were arrested."


class TestEvidenceLinks:
    def test_unknown_evidence_is_refused(self, ws: Workspace) -> None:
        """A claim may only link evidence items that are in the store."""
        with pytest.raises(UserInputError, match="no evidence item"):
            record_claim(ws, _claim(evidence=("0" * 64,)))
        assert list_claims(ws.conn) == []

    def test_stored_evidence_can_be_linked(self, tmp_path: Path) -> None:
        """A claim links the digest of a stored (FICTIONAL) article."""
        from gawah.claims.projection import PROJECTOR as CLAIMS
        from gawah.evidence import add_evidence
        from gawah.evidence.projection import PROJECTOR as EVIDENCE
        from gawah.registry import record_incident
        from gawah.registry.projection import PROJECTOR as REGISTRY

        article = tmp_path / "article.txt"
        article.write_text("FICTIONAL: no one was killed, the ministry said.\n")
        with Workspace.init(
            tmp_path / "ev",
            author="FICTIONAL documenter",
            key_seed=fixed_seed("claims-evidence"),
            clock=fixed_clock(),
            projectors=[REGISTRY, EVIDENCE, CLAIMS],
        ) as w:
            record_incident(w, "FICTIONAL crackdown", incident_id="karak")
            item = add_evidence(w, article, incident_id="karak")
            claim_id = record_claim(w, _claim(evidence=(item.digest,)))
            got = get_claim(w.conn, claim_id)
            assert got is not None
            assert got.claim.evidence == (item.digest,)


class TestProjectionOrder:
    def test_withdrawal_arriving_before_its_claim_still_applies(self) -> None:
        """Sync may deliver a withdrawal first; the claim is withdrawn once it arrives."""
        import sqlite3

        from gawah.claims.projection import PROJECTOR
        from gawah.ledger import Event

        def event(eid: str, kind: str, payload: dict[str, object]) -> Event:
            return Event(eid, kind, payload, "FICTIONAL", "dev", 1, None,
                         "2024-05-10T00:00:00Z", b"", b"")  # fmt: skip

        conn = sqlite3.connect(":memory:")
        PROJECTOR.create(conn)
        PROJECTOR.apply(
            conn, event("w1", "claim.withdrawn", {"claim_id": "c1", "reason": "dup"})
        )
        PROJECTOR.apply(conn, event("c1", "claim.recorded", _claim().to_payload()))
        assert list_claims(conn) == []
        (kept,) = list_recorded(conn, include_withdrawn=True)
        assert (kept.withdrawn_by, kept.withdrawn_reason) == ("w1", "dup")


class TestOutletAsSpeaker:
    @pytest.mark.parametrize(
        ("outlet", "kind"),
        [("FICTIONAL Wire", ClaimantKind.PRESS), ("FICTIONAL Justice Forum", ClaimantKind.NGO),
         ("FICTIONAL Meridian", ClaimantKind.PRESS), ("", ClaimantKind.OTHER)],
    )  # fmt: skip
    def test_unattributed_proposal_speaks_for_its_publisher(
        self, outlet: str, kind: ClaimantKind
    ) -> None:
        """With no speaker in the text, the publisher is the claimant, kind from its name."""
        (p,) = extract_claims("An estimated 2,500 troops were sent to the capital.")
        claim = p.to_claim("karak", publication=Publication(outlet=outlet))
        assert (claim.claimant.name, claim.claimant.kind) == (outlet, kind)
