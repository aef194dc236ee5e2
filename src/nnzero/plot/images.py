"""Image grids: misclassified samples and first-layer weights."""

from __future__ import annotations

import math

import numpy as np

from nnzero._validation import check_int
from nnzero.errors import InvalidArgumentError, InvalidTypeError
from nnzero.layers import Dense
from nnzero.plot._base import (
    as_labels,
    check_class_names,
    check_image_shape,
    label_text,
    new_figure,
)

__all__ = ["first_layer_weights", "misclassified"]

_CELL_INCHES = 1.5


def _grid(n: int) -> tuple[int, int]:
    """Rows and columns of a near-square grid holding ``n`` cells."""
    cols = max(1, math.ceil(math.sqrt(n)))
    return math.ceil(n / cols), cols


def _as_images(x, image_shape) -> tuple[np.ndarray, tuple[int, int]]:
    """``x`` as an (n, height, width) float array, from rows or images."""
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise InvalidTypeError(f"`x` must be an array of numbers. Received: {err}") from None
    if arr.ndim == 3:
        shape = check_image_shape(image_shape)
        if arr.shape[1:] != shape:
            raise InvalidArgumentError(
                f"`x` holds images of shape {arr.shape[1:]}, but image_shape={shape}."
            )
        return arr, shape
    if arr.ndim != 2:
        raise InvalidArgumentError(
            f"`x` must be (n_samples, height * width) or (n_samples, height, width). "
            f"Received: shape {arr.shape}"
        )
    shape = check_image_shape(image_shape, arr.shape[1])
    return arr.reshape(len(arr), *shape), shape


def misclassified(
    x, y_true, y_pred, image_shape=(28, 28), max_images=25, class_names=None
):
    """A grid of the images the model got wrong, each titled true → predicted.

    Parameters
    ----------
    x : array-like, shape (n_samples, height * width) or (n_samples, height, width)
        The images, e.g. the test set.
    y_true : array-like, shape (n_samples,)
        True labels.
    y_pred : array-like, shape (n_samples,) or (n_samples, n_classes)
        Predicted labels, or the model's probabilities (then each title also
        shows the probability the model gave its wrong answer).
    image_shape : (int, int), default (28, 28)
        Height and width of one image.
    max_images : int, default 25
        At most this many images, the first ones in order.
    class_names : list of str, optional
        Names shown instead of class indices.

    Returns
    -------
    matplotlib.figure.Figure
        With no misclassified image it says so in a small figure.

    Example
    -------
    >>> import numpy as np
    >>> from nnzero import plot
    >>> x = np.random.default_rng(0).random((4, 64))
    >>> fig = plot.misclassified(x, [0, 1, 2, 3], [0, 1, 3, 3], image_shape=(8, 8))
    >>> [ax.get_title() for ax in fig.axes]
    ['true 2 → pred 3']
    >>> plot.close(fig)
    """
    images, _ = _as_images(x, image_shape)
    truth = as_labels(y_true, "y_true", n=len(images))
    scores = np.asarray(y_pred)
    pred = as_labels(y_pred, "y_pred", n=len(images))
    max_images = check_int(max_images, "max_images", low=1)
    names = check_class_names(class_names)
    wrong = np.flatnonzero(truth != pred)
    shown = wrong[:max_images]

    if shown.size == 0:
        fig = new_figure(3.5, 1.2)
        fig.text(0.5, 0.5, f"No misclassified images (of {len(images)}).",
                 ha="center", va="center")
        return fig
    rows, cols = _grid(shown.size)
    fig = new_figure(cols * _CELL_INCHES, rows * _CELL_INCHES + 0.4)
    fig.suptitle(f"{wrong.size} misclassified of {len(images)}"
                 + (f" (first {shown.size} shown)" if wrong.size > shown.size else ""))
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes:
        ax.set_axis_off()
    for ax, i in zip(axes, shown, strict=False):
        ax.imshow(images[i], cmap="gray_r", interpolation="nearest")
        title = f"true {label_text(truth[i], names)} → pred {label_text(pred[i], names)}"
        if scores.ndim == 2 and scores.shape[1] > 1 and scores.dtype.kind == "f":
            title += f"\n(p={scores[i, pred[i]]:.2f})"
        ax.set_title(title, fontsize="small", color="#b2182b")
    return fig


def first_layer_weights(model, image_shape=(28, 28), max_units=64):
    """The first Dense layer's incoming weights, one image per hidden unit.

    Column ``j`` of the kernel holds the weight of every input pixel into
    unit ``j``; drawn as an image it shows the pattern that excites the unit
    (red: positive weight, blue: negative). Each unit has its own symmetric
    colour scale, so faint patterns are as visible as strong ones.

    Parameters
    ----------
    model : Sequential
        A built (trained) model whose first Dense layer reads the images.
    image_shape : (int, int), default (28, 28)
        Height and width of one input image.
    max_units : int, default 64
        At most this many units, the first ones.

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> import numpy as np
    >>> import nnzero as nz
    >>> from nnzero import plot
    >>> model = nz.Sequential([nz.layers.Dense(4), nz.layers.Dense(2)])
    >>> model.build((64,))
    >>> fig = plot.first_layer_weights(model, image_shape=(8, 8))
    >>> len(fig.axes)
    4
    >>> plot.close(fig)
    """
    kernel = _first_kernel(model)
    shape = check_image_shape(image_shape, kernel.shape[0], name="the first Dense layer")
    max_units = check_int(max_units, "max_units", low=1)
    units = min(kernel.shape[1], max_units)
    rows, cols = _grid(units)
    fig = new_figure(cols * 1.1, rows * 1.1 + 0.4)
    title = f"First-layer weights ({units} of {kernel.shape[1]} units)"
    fig.suptitle(title if units < kernel.shape[1] else f"First-layer weights ({units} units)")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes:
        ax.set_axis_off()
    for j, ax in enumerate(axes[:units]):
        w = kernel[:, j].reshape(shape)
        limit = float(np.abs(w).max()) or 1.0
        ax.imshow(w, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
    return fig


def _first_kernel(model) -> np.ndarray:
    layers = getattr(model, "layers", None)
    if not isinstance(layers, (list, tuple)):
        raise InvalidTypeError(
            f"`model` must be an nnzero model with layers. Received: {type(model).__name__}"
        )
    dense = next((layer for layer in layers if isinstance(layer, Dense)), None)
    if dense is None:
        raise InvalidArgumentError("The model has no Dense layer, so there are no weights to show.")
    if not dense.built:
        raise InvalidArgumentError(
            "The model is not built yet, so it has no weights to show; train it "
            "(or call build(input_shape)) first."
        )
    return np.asarray(dense.kernel)
