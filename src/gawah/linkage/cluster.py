"""Cluster: turn scored pairs into persons.

Best-first linkage with constraints. Candidate edges are taken from the most
to the least probable above the threshold; two groups are joined unless

* a reviewed "not the same person" decision separates a member of each,
* the model scored a member of each as clearly different people (a
  *conflict*: a chain must not join what a direct comparison splits), or
* the joined group would be larger than ``max_size`` (an implausible person:
  usually a chain of common names, "Muhammad Ali" to "Muhammad Ali Khan" to
  "Ali Khan", each step plausible, the whole not), or
* the joined group could not be one human (:class:`Constraints`): both sexes,
  ages decades apart (not counting the age of an undated record in a list
  that dates most records: :func:`gawah.linkage.constraints.trusted_age_bounds`), or two records of a
  list that keeps its people distinct (a ministry's deduplicated register). These hold for every pair
  of members, not only for the pair that joins the two groups, so no chain
  through a bridging record can break them; or
* the join would make a list repeat itself without strong evidence: every
  two records of one list in the joined group must have been scored
  directly, knowing they share a list, at :data:`WITHIN_LIST_THRESHOLD` or
  more (a chain through other lists' records never vouches for them); a
  link between records of two lists that would put two records of a third
  list (or of either) into one person needs at least
  :data:`SAME_LIST_THRESHOLD`; and no link joins two groups that both hold
  records of the same two lists (each list kept the two apart); and a join
  that makes a list repeat itself must be more probable than every other
  person the two linked records could join (:data:`OTHER_HOME_THRESHOLD`).

Reviewed "same person" decisions are applied first, whatever the model says.
Without constraints this is connected components (single linkage), the
usual Splink clustering. With lists declared distinct, a link between two
of their records counts from :data:`DISTINCT_THRESHOLD`: each record can
then join at most one record of each other list, the best one first.

Last, a report still alone joins the person it most probably belongs to when
that is more likely than all the alternatives together, "a person of its
own" included (:data:`ATTACH_THRESHOLD`, :func:`_attach_alone`).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gawah.linkage.constraints import AGE_GAP_YEARS, trusted_age_bounds

# Ages further apart than this cannot be one person's (defined with the other
# constraints, in one place).
MAX_AGE_GAP = AGE_GAP_YEARS
# A join through a link between two lists that puts two records of one list
# into one person needs a link of at least this probability (when more than
# one list is linked). A list names a person twice far less often than two
# lists name one person, but such a link ("A1 - B - A2": a record of another
# list resembling both) was scored without that prior; a direct A1 - A2 link
# was scored with the model's same-list evidence and needs the threshold
# only. On Gaza every one of the 521 within-list pairs the plain threshold
# joined was two people. Chosen on the tuning sets (Gaza people whose id
# ends in an even digit, clustered on the scores of the whole releases;
# generated Arab releases and Pakistani lists seeds 1-3, whose Pakistani
# lists hold true within-list duplicates): mean F1 0.9435 with no rule, 0.9604
# with this one, 0.9611 if direct links also needed 0.99, which however put
# the Pakistani persons count 1.1 points further above the truth.
SAME_LIST_THRESHOLD = 0.99
# Two records of one list may be one person only if their own comparison,
# scored with the model's evidence that they share a list, reaches this: a
# person never holds two records of a list whose direct pair is weaker, however
# the join came about (a direct link, or links through records of other lists,
# whose scores carry no such evidence). Why higher than the match threshold:
# the model is over-confident about pairs within one list, where a family's
# members (recorded together, sharing father, family name, place and often
# age) are the non-matches that look most alike. On the tuning sets, of the
# within-list pairs scored 0.7 to 0.9 only 23 of 86 were one person (the
# generated Pakistani lists seeds 1-3 alone: 23 of 61; the Gaza even half: 0
# of 25), of those at 0.9 to 0.99 81 of 129 (cross-list pairs at 0.7 to 0.9:
# 789 of 1,358): 0.9 is where a within-list pair becomes more likely than not
# one person, the rule the match threshold follows for the others. Measured
# (benchmarks/linkage_real.py): Gaza even half, persons certainly holding two
# people 0.31 % -> 0.19 %, F1 0.9788 -> 0.9809; Pakistani seeds 1-3 F1
# 0.9695 / 0.9575 / 0.9622 -> 0.9715 / 0.9584 / 0.9596, recall of
# within-list duplicates 0.961 / 0.974 / 0.962 -> 0.939 / 0.948 / 0.885.
# 0.9 was read from bins 0.7-0.9 and 0.9-0.99. In finer bins, on the same
# tuning sets, the within-list pairs scored 0.9 to 0.95 were one person in
# 14 of 46 (the Gaza even half 0 of 20, the Pakistani lists 14 of 26), those
# at 0.95 to 0.96 in 7 of 11 and at 0.96 to 0.99 in 60 of 72: 0.95 is where
# "more likely than not" is crossed. (With the generated Arab releases of
# seeds 1-3, two registers, added: 0 of 11 more at 0.9 to 0.95, 0 of 9 at
# 0.95 to 0.96; the bar was not moved for them.) It costs duplicates within
# a list (recall of within-list pairs on the Pakistani seeds 1-3 0.939 /
# 0.948 / 0.885 -> 0.911 / 0.916 / 0.868, persons +0.2 to +0.3 points) for
# fewer false merges (the Gaza even half with the reports that carry no id:
# within-list false merges 33 -> 18, persons certainly holding two people
# 0.28 % -> 0.22 %; with OTHER_HOME_THRESHOLD as well, 14 and 0.20 %).
WITHIN_LIST_THRESHOLD = 0.95
# A join that puts two records of one list into one person (a list repeating
# itself) is the claim that the list holds a duplicate. It is taken only when,
# for each of the two records the link joins, that person is more probable
# than every other person the record could join, together, "a person of its
# own" included: with o the join's odds (the link's, or those of the weakest
# direct pair of two records of one list it puts together, whichever is
# lower: that pair was scored knowing they share a list) and o_1, o_2 ... the
# odds of the record's best link to each other person (links to records of
# other lists), the posterior o / (1 + o + o_1 + ...) must reach this: the
# bar of ATTACH_THRESHOLD, by the same reasoning (one partner per person and
# list, unless the evidence for a duplicate beats every alternative). Why:
# two namesakes of one release, each with a partner in the other release,
# and one of those partners resembling both ("A1 - B1" 1.0 and "A1 - B2"
# 0.9999, B1 and B2 scored 0.996 knowing they share a list, B2's own partner
# A2 at 0.9994): best-first took B2 into A1's person and left A2 alone. A
# duplicate compared with no other person is not held back. On the tuning
# sets (benchmarks/linkage_real.py; the Gaza even half also with the
# reports that carry no id, which bridge namesakes as in the whole
# releases), with the within-list bar at 0.9: Gaza even half with them,
# within-list false merges 33 -> 25, persons certainly holding two people
# 0.28 % -> 0.26 %; Pakistani seeds 1 and 2 unchanged to the record, seed
# 3 F1 0.9596 -> 0.9605 (within-list false merges 7 -> 5, duplicates found
# unchanged); generated Arab releases seeds 1-3, persons holding two people
# 0.16 / 0.39 / 0.06 % -> 0.10 / 0.32 / 0.06 %.
OTHER_HOME_THRESHOLD = 0.5
# Linked records of lists declared distinct (one record per person) join
# from this probability rather than the match threshold: the constraint lets
# each record take at most one partner per list, the most probable first, so
# a lower bar adds the pairs between 0.5 and 0.7 without chains (on the same
# tuning sets: Gaza even ids F1 0.9728 -> 0.9742, generated Arab releases
# seeds 1-3 +0.002 to +0.004).
DISTINCT_THRESHOLD = 0.5
# A report left alone after the best-first pass joins the person it most
# probably belongs to when that person's posterior, among every person it
# was compared with and "a person of its own", reaches this: with pairwise
# odds o_1 >= o_2 >= ... to other persons (the best link to each), the
# posterior of the first is o_1 / (1 + o_1 + o_2 + ...), so a report equally
# close to two persons (brothers, namesakes) joins neither. Why: the press
# names many people only by their given name and district ("Bilal",
# Rawalpindi); each pair is then below the threshold, the report stays a
# person of its own, and a list of such reports counts people who are
# already counted. "More likely than every alternative together" is the
# natural bar. Only single reports move, never two groups, so no chain forms;
# two reports alone join only if each is the other's most probable person;
# every other rule of a join holds. On the Pakistani tuning lists (seeds
# 1-3; benchmarks/linkage_real.py pakistani) it took the persons count from
# +3.3 / +5.5 / +6.3 % over the truth to +1.9 / +3.8 / +4.5 %, and F1 from
# 0.966 / 0.951 / 0.950 to 0.969 / 0.959 / 0.959.
ATTACH_THRESHOLD = 0.5
# National ids and dates of birth are the model's evidence, not constraints:
# a family gives the father's CNIC for a child who has none, so two people
# share an id and one person can carry two; copied dates of birth carry
# slips of several digits (on FEBRL 3, refusing ids or dates two slips
# apart cost 0.1 of recall at no gain in precision).


@dataclass(frozen=True)
class Constraints:
    """What no one person can hold, per record (see the module docstring).

    Built from the normalised frame by :meth:`from_frame`; unknown values
    constrain nothing.
    """

    sex: np.ndarray  # 0 unknown, 1 male, 2 female
    # float, NaN unknown (or not trusted: constraints.trusted_age_bounds)
    age_lo: np.ndarray
    age_hi: np.ndarray
    distinct_list: np.ndarray  # list code of a list whose records are distinct, else -1
    # Every record's list code (-1 unknown), and the least probability of a
    # join that repeats a list (None: no such rule; one list alone: none).
    list_code: np.ndarray | None = None
    same_list_threshold: float | None = None
    # With that rule, the least probability of the direct pair of every two
    # records of one list in a person (WITHIN_LIST_THRESHOLD; None: none).
    within_list_threshold: float | None = None
    # With that rule, the least posterior of a join that repeats a list among
    # the other persons its two records could join (OTHER_HOME_THRESHOLD;
    # None: no such rule).
    other_home_threshold: float | None = None

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        distinct_lists: Iterable[str] = (),
        same_list_threshold: float | None = SAME_LIST_THRESHOLD,
        within_list_threshold: float | None = WITHIN_LIST_THRESHOLD,
        other_home_threshold: float | None = OTHER_HOME_THRESHOLD,
    ) -> Constraints:
        sex = frame["sex"].map({"m": 1, "f": 2}).fillna(0).to_numpy(np.int8)
        lo, hi = trusted_age_bounds(frame)
        distinct = set(distinct_lists)
        lists = (
            frame["list"].astype(str)
            if "list" in frame
            else pd.Series("", index=frame.index)
        )
        codes = {name: i for i, name in enumerate(sorted(distinct))}
        code = lists.map(lambda x: codes.get(x, -1)).to_numpy(np.int64)
        all_codes, names = pd.factorize(lists.where(lists != ""))
        # One list alone: every join is within it and the model's prior was
        # fitted on its own pairs; there is no other list to chain through.
        rule = same_list_threshold if len(names) > 1 else None
        within = within_list_threshold if rule is not None else None
        home = other_home_threshold if within is not None else None
        return cls(sex, lo, hi, code, all_codes.astype(np.int64), rule, within, home)


def _nanmax(a: float, b: float) -> float:
    """The larger of two values, NaN (unknown) ignored; NaN if both are."""
    if a != a:
        return b
    if b != b:
        return a
    return a if a >= b else b


def _nanmin(a: float, b: float) -> float:
    """The smaller of two values, NaN (unknown) ignored; NaN if both are."""
    if a != a:
        return b
    if b != b:
        return a
    return a if a <= b else b


class _Columns:
    """A :class:`Constraints`' arrays as Python lists, read once.

    Clustering reads one record's values at a time, in a Python loop: an
    element of a list is several times quicker to read than one of a numpy
    array (a numpy scalar is made each time), and at a million reports the
    summaries are made hundreds of thousands of times.
    """

    __slots__ = (
        "age_hi",
        "age_lo",
        "distinct_list",
        "list_code",
        "same_list_threshold",
        "sex",
    )

    def __init__(self, c: Constraints) -> None:
        self.sex: list[int] = c.sex.tolist()
        self.age_lo: list[float] = c.age_lo.tolist()
        self.age_hi: list[float] = c.age_hi.tolist()
        self.distinct_list: list[int] = c.distinct_list.tolist()
        self.list_code: list[int] | None = (
            None if c.list_code is None else c.list_code.tolist()
        )
        self.same_list_threshold = c.same_list_threshold


class _Summary:
    """What a group's members jointly are: enough to test a merge without pairs."""

    __slots__ = ("all_lists", "hi", "lists", "lo", "same_list", "sexes")

    def __init__(self, c: _Columns, i: int) -> None:
        sex = c.sex[i]
        self.sexes = 0 if sex == 0 else 1 << sex
        self.lo: float = c.age_lo[i]  # the largest lower bound of any member
        self.hi: float = c.age_hi[i]  # the smallest upper bound
        distinct = c.distinct_list[i]
        self.lists: set[int] = {distinct} if distinct >= 0 else set()
        # Every list a member comes from, when joins that repeat a list are ruled.
        self.same_list = c.same_list_threshold
        code = -1 if c.list_code is None else c.list_code[i]
        self.all_lists: set[int] = (
            {code} if self.same_list is not None and code >= 0 else set()
        )

    def compatible(
        self, other: _Summary, probability: float = 1.0, *, across: bool = True
    ) -> bool:
        """Whether the two groups may be one person, joined by a link of ``probability``.

        ``across``: the link joins records of two different lists.
        """
        if (self.sexes | other.sexes) == 0b110:
            return False
        if _nanmax(self.lo, other.lo) - _nanmin(self.hi, other.hi) > MAX_AGE_GAP:
            return False
        if self.lists & other.lists:
            return False
        if self.same_list is None:
            return True
        repeated = len(self.all_lists & other.all_lists)
        return repeated == 0 or (
            repeated == 1 and (not across or probability >= self.same_list)
        )

    def absorb(self, other: _Summary) -> None:
        self.sexes |= other.sexes
        self.lo = _nanmax(self.lo, other.lo)
        self.hi = _nanmin(self.hi, other.hi)
        self.lists |= other.lists
        self.all_lists |= other.all_lists


class _Groups:
    """Union-find with member sets, cannot-link sets and constraint summaries per root."""

    def __init__(
        self,
        n: int,
        cannot: Iterable[tuple[int, int]],
        constraints: Constraints | None = None,
    ) -> None:
        # A list, not a numpy array: read one element at a time (see _Columns).
        self.parent: list[int] = list(range(n))
        self.members: dict[int, set[int]] = {}
        self.forbidden: dict[int, set[int]] = {}
        self.constraints = constraints
        self._columns = None if constraints is None else _Columns(constraints)
        self._codes = None if self._columns is None else self._columns.list_code
        self.summary: dict[int, _Summary] = {}
        # Pairs of records of one list that may share a person (their direct
        # link reaches Constraints.within_list_threshold, or a reviewer joined
        # them), with the odds of that link (infinite for a reviewer's);
        # None: no such rule.
        self.vouched: dict[tuple[int, int], float] | None = None
        # Each record's links to records of other lists, for the rule on a
        # repeating join's other homes (None: no such rule).
        self.homes: _Links | None = None
        self.forbid(cannot)

    def forbid(self, cannot: Iterable[tuple[int, int]]) -> None:
        """Keep the groups of each pair apart from now on (a pair already joined stays)."""
        for a, b in cannot:
            ra, rb = self.find(a), self.find(b)
            if ra == rb:
                continue
            self.forbidden.setdefault(ra, set()).update(self.members.get(rb, {rb}))
            self.forbidden.setdefault(rb, set()).update(self.members.get(ra, {ra}))

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def size(self, root: int) -> int:
        return len(self.members.get(root, ())) or 1

    def _summary(self, root: int) -> _Summary | None:
        if self._columns is None:
            return None
        found = self.summary.get(root)
        if found is None:
            found = self.summary[root] = _Summary(self._columns, root)
        return found

    def _vouched_for(self, ma: set[int], mb: set[int], lists: set[int]) -> bool:
        """Whether every two records of one list across ``ma`` and ``mb`` are vouched for."""
        if self.vouched is None or not lists or self.constraints is None:
            return True
        codes = self.constraints.list_code
        assert codes is not None  # the rule is set only with list codes
        for i in ma:
            if int(codes[i]) not in lists:
                continue
            for j in mb:
                if codes[j] == codes[i] and (min(i, j), max(i, j)) not in self.vouched:
                    return False
        return True

    def _no_likelier_home(
        self,
        a: int,
        b: int,
        ma: set[int],
        mb: set[int],
        lists: set[int],
        probability: float,
    ) -> bool:
        """Whether a join that repeats ``lists`` beats the other homes of ``a`` and ``b``.

        See :data:`OTHER_HOME_THRESHOLD`. Called after :meth:`_vouched_for`,
        so every two records of one list across the groups have a vouched pair.
        """
        homes, vouched, c = self.homes, self.vouched, self.constraints
        if homes is None or vouched is None or not lists or c is None:
            return True
        codes = self._codes
        assert codes is not None  # the rule is set only with list codes
        odds = _odds(probability)
        for i in ma:
            if codes[i] not in lists:
                continue
            for j in mb:
                if codes[j] == codes[i]:
                    odds = min(odds, vouched.get((min(i, j), max(i, j)), math.inf))
        if math.isinf(odds):
            return True
        bar = c.other_home_threshold
        assert bar is not None  # homes are set only with the rule
        ra, rb = self.find(a), self.find(b)
        for x in (a, b):
            best: dict[int, float] = {}  # another person's root -> best odds
            for y, odds_y in homes.of(x):
                root = self.find(y)
                if root != ra and root != rb and odds_y > best.get(root, 0.0):
                    best[root] = odds_y
            if odds / (1.0 + odds + sum(best.values())) < bar:
                return False
        return True

    def _across(self, a: int, b: int) -> bool:
        codes = self._codes
        return codes is None or codes[a] != codes[b]

    def union(
        self,
        a: int,
        b: int,
        max_size: int | None,
        *,
        force: bool = False,
        probability: float = 1.0,
    ) -> bool:
        """Join the groups of ``a`` and ``b`` unless a rule forbids it.

        ``force``: a reviewed decision; ``probability``: the link's.
        """
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if max_size is not None and self.size(ra) + self.size(rb) > max_size:
            return False
        ma = self.members.get(ra, {ra})
        mb = self.members.get(rb, {rb})
        fa = self.forbidden.get(ra, set())
        fb = self.forbidden.get(rb, set())
        if fa & mb or fb & ma:
            return False
        sa, sb = self._summary(ra), self._summary(rb)
        if (
            sa is not None
            and sb is not None
            and not force
            and not (
                sa.compatible(sb, probability, across=self._across(a, b))
                and self._vouched_for(ma, mb, sa.all_lists & sb.all_lists)
                and self._no_likelier_home(
                    a, b, ma, mb, sa.all_lists & sb.all_lists, probability
                )
            )
        ):
            return False
        if len(ma) < len(mb):
            ra, rb, ma, mb, fa, fb = rb, ra, mb, ma, fb, fa
            sa, sb = sb, sa
        if sa is not None and sb is not None:
            sa.absorb(sb)
            self.summary[ra] = sa
            self.summary.pop(rb, None)
        self.parent[rb] = ra
        self.members[ra] = ma | mb
        self.members.pop(rb, None)
        if fa or fb:
            self.forbidden[ra] = fa | fb
        self.forbidden.pop(rb, None)
        return True


def cluster_pairs(
    n_records: int,
    pairs: pd.DataFrame,
    *,
    threshold: float,
    decisions: Mapping[tuple[int, int], bool] | None = None,
    max_size: int | None = None,
    conflicts: Iterable[tuple[int, int]] = (),
    constraints: Constraints | None = None,
    distinct_threshold: float | None = None,
    attach: float | None = None,
) -> np.ndarray:
    """Assign a cluster label (the smallest member's index) to each of ``n_records``.

    Args:
        n_records: records are the integers ``0 .. n_records - 1``.
        pairs: ``unique_id_l``, ``unique_id_r``, ``match_probability``.
        threshold: edges below this probability are ignored.
        decisions: reviewed pairs, ``True`` same person, ``False`` different.
        max_size: largest plausible cluster; ``None`` for no limit.
        conflicts: pairs the model scored as clearly different people: no
            chain of other links may join them.
        constraints: what no person may hold (:class:`Constraints`); a
            reviewer's "same person" overrides them.
        distinct_threshold: with ``constraints``, edges between two records
            of lists declared distinct count from this probability if it is
            below ``threshold`` (:data:`DISTINCT_THRESHOLD`).
        attach: a report still alone after the pass joins its most probable
            person if that person's posterior reaches this
            (:data:`ATTACH_THRESHOLD`, :func:`_attach_alone`); ``None``: never.

    Returns:
        An integer array: records with equal labels are one person.
    """
    decisions = decisions or {}
    groups = _Groups(
        n_records, [p for p, same in decisions.items() if not same], constraints
    )
    for (a, b), same in sorted(decisions.items()):
        if same:
            groups.union(a, b, None, force=True)
    if constraints is not None and constraints.within_list_threshold is not None:
        groups.vouched = _vouched(pairs, constraints, decisions)
        if constraints.other_home_threshold is not None:
            groups.homes = _Links.across_lists(pairs, constraints)
    # The model's conflicts bind only after the reviewers' "same person":
    # a reviewer who joined A to B and B to C has overruled the model's A-C.
    groups.forbid(p for p in conflicts if p not in decisions)
    strong = pairs[pairs["match_probability"] >= threshold]
    if (
        constraints is not None
        and distinct_threshold is not None
        and distinct_threshold < threshold
        and (constraints.distinct_list >= 0).any()
    ):
        low = pairs[
            (pairs["match_probability"] >= distinct_threshold)
            & (pairs["match_probability"] < threshold)
        ]
        on_distinct = constraints.distinct_list >= 0
        both = (
            on_distinct[low["unique_id_l"].to_numpy()]
            & (on_distinct[low["unique_id_r"].to_numpy()])
        )
        strong = pd.concat([strong, low[both]])
    left = strong["unique_id_l"].to_numpy()
    right = strong["unique_id_r"].to_numpy()
    probability = strong["match_probability"].to_numpy(dtype=float)
    # Most probable first; equal probabilities (common: same names, same
    # fields) by id, so that the result does not depend on the order in
    # which the database returned the pairs.
    order = np.lexsort((right, left, -probability))
    left, right, probability = left[order], right[order], probability[order]
    for a, b, p in zip(
        left.tolist(), right.tolist(), probability.tolist(), strict=True
    ):
        if (min(a, b), max(a, b)) in decisions:
            continue  # a reviewed pair: the decision already stands
        groups.union(a, b, max_size, probability=p)
    if attach is not None:
        _attach_alone(groups, pairs, attach, max_size, decisions)
    roots = np.array([groups.find(i) for i in range(n_records)], dtype=np.int64)
    smallest = pd.Series(np.arange(n_records)).groupby(roots).transform("min")
    return smallest.to_numpy()


def _odds(probability: float) -> float:
    """The odds of a probability (infinite at 1)."""
    return probability / (1.0 - probability) if probability < 1.0 else math.inf


class _Links:
    """Each record's scored links, as (other record, odds), without a dict per record.

    Sorted by record once (two arrays and an offset per record), so that at a
    million reports the links cost a few numbers each rather than a Python
    tuple in a list.
    """

    def __init__(self, ends: np.ndarray, others: np.ndarray, odds: np.ndarray, n: int):
        order = np.argsort(ends, kind="stable")
        self._others = others[order]
        self._odds = odds[order]
        self._start = np.searchsorted(ends[order], np.arange(n + 1))

    @classmethod
    def across_lists(cls, pairs: pd.DataFrame, constraints: Constraints) -> _Links:
        """The links between records of two different lists."""
        codes = constraints.list_code
        assert codes is not None  # the rule is set only with list codes
        left = pairs["unique_id_l"].to_numpy(dtype=np.int64)
        right = pairs["unique_id_r"].to_numpy(dtype=np.int64)
        p = pairs["match_probability"].to_numpy(dtype=float)
        across = codes[left] != codes[right]
        left, right, p = left[across], right[across], p[across]
        with np.errstate(divide="ignore"):
            odds = p / (1.0 - p)  # infinite at 1
        return cls(
            np.concatenate([left, right]),
            np.concatenate([right, left]),
            np.concatenate([odds, odds]),
            len(codes),
        )

    def of(self, record: int) -> list[tuple[int, float]]:
        lo, hi = int(self._start[record]), int(self._start[record + 1])
        return list(
            zip(self._others[lo:hi].tolist(), self._odds[lo:hi].tolist(), strict=True)
        )


def _vouched(
    pairs: pd.DataFrame,
    constraints: Constraints,
    decisions: Mapping[tuple[int, int], bool],
) -> dict[tuple[int, int], float]:
    """Pairs of one list's records that may share a person, with their odds.

    :data:`WITHIN_LIST_THRESHOLD`; a reviewer's "same person" has infinite odds.
    """
    codes, bar = constraints.list_code, constraints.within_list_threshold
    assert codes is not None  # the rule is set only with list codes
    assert bar is not None
    left = pairs["unique_id_l"].to_numpy()
    right = pairs["unique_id_r"].to_numpy()
    strong = (codes[left] == codes[right]) & (codes[left] >= 0)
    probability = pairs["match_probability"].to_numpy(dtype=float)
    strong &= probability >= bar
    out = {
        (min(a, b), max(a, b)): _odds(p)
        for a, b, p in zip(
            left[strong].tolist(),
            right[strong].tolist(),
            probability[strong].tolist(),
            strict=True,
        )
    }
    out.update((pair, math.inf) for pair, same in decisions.items() if same)
    return out


def _attach_alone(
    groups: _Groups,
    pairs: pd.DataFrame,
    attach: float,
    max_size: int | None,
    decisions: Mapping[tuple[int, int], bool],
) -> None:
    """Join each report still alone to its most probable person (see :data:`ATTACH_THRESHOLD`).

    A report's odds for a person are those of its most probable pair with
    a member (members of one person are not independent evidence); every
    scored pair counts among the alternatives, but a report joins only
    through a link to a record of another list, and only a person whose
    group has not changed since the posteriors were computed (a report
    whose best partner was itself alone and has joined somebody since would
    otherwise be chained to that somebody). The most probable joins first;
    every rule of :meth:`_Groups.union` holds.
    """
    left = pairs["unique_id_l"].to_numpy()
    right = pairs["unique_id_r"].to_numpy()
    probability = pairs["match_probability"].to_numpy(dtype=float)
    # report alone -> root of another group -> (odds, partner, across lists)
    odds: dict[int, dict[int, tuple[float, int, bool]]] = {}
    for a, b, p in zip(
        left.tolist(), right.tolist(), probability.tolist(), strict=True
    ):
        if (min(a, b), max(a, b)) in decisions:
            continue  # a reviewed pair: the decision stands
        w = p / (1.0 - p) if p < 1.0 else math.inf
        for r, o in ((a, b), (b, a)):
            if groups.size(groups.find(r)) != 1:
                continue
            root = groups.find(o)
            if root == groups.find(r):
                continue
            best = odds.setdefault(r, {}).get(root)
            if best is None or w > best[0]:
                odds[r][root] = (w, o, groups._across(r, o))
    posterior: dict[tuple[int, int], float] = {}  # (report alone, root) -> posterior
    for r, by_root in odds.items():
        total = sum(v[0] for v in by_root.values())
        for root, (w, _, _) in by_root.items():
            posterior[r, root] = 1.0 if math.isinf(w) else w / (1.0 + total)
    moves: list[tuple[float, int, int, int, int, float]] = []
    for r, by_root in odds.items():
        root, (w, partner, across) = min(
            by_root.items(), key=lambda item: (-item[1][0], item[0])
        )
        # Two reports alone join only if each is the other's most probable
        # person: "Bilal" of the press equally close to two brothers named
        # in one list each does not join the first it is compared with.
        mutual = groups.size(root) > 1 or (
            posterior.get((partner, groups.find(r)), 0.0) >= attach
        )
        if across and mutual and posterior[r, root] >= attach:
            p = 1.0 if math.isinf(w) else w / (1.0 + w)
            moves.append((-posterior[r, root], r, partner, root, groups.size(root), p))
    for _, r, partner, root, size, p in sorted(moves):
        if groups.size(groups.find(r)) != 1:
            continue
        target = groups.find(partner)
        if target != root or groups.size(target) != size:
            continue
        groups.union(r, partner, max_size, probability=p)


def person_id(member_keys: Iterable[str]) -> str:
    """A stable person id: the hash of the smallest member's ``list/record_id`` key.

    A cluster keeps its id across relinks as long as its smallest member does.
    """
    smallest = min(member_keys)
    return "p-" + hashlib.sha256(smallest.encode("utf-8")).hexdigest()[:16]


def carry_over(
    clusters: Mapping[str, list[str]], previous: Mapping[str, str]
) -> dict[str, str]:
    """Give new clusters the ids of the previous run where they overlap most.

    Args:
        clusters: new cluster label -> member keys.
        previous: member key -> person id of the previous run.

    Returns:
        New cluster label -> person id. Each previous id goes to at most one
        new cluster (the one sharing most members with it, ties to the larger
        share); clusters with no previous member get :func:`person_id`.
    """
    candidates: list[tuple[int, float, str, str]] = []
    for label, members in clusters.items():
        counts: dict[str, int] = {}
        for key in members:
            if key in previous:
                counts[previous[key]] = counts.get(previous[key], 0) + 1
        for old, count in counts.items():
            candidates.append((count, count / len(members), label, old))
    out: dict[str, str] = {}
    used: set[str] = set()
    for _, _, label, old in sorted(
        candidates, key=lambda c: (-c[0], -c[1], c[2], c[3])
    ):
        if label in out or old in used:
            continue
        out[label] = old
        used.add(old)
    for label, members in clusters.items():
        if label not in out:
            pid = person_id(members)
            while pid in used:
                pid = person_id([pid])
            out[label] = pid
            used.add(pid)
    return out


def key_root(parent: dict[str, str], key: str) -> str:
    """The root of ``key`` in a union-find kept as a dict (absent: its own root).

    For groupings of report keys outside clustering (the certain cores a run
    records, the plausible clusterings of linkage doubt), where :class:`_Groups`'
    integer arrays and constraints are not needed. Path halving.
    """
    while parent.get(key, key) != key:
        parent[key] = parent.get(parent[key], parent[key])
        key = parent[key]
    return key


def join_keys(parent: dict[str, str], a: str, b: str) -> None:
    """Put ``a`` and ``b`` in one group of ``parent``; the smaller root leads."""
    ra, rb = key_root(parent, a), key_root(parent, b)
    if ra != rb:
        parent[max(ra, rb)] = min(ra, rb)
