"""Image grids of the data, and what a hidden layer's units respond to."""

from __future__ import annotations

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

__all__ = ["hidden_units", "samples"]


def _grid(n: int) -> tuple[int, int]:
    cols = max(1, int(np.ceil(np.sqrt(n))))
    return int(np.ceil(n / cols)), cols


def _images(x, image_shape) -> np.ndarray:
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise InvalidTypeError(f"`x` must be an array of numbers. Received: {err}") from None
    if arr.ndim == 3:
        shape = check_image_shape(image_shape)
        if arr.shape[1:] != shape:
            raise InvalidArgumentError(
                f"`x` holds images of shape {arr.shape[1:]}, but image_shape={shape}.")
        return arr
    if arr.ndim != 2 or len(arr) == 0:
        raise InvalidArgumentError(
            "`x` must be (n_samples, height * width) or (n_samples, height, width) with at "
            f"least one sample. Received: shape {arr.shape}")
    shape = check_image_shape(image_shape, arr.shape[1])
    return arr.reshape(len(arr), *shape)


def samples(x, y=None, image_shape=(28, 28), n=25, class_names=None, predicted=None, seed=None):
    """A labelled grid of images, as the tutorials show MNIST digits.

    Parameters
    ----------
    x : array-like, shape (n_samples, height * width) or (n_samples, height, width)
    y : array-like, shape (n_samples,), optional
        Labels shown above each image (one-hot rows are accepted).
    image_shape : (int, int), default (28, 28)
    n : int, default 25
        Images shown: the first ``n``, or ``n`` drawn at random with ``seed``.
    class_names : list of str, optional
        Names shown instead of class indices.
    predicted : array-like, shape (n_samples,), optional
        A model's labels (or probabilities); a wrong one is shown in red
        beside the true label.
    seed : int, optional
        Draw the images at random (without replacement) from this seed.

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> import nnzero as nz
    >>> from nnzero import plot
    >>> (x, y), _ = nz.datasets.load_digits_fallback()
    >>> fig = plot.samples(x, y, image_shape=(8, 8), n=4)
    >>> [ax.get_title() for ax in fig.axes] == [str(label) for label in y[:4]]
    True
    >>> plot.close(fig)
    """
    images = _images(x, image_shape)
    n = check_int(n, "n", low=1)
    labels = None if y is None else as_labels(y, "y", n=len(images))
    guesses = None if predicted is None else as_labels(predicted, "predicted", n=len(images))
    names = check_class_names(class_names)
    if seed is None:
        index = np.arange(min(n, len(images)))
    else:
        seed = check_int(seed, "seed", low=0)
        index = np.sort(np.random.default_rng(seed).choice(len(images), min(n, len(images)),
                                                            replace=False))
    rows, cols = _grid(len(index))
    fig = new_figure(cols * 1.2, rows * 1.3 + 0.1)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes:
        ax.set_axis_off()
    for ax, i in zip(axes, index, strict=False):
        ax.imshow(images[i], cmap="gray_r", interpolation="nearest")
        if labels is None and guesses is None:
            continue
        title, color = "", "k"
        if labels is not None:
            title = label_text(labels[i], names)
        if guesses is not None:
            if labels is None or guesses[i] != labels[i]:
                title += ("" if labels is None else " → ") + label_text(guesses[i], names)
                color = "k" if labels is None else "#b2182b"
        ax.set_title(title, fontsize="small", color=color)
    return fig


def _activations_of(model, x, dense_index: int):
    """Outputs of the ``dense_index``-th Dense layer (0 = first) on ``x``, in
    inference mode (dropout off), and that layer."""
    layers = getattr(model, "layers", None)
    if not isinstance(layers, (list, tuple)):
        raise InvalidTypeError(
            f"`model` must be an nnzero model with layers. Received: {type(model).__name__}")
    if not getattr(model, "built", False):
        raise InvalidArgumentError("The model is not built yet; train it first.")
    dense_positions = [i for i, layer in enumerate(layers) if isinstance(layer, Dense)]
    if dense_index >= len(dense_positions):
        raise InvalidArgumentError(
            f"`layer`={dense_index} but the model has {len(dense_positions)} Dense layers "
            f"(0 is the first).")
    stop = dense_positions[dense_index]
    h = np.asarray(x, dtype=model.dtype).reshape(len(x), -1)
    if h.shape[1:] != tuple(model.input_shape):
        raise InvalidArgumentError(
            f"`x` has samples of {h.shape[1]} values, but the model takes "
            f"{tuple(model.input_shape)}.")
    for layer in layers[: stop + 1]:
        h = layer.forward(h, training=False)
    return h, layers[stop]


def hidden_units(model, x, layer=1, image_shape=(28, 28), max_units=16, top=20):
    """What each unit of a hidden layer responds to: the mean of the ``top``
    input images that drive it hardest.

    A first-layer unit can be read from its weights
    (:func:`first_layer_weights`); a second-layer unit's weights act on
    other units, not on pixels, so it is shown by its inputs instead: for
    each unit the images of ``x`` that give it its largest activations are
    averaged. A unit tuned to one digit shows that digit; a unit tuned to a
    stroke shows the stroke shared by several digits.

    Parameters
    ----------
    model : Sequential
        A trained model on flat images.
    x : array-like, shape (n_samples, height * width)
        Images to search (a few thousand are plenty).
    layer : int, default 1
        Which Dense layer, counting from 0 (1: the second).
    image_shape : (int, int), default (28, 28)
    max_units : int, default 16
        At most this many units, the first ones.
    top : int, default 20
        Images averaged per unit.

    Returns
    -------
    matplotlib.figure.Figure
        One image per unit, titled with its index and mean top activation.

    Example
    -------
    >>> import nnzero as nz
    >>> from nnzero import plot
    >>> (x, y), _ = nz.datasets.load_digits_fallback()
    >>> model = nz.Sequential([nz.layers.Dense(8, activation="relu"),
    ...                        nz.layers.Dense(4, activation="relu"),
    ...                        nz.layers.Dense(10, activation="softmax")], seed=0)
    >>> model.compile("adam", "sparse_categorical_crossentropy")
    >>> _ = model.fit(x, y, epochs=2, verbose=0)
    >>> fig = plot.hidden_units(model, x, layer=1, image_shape=(8, 8), top=5)
    >>> len(fig.axes)
    4
    >>> plot.close(fig)
    """
    layer = check_int(layer, "layer", low=0)
    max_units = check_int(max_units, "max_units", low=1)
    top = check_int(top, "top", low=1)
    images = _images(x, image_shape)
    activation, dense = _activations_of(model, images.reshape(len(images), -1), layer)
    units = min(activation.shape[1], max_units)
    top = min(top, len(images))
    rows, cols = _grid(units)
    fig = new_figure(cols * 1.3, rows * 1.4 + 0.5)
    fig.suptitle(f"Dense layer {layer} ({dense.units} units): mean of the {top} images "
                 "that excite each unit most", fontsize="small")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes:
        ax.set_axis_off()
    for j, ax in enumerate(axes[:units]):
        strongest = np.argpartition(-activation[:, j], top - 1)[:top]
        ax.imshow(images[strongest].mean(axis=0), cmap="gray_r", interpolation="nearest")
        ax.set_title(f"unit {j} ({float(activation[strongest, j].mean()):.2g})",
                     fontsize="x-small")
    return fig
