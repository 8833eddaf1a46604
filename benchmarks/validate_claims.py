"""Score the claim extractor on every FICTIONAL annotated set, as tables for the docs.

Usage: ``uv run python -m benchmarks.validate_claims``

The scorer is the one the tests use (``tests/claims/corpus_eval.py``), so the page
and the assertions cannot drift apart. Everything here is deterministic: the
extractor is rule-based and the passages are fixed files.
"""

from __future__ import annotations

from pathlib import Path

from tests.claims.corpus_eval import Score, load, score

CORPUS_DIR = Path(__file__).resolve().parents[1] / "tests" / "claims" / "corpus"

#: (file, what the set is for) in the order the page discusses them.
SETS: tuple[tuple[str, str], ...] = (
    ("passages.toml", "the corpus (rules developed on it)"),
    ("heldout.toml", "held-out (first run 0.941 / 0.800)"),
    ("blind.toml", "blind (first run 0.889 / 0.800)"),
    ("blind2.toml", "blind 2 (first run 0.778 / 0.737)"),
    ("attribution.toml", "English speakers and crowds (tuned)"),
    ("attribution_heldout.toml", "English speakers and crowds, held out"),
    ("urdu.toml", "Urdu (tuned)"),
    ("urdu_heldout.toml", "Urdu, held out"),
)


def _row(name: str, role: str, passages: int, s: Score) -> str:
    matched = sum(s.tp.values())
    expected = matched + sum(s.fn.values())
    victims = s.victims_tp + s.victims_fn
    return (
        f"| `{name}` | {role} | {passages} | {expected} | {s.precision():.3f} "
        f"| {s.recall():.3f} | {s.claimant_ok} of {matched} "
        f"| {s.victims_tp} of {victims} ({s.victims_fp} false) |"
    )


def main() -> None:
    """Print one row per set, then the corpus by category."""
    print(
        "| set | role | passages | expected claims | precision | recall "
        "| speaker right | named victims found |"
    )
    print("|---|---|---|---|---|---|---|---|")
    corpus_score: Score | None = None
    for name, role in SETS:
        passages = load(CORPUS_DIR / name)
        s = score(passages)
        corpus_score = corpus_score or s
        print(_row(name, role, len(passages), s))
    assert corpus_score is not None
    print()
    print("The corpus by category:")
    print()
    print("| category | precision | recall | tp | fp | fn |")
    print("|---|---|---|---|---|---|")
    s = corpus_score
    for cat in sorted(set(s.tp) | set(s.fp) | set(s.fn)):
        print(
            f"| {cat} | {s.precision(cat):.3f} | {s.recall(cat):.3f} "
            f"| {s.tp[cat]} | {s.fp[cat]} | {s.fn[cat]} |"
        )


if __name__ == "__main__":
    main()
