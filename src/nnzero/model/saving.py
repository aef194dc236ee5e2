"""Loading models: ``load_model`` rebuilds a model from its ``.nnz`` file,
refusing a config that names anything not registered in nnzero or claims
more than the file holds.

How the file is laid out (entries, tensor names, versions), how it is
written (``file_format.save_model``, what ``Sequential.save`` calls) and how
each entry is read and checked is :mod:`nnzero.model.file_format`'s.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from .. import layers as layers_module
from .. import losses, optimizers
from ..errors import InvalidTypeError, ModelFileError, NNZeroError
from .file_format import (
    LAYER_TENSOR_PREFIX,
    check_format,
    model_arrays,
    open_file,
    read_json_entry,
    read_list,
    read_optimizer_state,
    read_rng_state,
    read_tensor,
)
from .sequential import Sequential

__all__ = ["MAX_LAYERS", "load_model"]

#: Most layers a model file may describe; more is a forged file, refused
#: before a single layer is made.
MAX_LAYERS = 10_000
# Widest layer a file without that many stored weights may describe (layers
# without weights, such as Flatten, can be wider than the weights they feed).
_WEIGHTLESS_WIDTH = 1 << 16


def load_model(path, compile: bool = True):
    """Load a model written by ``Sequential.save``.

    Parameters
    ----------
    path : str or path-like
        The ``.nnz`` file (a checkpoint written by ``fit`` is one too).
    compile : bool, default True
        Restore the optimizer, loss and metrics (with the optimizer's state,
        if the file holds it), so training can go on; False gives a model
        for inference only.

    Returns
    -------
    Sequential

    Raises
    ------
    ModelFileError
        If the file is missing, truncated, corrupt, or not an nnzero model
        (the message says which part is wrong).

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> import nnzero as nz
    >>> model = nz.Sequential([nz.layers.Dense(2)])
    >>> model.build((3,))
    >>> path = os.path.join(tempfile.mkdtemp(), "m.nnz")
    >>> model.save(path)
    >>> restored = nz.load_model(path)
    >>> all(np.array_equal(a, b) for a, b in zip(model.get_weights(), restored.get_weights()))
    True
    """
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidTypeError(f"`path` must be a file path (str or os.PathLike). "
                               f"Received: {path!r} of type {type(path).__name__}")
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"No model file at {str(path)!r}.")
    with open_file(path) as f:
        metadata = f.metadata() or {}
        check_format(metadata, path)
        config = read_json_entry(metadata, "model", path)
        layer_configs = read_list(config, "layers", path)
        if len(layer_configs) > MAX_LAYERS:
            raise ModelFileError(
                f"{str(path)!r} describes {len(layer_configs)} layers, more than the "
                f"{MAX_LAYERS} nnzero loads."
            )
        input_shape = _input_shape(config, path)
        try:
            model = Sequential(
                [layers_module.get(c) for c in layer_configs],
                seed=config.get("seed"),
                dtype=config.get("dtype", "float32"),
            )
            _check_sizes(model, input_shape, f, path)
            # The initial weights are replaced from the file: an initializer
            # setting that overflows does no harm here.
            with np.errstate(all="ignore"):
                model.build(input_shape)
        except ModelFileError:
            raise
        except (NNZeroError, TypeError, ValueError) as err:
            raise ModelFileError(f"{str(path)!r} has an invalid model config: {err}") from None
        keys = set(f.keys())
        # One tensor at a time straight into the new model: no second copy of the weights.
        for name, param in model_arrays(model):
            param[...] = read_tensor(f, keys, name, param, path)
        if "rng_state" in metadata:
            model.rng.bit_generator.state = read_rng_state(metadata, model.rng, path)
        if compile and "compile" in metadata:
            _restore_compile(model, metadata, f, path)
    return model


def _input_shape(config, path) -> tuple:
    shape = config.get("input_shape")
    if shape is None:
        raise ModelFileError(f"{str(path)!r} holds a model that was never built.")
    if (
        not isinstance(shape, list)
        or not 1 <= len(shape) <= 8
        or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 1 for d in shape)
    ):
        raise ModelFileError(
            f"{str(path)!r} has an invalid model config: input_shape must be a list of 1 to 8 "
            f"sizes >= 1. Received: {shape!r}"
        )
    return tuple(shape)


def _check_sizes(model, input_shape, f, path) -> None:
    """Refuse a config that needs more weights than the file holds, before
    anything is allocated: a small file claiming huge layers costs nothing."""
    stored = sum(math.prod(f.get_slice(key).get_shape())
                 for key in f.keys() if key.startswith(LAYER_TENSOR_PREFIX))
    shape = input_shape
    for i, layer in enumerate(model.layers):
        width = math.prod(shape)
        units = getattr(layer, "units", None)
        # A dense layer's kernel alone holds inputs x units numbers.
        needed = width * units if isinstance(units, int) else 0
        if needed > stored or width > max(stored, _WEIGHTLESS_WIDTH):
            raise ModelFileError(
                f"{str(path)!r}: layer {i} ({type(layer).__name__}) of the config needs "
                f"{max(needed, width)} numbers for inputs of shape {shape}, but the file "
                f"holds {stored} weights in all."
            )
        shape = tuple(layer.compute_output_shape(shape))


def _restore_compile(model, metadata, f, path) -> None:
    settings = read_json_entry(metadata, "compile", path)
    try:
        model.compile(
            optimizer=optimizers.get(settings["optimizer"]),
            loss=losses.get(settings["loss"]),
            metrics=read_list(settings, "metrics", path) if "metrics" in settings else [],
        )
    except (NNZeroError, KeyError, TypeError) as err:
        if isinstance(err, ModelFileError):
            raise
        raise ModelFileError(f"{str(path)!r} has an invalid compile config: {err}") from None
    state = read_optimizer_state(model, metadata, f, path)
    if state is not None:
        model.optimizer.set_state(state)
