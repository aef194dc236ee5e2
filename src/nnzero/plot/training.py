"""Training curves and the confusion matrix."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from nnzero.errors import InvalidArgumentError, InvalidTypeError
from nnzero.plot._base import (
    as_labels,
    check_class_names,
    check_same_kind,
    label_text,
    new_figure,
)

__all__ = ["confusion_matrix", "history"]

# Quantities where lower is better; the best validation epoch is their minimum.
_LOWER_IS_BETTER = ("loss", "mse", "mae", "error")


def history(history, metrics=("loss", "accuracy")):
    """Per-epoch curves of training and validation metrics, one panel each.

    Parameters
    ----------
    history : History or dict
        What ``Sequential.fit`` returns, or its ``.history`` dict mapping
        names (``loss``, ``val_loss``, ...) to per-epoch lists.
    metrics : str or sequence of str, default ("loss", "accuracy")
        Names to plot; ``val_<name>`` is drawn beside ``<name>`` when
        present. Names the history lacks are skipped (a regression run has
        no accuracy), but at least one must be there.

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> from nnzero import plot
    >>> logs = {"loss": [0.9, 0.5, 0.4], "val_loss": [1.0, 0.7, 0.6],
    ...         "accuracy": [0.6, 0.8, 0.9], "val_accuracy": [0.5, 0.7, 0.8]}
    >>> fig = plot.history(logs)
    >>> [ax.get_title() for ax in fig.axes]
    ['loss', 'accuracy']
    >>> plot.close(fig)
    """
    logs = getattr(history, "history", history)
    if not isinstance(logs, Mapping):
        raise InvalidTypeError(
            "`history` must be a History (returned by fit) or its .history dict. "
            f"Received: an object of type {type(history).__name__}"
        )
    if isinstance(metrics, str):
        metrics = (metrics,)
    if not isinstance(metrics, (list, tuple)) or not all(isinstance(m, str) for m in metrics):
        raise InvalidTypeError(f"`metrics` must be a list of names. Received: {metrics!r}")
    shown = [m for m in metrics if m in logs or f"val_{m}" in logs]
    if not shown:
        raise InvalidArgumentError(
            f"The history has none of the metrics {list(metrics)}. "
            f"It has: {', '.join(sorted(logs)) or 'nothing (no epoch was run)'}."
        )
    series = {}
    for m in shown:
        for key in (m, f"val_{m}"):
            if key in logs:
                values = np.asarray(logs[key], dtype=np.float64).reshape(-1)
                if values.size == 0:
                    raise InvalidArgumentError(
                        f"history[{key!r}] is empty: no epoch was recorded."
                    )
                series[key] = values

    fig = new_figure(4.2 * len(shown), 3.4)
    axes = fig.subplots(1, len(shown), squeeze=False)[0]
    for ax, m in zip(axes, shown, strict=True):
        for key, label, color in ((m, "train", "#1f77b4"), (f"val_{m}", "validation", "#ff7f0e")):
            if key not in series:
                continue
            values = series[key]
            epochs = np.arange(1, values.size + 1)
            # Markers keep a run of one or a few epochs visible as points.
            marker = "o" if values.size <= 20 else None
            ax.plot(epochs, values, label=label, color=color, marker=marker, markersize=3)
        val = series.get(f"val_{m}")
        if val is not None and np.isfinite(val).any():
            lower = any(word in m for word in _LOWER_IS_BETTER)
            best = int(np.nanargmin(val) if lower else np.nanargmax(val))
            ax.scatter(
                [best + 1], [val[best]], s=40, facecolors="none", edgecolors="k", zorder=3,
                label=f"best validation (epoch {best + 1})",
            )
        ax.set_title(m)
        ax.set_xlabel("epoch")
        ax.set_ylabel(m)
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
        # Whole epochs only on the x axis.
        ax.xaxis.get_major_locator().set_params(integer=True)
    return fig


def confusion_matrix(y_true, y_pred, class_names=None, normalize=False):
    """A heat map of true classes (rows) against predicted classes (columns).

    Parameters
    ----------
    y_true, y_pred : array-like, shape (n_samples,) or (n_samples, n_classes)
        Labels, or rows of scores/one-hot vectors (their argmax is used).
    class_names : list of str, optional
        Names of classes ``0, 1, ...``; then labels must be those indices.
    normalize : bool or {"true", "pred", "all"}, default False
        ``True``/``"true"`` shows each row as fractions of the true class
        (per-class recall on the diagonal), ``"pred"`` each column as
        fractions of the predicted class (precision), ``"all"`` fractions of
        every sample; ``False`` shows counts.

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> from nnzero import plot
    >>> fig = plot.confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2],
    ...                             class_names=["cat", "dog", "fox"])
    >>> fig.axes[0].get_xlabel()
    'predicted'
    >>> plot.close(fig)
    """
    truth = as_labels(y_true, "y_true")
    pred = as_labels(y_pred, "y_pred", n=len(truth))
    modes = {False: None, True: "true", "true": "true", "pred": "pred", "all": "all"}
    if isinstance(normalize, (bool, np.bool_)):  # NumPy's booleans too, as check_bool
        mode = modes[bool(normalize)]
    elif isinstance(normalize, str) and normalize in modes:
        mode = modes[normalize]
    else:
        raise InvalidArgumentError(
            "`normalize` must be False, True, 'true', 'pred' or 'all'. "
            f"Received: normalize={normalize!r}"
        )
    names = check_class_names(class_names)
    if names is not None:
        labels = np.arange(len(names))
        for arg, values in (("y_true", truth), ("y_pred", pred)):
            if values.dtype.kind not in "iu" or values.min() < 0 or values.max() >= len(names):
                raise InvalidArgumentError(
                    f"With {len(names)} class_names, `{arg}` must hold class indices "
                    f"0..{len(names) - 1}. Received values: {np.unique(values)[:10].tolist()}"
                )
    else:
        check_same_kind(truth, pred, "y_true", "y_pred")
        labels = np.union1d(truth, pred)
        names = [label_text(v, None) for v in labels]
    counts = _count(truth, pred, labels)
    with np.errstate(invalid="ignore", divide="ignore"):
        if mode == "true":
            shown = counts / counts.sum(axis=1, keepdims=True)
        elif mode == "pred":
            shown = counts / counts.sum(axis=0, keepdims=True)
        elif mode == "all":
            shown = counts / counts.sum()
        else:
            shown = counts.astype(np.float64)
    shown = np.nan_to_num(shown)  # a class never seen has an empty row, not NaN

    k = len(labels)
    side = min(max(3.6, 0.5 * k + 2.0), 14.0)
    fig = new_figure(side + 0.8, side)
    ax = fig.add_subplot()
    image = ax.imshow(shown, cmap="Blues", vmin=0, vmax=1 if mode else None)
    fig.colorbar(image, ax=ax, shrink=0.8)
    long_names = max(map(len, names)) > 3
    ax.set_xticks(range(k), names, rotation=45 if long_names else 0,
                  ha="right" if long_names else "center")
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    accuracy = np.trace(counts) / max(counts.sum(), 1)
    ax.set_title(f"Confusion matrix (accuracy {accuracy:.3f})")
    if k <= 20:  # beyond that the numbers no longer fit in their cells
        threshold = shown.max() / 2 if shown.max() > 0 else 1
        for i in range(k):
            for j in range(k):
                text = f"{shown[i, j]:.2f}" if mode else str(int(counts[i, j]))
                color = "white" if shown[i, j] > threshold else "black"
                ax.text(j, i, text, ha="center", va="center", fontsize="small", color=color)
    return fig


def _count(truth, pred, labels) -> np.ndarray:
    """Counts[i, j]: samples of class labels[i] predicted as labels[j]."""
    rows = np.searchsorted(labels, truth)  # labels are sorted and hold every value
    cols = np.searchsorted(labels, pred)
    counts = np.zeros((len(labels), len(labels)), dtype=np.int64)
    np.add.at(counts, (rows, cols), 1)
    return counts
