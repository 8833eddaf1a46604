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

from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln

__all__ = ["BatchFit", "fit_poisson", "fit_poisson_batch", "poisson_deviance"]

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
            return np.asarray((y * np.log(mu) - self.mu - gammaln(y + 1.0)).sum(axis=1))

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


def poisson_deviance(y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Sum over the last axis of R's Poisson deviance residuals."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        term = np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0) / mu), 0.0)
        return np.asarray(2.0 * (term - (y - mu)).sum(axis=-1))


def _solve_masked(
    xw: np.ndarray, x: np.ndarray, rhs: np.ndarray, mm: np.ndarray, off: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Solve masked normal equations; masked columns get an identity block."""
    a = xw @ x * mm + off
    ok = np.ones(a.shape[0], dtype=bool)
    try:
        inv = np.linalg.inv(a)
    except np.linalg.LinAlgError:
        inv = np.empty_like(a)
        for b in range(a.shape[0]):
            try:
                inv[b] = np.linalg.inv(a[b])
            except np.linalg.LinAlgError:
                inv[b] = np.nan
                ok[b] = False
    beta = np.einsum("bpq,bq->bp", inv, rhs)
    return beta, inv, ok


def _irls_chunk(
    design: np.ndarray, y: np.ndarray, masks: np.ndarray, maxit: int
) -> BatchFit:
    b, p = masks.shape
    c = design.shape[0]
    maskf = masks.astype(float)
    mm = maskf[:, :, None] * maskf[:, None, :]
    off = np.zeros((b, p, p))
    idx = np.arange(p)
    off[:, idx, idx] = 1.0 - maskf
    xt = design.T  # P x C

    mu = np.broadcast_to(y + 0.1, (b, c)).copy()
    eta = np.log(mu)
    devold = poisson_deviance(y, mu)
    beta = np.zeros((b, p))
    cov = np.zeros((b, p, p))
    converged = np.zeros(b, dtype=bool)
    finite = np.ones(b, dtype=bool)
    active = np.arange(b)
    for _ in range(maxit):
        if active.size == 0:
            break
        w = mu[active]
        z = eta[active] + (y - w) / w
        xw = xt[None, :, :] * w[:, None, :]  # A x P x C
        rhs = np.einsum("apc,ac->ap", xw, z) * maskf[active]
        new_beta, inv, ok = _solve_masked(xw, design, rhs, mm[active], off[active])
        new_beta *= maskf[active]
        new_eta = new_beta @ xt
        with np.errstate(over="ignore", invalid="ignore"):
            new_mu = np.exp(new_eta)
        dev = poisson_deviance(y, new_mu)
        good = ok & np.isfinite(dev) & np.all(np.isfinite(new_mu), axis=1)
        beta[active] = new_beta
        cov[active] = inv * mm[active]
        eta[active] = new_eta
        mu[active] = new_mu
        finite[active[~good]] = False
        done = good & (np.abs(dev - devold[active]) / (np.abs(dev) + 0.1) < _EPS)
        converged[active[done]] = True
        devold[active] = dev
        active = active[good & ~done]
    deviance = poisson_deviance(y, mu)
    zero_rates = np.any(mu < _ZERO_RATE, axis=1)
    return BatchFit(
        beta=beta,
        cov=cov,
        mu=mu,
        deviance=deviance,
        converged=converged & finite,
        zero_rates=zero_rates,
        finite=finite,
        rank=masks.sum(axis=1).astype(np.int64),
    )


def fit_poisson_batch(
    design: np.ndarray, y: np.ndarray, masks: np.ndarray, maxit: int = _MAXIT
) -> BatchFit:
    """Fit every model (row of ``masks``) to counts ``y`` with design ``design``."""
    design = np.asarray(design, dtype=float)
    y = np.asarray(y, dtype=float)
    masks = np.asarray(masks, dtype=bool)
    with np.errstate(all="ignore"):
        parts = [
            _irls_chunk(design, y, masks[i : i + _CHUNK], maxit)
            for i in range(0, masks.shape[0], _CHUNK)
        ]
    if len(parts) == 1:
        return parts[0]
    return BatchFit(
        *(
            np.concatenate([getattr(part, name) for part in parts])
            for name in BatchFit.__dataclass_fields__
        )
    )


def fit_poisson(design: np.ndarray, y: np.ndarray, maxit: int = _MAXIT) -> BatchFit:
    """One model using every column of ``design`` (a batch of one)."""
    design = np.asarray(design, dtype=float)
    return fit_poisson_batch(
        design, y, np.ones((1, design.shape[1]), dtype=bool), maxit
    )
