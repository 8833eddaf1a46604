"""Which method should be the default? Coverage and width on simulation families.

Usage::

    uv run python benchmarks/mse_defaults.py --split tune  [--reps 8]
    uv run python benchmarks/mse_defaults.py --split report [--reps 8]

Every method runs through :func:`gawah.estimate.build_estimator` (so with the
warnings a user sees) on FICTIONAL capture tables drawn from six families
written from the capture-recapture literature:

* ``independent``: 4 lists, capture 0.2-0.35, no heterogeneity (model Mt;
  Otis et al. 1978) - the easy case every method should get right;
* ``heterogeneity``: 4 lists, 30% of people hard to record (0.05-0.10) and
  70% easy (0.35-0.50), lists independent within a class (Mh / latent class
  structure; Manrique-Vallier 2016 section 5);
* ``frailty``: 5 lists, each person's propensity from Beta(1, 3) times a list
  factor (continuous heterogeneity; Coull and Agresti 1999, beta-binomial);
* ``dependence``: 3 lists, list 2 records people already on list 1 with odds
  ratio 4 (positive list dependence; Bishop, Fienberg and Holland 1975 ch. 6);
* ``sparse``: 5 lists with capture 0.04-0.10 of N = 3,000 (Chan, Silverman
  and Vincent 2021);
* ``small``: N = 80, 4 lists, capture 0.25-0.45 with mild heterogeneity (a
  protest-sized toll).

Held-out families (``--split heldout``, seeds 20,000..), written after the
default and its widening rule were fixed, from other papers than the six above,
and never run while choosing:

* ``logit_normal``: 4 lists, logit of each person's capture chance = list
  effect + a Normal(0, 1) person effect (Coull and Agresti 1999), N = 1,500;
* ``negative``: 3 lists, list 2 avoids people already on list 1 (odds ratio
  0.4; negative dependence, Bishop, Fienberg and Holland 1975 ch. 6);
* ``local``: 4 lists, two regions of equal size; lists 1-2 reach region A
  well and B poorly, lists 3-4 the reverse (list-by-stratum interaction,
  Sekar and Deming 1949; Alho 1990);
* ``mild_classes``: 5 lists, two equal latent classes with capture 0.15-0.25
  and 0.30-0.45 (Manrique-Vallier 2016, section 5 style), N = 2,500;
* ``small_dependent``: N = 150, 3 lists at 0.3-0.4, lists 1 and 3 share
  referrals (odds ratio 3).

Crackdown families (``--split crackdown``, seeds 40,000..), written in the
round that added the disagreement warnings, BEFORE those warnings were
designed, from descriptions of real documentation efforts, and run once at the
end of that round (never while tuning):

* ``besieged_copying``: 4 lists, N = 4,000; a quarter of the dead are in
  besieged areas every group barely reaches (capture 0.02-0.08 against
  0.15-0.35), and one group takes records from another (odds ratio 3)
  (HRDAG's Syria reports, Price, Gohdes and Ball 2014-2015: groups share
  records, some areas are hard to reach);
* ``protest_crackdown``: N = 200 killed in a few days of protest, 4 lists (a
  rights group, media tallies, hospital records, family testimonies); half the
  dead are named in public and easier to record, media copy the rights group
  (odds ratio 4) (tolls of protest crackdowns compiled by rights groups and
  media);
* ``regional_lists``: 3 lists, N = 6,000 in three regions, each list strong in
  a different region and a remote quarter reached by none (capture 0.02-0.05)
  (Ball et al. 2003, Peru's truth commission lists);
* ``official_and_ngos``: one large official list (exhumations, 0.45) and
  three small NGO lists (0.08-0.12), person effects Normal(0, 0.8) on the
  logit scale, N = 5,000 (Ball et al. 2002, Kosovo; Guatemala's lists);
* ``disappeared``: 5 small lists (0.08-0.25) of people detained and
  disappeared, N = 900: 10% public figures every list records (0.5-0.7), 30%
  hidden (0.01-0.04), and one lawyers' list built from a family association's
  (odds ratio 2.5) (Lum et al. 2010, Casanare).

``--split tune`` uses seeds 0..reps-1 (used to choose the default and the
widening rule), ``--split report`` seeds 10,000.. of the same families (run
once per change of the default), ``--split heldout`` the held-out families.
Prints per family and method: coverage of the true N by the 95% interval,
median relative width, refusals, and how many misses came with at least one
warning.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from gawah.estimate import CaptureHistories, build_estimator
from gawah.testing.mse import ListDependence, simulate_captures

Family = Callable[[int], tuple[CaptureHistories, int]]


def _independent(seed: int) -> tuple[CaptureHistories, int]:
    sim = simulate_captures(
        2000, class_weights=[1.0], capture_probs=[[0.2, 0.25, 0.3, 0.35]], seed=seed
    )
    return sim.captures, sim.n_total


def _heterogeneity(seed: int) -> tuple[CaptureHistories, int]:
    sim = simulate_captures(
        2000,
        class_weights=[0.3, 0.7],
        capture_probs=[[0.05, 0.08, 0.06, 0.10], [0.35, 0.45, 0.40, 0.50]],
        seed=seed,
    )
    return sim.captures, sim.n_total


def _frailty(seed: int) -> tuple[CaptureHistories, int]:
    # Beta(1, 3) propensities, discretised into 10 equal classes at their deciles.
    rng = np.random.default_rng(seed + 7_000_000)
    levels = np.quantile(rng.beta(1.0, 3.0, 100_000), (np.arange(10) + 0.5) / 10)
    factors = np.array([0.9, 1.0, 0.8, 1.1, 0.7])
    probs = np.clip(levels[:, None] * factors[None, :], 0.0, 1.0)
    sim = simulate_captures(
        2000, class_weights=[1.0] * 10, capture_probs=probs.tolist(), seed=seed
    )
    return sim.captures, sim.n_total


def _dependence(seed: int) -> tuple[CaptureHistories, int]:
    sim = simulate_captures(
        2000,
        class_weights=[1.0],
        capture_probs=[[0.25, 0.2, 0.3]],
        dependence=[ListDependence(0, 1, 4.0)],
        seed=seed,
    )
    return sim.captures, sim.n_total


def _sparse(seed: int) -> tuple[CaptureHistories, int]:
    sim = simulate_captures(
        3000,
        class_weights=[1.0],
        capture_probs=[[0.04, 0.06, 0.08, 0.10, 0.05]],
        seed=seed,
    )
    return sim.captures, sim.n_total


def _small(seed: int) -> tuple[CaptureHistories, int]:
    sim = simulate_captures(
        80,
        class_weights=[0.4, 0.6],
        capture_probs=[[0.25, 0.3, 0.2, 0.3], [0.4, 0.45, 0.4, 0.45]],
        seed=seed,
    )
    return sim.captures, sim.n_total


def _logit_normal(seed: int) -> tuple[CaptureHistories, int]:
    # Normal(0, 1) person effects discretised into 20 equal classes at their
    # quantiles (midpoints), added to each list's logit.
    rng = np.random.default_rng(seed + 8_000_000)
    z = np.quantile(rng.standard_normal(100_000), (np.arange(20) + 0.5) / 20)
    base = np.log(
        np.array([0.2, 0.25, 0.15, 0.3]) / (1 - np.array([0.2, 0.25, 0.15, 0.3]))
    )
    probs = 1.0 / (1.0 + np.exp(-(base[None, :] + z[:, None])))
    sim = simulate_captures(
        1500, class_weights=[1.0] * 20, capture_probs=probs.tolist(), seed=seed
    )
    return sim.captures, sim.n_total


def _negative(seed: int) -> tuple[CaptureHistories, int]:
    sim = simulate_captures(
        2000,
        class_weights=[1.0],
        capture_probs=[[0.3, 0.25, 0.3]],
        dependence=[ListDependence(0, 1, 0.4)],
        seed=seed,
    )
    return sim.captures, sim.n_total


def _local(seed: int) -> tuple[CaptureHistories, int]:
    sim = simulate_captures(
        2000,
        class_weights=[0.5, 0.5],
        capture_probs=[[0.4, 0.35, 0.1, 0.1], [0.1, 0.1, 0.4, 0.35]],
        seed=seed,
    )
    return sim.captures, sim.n_total


def _mild_classes(seed: int) -> tuple[CaptureHistories, int]:
    sim = simulate_captures(
        2500,
        class_weights=[0.5, 0.5],
        capture_probs=[[0.15, 0.2, 0.25, 0.18, 0.22], [0.3, 0.4, 0.45, 0.35, 0.4]],
        seed=seed,
    )
    return sim.captures, sim.n_total


def _small_dependent(seed: int) -> tuple[CaptureHistories, int]:
    sim = simulate_captures(
        150,
        class_weights=[1.0],
        capture_probs=[[0.3, 0.4, 0.35]],
        dependence=[ListDependence(0, 2, 3.0)],
        seed=seed,
    )
    return sim.captures, sim.n_total


def _besieged_copying(seed: int) -> tuple[CaptureHistories, int]:
    sim = simulate_captures(
        4000,
        class_weights=[0.75, 0.25],
        capture_probs=[[0.35, 0.3, 0.2, 0.15], [0.08, 0.06, 0.03, 0.02]],
        dependence=[ListDependence(0, 2, 3.0)],
        seed=seed,
    )
    return sim.captures, sim.n_total


def _protest_crackdown(seed: int) -> tuple[CaptureHistories, int]:
    sim = simulate_captures(
        200,
        class_weights=[0.5, 0.5],
        capture_probs=[[0.6, 0.5, 0.3, 0.2], [0.25, 0.15, 0.15, 0.1]],
        dependence=[ListDependence(0, 1, 4.0)],
        seed=seed,
    )
    return sim.captures, sim.n_total


def _regional_lists(seed: int) -> tuple[CaptureHistories, int]:
    sim = simulate_captures(
        6000,
        class_weights=[0.4, 0.35, 0.25],
        capture_probs=[[0.3, 0.15, 0.1], [0.1, 0.25, 0.2], [0.05, 0.03, 0.02]],
        seed=seed,
    )
    return sim.captures, sim.n_total


def _official_and_ngos(seed: int) -> tuple[CaptureHistories, int]:
    # Normal(0, 0.8) person effects discretised into 10 equal classes at their
    # quantiles (midpoints), added to each list's logit.
    rng = np.random.default_rng(seed + 9_000_000)
    z = 0.8 * np.quantile(rng.standard_normal(100_000), (np.arange(10) + 0.5) / 10)
    p0 = np.array([0.45, 0.12, 0.08, 0.1])
    probs = 1.0 / (1.0 + np.exp(-(np.log(p0 / (1 - p0))[None, :] + z[:, None])))
    sim = simulate_captures(
        5000, class_weights=[1.0] * 10, capture_probs=probs.tolist(), seed=seed
    )
    return sim.captures, sim.n_total


def _disappeared(seed: int) -> tuple[CaptureHistories, int]:
    sim = simulate_captures(
        900,
        class_weights=[0.1, 0.6, 0.3],
        capture_probs=[
            [0.7, 0.5, 0.6, 0.55, 0.5],
            [0.2, 0.1, 0.15, 0.25, 0.08],
            [0.03, 0.01, 0.02, 0.04, 0.02],
        ],
        dependence=[ListDependence(3, 4, 2.5)],
        seed=seed,
    )
    return sim.captures, sim.n_total


CRACKDOWN: dict[str, Family] = {
    "besieged_copying": _besieged_copying,
    "protest_crackdown": _protest_crackdown,
    "regional_lists": _regional_lists,
    "official_and_ngos": _official_and_ngos,
    "disappeared": _disappeared,
}
HELD_OUT: dict[str, Family] = {
    "logit_normal": _logit_normal,
    "negative": _negative,
    "local": _local,
    "mild_classes": _mild_classes,
    "small_dependent": _small_dependent,
}
FAMILIES: dict[str, Family] = {
    "independent": _independent,
    "heterogeneity": _heterogeneity,
    "frailty": _frailty,
    "dependence": _dependence,
    "sparse": _sparse,
    "small": _small,
}
#: Settings spelled out, so each label means the same whatever the factory's
#: defaults: ``loglinear`` is the single BIC model (the default until the round
#: of the crackdown families), ``loglinear-aic-average`` the AIC model average
#: that became the default then (both widened under heterogeneity).
METHODS: dict[str, dict[str, object]] = {
    "loglinear": {"method": "loglinear", "criterion": "bic", "average": False},
    "loglinear-narrow": {
        "method": "loglinear",
        "criterion": "bic",
        "average": False,
        "narrow": True,
    },
    "loglinear-average": {"method": "loglinear", "criterion": "bic", "average": True},
    "loglinear-aic-average": {
        "method": "loglinear",
        "criterion": "aic",
        "average": True,
    },
    "stepwise": {"method": "stepwise"},
    "lcmcr": {"method": "lcmcr"},
    "dga": {"method": "dga"},
}


@dataclass
class Tally:
    """Outcomes of one method on one family."""

    covered: int = 0
    fitted: int = 0
    refused: int = 0
    misses_warned: int = 0
    misses: int = 0
    covered_warned: int = 0
    widths: list[float] = field(default_factory=list)
    seconds: float = 0.0


def main() -> None:
    """Run the chosen split and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--split",
        choices=("tune", "report", "heldout", "crackdown"),
        default="tune",
    )
    parser.add_argument("--reps", type=int, default=8)
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--families", default=None)
    args = parser.parse_args()
    first = {"tune": 0, "report": 10_000, "heldout": 20_000, "crackdown": 40_000}[
        args.split
    ]
    pool = {"heldout": HELD_OUT, "crackdown": CRACKDOWN}.get(args.split, FAMILIES)
    methods = args.methods.split(",")
    families = (args.families or ",".join(pool)).split(",")
    tallies: dict[tuple[str, str], Tally] = {}
    for family in families:
        for rep in range(args.reps):
            caps, truth = pool[family](first + rep)
            for name in methods:
                tally = tallies.setdefault((family, name), Tally())
                kwargs = dict(METHODS[name])
                method = str(kwargs.pop("method"))
                started = time.perf_counter()
                result = build_estimator(method, **kwargs).fit(caps)  # type: ignore[arg-type]
                tally.seconds += time.perf_counter() - started
                if result.refused:
                    tally.refused += 1
                    continue
                assert result.lower is not None
                assert result.upper is not None
                tally.fitted += 1
                tally.widths.append((result.upper - result.lower) / truth)
                if result.lower <= truth <= result.upper:
                    tally.covered += 1
                    tally.covered_warned += bool(result.warnings)
                else:
                    tally.misses += 1
                    tally.misses_warned += bool(result.warnings)
        print(f"# done {family}", flush=True)
    print(
        f"\nsplit {args.split} (seeds {first}..{first + args.reps - 1}), "
        f"{args.reps} tables per family\n"
    )
    print(
        "| family | method | covered / tables | refused | median width / N | "
        "misses with a warning | seconds |"
    )
    print("|---|---|---|---|---|---|---|")
    overall: dict[str, list[int]] = {}
    for (family, name), t in tallies.items():
        width = statistics.median(t.widths) if t.widths else float("nan")
        print(
            f"| {family} | {name} | {t.covered} / {args.reps} | {t.refused} | "
            f"{width:.2f} | {t.misses_warned} / {t.misses} | {t.seconds:.1f} |"
        )
        o = overall.setdefault(name, [0, 0, 0, 0, 0])
        o[0] += t.covered
        o[1] += args.reps
        o[2] += t.misses_warned + t.refused
        o[3] += t.misses + t.refused
        o[4] += t.covered_warned
    print(
        "\n| method | covered (refusal = miss) | misses or refusals that were "
        "flagged | covered tables that were flagged |"
    )
    print("|---|---|---|---|")
    for name, (covered, total, warned, missed, false_alarms) in overall.items():
        print(
            f"| {name} | {covered} / {total} ({covered / total:.0%}) | "
            f"{warned} / {missed} | {false_alarms} / {covered} |"
        )


if __name__ == "__main__":
    main()
