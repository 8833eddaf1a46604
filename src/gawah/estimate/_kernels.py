"""Gibbs sweeps of the latent class capture-recapture model, twice over.

The sampler is the NPLCM of Manrique-Vallier (2016, Biometrics 72:1246-1254):
person i has a latent class z_i with P(z_i = k) = pi_k (truncated
stick-breaking, K classes), lists are independent given the class with capture
probabilities lambda_jk ~ Beta(1, 1), alpha ~ Gamma(a, b) governs the sticks,
and the n0 people seen by no list are augmented with p(N) proportional to 1/N.

Everything runs on the compressed table (distinct observed patterns with their
counts), so a sweep costs O(M K J) whatever the number of people.

Two implementations of one sweep live here:

* :func:`sweeps_numba`, the compiled kernel the estimator uses, written as
  scalar loops;
* :func:`sweeps_numpy`, a vectorised twin (numpy array algebra for the class
  probabilities, the Beta and stick-breaking updates and the imputation).

Both consume the same ``numpy.random.Generator`` in the same order (numba's
Generator support reproduces numpy's gamma, Poisson and uniform algorithms bit
for bit), so given one seed they must produce the same chain; the tests hold
them to that. Every random quantity is drawn in a fixed order, documented in
:func:`sweeps_numpy`. Binomials come from our own sampler (:func:`_binomial`,
shared by both, tested against the exact pmf) because it is about twice as fast
as numpy's when p changes on every call.

Numerical notes. The stick-breaking Beta variates are formed from log-gamma
variates so that class weights far below 1e-308 stay representable:
log G(a) = log G(a + 1) + log(U)/a for G(a) ~ Gamma(a), U ~ Uniform(0, 1)
(shapes are floored at 1e-300 so a zero concentration never divides by zero).
The capture probabilities need no logs: their shapes are at least 1, and
lambda = G1 / (G1 + G2) and 1 - lambda = G2 / (G1 + G2) are both formed
directly, so neither cancels. Class weights of a pattern are then plain
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

__all__ = ["sweeps_numba", "sweeps_numpy"]

_SHAPE_FLOOR = 1e-300
# Poisson rates above this would exceed any n0 cap we use (20 * n_observed), so
# they are rejected without a draw (numpy refuses rates near 2**63 anyway).
_MAX_RATE = 1e15
# Rejection attempts for the capped negative binomial before switching to an
# exact inverse-CDF draw on the truncated support.
_MAX_REJECTIONS = 100
# A pattern whose every class weight falls below this (a product of J
# probabilities times a stick weight) is recomputed in log space, so that
# underflow can never leave a pattern with no class to go to.
_TINY = 1e-250


# ---------------------------------------------------------------- numba kernel
# Stirling-series remainders log(k!) - [(k + 1/2) log(k + 1) - (k + 1) + log(2 pi)/2]
# for k = 0..9 (Hormann 1993, table in step 5 of BTRD).
_FC = np.array(
    [
        0.08106146679532726,
        0.04134069595540929,
        0.02767792568499834,
        0.02079067210376509,
        0.01664469118982119,
        0.01387612882307075,
        0.01189670994589177,
        0.01041126526197209,
        0.009255462182712733,
        0.008330563433362871,
    ]
)


@njit(cache=True, nogil=True, error_model="numpy")
def _stirling_tail(k: float) -> float:  # pragma: no cover - compiled
    if k < 10:
        return float(_FC[int(k)])
    k1 = 1.0 / (k + 1.0)
    k2 = k1 * k1
    return (1.0 / 12 - (1.0 / 360 - (1.0 / 1260) * k2) * k2) * k1


@njit(cache=True, nogil=True, error_model="numpy")
def _pow_int(q: float, n: int) -> float:  # pragma: no cover - compiled
    """q**n by binary powering: exact operation order, so twin and kernel agree."""
    result = 1.0
    base = q
    while n > 0:
        if n & 1:
            result *= base
        base *= base
        n >>= 1
    return result


@njit(cache=True, nogil=True, error_model="numpy")
def _binomial(
    rng: np.random.Generator, n: int, p: float
) -> int:  # pragma: no cover - compiled
    """Binomial(n, p) from uniforms only: inversion when n min(p, q) < 10,
    otherwise Hormann's BTRD (1993, J. Statist. Comput. Simul. 46:101-110).

    numpy's BTPE re-derives its set-up on every call when p changes, which
    is every call here; BTRD's set-up is a handful of flops. The tests check
    this sampler against the exact binomial pmf.
    """
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    flip = p > 0.5
    if flip:
        p = 1.0 - p
    q = 1.0 - p
    if n * p < 10.0:
        # P(X = 0) = q**n >= 1 - n p (Bernoulli's inequality), so a uniform
        # below 1 - n p means X = 0 without computing q**n: the usual case for
        # the light classes of a multinomial. The margin absorbs rounding.
        sure_zero = 1.0 - n * p - 1e-12
        s = p / q
        a = (n + 1) * s
        r0 = -1.0
        while True:
            u = rng.random()
            if u < sure_zero:
                return n if flip else 0
            if r0 < 0.0:
                r0 = _pow_int(q, n) if n <= 64 else math.exp(n * math.log1p(-p))
            r = r0
            x = 0
            ok = True
            while u > r:
                u -= r
                x += 1
                if x > n:
                    ok = False
                    break
                r *= a / x - s
            if ok:
                return n - x if flip else x
    m = math.floor((n + 1) * p)
    r = p / q
    nr = (n + 1) * r
    npq = n * p * q
    spq = math.sqrt(npq)
    b = 1.15 + 2.53 * spq
    a = -0.0873 + 0.0248 * b + 0.01 * p
    c = n * p + 0.5
    alpha = (2.83 + 5.1 / b) * spq
    vr = 0.92 - 4.2 / b
    urvr = 0.86 * vr
    while True:
        v = rng.random()
        if v <= urvr:
            u = v / vr - 0.43
            k = math.floor((2.0 * a / (0.5 - abs(u)) + b) * u + c)
            return n - k if flip else k
        if v >= vr:
            u = rng.random() - 0.5
        else:
            u = v / vr - 0.93
            u = math.copysign(0.5, u) - u
            v = rng.random() * vr
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + c)
        if k < 0 or k > n:
            continue
        v = v * alpha / (a / (us * us) + b)
        km = abs(k - m)
        if km <= 15:
            f = 1.0
            if m < k:
                for i in range(m + 1, k + 1):
                    f *= nr / i - r
            elif m > k:
                for i in range(k + 1, m + 1):
                    v *= nr / i - r
            if v <= f:
                return n - k if flip else k
            continue
        v = math.log(v)
        rho = (km / npq) * (((km / 3.0 + 0.625) * km + 1.0 / 6.0) / npq + 0.5)
        t = -km * km / (2.0 * npq)
        if v < t - rho:
            return n - k if flip else k
        if v > t + rho:
            continue
        nm = n - m + 1
        h = (
            (m + 0.5) * math.log((m + 1) / (r * nm))
            + _stirling_tail(m)
            + _stirling_tail(n - m)
        )
        nk = n - k + 1
        bound = (
            h
            + (n + 1) * math.log(nm / nk)
            + (k + 0.5) * math.log(nk * r / (k + 1))
            - _stirling_tail(k)
            - _stirling_tail(n - k)
        )
        if v <= bound:
            return n - k if flip else k


@njit(cache=True, nogil=True, error_model="numpy")
def _log_gamma_many(
    rng: np.random.Generator, shapes: np.ndarray, out: np.ndarray
) -> None:  # pragma: no cover - compiled
    n = shapes.shape[0]
    for i in range(n):
        s = max(shapes[i], _SHAPE_FLOOR)
        out[i] = rng.standard_gamma(s + 1.0 if s < 1.0 else s)
    for i in range(n):
        out[i] = math.log(out[i])
    for i in range(n):
        s = max(shapes[i], _SHAPE_FLOOR)
        if s < 1.0:
            out[i] += math.log(rng.random()) / s


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


@njit(cache=True, nogil=True, error_model="numpy")
def _multinomial(
    rng: np.random.Generator,
    n: int,
    weights: np.ndarray,
    tails: np.ndarray,
    out: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Multinomial(n, weights) by sequential conditional binomials, in class order.

    The conditional probability of category k is w_k / (w_k + later weights),
    with the denominators summed from the last category up; subtracting used
    mass from 1 instead (numpy's way) cancels catastrophically when the first
    categories hold all but 1e-16 of the mass. Classes are not sorted: the
    chain relabels them by size after warm-up, so the natural order is close
    to decreasing already, and sorting per pattern cost more than the few
    binomial draws it saved (Kosovo: 140,000 -> 150,000 sweeps/s without it).
    A single person takes one uniform (a categorical draw).
    """
    k_max = weights.shape[0]
    for k in range(k_max):
        out[k] = 0
    if n == 1:
        total = 0.0
        last = k_max - 1
        for k in range(k_max):
            total += weights[k]
            if weights[k] > 0.0:
                last = k
        u = rng.random() * total
        acc = 0.0
        for k in range(k_max):
            acc += weights[k]
            if u < acc:
                out[k] = 1
                return
        out[last] = 1
        return
    acc = 0.0
    for i in range(k_max - 1, -1, -1):
        acc += weights[i]
        tails[i] = acc
    dn = n
    for i in range(k_max - 1):
        p = min(max(weights[i] / tails[i], 0.0), 1.0)
        x = _binomial(rng, dn, p)
        out[i] = x
        dn -= x
        if dn <= 0:
            break
    if dn > 0:
        out[k_max - 1] = dn


@njit(cache=True, nogil=True, error_model="numpy")
def _truncated_negbin(
    rng: np.random.Generator, size: float, p_unseen: float, p_seen: float, cap: int
) -> int:  # pragma: no cover - compiled
    """Failures before ``size`` successes (success prob ``p_seen``), kept <= cap."""
    if p_unseen <= 0.0:
        return 0
    scale = p_unseen / p_seen
    for _ in range(_MAX_REJECTIONS):
        rate = rng.standard_gamma(size) * scale
        if rate > _MAX_RATE:
            continue
        draw = rng.poisson(rate)
        if draw <= cap:
            return int(draw)
    # Exact draw from the negative binomial restricted to 0..cap.
    log_p0 = math.log(p_unseen)
    log_q = math.log(p_seen)
    base = size * log_q - math.lgamma(size)
    top = -np.inf
    logs = np.empty(cap + 1)
    for m in range(cap + 1):
        logs[m] = base + math.lgamma(size + m) - math.lgamma(m + 1.0) + m * log_p0
        top = max(top, logs[m])
    total = 0.0
    for m in range(cap + 1):
        logs[m] = math.exp(logs[m] - top)
        total += logs[m]
    u = rng.random() * total
    acc = 0.0
    for m in range(cap + 1):
        acc += logs[m]
        if u <= acc:
            return m
    return cap


@njit(cache=True, nogil=True, error_model="numpy")
def sweeps_numba(
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
) -> None:  # pragma: no cover - compiled
    """Run ``n_sweeps`` Gibbs sweeps in place (contract: :func:`sweeps_numpy`)."""
    m_max, j_max = patterns.shape
    k_max = log_nu.shape[0]
    n_obs = 0
    for m in range(m_max):
        n_obs += freqs[m]
    nu = np.empty(k_max)
    weights = np.empty(k_max)
    row = np.empty(k_max, dtype=np.int64)
    tails = np.empty(k_max)
    lam_shapes = np.empty(2 * j_max * k_max)
    lam_draws = np.empty(2 * j_max * k_max)
    nu_shapes = np.empty(2 * (k_max - 1))
    nu_logs = np.empty(2 * (k_max - 1))
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
                lam = lam1 if patterns[m, j] == 1 else lam0
                for k in range(k_max):
                    weights[k] *= lam[j, k]
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
        for i in range(half):
            k = i % k_max
            lam_shapes[i] = 1.0 + ones_jk[i]
            lam_shapes[half + i] = 1.0 + (count_k[k] - ones_jk[i])
        for i in range(2 * half):
            lam_draws[i] = rng.standard_gamma(lam_shapes[i])
        for j in range(j_max):
            for k in range(k_max):
                a = lam_draws[j * k_max + k]
                b = lam_draws[half + j * k_max + k]
                lam1[j, k] = a / (a + b)
                lam0[j, k] = b / (a + b)
        # 3 - stick-breaking weights V_k ~ Beta(1 + n_k, alpha + n_{>k})
        alpha = scalars[0]
        n_total = n_obs + n0_box[0]
        acc = 0
        for k in range(k_max - 1):
            acc += count_k[k]
            nu_shapes[k] = 1.0 + count_k[k]
            nu_shapes[k_max - 1 + k] = alpha + (n_total - acc)
        _log_gamma_many(rng, nu_shapes, nu_logs)
        rest = 0.0
        for k in range(k_max - 1):
            a = nu_logs[k]
            b = nu_logs[k_max - 1 + k]
            hi = max(a, b)
            s = hi + math.log(math.exp(a - hi) + math.exp(b - hi))
            log_nu[k] = a - s + rest
            rest += b - s
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
            scalars[0] = rng.standard_gamma(a_alpha + k_max - 1.0) / rate
        if (sweep + 1) % thinning == 0:
            out_n[saved] = n_obs + n0
            out_alpha[saved] = scalars[0]
            saved += 1


# ---------------------------------------------------------------- numpy twin
def _log_gamma_many_np(rng: np.random.Generator, shapes: np.ndarray) -> np.ndarray:
    s = np.maximum(shapes, _SHAPE_FLOOR)
    small = s < 1.0
    out = np.log(rng.standard_gamma(np.where(small, s + 1.0, s)))
    out[small] += np.log(rng.random(int(small.sum()))) / s[small]
    return np.asarray(out)


def _multinomial_rows_np(
    rng: np.random.Generator, n: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """Per row: one categorical draw for a single person, otherwise conditional
    binomials over categories in index order (as :func:`_multinomial`)."""
    binomial = _binomial.py_func
    tails = np.cumsum(weights[:, ::-1], axis=1)[:, ::-1]
    with np.errstate(invalid="ignore"):  # 0/0 only past the last non-empty class
        probs = np.clip(weights / tails, 0.0, 1.0)
    out = np.zeros(weights.shape, dtype=np.int64)
    for row in range(weights.shape[0]):
        left = int(n[row])
        if left == 1:
            w = [float(v) for v in weights[row]]
            total = 0.0
            for v in w:  # sequential sums: the kernel's order, bit for bit
                total += v
            nonzero = [k for k, v in enumerate(w) if v > 0.0]
            chosen = nonzero[-1] if nonzero else len(w) - 1
            u = float(rng.random()) * total
            acc = 0.0
            for k, v in enumerate(w):
                acc += v
                if u < acc:
                    chosen = k
                    break
            out[row, chosen] = 1
            continue
        drawn = np.zeros(weights.shape[1], dtype=np.int64)
        for k in range(weights.shape[1] - 1):
            x = binomial(rng, left, float(probs[row, k]))
            drawn[k] = x
            left -= x
            if left <= 0:
                break
        drawn[-1] += max(left, 0)
        out[row] = drawn
    return out


def _log_beta_np(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = np.logaddexp(a, b)
    return a - s, b - s


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
    lambda and 1 - lambda (both kept, each drawn as its own Gamma ratio, so
    neither suffers cancellation near 0 or 1); ``count_mk`` (M x K) people of
    pattern m in class k; ``count0_k`` (K) unseen people per class;
    ``scalars[0]`` alpha; ``n0_box[0]`` the unseen count. Every
    ``thinning``-th sweep stores N and alpha at ``out_n[out_start + i]``.

    Random draws per sweep, in this order: (1) one draw per pattern, in row
    order: a pattern seen once takes one uniform (a categorical draw over
    classes in index order), a larger one conditional binomials over classes
    in index order; (2) 2JK gamma variates for lambda (shapes
    1 + seen counts for all (j, k) row-major, then 1 + unseen counts; all
    shapes are >= 1); (3) 2(K - 1) gammas for the sticks (the K - 1
    "1 + n_k" shapes, then the K - 1 "alpha + n_{>k}" shapes; a shape s < 1
    is drawn as s + 1), then one uniform per shape below 1, in the same
    order; (4) the capped negative binomial as gamma-Poisson pairs; (5) the
    multinomial of the unseen over classes (skipped when n0 = 0); (6) one
    gamma for alpha when updated.

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
        shapes = np.concatenate([(1.0 + ones).ravel(), (1.0 + count_k - ones).ravel()])
        draws = rng.standard_gamma(shapes)
        half = ones.size
        a, b = draws[:half].reshape(ones.shape), draws[half:].reshape(ones.shape)
        lam1[:] = a / (a + b)
        lam0[:] = b / (a + b)
        # 3
        after = n_obs + int(n0_box[0]) - np.cumsum(count_k)[:-1]
        shapes = np.concatenate([1.0 + count_k[:-1], scalars[0] + after])
        logs = _log_gamma_many_np(rng, shapes)
        lv, l1v = _log_beta_np(logs[: k_max - 1], logs[k_max - 1 :])
        rest = np.concatenate([[0.0], np.cumsum(l1v)])
        log_nu[:-1] = lv + rest[:-1]
        log_nu[-1] = rest[-1]
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
