"""Precision and recall of the extractor on the FICTIONAL annotated corpus."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from .corpus_eval import BLIND, BLIND2, CORPUS, HELDOUT, load, report, score


class TestCorpus:
    def test_corpus_is_large_and_labelled_fictional(self) -> None:
        """The corpus has at least 60 passages and says on its first line that it is fictional."""
        passages = load(CORPUS)
        assert len(passages) >= 60
        assert "FICTIONAL" in CORPUS.read_text(encoding="utf-8").splitlines()[0]
        assert len({p["id"] for p in passages}) == len(passages)

    def test_precision_and_recall_reach_ninety_percent(self) -> None:
        """Proposals match expected claims (category, bounds, stance) at P and R >= 0.9."""
        s = score(load(CORPUS))
        print(report(s))
        assert s.precision() >= 0.9, s.errors
        assert s.recall() >= 0.9, s.errors

    def test_claimants_are_found_for_most_matched_claims(self) -> None:
        """The speaker (name substring and kind) is right for at least 85% of matched claims."""
        s = score(load(CORPUS))
        matched = sum(s.tp.values())
        assert s.claimant_ok / matched >= 0.85, s.errors

    def test_named_victims_are_proposed_and_speakers_are_not(self) -> None:
        """Every annotated victim is found, and no speaker or bare first name is proposed."""
        s = score(load(CORPUS))
        assert s.victims_fn == 0, s.errors
        assert s.victims_fp == 0, s.errors

    @pytest.mark.parametrize("path", [HELDOUT, BLIND, BLIND2])
    def test_later_passages_stay_above_a_floor(self, path: Path) -> None:
        """The sets written after the rules stay above a looser 0.8 floor."""
        s = score(load(path))
        print(report(s))
        assert s.precision() >= 0.8, s.errors
        assert s.recall() >= 0.8, s.errors

    @pytest.mark.parametrize("path", [CORPUS, HELDOUT, BLIND, BLIND2])
    def test_every_expected_claim_uses_the_vocabulary(self, path: Path) -> None:
        """Annotations use only known categories, stances and claimant kinds, with low <= high."""
        from gawah.claims import Category, ClaimantKind, Stance

        with path.open("rb") as fh:
            for p in tomllib.load(fh)["passage"]:
                for c in p.get("claim", []):
                    Category(c["category"])
                    Stance(c["stance"])
                    if c.get("kind"):
                        ClaimantKind(c["kind"])
                    assert c.get("high", c["low"]) >= c["low"]


ATTRIBUTION = Path(__file__).parent / "corpus" / "attribution.toml"
ATTRIBUTION_HELDOUT = Path(__file__).parent / "corpus" / "attribution_heldout.toml"
URDU = Path(__file__).parent / "corpus" / "urdu.toml"
URDU_HELDOUT = Path(__file__).parent / "corpus" / "urdu_heldout.toml"


class TestAttributionAndUrdu:
    """Sets written before the change of issue 18 (speakers, crowds, Urdu).

    Floors sit below what was measured: docs/validation/claims.md gives the
    numbers (tuned sets 1.0 with claimant 21/22 and 12/12; held-out sets 1.0 at
    their first run, claimant 11/11 and 8/10).
    """

    @pytest.mark.parametrize("path", [ATTRIBUTION, URDU])
    def test_tuned_sets(self, path: Path) -> None:
        """The sets the rules were changed on: P and R >= 0.9, speaker >= 0.85."""
        s = score(load(path))
        print(report(s))
        assert s.precision() >= 0.9, s.errors
        assert s.recall() >= 0.9, s.errors
        assert s.claimant_ok / sum(s.tp.values()) >= 0.85, s.errors

    @pytest.mark.parametrize("path", [ATTRIBUTION_HELDOUT, URDU_HELDOUT])
    def test_held_out_sets(self, path: Path) -> None:
        """The held-out twins: P and R >= 0.8, speaker >= 0.7."""
        s = score(load(path))
        print(report(s))
        assert s.precision() >= 0.8, s.errors
        assert s.recall() >= 0.8, s.errors
        assert s.claimant_ok / sum(s.tp.values()) >= 0.7, s.errors

    @pytest.mark.parametrize(
        "path",
        [
            CORPUS,
            HELDOUT,
            BLIND,
            BLIND2,
            ATTRIBUTION,
            ATTRIBUTION_HELDOUT,
            URDU,
            URDU_HELDOUT,
        ],
    )
    def test_no_claimant_is_a_fragment_or_a_pointer(self, path: Path) -> None:
        """No speaker starts with a conjunction or time phrase, ends with a preposition
        or article, or is only a pronoun or a document ("It", "the statement")."""
        from gawah.claims import extract

        starts = {"and", "but", "or", "so", "by", "now", "while", "then", "also"}
        ends = {"in", "of", "at", "on", "from", "to", "by", "with", "for", "and", "the"}
        pointers = {"he", "she", "they", "it", "we", "statement", "report", "release"}
        for p in load(path):
            for c in extract(p["text"]).claims:
                if c.claimant is None or not c.claimant.name:
                    continue
                words = c.claimant.name.lower().split()
                bare = " ".join(w for w in words if w != "the")
                assert words[0] not in starts, (p["id"], c.claimant.name)
                assert words[-1] not in ends, (p["id"], c.claimant.name)
                assert bare not in pointers, (p["id"], c.claimant.name)
