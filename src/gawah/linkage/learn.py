"""Learning from review: which pair to ask about next, and a model re-fitted on the answers.

**Which pair next.** A decision teaches the model most where it is unsure and
where many other pairs look the same. Every scored pair has a *comparison
pattern*: the level it reached on each comparison (name exact, father
missing, ages within 2 years ...), read from its per-comparison match
weights (``mw_<comparison>``). Its priority is

    H(p) * log2(1 + n) / (1 + k)

with ``H(p)`` the binary entropy of its match probability (1 at p = 0.5, 0
at 0 or 1), ``n`` the number of pairs waiting for review that share its
pattern, and ``k`` the number of pairs of that pattern ranked before it. The
first decision on a common pattern teaches about all of them (the learned
correction below is per level, so it moves every pair that shares them); the
tenth decision on the same pattern teaches little more, so ``1 / (1 + k)``
spreads a review session over patterns. Query-by-committee (several models
voting) was not chosen: it needs several fitted models per run, and the
Fellegi-Sunter probability is already a measure of doubt.

**Re-fitting.** The Fellegi-Sunter model adds one log Bayes factor per
comparison level. Reviewed decisions fit a correction to it: a logistic
regression whose offset is the model's own log-odds and whose features are
the comparison levels reached (one indicator per comparison and level), the
frequency adjustments and an intercept, with a ridge penalty that pulls every
level's correction towards zero (not the intercept: one number, which a few
decisions estimate well). With no decisions the model is unchanged; with a
few, a level's correction moves only as far as the decisions insist; with
many, the re-fitted weight of a level approaches the log odds the decisions
show. It is m and u re-estimated from labels, shrunk towards the
unsupervised estimate. Decisions come from the review band, so the
correction re-scores only pairs the model was unsure of (below ``below``,
the band's top); the others stay. scipy's L-BFGS fits it: the penalised loss
with an offset and its exact gradient are a few lines here (scikit-learn,
which has no offset, is not a gawah dependency).

**Where the threshold falls.** The model's probabilities in the review band
are too confident: on the tuning seeds (1-3) of the four-list generator, of
the pairs it scored 0.7 to 0.9 only 56-65% were one person, of those at 0.5
to 0.7 24-35%. The match threshold (0.7) was chosen on those probabilities,
so it sits where the truth is at about even odds, which is where pairwise F1
wants its cut (link a pair when it is more likely one person than not,
roughly). The re-fitted odds are the reviewers' odds, calibrated: after the
first 100 decisions the intercept alone lowers every band pair's odds
severalfold on the tuning seeds. Compared with the 0.7 threshold as they
were, they dropped true pairs under it: recall fell more than precision
rose, and F1 after 100 decisions fell below the automatic F1 on held-out
seeds. So the re-fitted odds are put back on the model's scale: even odds
for the reviewers land at the threshold (``threshold`` of :func:`rescore`).
Measured in docs/validation/linkage.md, "Learning from review".

**Which order the re-fit assumes.** The regression conditions on the
comparison levels, so choosing pairs by their levels or their probability
(which the levels make) does not bias it. Choosing by anything else does:
ordering by how likely an answer is to change the clusters skews the
decisions the re-fit learns from, and F1 after 100 decisions fell below the
automatic F1 on the tuning seeds. The queue's order stays :func:`priority`.

Why a correction and not m re-estimated from the "same person" decisions
alone (Splink's ``estimate_m_from_pairwise_labels``, which gawah used before):
the decided pairs are the ones the model was unsure of, not a sample of
matches. Among them "names agree exactly" is rare, because such pairs are
seldom unsure, so m read from them lowered the weight of strong agreement
and raised that of weak agreement for *every* pair: on the four-list
generator 100 decisions moved 260 pairs over the match threshold and F1 fell
(0.922 to 0.915 on the tuning seeds) before it rose (on the older
generator, which has no relatives, it had raised recall instead; the
measured trade-off is in the validation page). A logistic regression
on the decided pairs conditions on their comparison levels, so choosing
pairs by those levels does not bias it. Measured in
docs/validation/linkage.md, "Learning from review".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import expit, log_expit

from gawah.linkage.classify import comparison_names

# Ridge penalty on the corrections (per unit of squared log-odds). Chosen on
# the tuning seeds of benchmarks/linkage_review.py (docs/validation/linkage.md,
# "Learning from review"); larger trusts the unsupervised model more.
DEFAULT_PENALTY = 10.0
# Fewer decisions than this, or decisions of one kind only, leave the model as it is.
MIN_LABELS = 10
# Weights are rounded to this many decimals to name a comparison level.
_DECIMALS = 3
_LN2 = math.log(2.0)


def pattern_columns(pairs: pd.DataFrame) -> list[str]:
    """The per-comparison weight columns that name a pair's levels (no frequency terms)."""
    return [f"mw_{c}" for c in comparison_names(list(pairs.columns))]


def patterns(pairs: pd.DataFrame) -> pd.Series:
    """Each pair's comparison pattern, as text (``name=3.21|father=-1.5|...``)."""
    columns = pattern_columns(pairs)
    if not columns or pairs.empty:
        return pd.Series([""] * len(pairs), index=pairs.index, dtype=object)
    parts = [
        c[3:] + "=" + pairs[c].astype(float).round(_DECIMALS).astype(str)
        for c in columns
    ]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined + "|" + part
    return joined


def entropy(probabilities: np.ndarray) -> np.ndarray:
    """Binary entropy in bits: 1 at 0.5, 0 at 0 and 1."""
    p = np.clip(np.asarray(probabilities, dtype=float), 1e-12, 1 - 1e-12)
    out: np.ndarray = -(p * np.log2(p) + (1 - p) * np.log2(1 - p))
    return out


def priority(
    probabilities: Sequence[float] | np.ndarray, groups: Sequence[object] | pd.Series
) -> np.ndarray:
    """How much a decision on each pair would teach (module docstring).

    Args:
        probabilities: the pairs' match probabilities.
        groups: each pair's comparison pattern (any hashable label).
    """
    h = entropy(np.asarray(probabilities, dtype=float))
    labels = pd.Series(list(groups), dtype=object)
    n = labels.map(labels.value_counts()).to_numpy(dtype=float)
    frame = pd.DataFrame({"g": labels, "h": h, "i": np.arange(len(h))})
    # k: how many pairs of the same pattern are more uncertain (ties: input order)
    ranked = frame.sort_values(["h", "i"], ascending=[False, True])
    k = np.empty(len(h))
    k[ranked["i"].to_numpy()] = ranked.groupby("g", sort=False).cumcount().to_numpy()
    out: np.ndarray = h * np.log2(1 + n) / (1 + k)
    return out


def order_by_priority(band: pd.DataFrame) -> pd.DataFrame:
    """Scored pairs, most informative first (ties: most probable, then keys)."""
    if band.empty:
        return band
    score = priority(band["match_probability"].to_numpy(), patterns(band).tolist())
    key_cols = [c for c in ("key_l", "key_r") if c in band.columns]
    ordered = band.assign(_priority=score).sort_values(
        ["_priority", "match_probability", *key_cols],
        ascending=[False, False] + [True] * len(key_cols),
        kind="mergesort",
    )
    return ordered.drop(columns="_priority")


@dataclass(frozen=True)
class LearnedCorrection:
    """A correction to the Fellegi-Sunter log-odds, fitted on reviewed pairs."""

    levels: tuple[str, ...]  # "name=3.21": one indicator each
    frequency: tuple[str, ...]  # mw_tf_adj_* columns, continuous
    coef: np.ndarray = field(repr=False)  # len(levels) + len(frequency)
    n_labels: int
    # The shift common to every pair (not penalised): how far the model's
    # odds in the review band are from the reviewers' on average.
    intercept: float = 0.0

    def log_odds(self, pairs: pd.DataFrame) -> np.ndarray:
        """The correction, in natural log-odds, for each pair."""
        x = _design(pairs, self.levels, self.frequency)
        out: np.ndarray = x @ self.coef + self.intercept
        return out


def _level_labels(pairs: pd.DataFrame) -> list[list[str]]:
    # One indicator per comparison level reached. An indicator per whole
    # pattern, or both, did no better on the tuning seeds (101, 102).
    columns = pattern_columns(pairs)
    values = pairs[columns].astype(float).round(_DECIMALS).to_numpy()
    names = [c[3:] for c in columns]
    return [[f"{n}={v}" for n, v in zip(names, row, strict=True)] for row in values]


def _design(
    pairs: pd.DataFrame, levels: Sequence[str], frequency: Sequence[str]
) -> np.ndarray:
    index = {lv: i for i, lv in enumerate(levels)}
    x = np.zeros((len(pairs), len(levels) + len(frequency)))
    for r, row in enumerate(_level_labels(pairs)):
        for lv in row:
            j = index.get(lv)
            if j is not None:
                x[r, j] = 1.0
    for j, col in enumerate(frequency):
        if col in pairs.columns:
            x[:, len(levels) + j] = pairs[col].astype(float).fillna(0.0).to_numpy()
    return x


def _offset(pairs: pd.DataFrame) -> np.ndarray:
    out: np.ndarray = pairs["match_weight"].astype(float).to_numpy() * _LN2
    return out


def fit_correction(
    pairs: pd.DataFrame,
    labels: Sequence[bool] | np.ndarray,
    penalty: float = DEFAULT_PENALTY,
) -> LearnedCorrection | None:
    """Fit the correction on reviewed pairs; None when there is too little to learn from.

    Args:
        pairs: the reviewed pairs' scored rows (``match_weight``, ``mw_*``).
        labels: ``True`` where the reviewer said "same person".
        penalty: the ridge penalty on each coefficient.
    """
    y = np.asarray(labels, dtype=float)
    if len(y) < MIN_LABELS or y.min() == y.max():
        return None
    levels = tuple(sorted({lv for row in _level_labels(pairs) for lv in row}))
    frequency = tuple(c for c in pairs.columns if c.startswith("mw_tf_adj_"))
    # The last column is the intercept, which the ridge does not pull.
    x = np.hstack([_design(pairs, levels, frequency), np.ones((len(y), 1))])
    ridge = np.full(x.shape[1], float(penalty))
    ridge[-1] = 0.0
    offset = _offset(pairs)
    sign = 2 * y - 1

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = offset + x @ theta
        value = -log_expit(sign * z).sum() + 0.5 * float(ridge @ (theta * theta))
        resid = expit(z) - y  # d(-loglik)/dz
        grad = x.T @ resid + ridge * theta
        return float(value), grad

    # Imported here: scipy.optimize takes longer to import than a small
    # link takes to run, and only a run with reviewed decisions fits.
    from scipy.optimize import minimize

    fitted = np.asarray(
        minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B").x,
        dtype=float,
    )
    return LearnedCorrection(levels, frequency, fitted[:-1], len(y), float(fitted[-1]))


def rescore(
    pairs: pd.DataFrame,
    decisions: Mapping[tuple[int, int], bool],
    penalty: float = DEFAULT_PENALTY,
    *,
    below: float = 1.0,
    threshold: float = 0.5,
) -> tuple[pd.DataFrame, LearnedCorrection | None]:
    """Re-score pairs with a correction fitted on the decided ones among them.

    Args:
        pairs: scored pairs (``unique_id_l < unique_id_r``, ``match_weight``,
            ``match_probability``, ``mw_*``).
        decisions: reviewed pairs of ids (smaller first): ``True`` same person.
        penalty: the ridge penalty (:data:`DEFAULT_PENALTY`).
        below: pairs the model scores at or above this stay as scored.
        threshold: the clustering's match threshold. The re-fitted odds are
            the reviewers' odds; a pair at even odds on their scale is put at
            this probability, where the model's own pairs are at about even
            odds (module docstring, "Where the threshold falls").

    Returns:
        The pairs with ``match_probability`` re-scored, the model's own in
        ``fs_probability`` and the correction in ``learned_weight`` (log2, the
        unit of the explanation's weights); and the fitted correction, or
        None (pairs unchanged) when the decisions are too few.
    """
    if not decisions or pairs.empty:
        return pairs, None
    ids = list(
        zip(pairs["unique_id_l"].tolist(), pairs["unique_id_r"].tolist(), strict=True)
    )
    mask = np.array([pair in decisions for pair in ids], dtype=bool)
    labelled = pairs[mask]
    y = [decisions[pair] for pair, m in zip(ids, mask, strict=True) if m]
    correction = fit_correction(labelled, y, penalty)
    if correction is None:
        return pairs, None
    # Even odds on the reviewers' scale land at the threshold.
    delta = correction.log_odds(pairs) + math.log(threshold / (1 - threshold))
    # Decisions are taken from the review band: what they teach holds there,
    # not for pairs the model is sure of (above ``below``), which stay as scored.
    model = pairs["match_probability"].to_numpy()
    moved = model < below
    delta = np.where(moved, delta, 0.0)
    out = pairs.assign(
        fs_probability=model,
        learned_weight=delta / _LN2,
        match_probability=np.where(moved, expit(_offset(pairs) + delta), model),
    )
    return out, correction
