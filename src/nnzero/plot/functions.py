"""The activation functions and their derivatives, from the library's own code."""

from __future__ import annotations

import math

import numpy as np

from nnzero import activations as activations_module
from nnzero._validation import check_int
from nnzero.errors import InvalidArgumentError, InvalidTypeError, NNZeroError
from nnzero.plot._base import new_figure

__all__ = ["activations"]


def _unique_activations(names):
    """``[(label, activation)]`` with aliases merged (``sigmoid / logistic``)."""
    groups: dict[type, list] = {}
    for name in names:
        act = activations_module.get(name)
        entry = groups.setdefault(type(act), [act, []])
        entry[1].append(name)
    entries = []
    for act, aliases in groups.values():
        label = " / ".join(sorted(aliases, key=lambda n: (len(n), n)))
        if isinstance(act, activations_module.Softmax):
            label += " of (z, 0)"
        entries.append((label, act))
    return entries


def _curves(act, z: np.ndarray):
    """Value and derivative of ``act`` on ``z``, as the library computes them.

    Softmax is vector-valued: it is drawn for the pair ``(z, 0)``, whose first
    output is the sigmoid of ``z``; its derivative is the Jacobian's diagonal
    entry, from softmax's own backward pass. A function without a gradient
    (the step) gets ``None``."""
    if isinstance(act, activations_module.Softmax):
        pair = np.column_stack([z, np.zeros_like(z)])
        a = act.forward(pair)
        unit = np.zeros_like(pair)
        unit[:, 0] = 1.0
        return a[:, 0], act.backward(unit, pair, a)[:, 0]
    column = z.reshape(-1, 1)
    a = act.forward(column)
    if not getattr(act, "differentiable", True):
        return a.ravel(), None
    return a.ravel(), np.asarray(act.derivative(column, a), dtype=np.float64).ravel()


def activations(names=None, z_range=(-5.0, 5.0), points=401):
    """Every registered activation (or those named) with its derivative.

    Each panel draws ``a = f(z)`` (solid) and ``da/dz`` (dashed) computed by
    the library's own ``forward`` and ``derivative`` — the numbers training
    uses. The sigmoid's derivative never exceeds 1/4, which is why deep
    sigmoid networks pass back vanishing gradients; ReLU's is 0 or 1.

    Parameters
    ----------
    names : list of str, optional
        Activation names (default: every registered one; aliases share a panel).
    z_range : (float, float), default (-5, 5)
        The interval of pre-activations drawn.
    points : int, default 401
        Samples of ``z``.

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> from nnzero import plot
    >>> fig = plot.activations(["relu", "tanh"])
    >>> [ax.get_title() for ax in fig.axes]
    ['relu', 'tanh']
    >>> plot.close(fig)
    """
    if names is None:
        names = activations_module.names()
    elif isinstance(names, str) or not isinstance(names, (list, tuple)):
        raise InvalidTypeError(f"`names` must be a list of activation names. Received: {names!r}")
    if not names:
        raise InvalidArgumentError("`names` is empty; name at least one activation.")
    if (not isinstance(z_range, (list, tuple)) or len(z_range) != 2
            or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in z_range)
            or not z_range[0] < z_range[1]):
        raise InvalidArgumentError(
            f"`z_range` must be (low, high) with low < high. Received: z_range={z_range!r}"
        )
    points = check_int(points, "points", low=3)
    try:
        entries = _unique_activations(names)
    except NNZeroError as err:
        raise type(err)(f"`names`: {err}") from None
    z = np.linspace(float(z_range[0]), float(z_range[1]), points)
    cols = min(4, len(entries))
    rows = math.ceil(len(entries) / cols)
    fig = new_figure(3.0 * cols, 2.6 * rows)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes[len(entries):]:
        ax.set_axis_off()
    for ax, (label, act) in zip(axes, entries, strict=False):
        value, slope = _curves(act, z)
        ax.axhline(0.0, color="#999999", linewidth=0.6)
        ax.axvline(0.0, color="#999999", linewidth=0.6)
        ax.plot(z, value, color="#1f77b4", label="f(z)")
        if slope is None:
            ax.text(0.03, 0.92, "no gradient", transform=ax.transAxes, fontsize="x-small",
                    color="#d62728", va="top")
        else:
            ax.plot(z, slope, "--", color="#d62728", label="f′(z)")
        ax.set_title(label, fontsize="medium")
        ax.tick_params(labelsize="x-small")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize="x-small", loc="upper left")
    fig.suptitle("Activation functions f (solid) and their derivatives f′ (dashed)",
                 fontsize="medium")
    return fig
