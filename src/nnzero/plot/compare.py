"""Several training runs side by side: curves against epochs, updates and
seconds, and a table of what each run reached and what an epoch cost."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from nnzero._validation import check_int
from nnzero.errors import InvalidArgumentError, InvalidTypeError
from nnzero.plot._base import class_color, new_figure

__all__ = ["compare", "comparison_table"]


class _Run:
    """One run's per-epoch series and the x values of its three axes."""

    def __init__(self, logs: Mapping, label: str, updates_per_epoch: int | None, batches=None):
        self.label = label
        self.series = {}
        for key, values in logs.items():
            if not isinstance(key, str):
                continue
            try:
                arr = np.asarray(values, dtype=np.float64).reshape(-1)
            except (TypeError, ValueError):
                continue  # a non-numeric entry (none is drawn)
            self.series[key] = arr
        self.n_epochs = len(self.series.get("loss", ()))
        if self.n_epochs == 0:
            raise InvalidArgumentError(
                f"The history of {label!r} has no per-epoch 'loss': no epoch was recorded."
            )
        self.epochs = np.arange(1, self.n_epochs + 1, dtype=np.float64)
        self.updates_per_epoch = updates_per_epoch
        self.updates = None if updates_per_epoch is None else self.epochs * updates_per_epoch
        times = self.series.get("epoch_time")
        self.seconds = None if times is None or len(times) != self.n_epochs else np.cumsum(times)
        # Per-batch records (fit's log_every), when the history keeps them.
        self.batches = _batch_records(batches if batches is not None else logs.get("batches"))

    def x(self, axis: str):
        return {"epoch": self.epochs, "update": self.updates, "second": self.seconds}[axis]

    def last(self, key: str):
        values = self.series.get(key)
        return None if values is None or values.size == 0 else float(values[-1])

    def best(self, key: str):
        values = self.series.get(key)
        if values is None or not np.isfinite(values).any():
            return None
        return float(np.nanmin(values) if "loss" in key else np.nanmax(values))


def _batch_records(batches):
    """``(updates, losses)`` from a history's per-batch log, or None."""
    if not isinstance(batches, Mapping) or "update" not in batches or "loss" not in batches:
        return None
    update = np.asarray(batches["update"], dtype=np.float64).reshape(-1)
    loss = np.asarray(batches["loss"], dtype=np.float64).reshape(-1)
    if update.size == 0 or update.size != loss.size:
        return None
    return update, loss


def _runs(histories, labels, updates_per_epoch) -> list[_Run]:
    if isinstance(histories, (Mapping, str, bytes)) or not isinstance(histories, Sequence):
        raise InvalidTypeError(
            "`histories` must be a list of Histories (or their .history dicts). "
            f"Received: an object of type {type(histories).__name__}"
        )
    if not histories:
        raise InvalidArgumentError("`histories` is empty; pass at least one run to compare.")
    if labels is None:
        labels = [f"run {i + 1}" for i in range(len(histories))]
    if isinstance(labels, (str, bytes)) or not isinstance(labels, Sequence):
        raise InvalidTypeError(f"`labels` must be a list of names. Received: {labels!r}")
    if len(labels) != len(histories):
        raise InvalidArgumentError(
            f"`labels` must name every history: {len(histories)} histories, "
            f"{len(labels)} labels."
        )
    if updates_per_epoch is None or isinstance(updates_per_epoch, int):
        updates_per_epoch = [updates_per_epoch] * len(histories)
    if isinstance(updates_per_epoch, (str, bytes)) or not isinstance(updates_per_epoch, Sequence):
        raise InvalidTypeError(
            "`updates_per_epoch` must be an int or a list of one int per history. "
            f"Received: {updates_per_epoch!r}"
        )
    if len(updates_per_epoch) != len(histories):
        raise InvalidArgumentError(
            f"`updates_per_epoch` has {len(updates_per_epoch)} entries for "
            f"{len(histories)} histories."
        )
    runs = []
    for i, (h, label, per_epoch) in enumerate(
        zip(histories, labels, updates_per_epoch, strict=True)
    ):
        logs = getattr(h, "history", h)
        if not isinstance(logs, Mapping):
            raise InvalidTypeError(
                f"`histories[{i}]` must be a History or its .history dict. "
                f"Received: an object of type {type(h).__name__}"
            )
        if per_epoch is not None:
            per_epoch = check_int(per_epoch, f"updates_per_epoch[{i}]", low=1)
        runs.append(_Run(logs, str(label), per_epoch, getattr(h, "batches", None)))
    return runs


def comparison_table(histories, labels=None, updates_per_epoch=None) -> list[dict]:
    """One row per run: epochs, final and best validation accuracy (or
    training accuracy when there is no validation), last loss, seconds per
    epoch and updates per epoch.

    Parameters
    ----------
    histories, labels, updates_per_epoch
        As for :func:`compare`.

    Returns
    -------
    list of dict
        Keys ``label``, ``epochs``, ``accuracy_key``, ``final_accuracy``,
        ``best_accuracy``, ``final_loss``, ``seconds_per_epoch``,
        ``updates_per_epoch`` (``None`` where unknown).

    Example
    -------
    >>> from nnzero import plot
    >>> rows = plot.comparison_table(
    ...     [{"loss": [0.9, 0.5], "val_accuracy": [0.7, 0.8], "epoch_time": [1.0, 3.0]}],
    ...     ["sgd"], updates_per_epoch=10)
    >>> rows[0]["best_accuracy"], rows[0]["seconds_per_epoch"], rows[0]["updates_per_epoch"]
    (0.8, 2.0, 10)
    """
    rows = []
    for run in _runs(histories, labels, updates_per_epoch):
        key = "val_accuracy" if "val_accuracy" in run.series else "accuracy"
        times = run.series.get("epoch_time")
        rows.append({
            "label": run.label,
            "epochs": run.n_epochs,
            "accuracy_key": key if key in run.series else None,
            "final_accuracy": run.last(key),
            "best_accuracy": run.best(key),
            "final_loss": run.last("val_loss" if "val_loss" in run.series else "loss"),
            "seconds_per_epoch": None if times is None or times.size == 0
            else float(np.mean(times)),
            "updates_per_epoch": run.updates_per_epoch,
        })  # fmt: skip
    return rows


def compare(histories, labels=None, updates_per_epoch=None, metrics=("loss", "accuracy")):
    """Loss and accuracy of several runs against epochs, updates and seconds.

    The three columns answer three questions: which run learns most per pass
    over the data (epochs), per optimizer step (updates), and per second of
    computing (seconds). Batch, mini-batch and stochastic descent rank
    differently on each, which is the point of drawing all three. Training
    curves are solid, validation curves dashed, one colour per run; below
    them a table gives each run's final and best validation accuracy and
    its time per epoch. A history that kept per-batch losses (``fit(...,
    log_every=N)``, or a ``"batches"`` entry in a history dict) is drawn per
    batch, thin, on the loss-against-updates panel.

    Parameters
    ----------
    histories : list of History or dict
        What ``Sequential.fit`` returns, or its ``.history`` dicts.
    labels : list of str, optional
        One name per run (default ``run 1``, ``run 2``...).
    updates_per_epoch : int or list of int, optional
        Optimizer steps in one epoch of each run (``ceil(n_train /
        batch_size)``); without it the updates column is left out.
    metrics : sequence of str, default ("loss", "accuracy")
        One row of panels per name that some history holds.

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> import nnzero as nz
    >>> from nnzero import plot
    >>> x, y = nz.datasets.make_moons(200, seed=0)
    >>> runs = []
    >>> for batch in (200, 20):
    ...     model = nz.Sequential([nz.layers.Dense(8, activation="tanh"),
    ...                            nz.layers.Dense(2, activation="softmax")], seed=0)
    ...     model.compile(optimizer=nz.optimizers.SGD(0.5),
    ...                   loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    ...     runs.append(model.fit(x, y, epochs=5, batch_size=batch,
    ...                           validation_split=0.2, verbose=0))
    >>> fig = plot.compare(runs, ["batch", "mini-batch 20"], updates_per_epoch=[1, 8])
    >>> [ax.get_title() for ax in fig.axes[:3]]
    ['loss against epochs', 'loss against updates', 'loss against seconds']
    >>> plot.close(fig)
    """
    runs = _runs(histories, labels, updates_per_epoch)
    if isinstance(metrics, str):
        metrics = (metrics,)
    if not isinstance(metrics, (list, tuple)) or not all(isinstance(m, str) for m in metrics):
        raise InvalidTypeError(f"`metrics` must be a list of names. Received: {metrics!r}")
    shown = [m for m in metrics if any(m in r.series or f"val_{m}" in r.series for r in runs)]
    if not shown:
        raise InvalidArgumentError(
            f"No history holds any of the metrics {list(metrics)}."
        )
    axes_x = ["epoch"]
    if any(r.updates is not None for r in runs):
        axes_x.append("update")
    if any(r.seconds is not None for r in runs):
        axes_x.append("second")

    table_rows = comparison_table(histories, [r.label for r in runs],
                                  [r.updates_per_epoch for r in runs])
    table_height = 0.35 + 0.25 * len(runs)
    fig = new_figure(4.0 * len(axes_x), 3.0 * len(shown) + table_height)
    grid = fig.add_gridspec(len(shown) + 1, len(axes_x),
                            height_ratios=[3.0] * len(shown) + [table_height])
    for row, metric in enumerate(shown):
        for col, axis in enumerate(axes_x):
            ax = fig.add_subplot(grid[row, col])
            _panel(ax, runs, metric, axis)
            if row == 0 and col == 0:
                ax.legend(fontsize="x-small")
    _table(fig.add_subplot(grid[len(shown), :]), table_rows)
    fig.suptitle("solid: training · dashed: validation", fontsize="small")
    return fig


def _panel(ax, runs, metric, axis) -> None:
    for i, run in enumerate(runs):
        color = class_color(i + 1)  # blue first: red is kept for the first class elsewhere
        x = run.x(axis)
        if x is None:
            continue
        if metric == "loss" and axis == "update" and run.batches is not None:
            ax.plot(run.batches[0], run.batches[1], color=color, alpha=0.3, linewidth=0.6)
        marker = "o" if run.n_epochs <= 20 else None
        for key, style in ((metric, "-"), (f"val_{metric}", "--")):
            values = run.series.get(key)
            if values is None or values.size != x.size:
                continue
            label = run.label if key == metric or metric not in run.series else None
            ax.plot(x, values, style, color=color, marker=marker, markersize=3, label=label)
    ax.set_title(f"{metric} against {axis}s", fontsize="medium")
    ax.set_xlabel(f"{axis}s" if axis != "second" else "seconds of training")
    ax.set_ylabel(metric)
    if axis == "update" and _spread(runs) > 50:
        ax.set_xscale("log")  # one full-batch step against thousands of single-sample ones
    ax.grid(alpha=0.3)
    ax.tick_params(labelsize="x-small")


def _spread(runs) -> float:
    per_epoch = [r.updates_per_epoch for r in runs if r.updates_per_epoch]
    return max(per_epoch) / min(per_epoch) if per_epoch else 1.0


def _fmt(value, spec) -> str:
    return "–" if value is None or not math.isfinite(value) else format(value, spec)


def _table(ax, rows) -> None:
    ax.set_axis_off()
    header = ["run", "epochs", "final acc.", "best acc.", "s / epoch", "updates / epoch"]
    cells = [[r["label"], str(r["epochs"]), _fmt(r["final_accuracy"], ".4f"),
              _fmt(r["best_accuracy"], ".4f"), _fmt(r["seconds_per_epoch"], ".3g"),
              "–" if r["updates_per_epoch"] is None else str(r["updates_per_epoch"])]
             for r in rows]
    table = ax.table(cellText=cells, colLabels=header, loc="center", cellLoc="center")
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    keys = {r["accuracy_key"] for r in rows if r["accuracy_key"]}
    what = ("validation accuracy" if keys == {"val_accuracy"}
            else "accuracy (validation where held out)")
    ax.set_title(f"acc.: {what}", fontsize="small", loc="left")
