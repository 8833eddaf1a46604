"""Learning from review: the queue's priority and the correction fitted on decisions."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from gawah.linkage import LinkOptions, LinkResult, link_records
from gawah.linkage.learn import (
    MIN_LABELS,
    entropy,
    fit_correction,
    order_by_priority,
    patterns,
    priority,
    rescore,
)
from gawah.testing.linkage_data import generate_linked_lists
from gawah.testing.real_lists import pakistani_lists


class TestPriority:
    def test_entropy_peaks_at_one_half(self) -> None:
        h = entropy(np.array([0.0, 0.1, 0.5, 0.9, 1.0]))
        assert h[2] == pytest.approx(1.0)
        assert h[1] == pytest.approx(h[3])
        assert h[0] < 1e-9
        assert h[4] < 1e-9

    def test_a_common_pattern_teaches_more_than_a_rare_one(self) -> None:
        """Equally uncertain: the pair whose pattern five pairs share comes first."""
        score = priority([0.5] * 6, ["common"] * 5 + ["rare"])
        assert score[0] > score[5]

    def test_repeats_of_one_pattern_give_way_to_other_patterns(self) -> None:
        """The second pair of a pattern ranks below the first of an equal pattern."""
        score = priority([0.5, 0.5, 0.5, 0.5], ["a", "a", "b", "b"])
        firsts, seconds = sorted(score)[2:], sorted(score)[:2]
        assert min(firsts) > max(seconds)
        assert score[0] > score[1]
        assert score[2] > score[3]

    def test_a_confident_pair_teaches_little(self) -> None:
        score = priority([0.94, 0.55], ["a", "b"])
        assert score[1] > score[0]

    def test_order_by_priority_keeps_every_pair(self) -> None:
        band = pd.DataFrame(
            {
                "key_l": ["a", "b", "c"],
                "key_r": ["x", "y", "z"],
                "match_probability": [0.9, 0.5, 0.5],
                "match_weight": [3.2, 0.0, 0.0],
                "mw_name": [4.0, 1.0, 2.0],
            }
        )
        ordered = order_by_priority(band)
        assert sorted(ordered["key_l"]) == ["a", "b", "c"]
        assert ordered["key_l"].iloc[-1] == "a"  # the most confident last

    def test_patterns_ignore_frequency_adjustments(self) -> None:
        pairs = pd.DataFrame(
            {"mw_name": [2.0, 2.0], "mw_tf_adj_name": [0.5, -1.0], "mw_age": [1.0, 1.0]}
        )
        names = patterns(pairs)
        assert names.iloc[0] == names.iloc[1]


def _synthetic(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Pairs whose name agrees; the model weighs "ages far apart" at -1 only.

    Truth: ages far apart are never the same person; ages overlapping are
    three times in four.
    """
    rng = np.random.default_rng(seed)
    far = rng.random(n) < 0.5
    mw_age = np.where(far, -1.0, 1.0)
    mw_name = np.full(n, 1.0)
    same = np.where(far, False, rng.random(n) < 0.75)
    pairs = pd.DataFrame(
        {
            "unique_id_l": np.arange(n),
            "unique_id_r": np.arange(n) + n,
            "mw_name": mw_name,
            "mw_age": mw_age,
            "match_weight": mw_name + mw_age - 0.5,
        }
    )
    pairs["match_probability"] = 1 / (1 + 2.0 ** (-pairs["match_weight"]))
    return pairs, same


class TestCorrection:
    def test_too_few_or_one_sided_decisions_change_nothing(self) -> None:
        pairs, same = _synthetic(40, 1)
        assert (
            fit_correction(pairs.iloc[: MIN_LABELS - 1], same[: MIN_LABELS - 1]) is None
        )
        assert fit_correction(pairs, np.ones(len(pairs), dtype=bool)) is None
        unchanged, learned = rescore(pairs, {})
        assert learned is None
        assert unchanged is pairs

    def test_decisions_move_the_level_they_contradict(self) -> None:
        """Reviewers who never join far ages lower every far-age pair, decided or not."""
        pairs, same = _synthetic(400, 2)
        decided = {
            (int(a), int(b)): bool(s)
            for a, b, s in zip(
                pairs["unique_id_l"][:100],
                pairs["unique_id_r"][:100],
                same[:100],
                strict=True,
            )
        }
        out, learned = rescore(pairs, decided)
        assert learned is not None
        assert learned.n_labels == 100
        far = pairs["mw_age"] < 0
        undecided = np.arange(len(pairs)) >= 100
        before = pairs["match_probability"][far & undecided]
        after = out["match_probability"][far & undecided]
        assert (after < before).all()
        assert (out["fs_probability"] == pairs["match_probability"]).all()
        # the explanation's unit: the correction in log2, adding to the weight
        expected = 1 / (1 + 2.0 ** -(out["match_weight"] + out["learned_weight"]))
        assert np.allclose(out["match_probability"], expected)

    def test_a_larger_penalty_trusts_the_model_more(self) -> None:
        pairs, same = _synthetic(200, 3)
        decided = {
            (int(a), int(b)): bool(s)
            for a, b, s in zip(
                pairs["unique_id_l"], pairs["unique_id_r"], same, strict=True
            )
        }
        small = rescore(pairs, decided, penalty=1.0)[0]["learned_weight"].abs().max()
        large = rescore(pairs, decided, penalty=100.0)[0]["learned_weight"].abs().max()
        assert large < small

    def test_pairs_the_model_is_sure_of_stay(self) -> None:
        pairs, same = _synthetic(200, 4)
        pairs.loc[:9, "match_probability"] = 0.99
        decided = {
            (int(a), int(b)): bool(s)
            for a, b, s in zip(
                pairs["unique_id_l"], pairs["unique_id_r"], same, strict=True
            )
        }
        out, _ = rescore(pairs, decided, below=0.95)
        assert (out["match_probability"][:10] == 0.99).all()
        assert (out["learned_weight"][:10] == 0).all()

    def test_an_overconfident_model_is_lowered_everywhere(self) -> None:
        """Reviewers who say "same" one time in five at p 0.75: the intercept learns it.

        No level tells these pairs apart, so only the (unpenalised) intercept
        can move them; a ridge on it would have left them near 0.75.
        """
        n = 200
        rng = np.random.default_rng(5)
        pairs = pd.DataFrame(
            {
                "unique_id_l": np.arange(n),
                "unique_id_r": np.arange(n) + n,
                "mw_name": np.full(n, 1.0),
                "match_weight": np.full(n, math.log2(3.0)),  # p = 0.75
            }
        )
        pairs["match_probability"] = 0.75
        same = np.arange(n) % 5 == 0
        rng.shuffle(same)
        decided = {
            (int(a), int(b)): bool(s)
            for a, b, s in zip(
                pairs["unique_id_l"], pairs["unique_id_r"], same, strict=True
            )
        }
        out, learned = rescore(pairs, decided, penalty=1000.0)
        assert learned is not None
        assert np.allclose(out["match_probability"], 0.2, atol=0.01)

    def test_even_odds_for_the_reviewers_land_at_the_threshold(self) -> None:
        pairs, same = _synthetic(400, 6)
        decided = {
            (int(a), int(b)): bool(s)
            for a, b, s in zip(
                pairs["unique_id_l"], pairs["unique_id_r"], same, strict=True
            )
        }
        calibrated, _ = rescore(pairs, decided)
        shifted, _ = rescore(pairs, decided, threshold=0.7)
        odds = calibrated["match_probability"] / (1 - calibrated["match_probability"])
        moved = shifted["match_probability"] / (1 - shifted["match_probability"])
        # a pair the reviewers put at even odds (odds 1) is put at 0.7
        assert np.allclose(moved / odds, 0.7 / 0.3)


@pytest.fixture(scope="module")
def generated() -> tuple[pd.DataFrame, set[tuple[str, str]]]:
    data = generate_linked_lists(150, seed=23)
    reports = pd.concat(
        [f.assign(list=n) for n, f in data.lists.items()], ignore_index=True
    )
    reports["key"] = reports["list"] + "/" + reports["record_id"]
    return reports, data.true_pairs()


def test_link_records_refits_on_decisions_and_binds_them(
    generated: tuple[pd.DataFrame, set[tuple[str, str]]],
) -> None:
    """Oracle decisions on the queue: they bind, and the scores carry the correction."""
    reports, truth = generated
    first = link_records(reports)
    assert first.learned is None
    band = order_by_priority(first.review_pairs())
    decided = {
        (a, b): (a, b) in truth
        for a, b in zip(band["key_l"][:30], band["key_r"][:30], strict=True)
    }
    if len(set(decided.values())) < 2:
        pytest.skip("the queue's first pairs are all of one kind")  # pragma: no cover
    second = link_records(reports, decisions=decided, options=LinkOptions(learn=True))
    assert second.learned is not None
    # decided pairs the model still scores (from LinkOptions.learn_from up)
    assert MIN_LABELS <= second.learned.n_labels <= len(decided)
    assert "learned_weight" in second.pairs.columns
    person = dict(zip(second.records["key"], second.records["person_id"], strict=True))
    for (a, b), same in decided.items():
        assert (person[a] == person[b]) == same
    assert not set(zip(second.review_pairs(frozenset(decided))["key_l"], second.review_pairs(frozenset(decided))["key_r"], strict=True)) & set(decided)  # fmt: skip
    off = link_records(reports, decisions=decided, options=LinkOptions(learn=False))
    assert off.learned is None
    assert "learned_weight" not in off.pairs.columns
    assert math.isclose(off.options.learn_penalty, second.options.learn_penalty)


def _persons(result: LinkResult) -> dict[str, str]:
    return dict(zip(result.records["key"], result.records["person_id"], strict=True))


def test_a_yes_joins_and_a_no_separates_whatever_the_model_says(
    generated: tuple[pd.DataFrame, set[tuple[str, str]]],
) -> None:
    """Decisions that contradict the model: the output clusters follow the reviewer.

    The "no" splits a person of three or more reports the model built; the
    "yes" joins two reports of different persons that the model did not even
    keep as a candidate pair (FICTIONAL generated lists).
    """
    reports, _ = generated
    first = link_records(reports)
    person = _persons(first)
    members = first.records.groupby("person_id")["key"].apply(sorted)
    big = next(m for m in members if len(m) >= 3)
    scored = set(zip(first.pairs["key_l"], first.pairs["key_r"], strict=True))
    no = (big[0], big[-1])
    firsts = [m[0] for m in members]  # one report of each person
    yes = next(
        (min(a, b), max(a, b))
        for a, b in itertools.pairwise(firsts)
        if (min(a, b), max(a, b)) not in scored
    )
    assert person[no[0]] == person[no[1]]
    for learn in (True, False):
        after = _persons(
            link_records(
                reports,
                decisions={no: False, yes: True},
                options=LinkOptions(learn=learn),
            )
        )
        assert after[no[0]] != after[no[1]]
        assert after[yes[0]] == after[yes[1]]


def _f1(result: LinkResult, truth: set[tuple[str, str]]) -> float:
    predicted: set[tuple[str, str]] = set()
    for _, keys in result.records.groupby("person_id")["key"]:
        ms = sorted(keys)
        predicted.update((a, b) for i, a in enumerate(ms) for b in ms[i + 1 :])
    tp = len(predicted & truth)
    return 2 * tp / (len(predicted) + len(truth)) if predicted or truth else 1.0


# Generated lists never looked at while choosing the re-fit or the queue's
# order (those were chosen on seeds 1-3 of benchmarks/linkage_review.py).
_HELD_OUT_SEEDS = (31, 32, 33)


@pytest.fixture(scope="module")
def reviewed_curves() -> list[tuple[float, float, float]]:
    """Per held-out seed: F1 before review, after 40 oracle decisions with and without re-fit."""
    out = []
    for seed in _HELD_OUT_SEEDS:
        data = pakistani_lists(300, seed=seed)
        reports = pd.concat(
            [f.assign(list=n) for n, f in data.lists.items()], ignore_index=True
        )
        reports["key"] = reports["list"] + "/" + reports["record_id"].astype(str)
        truth = set(data.true_pairs())
        first = link_records(reports)
        band = order_by_priority(first.review_pairs())
        decided = {
            (a, b): (a, b) in truth
            for a, b in zip(band["key_l"][:40], band["key_r"][:40], strict=True)
        }
        on = link_records(reports, decisions=decided, options=LinkOptions(learn=True))
        off = link_records(reports, decisions=decided, options=LinkOptions(learn=False))
        out.append((_f1(first, truth), _f1(on, truth), _f1(off, truth)))
    return out


@pytest.mark.slow  # nine linkages of 600 reports: a minute or more
def test_review_raises_f1_on_held_out_lists(
    reviewed_curves: list[tuple[float, float, float]],
) -> None:
    """Correct decisions never lower F1 on average (they did: m re-estimated from them)."""
    before, on, _ = np.mean(np.array(reviewed_curves), axis=0)
    assert LinkOptions().learn  # the default is what is measured
    assert on > before


@pytest.mark.slow  # nine linkages of 600 reports: a minute or more
def test_review_lowers_f1_on_no_held_out_seed(
    reviewed_curves: list[tuple[float, float, float]],
) -> None:
    """Not only on average: on each held-out seed, 40 correct decisions cost no F1.

    Margin 0.003, chosen before running these seeds: a run of one linkage
    differs from the next by up to 0.001; the dip this guards against (F1
    after 100 decisions below the automatic F1, by 0.015 on Pakistani seed 4
    of benchmarks/linkage_review.py before the re-fit's threshold was fixed)
    is five times that.
    """
    for before, on, _ in reviewed_curves:
        assert on >= before - 0.003


@pytest.mark.slow  # nine linkages of 600 reports: a minute or more
def test_refit_does_not_lower_f1_on_held_out_lists(
    reviewed_curves: list[tuple[float, float, float]],
) -> None:
    """Re-fitting on the decisions costs no F1 on average over held-out seeds.

    Margin 0.005, chosen before running these seeds: runs of one linkage
    differ by up to 0.001 (Splink's sampling on DuckDB threads), and 40
    decisions on small lists move F1 by a few thousandths either way; a
    re-fit that overfits its few labels would cost more than half a point.
    """
    diffs = [on - off for _, on, off in reviewed_curves]
    assert float(np.mean(diffs)) >= -0.005
