"""Bayesian latent class multiple systems estimation (Manrique-Vallier 2016).

Capture heterogeneity (some victims are far likelier to be documented than
others) is what breaks simple capture-recapture. The non-parametric latent
class model (NPLCM) lets people fall into up to ``K`` classes, each with its own
capture probability per list; lists are independent *within* a class, which
induces dependence between lists overall. The number of classes actually used
is learnt through a truncated Dirichlet-process (stick-breaking) prior.

Reference: D. Manrique-Vallier (2016), "Bayesian population size estimation
using Dirichlet process mixtures", Biometrics 72:1246-1254; implemented in R as
LCMCR. Defaults follow the R package calls in
``shared/datasets/mse/REFERENCE.md`` (K=10, a=b=0.25, 10,000 burn-in sweeps,
10,000 draws kept every 10th sweep), and n0 is capped at 20 x n_observed as
LCMCR does, which truncates N at 21 x n_observed. We run several chains so that
disagreement between them is visible (split R-hat) instead of silent.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from rich.progress import Progress

from gawah.errors import UserInputError
from gawah.estimate._lcmcr_sweeps import sweeps_numba
from gawah.estimate._lcmcr_twin import sweeps_numpy
from gawah.estimate.captures import CaptureHistories
from gawah.estimate.result import MSEResult, check_level

__all__ = ["LCMCR", "effective_sample_size", "split_rhat"]

_METHOD = "lcmcr"
# Sweeps per kernel call: small enough for a lively progress bar, large enough
# that Python overhead is invisible.
_CHUNK = 5000
_WARMUP = 500
# alpha during warm-up, divided by K: a small value starts every chain from a
# concentrated mixture (few classes), the simplest explanation, so that chains
# begin in the same region instead of in whichever split the sticks fell into
# (as LCMCR does; on the HIV lists a chain started diffuse can stay in a
# two-class mode for 100,000 sweeps).
_WARMUP_ALPHA = 0.3


@dataclass
class _ChainState:
    """Mutable state of one chain, laid out as the kernels expect."""

    log_nu: np.ndarray
    lam1: np.ndarray
    lam0: np.ndarray
    count_mk: np.ndarray
    count0_k: np.ndarray
    scalars: np.ndarray
    n0_box: np.ndarray

    def permute_classes(self) -> None:
        """Relabel classes by decreasing weight, so the stick order follows size."""
        order = np.argsort(-self.log_nu, kind="stable")
        self.log_nu[:] = self.log_nu[order]
        self.lam1[:] = self.lam1[:, order]
        self.lam0[:] = self.lam0[:, order]
        self.count_mk[:] = self.count_mk[:, order]
        self.count0_k[:] = self.count0_k[order]


def _initial_state(
    rng: np.random.Generator,
    patterns: np.ndarray,
    freqs: np.ndarray,
    k_max: int,
    alpha: float,
) -> _ChainState:
    """Sticks from Beta(1, 1); every class starts at the lists' observed rates."""
    v = rng.beta(1.0, 1.0, size=k_max - 1)
    log_nu = np.empty(k_max)
    rest = np.concatenate([[0.0], np.cumsum(np.log1p(-v))])
    log_nu[:-1] = np.log(v) + rest[:-1]
    log_nu[-1] = rest[-1]
    rate = (patterns.T.astype(float) @ freqs) / freqs.sum()
    rate = np.clip(rate, 1e-6, 1.0 - 1e-6)
    return _ChainState(
        log_nu=log_nu,
        lam1=np.repeat(rate[:, None], k_max, axis=1),
        lam0=np.repeat(1.0 - rate[:, None], k_max, axis=1),
        count_mk=np.zeros((patterns.shape[0], k_max), dtype=np.int64),
        count0_k=np.zeros(k_max, dtype=np.int64),
        scalars=np.array([alpha]),
        n0_box=np.zeros(1, dtype=np.int64),
    )


class LCMCR:
    """Non-parametric latent class capture-recapture (NPLCM), several Gibbs chains.

    Args:
        K: truncation level of the stick-breaking prior (maximum classes).
        a_alpha: shape of the Gamma prior on the concentration alpha.
        b_alpha: rate of the Gamma prior on alpha.
        burnin: sweeps discarded per chain (after a 500-sweep warm-up with
            alpha fixed at 0.3 / K, and a relabelling by class size).
        samples: draws of N kept per chain in the first round.
        thinning: sweeps between kept draws.
        chains: independent chains (at least 2: R-hat compares them).
        seed: seeds every chain (``numpy.random.SeedSequence(seed).spawn``).
        level: probability of the central credible interval.
        max_rhat: above this split R-hat the chains disagree. Sampling goes
            on (every chain continues, another ``samples`` draws a round) until
            R-hat and ESS are met or ``max_samples`` is reached; if the chains
            still disagree then, ``fit`` refuses, because the number would
            depend on the seed.
        min_ess: below this effective sample size (all chains together) at
            the cap, the 2.5% and 97.5% quantiles rest on a handful of
            independent draws and ``fit`` refuses.
        target_ess: sampling continues until the ESS reaches this (and R-hat
            is met); a result short of it at the cap carries a warning.
        max_samples: the cap on draws kept per chain (None: 4 x ``samples``).
        n_jobs: chains run in parallel threads (the kernel releases the GIL);
            ``None`` uses one thread per CPU core, up to ``chains``. Draws do
            not depend on it.
        progress: show a Rich progress bar.
        kernel: ``"numba"`` (fast) or ``"numpy"`` (the slow reference twin).
    """

    def __init__(
        self,
        K: int = 10,  # noqa: N803 - K is the paper's and LCMCR's name
        a_alpha: float = 0.25,
        b_alpha: float = 0.25,
        burnin: int = 10_000,
        samples: int = 10_000,
        thinning: int = 10,
        chains: int = 4,
        seed: int = 12345,
        level: float = 0.95,
        max_rhat: float = 1.1,
        min_ess: float = 100.0,
        target_ess: float = 400.0,
        max_samples: int | None = None,
        n_jobs: int | None = None,
        progress: bool = False,
        kernel: str = "numba",
    ) -> None:
        self.K = K
        self.a_alpha = a_alpha
        self.b_alpha = b_alpha
        self.burnin = burnin
        self.samples = samples
        self.thinning = thinning
        self.chains = chains
        self.seed = seed
        self.level = level
        self.max_rhat = max_rhat
        self.min_ess = min_ess
        self.target_ess = target_ess
        self.max_samples = max_samples
        self.n_jobs = n_jobs
        self.progress = progress
        self.kernel = kernel

    def _check(self) -> None:
        if int(self.K) < 2:
            raise UserInputError("LCMCR needs K >= 2 latent classes")
        if self.a_alpha <= 0 or self.b_alpha <= 0:
            raise UserInputError("the Gamma prior on alpha needs a_alpha, b_alpha > 0")
        if self.burnin < 0 or self.samples < 1 or self.thinning < 1:
            raise UserInputError("burnin >= 0, samples >= 1 and thinning >= 1 needed")
        if self.chains < 2:
            raise UserInputError(
                "LCMCR needs at least 2 chains: with one, nobody can tell whether "
                "the sampler converged (R-hat compares chains)"
            )
        if self.n_jobs is not None and self.n_jobs < 1:
            raise UserInputError("n_jobs must be at least 1")
        if self.max_samples is not None and self.max_samples < self.samples:
            raise UserInputError("max_samples must be at least samples")
        check_level(self.level)
        if self.kernel not in ("numba", "numpy"):
            raise UserInputError("kernel must be 'numba' or 'numpy'")

    def fit(self, captures: CaptureHistories) -> MSEResult:
        """Sample the posterior of N and summarise it (median, central interval)."""
        self._check()
        settings = {
            "K": int(self.K),
            "a_alpha": float(self.a_alpha),
            "b_alpha": float(self.b_alpha),
            "burnin": int(self.burnin),
            "samples": int(self.samples),
            "thinning": int(self.thinning),
            "chains": int(self.chains),
            "max_samples": self._cap(),
            "target_ess": float(self.target_ess),
            "warmup": _WARMUP,
            "n0_cap": f"20 x n_observed ({20 * captures.n_observed})",
            "kernel": self.kernel,
        }
        model = f"NPLCM (K={int(self.K)})"
        if captures.n_lists < 3:
            return MSEResult.refusal(
                captures,
                method=_METHOD,
                model=model,
                level=self.level,
                seed=self.seed,
                reason=(
                    f"only {captures.n_lists} lists: a latent class model needs at "
                    "least 3 lists to tell capture heterogeneity from the unseen"
                ),
                diagnostics={"settings": settings},
            )
        # List order must not change the answer: sample on a canonical order.
        canonical = captures.reorder(sorted(captures.lists))
        patterns = np.ascontiguousarray(canonical.patterns, dtype=np.int64)
        freqs = np.ascontiguousarray(canonical.counts, dtype=np.int64)
        started = time.perf_counter()
        draws, alphas, rounds = self._sample(patterns, freqs)
        seconds = time.perf_counter() - started
        settings["rounds"] = rounds
        return self._summarise(captures, draws, alphas, seconds, settings, model)

    @staticmethod
    def _keep(
        runs: list[_Chain],
        draws: np.ndarray,
        alphas: np.ndarray,
        at: int,
        count: int,
        advance: Callable[[int], None],
        c: int,
    ) -> None:
        runs[c].keep(draws[c], alphas[c], at, count, advance)

    def _cap(self) -> int:
        """Draws kept per chain at most (the stated cap)."""
        if self.max_samples is not None:
            return int(self.max_samples)
        return 4 * int(self.samples)

    def _met(self, draws: np.ndarray) -> bool:
        rhat = split_rhat(draws)
        ess = effective_sample_size(draws)
        return bool(
            np.isfinite(rhat)
            and rhat <= self.max_rhat
            and np.isfinite(ess)
            and ess >= self.target_ess
        )

    # ------------------------------------------------------------------ sampling
    def _sample(
        self, patterns: np.ndarray, freqs: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, int]:
        """Run every chain a round of ``samples`` draws at a time until R-hat/ESS hold."""
        chains = int(self.chains)
        seeds = np.random.SeedSequence(int(self.seed)).spawn(chains)
        step, cap = int(self.samples), self._cap()
        draws = np.zeros((chains, cap), dtype=np.int64)
        alphas = np.zeros((chains, cap))
        runs = [
            _Chain(self, np.random.default_rng(seeds[c]), patterns, freqs)
            for c in range(chains)
        ]
        jobs = self.n_jobs if self.n_jobs is not None else os.cpu_count() or 1
        jobs = min(int(jobs), chains)
        thin = int(self.thinning)
        kept, rounds = 0, 0
        with Progress(disable=not self.progress, transient=True) as bar:
            total = chains * (_WARMUP + int(self.burnin) + step * thin)
            task = bar.add_task("LCMCR sampling", total=total)

            def each(work: Callable[[int], None]) -> None:
                if jobs > 1:
                    with ThreadPoolExecutor(max_workers=jobs) as pool:
                        list(pool.map(work, range(chains)))
                else:
                    for c in range(chains):
                        work(c)

            def advance(n: int) -> None:
                bar.advance(task, n)

            each(lambda c: runs[c].start(advance))
            while kept < cap:
                n = min(step, cap - kept)
                if rounds:
                    total += chains * n * thin
                    bar.update(task, total=total)
                each(
                    functools.partial(self._keep, runs, draws, alphas, kept, n, advance)
                )
                kept += n
                rounds += 1
                if self._met(draws[:, :kept]):
                    break
        return draws[:, :kept], alphas[:, :kept], rounds

    # ------------------------------------------------------------------ summary
    def _summarise(
        self,
        captures: CaptureHistories,
        draws: np.ndarray,
        alphas: np.ndarray,
        seconds: float,
        settings: dict[str, Any],
        model: str,
    ) -> MSEResult:
        n_obs = captures.n_observed
        pooled = draws.reshape(-1).astype(float)
        tail = (1.0 - self.level) / 2.0
        lower, median, upper = np.quantile(pooled, [tail, 0.5, 1.0 - tail])
        rhat = split_rhat(draws)
        ess = effective_sample_size(draws)
        cap_n = 21 * n_obs
        at_cap = float(np.mean(pooled >= 0.99 * cap_n))
        kept = int(draws.shape[1])
        sweeps = draws.shape[0] * (
            _WARMUP + int(self.burnin) + kept * int(self.thinning)
        )
        warnings: list[str] = []
        if kept >= self._cap() and not self._met(draws):
            warnings.append(
                f"the sampler reached its cap of {kept:,} draws per chain before "
                f"R-hat <= {self.max_rhat} and {self.target_ess:,.0f} effective "
                f"draws were both met (R-hat {rhat:.3f}, {ess:,.0f} effective draws)"
            )
        if np.isfinite(ess) and ess < self.target_ess:
            warnings.append(
                f"only {ess:,.0f} effective draws: the interval ends carry Monte "
                "Carlo error; longer chains (--draws) would firm them up"
            )
        if at_cap > 0.01:
            warnings.append(
                f"{at_cap:.1%} of draws sit at the cap N = 21 x n_observed: the data "
                "barely constrain the unseen and the upper end is set by the cap"
            )
        diagnostics: dict[str, Any] = {
            "settings": settings,
            "rhat": rhat,
            "ess": ess,
            "mean": float(pooled.mean()),
            "sd": float(pooled.std(ddof=1)) if pooled.size > 1 else 0.0,
            "chain_medians": [float(np.median(c)) for c in draws],
            "alpha_median": float(np.median(alphas)),
            "fraction_at_cap": at_cap,
            "seconds": seconds,
            "sweeps": int(sweeps),
            "iterations_per_second": sweeps / seconds if seconds > 0 else None,
            "warnings": warnings,
        }
        estimate: float | None = float(median)
        low: float | None = float(lower)
        high: float | None = float(upper)
        if not np.isfinite(rhat) or not np.isfinite(ess):
            estimate = low = high = None
            diagnostics["reason"] = (
                f"too few draws ({kept} per chain) to check that the chains "
                "converged: keep at least 4 draws per chain (--draws)"
            )
        elif rhat > self.max_rhat:
            estimate = low = high = None
            diagnostics["reason"] = (
                f"the sampler's chains disagree after {kept:,} draws per chain "
                f"(split R-hat {rhat:.2f} > {self.max_rhat}; chain medians "
                + ", ".join(f"{m:,.0f}" for m in diagnostics["chain_medians"])
                + "): the number would depend on the random seed. Run longer "
                "chains or use another method"
            )
        elif ess < self.min_ess:
            estimate = low = high = None
            diagnostics["reason"] = (
                f"the chains mix too slowly: only {ess:,.0f} effective draws of N "
                f"after {kept:,} draws per chain (fewer than {self.min_ess:,.0f}), "
                "so the interval would rest on "
                "a handful of independent values. Run longer chains or use "
                "another method"
            )
        return MSEResult(
            estimate=estimate,
            lower=low,
            upper=high,
            level=self.level,
            method=_METHOD,
            model=model,
            n_observed=n_obs,
            lists=captures.lists,
            seed=self.seed,
            input_digest=captures.digest(),
            diagnostics=diagnostics,
            draws=pooled,
        )


class _Chain:
    """One Gibbs chain that can be continued: started once, then kept in rounds."""

    def __init__(
        self,
        model: LCMCR,
        rng: np.random.Generator,
        patterns: np.ndarray,
        freqs: np.ndarray,
    ) -> None:
        self.kernel = sweeps_numba if model.kernel == "numba" else sweeps_numpy
        self.rng = rng
        self.patterns = patterns
        self.freqs = freqs
        k_max = int(model.K)
        self.state = _initial_state(rng, patterns, freqs, k_max, _WARMUP_ALPHA / k_max)
        self.cap = 20 * int(freqs.sum())
        self.a, self.b = float(model.a_alpha), float(model.b_alpha)
        self.burnin = int(model.burnin)
        self.thinning = int(model.thinning)

    def _sweep(
        self,
        n: int,
        thin: int,
        update_alpha: bool,
        out_n: np.ndarray,
        out_a: np.ndarray,
        at: int,
        advance: Callable[[int], None],
    ) -> None:
        state = self.state
        self.kernel(
            self.rng, self.patterns, self.freqs, state.log_nu, state.lam1, state.lam0,
            state.count_mk, state.count0_k, state.scalars, state.n0_box,
            self.a, self.b, self.cap, update_alpha, n, thin, out_n, out_a, at,
        )  # fmt: skip
        advance(n)

    def start(self, advance: Callable[[int], None]) -> None:
        """Warm-up with alpha fixed, relabel classes by size, then burn in."""
        nothing_n = np.zeros(1, dtype=np.int64)
        nothing_a = np.zeros(1)
        self._sweep(_WARMUP, _WARMUP + 1, False, nothing_n, nothing_a, 0, advance)
        self.state.permute_classes()
        done = 0
        while done < self.burnin:
            n = min(_CHUNK, self.burnin - done)
            self._sweep(n, n + 1, True, nothing_n, nothing_a, 0, advance)
            done += n

    def keep(
        self,
        out_n: np.ndarray,
        out_alpha: np.ndarray,
        at: int,
        count: int,
        advance: Callable[[int], None],
    ) -> None:
        """Keep ``count`` more draws, every ``thinning`` sweeps, from index ``at``."""
        thin = self.thinning
        per_chunk = max(1, _CHUNK // thin)
        kept = 0
        while kept < count:
            n_keep = min(per_chunk, count - kept)
            self._sweep(n_keep * thin, thin, True, out_n, out_alpha, at + kept, advance)
            kept += n_keep


# ---------------------------------------------------------------- diagnostics
def split_rhat(draws: np.ndarray) -> float:
    """Split-chain potential scale reduction (Gelman et al., BDA3 section 11.4).

    Each chain is cut in half so that a drifting chain also shows up. Returns
    1.0 for constant draws (nothing to disagree about).
    """
    chains = np.asarray(draws, dtype=float)
    half = chains.shape[1] // 2
    if half < 2:
        return float("nan")
    parts = np.concatenate([chains[:, :half], chains[:, -half:]], axis=0)
    within = float(parts.var(axis=1, ddof=1).mean())
    between = float(parts.mean(axis=1).var(ddof=1)) * half
    if within == 0.0:
        return 1.0 if between == 0.0 else float("inf")
    var_plus = (half - 1) / half * within + between / half
    return float(np.sqrt(var_plus / within))


def effective_sample_size(draws: np.ndarray) -> float:
    """Multi-chain effective sample size with Geyer's initial monotone sequence.

    Autocorrelations are combined across chains as in Stan (Vehtari et al.
    2021, without rank normalisation), so chains that disagree lower the ESS.
    """
    chains = np.atleast_2d(np.asarray(draws, dtype=float))
    m, n = chains.shape
    if n < 4:
        return float("nan")
    centred = chains - chains.mean(axis=1, keepdims=True)
    size = 1 << int(np.ceil(np.log2(2 * n)))
    spectrum = np.fft.rfft(centred, size, axis=1)
    acov = np.fft.irfft(spectrum * np.conj(spectrum), size, axis=1)[:, :n] / n
    within = float(np.mean(acov[:, 0] * n / (n - 1)))
    between = float(chains.mean(axis=1).var(ddof=1)) if m > 1 else 0.0
    var_plus = within * (n - 1) / n + between
    if var_plus <= 0.0:
        return float(m * n)
    rho = 1.0 - (within - acov.mean(axis=0)) / var_plus
    rho[0] = 1.0
    total, previous, t = 0.0, np.inf, 0
    while t + 1 < n:
        pair = rho[t] + rho[t + 1]
        if pair < 0.0:
            break
        pair = min(pair, previous)
        previous = pair
        total += pair
        t += 2
    tau = max(-1.0 + 2.0 * total, 1.0 / np.log10(m * n))
    return float(m * n / tau)
