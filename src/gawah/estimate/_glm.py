"""Poisson log-linear fits by IRLS, many models at once, following R's ``glm.fit``.

Rcapture decides which models are usable from the warnings of R's ``glm``
(non-convergence in 25 iterations, fitted rates numerically 0) and from an
asymptotic-bias check. To choose the same model we must fail in the same
places, so this solver copies ``glm.fit``'s choices: start at ``y + 0.1``,
the relative-deviance stopping rule with ``epsilon = 1e-8``, at most 25
iterations, and the covariance of the last weighted least-squares step.

Models are column subsets (masks) of one full design matrix; a batch of
models is solved together with masked normal equations, which is what makes
6,893 models at five lists take about a second instead of minutes.
"""

from __future__ import annotations

import math
import os
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from importlib import import_module
from typing import cast

import numpy as np

__all__ = [
    "BatchFit",
    "fit_poisson",
    "fit_poisson_batch",
    "poisson_deviance",
    "single_blas_thread",
]

_EPS = 1e-8
_MAXIT = 25
_ZERO_RATE = 10 * np.finfo(float).eps
_CHUNK = 2048


@dataclass(frozen=True)
class BatchFit:
    """Fits of B models on C cells with P candidate columns."""

    beta: np.ndarray  # B x P (0 where the column is not in the model)
    cov: np.ndarray  # B x P x P
    mu: np.ndarray  # B x C
    deviance: np.ndarray  # B
    converged: np.ndarray  # B bool
    zero_rates: np.ndarray  # B bool, R's "fitted rates numerically 0 occurred"
    finite: np.ndarray  # B bool, the fit produced finite numbers
    rank: np.ndarray  # B int

    def loglik(self, y: np.ndarray) -> np.ndarray:
        """Poisson log-likelihood including the ``-log y!`` term (R's ``dpois``)."""
        mu = np.where(self.mu > 0, self.mu, np.finfo(float).tiny)
        with np.errstate(all="ignore"):
            return np.asarray(
                (y * np.log(mu) - self.mu - _log_factorial(y)).sum(axis=1)
            )

    def aic(self, y: np.ndarray) -> np.ndarray:
        """AIC as R's Poisson ``glm`` reports it."""
        return -2.0 * self.loglik(y) + 2.0 * self.rank

    def bias(self, design: np.ndarray, masks: np.ndarray) -> np.ndarray:
        """Rcapture's asymptotic bias of ``exp(intercept)`` (Louis-Paul Rivest)."""
        with np.errstate(all="ignore"):
            return self._bias(design, masks)

    def _bias(self, design: np.ndarray, masks: np.ndarray) -> np.ndarray:
        xm = design[None, :, :] * masks[:, None, :]
        quad = np.einsum("bcp,bpq,bcq->bc", xm, self.cov, xm)
        xi = -0.5 * quad
        psi = -2.0 * np.einsum("bcp,bc->bp", xm, self.mu * xi)
        psi[:, 0] -= 1.0
        vec1 = -np.einsum("bpq,bq->bp", self.cov, psi)
        return np.asarray(0.5 * np.exp(self.beta[:, 0]) * vec1[:, 0])


def _log_factorial(y: np.ndarray) -> np.ndarray:
    """``log(y!)`` elementwise with :func:`math.lgamma`.

    Not ``scipy.special.gammaln``: importing scipy.special costs ~0.4 s of CPU,
    and ``gawah estimate FILE --method chao`` should not pay it for one vector.
    """
    flat = [math.lgamma(float(v) + 1.0) for v in np.ravel(y)]
    return np.asarray(flat, dtype=float).reshape(np.shape(y))


def poisson_deviance(y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Sum over the last axis of R's Poisson deviance residuals."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        term = np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0) / mu), 0.0)
        return np.asarray(2.0 * (term - (y - mu)).sum(axis=-1))


def _solve(a: np.ndarray, rhs: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Batched solve; singular systems give NaN and are marked not ok."""
    try:
        return np.asarray(np.linalg.solve(a, rhs[:, :, None])[:, :, 0])
    except np.linalg.LinAlgError:
        out = np.full_like(rhs, np.nan)
        for b in range(a.shape[0]):
            try:
                out[b] = np.linalg.solve(a[b], rhs[b])
            except np.linalg.LinAlgError:
                ok[b] = False
        return out


def _inverse(a: np.ndarray) -> np.ndarray:
    """Batched inverse; singular matrices give NaN."""
    try:
        return np.asarray(np.linalg.inv(a))
    except np.linalg.LinAlgError:
        out = np.full_like(a, np.nan)
        for b in range(a.shape[0]):
            try:
                out[b] = np.linalg.inv(a[b])
            except np.linalg.LinAlgError:
                continue
        return out


def _irls_group(
    design: np.ndarray, y: np.ndarray, cols: np.ndarray, maxit: int
) -> tuple[np.ndarray, ...]:
    """IRLS for B models that each use ``r`` columns (``cols``: B x r indices)."""
    b, _ = cols.shape
    c = design.shape[0]
    xg = np.transpose(design[:, cols], (1, 0, 2))  # B x C x r
    xgt = np.transpose(xg, (0, 2, 1))  # B x r x C
    mu = np.broadcast_to(y + 0.1, (b, c)).copy()
    eta = np.log(mu)
    devold = poisson_deviance(y, mu)
    beta = np.zeros(cols.shape)
    amat = np.broadcast_to(np.eye(cols.shape[1]), (b, *cols.shape[1:] * 2)).copy()
    converged = np.zeros(b, dtype=bool)
    finite = np.ones(b, dtype=bool)
    active = np.arange(b)
    for _ in range(maxit):
        if active.size == 0:
            break
        w = mu[active]
        z = eta[active] + (y - w) / w
        xw = xgt[active] * w[:, None, :]
        a = xw @ xg[active]
        ok = np.all(np.isfinite(a), axis=(1, 2)) & np.all(
            np.einsum("bii->bi", a) > 0, axis=1
        )
        if not ok.all():
            # a column whose cells all have weight 0 (fitted rates underflowed)
            a[~ok] = np.eye(a.shape[1])
        new_beta = _solve(a, np.einsum("arc,ac->ar", xw, z), ok)
        new_eta = np.einsum("acr,ar->ac", xg[active], new_beta)
        new_mu = np.exp(new_eta)
        dev = poisson_deviance(y, new_mu)
        good = ok & np.isfinite(dev) & np.all(np.isfinite(new_mu), axis=1)
        beta[active] = new_beta
        amat[active] = a
        eta[active] = new_eta
        mu[active] = new_mu
        finite[active[~good]] = False
        done = good & (np.abs(dev - devold[active]) / (np.abs(dev) + 0.1) < _EPS)
        converged[active[done]] = True
        devold[active] = dev
        active = active[good & ~done]
    return beta, _inverse(amat), mu, converged & finite, finite


def fit_poisson_batch(
    design: np.ndarray, y: np.ndarray, masks: np.ndarray, maxit: int = _MAXIT
) -> BatchFit:
    """Fit every model (row of ``masks``) to counts ``y`` with design ``design``.

    Models are grouped by their number of columns so each group solves only
    its own r x r systems.
    """
    design = np.asarray(design, dtype=float)
    y = np.asarray(y, dtype=float)
    masks = np.asarray(masks, dtype=bool)
    nb, p = masks.shape
    c = design.shape[0]
    beta = np.zeros((nb, p))
    cov = np.zeros((nb, p, p))
    mu = np.zeros((nb, c))
    converged = np.zeros(nb, dtype=bool)
    finite = np.zeros(nb, dtype=bool)
    ranks = masks.sum(axis=1)
    with np.errstate(all="ignore"):
        for r in sorted(set(ranks.tolist())):  # np.unique imports numpy.ma
            members = np.flatnonzero(ranks == r)
            for start in range(0, members.size, _CHUNK):
                idx = members[start : start + _CHUNK]
                cols = np.nonzero(masks[idx])[1].reshape(idx.size, int(r))
                g_beta, g_cov, g_mu, g_conv, g_fin = _irls_group(design, y, cols, maxit)
                beta[idx[:, None], cols] = g_beta
                cov[idx[:, None, None], cols[:, :, None], cols[:, None, :]] = g_cov
                mu[idx] = g_mu
                converged[idx] = g_conv
                finite[idx] = g_fin
        deviance = poisson_deviance(y, mu)
    return BatchFit(
        beta=beta,
        cov=cov,
        mu=mu,
        deviance=deviance,
        converged=converged,
        zero_rates=np.any(mu < _ZERO_RATE, axis=1),
        finite=finite,
        rank=ranks.astype(np.int64),
    )


def single_blas_thread() -> AbstractContextManager[object]:
    """Limit BLAS to one thread while fitting (a no-op without threadpoolctl).

    These small and tall products run slower threaded, much slower on a busy
    machine (measured 1.7x on the 6-list search and 5x on stepwise).
    """
    if _openblas_started_single():
        return nullcontext()  # threadpoolctl inspects every loaded library: 0.01 s
    try:
        limits = import_module("threadpoolctl").threadpool_limits
    except ImportError:  # optional: only a speed-up
        return nullcontext()
    return cast(AbstractContextManager[object], limits(limits=1, user_api="blas"))


def _openblas_started_single() -> bool:
    """numpy's BLAS is OpenBLAS and was told to use one thread when it loaded.

    The ``gawah`` program sets ``OPENBLAS_NUM_THREADS=1`` for ``gawah estimate``
    before numpy loads (gawah.__main__). OpenBLAS reads it only then: a value set
    later in a running process would be taken here for the truth, which costs
    speed (threads on these small products), never correctness.
    """
    if os.environ.get("OPENBLAS_NUM_THREADS") != "1":
        return False
    config = getattr(np, "__config__", None)
    blas = getattr(config, "CONFIG", {}).get("Build Dependencies", {}).get("blas", {})
    return "openblas" in str(blas.get("name", "")).lower()


def fit_poisson(design: np.ndarray, y: np.ndarray, maxit: int = _MAXIT) -> BatchFit:
    """One model using every column of ``design`` (a batch of one)."""
    design = np.asarray(design, dtype=float)
    return fit_poisson_batch(
        design, y, np.ones((1, design.shape[1]), dtype=bool), maxit
    )
