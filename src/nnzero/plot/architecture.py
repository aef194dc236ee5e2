"""A network's architecture drawn with matplotlib alone (no Graphviz).

Small networks are drawn neuron by neuron: one column of circles per layer
and one line per weight, red for positive and blue for negative weights,
thicker and darker the larger the weight. Larger networks are drawn as one
block per layer with its output shape and the shapes of its W and b.
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from nnzero._validation import check_int
from nnzero.errors import InvalidArgumentError, InvalidTypeError
from nnzero.layers import Dense
from nnzero.plot._base import new_figure

__all__ = ["architecture"]

_POSITIVE, _NEGATIVE = "#b2182b", "#2166ac"  # the ends of RdBu, as in first_layer_weights


def architecture(model, max_neurons=16, detail="auto"):
    """Draw ``model``: neurons and weighted edges, or one block per layer.

    Parameters
    ----------
    model : Sequential
        A built model (trained or not).
    max_neurons : int, default 16
        ``detail="auto"`` draws every neuron when no layer (the input
        included) is wider than this, and blocks otherwise.
    detail : {"auto", "neurons", "blocks"}, default "auto"
        Force one drawing. ``"neurons"`` needs a network of Dense layers.

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    In the neuron drawing each line's width and opacity grow with
    ``|w| / max|w|`` of its layer, so each layer's strongest weights stand
    out whatever its scale; a neuron's fill shows its bias on the same
    colour scale. Layers without weights (Dropout, Activation...) are named
    in the title; they do not change the graph of neurons.

    Example
    -------
    >>> import nnzero as nz
    >>> from nnzero import plot
    >>> model = nz.Sequential([nz.layers.Dense(4, activation="tanh"),
    ...                        nz.layers.Dense(2, activation="softmax")], seed=0)
    >>> model.build((3,))
    >>> fig = plot.architecture(model)
    >>> fig.axes[0].get_title()
    '3 → 4 (tanh) → 2 (softmax): 26 parameters'
    >>> plot.close(fig)
    """
    layers = getattr(model, "layers", None)
    if not isinstance(layers, (list, tuple)) or not hasattr(model, "input_shape"):
        raise InvalidTypeError(
            f"`model` must be an nnzero Sequential model. Received: {type(model).__name__}"
        )
    if not getattr(model, "built", False):
        raise InvalidArgumentError(
            "The model is not built yet; call build(input_shape) or fit before drawing it."
        )
    max_neurons = check_int(max_neurons, "max_neurons", low=1)
    if detail not in ("auto", "neurons", "blocks"):
        raise InvalidArgumentError(
            f"`detail` must be 'auto', 'neurons' or 'blocks'. Received: detail={detail!r}"
        )
    dense = [layer for layer in layers if isinstance(layer, Dense)]
    flat_input = len(model.input_shape) == 1
    drawable = bool(dense) and flat_input
    widths = [model.input_shape[0]] + [layer.units for layer in dense] if drawable else []
    if detail == "neurons" and not drawable:
        raise InvalidArgumentError(
            "detail='neurons' needs a model of Dense layers on flat inputs; use 'blocks'."
        )
    if detail == "neurons" or (detail == "auto" and drawable and max(widths) <= max_neurons):
        return _neurons(model, dense, widths)
    return _blocks(model)


def _title(model, dense, widths) -> str:
    parts = [str(widths[0])]
    for layer, width in zip(dense, widths[1:], strict=True):
        name = type(layer.activation).__name__.lower()
        parts.append(f"{width}" if name == "linear" else f"{width} ({name})")
    title = " → ".join(parts) + f": {model.count_params()} parameters"
    others = [type(layer).__name__ for layer in model.layers if not isinstance(layer, Dense)]
    if others:
        title += f"\n(also {', '.join(others)})"
    return title


def _neurons(model, dense, widths):
    n_cols = len(widths)
    tallest = max(widths)
    fig = new_figure(max(4.0, 1.6 * n_cols + 1.0), max(3.0, 0.42 * tallest + 1.3))
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.set_aspect("equal")
    radius = 0.17
    spacing = 1.6 * max(1.0, 0.42 * tallest / 2)
    xs = [i * spacing for i in range(n_cols)]

    def ys(width):
        return (np.arange(width) - (width - 1) / 2.0)[::-1] * 0.5

    for i, layer in enumerate(dense):
        kernel = np.asarray(layer.kernel, dtype=np.float64)
        scale = float(np.abs(kernel).max()) or 1.0
        y_in, y_out = ys(widths[i]), ys(widths[i + 1])
        for a in range(widths[i]):
            for b in range(widths[i + 1]):
                w = kernel[a, b]
                strength = abs(w) / scale
                ax.plot([xs[i] + radius, xs[i + 1] - radius], [y_in[a], y_out[b]],
                        color=_POSITIVE if w > 0 else _NEGATIVE,
                        linewidth=0.3 + 2.7 * strength, alpha=0.15 + 0.85 * strength,
                        solid_capstyle="round", zorder=1)
    for i, width in enumerate(widths):
        bias = None
        if i > 0 and dense[i - 1].bias is not None:
            bias = np.asarray(dense[i - 1].bias, dtype=np.float64)
        b_scale = float(np.abs(bias).max()) if bias is not None and bias.size else 0.0
        for j, y in enumerate(ys(width)):
            face = "#f0f0f0"
            if bias is not None and b_scale > 0:
                level = bias[j] / b_scale
                face = _POSITIVE if level > 0 else _NEGATIVE
                alpha = 0.1 + 0.6 * abs(level)
            ax.add_patch(Circle((xs[i], y), radius, facecolor=face,
                                alpha=1.0 if face == "#f0f0f0" else alpha, zorder=2))
            ax.add_patch(Circle((xs[i], y), radius, fill=False, edgecolor="k", linewidth=0.8,
                                zorder=3))
        label = "input" if i == 0 else ("output" if i == n_cols - 1 else f"hidden {i}")
        ax.text(xs[i], ys(tallest)[-1] - 0.55, f"{label}\n{width}", ha="center", va="top",
                fontsize="small")
    ax.set_xlim(xs[0] - 0.6, xs[-1] + 0.6)
    ax.set_ylim(ys(tallest)[-1] - 1.1, ys(tallest)[0] + 0.4)
    ax.set_title(_title(model, dense, widths), fontsize="medium")
    return fig


def _describe(layer, shape_in, shape_out) -> list[str]:
    """The lines of one layer's block."""
    name = type(layer).__name__
    activation = getattr(layer, "activation", None)
    if activation is not None and type(activation).__name__.lower() != "linear":
        name += f" ({type(activation).__name__.lower()})"
    lines = [name, f"out {(None, *shape_out)}"]
    names = getattr(layer, "param_names", []) or []
    for pname, param in zip(names, layer.params, strict=False):
        symbol = {"kernel": "W", "bias": "b"}.get(pname, pname)
        lines.append(f"{symbol} {tuple(param.shape)}")
    if not names and layer.params:
        lines.append(f"{layer.count_params()} parameters")
    return lines


def _blocks(model):
    rows = [("Input", [f"x {(None, *model.input_shape)}"])]
    shape = tuple(model.input_shape)
    for layer in model.layers:
        out = tuple(layer.compute_output_shape(shape))
        lines = _describe(layer, shape, out)
        rows.append((lines[0], lines[1:]))
        shape = out
    n = len(rows)
    fig = new_figure(max(4.0, 2.1 * n), 2.6)
    ax = fig.add_subplot()
    ax.set_axis_off()
    width, gap = 1.7, 0.5
    for i, (head, lines) in enumerate(rows):
        x0 = i * (width + gap)
        params = any(line.startswith("W ") for line in lines)
        ax.add_patch(FancyBboxPatch((x0, 0.0), width, 1.6, boxstyle="round,pad=0.04",
                                    facecolor="#deebf7" if params else "#f0f0f0",
                                    edgecolor="#4d4d4d", linewidth=1.0))
        ax.text(x0 + width / 2, 1.42, head, ha="center", va="top", fontsize="small",
                fontweight="bold")
        ax.text(x0 + width / 2, 1.05, "\n".join(lines), ha="center", va="top",
                fontsize="x-small", family="monospace", linespacing=1.5)
        if i:
            ax.add_patch(FancyArrowPatch((x0 - gap, 0.8), (x0, 0.8), arrowstyle="-|>",
                                         mutation_scale=10, color="#4d4d4d"))
    ax.set_xlim(-0.2, n * (width + gap) - gap + 0.2)
    ax.set_ylim(-0.2, 1.8)
    ax.set_title(f"{n - 1} layers, {model.count_params()} parameters", fontsize="medium")
    return fig
