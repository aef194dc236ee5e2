"""The paths of the library's optimizers on a function of two variables.

The optimizers update any list of arrays through their public ``apply(params,
grads)``; here the "parameters" are one point ``(x, y)`` and the gradients
those of a surface, so the same objects that train networks walk downhill
on tutorial 004's ``x·exp(−x²−y²)``, Rosenbrock's valley or a saddle.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from nnzero import optimizers as optimizers_module
from nnzero._validation import check_int
from nnzero.errors import InvalidArgumentError, InvalidTypeError, NNZeroError
from nnzero.plot._base import class_color, new_figure

__all__ = ["SURFACES", "optimizer_paths"]


def _x_exp(x, y):
    return x * np.exp(-(x**2) - y**2)


def _x_exp_grad(x, y):
    e = np.exp(-(x**2) - y**2)
    return np.array([(1.0 - 2.0 * x**2) * e, -2.0 * x * y * e])


def _rosenbrock(x, y):
    return (1.0 - x) ** 2 + 100.0 * (y - x**2) ** 2


def _rosenbrock_grad(x, y):
    return np.array([-2.0 * (1.0 - x) - 400.0 * x * (y - x**2), 200.0 * (y - x**2)])


def _saddle(x, y):
    return x**2 - y**2


def _saddle_grad(x, y):
    return np.array([2.0 * x, -2.0 * y])


#: Built-in surfaces: name -> (f, gradient, default start, bounds ((x0, x1), (y0, y1))).
SURFACES = {
    "x_exp": (_x_exp, _x_exp_grad, (0.4, 0.9), ((-2.0, 2.0), (-2.0, 2.0))),
    "rosenbrock": (_rosenbrock, _rosenbrock_grad, (-1.5, 2.0), ((-2.0, 2.0), (-1.0, 3.0))),
    "saddle": (_saddle, _saddle_grad, (-1.5, 0.01), ((-2.0, 2.0), (-2.0, 2.0))),
}


def _numerical_gradient(f):
    """Central differences: enough to walk a smooth surface of two variables."""
    def grad(x, y):
        h = 1e-6 * max(1.0, abs(x), abs(y))
        return np.array([(f(x + h, y) - f(x - h, y)) / (2 * h),
                         (f(x, y + h) - f(x, y - h)) / (2 * h)])
    return grad


def _optimizer_list(optimizers):
    """``[(label, fresh optimizer)]``; each is rebuilt from its config, so the
    caller's objects keep their state and one object may appear twice."""
    if isinstance(optimizers, Mapping):
        items = list(optimizers.items())
    elif isinstance(optimizers, (list, tuple)):
        items = [(None, opt) for opt in optimizers]
    else:
        raise InvalidTypeError(
            "`optimizers` must be a list of optimizers (or names, or configs) or a dict "
            f"label -> optimizer. Received: an object of type {type(optimizers).__name__}"
        )
    if not items:
        raise InvalidArgumentError("`optimizers` is empty; pass at least one optimizer.")
    result = []
    for i, (label, opt) in enumerate(items):
        resolved = optimizers_module.get(opt, f"optimizers[{i}]")
        try:
            fresh = optimizers_module.get(resolved.get_config(), f"optimizers[{i}]")
        except (NNZeroError, TypeError, ValueError, AttributeError) as err:
            # a user optimizer whose config cannot rebuild it
            raise InvalidArgumentError(
                f"`optimizers[{i}]` cannot be rebuilt from its get_config(): {err}") from None
        if label is None:
            label = _label(fresh)
        result.append((str(label), fresh))
    return result


def _label(opt) -> str:
    config = opt.get_config()
    name = config.get("name", type(opt).__name__)
    lr = config.get("learning_rate")
    extra = ""
    if config.get("nesterov"):
        extra = f", nesterov {config['momentum']:g}"
    elif config.get("momentum"):
        extra = f", momentum {config['momentum']:g}"
    return f"{name} (lr {lr:g}{extra})" if isinstance(lr, float) else f"{name}{extra}"


def walk(optimizer, grad, start, steps: int) -> np.ndarray:
    """The points an optimizer visits from ``start``: ``(steps + 1, 2)``.

    Stops early (the remaining rows are NaN) when the point leaves the
    finite numbers, as a too-large step can make it.

    Example
    -------
    >>> import numpy as np
    >>> from nnzero import optimizers
    >>> from nnzero.plot.paths import walk
    >>> path = walk(optimizers.SGD(0.25), lambda x, y: np.array([2 * x, 2 * y]), (1.0, 1.0), 2)
    >>> path.tolist()
    [[1.0, 1.0], [0.5, 0.5], [0.25, 0.25]]
    """
    point = np.array(start, dtype=np.float64)
    path = np.full((steps + 1, 2), np.nan)
    path[0] = point
    with np.errstate(over="ignore", invalid="ignore"):
        for i in range(steps):
            g = np.asarray(grad(point[0], point[1]), dtype=np.float64)
            if not np.isfinite(g).all():
                break
            optimizer.apply([point], [g])
            if not np.isfinite(point).all():
                break
            path[i + 1] = point
    return path


def optimizer_paths(f="x_exp", start=None, optimizers=None, steps=100, *, grad=None,
                    bounds=None, resolution=200):
    """Contours of ``f`` and the path of each optimizer from ``start``.

    Parameters
    ----------
    f : str or callable, default "x_exp"
        A built-in surface — ``"x_exp"`` (tutorial 004's ``x·exp(−x²−y²)``),
        ``"rosenbrock"`` or ``"saddle"`` (``x² − y²``) — or any ``f(x, y)``
        that works element-wise on arrays.
    start : (float, float), optional
        The starting point (a built-in surface has its own default).
    optimizers : list or dict, optional
        Optimizer objects, names or configs (each rebuilt fresh from its
        config, so the ones passed are not changed), or a dict label ->
        optimizer. Default: SGD, SGD with momentum, Nesterov, AdaGrad,
        RMSprop and Adam.
    steps : int, default 100
        Updates per optimizer.
    grad : callable, optional
        ``grad(x, y) -> (df/dx, df/dy)``; default: the built-in surface's
        own, or central differences of ``f``.
    bounds : ((float, float), (float, float)), optional
        The x and y ranges of the contour plot (default: the surface's own,
        or the paths with a margin).
    resolution : int, default 200
        Grid points per axis of the contours.

    Returns
    -------
    matplotlib.figure.Figure
        The contours with the paths (left) and ``f`` along each path (right).

    Example
    -------
    >>> from nnzero import optimizers, plot
    >>> fig = plot.optimizer_paths("x_exp", (1.0, 0.6),
    ...                            [optimizers.SGD(0.3), optimizers.Adam(0.05)], steps=20)
    >>> fig.axes[0].get_title()
    'x·exp(−x²−y²): 20 steps from (1, 0.6)'
    >>> plot.close(fig)
    """
    if isinstance(f, str):
        if f not in SURFACES:
            raise InvalidArgumentError(
                f"Unknown surface {f!r}. Use one of {', '.join(SURFACES)}, or pass a function."
            )
        name = {"x_exp": "x·exp(−x²−y²)", "rosenbrock": "Rosenbrock", "saddle": "x² − y²"}[f]
        func, own_grad, own_start, own_bounds = SURFACES[f]
    elif callable(f):
        name = getattr(f, "__name__", "f")
        func, own_grad, own_start, own_bounds = f, None, None, None
    else:
        raise InvalidTypeError(
            f"`f` must be a surface name or a function f(x, y). Received: {f!r}")
    start = own_start if start is None else start
    if start is None:
        raise InvalidArgumentError("`start` is required for a function of your own.")
    try:
        point = np.asarray(start, dtype=np.float64)
    except (TypeError, ValueError):
        point = np.empty(0)
    if point.shape != (2,) or not np.isfinite(point).all():
        raise InvalidArgumentError(f"`start` must be two finite numbers. Received: {start!r}")
    if grad is not None and not callable(grad):
        raise InvalidTypeError(f"`grad` must be a function grad(x, y). Received: {grad!r}")
    gradient = grad or own_grad or _numerical_gradient(func)
    steps = check_int(steps, "steps", low=1)
    resolution = check_int(resolution, "resolution", low=10)
    if optimizers is None:
        optimizers = {"SGD": optimizers_module.SGD(0.1),
                      "momentum 0.9": optimizers_module.SGD(0.02, momentum=0.9),
                      "Nesterov 0.9": optimizers_module.SGD(0.02, momentum=0.9, nesterov=True),
                      "AdaGrad": optimizers_module.AdaGrad(0.3),
                      "RMSprop": optimizers_module.RMSprop(0.02),
                      "Adam": optimizers_module.Adam(0.05)}
    entries = _optimizer_list(optimizers)
    if bounds is not None:
        bounds = _check_bounds(bounds)
    paths = [(label, walk(opt, gradient, point, steps)) for label, opt in entries]
    if bounds is None:
        bounds = own_bounds or _bounds_around([p for _, p in paths])

    fig = new_figure(10.0, 4.4)
    ax, ax_f = fig.subplots(1, 2, width_ratios=[1.25, 1.0])
    xs = np.linspace(*bounds[0], resolution)
    ys = np.linspace(*bounds[1], resolution)
    gx, gy = np.meshgrid(xs, ys)
    with np.errstate(all="ignore"):
        surface = np.asarray(func(gx, gy), dtype=np.float64)
    if f == "rosenbrock":
        surface = np.log10(surface + 1.0)  # the valley is invisible on a linear scale
    ax.contourf(gx, gy, surface, levels=30, cmap="RdBu_r", alpha=0.35)
    ax.contour(gx, gy, surface, levels=15, colors="#666666", linewidths=0.4)
    with np.errstate(all="ignore"):
        f0 = float(func(point[0], point[1]))
    for i, (label, path) in enumerate(paths):
        color = class_color(i)
        with np.errstate(all="ignore"):
            values = np.asarray(func(path[:, 0], path[:, 1]), dtype=np.float64)
        # A path that blows up would flatten every other curve: cut it where
        # f leaves the starting value's scale by a factor of a thousand.
        far = ~np.isfinite(values) | (np.abs(values) > 1e3 * (1.0 + abs(f0)))
        if far.any():
            cut = int(np.argmax(far))
            values, path = values[:cut], path[:cut]
            label += f" (off scale from step {cut})"
        ax.plot(path[:, 0], path[:, 1], "-o", color=color, markersize=2, linewidth=1.2,
                label=label)
        ax.plot(*path[-1], marker="*", color=color, markersize=10, markeredgecolor="k")
        ax_f.plot(np.arange(len(values)), values, color=color, label=label)
    ax.plot(*point, marker="o", color="k", markersize=6)
    ax.set_xlim(*bounds[0])
    ax.set_ylim(*bounds[1])
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(f"{name}: {steps} steps from ({point[0]:g}, {point[1]:g})", fontsize="medium")
    ax.legend(fontsize="x-small", loc="best")
    ax_f.set_xlabel("step")
    ax_f.set_ylabel("f(x, y)")
    ax_f.set_title("f along each path", fontsize="medium")
    ax_f.grid(alpha=0.3)
    if f == "rosenbrock":
        ax_f.set_yscale("log")
    return fig


def _check_bounds(bounds):
    try:
        arr = np.asarray(bounds, dtype=np.float64)
    except (TypeError, ValueError):
        arr = np.empty(0)
    if arr.shape != (2, 2) or not np.isfinite(arr).all() or not (arr[:, 0] < arr[:, 1]).all():
        raise InvalidArgumentError(
            f"`bounds` must be ((x_low, x_high), (y_low, y_high)). Received: {bounds!r}")
    return tuple(map(tuple, arr.tolist()))


def _bounds_around(paths):
    points = np.concatenate([p[np.isfinite(p).all(axis=1)] for p in paths])
    low, high = points.min(axis=0), points.max(axis=0)
    margin = np.maximum(0.2 * (high - low), 0.5)
    return ((low[0] - margin[0], high[0] + margin[0]), (low[1] - margin[1], high[1] + margin[1]))
