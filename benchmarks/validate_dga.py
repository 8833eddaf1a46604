"""dga model averaging beside R's dga 2.0.2 on the reference datasets (Markdown).

Usage: ``uv run python benchmarks/validate_dga.py``

For every dataset of ``tests/data/mse/REFERENCE.json`` with a dga result, fits
:class:`gawah.estimate.DGA` under both priors R was run with (δ = 2^-p, the
default, and δ = 1) and prints one row each: gawah's and R's median and 95%
interval, the grid end, the top graph's posterior probability, and the wall
seconds of both (R's from REFERENCE.json, measured on an idle machine; ours on
whatever machine runs this).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from gawah.estimate import DGA, CaptureHistories

MSE_DIR = Path(__file__).resolve().parents[1] / "tests" / "data" / "mse"
_PRIORS = (("2^-p", "dga_delta_2pow_minus_p", None), ("1", "dga_delta_1", 1.0))


def _interval(est: Any, lo: Any, hi: Any) -> str:
    return f"{est:,.0f} [{lo:,.0f}, {hi:,.0f}]"


def main() -> None:
    """Fit every dataset under both priors and print the table."""
    reference = json.loads((MSE_DIR / "REFERENCE.json").read_text(encoding="utf-8"))
    print(
        "| dataset | lists | δ | gawah | dga 2.0.2 | grid N_missing ≤ | "
        "top graph posterior (gawah / R) | gawah s | R s |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, entry in reference.items():
        if name.startswith("_") or not entry.get("dga_delta_1"):
            continue
        caps = CaptureHistories.from_csv(MSE_DIR / f"{name}.csv")
        for label, key, delta in _PRIORS:
            ref = entry[key]
            started = time.perf_counter()
            res = DGA(prior_delta=delta).fit(caps)
            seconds = time.perf_counter() - started
            d = res.diagnostics
            ours = (
                "refused"
                if res.refused
                else _interval(res.estimate, res.lower, res.upper)
            )
            top = d.get("top_graphs") or [{"posterior": float("nan")}]
            print(
                f"| {name} | {caps.n_lists} | {label} | {ours} | "
                f"{_interval(ref['estimate'], ref['lower'], ref['upper'])} | "
                f"{d.get('max_missing', 0):,} | "
                f"{top[0]['posterior']:.4f} / {ref['top_model_posterior_probs'][0]:.4f} | "
                f"{seconds:.1f} | {ref['seconds']:.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
