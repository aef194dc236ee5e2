"""An animated GIF of a decision boundary taking shape while a model trains."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from nnzero._validation import check_int
from nnzero.errors import InvalidArgumentError, InvalidTypeError, NotCompiledError
from nnzero.plot._base import check_class_names, close, new_figure, to_rgb_array, write_atomic
from nnzero.plot.boundary import Grid, check_two_input_model, check_xy, draw, model_output

__all__ = ["boundary_animation"]


def boundary_animation(
    model,
    x,
    y,
    path,
    epochs=200,
    frames=40,
    *,
    frame_ms=120,
    resolution=100,
    class_names=None,
    **fit_kwargs,
):
    """Train ``model`` on ``(x, y)`` and write a GIF of its decision boundary.

    The first frame shows the untrained model; training then runs in
    ``frames - 1`` equal slices of the ``epochs`` (as many ``fit`` calls,
    which keep the optimizer's state), each followed by a frame titled with
    the epoch, loss and accuracy. The last frame is held for a second. The
    model ends trained for ``epochs`` epochs.

    Parameters
    ----------
    model : Sequential
        A compiled model with 2 inputs and a classifier output; built or
        not (it is built from ``x``).
    x : array-like, shape (n_samples, 2)
    y : array-like
        Targets as ``fit`` takes them for the model's loss.
    path : str or Path
        Where to write the GIF (suffix ``.gif``; its directory must exist).
    epochs : int, default 200
        Total epochs of training.
    frames : int, default 40
        Frames in the animation, at least 2 (fewer when ``epochs`` is
        smaller than ``frames - 1``).
    frame_ms : int, default 120
        Display time of each frame in milliseconds.
    resolution : int, default 100
        Grid points per axis.
    class_names : list of str, optional
        Legend names of classes ``0, 1, ...``.
    **fit_kwargs
        Passed to every ``fit`` call (``batch_size``, ``shuffle``...).

    Returns
    -------
    Path
        ``path``.

    Example
    -------
    >>> import pathlib, tempfile
    >>> import nnzero as nz
    >>> from nnzero import plot
    >>> x, y = nz.datasets.make_xor(40, seed=0)
    >>> model = nz.Sequential([nz.layers.Dense(4, activation="tanh"),
    ...                        nz.layers.Dense(2, activation="softmax")], seed=0)
    >>> model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "xor.gif"
    >>> plot.boundary_animation(model, x, y, out, epochs=4, frames=3, resolution=20).name
    'xor.gif'
    """
    if not hasattr(model, "fit") or not hasattr(model, "compiled"):
        raise InvalidTypeError(
            f"`model` must be an nnzero Sequential. Received: {type(model).__name__}"
        )
    if not model.compiled:
        raise NotCompiledError(
            "You must call compile(optimizer, loss) before boundary_animation()."
        )
    if model.built:
        check_two_input_model(model)
    x, labels = check_xy(x, y)
    path = _check_gif_path(path)
    epochs = check_int(epochs, "epochs", low=1)
    frames = check_int(frames, "frames", low=2)
    frame_ms = check_int(frame_ms, "frame_ms", low=1)
    resolution = check_int(resolution, "resolution", low=2)
    names = check_class_names(class_names)
    if "epochs" in fit_kwargs or "verbose" in fit_kwargs:
        raise InvalidArgumentError(
            "Pass the total number of epochs as `epochs`; fit's `epochs` and `verbose` "
            "are set by boundary_animation."
        )

    # Epoch counts at which frames are drawn; rounding may merge some when
    # epochs < frames - 1, which only shortens the animation.
    checkpoints = np.unique(np.linspace(0, epochs, frames).round().astype(int))
    model.fit(x, y, epochs=0, verbose=0, **fit_kwargs)  # validates everything and builds
    check_two_input_model(model)
    grid = Grid(x, resolution)
    fig = new_figure(5.0, 4.4)
    ax = fig.add_subplot()
    images = []
    done = 0
    for target in checkpoints:
        if target > done:
            model.fit(x, y, epochs=int(target - done), verbose=0, **fit_kwargs)
            done = int(target)
        ax.clear()
        draw(ax, model, x, labels, grid, names)
        loss = model.evaluate(x, y)["loss"]
        predicted, _ = model_output(model, x)
        accuracy = np.mean(predicted == labels)
        ax.set_title(f"epoch {done} · loss {loss:.3f} · accuracy {accuracy:.2f}")
        images.append(to_rgb_array(fig))
        # Laying out every frame anew costs more than drawing it; the first
        # frame's layout fits them all (same axes, same limits).
        fig.set_layout_engine("none")
    close(fig)
    _write_gif(path, images, frame_ms)
    return path


def _check_gif_path(path) -> Path:
    if not isinstance(path, (str, Path)):
        raise InvalidTypeError(
            f"`path` must be a str or Path. Received: an object of type {type(path).__name__}"
        )
    path = Path(path)
    if path.suffix.lower() != ".gif":
        raise InvalidArgumentError(f"`path` must end in .gif. Received: path={str(path)!r}")
    if not path.parent.is_dir():
        raise InvalidArgumentError(
            f"Cannot write {str(path)!r}: directory {str(path.parent)!r} does not exist."
        )
    return path


def _write_gif(path: Path, images, frame_ms: int) -> None:
    from PIL import Image

    # One palette, drawn from frames across the run, for every frame: colours
    # then do not flicker between frames, and late, saturated shades exist.
    step = max(1, len(images) // 8)
    sample = np.concatenate([*images[::step], images[-1]], axis=0)
    palette = Image.fromarray(sample).quantize(colors=255, method=Image.Quantize.MEDIANCUT)
    frames = [
        Image.fromarray(img).quantize(palette=palette, dither=Image.Dither.NONE) for img in images
    ]
    durations = [frame_ms] * (len(frames) - 1) + [max(frame_ms, 1000)]
    buffer = io.BytesIO()
    frames[0].save(
        buffer, format="GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0
    )
    write_atomic(path, buffer.getvalue())
