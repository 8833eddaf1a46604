"""Print gawah's log-linear and stepwise numbers beside the R packages' (Markdown).

Usage: ``uv run python benchmarks/validate_estimation.py [--skip-six]``

Reads the reference datasets and ``REFERENCE.json`` from ``tests/data/mse``
(published aggregate tables; provenance in its README). The output is
the body of ``docs/validation/estimation.md``. It also prints the largest
relative deviation per method and the wall time of each model search.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from gawah.estimate import CaptureHistories, LogLinearMSE, MSEResult, StepwiseMSE
from gawah.estimate._standard import STANDARD_MODELS

MSE_DIR = Path(__file__).resolve().parents[1] / "tests" / "data" / "mse"


def _rel(ours: float | None, theirs: Any) -> float | None:
    if ours is None or not isinstance(theirs, (int, float)) or theirs == 0:
        return None
    return abs(ours - theirs) / abs(theirs)


def _fmt(x: Any) -> str:
    if isinstance(x, (int, float)):
        return f"{x:,.1f}"
    return "—" if x is None else str(x)


def _row(
    dataset: str,
    method: str,
    model: str,
    res: MSEResult,
    ref: dict[str, Any],
    dev: dict[str, float],
) -> str:
    rels = [
        _rel(res.estimate, ref.get("estimate")),
        _rel(res.lower, ref.get("lower")),
        _rel(res.upper, ref.get("upper")),
    ]
    worst = max((r for r in rels if r is not None), default=None)
    if worst is not None:
        dev[method] = max(dev.get(method, 0.0), worst)
    ours = f"{_fmt(res.estimate)} [{_fmt(res.lower)}, {_fmt(res.upper)}]"
    if res.refused:
        ours = f"refused: {res.reason}"
    theirs = f"{_fmt(ref.get('estimate'))} [{_fmt(ref.get('lower'))}, {_fmt(ref.get('upper'))}]"
    rel = "—" if worst is None else f"{worst:.1e}"
    return f"| {dataset} | {method} | {model} | {ours} | {theirs} | {rel} |"


def main() -> int:
    """Run every comparison and print the Markdown tables."""
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--skip-six", action="store_true", help="skip the 6-list searches"
    )
    args = parser.parse_args()
    ref_path = MSE_DIR / "REFERENCE.json"
    if not ref_path.exists():
        print(f"reference data not found at {MSE_DIR.resolve()}", file=sys.stderr)
        return 1
    reference = json.loads(ref_path.read_text(encoding="utf-8"))
    datasets = [k for k in reference if not k.startswith("_")]
    dev: dict[str, float] = {}
    search_rows, standard_rows, step_rows, timing = [], [], [], []
    for name in datasets:
        caps = CaptureHistories.from_csv(MSE_DIR / f"{name}.csv")
        ref = reference[name]
        if not (args.skip_six and caps.n_lists == 6):
            start = time.perf_counter()
            res = LogLinearMSE().fit(caps)
            seconds = time.perf_counter() - start
            r = ref["rcapture_loglinear_best_BIC"]
            chosen = res.diagnostics.get("rcapture_model", "—")
            if res.refused and r.get("estimate") is None:
                model = "no number (R: none either)"
            else:
                same = "same" if chosen == r.get("selected_model") else "DIFFERENT"
                model = f"{chosen} (R: {r.get('selected_model', '—')}, {same})"
            search_rows.append(_row(name, "loglinear BIC search", model, res, r, dev))
            r_seconds = r.get("seconds_model_search")
            timing.append(
                f"| {name} | {caps.n_lists} | {res.diagnostics.get('n_models', '—')} | "
                f"{seconds:.2f} | {_fmt(r_seconds)} |"
            )
        for model_name in STANDARD_MODELS:
            r = ref.get("rcapture_" + model_name.replace(" ", "_"))
            if not r or r.get("estimate") is None:
                continue
            res = LogLinearMSE(model=model_name).fit(caps)
            if res.refused and "unvalidated_estimate" in res.diagnostics:
                note = f"refused (R infoFit={r['infoFit']}); unvalidated " + _fmt(
                    res.diagnostics["unvalidated_estimate"]
                )
                rel = _rel(res.diagnostics["unvalidated_estimate"], r["estimate"])
                dev["loglinear standard (point, refused)"] = max(
                    dev.get("loglinear standard (point, refused)", 0.0), rel or 0.0
                )
                standard_rows.append(
                    f"| {name} | {model_name} | {note} | {_fmt(r['estimate'])} "
                    f"[{_fmt(r.get('lower'))}, {_fmt(r.get('upper'))}] | "
                    + ("—" if rel is None else f"{rel:.1e}")
                    + " |"
                )
                continue
            row = _row(name, "loglinear standard", model_name, res, r, dev)
            standard_rows.append(row.replace(" | loglinear standard | ", " | ", 1))
        res = StepwiseMSE().fit(caps)
        step_rows.append(
            _row(
                name, "stepwise", res.model or "—", res, ref["sparsemse_stepwise"], dev
            )
        )

    print("## Log-linear model search (Rcapture `closedpMS.t` + `closedpCI.t`)\n")
    print("| dataset | method | model | gawah | R | max rel. dev. |")
    print("|---|---|---|---|---|---|")
    print("\n".join(search_rows))
    print("\n## Standard models (Rcapture `closedp.t` + `closedpCI.t`)\n")
    print("| dataset | model | gawah | R | max rel. dev. |")
    print("|---|---|---|---|---|")
    print("\n".join(standard_rows))
    print("\n## Stepwise (SparseMSE `estimatepopulation.0`, pthresh 0.02)\n")
    print("| dataset | method | model | gawah | R | max rel. dev. |")
    print("|---|---|---|---|---|---|")
    print("\n".join(step_rows))
    print("\n## Largest relative deviation from R, per method\n")
    print("| method | max rel. dev. (estimate and interval ends) |")
    print("|---|---|")
    for method, value in sorted(dev.items()):
        print(f"| {method} | {value:.1e} |")
    print("\n## Model search wall time (seconds)\n")
    print("| dataset | lists | models | gawah | Rcapture |")
    print("|---|---|---|---|---|")
    print("\n".join(timing))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
