"""Figures of the engine's own measurements: the learning-rate range test and
the per-layer statistics recorded while training."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from nnzero.errors import InvalidArgumentError, InvalidTypeError
from nnzero.plot._base import new_figure

__all__ = ["layer_stats", "lr_find"]

_STATS = ("act_mean", "act_std", "saturated", "grad_norm", "update_ratio")


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


def _stats_arrays(stats):
    """``(updates, layer names, {stat: (records, layers) array})`` from a
    LayerStats callback or its ``as_dict()``."""
    if hasattr(stats, "as_dict") and callable(stats.as_dict):
        stats = stats.as_dict()
    if not isinstance(stats, Mapping) or not all(k in stats for k in ("updates", "layers")):
        raise InvalidTypeError(
            "`stats` must be a nnzero.callbacks.LayerStats (or its as_dict()). "
            f"Received: an object of type {type(stats).__name__}")
    updates = np.asarray(stats["updates"], dtype=np.float64).reshape(-1)
    names = [str(n) for n in stats["layers"]]
    if updates.size == 0 or not names:
        raise InvalidArgumentError(
            "`stats` holds no records: train with the LayerStats callback first.")
    arrays = {}
    for key in _STATS:
        if key not in stats:
            raise InvalidArgumentError(f"`stats` has no {key!r}.")
        rows = [[np.nan if v is None else v for v in row] for row in stats[key]]
        arr = np.asarray(rows, dtype=np.float64)
        if arr.shape != (updates.size, len(names)):
            raise InvalidArgumentError(
                f"`stats[{key!r}]` has shape {arr.shape}; expected "
                f"{(updates.size, len(names))} (records, layers).")
        arrays[key] = arr
    return updates, names, arrays


def layer_stats(stats, title=None):
    """How each Dense layer's activations, gradients and updates evolved.

    Four panels against the update number, one colour per layer: the mean
    activation with a band of one standard deviation; the share of
    saturated sigmoid/tanh units or dead ReLUs; the gradient norm
    ``|dL/dW|`` (log scale); and the update-to-weight ratio ``|ΔW| / |W|``
    (log scale; about 1e-3 is the usual healthy size). A first layer whose
    gradient and update ratio sit orders of magnitude below the others is
    barely learning: the vanishing gradient of deep sigmoid networks.

    Parameters
    ----------
    stats : LayerStats, dict, or dict of them
        The callback after training, or its ``as_dict()`` (as a run writes it
        to ``layer_stats.json``); or ``{label: stats}`` for several runs,
        drawn one row each with shared scales, to compare them.
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> import numpy as np
    >>> import nnzero as nz
    >>> from nnzero import plot
    >>> model = nz.Sequential([nz.layers.Dense(4, activation="sigmoid"),
    ...                        nz.layers.Dense(2, activation="softmax")], seed=0)
    >>> model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    >>> stats = nz.callbacks.LayerStats(every=1)
    >>> _ = model.fit(np.ones((8, 3)), [0, 1] * 4, epochs=2, batch_size=4,
    ...               callbacks=[stats], verbose=0)
    >>> fig = plot.layer_stats(stats)
    >>> [ax.get_title().split()[0] for ax in fig.axes]
    ['activation', 'saturated', 'gradient', 'update']
    >>> plot.close(fig)
    """
    single = hasattr(stats, "as_dict") or (isinstance(stats, Mapping) and "updates" in stats)
    if single:
        runs = {None: _stats_arrays(stats)}
    elif isinstance(stats, Mapping) and stats:
        runs = {str(label): _stats_arrays(value) for label, value in stats.items()}
    else:
        raise InvalidTypeError(
            "`stats` must be a nnzero.callbacks.LayerStats, its as_dict(), or a non-empty "
            f"dict of them. Received: an object of type {type(stats).__name__}")
    if single:
        fig = new_figure(10.0, 6.4)
        rows = [fig.subplots(2, 2).ravel()]
    else:
        fig = new_figure(15.0, 3.3 * len(runs) + 0.4)
        grid = fig.subplots(len(runs), 4, squeeze=False, sharey="col")
        rows = list(grid)
    for axes, (label, arrays) in zip(rows, runs.items(), strict=True):
        _stats_row(axes, *arrays, label)
    if title:
        fig.suptitle(title, fontsize="medium")
    return fig


def _stats_row(axes, updates, names, arrays, label) -> None:
    colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
              "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
    x = updates + 1  # updates counted from 1
    marker = "o" if updates.size <= 30 else None
    for j, name in enumerate(names):
        color = colors[j % len(colors)]
        mean, std = arrays["act_mean"][:, j], arrays["act_std"][:, j]
        axes[0].plot(x, mean, color=color, label=name, marker=marker, markersize=3)
        axes[0].fill_between(x, mean - std, mean + std, color=color, alpha=0.15)
        saturated = arrays["saturated"][:, j]
        if np.isfinite(saturated).any():
            axes[1].plot(x, saturated, color=color, label=name, marker=marker, markersize=3)
        for ax, key in ((axes[2], "grad_norm"), (axes[3], "update_ratio")):
            values = arrays[key][:, j]
            positive = np.where(values > 0, values, np.nan)
            ax.plot(x, positive, color=color, label=name, marker=marker, markersize=3)
    titles = ("activation mean ± std", "saturated or dead units", "gradient norm |dL/dW|",
              "update / weight |ΔW| / |W|")
    for ax, text in zip(axes, titles, strict=True):
        ax.set_title(text if label is None else f"{label}: {text}", fontsize="small")
        ax.set_xlabel("update")
        ax.grid(alpha=0.3, which="both")
        ax.tick_params(labelsize="x-small")
    axes[1].set_ylim(-0.03, 1.03)
    if not axes[1].lines:
        axes[1].text(0.5, 0.5, "no sigmoid, tanh or ReLU layer", ha="center", va="center",
                     transform=axes[1].transAxes, fontsize="small")
    for ax in axes[2:]:
        if any(np.isfinite(line.get_ydata()).any() for line in ax.lines):
            ax.set_yscale("log")
    axes[0].legend(fontsize="x-small")
