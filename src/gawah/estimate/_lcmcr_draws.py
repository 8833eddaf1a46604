"""Random variates the LCMCR sampler draws, compiled, shared by kernel and twin.

The sweeps in :mod:`gawah.estimate._lcmcr_sweeps` and their numpy twin in
:mod:`gawah.estimate._lcmcr_twin` call these (the twin through ``py_func``), so
both consume a ``numpy.random.Generator`` in the same order:

* :func:`_binomial`: our own binomial (inversion, else Hormann's BTRD), about
  twice as fast as numpy's when p changes on every call; the tests check it
  against the exact pmf;
* :func:`_multinomial`: one categorical draw per person for small counts,
  otherwise sequential conditional binomials in class order;
* :func:`_beta_pair`: (X, 1 - X) for the capture probabilities, one uniform
  when a shape is 1 (inverse CDF), else two gammas;
* :func:`_log_beta_pair`: (log V, log(1 - V)) for the sticks, representable
  for shapes far below 1 (log G(b) = log G(b + 1) + log(U)/b) and one uniform
  for an empty class;
* :func:`_truncated_negbin`: the unseen count, a negative binomial kept at or
  below a cap.

Every helper takes the Generator's *bit generator* (or, in the kernel, a
pointer to a PCG64 state it steps inline: :mod:`gawah.estimate._lcmcr_pcg`)
and draws through numba's
own routines (``next_double``, ``random_standard_gamma``, ``random_poisson``,
the code behind ``Generator.random`` and friends, so the stream is the same),
and is inlined into the sweep (``inline="always"``): passing the Generator
itself costs an atomic reference-count increment and decrement of its memory
info on every call, about a tenth of a sweep on Kosovo.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import cast

import numpy as np
from numba import njit
from numba.np.random import distributions as _nb_distributions
from numba.np.random import generator_core as _nb_core

# numba's own draws behind Generator.random / standard_gamma / poisson, called
# on the bit generator (the same objects, typed for mypy).
next_double = cast(Callable[[np.random.BitGenerator], float], _nb_core.next_double)
random_standard_gamma = cast(
    Callable[[np.random.BitGenerator, float], float],
    _nb_distributions.random_standard_gamma,
)
random_poisson = cast(
    Callable[[np.random.BitGenerator, float], int], _nb_distributions.random_poisson
)

_SHAPE_FLOOR = 1e-300
# Poisson rates above this would exceed any n0 cap we use (20 * n_observed), so
# they are rejected without a draw (numpy refuses rates near 2**63 anyway).
_MAX_RATE = 1e15
# Rejection attempts for the capped negative binomial before switching to an
# exact inverse-CDF draw on the truncated support.
_MAX_REJECTIONS = 100
# Patterns with at most this many people draw a class per person (one uniform
# each) rather than one binomial per class; chosen by timing both on Kosovo
# and the New Orleans lists (benchmarks/estimate.py).
_PER_PERSON = 16

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


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _stirling_tail(k: float) -> float:  # pragma: no cover - compiled
    if k < 10:
        return float(_FC[int(k)])
    k1 = 1.0 / (k + 1.0)
    k2 = k1 * k1
    return (1.0 / 12 - (1.0 / 360 - (1.0 / 1260) * k2) * k2) * k1


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
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


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _binomial(
    rng: np.random.BitGenerator, n: int, p: float
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
            u = next_double(rng)
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
        v = next_double(rng)
        if v <= urvr:
            u = v / vr - 0.43
            k = math.floor((2.0 * a / (0.5 - abs(u)) + b) * u + c)
            return n - k if flip else k
        if v >= vr:
            u = next_double(rng) - 0.5
        else:
            u = v / vr - 0.93
            u = math.copysign(0.5, u) - u
            v = next_double(rng) * vr
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


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _open_uniform(rng: np.random.BitGenerator) -> float:  # pragma: no cover - compiled
    """A uniform on (0, 1): numpy's draws lie on [0, 1), and 0 is redrawn."""
    u = next_double(rng)
    while u == 0.0:
        u = next_double(rng)
    return u


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _beta_pair(
    rng: np.random.BitGenerator, a: float, b: float
) -> tuple[float, float]:  # pragma: no cover - compiled
    """(X, 1 - X) for X ~ Beta(a, b) with shapes a, b >= 1, each formed directly.

    Beta(1, 1) is a uniform (one draw, against two exponentials); Beta(1, b)
    is 1 - U^(1/b) and Beta(a, 1) is U^(1/a) (inverse CDF: one uniform, a
    log, an exp and an expm1, cheaper than two gamma variates); otherwise
    X = G_a / (G_a + G_b). Neither X nor 1 - X is obtained by subtraction from
    1, so neither cancels near 0 or 1.
    """
    if a == 1.0:
        if b == 1.0:
            u = _open_uniform(rng)
            return u, 1.0 - u
        t = math.log(_open_uniform(rng)) / b
        return -math.expm1(t), math.exp(t)
    if b == 1.0:
        t = math.log(_open_uniform(rng)) / a
        return math.exp(t), -math.expm1(t)
    ga = random_standard_gamma(rng, a)
    gb = random_standard_gamma(rng, b)
    return ga / (ga + gb), gb / (ga + gb)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _log_beta_pair(
    rng: np.random.BitGenerator, a: float, b: float
) -> tuple[float, float]:  # pragma: no cover - compiled
    """(log V, log(1 - V)) for V ~ Beta(a, b), a >= 1, b > 0 (floored at 1e-300).

    The stick-breaking weights: for an empty class (a = 1), V = 1 - U^(1/b)
    by inverse CDF, so log(1 - V) = log(U) / b and log V = log(-expm1(log(U) / b)),
    one uniform. Otherwise from log-gamma variates, which stay representable
    for shapes far below 1: log G(b) = log G(b + 1) + log(U) / b (only
    needed when b < 1; otherwise the plain ratio of the two gammas).
    """
    b = max(b, _SHAPE_FLOOR)
    if a == 1.0:
        t = math.log(_open_uniform(rng)) / b
        return math.log(-math.expm1(t)), t
    ga = random_standard_gamma(rng, a)
    if b >= 1.0:
        # Both variates are ordinary numbers: V = G_a / (G_a + G_b) and
        # 1 - V = G_b / (G_a + G_b) are formed directly (two logs, no exp).
        gb = random_standard_gamma(rng, b)
        s = ga + gb
        return math.log(ga / s), math.log(gb / s)
    la = math.log(ga)
    lb = math.log(random_standard_gamma(rng, b + 1.0)) + math.log(next_double(rng)) / b
    hi = max(la, lb)
    s = hi + math.log(math.exp(la - hi) + math.exp(lb - hi))
    return la - s, lb - s


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _multinomial(
    rng: np.random.BitGenerator,
    n: int,
    weights: np.ndarray,
    tails: np.ndarray,
    out: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Multinomial(n, weights): one categorical draw per person when
    n <= ``_PER_PERSON``, otherwise sequential conditional binomials in class order.

    Per person: one uniform each, against the cumulative weights summed in
    class order (a person falls in the first class whose cumulative weight
    exceeds the uniform times the total). This costs about one binomial draw
    per three people, and a binomial is drawn for each class that holds
    people, so small patterns are cheaper per person.

    Binomials: the conditional probability of category k is
    w_k / (w_k + later weights), with the denominators summed from the last
    category up; subtracting used mass from 1 instead (numpy's way) cancels
    catastrophically when the first categories hold all but 1e-16 of the mass.
    Classes are not sorted: the chain relabels them by size after warm-up, so
    the natural order is close to decreasing already, and sorting per pattern
    cost more than the few binomial draws it saved.
    """
    k_max = weights.shape[0]
    for k in range(k_max):
        out[k] = 0
    if n <= _PER_PERSON:
        total = 0.0
        last = k_max - 1
        for k in range(k_max):
            total += weights[k]
            tails[k] = total
            if weights[k] > 0.0:
                last = k
        for _ in range(n):
            u = next_double(rng) * total
            chosen = last
            for k in range(last):
                if u < tails[k]:
                    chosen = k
                    break
            out[chosen] += 1
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


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _truncated_negbin(
    rng: np.random.BitGenerator, size: float, p_unseen: float, p_seen: float, cap: int
) -> int:  # pragma: no cover - compiled
    """Failures before ``size`` successes (success prob ``p_seen``), kept <= cap."""
    if p_unseen <= 0.0:
        return 0
    scale = p_unseen / p_seen
    for _ in range(_MAX_REJECTIONS):
        rate = random_standard_gamma(rng, size) * scale
        if rate > _MAX_RATE:
            continue
        draw = random_poisson(rng, rate)
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
    u = next_double(rng) * total
    acc = 0.0
    for m in range(cap + 1):
        acc += logs[m]
        if u <= acc:
            return m
    return cap
