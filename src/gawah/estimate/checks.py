"""Warnings about the data and the answer that every method's result carries.

An estimator answers the question it was built for; these checks say when the
question itself is shaky, in sentences a documenter can read beside the
number. They run after any estimator built by
:func:`gawah.estimate.build_estimator` (the CLI, web, demo) and join the
method's own warnings in the top-level ``warnings`` list.

When Darroch's test finds heterogeneity, the default (log-linear) interval's
upper end is also raised to that of model Mth Gamma3.5 (:func:`widened`; the
evidence is in docs/validation/estimation-defaults.md). What the method did
about the lists goes into ``notes`` (:attr:`MSEResult.notes`), not
``warnings``: a note says the interval was widened. The heterogeneity itself
stays a warning at any p-value: demoting clear heterogeneity to a note (when
the interval was widened for it) looked right on the tuning families but left
5 of the 22 misses on the fresh held-out families unwarned
(docs/validation/estimation-defaults.md).

The thresholds are rules of thumb from the capture-recapture literature, not
tuned on the reference datasets:

* fewer than 100 people seen, or most capture patterns empty: small and sparse
  tables make interactions rest on a handful of people (Chan, Silverman and
  Vincent 2021; Bird and King 2018);
* fewer than 20 people on two or more lists: every overlap-based method is
  close to its limit (Chao 1987 needs f2, the people seen twice);
* an estimate within 1% of the number seen: the method saw (almost) nobody
  unseen, which negative list dependence or heterogeneity also produce;
* an upper end more than ten times the number seen: the data barely bound it;
* an interval wholly below Chao's (1987) lower bound
  ``n + (t - 1) / t * f1^2 / (2 f2)`` (t lists), which holds under any
  heterogeneity: a sign the model ignores it;
* no log-linear model with 20% or more of the evidence (BIC or AIC weight);
* heterogeneity detected by a likelihood-ratio test of Darroch's Mth against
  Mt (p < 0.2, a generous level for a pre-test of low power; a note instead
  when p < 0.01 and the interval was widened for it);
* an interval that reaches down to the number seen while the estimate does
  not: the interval sits at the boundary, where it is unreliable at both ends
  (added with the previous item in the round after the crackdown families);
* log-linear models with 10% or more of the weight whose estimates differ by
  more than 25%: model choice matters more than the interval shows;
* the model the other information criterion would choose (AIC when the
  search uses BIC, BIC when it uses AIC) gives an estimate outside the
  interval: AIC and BIC are both standard (Burnham and Anderson 2002) and
  neither is right for every table, so a number that depends on which one is
  used is less settled than its interval says (added in the round of the
  crackdown simulation families, docs/validation/estimation-defaults.md);
* a behavioural response, the lists taken in their order: a score test of
  model Mtb (logit c_j = logit p_j + b) against Mt rejects at p < 0.05 and
  Mtb's estimate falls outside the interval (added in the round after the
  fresh families, whose trap-happy and trap-shy misses went unwarned;
  docs/validation/estimation-defaults.md); at p < 0.2 it says "may be" (the
  round after the behaviour families). At p < 0.05 the default's interval is
  also stretched to include Mtb's (:func:`widened_for_behaviour`, a note);
* a list that overlaps another by more than 90% (of the smaller list's people,
  more than 90% are also on the other): it may be a release of the same source
  (a copy, an update or an extract), not an independent list (#16, #17);
* an estimate at Chao's lower bound (no higher than the upper end of the
  bound's own interval) while Darroch's test is quiet: the estimate is what
  equal capture chances give, and the overlaps cannot rule out a class of
  people hard to record on every list (Pledger 2000 finite mixtures over three
  lists leave no trace a test can find). With three lists the default's upper
  end is also raised to Mth Gamma3.5's (:func:`widened_at_bound`, a note).
  Added in the round after the closing families, whose four two-class misses
  over three lists carried no warning (docs/validation/estimation-defaults.md).
  With four lists or more, the upper end is raised to Mth Gamma0.5's then, and
  also when Darroch's test fires but not clearly (0.01 <= p < 0.2)
  (:func:`widened_for_hidden_class`, a note; the round after the mixture
  families, whose rare-quarter misses over four lists were warned, not widened);
* clear heterogeneity (p < :data:`HETERO_CLEAR`) whose size the overlaps
  cannot fix: :data:`WIDEN_MODEL` and :data:`HIDDEN_MODEL` fit alike (a
  likelihood-ratio test at 5%) and the latter's upper end lies above the
  interval (:func:`heterogeneity_spread`; Link 2003). A warning, not a
  widening: the skewed model's upper end is two to nine times the total on the
  Beta-frailty and logit-normal families (the unseen round,
  docs/validation/estimation-defaults.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from gawah.estimate.captures import CaptureHistories
from gawah.estimate.chao import lognormal_interval
from gawah.estimate.result import Estimator, MSEResult

__all__ = [
    "BEHAVIOUR_ALPHA",
    "HIDDEN_MODEL",
    "WIDEN_MODEL",
    "Behaviour",
    "Checked",
    "Spread",
    "behaviour_fit",
    "behaviour_test",
    "chao_bound",
    "data_warnings",
    "heterogeneity_spread",
    "heterogeneity_test",
    "result_warnings",
    "widened",
    "widened_at_bound",
    "widened_for_hidden_class",
    "with_warnings",
]

#: The model whose upper end widens an interval when the lists show
#: heterogeneity, and the methods this applies to (measured for these only:
#: benchmarks/mse_defaults.py, docs/validation/estimation-defaults.md).
WIDEN_MODEL = "Mth Gamma3.5"
_WIDENED_METHODS = frozenset({"loglinear"})
#: Darroch's test flags heterogeneity below this p-value (and the default's
#: interval is widened). A generous level for a pre-test of low power
#: (Bancroft 1944; Kennedy and Bancroft 1971 suggest 0.25 for pooling
#: pre-tests): a 4-list table with a quarter of its people barely reachable
#: gives p = 0.05-0.2 (crackdown family ``besieged_copying``). Set in the
#: round after the crackdown families (docs/validation/estimation-defaults.md).
HETERO_ALPHA = 0.2
#: Below this p-value the heterogeneity is clear ("show", not "may show").
HETERO_CLEAR = 0.01
#: The score test of a behavioural response flags the lists below this p-value
#: (and the default's interval is stretched to include Mtb's).
BEHAVIOUR_ALPHA = 0.05
#: Below this p-value the response is mentioned ("may"), when Mtb's estimate
#: lies outside the interval: the same generous pre-test level as
#: :data:`HETERO_ALPHA` (the mild trap-happy tables of the behaviour split gave
#: p = 0.14 on an unwarned miss). Set in the round after the behaviour families.
BEHAVIOUR_WEAK = 0.2
_BEHAVIOUR_MAX_LISTS = 12
#: Mtb's estimate or upper end beyond this many times the number seen: no bound
#: (as the profile likelihood's 50 x, ``_profile``), so nothing to stretch to.
_MTB_MAX_RATIO = 50
#: With at most this many lists, an estimate at Chao's bound (heterogeneity
#: untested) widens the default's upper end to :data:`WIDEN_MODEL`'s: with
#: three lists the heterogeneity models differ from Mt by one function of the
#: number of lists a person is on and all give the same fit, so no test of the
#: overlaps separates a hard-to-record class from equal chances.
_BOUND_WIDEN_MAX_LISTS = 3
#: On four lists or more, the model whose upper end the default's interval is
#: raised to when a class of people hard to record on every list cannot be
#: ruled out (:func:`widened_for_hidden_class`): Rcapture's Gamma heterogeneity
#: model with theta = 0.5 (``closedpCI.t(X, m = "Mth", h = "Gamma", h.control =
#: list(theta = 0.5))``), a more skewed spread of capture chances than
#: :data:`WIDEN_MODEL`'s theta = 3.5. Chosen on the tuning splits between 3.5,
#: 1 and 0.5 (docs/validation/estimation-defaults.md, the latent round).
HIDDEN_MODEL = "Mth Gamma0.5"
#: Chi-square with 1 df at 95%: two models with as many parameters whose
#: deviances differ by less than this fit the lists alike.
_LR_95_1DF = 3.841
_SMALL_N = 100
_FEW_OVERLAPS = 20
_SUBSET_SHARE = 0.90  # strictly more than this share of the smaller list
_SUBSET_MIN = 10


def data_warnings(captures: CaptureHistories) -> list[str]:
    """What about the lists themselves should make a reader careful."""
    out: list[str] = []
    n = captures.n_observed
    t = captures.n_lists
    if n < _SMALL_N:
        out.append(
            f"only {n:,} people are seen on any list: with so few, the interval "
            "rests on a handful of overlaps"
        )
    multi = int(captures.counts[captures.patterns.sum(axis=1) >= 2].sum())
    if multi < _FEW_OVERLAPS:
        out.append(
            f"only {multi:,} people are on two or more lists: the overlaps that "
            "every estimate rests on are thin"
        )
    cells = (1 << t) - 1
    filled = len(captures.counts[captures.counts > 0])
    if t >= 3 and filled < cells / 2:
        out.append(
            f"sparse table: {cells - filled} of the {cells} possible capture "
            "patterns are empty, so interactions between lists rest on few people"
        )
    pats = captures.patterns.astype(bool)
    counts = captures.counts
    for i, a in enumerate(captures.lists):
        size_a = int(counts[pats[:, i]].sum())
        if size_a < _SUBSET_MIN:
            continue
        for j, b in enumerate(captures.lists):
            if i == j:
                continue
            size_b = int(counts[pats[:, j]].sum())
            both = int(counts[pats[:, i] & pats[:, j]].sum())
            if size_b >= size_a and both > _SUBSET_SHARE * size_a:
                out.append(
                    f"list {a} overlaps list {b} by {both / size_a:.0%} ({both:,} of "
                    f"its {size_a:,} people are also on {b}): it may be a release of "
                    "the same source (a copy, an update or an extract), not an "
                    "independent list. Lists copied from one another pull the "
                    "estimate down; if they are one source, merge them"
                )
                break
    return out


def result_warnings(
    captures: CaptureHistories,
    result: MSEResult,
    heterogeneity: tuple[float, float] | bool | None = True,
    behaviour: Behaviour | bool | None = True,
) -> list[str]:
    """What about the answer should make a reader careful.

    ``heterogeneity``: the result of :func:`heterogeneity_test` when the caller
    has it (``True``: run the test here); ``behaviour`` likewise for
    :func:`behaviour_fit`.
    """
    out: list[str] = []
    if result.refused or result.estimate is None:
        return out
    n = captures.n_observed
    if result.estimate - n < 0.01 * n:
        out.append(
            f"the estimate ({result.estimate:,.0f}) is at the number seen ({n:,}): "
            "the method finds (almost) nobody unseen. Lists that avoid each other, "
            "or people no list can reach, produce this too; do not read it as "
            "complete documentation"
        )
    bound = chao_bound(captures, result.level)
    if result.method != "chao" and bound is not None and result.upper is not None:
        floor = bound[0]
        if result.upper < floor:
            out.append(
                f"the whole interval (up to {result.upper:,.0f}) is below Chao's "
                f"lower bound ({floor:,.0f}), which holds however capture varies "
                "from person to person: the model likely misses people who are "
                "hard to record on every list"
            )
    top = result.diagnostics.get("top_models") or []
    weighty = [
        float(m["estimate"])
        for m in top
        if m.get("estimate") is not None and float(m.get("weight") or 0) >= 0.1
    ]
    hetero = heterogeneity_test(captures) if heterogeneity is True else heterogeneity
    if isinstance(hetero, tuple):
        strength = "show" if hetero[1] < HETERO_CLEAR else "may show"
        out.append(
            f"the lists {strength} capture heterogeneity (a likelihood-ratio test of "
            f"model Mth Darroch against Mt gives {_p_text(hetero[1])}; Mth Darroch "
            f"estimates {hetero[0]:,.0f}). Heterogeneity pulls estimates down: "
            "people hard to record on every list may be missing from this one too"
        )
    if isinstance(hetero, tuple) and hetero[1] < HETERO_CLEAR:
        spread = heterogeneity_spread(captures, result.level)
        if spread is not None and result.upper is not None:
            out.extend(_unidentified_warning(spread, result))
    behave = (
        behaviour_fit(captures, alpha=BEHAVIOUR_WEAK)
        if behaviour is True
        else behaviour
    )
    # Judged against the interval before it was widened to include Mtb's.
    own = result.diagnostics.get("before_behaviour") or [result.lower, result.upper]
    if (
        isinstance(behave, Behaviour)
        and math.isfinite(behave.estimate)
        and own[0] is not None
        and own[1] is not None
        and not float(own[0]) <= behave.estimate <= float(own[1])
    ):
        more = "more" if behave.odds > 1.0 else "less"
        verb = "are" if behave.p_value < BEHAVIOUR_ALPHA else "may be"
        which = (
            f"the log-linear interval ({float(own[0]):,.0f} to {float(own[1]):,.0f})"
            if "before_behaviour" in result.diagnostics
            else "this interval"
        )
        out.append(
            f"taken in the order given, people already on an earlier list {verb} "
            f"on later lists {more} often than the others (odds ratio "
            f"{behave.odds:.2g}, score test {_p_text(behave.p_value)}), and model "
            "Mtb, in which being recorded changes the chance of being recorded "
            f"again, puts the total at {behave.estimate:,.0f}, outside {which}. "
            "If the lists are in time order and people seek out or avoid later "
            "lists once recorded (a family known to the groups, fear of "
            "reprisal), the log-linear estimate is "
            f"{'too low' if behave.odds > 1.0 else 'too high'}; lists that copy "
            "or avoid each other give the same sign"
        )
    if (
        result.method != "chao"
        and captures.n_lists >= 3
        and bound is not None
        and hetero is None
        and result.estimate <= bound[2]
    ):
        out.append(
            f"the estimate ({result.estimate:,.0f}) is at Chao's lower bound "
            f"({bound[0]:,.0f}, up to {bound[2]:,.0f}), the least the lists allow "
            "however capture varies from person to person: it holds only if "
            "everyone was about as easy to record as the people who were. A "
            "group of people hard to record on every list leaves almost no trace "
            f"in the overlaps of {captures.n_lists} lists (Darroch's test is quiet), "
            "and if there is one the total is higher"
            + (
                ""
                if "widened_at_bound" not in result.diagnostics
                and "widened_for_hidden_class" not in result.diagnostics
                else " (the interval's upper end is widened for it)"
            )
        )
    if result.lower is not None and result.lower - n < 0.01 * n <= result.estimate - n:
        out.append(
            f"the interval reaches down to the number seen ({n:,}): the data allow "
            "that nobody was missed. At that boundary an interval is unreliable at "
            "both ends, so the upper end may be too low as well"
        )
    best = max((float(m.get("weight") or 0) for m in top), default=1.0)
    # A model average already weighs the models; the advice would be moot.
    if top and best < 0.2 and result.model != "model average":
        out.append(
            f"no model stands out: the best carries only {best:.0%} of the "
            "evidence, so the number rests on a choice the data barely make "
            "(compare --average and the other methods)"
        )
    if len(weighty) > 1 and max(weighty) > 1.25 * min(weighty):
        out.append(
            f"models that fit about as well disagree: {min(weighty):,.0f} to "
            f"{max(weighty):,.0f}. The choice of model moves the number more than "
            "the interval shows"
        )
    alt = result.diagnostics.get("other_criterion_best")
    if (
        isinstance(alt, dict)
        and alt.get("estimate") is not None
        and result.lower is not None
        and result.upper is not None
        and not result.lower <= float(alt["estimate"]) <= result.upper
    ):
        other = str(alt.get("criterion", "")).upper()
        out.append(
            f"the model {other} would choose ({alt.get('model')}) puts the total "
            f"at {float(alt['estimate']):,.0f}, outside this interval "
            f"({result.lower:,.0f} to {result.upper:,.0f}). {_CRITERIA[other]} "
            "Two standard ways of choosing the model disagree, so the choice "
            "moves the number more than the interval shows (compare "
            f"--criterion {other.lower()})"
        )
    if result.upper is not None and result.upper > 10 * n:
        out.append(
            f"the upper end ({result.upper:,.0f}) is more than ten times the number "
            "seen: the data barely bound how many were never recorded"
        )
    return out


_CRITERIA = {
    "AIC": "AIC favours models that follow the overlaps closely, BIC simpler ones.",
    "BIC": "BIC favours simpler models, AIC ones that follow the overlaps closely.",
}


def _p_text(p_value: float) -> str:
    """``p = 0.003``, or ``p < 0.0001`` rather than a misleading ``p = 0``."""
    return "p < 0.0001" if p_value < 1e-4 else f"p = {p_value:.1g}"


def chao_bound(
    captures: CaptureHistories, level: float = 0.95
) -> tuple[float, float, float] | None:
    """Chao's (1987) lower bound for t lists and its log-normal interval.

    ``n + K f1^2 / (2 f2)`` with ``K = (t - 1) / t`` (f1, f2: people on exactly
    one and two lists). Under equal capture chances it estimates the total
    without bias (with equal chances p, ``K f1^2 / (2 f2) = (1 - p)^t N``, the
    unseen); under any heterogeneity it is a lower bound. The variance is Chao's
    (1987) delta-method one with ``K``:
    ``f2 (K^2 r^4 / 4 + K^2 r^3 + K r^2 / 2)``, ``r = f1 / f2``, on the log of
    the unseen. ``None`` when nobody is on exactly two lists. (Not
    :class:`gawah.estimate.chao.ChaoLowerBound`, R's species form without K,
    whose numbers are kept as they are for the parity tests.)
    """
    pats = captures.patterns.sum(axis=1)
    f1 = float(captures.counts[pats == 1].sum())
    f2 = float(captures.counts[pats == 2].sum())
    if f2 <= 0:
        return None
    t = captures.n_lists
    k = (t - 1) / t
    n = captures.n_observed
    r = f1 / f2
    estimate = n + k * f1 * f1 / (2.0 * f2)
    variance = f2 * (k * k * r**4 / 4.0 + k * k * r**3 + k * r * r / 2.0)
    lower, upper = lognormal_interval(n, estimate, variance, level)
    return float(estimate), float(lower), float(upper)


def heterogeneity_test(captures: CaptureHistories) -> tuple[float, float] | None:
    """(Mth Darroch estimate, p-value of Mt against it) when the test rejects Mt.

    Rejects at :data:`HETERO_ALPHA` (0.2), a generous level for a pre-test.

    Darroch et al. (1993) add one term for the number of lists a person is on
    (k^2 / 2) to the independence model Mt; its deviance drop is a 1-df
    likelihood-ratio test of homogeneous capture (as in Rcapture).
    """
    if captures.n_lists < 3:
        return None
    from statistics import NormalDist

    # The fits alone, without the profile intervals LogLinearMSE would add
    # (they need scipy.optimize, half a second to import for `--method chao`).
    from gawah.estimate._profile import fit_model
    from gawah.estimate._standard import standard_design

    y = captures.cell_counts()[1:].astype(float)
    n = captures.n_observed
    plain = fit_model(standard_design("Mt", captures.n_lists)[0], y, n)
    design, _nca = standard_design("Mth Darroch", captures.n_lists)
    darroch = fit_model(design, y, n)
    if plain.info_fit != 0 or darroch.info_fit != 0:
        return None
    if not math.isfinite(darroch.estimate) or darroch.estimate - n < 1e-3:
        return None
    drop = plain.deviance - darroch.deviance
    if drop <= 0:
        return None
    p_value = 2.0 * (1.0 - NormalDist().cdf(drop**0.5))  # chi-square, 1 df
    if p_value >= HETERO_ALPHA:
        return None
    return float(darroch.estimate), p_value


@dataclass(frozen=True)
class Spread:
    """Two heterogeneity models that fit the overlaps alike but disagree on the total.

    ``mild``: (deviance, estimate) of :data:`WIDEN_MODEL`; ``skewed``:
    (deviance, estimate, upper end of its profile interval) of
    :data:`HIDDEN_MODEL`, the estimate and upper end ``inf`` when that model
    runs off to no bound (above 50 times the number seen, or its fit does not
    settle).
    """

    mild: tuple[float, float]
    skewed: tuple[float, float, float]


def heterogeneity_spread(
    captures: CaptureHistories, level: float = 0.95
) -> Spread | None:
    """The two Gamma models' fits when the data cannot tell them apart, else None.

    Rcapture's Gamma heterogeneity models (Rivest and Baillargeon 2007) differ
    only in theta, how skewed the spread of capture chances is. Once Darroch's
    test finds heterogeneity clearly, the overlaps show that capture varies,
    but not how much: on the fresh simulation families (five lists with a hard
    class and a trap-happy response, six lists with Beta(0.5, 3) frailty) the
    deviances of theta = 0.25 to 3.5 lie within 0.2-5 of each other while
    their totals differ by up to a factor of 13
    (docs/validation/estimation-defaults.md).
    This is Link's (2003) non-identifiability: different spreads of capture
    chances give the same distribution of the number of lists a person is on
    and different numbers of people on none. "Alike" is a likelihood-ratio
    test of the milder model against the more skewed one at the conventional
    5% (deviances within 3.84, chi-square with 1 df; both have the same
    number of parameters). None when the deviances differ by more (the data
    do choose), when a deviance or the mild model's estimate is not finite,
    or with fewer than 3 lists.
    """
    if captures.n_lists < 3:
        return None
    from gawah.estimate._profile import fit_model
    from gawah.estimate._standard import standard_design

    y = captures.cell_counts()[1:].astype(float)
    n = captures.n_observed
    fits = []
    for model in (WIDEN_MODEL, HIDDEN_MODEL):
        design, _nca = standard_design(model, captures.n_lists)
        fits.append(fit_model(design, y, n))
    mild, skewed = fits
    if mild.info_fit != 0 or not math.isfinite(mild.estimate):
        return None
    if not math.isfinite(float(skewed.deviance)):
        return None
    if abs(float(skewed.deviance) - float(mild.deviance)) > _LR_95_1DF:
        return None
    bounded = (
        skewed.info_fit == 0
        and math.isfinite(skewed.estimate)
        and skewed.estimate <= _MTB_MAX_RATIO * n
    )
    upper = math.inf
    if bounded:
        from gawah.estimate.loglinear import LogLinearMSE

        wide = LogLinearMSE(model=HIDDEN_MODEL, level=level).fit(captures)
        if not wide.refused and wide.upper is not None:
            upper = min(float(wide.upper), math.inf)
        if upper > _MTB_MAX_RATIO * n:
            upper = math.inf
    return Spread(
        (float(mild.deviance), float(mild.estimate)),
        (
            float(skewed.deviance),
            float(skewed.estimate) if bounded else math.inf,
            upper,
        ),
    )


def _unidentified_warning(spread: Spread, result: MSEResult) -> list[str]:
    """The warning when a reading the data fit as well reaches above the interval.

    Judged on the skewed model's upper end, not its estimate: the interval
    over every spread the data cannot rule out (an uncertainty region,
    Vansteelandt et al. 2006) runs up to it. On the fresh families' five-list
    tables with a hard class, Mth Gamma0.5's estimate lay inside the default's
    interval while its upper end, and the truth, lay above.
    """
    assert result.upper is not None
    estimate, upper = spread.skewed[1], spread.skewed[2]
    if upper <= result.upper:
        return []
    where = (
        f"at {estimate:,.0f} (up to {upper:,.0f})"
        if math.isfinite(upper)
        else (
            f"at {estimate:,.0f} with no upper bound"
            if math.isfinite(estimate)
            else "beyond any bound (the skewed fit runs off)"
        )
    )
    fit = f"deviances {spread.mild[0]:.1f} and {spread.skewed[0]:.1f}"
    lower = "" if result.lower is None else f" at least {result.lower:,.0f};"
    return [
        "the lists show clearly that capture varies from person to person, but "
        f"not by how much: models {WIDEN_MODEL} and {HIDDEN_MODEL} (a milder and "
        f"a more skewed spread of capture chances) fit the overlaps alike ({fit}) "
        f"and put the total at {spread.mild[1]:,.0f} and {where}. No test of the "
        "overlaps can choose between them (Link 2003), and this interval (up to "
        f"{result.upper:,.0f}) does not reach the skewed reading: read it as{lower} "
        "the upper end is what a milder spread gives, not a limit the lists set"
    ]


@dataclass(frozen=True)
class Behaviour:
    """Model Mtb's fit when the score test finds a behavioural response.

    ``odds``: exp(b), the odds ratio of being on a later list once on an
    earlier one; ``p_value``: the score test of b = 0; ``estimate``, ``lower``,
    ``upper``: Mtb's total and its interval (``inf`` when the fit runs off to
    no bound).
    """

    odds: float
    p_value: float
    estimate: float
    lower: float
    upper: float


def behaviour_test(captures: CaptureHistories) -> tuple[float, float, float] | None:
    """(odds ratio, p-value, Mtb estimate) of a behavioural response, lists in their order.

    The short form of :func:`behaviour_fit`.
    """
    found = behaviour_fit(captures)
    return None if found is None else (found.odds, found.p_value, found.estimate)


def behaviour_fit(
    captures: CaptureHistories, level: float = 0.95, alpha: float = BEHAVIOUR_ALPHA
) -> Behaviour | None:
    """Model Mtb against Mt, lists in their order: :class:`Behaviour` when it rejects.

    Model Mtb with a constant effect (Otis et al. 1978; Pollock 1975; Huggins
    1989): a person's chance of being on list j is p_j until they are on some
    earlier list and c_j, with logit c_j = logit p_j + b, afterwards. The
    p-value is Rao's score test of b = 0 at Mt's maximum likelihood; the odds
    ratio exp(b) and the estimate n / (1 - prod_j (1 - p_j)) come from Fisher
    scoring of the likelihood conditional on being seen (Huggins 1989), and
    the interval from Huggins's (1989) variance of that estimate (the sampling
    of n plus the delta method over the fitted chances) on the log of the
    number unseen (Chao 1987). Written by hand because all of it is closed
    form: Mt's fit is Darroch's equation prod_j (1 - n_j / N) = 1 - n / N, and
    the score and expected information are sums over the 2^t - 1 capture
    patterns. Heterogeneity (the easy people are the ones seen before) and
    positive list dependence push the odds ratio above 1 too, lists that avoid
    earlier ones below 1. ``None`` when the test does not reject at ``alpha``
    (:data:`BEHAVIOUR_ALPHA`), with fewer than 3 lists or more than 12, or when
    a fit fails.
    """
    t = captures.n_lists
    if t < 3 or t > _BEHAVIOUR_MAX_LISTS:
        return None
    import numpy as np

    pats = captures.patterns.astype(bool)
    counts = captures.counts.astype(float)
    n = float(counts.sum())
    sizes = counts @ pats
    if n <= 0 or sizes.max() >= n or sizes.sum() <= n:
        return None  # nobody on two lists, or a list holding everyone seen

    def excess(total: float) -> float:
        return float(np.prod(1.0 - sizes / total)) - (1.0 - n / total)

    # Darroch's equation has one root above n when some people are on two lists.
    low, high = n * (1.0 + 1e-12), n * 2.0
    while excess(high) > 0.0:
        high *= 2.0
        if high > 1e12 * n:
            return None
    for _ in range(200):
        mid = 0.5 * (low + high)
        if excess(mid) > 0.0:
            low = mid
        else:
            high = mid
    every = ((np.arange(1, 1 << t)[:, None] >> np.arange(t)) & 1).astype(float)
    after = np.arange(t)[None, :] > np.argmax(every, axis=1)[:, None]
    codes = (pats.astype(np.int64) << np.arange(t)).sum(axis=1) - 1
    observed = np.zeros(every.shape[0])
    np.add.at(observed, codes[codes >= 0], counts[codes >= 0])

    def score_info(a: np.ndarray, b: float) -> tuple[np.ndarray, np.ndarray, float]:
        p = 1.0 / (1.0 + np.exp(-a))
        c = 1.0 / (1.0 + np.exp(-(a + b)))
        chance = np.where(after, c, p)
        prob = np.prod(np.where(every == 1.0, chance, 1.0 - chance), axis=1)
        p0 = float(np.prod(1.0 - p))
        prob /= 1.0 - p0
        resid = every - chance
        score = np.empty((every.shape[0], t + 1))
        score[:, :t] = resid - p0 / (1.0 - p0) * p
        score[:, t] = np.sum(np.where(after, resid, 0.0), axis=1)
        info = n * (score * prob[:, None]).T @ score
        return observed @ score, info, n / (1.0 - p0)

    p_mt = sizes / (0.5 * (low + high))
    theta = np.append(np.log(p_mt / (1.0 - p_mt)), 0.0)
    u, info, _ = score_info(theta[:t], 0.0)
    try:
        efficient = float(
            info[t, t] - info[t, :t] @ np.linalg.solve(info[:t, :t], info[:t, t])
        )
    except np.linalg.LinAlgError:
        return None
    if not efficient > 0.0:
        return None
    from statistics import NormalDist

    p_value = 2.0 * (1.0 - NormalDist().cdf(abs(float(u[t])) / efficient**0.5))
    if p_value >= alpha:
        return None
    odds = math.exp(max(min(float(u[t]) / efficient, 20.0), -20.0))  # one step
    unbounded = Behaviour(odds, p_value, math.inf, math.inf, math.inf)
    try:
        with np.errstate(all="raise"):
            for _ in range(50):  # Fisher scoring, long steps halved
                u, info, estimate = score_info(theta[:t], float(theta[t]))
                step = np.linalg.solve(info, u)
                while float(np.max(np.abs(step))) > 5.0:
                    step /= 2.0
                theta = theta + step
                if float(np.max(np.abs(step))) < 1e-8:
                    break
            _, info, estimate = score_info(theta[:t], float(theta[t]))
            cov = np.linalg.inv(info)
    except (ArithmeticError, FloatingPointError, np.linalg.LinAlgError):
        return unbounded  # Mtb runs off to no bound
    if not math.isfinite(estimate) or abs(float(theta[t])) > 20.0:
        return unbounded
    # Huggins (1989): Var N = n (1 - pi) / pi^2 + D' I^-1 D, pi = 1 - p0 the
    # chance of being seen, D = dN/dtheta (b does not enter N).
    p = 1.0 / (1.0 + np.exp(-theta[:t]))
    p0 = float(np.prod(1.0 - p))
    grad = np.append(-estimate / (1.0 - p0) * p0 * p, 0.0)
    var = n * p0 / (1.0 - p0) ** 2 + float(grad @ cov @ grad)
    unseen = estimate - n
    if estimate > _MTB_MAX_RATIO * n:
        return unbounded  # a sparse table lets Mtb run off (odds ratios of 1e8)
    odds = math.exp(float(theta[t]))
    if not (var > 0.0 and unseen > 0.0):
        return Behaviour(odds, p_value, estimate, n, math.inf)
    lower, upper = lognormal_interval(captures.n_observed, estimate, var, level)
    if upper > _MTB_MAX_RATIO * n:
        return Behaviour(odds, p_value, estimate, math.inf, math.inf)
    return Behaviour(odds, p_value, estimate, lower, upper)


def with_warnings(result: MSEResult, extra: list[str]) -> MSEResult:
    """``result`` with ``extra`` warnings appended (no duplicates)."""
    have = list(result.warnings)
    new = [w for w in extra if w not in have]
    if not new:
        return result
    diagnostics: dict[str, Any] = dict(result.diagnostics)
    diagnostics["warnings"] = [*have, *new]
    return replace(result, diagnostics=diagnostics)


def widened(
    captures: CaptureHistories,
    result: MSEResult,
    heterogeneity: tuple[float, float] | None,
) -> MSEResult:
    """``result`` with its upper end raised to :data:`WIDEN_MODEL`'s when heterogeneity shows.

    Heterogeneity (some people hard to record on every list) pulls every
    log-linear estimate down, and a model chosen by BIC rarely corrects enough:
    on the Beta-frailty simulation family the default's interval missed the
    truth in every table of the tune split, and Rcapture's Mth Gamma3.5 model
    (Rivest and Baillargeon 2007), which assumes a strongly skewed spread of
    capture chances, reached above it. So when Darroch's test rejects
    homogeneous capture, the interval runs from the model's lower end to the
    larger of the two upper ends, and a warning says so. The model's own
    interval stays in ``diagnostics["model_interval"]``.
    """
    if (
        heterogeneity is None
        or result.refused
        or result.upper is None
        or result.method not in _WIDENED_METHODS
    ):
        return result
    from gawah.estimate.loglinear import LogLinearMSE

    wide = LogLinearMSE(model=WIDEN_MODEL, level=result.level).fit(captures)
    if wide.refused or wide.upper is None:
        return result
    diagnostics: dict[str, Any] = dict(result.diagnostics)
    diagnostics["widened_for"] = {
        "model": WIDEN_MODEL,
        "upper": wide.upper,
        "heterogeneity_p": heterogeneity[1],
    }
    evidence = f"Darroch's test gives {_p_text(heterogeneity[1])}"
    if wide.upper <= result.upper:
        note = (
            f"the lists show capture heterogeneity ({evidence}); the interval "
            f"already reaches above the upper end of model {WIDEN_MODEL} "
            f"({wide.upper:,.0f}), so it is not widened"
        )
        diagnostics["notes"] = [*result.notes, note]
        return replace(result, diagnostics=diagnostics)
    diagnostics["model_interval"] = [result.lower, result.upper]
    diagnostics["widened_to"] = {"model": WIDEN_MODEL, "upper": wide.upper}
    diagnostics["notes"] = [
        *result.notes,
        f"the upper end is widened from {result.upper:,.0f} to {wide.upper:,.0f}, "
        f"the upper end of model {WIDEN_MODEL}, because the lists show capture "
        f"heterogeneity ({evidence}): the chosen model's own interval of "
        f"{result.lower:,.0f} to {result.upper:,.0f} assumes everyone was as easy "
        "to record as the people who were (--narrow keeps it)",
    ]
    return replace(result, upper=wide.upper, diagnostics=diagnostics)


def widened_at_bound(
    captures: CaptureHistories,
    result: MSEResult,
    heterogeneity: tuple[float, float] | None,
) -> MSEResult:
    """``result``'s upper end raised to :data:`WIDEN_MODEL`'s when three lists cannot test heterogeneity.

    With three lists, Mth Darroch, Chao, Poisson2 and Gamma3.5 each add one
    function of the number of lists a person is on to Mt, and with k = 1, 2, 3
    all of them give the same fit: a two-class mixture (Pledger 2000) whose
    hard class is recorded at 10-15% leaves Mt's deviance at 1-3 on 3 degrees
    of freedom (the closing simulation family). The models differ only in
    what they assume about the people never seen. When Darroch's test is
    quiet and the estimate sits at Chao's lower bound (what equal chances
    give), the interval runs up to Mth Gamma3.5's upper end (the strongest of
    Rcapture's heterogeneity models, as :func:`widened` uses), so it carries
    the reading the data cannot rule out; the estimate stays. Not done when
    Mth Gamma3.5 is unbounded (above 50 times the number seen). Measured on
    the tuning splits and run once on the mixture held-out families
    (docs/validation/estimation-defaults.md).
    """
    if (
        heterogeneity is not None
        or result.refused
        or result.estimate is None
        or result.upper is None
        or result.method not in _WIDENED_METHODS
        or not 3 <= captures.n_lists <= _BOUND_WIDEN_MAX_LISTS
    ):
        # Two lists: no heterogeneity model (Mth needs three), and the warning
        # beside it is for three lists or more too.
        return result
    bound = chao_bound(captures, result.level)
    if bound is None or result.estimate > bound[2]:
        return result
    wider = _higher_bounded_upper(WIDEN_MODEL, result, captures)
    if wider is None:
        return result
    diagnostics: dict[str, Any] = dict(result.diagnostics)
    diagnostics["widened_at_bound"] = {
        "model": WIDEN_MODEL,
        "upper": wider,
        "chao_bound": list(bound),
        "model_interval": [result.lower, result.upper],
    }
    diagnostics["notes"] = [
        *result.notes,
        f"the upper end is widened from {result.upper:,.0f} to {wider:,.0f}, "
        f"the upper end of model {WIDEN_MODEL}, because the estimate sits at "
        f"Chao's lower bound ({bound[0]:,.0f}) and three lists cannot show "
        "whether some people were hard to record on every list: the model's own "
        f"interval of {result.lower:,.0f} to {result.upper:,.0f} assumes they "
        "were not (--narrow keeps it)",
    ]
    return replace(result, upper=wider, diagnostics=diagnostics)


def widened_for_hidden_class(
    captures: CaptureHistories,
    result: MSEResult,
    heterogeneity: tuple[float, float] | None,
) -> MSEResult:
    """``result``'s upper end raised to :data:`HIDDEN_MODEL`'s when four lists or more cannot rule out a hard class.

    A class of people recorded by every list with a small chance (a quarter
    of the dead at 5-8% on each of four lists: Pledger 2000's two-point
    mixture) is mostly on no list, and the few of them seen are each on one:
    the overlaps barely change, Darroch's test gives p = 0.2-0.7 or a weak
    0.04-0.2, and every log-linear estimate sits at Chao's lower bound, what
    equal chances give. No test of the overlaps can tell that table from
    independent lists (Link 2003: under heterogeneity the total is not
    identified), so the interval must carry the reading the data cannot rule
    out rather than the one they slightly prefer. When the estimate sits at
    Chao's bound and Darroch's test is quiet, or the test finds heterogeneity
    but not clearly (p at or above :data:`HETERO_CLEAR`), the interval runs up
    to :data:`HIDDEN_MODEL`'s upper end; the estimate stays. When the test is
    clear (p < :data:`HETERO_CLEAR`) the heterogeneity is seen and modelled
    (:func:`widened`), and a more skewed model would stretch the interval to
    several times the truth (the logit-normal and Beta-frailty families). Not
    done when the model is unbounded (above 50 times the number seen). With
    three lists :func:`widened_at_bound` does this with :data:`WIDEN_MODEL`
    (Mth Gamma0.5 is mostly unbounded there). Measured on the tuning splits and
    run once on the latent held-out families
    (docs/validation/estimation-defaults.md).
    """
    if (
        result.refused
        or result.estimate is None
        or result.upper is None
        or result.method not in _WIDENED_METHODS
        or captures.n_lists <= _BOUND_WIDEN_MAX_LISTS
    ):
        return result
    bound = chao_bound(captures, result.level)
    if heterogeneity is None:
        if bound is None or result.estimate > bound[2]:
            return result
        reason = (
            f"the estimate sits at Chao's lower bound ({bound[0]:,.0f}) and "
            "Darroch's test is quiet"
        )
    elif heterogeneity[1] < HETERO_CLEAR:
        return result
    else:
        reason = (
            "Darroch's test finds capture heterogeneity, but not clearly "
            f"({_p_text(heterogeneity[1])})"
        )
    wider = _higher_bounded_upper(HIDDEN_MODEL, result, captures)
    if wider is None:
        return result
    diagnostics: dict[str, Any] = dict(result.diagnostics)
    diagnostics["widened_for_hidden_class"] = {
        "model": HIDDEN_MODEL,
        "upper": wider,
        "chao_bound": None if bound is None else list(bound),
        "heterogeneity_p": None if heterogeneity is None else heterogeneity[1],
        "interval_before": [result.lower, result.upper],
    }
    diagnostics["notes"] = [
        *result.notes,
        f"the upper end is widened from {result.upper:,.0f} to {wider:,.0f}, "
        f"the upper end of model {HIDDEN_MODEL}, because {reason}: a group of "
        f"people hard to record on every list leaves almost no trace in the "
        f"overlaps of {captures.n_lists} lists, and the interval of "
        f"{result.lower:,.0f} to {result.upper:,.0f} assumes there is none "
        "(--narrow keeps it)",
    ]
    return replace(result, upper=wider, diagnostics=diagnostics)


def widened_for_behaviour(result: MSEResult, behaviour: Behaviour | None) -> MSEResult:
    """``result``'s interval stretched to include Mtb's when the lists show a response.

    When the score test finds a behavioural response (:func:`behaviour_fit`)
    and Mtb is bounded, the interval runs from the lower of the two lower ends
    to the higher of the two upper ends: the data cannot tell a behavioural
    response from the list dependence the log-linear models absorb, so the
    interval carries both answers (model uncertainty, as a model average does;
    Burnham and Anderson 2002). The estimate stays the log-linear one. The
    interval before is kept in ``diagnostics["before_behaviour"]`` and a note
    says what was done. Measured on the fresh families (tuning data) and run
    once on the closing held-out families
    (docs/validation/estimation-defaults.md).
    """
    if (
        behaviour is None
        or behaviour.p_value >= BEHAVIOUR_ALPHA
        or result.refused
        or result.lower is None
        or result.upper is None
        or result.method not in _WIDENED_METHODS
        or not math.isfinite(behaviour.upper)
    ):
        return result
    lower = min(result.lower, behaviour.lower)
    upper = max(result.upper, behaviour.upper)
    if lower == result.lower and upper == result.upper:
        return result
    diagnostics: dict[str, Any] = dict(result.diagnostics)
    diagnostics["before_behaviour"] = [result.lower, result.upper]
    diagnostics["behaviour"] = {
        "odds_ratio": behaviour.odds,
        "p_value": behaviour.p_value,
        "estimate": behaviour.estimate,
        "lower": behaviour.lower,
        "upper": behaviour.upper,
    }
    diagnostics["notes"] = [
        *result.notes,
        f"the interval is stretched from {result.lower:,.0f} to {result.upper:,.0f} "
        f"to {lower:,.0f} to {upper:,.0f} to include that of model Mtb "
        f"({behaviour.lower:,.0f} to {behaviour.upper:,.0f}), because, taken in "
        "their order, the lists show a behavioural response (score test "
        f"{_p_text(behaviour.p_value)}): the overlaps cannot tell it from list "
        "dependence, so the interval carries both readings (--narrow keeps the "
        "log-linear one)",
    ]
    return replace(result, lower=lower, upper=upper, diagnostics=diagnostics)


class Checked:
    """An estimator whose results also carry the data and answer warnings.

    Args:
        inner: the estimator.
        widen: widen the interval when the lists show heterogeneity
            (:func:`widened`), unless the inner estimator was given a model.
    """

    def __init__(self, inner: Estimator, widen: bool = True) -> None:
        self.inner = inner
        self.widen = widen

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def fit(self, captures: CaptureHistories) -> MSEResult:
        """Fit the inner estimator, widen if due, then add the warnings.

        Lists that recorded nobody are left out first, for the checks as for
        the fit: counted as lists they made the heterogeneity models fail
        ("needs at least 3 lists") and the sparse-table warning count their
        empty cells.
        """
        captures, dropped = captures.without_empty_lists()
        result = self.inner.fit(captures)
        if dropped:
            result = with_warnings(
                result,
                [
                    f"list {name!r} recorded nobody, so it is left out: the "
                    f"estimate rests on the other {captures.n_lists} lists"
                    for name in dropped
                ],
            )
        hetero = None if result.refused else heterogeneity_test(captures)
        behave = (
            None
            if result.refused
            else behaviour_fit(captures, result.level, alpha=BEHAVIOUR_WEAK)
        )
        # A model the user named keeps its own interval; the search is widened.
        if self.widen and getattr(self.inner, "model", None) is None:
            result = widened(captures, result, hetero)
            result = widened_at_bound(captures, result, hetero)
            result = widened_for_hidden_class(captures, result, hetero)
            result = widened_for_behaviour(result, behave)
        return with_warnings(
            result,
            data_warnings(captures) + result_warnings(captures, result, hetero, behave),
        )


def _higher_bounded_upper(
    model: str, result: MSEResult, captures: CaptureHistories
) -> float | None:
    """``model``'s upper end where it would widen ``result``, else None.

    None when the wider model refuses, gives no upper end, gives one no higher
    than the result's, or one beyond ``_MTB_MAX_RATIO`` times the number seen
    (an interval unbounded in practice says nothing a user can act on; the
    same bound as Mtb's stretch).
    """
    from gawah.estimate.loglinear import LogLinearMSE

    wide = LogLinearMSE(model=model, level=result.level).fit(captures)
    if (
        wide.refused
        or wide.upper is None
        or result.upper is None
        or wide.upper <= result.upper
        or wide.upper > _MTB_MAX_RATIO * captures.n_observed
    ):
        return None
    return wide.upper
