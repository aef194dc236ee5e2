"""Decision boundaries of models with two inputs, alone or over hidden sizes."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.colors import LinearSegmentedColormap, ListedColormap

from nnzero._validation import check_bool, check_int, check_number
from nnzero.errors import InvalidArgumentError, InvalidTypeError
from nnzero.layers import Dense
from nnzero.model import Sequential
from nnzero.optimizers import SGD
from nnzero.plot._base import (
    as_labels,
    check_class_names,
    check_points,
    check_same_kind,
    class_color,
    label_text,
    new_figure,
)
from nnzero.regularizers import L2

__all__ = ["boundary_grid", "decision_boundary"]


class Grid:
    """A regular grid of points covering the data with a margin."""

    def __init__(self, x: np.ndarray, resolution: int):
        low, high = x.min(axis=0), x.max(axis=0)
        span = high - low
        margin = np.where(span > 0, 0.15 * span, 0.5)  # a margin even for constant data
        self.xs = np.linspace(low[0] - margin[0], high[0] + margin[0], resolution)
        self.ys = np.linspace(low[1] - margin[1], high[1] + margin[1], resolution)
        gx, gy = np.meshgrid(self.xs, self.ys)
        self.points = np.column_stack([gx.ravel(), gy.ravel()])
        self.shape = gx.shape


def check_two_input_model(model) -> None:
    """Fail early, with a clear message, on a model that cannot be drawn."""
    if not (hasattr(model, "predict_proba") or hasattr(model, "predict")):
        raise InvalidTypeError(
            "`model` must have a predict_proba or predict method. "
            f"Received: an object of type {type(model).__name__}"
        )
    if hasattr(model, "built") and hasattr(model, "input_shape"):  # an nnzero model
        if not model.built:
            raise InvalidArgumentError(
                "The model is not built yet; train it before drawing its decision boundary."
            )
        if tuple(model.input_shape) != (2,):
            raise InvalidArgumentError(
                "decision_boundary needs a model with 2 inputs (one per axis). "
                f"Received: a model built for samples of shape {tuple(model.input_shape)}"
            )
    n_in = getattr(model, "n_features_in_", None)  # a fitted scikit-learn estimator
    if n_in is not None and n_in != 2:
        raise InvalidArgumentError(
            f"decision_boundary needs a model with 2 inputs. Received: n_features_in_={n_in}"
        )


def model_output(model, points: np.ndarray):
    """Predicted label per point, and the probability of the second class
    when the model gives probabilities for exactly two classes (else None)."""
    if hasattr(model, "predict_proba"):
        out = np.asarray(model.predict_proba(points))
    else:
        out = np.asarray(model.predict(points))
    classes = getattr(model, "classes_", None)  # scikit-learn: column j is classes_[j]
    prob = None
    if out.ndim == 2 and out.shape[1] > 1:
        index = np.argmax(out, axis=1)
        if out.shape[1] == 2:
            prob = out[:, 1]
    elif out.dtype.kind == "f" and (out.ndim == 2 or classes is not None):
        prob = out.reshape(-1)  # one sigmoid unit: P(class 1)
        index = (prob > 0.5).astype(np.int64)
    else:
        return out.reshape(-1), None  # plain labels from predict()
    if classes is not None and len(classes) >= index.max() + 1:
        return np.asarray(classes)[index], prob
    return index, prob


def draw(ax, model, x, labels, grid: Grid, class_names=None, legend=True) -> None:
    """Shade ``ax`` by the model's prediction over ``grid`` and scatter the points."""
    predicted, prob = model_output(model, grid.points)
    check_same_kind(labels, predicted, "y", "the model's predictions")
    classes = np.union1d(labels, predicted)
    k = len(classes)
    colors = [class_color(i) for i in range(k)]
    if prob is not None and k <= 2:
        # Two classes: shade by probability, so the boundary's sharpness shows.
        cmap = LinearSegmentedColormap.from_list("two", [colors[0], "#ffffff", colors[-1]])
        p = prob.reshape(grid.shape)
        ax.contourf(grid.xs, grid.ys, p, levels=np.linspace(0, 1, 11), cmap=cmap, alpha=0.45)
        if p.min() < 0.5 < p.max():
            ax.contour(grid.xs, grid.ys, p, levels=[0.5], colors="k", linewidths=1.0)
    else:
        index = np.searchsorted(classes, predicted).reshape(grid.shape)
        levels = np.arange(k + 1) - 0.5
        ax.contourf(grid.xs, grid.ys, index, levels=levels, cmap=ListedColormap(colors), alpha=0.35)
    point_index = np.searchsorted(classes, labels)
    for i, value in enumerate(classes):
        mask = point_index == i
        if mask.any():
            name = label_text(value, class_names)
            ax.scatter(x[mask, 0], x[mask, 1], s=16, color=colors[i], edgecolors="k",
                       linewidths=0.4, label=name)
    ax.set_xlim(grid.xs[0], grid.xs[-1])
    ax.set_ylim(grid.ys[0], grid.ys[-1])
    if legend and k <= 10:
        ax.legend(loc="lower right", fontsize="x-small", framealpha=0.8)


def check_xy(x, y):
    """Check the points and labels of a two-input plot; return them as arrays.

    ``x`` must be ``(n_samples, 2)`` finite numbers and ``y`` one label per
    row (class indices, or one-hot rows); a problem is an error that names
    ``x`` or ``y``. The decision-boundary plots and the boundary animation
    share it, so that all three accept the same data.

    Returns
    -------
    x : numpy.ndarray, shape (n_samples, 2)
    labels : numpy.ndarray of int, shape (n_samples,)

    Example
    -------
    >>> from nnzero.plot.boundary import check_xy
    >>> x, labels = check_xy([[0.0, 1.0], [1.0, 0.0]], [[0, 1], [1, 0]])
    >>> labels.tolist()
    [1, 0]
    """
    x = check_points(x, "x", width=2)
    labels = as_labels(y, "y", n=len(x))
    return x, labels


def decision_boundary(model, x, y, ax=None, resolution=200, class_names=None, title=None):
    """The regions a two-input classifier assigns to each class, with the data.

    Parameters
    ----------
    model : Sequential or scikit-learn classifier
        Anything with ``predict_proba`` (preferred) or ``predict`` taking
        ``(n, 2)`` inputs; an nnzero model must be built for 2 inputs.
    x : array-like, shape (n_samples, 2)
        Points to scatter; the shaded area covers them with a margin.
    y : array-like, shape (n_samples,)
        Their labels (one-hot rows are also accepted).
    ax : matplotlib Axes, optional
        Draw there; by default a new figure is made.
    resolution : int, default 200
        Grid points per axis (the model predicts resolution² points).
    class_names : list of str, optional
        Legend names of classes ``0, 1, ...``.
    title : str, optional
        Axes title; by default the model's accuracy on ``(x, y)``.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes.

    Example
    -------
    >>> import nnzero as nz
    >>> from nnzero import plot
    >>> x, y = nz.datasets.make_moons(100, seed=0)
    >>> model = nz.Sequential([nz.layers.Dense(8, activation="tanh"),
    ...                        nz.layers.Dense(2, activation="softmax")], seed=0)
    >>> model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    >>> _ = model.fit(x, y, epochs=5, verbose=0)
    >>> fig = plot.decision_boundary(model, x, y, resolution=50)
    >>> plot.close(fig)
    """
    check_two_input_model(model)
    x, labels = check_xy(x, y)
    resolution = check_int(resolution, "resolution", low=2)
    names = check_class_names(class_names)
    if ax is None:
        fig = new_figure(5.0, 4.2)
        ax = fig.add_subplot()
    elif not hasattr(ax, "contourf"):
        raise InvalidTypeError(f"`ax` must be a matplotlib Axes. Received: {type(ax).__name__}")
    draw(ax, model, x, labels, Grid(x, resolution), names)
    if title is None:
        predicted, _ = model_output(model, x)
        title = f"Decision boundary (accuracy {np.mean(predicted == labels):.3f})"
    ax.set_title(title)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    return ax.figure


def boundary_grid(
    x,
    y,
    hidden_sizes=(1, 2, 3, 4, 5, 20, 50),
    activation="tanh",
    epochs=5000,
    seed=0,
    *,
    learning_rate=1.0,
    l2=2.5e-5,
    logistic_regression=True,
    resolution=150,
    validation_data=None,
    **train_kwargs,
):
    """Decision boundaries of one-hidden-layer networks of several widths
    (and, with a list of ``l2`` strengths, of several penalties).

    As in the two-moons tutorial: for each hidden size a network
    ``Dense(h, activation) -> Dense(n_classes, softmax)`` with L2 on both
    kernels is trained by batch gradient descent (plain SGD on the whole
    set), and a scikit-learn logistic regression is drawn beside them for
    comparison. Each panel's title gives the hidden size and the accuracy on
    ``(x, y)``, and with ``validation_data`` the accuracy on those held-out
    points beside it: a wide network that fits every training point but
    loses held-out accuracy is overfitting (the tutorial's point), and a
    sweep over ``l2`` shows the penalty bringing it back.

    The tutorial's step of 0.01 and penalty of 0.01 on the *summed* loss of
    200 points are, on nnzero's mean loss, ``learning_rate=2.0`` and
    ``l2=2.5e-5`` for 20,000 epochs; the defaults (1.0 for 5,000 epochs)
    draw nearly the same boundaries in a quarter of the time.

    Parameters
    ----------
    x : array-like, shape (n_samples, 2)
    y : array-like, shape (n_samples,)
        Class labels (any values; they are encoded in sorted order).
    hidden_sizes : sequence of int, default (1, 2, 3, 4, 5, 20, 50)
        One panel per size.
    activation : str, default "tanh"
        Hidden activation.
    epochs : int, default 5000
        Full-batch steps per network.
    seed : int, default 0
        Seed of every network (so panels differ only in hidden size).
    learning_rate : float, default 1.0
        Step of the SGD optimizer.
    l2 : float or sequence of float, default 2.5e-5
        L2 penalty on each kernel (``l2 * sum(w**2)``). A sequence draws one
        row of panels per strength, every hidden size in each row.
    logistic_regression : bool, default True
        Add the logistic-regression panel.
    resolution : int, default 150
        Grid points per axis in each panel.
    validation_data : (x_val, y_val), optional
        Held-out points (not trained on), drawn as hollow markers; their
        accuracy is shown beside the training accuracy.
    **train_kwargs
        Passed to ``Sequential.fit`` (e.g. ``batch_size=32`` for
        mini-batches; the default is the full batch, unshuffled).

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> import nnzero as nz
    >>> from nnzero import plot
    >>> x, y = nz.datasets.make_moons(60, seed=0)
    >>> fig = plot.boundary_grid(x, y, hidden_sizes=(2, 4), epochs=3, resolution=20)
    >>> [ax.get_title().split(" ·")[0] for ax in fig.axes]
    ['hidden size 2', 'hidden size 4', 'logistic regression']
    >>> plot.close(fig)
    >>> x_val, y_val = nz.datasets.make_moons(40, seed=1)
    >>> fig = plot.boundary_grid(x, y, hidden_sizes=(4,), epochs=3, resolution=20,
    ...                          l2=[0.0, 0.01], validation_data=(x_val, y_val),
    ...                          logistic_regression=False)
    >>> [ax.get_title().split(chr(10))[0] for ax in fig.axes]
    ['hidden size 4 · L2 0', 'hidden size 4 · L2 0.01']
    >>> plot.close(fig)
    """
    x, labels = check_xy(x, y)
    sizes = _check_sizes(hidden_sizes)
    epochs = check_int(epochs, "epochs", low=1)
    seed = check_int(seed, "seed", low=0)
    learning_rate = check_number(learning_rate, "learning_rate", low=0.0, low_inclusive=False)
    sweep = isinstance(l2, Sequence) and not isinstance(l2, (str, bytes))
    if sweep and not l2:
        raise InvalidArgumentError("`l2` is an empty list; give at least one strength.")
    strengths = ([check_number(v, f"l2[{i}]", low=0.0) for i, v in enumerate(l2)] if sweep
                 else [check_number(l2, "l2", low=0.0)])
    resolution = check_int(resolution, "resolution", low=2)
    logistic_regression = check_bool(logistic_regression, "logistic_regression")
    classes, y_index = np.unique(labels, return_inverse=True)
    if len(classes) < 2:
        raise InvalidArgumentError("`y` must hold at least two classes to draw a boundary.")
    held_out = _held_out(validation_data, classes)
    fit_args = {"batch_size": None, "shuffle": False, "verbose": 0, **train_kwargs}
    names = [label_text(c, None) for c in classes]
    settings = [(size, strength) for strength in strengths for size in sizes]
    models = [_network(size, activation, len(classes), strength, learning_rate, seed)
              for size, strength in settings]
    # fit with no epochs checks train_kwargs, so a bad one fails before any training.
    models[0].fit(x, y_index, **{**fit_args, "epochs": 0})

    grid = Grid(x if held_out is None else np.vstack([x, held_out[0]]), resolution)
    panels = len(settings) + (1 if logistic_regression else 0)
    cols = min(len(sizes), 6) if sweep else min(4, panels)
    rows = math.ceil(panels / cols)
    fig = new_figure(3.3 * cols, 3.1 * rows)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes[panels:]:
        ax.set_axis_off()
    for ax, (size, strength), model in zip(axes, settings, models, strict=False):
        model.fit(x, y_index, epochs=epochs, **fit_args)
        accuracy = np.mean(model.predict_classes(x) == y_index)
        draw(ax, model, x, y_index, grid, names, legend=False)
        name = f"hidden size {size}" + (f" · L2 {strength:g}" if sweep else "")
        _title(ax, name, accuracy, model.predict_classes, held_out)
    if logistic_regression:
        from sklearn.linear_model import LogisticRegression

        clf = LogisticRegression().fit(x, y_index)
        ax = axes[len(settings)]
        draw(ax, clf, x, y_index, grid, names, legend=False)
        _title(ax, "logistic regression", clf.score(x, y_index), clf.predict, held_out)
    if held_out is not None:
        for ax in axes[:panels]:
            ax.scatter(held_out[0][:, 0], held_out[0][:, 1], s=18, facecolors="none",
                       edgecolors=[class_color(i) for i in held_out[1]], linewidths=0.9)
    for ax in axes[:panels]:
        ax.tick_params(labelsize="x-small")
    return fig


def _held_out(validation_data, classes):
    """``(x_val, class index per row)`` or None; labels must be classes of ``y``."""
    if validation_data is None:
        return None
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
        raise InvalidArgumentError(
            "`validation_data` must be a tuple (x_val, y_val). "
            f"Received: an object of type {type(validation_data).__name__}")
    x_val = check_points(validation_data[0], "validation_data[0]", width=2)
    y_val = as_labels(validation_data[1], "validation_data[1]", n=len(x_val))
    check_same_kind(classes, y_val, "y", "validation_data[1]")
    index = np.searchsorted(classes, y_val)
    unknown = (index >= len(classes)) | (classes[np.minimum(index, len(classes) - 1)] != y_val)
    if unknown.any():
        raise InvalidArgumentError(
            "`validation_data[1]` holds labels that `y` does not have: "
            f"{sorted(set(np.asarray(y_val)[unknown].tolist()))[:5]}")
    return x_val, index


def _title(ax, name, accuracy, predict, held_out) -> None:
    if held_out is None:
        ax.set_title(f"{name} · accuracy {accuracy:.2f}", fontsize="medium")
        return
    held = float(np.mean(np.asarray(predict(held_out[0])).reshape(-1) == held_out[1]))
    ax.set_title(f"{name}\ntrain {accuracy:.2f} · held-out {held:.2f}", fontsize="medium")


def _network(size, activation, n_classes, l2, learning_rate, seed) -> Sequential:
    """The tutorial's network: one hidden layer, softmax output, L2, plain SGD."""
    reg = L2(l2) if l2 else None
    model = Sequential([
        Dense(size, activation=activation, kernel_regularizer=reg),
        Dense(n_classes, activation="softmax", kernel_regularizer=reg),
    ], seed=seed)  # fmt: skip
    model.compile(optimizer=SGD(learning_rate), loss="sparse_categorical_crossentropy")
    return model


def _check_sizes(hidden_sizes) -> list[int]:
    if isinstance(hidden_sizes, (str, bytes)) or not isinstance(hidden_sizes, Sequence):
        raise InvalidTypeError(
            f"`hidden_sizes` must be a sequence of ints. Received: {hidden_sizes!r}"
        )
    if not hidden_sizes:
        raise InvalidArgumentError("`hidden_sizes` must name at least one hidden size.")
    return [check_int(h, f"hidden_sizes[{i}]", low=1) for i, h in enumerate(hidden_sizes)]
