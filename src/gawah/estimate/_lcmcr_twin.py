"""The numpy twin of the LCMCR sweep: the reference the compiled kernel must match.

:func:`sweeps_numpy` runs the same Gibbs sweep as
:func:`gawah.estimate._lcmcr_sweeps.sweeps_numba` with numpy array algebra and
consumes the same ``numpy.random.Generator`` in the same order, so given one
seed both walk the same chain (the tests hold them to that). It is slow, and
exists to check the kernel and to document the order of the draws.
"""

from __future__ import annotations

import math

import numpy as np

from gawah.estimate._lcmcr_draws import (
    _MAX_RATE,
    _MAX_REJECTIONS,
    _PER_PERSON,
    _beta_pair,
    _binomial,
    _log_beta_pair,
)
from gawah.estimate._lcmcr_sweeps import _TINY

__all__ = ["sweeps_numpy"]


def _multinomial_rows_np(
    rng: np.random.Generator, n: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """Per row: one categorical draw per person for at most ``_PER_PERSON``
    people, otherwise conditional binomials over categories in index order
    (as :func:`_multinomial`)."""
    binomial = _binomial.py_func
    tails = np.cumsum(weights[:, ::-1], axis=1)[:, ::-1]
    with np.errstate(invalid="ignore"):  # 0/0 only past the last non-empty class
        probs = np.clip(weights / tails, 0.0, 1.0)
    out = np.zeros(weights.shape, dtype=np.int64)
    for row in range(weights.shape[0]):
        left = int(n[row])
        if left <= _PER_PERSON:
            w = [float(v) for v in weights[row]]
            cumulative = []
            total = 0.0
            for v in w:  # sequential sums: the kernel's order, bit for bit
                total += v
                cumulative.append(total)
            nonzero = [k for k, v in enumerate(w) if v > 0.0]
            last = nonzero[-1] if nonzero else len(w) - 1
            for _ in range(left):
                u = float(rng.random()) * total
                chosen = next((k for k in range(last) if u < cumulative[k]), last)
                out[row, chosen] += 1
            continue
        drawn = np.zeros(weights.shape[1], dtype=np.int64)
        for k in range(weights.shape[1] - 1):
            x = binomial(rng.bit_generator, left, float(probs[row, k]))
            drawn[k] = x
            left -= x
            if left <= 0:
                break
        drawn[-1] += max(left, 0)
        out[row] = drawn
    return out


def _truncated_negbin_np(
    rng: np.random.Generator, size: float, p_unseen: float, p_seen: float, cap: int
) -> int:
    if p_unseen <= 0.0:
        return 0
    scale = p_unseen / p_seen
    for _ in range(_MAX_REJECTIONS):
        rate = float(rng.standard_gamma(size)) * scale
        if rate > _MAX_RATE:
            continue
        draw = int(rng.poisson(rate))
        if draw <= cap:
            return draw
    m = np.arange(cap + 1, dtype=float)
    from scipy.special import gammaln  # local: only the rare fallback needs it

    logs = (
        size * math.log(p_seen)
        - gammaln(size)
        + gammaln(size + m)
        - gammaln(m + 1.0)
        + m * math.log(p_unseen)
    )
    w = np.exp(logs - logs.max())
    u = float(rng.random()) * float(w.sum())
    index = int(np.searchsorted(np.cumsum(w), u))
    return min(index, cap)


def sweeps_numpy(
    rng: np.random.Generator,
    patterns: np.ndarray,
    freqs: np.ndarray,
    log_nu: np.ndarray,
    lam1: np.ndarray,
    lam0: np.ndarray,
    count_mk: np.ndarray,
    count0_k: np.ndarray,
    scalars: np.ndarray,
    n0_box: np.ndarray,
    a_alpha: float,
    b_alpha: float,
    n0_cap: int,
    update_alpha: bool,
    n_sweeps: int,
    thinning: int,
    out_n: np.ndarray,
    out_alpha: np.ndarray,
    out_start: int,
) -> None:
    """Run ``n_sweeps`` Gibbs sweeps, updating the state arrays in place.

    State: ``log_nu`` (K) log class weights; ``lam1``/``lam0`` (J x K)
    lambda and 1 - lambda (both kept, each formed directly, so neither
    suffers cancellation near 0 or 1); ``count_mk`` (M x K) people of
    pattern m in class k; ``count0_k`` (K) unseen people per class;
    ``scalars[0]`` alpha; ``n0_box[0]`` the unseen count. Every
    ``thinning``-th sweep stores N and alpha at ``out_n[out_start + i]``.

    Random draws per sweep, in this order: (1) one multinomial per pattern,
    in row order: a pattern of at most ``_PER_PERSON`` people takes one
    uniform per person (a categorical draw over classes in index order), a
    larger one conditional binomials over classes in index order; (2) one
    Beta(1 + seen, 1 + unseen) per (list, class), row-major, by
    :func:`_beta_pair`: one uniform when a shape is 1 (an empty class, or a
    class seen by every list or by none of it), else two gammas; (3) one
    Beta(1 + n_k, alpha + n_{>k}) per stick, in class order, by
    :func:`_log_beta_pair`: one uniform for an empty class, else a gamma and
    a gamma (or, below shape 1, a gamma of shape + 1 and a uniform); (4) the
    capped negative binomial as gamma-Poisson pairs; (5) the multinomial of
    the unseen over classes (skipped when n0 = 0); (6) one gamma for alpha
    when updated.

    Class weights of a pattern are products of probabilities in linear space
    (no exp or log per pattern and class); if every class of a pattern falls
    below ``_TINY`` the pattern is redone in log space.
    """
    n_obs = int(freqs.sum())
    k_max = log_nu.shape[0]
    x = patterns.astype(np.float64)
    saved = out_start
    for sweep in range(n_sweeps):
        nu = np.array([math.exp(v) for v in log_nu])
        # 1
        w = np.repeat(nu[None, :], x.shape[0], axis=0)
        for j in range(x.shape[1]):  # the kernel's product order, term by term
            w = w * np.where(x[:, j : j + 1] == 1.0, lam1[j], lam0[j])
        for m in np.flatnonzero(w.max(axis=1) < _TINY):
            lp = log_nu + np.zeros(k_max)
            for j in range(x.shape[1]):
                lp = lp + np.log(lam1[j] if x[m, j] == 1.0 else lam0[j])
            w[m] = np.exp(lp - lp.max())
        count_mk[:] = _multinomial_rows_np(rng, freqs, w)
        # 2
        count_k = count_mk.sum(axis=0) + count0_k
        ones = x.T @ count_mk  # J x K
        beta_pair = _beta_pair.py_func
        for j in range(x.shape[1]):  # row-major, one Beta per (list, class)
            for k in range(k_max):
                lam1[j, k], lam0[j, k] = beta_pair(
                    rng.bit_generator, 1.0 + ones[j, k], 1.0 + (count_k[k] - ones[j, k])
                )
        # 3
        after = n_obs + int(n0_box[0]) - np.cumsum(count_k)[:-1]
        log_beta_pair = _log_beta_pair.py_func
        rest = 0.0
        for k in range(k_max - 1):  # one Beta per stick, in class order
            log_v, log_1mv = log_beta_pair(
                rng.bit_generator, 1.0 + float(count_k[k]), float(scalars[0] + after[k])
            )
            log_nu[k] = log_v + rest
            rest += log_1mv
        log_nu[-1] = rest
        nu = np.array([math.exp(v) for v in log_nu])
        # 4, 5: P(unseen | class) and P(seen | class) = sum_j lam_j prod_{i<j} (1 - lam_i)
        miss = np.ones(k_max)
        seen = np.zeros(k_max)
        for j in range(x.shape[1]):
            seen = seen + lam1[j] * miss
            miss = miss * lam0[j]
        unseen_k = nu * miss
        seen_k = nu * seen
        p_seen = p_unseen = 0.0
        for k in range(k_max):  # sequential sums, as the kernel
            p_seen += float(seen_k[k])
            p_unseen += float(unseen_k[k])
        n0 = _truncated_negbin_np(rng, float(n_obs), p_unseen, p_seen, n0_cap)
        n0_box[0] = n0
        # 6
        if n0 == 0:
            count0_k[:] = 0
        else:
            count0_k[:] = _multinomial_rows_np(rng, np.array([n0]), unseen_k[None, :])[
                0
            ]
        # 7
        if update_alpha:
            rate = b_alpha - log_nu[-1]
            scalars[0] = float(rng.standard_gamma(a_alpha + k_max - 1.0)) / rate
        if (sweep + 1) % thinning == 0:
            out_n[saved] = n_obs + n0
            out_alpha[saved] = scalars[0]
            saved += 1
