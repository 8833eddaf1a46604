"""Regenerate every generated table of ``docs/validation/`` with one command.

Usage (from the repository root)::

    uv run python -m benchmarks.validate            # every section (slow: ~1 h)
    uv run python -m benchmarks.validate --only dga,lcmcr
    uv run python -m benchmarks.validate --check    # docs == last generated output
    uv run python -m benchmarks.validate --paste    # paste the kept output again

Each section runs one script of ``benchmarks/`` with fixed arguments, keeps
what it prints in ``benchmarks/validation/<section>.md`` (committed: the
reference numbers live beside the command that made them, as statsmodels keeps
its results files), and pastes it into the page between the markers
``<!-- generated: <section> -->`` and ``<!-- end generated: <section> -->``.
``tests/test_validation_docs.py`` checks, without re-running anything, that
every marked block equals its generated file. Adding a section is one line in
:data:`SECTIONS`.

Timings inside the tables come from the machine that ran the command; the
other numbers are deterministic (fixed seeds) unless a page says otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import inspect
import io
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "validation"
GENERATED = ROOT / "benchmarks" / "validation"

_DEFAULTS_METHODS = (
    "loglinear,loglinear-narrow,loglinear-average,loglinear-aic-average,stepwise,dga"
)


@dataclass(frozen=True)
class Section:
    """One generated block: the page it sits in and the script that prints it."""

    page: str
    module: str
    argv: tuple[str, ...] = ()


def _defaults(split: str) -> Section:
    """One split of ``benchmarks/mse_defaults.py`` in estimation-defaults.md."""
    return Section(
        "estimation-defaults.md",
        "benchmarks.mse_defaults",
        ("--split", split, "--reps", "6", "--methods", _DEFAULTS_METHODS),
    )


#: Every generated block, in the order the command runs them.
SECTIONS: dict[str, Section] = {
    "loglinear": Section("estimation.md", "benchmarks.validate_estimation"),
    # Start-up times; with R_LIBS naming a library that holds Rcapture, R's line too.
    "startup": Section("estimation.md", "benchmarks.startup", ("--repeat", "3")),
    "dga": Section("estimation-bayesian.md", "benchmarks.validate_dga"),
    "lcmcr": Section("estimation-bayesian.md", "benchmarks.validate_lcmcr"),
    **{
        f"defaults-{split}": _defaults(split)
        for split in ("tune", "heldout", "crackdown", "fresh")
    },
    # Run once with the default only (the held-out split of the behaviour round).
    "defaults-behaviour": Section(
        "estimation-defaults.md",
        "benchmarks.mse_defaults",
        ("--split", "behaviour", "--reps", "6", "--methods", "loglinear-aic-average"),
    ),
    # Run once with the default only (the held-out split of the closing round).
    "defaults-closing": Section(
        "estimation-defaults.md",
        "benchmarks.mse_defaults",
        ("--split", "closing", "--reps", "6", "--methods", "loglinear-aic-average"),
    ),
    # Run once with the default only (the held-out split of the mixture round).
    "defaults-mixtures": Section(
        "estimation-defaults.md",
        "benchmarks.mse_defaults",
        ("--split", "mixtures", "--reps", "6", "--methods", "loglinear-aic-average"),
    ),
    # Run once with the default only (the held-out split of the latent round).
    "defaults-latent": Section(
        "estimation-defaults.md",
        "benchmarks.mse_defaults",
        ("--split", "latent", "--reps", "6", "--methods", "loglinear-aic-average"),
    ),
    # Run once with the default only (the held-out split of the unseen round).
    "defaults-unseen": Section(
        "estimation-defaults.md",
        "benchmarks.mse_defaults",
        ("--split", "unseen", "--reps", "6", "--methods", "loglinear-aic-average"),
    ),
    # Run once each with the default only (the sealed splits: A with the rule as
    # it stood, B at the end of the round that ran A).
    **{
        f"defaults-sealed-{part}": Section(
            "estimation-defaults.md",
            "benchmarks.mse_defaults",
            (
                "--split",
                f"sealed_{part}",
                "--reps",
                "6",
                "--methods",
                "loglinear-aic-average",
            ),
        )
        for part in ("a", "b")
    },
    # Tuning data only: what a more skewed Gamma model would buy (the sealed round).
    "defaults-theta": Section(
        "estimation-defaults.md",
        "benchmarks.theta_tradeoff",
        (
            "--splits",
            "tune,heldout,crackdown,fresh,behaviour,closing,mixtures,latent,unseen,"
            "sealed_a,sealed_b",
        ),
    ),
    "linkage-doubt": Section(
        "estimation-defaults.md",
        "benchmarks.linkage_doubt",
        ("--seeds", "20310314,1,2,3,4,5", "--draws", "30"),
    ),
    "claims": Section("claims.md", "benchmarks.validate_claims"),
    "claims-sets": Section(
        "claims.md", "benchmarks.validate_claims", ("--history", "sets")
    ),
    "claims-first-runs": Section(
        "claims.md", "benchmarks.validate_claims", ("--history", "first-runs")
    ),
    "claims-attribution": Section(
        "claims.md", "benchmarks.validate_claims", ("--history", "attribution")
    ),
    "linkage-gaza": Section(
        "linkage.md", "benchmarks.linkage_real", ("gaza", "--clustering", "--splink")
    ),
    "linkage-febrl": Section("linkage.md", "benchmarks.linkage_real", ("febrl",)),
    "linkage-accuracy": Section("linkage.md", "benchmarks.linkage", ("accuracy",)),
    "linkage-synthetic": Section(
        "linkage.md", "benchmarks.linkage_real", ("synthetic",)
    ),
    "linkage-pakistani": Section(
        "linkage.md",
        "benchmarks.linkage_real",
        ("pakistani", "--seeds", "4", "5", "--clustering"),
    ),
    "linkage-arab": Section(
        "linkage.md", "benchmarks.linkage_real", ("arab", "--seeds", "4")
    ),
    # Budgets 0-300 and two seeds: this already took 32 min on the shared
    # 2-core machine; 1,000 decisions would add seven linkages per row.
    "linkage-review": Section(
        "linkage.md",
        "benchmarks.linkage_review",
        (
            "--generator",
            "gawah.testing.real_lists:pakistani_lists",
            "--seeds",
            "4",
            "5",
            "--budgets",
            "0",
            "100",
            "300",
            "--strategies",
            "informative",
        ),
    ),
    "linkage-review-calibration": Section(
        "linkage.md",
        "benchmarks.linkage_review",
        (
            "--generator",
            "gawah.testing.real_lists:pakistani_lists",
            "--seeds",
            "1",
            "2",
            "3",
            "--calibration",
        ),
    ),
    "linkage-review-older": Section(
        "linkage.md",
        "benchmarks.linkage_review",
        ("--seeds", "1", "--budgets", "0", "100", "300", "--strategies", "informative"),
    ),
    "linkage-doubt-why": Section(
        "estimation-defaults.md",
        "benchmarks.linkage_doubt_why",
        ("--seeds", "20310314,1,2,3,4,5"),
    ),
}


def block_pattern(name: str) -> re.Pattern[str]:
    """The marked block of section ``name`` in a page (group 1: its text)."""
    return re.compile(
        rf"<!-- generated: {re.escape(name)} [^\n]*-->\n(.*?)<!-- end generated: "
        rf"{re.escape(name)} -->",
        re.DOTALL,
    )


def _run(section: Section) -> str:
    """What the section's script prints (progress lines starting '# ' dropped)."""
    module = importlib.import_module(section.module)
    saved = sys.argv
    sys.argv = [section.module, *section.argv]
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            if inspect.signature(module.main).parameters:
                module.main(list(section.argv))  # scripts that take argv
            else:
                module.main()
    finally:
        sys.argv = saved
    lines = [ln for ln in out.getvalue().splitlines() if not ln.startswith("# ")]
    return "\n".join(lines).strip("\n") + "\n"


def _paste(name: str, section: Section, text: str) -> None:
    page = DOCS / section.page
    current = page.read_text(encoding="utf-8")
    pattern = block_pattern(name)
    if pattern.search(current) is None:
        raise SystemExit(f"{page} has no block <!-- generated: {name} ... -->")
    match = pattern.search(current)
    assert match is not None
    new = current[: match.start(1)] + text + current[match.end(1) :]
    page.write_text(new, encoding="utf-8")


def check() -> list[str]:
    """Sections whose block in the docs differs from the generated file."""
    stale = []
    for name, section in SECTIONS.items():
        page = (DOCS / section.page).read_text(encoding="utf-8")
        match = block_pattern(name).search(page)
        path = GENERATED / f"{name}.md"
        if (
            match is None
            or not path.exists()
            or match.group(1) != path.read_text(encoding="utf-8")
        ):
            stale.append(name)
    return stale


def main() -> None:
    """Run the chosen sections, keep their output, paste it into the pages."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default=",".join(SECTIONS))
    parser.add_argument("--check", action="store_true")
    parser.add_argument(
        "--paste",
        action="store_true",
        help="only paste the kept output of the chosen sections into the pages",
    )
    args = parser.parse_args()
    if args.check:
        stale = check()
        if stale:
            raise SystemExit(f"stale or missing generated blocks: {', '.join(stale)}")
        print("docs/validation matches benchmarks/validation")
        return
    names = args.only.split(",")
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        raise SystemExit(f"unknown section(s): {', '.join(unknown)}")
    if args.paste:
        for name in names:
            text = (GENERATED / f"{name}.md").read_text(encoding="utf-8")
            _paste(name, SECTIONS[name], text)
        return
    GENERATED.mkdir(exist_ok=True)
    for name in names:
        started = time.perf_counter()
        text = _run(SECTIONS[name])
        (GENERATED / f"{name}.md").write_text(text, encoding="utf-8")
        _paste(name, SECTIONS[name], text)
        print(f"{name}: {time.perf_counter() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
