"""Figures for an estimate: what the data say about N, and how the lists overlap.

One PNG with two panels. Left: the relative profile likelihood of N (for a
single log-linear model), the posterior of N (when the method returned
draws), or else the log-normal the interval was built from; the estimate and
the interval are marked. Right: an UpSet plot of the capture patterns, the
overlaps every estimate rests on. Matplotlib runs headless (Agg).
"""

from __future__ import annotations

import io
import math
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy.stats import norm

from gawah.core import open_private
from gawah.errors import UserInputError
from gawah.estimate.captures import CaptureHistories
from gawah.estimate.result import MSEResult

__all__ = ["plot_estimate"]


def _curve(
    captures: CaptureHistories, result: MSEResult
) -> tuple[np.ndarray, np.ndarray, str]:
    """x, y and a y-axis label for the left panel."""
    assert result.estimate is not None
    if result.draws is not None and result.draws.size > 1:
        hist, edges = np.histogram(result.draws, bins=60, density=True)
        return 0.5 * (edges[:-1] + edges[1:]), hist, "posterior density of N"
    if result.method == "loglinear" and "rcapture_model" in result.diagnostics:
        from gawah.estimate.loglinear import profile_curve

        grid, loglik = profile_curve(captures, result)
        return grid, np.exp(loglik - loglik.max()), "relative profile likelihood"
    n = result.n_observed
    lower = result.lower if result.lower is not None else result.estimate
    upper = result.upper if result.upper is not None else result.estimate
    unseen_lo = max(lower - n, 1e-9)
    unseen_hi = max(upper - n, unseen_lo * 1.0001)
    z = float(norm.ppf(0.5 + result.level / 2))
    mu = 0.5 * (math.log(unseen_lo) + math.log(unseen_hi))
    sd = (math.log(unseen_hi) - math.log(unseen_lo)) / (2 * z)
    grid = n + np.exp(np.linspace(mu - 4 * sd, mu + 4 * sd, 200))
    dens = norm.pdf(np.log(grid - n), mu, sd) / (grid - n)
    return grid, dens / dens.max(), "relative density (log-normal interval)"


def _upset_series(captures: CaptureHistories) -> pd.Series:
    index = pd.MultiIndex.from_arrays(
        [captures.patterns[:, j].astype(bool) for j in range(captures.n_lists)],
        names=list(captures.lists),
    )
    return pd.Series(captures.counts.astype(int), index=index)


def _upset_image(captures: CaptureHistories) -> np.ndarray:
    """Render the UpSet plot on its own figure and return it as an RGBA image."""
    import upsetplot

    up_fig = plt.figure(figsize=(9, 6))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        upsetplot.UpSet(_upset_series(captures), sort_by="cardinality").plot(fig=up_fig)
        buffer = io.BytesIO()
        up_fig.savefig(buffer, format="png", dpi=100)
    plt.close(up_fig)
    buffer.seek(0)
    return np.asarray(plt.imread(buffer, format="png"))


def plot_estimate(
    captures: CaptureHistories, result: MSEResult, path: str | Path
) -> Path:
    """Write the two-panel figure to ``path`` (PNG) and return the path."""
    path = Path(path)
    fig, (ax, ax_up) = plt.subplots(
        1, 2, figsize=(15, 6), gridspec_kw={"width_ratios": [1, 1.4]}
    )
    if result.estimate is None:
        ax.text(
            0.5,
            0.5,
            f"No estimate:\n{result.reason}",
            ha="center",
            va="center",
            wrap=True,
        )
        ax.set_axis_off()
    else:
        x, y, label = _curve(captures, result)
        ax.plot(x, y, color="black")
        ax.axvline(
            result.estimate, color="tab:red", label=f"estimate {result.estimate:,.0f}"
        )
        if result.lower is not None and result.upper is not None:
            ax.axvspan(
                result.lower,
                result.upper,
                color="tab:red",
                alpha=0.15,
                label=f"{result.level:.0%} interval {result.lower:,.0f}-{result.upper:,.0f}",
            )
        ax.axvline(
            result.n_observed, color="grey", linestyle=":", label="seen on a list"
        )
        ax.set_xlabel("total number of people N")
        ax.set_ylabel(label)
        ax.legend(loc="upper right", fontsize=8)
    ax.set_title(
        f"{result.method}" + (f": {result.model}" if result.model else ""), fontsize=9
    )
    ax_up.imshow(_upset_image(captures))
    ax_up.set_axis_off()
    ax_up.set_title("people per combination of lists", fontsize=9)
    try:
        # Written to the path as given (matplotlib would add ".png" to a name
        # without a suffix, even to a folder's), and private like every file
        # gawah writes.
        with open_private(path, "wb") as fh, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fig.savefig(fh, format="png", dpi=100)
    except OSError as exc:
        raise UserInputError(
            f"cannot write the figure to {path}: {exc.strerror or exc}"
        ) from None
    finally:
        plt.close(fig)
    return path
