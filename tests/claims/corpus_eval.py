"""Score the extractor against the FICTIONAL annotated corpus (used by the tests and the docs)."""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gawah.claims import extract
from gawah.claims.model import ClaimProposal, VictimProposal

CORPUS = Path(__file__).parent / "corpus" / "passages.toml"
HELDOUT = Path(__file__).parent / "corpus" / "heldout.toml"
BLIND = Path(__file__).parent / "corpus" / "blind.toml"
BLIND2 = Path(__file__).parent / "corpus" / "blind2.toml"


@dataclass
class Score:
    """Counts behind precision and recall, overall and per category."""

    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)
    claimant_ok: int = 0
    victims_tp: int = 0
    victims_fp: int = 0
    victims_fn: int = 0
    victims_place_ok: int = 0
    errors: list[str] = field(default_factory=list)

    def precision(self, cat: str | None = None) -> float:
        tp = self.tp[cat] if cat else sum(self.tp.values())
        fp = self.fp[cat] if cat else sum(self.fp.values())
        return tp / (tp + fp) if tp + fp else 1.0

    def recall(self, cat: str | None = None) -> float:
        tp = self.tp[cat] if cat else sum(self.tp.values())
        fn = self.fn[cat] if cat else sum(self.fn.values())
        return tp / (tp + fn) if tp + fn else 1.0


def load(path: Path = CORPUS) -> list[dict[str, Any]]:
    with path.open("rb") as fh:
        return list(tomllib.load(fh)["passage"])


def _key(
    category: str, low: int, high: int | None, stance: str
) -> tuple[str, int, int | None, str]:
    return (category, low, high, stance)


def _claimant_matches(expected: dict[str, Any], got: ClaimProposal) -> bool:
    want = str(expected.get("claimant", ""))
    if not want:
        return got.claimant is None
    if got.claimant is None:
        return False
    text = f"{got.claimant.name}, {got.claimant.role}".lower()
    return want.lower() in text and got.claimant.kind.value == expected.get("kind")


def _victim_matches(expected: dict[str, Any], got: VictimProposal) -> bool:
    return got.name == expected["name"] and got.age == expected.get("age")


def score(passages: list[dict[str, Any]]) -> Score:
    s = Score()
    for p in passages:
        result = extract(p["text"])
        expected = list(p.get("claim", []))
        remaining = list(result.claims)
        for e in expected:
            key = _key(e["category"], e["low"], e.get("high"), e["stance"])
            hit = next(
                (
                    g
                    for g in remaining
                    if _key(g.category, g.low, g.high, g.stance) == key
                ),
                None,
            )
            if hit is None:
                s.fn[e["category"]] += 1
                s.errors.append(f"{p['id']} missed {key}")
                continue
            remaining.remove(hit)
            s.tp[e["category"]] += 1
            if _claimant_matches(e, hit):
                s.claimant_ok += 1
            else:
                who = hit.claimant.name if hit.claimant else None
                s.errors.append(f"{p['id']} claimant {who!r} != {e.get('claimant')!r}")
        for g in remaining:
            s.fp[g.category.value] += 1
            s.errors.append(
                f"{p['id']} spurious {g.category.value} {g.bounds} {g.stance.value}"
            )
        vict_expected = list(p.get("victim", []))
        vict_got = list(result.victims)
        for e in vict_expected:
            vhit = next((g for g in vict_got if _victim_matches(e, g)), None)
            if vhit is None:
                s.victims_fn += 1
                s.errors.append(f"{p['id']} missed victim {e['name']}")
                continue
            vict_got.remove(vhit)
            s.victims_tp += 1
            s.victims_place_ok += vhit.place == e.get("place", "")
        for g in vict_got:
            s.victims_fp += 1
            s.errors.append(f"{p['id']} spurious victim {g.name}")
    return s


def report(s: Score) -> str:
    lines = [
        f"claims: precision {s.precision():.3f} recall {s.recall():.3f} "
        f"(tp {sum(s.tp.values())}, fp {sum(s.fp.values())}, fn {sum(s.fn.values())})",
        f"claimant correct on matched claims: {s.claimant_ok}/{sum(s.tp.values())}",
    ]
    for cat in sorted(set(s.tp) | set(s.fp) | set(s.fn)):
        lines.append(
            f"  {cat:<13} P {s.precision(cat):.3f} R {s.recall(cat):.3f} "
            f"(tp {s.tp[cat]}, fp {s.fp[cat]}, fn {s.fn[cat]})"
        )
    lines.append(
        f"victims: tp {s.victims_tp} fp {s.victims_fp} fn {s.victims_fn}, "
        f"place correct {s.victims_place_ok}/{s.victims_tp}"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    result = score(load(Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS))
    print(report(result))
    print("\n".join(result.errors))
