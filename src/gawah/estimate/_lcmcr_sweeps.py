"""Gibbs sweeps of the latent class capture-recapture model (compiled kernel).

The sampler is the NPLCM of Manrique-Vallier (2016, Biometrics 72:1246-1254):
person i has a latent class z_i with P(z_i = k) = pi_k (truncated
stick-breaking, K classes), lists are independent given the class with capture
probabilities lambda_jk ~ Beta(1, 1), alpha ~ Gamma(a, b) governs the sticks,
and the n0 people seen by no list are augmented with p(N) proportional to 1/N.

Everything runs on the compressed table (distinct observed patterns with their
counts), so a sweep costs O(M K J) whatever the number of people.

Two implementations of one sweep exist:

* :func:`sweeps_numba` (this module), the compiled kernel the estimator uses,
  written as scalar loops;
* :func:`gawah.estimate._lcmcr_twin.sweeps_numpy`, a vectorised twin (numpy
  array algebra for the class probabilities, the Beta and stick-breaking
  updates and the imputation).

The random variates both draw are in :mod:`gawah.estimate._lcmcr_draws`.

Both consume the same ``numpy.random.Generator`` in the same order (numba's
Generator support reproduces numpy's gamma, Poisson and uniform algorithms bit
for bit), so given one seed they must produce the same chain; the tests hold
them to that. Every random quantity is drawn in a fixed order, documented in
:func:`gawah.estimate._lcmcr_twin.sweeps_numpy`. Binomials come from our own
sampler (:func:`_binomial`, shared by both, tested against the exact pmf)
because it is about twice as fast as numpy's when p changes on every call.

Where a sweep goes (Kosovo, K = 10, measured by running one part twice): about
three fifths in the class counts per pattern (one binomial per occupied class,
each a short dependent chain of divisions), a sixth in the Beta variates for
lambda, an eighth in the sticks.

Numerical notes. The stick-breaking Beta variates are kept as logs so that
class weights far below 1e-308 stay representable: for an empty class V is
Beta(1, b), so log(1 - V) = log(U)/b exactly; a shape b below 1 uses
log G(b) = log G(b + 1) + log(U)/b for G(b) ~ Gamma(b), U ~ Uniform(0, 1)
(shapes are floored at 1e-300 so a zero concentration never divides by zero).
The capture probabilities need no logs: their shapes are at least 1, and
lambda = G1 / (G1 + G2) and 1 - lambda = G2 / (G1 + G2) are both formed
directly, so neither cancels (when a shape is 1, lambda or 1 - lambda is
U^(1/b) and the other -expm1(log(U)/b), again both direct). Class weights of a pattern are then plain
products (a log-space fallback covers total underflow), which removed about
four fifths of the exp/log calls of a sweep. The probability of being seen
enters the negative binomial as 1 - p0 = sum_k pi_k (1 - prod_j (1 - lambda_jk)),
with 1 - prod_j (1 - lambda_j) accumulated as sum_j lambda_j prod_{i<j}
(1 - lambda_i), a sum of positive terms, so it is accurate when capture is
rare.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from gawah.estimate._lcmcr_draws import (
    _beta_pair,
    _log_beta_pair,
    _multinomial,
    _truncated_negbin,
    random_standard_gamma,
)
from gawah.estimate._lcmcr_pcg import draw_source, load_state, store_state

__all__ = ["sweeps_numba"]

# A pattern whose every class weight falls below this (a product of J
# probabilities times a stick weight) is recomputed in log space, so that
# underflow can never leave a pattern with no class to go to.
_TINY = 1e-250


@njit(cache=True, nogil=True, error_model="numpy")
def _log_weights(
    patterns: np.ndarray,
    m: int,
    log_nu: np.ndarray,
    lam1: np.ndarray,
    lam0: np.ndarray,
    out: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Class weights of pattern ``m`` via log space, scaled so the largest is 1."""
    k_max = log_nu.shape[0]
    top = -np.inf
    for k in range(k_max):
        lp = log_nu[k]
        for j in range(patterns.shape[1]):
            lp += math.log(lam1[j, k] if patterns[m, j] == 1 else lam0[j, k])
        out[k] = lp
        top = max(top, lp)
    for k in range(k_max):
        out[k] = math.exp(out[k] - top)


def sweeps_numba(
    generator: np.random.Generator,
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
    """Run ``n_sweeps`` Gibbs sweeps in place (contract: :func:`sweeps_numpy`).

    A PCG64 generator (``numpy.random.default_rng``'s) is stepped inside the
    kernel (:mod:`gawah.estimate._lcmcr_pcg`) and handed its new state after,
    the same state numpy's own calls would have left; any other bit
    generator is called through numba's function pointers.
    """
    words = load_state(generator.bit_generator)
    source: np.random.Generator | np.ndarray = generator if words is None else words
    _sweeps(
        source, patterns, freqs, log_nu, lam1, lam0, count_mk, count0_k, scalars,
        n0_box, a_alpha, b_alpha, n0_cap, update_alpha, n_sweeps, thinning, out_n,
        out_alpha, out_start,
    )  # fmt: skip
    if words is not None:
        store_state(generator.bit_generator, words)


@njit(cache=True, nogil=True, error_model="numpy")
def _sweeps(
    source: np.random.Generator | np.ndarray,
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
) -> None:  # pragma: no cover - compiled
    """The compiled sweeps; ``source`` is a Generator or a PCG64 state array."""
    rng = draw_source(source)  # see _lcmcr_draws: no reference counting per draw
    m_max, j_max = patterns.shape
    k_max = log_nu.shape[0]
    n_obs = 0
    for m in range(m_max):
        n_obs += freqs[m]
    nu = np.empty(k_max)
    weights = np.empty(k_max)
    row = np.empty(k_max, dtype=np.int64)
    tails = np.empty(k_max)
    count_k = np.empty(k_max, dtype=np.int64)
    ones_jk = np.empty(j_max * k_max, dtype=np.int64)
    unseen_k = np.empty(k_max)
    saved = out_start
    for k in range(k_max):
        nu[k] = math.exp(log_nu[k])
    for sweep in range(n_sweeps):
        # 1 - class counts within each observed pattern
        for m in range(m_max):
            for k in range(k_max):
                weights[k] = nu[k]
            for j in range(j_max):  # contiguous rows: the inner loop vectorises
                if patterns[m, j] == 1:
                    for k in range(k_max):
                        weights[k] *= lam1[j, k]
                else:
                    for k in range(k_max):
                        weights[k] *= lam0[j, k]
            top = 0.0
            for k in range(k_max):
                top = max(top, weights[k])
            if top < _TINY:
                _log_weights(patterns, m, log_nu, lam1, lam0, weights)
            _multinomial(rng, freqs[m], weights, tails, row)
            for k in range(k_max):
                count_mk[m, k] = row[k]
        # 2 - capture probabilities lambda_jk ~ Beta(1 + seen, 1 + unseen)
        half = j_max * k_max
        for k in range(k_max):
            count_k[k] = count0_k[k]
        for i in range(half):
            ones_jk[i] = 0
        for m in range(m_max):
            for k in range(k_max):
                count_k[k] += count_mk[m, k]
            for j in range(j_max):
                if patterns[m, j] == 1:
                    for k in range(k_max):
                        ones_jk[j * k_max + k] += count_mk[m, k]
        for j in range(j_max):
            for k in range(k_max):
                ones = ones_jk[j * k_max + k]
                lam1[j, k], lam0[j, k] = _beta_pair(
                    rng, 1.0 + ones, 1.0 + (count_k[k] - ones)
                )
        # 3 - stick-breaking weights V_k ~ Beta(1 + n_k, alpha + n_{>k})
        alpha = scalars[0]
        n_total = n_obs + n0_box[0]
        acc = 0
        rest = 0.0
        for k in range(k_max - 1):
            acc += count_k[k]
            log_v, log_1mv = _log_beta_pair(
                rng, 1.0 + count_k[k], alpha + (n_total - acc)
            )
            log_nu[k] = log_v + rest
            rest += log_1mv
        log_nu[k_max - 1] = rest
        for k in range(k_max):
            nu[k] = math.exp(log_nu[k])
        # 4 - probability of being seen, 5 - unseen count n0
        p_seen = 0.0
        p_unseen = 0.0
        for k in range(k_max):
            miss = 1.0
            seen = 0.0
            for j in range(j_max):
                seen += lam1[j, k] * miss
                miss *= lam0[j, k]
            unseen_k[k] = nu[k] * miss
            p_seen += nu[k] * seen
            p_unseen += unseen_k[k]
        n0 = _truncated_negbin(rng, float(n_obs), p_unseen, p_seen, n0_cap)
        n0_box[0] = n0
        # 6 - classes of the unseen
        if n0 == 0:
            for k in range(k_max):
                count0_k[k] = 0
        else:
            _multinomial(rng, n0, unseen_k, tails, count0_k)
        # 7 - concentration alpha ~ Gamma(a + K - 1, rate b - log pi_K)
        if update_alpha:
            rate = b_alpha - log_nu[k_max - 1]
            scalars[0] = random_standard_gamma(rng, a_alpha + k_max - 1.0) / rate
        if (sweep + 1) % thinning == 0:
            out_n[saved] = n_obs + n0
            out_alpha[saved] = scalars[0]
            saved += 1
