"""Shared pieces of the plots: figures, colours, input checks and saving.

Figures are built with ``matplotlib.figure.Figure`` directly rather than
through ``pyplot``: no display or GUI backend is ever needed, no global
figure list grows, and nothing has to be shown or closed for memory to be
freed.
"""

from __future__ import annotations

import io
import numbers
import sys
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from nnzero._io import atomic_write_bytes
from nnzero._validation import check_int
from nnzero.errors import InvalidArgumentError, InvalidTypeError

# Class colours: red and blue first, as in the two-moons tutorial, then
# distinct hues that stay apart for colour-blind readers.
PALETTE = (
    "#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd",
    "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
)  # fmt: skip


def new_figure(width: float, height: float) -> Figure:
    """A figure of ``width`` x ``height`` inches with constrained layout."""
    return Figure(figsize=(width, height), layout="constrained")


def class_color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def save(fig, path, dpi=100):
    """Write ``fig`` to ``path`` and close it; returns the path.

    The image goes to a temporary file beside ``path`` that is then renamed
    over it, so a reader never sees a half-written file. The format follows
    the suffix (PNG when there is none); the image is exactly the figure's
    size in inches times ``dpi`` pixels.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A figure, e.g. from any function of :mod:`nnzero.plot`.
    path : str or Path
        Destination; its directory must exist.
    dpi : int, default 100
        Pixels per inch.

    Returns
    -------
    Path
        ``path``.

    Example
    -------
    >>> import pathlib, tempfile
    >>> from matplotlib.figure import Figure
    >>> from nnzero import plot
    >>> fig = Figure(figsize=(2, 1))
    >>> path = plot.save(fig, pathlib.Path(tempfile.mkdtemp()) / "blank.png", dpi=50)
    >>> path.read_bytes()[:4]
    b'\\x89PNG'
    """
    if not isinstance(fig, Figure):
        raise InvalidTypeError(
            f"`fig` must be a matplotlib Figure. Received: an object of type {type(fig).__name__}"
        )
    if not isinstance(path, (str, Path)):
        raise InvalidTypeError(
            f"`path` must be a str or Path. Received: an object of type {type(path).__name__}"
        )
    dpi = check_int(dpi, "dpi", low=1)
    path = Path(path)
    fmt = path.suffix[1:].lower() or "png"
    supported = fig.canvas.get_supported_filetypes()
    if fmt not in supported:
        raise InvalidArgumentError(
            f"Cannot save a figure as {fmt!r}. Use one of the suffixes: "
            f"{', '.join('.' + s for s in sorted(supported))}. Received: path={str(path)!r}"
        )
    if not path.parent.is_dir():
        raise InvalidArgumentError(
            f"Cannot write {str(path)!r}: directory {str(path.parent)!r} does not exist."
        )
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=dpi)
    write_atomic(path, buffer.getvalue())
    close(fig)
    return path


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (readers see the old file or the
    new one, never a part); a failed write raises InvalidArgumentError naming
    the reason and leaves any previous file intact."""
    atomic_write_bytes(path, data, error=InvalidArgumentError)


def close(fig) -> None:
    """Release ``fig`` without saving it; also forget it in pyplot if pyplot
    made it. (``save`` closes the figures it writes.)

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A figure from :mod:`nnzero.plot`.

    Examples
    --------
    >>> from nnzero import plot
    >>> fig = plot.history({"loss": [1.0, 0.5]})
    >>> plot.close(fig)
    >>> fig.axes
    []
    """
    # Importing pyplot here would pick a GUI backend; only touch it if the
    # caller already uses it.
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(fig)
    fig.clear()


def to_rgb_array(fig) -> np.ndarray:
    """Render ``fig`` to an ``(height, width, 3)`` uint8 array."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


# -- input checks ---------------------------------------------------------------


def check_points(x, name: str = "x", width: int | None = None) -> np.ndarray:
    """A finite float array of shape (n, width) with at least one row."""
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise InvalidTypeError(f"`{name}` must be an array of numbers. Received: {err}") from None
    if arr.ndim != 2 or len(arr) == 0 or (width is not None and arr.shape[1] != width):
        wanted = "(n_samples, n_features)" if width is None else f"(n_samples, {width})"
        raise InvalidArgumentError(
            f"`{name}` must have shape {wanted}. Received: shape {arr.shape}"
        )
    if not np.isfinite(arr).all():
        raise InvalidArgumentError(f"`{name}` contains NaN or infinite values.")
    return arr


def as_labels(y, name: str = "y", n: int | None = None) -> np.ndarray:
    """Class labels as a 1-D array.

    Rows of probabilities or one-hot vectors become their argmax, and a
    single probability column is thresholded at 0.5, so model outputs can
    be passed where labels are expected.
    """
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = (arr[:, 0] > 0.5).astype(np.int64)
    elif arr.ndim == 2:
        arr = np.argmax(arr, axis=1)
    if arr.ndim != 1:
        raise InvalidArgumentError(
            f"`{name}` must be 1-D labels or 2-D rows of scores. Received: shape {arr.shape}"
        )
    if n is not None and len(arr) != n:
        raise InvalidArgumentError(
            f"`{name}` must have one entry per sample ({n}). Received: {len(arr)}"
        )
    if len(arr) == 0:
        raise InvalidArgumentError(f"`{name}` is empty.")
    return arr


def check_same_kind(a: np.ndarray, b: np.ndarray, a_name: str, b_name: str) -> None:
    """Both label arrays numeric, or both text: NumPy would silently turn a
    mix into strings, and 1 would never equal "1"."""
    if (a.dtype.kind in "biuf") != (b.dtype.kind in "biuf"):
        raise InvalidTypeError(
            f"`{a_name}` and `{b_name}` hold labels of different types "
            f"({a.dtype} and {b.dtype}); use the same labels in both."
        )


def check_class_names(class_names, n_needed: int | None = None):
    """``None`` or a list of strings (at least ``n_needed`` of them)."""
    if class_names is None:
        return None
    if isinstance(class_names, (str, bytes, Mapping)) or not hasattr(class_names, "__len__"):
        raise InvalidTypeError(
            f"`class_names` must be a list of names. Received: {class_names!r}"
        )
    names = [str(name) for name in class_names]
    if n_needed is not None and len(names) < n_needed:
        raise InvalidArgumentError(
            f"`class_names` has {len(names)} names, but the labels need at least {n_needed}."
        )
    return names


def label_text(value, class_names) -> str:
    """How a label is shown: its class name when it has one."""
    if class_names is not None and isinstance(value, numbers.Integral):
        if 0 <= int(value) < len(class_names):
            return class_names[int(value)]
    return str(value.item() if isinstance(value, np.generic) else value)


def check_image_shape(image_shape, width: int | None = None, name: str = "x") -> tuple[int, int]:
    """A (height, width) pair of positive ints whose product is ``width``."""
    if (
        not isinstance(image_shape, (tuple, list))
        or len(image_shape) != 2
        or not all(isinstance(d, numbers.Integral) and not isinstance(d, bool) for d in image_shape)
        or min(image_shape) < 1
    ):
        raise InvalidArgumentError(
            f"`image_shape` must be (height, width), two positive ints. "
            f"Received: image_shape={image_shape!r}"
        )
    shape = (int(image_shape[0]), int(image_shape[1]))
    if width is not None and shape[0] * shape[1] != width:
        raise InvalidArgumentError(
            f"`image_shape` {shape} holds {shape[0] * shape[1]} pixels, but {name} has "
            f"{width} values per image. Pass the images' real (height, width)."
        )
    return shape
