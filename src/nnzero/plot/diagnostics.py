"""Figures of the engine's own measurements: the learning-rate range test."""

from __future__ import annotations

import numpy as np

from nnzero.errors import InvalidArgumentError, InvalidTypeError
from nnzero.plot._base import new_figure

__all__ = ["lr_find"]


def lr_find(result):
    """The loss against the learning rate of a range test, with its suggestion.

    Parameters
    ----------
    result : LRFinderResult
        What :func:`nnzero.lr_find` returns.

    Returns
    -------
    matplotlib.figure.Figure
        Each batch's loss (thin) and the smoothed loss (thick) on a log
        axis of rates; a dashed line marks the suggested rate and a circle
        the smoothed loss's minimum.

    Example
    -------
    >>> import nnzero as nz
    >>> from nnzero import plot
    >>> x, y = nz.datasets.make_moons(512, seed=0)
    >>> model = nz.Sequential([nz.layers.Dense(16, activation="tanh"),
    ...                        nz.layers.Dense(2, activation="softmax")], seed=0)
    >>> model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    >>> fig = plot.lr_find(nz.lr_find(model, x, y, steps=50))
    >>> fig.axes[0].get_xscale()
    'log'
    >>> plot.close(fig)
    """
    needed = ("learning_rates", "losses", "smoothed", "suggestion", "min_loss_lr")
    if not all(hasattr(result, name) for name in needed):
        raise InvalidTypeError(
            "`result` must be what nnzero.lr_find returns. "
            f"Received: an object of type {type(result).__name__}")
    rates = np.asarray(result.learning_rates, dtype=np.float64)
    losses = np.asarray(result.losses, dtype=np.float64)
    smoothed = np.asarray(result.smoothed, dtype=np.float64)
    if rates.size < 2 or rates.size != smoothed.size or losses.size < rates.size:
        raise InvalidArgumentError(
            "`result` holds too few or mismatched points to draw "
            f"({rates.size} rates, {smoothed.size} smoothed losses).")
    fig = new_figure(6.0, 3.8)
    ax = fig.add_subplot()
    ax.plot(rates, losses[: rates.size], color="#1f77b4", alpha=0.35, linewidth=0.8,
            label="batch loss")
    ax.plot(rates, smoothed, color="#1f77b4", linewidth=2.0, label="smoothed")
    ax.axvline(result.suggestion, color="#d62728", linestyle="--",
               label=f"suggestion {result.suggestion:.2g}")
    best = int(np.argmin(smoothed))
    ax.plot(rates[best], smoothed[best], "o", markersize=8, markerfacecolor="none",
            markeredgecolor="k", label=f"minimum at {rates[best]:.2g}")
    # Past the blow-up the loss dwarfs the curve; keep the interesting part in view.
    finite = smoothed[np.isfinite(smoothed)]
    top = max(float(finite[0]), float(np.median(finite))) * 1.6
    low = float(min(finite.min(), np.nanmin(losses[: rates.size])))
    ax.set_ylim(max(0.0, low - 0.05 * abs(low)) if low >= 0 else low * 1.05, top)
    ax.set_xscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("training loss")
    ax.set_title(f"Learning-rate range test: suggested rate {result.suggestion:.2g}",
                 fontsize="medium")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize="x-small")
    return fig
