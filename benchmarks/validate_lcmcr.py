"""LCMCR with the default settings beside R's LCMCR 0.4.14 on the 14 reference datasets.

Usage: ``uv run python benchmarks/validate_lcmcr.py``

Prints the Markdown table of ``docs/validation/estimation-bayesian.md``: R's
seed-12345 result and seed medians, gawah's default fit (4 chains, sampling on
in rounds until R-hat <= 1.1 and 400 effective draws, at most 40,000 draws a
chain), its deviation from the mean of R's three seeds, R-hat, ESS and rounds.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from gawah.estimate import LCMCR, CaptureHistories

MSE_DIR = Path(__file__).resolve().parents[1] / "tests" / "data" / "mse"


def _r_mean(ref: dict[str, Any]) -> tuple[float, float, float]:
    runs = [(ref["estimate"], ref["lower"], ref["upper"])] + [
        (o["median"], o["q025"], o["q975"]) for o in ref["other_seeds"]
    ]
    m = np.mean(np.asarray(runs, dtype=float), axis=0)
    return float(m[0]), float(m[1]), float(m[2])


def main() -> None:
    """Fit every dataset with the defaults and print one row each."""
    reference = json.loads((MSE_DIR / "REFERENCE.json").read_text(encoding="utf-8"))
    print(
        "| dataset | R LCMCR seed 12345 | R seed medians | gawah default | "
        "dev. vs R mean of 3 seeds (median / lower / upper) | R-hat, ESS | rounds |"
    )
    print("|---|---|---|---|---|---|---|")
    for name in [k for k in reference if not k.startswith("_")]:
        ref = reference[name]["lcmcr"]
        caps = CaptureHistories.from_csv(MSE_DIR / f"{name}.csv")
        res = LCMCR().fit(caps)
        d = res.diagnostics
        stable = "stable" if ref["mc_stable"] else "unstable"
        medians = ", ".join(f"{m:,.0f}" for m in ref["seed_medians"])
        theirs = f"{ref['estimate']:,.0f} [{ref['lower']:,.0f}, {ref['upper']:,.0f}]"
        if res.refused:
            pooled = float(np.median(res.draws)) if res.draws is not None else None
            ours = f"refused (pooled median {pooled:,.0f})" if pooled else "refused"
            dev = "—"
        else:
            assert res.estimate is not None
            assert res.lower is not None
            assert res.upper is not None
            ours = f"{res.estimate:,.0f} [{res.lower:,.0f}, {res.upper:,.0f}]"
            rm = _r_mean(ref)
            dev = " / ".join(
                f"{(a - b) / b:+.1%}"
                for a, b in zip((res.estimate, res.lower, res.upper), rm, strict=True)
            )
        print(
            f"| {name} | {theirs} | {medians} ({stable}) | {ours} | {dev} | "
            f"{d['rhat']:.3f}, {d['ess']:,.0f} | {d['settings']['rounds']} |"
        )


if __name__ == "__main__":
    main()
