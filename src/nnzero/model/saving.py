"""Saving and loading models: one safetensors file whose header metadata
holds the JSON config. Nothing is ever unpickled, and a config can only name
classes registered in nnzero, never code to import."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import safetensors.numpy
from safetensors import safe_open

from .. import layers as layers_module
from .. import losses, optimizers
from .._io import atomic_write_bytes
from .._registry import config_of
from ..errors import ModelFileError, NNZeroError

FORMAT = "nnzero"
FORMAT_VERSION = "1"
#: Most layers a model file may describe; more is a forged file, refused
#: before a single layer is made.
MAX_LAYERS = 10_000
# Widest layer a file without that many stored weights may describe (layers
# without weights, such as Flatten, can be wider than the weights they feed).
_WEIGHTLESS_WIDTH = 1 << 16


def save_model(model, path, include_optimizer: bool = True) -> None:
    atomic_write_bytes(path, model_bytes(model, include_optimizer))


def model_bytes(model, include_optimizer: bool = True, extra_metadata=None) -> bytes:
    """The model file's content: safetensors with the JSON config in its metadata.

    ``extra_metadata`` (string values) is stored beside nnzero's own keys;
    checkpoints keep their training state there.
    """
    if not model.built:
        raise ModelFileError("Cannot save a model that is not built yet; fit it or call build().")
    for layer in model.layers:
        if vars(type(layer)).get("registered_name") is None:
            raise ModelFileError(
                f"Cannot save layer {type(layer).__name__}: its class is not registered, so "
                "load_model could not rebuild it. Decorate the class with "
                "@nnzero.layers.register('a_name')."
            )
    tensors = {}
    for i, layer in enumerate(model.layers):
        for name, param in _layer_arrays(layer):
            tensors[f"layers.{i}.{name}"] = np.ascontiguousarray(param)
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model": json.dumps(model.get_config()),
        # The generator's position, so training resumed after load shuffles and
        # drops out exactly as it would have without the save.
        "rng_state": json.dumps(model.rng.bit_generator.state),
    }
    if model.compiled:
        metadata["compile"] = json.dumps(
            {
                "optimizer": config_of(model.optimizer, "optimizer"),
                "loss": config_of(model.loss, "loss"),
                "metrics": model.metric_names,
            }
        )
        if include_optimizer and model.optimizer.built:
            state = model.optimizer.get_state()
            metadata["optimizer_state"] = json.dumps(
                {"iterations": state["iterations"], "slots": sorted(state["slots"])}
            )
            for slot, arrays in state["slots"].items():
                for j, array in enumerate(arrays):
                    tensors[f"optimizer.{slot}.{j}"] = np.ascontiguousarray(array)
    metadata.update(extra_metadata or {})
    return safetensors.numpy.save(tensors, metadata=metadata)


def load_model(path, compile: bool = True):
    """Load a model written by ``Sequential.save``.

    Example
    -------
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
    from .sequential import Sequential

    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"No model file at {str(path)!r}.")
    try:
        handle = safe_open(str(path), framework="numpy")
    except Exception as err:  # the Rust parser raises its own error types
        raise ModelFileError(
            f"{str(path)!r} is not an nnzero model (not a readable safetensors file: {err})."
        ) from None
    with handle as f:
        metadata = f.metadata() or {}
        if metadata.get("format") != FORMAT:
            raise ModelFileError(f"{str(path)!r} is a safetensors file but not an nnzero model.")
        if metadata.get("format_version") != FORMAT_VERSION:
            raise ModelFileError(
                f"{str(path)!r} has model format version {metadata.get('format_version')!r}; "
                f"this nnzero reads version {FORMAT_VERSION}."
            )
        config = _json(metadata, "model", path)
        layer_configs = _list(config, "layers", path)
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
        for i, layer in enumerate(model.layers):
            for name, param in _layer_arrays(layer):
                param[...] = _tensor(f, keys, f"layers.{i}.{name}", param, path)
        if "rng_state" in metadata:
            _restore_rng(model, metadata, path)
        if compile and "compile" in metadata:
            _restore_compile(model, metadata, f, keys, path)
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
    stored = 0
    for key in f.keys():
        if key.startswith("layers."):
            stored += math.prod(f.get_slice(key).get_shape())
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


def _layer_arrays(layer):
    """A layer's parameters, then the state it keeps besides them (a batch
    normalisation's running estimates), as ``(name, array)`` pairs."""
    yield from zip(layer.param_names, layer.params, strict=True)
    yield from zip(getattr(layer, "state_names", ()), getattr(layer, "state", ()), strict=True)


def _restore_compile(model, metadata, f, keys, path) -> None:
    settings = _json(metadata, "compile", path)
    try:
        model.compile(
            optimizer=optimizers.get(settings["optimizer"]),
            loss=losses.get(settings["loss"]),
            metrics=_list(settings, "metrics", path) if "metrics" in settings else [],
        )
    except (NNZeroError, KeyError, TypeError) as err:
        if isinstance(err, ModelFileError):
            raise
        raise ModelFileError(f"{str(path)!r} has an invalid compile config: {err}") from None
    state = optimizer_state(model, metadata, f, keys, path)
    if state is not None:
        model.optimizer.set_state(state)


def optimizer_state(model, metadata, f, keys, path):
    """The optimizer state stored in an open model file, checked against
    ``model.optimizer`` (``None`` when the file holds none)."""
    if "optimizer_state" not in metadata:
        return None
    state = _json(metadata, "optimizer_state", path)
    iterations = state.get("iterations", 0)
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 0:
        raise ModelFileError(
            f"{str(path)!r}: optimizer_state 'iterations' must be an integer >= 0. "
            f"Received: {iterations!r}"
        )
    slot_names = _list(state, "slots", path)
    if not all(isinstance(name, str) for name in slot_names):
        raise ModelFileError(f"{str(path)!r}: optimizer_state 'slots' must be names.")
    expected = sorted(getattr(model.optimizer, "slot_names", slot_names))
    if sorted(slot_names) != expected:
        raise ModelFileError(
            f"{str(path)!r}: optimizer_state has slots {slot_names!r}, but "
            f"{type(model.optimizer).__name__} as configured uses {expected!r}."
        )
    params = model.params
    slots = {
        slot: [
            _tensor(f, keys, f"optimizer.{slot}.{j}", p, path)
            for j, p in enumerate(params)
        ]
        for slot in slot_names
    }
    return {"iterations": iterations, "slots": slots}


def _json(metadata, key, path):
    try:
        value = json.loads(metadata[key])
    except (KeyError, ValueError, RecursionError) as err:
        # ValueError covers bad JSON and integers of more digits than Python converts.
        raise ModelFileError(
            f"{str(path)!r} has a missing or malformed {key!r} entry: {err}"
        ) from None
    if not isinstance(value, dict):
        raise ModelFileError(f"{str(path)!r}: the {key!r} entry must be a JSON object.")
    return value


def _list(config, key, path):
    value = config.get(key)
    if not isinstance(value, list):
        raise ModelFileError(f"{str(path)!r}: config entry {key!r} must be a list.")
    return value


def _restore_rng(model, metadata, path) -> None:
    state = _json(metadata, "rng_state", path)
    try:
        model.rng.bit_generator.state = state
    except (TypeError, ValueError, KeyError, OverflowError) as err:
        raise ModelFileError(f"{str(path)!r} has an invalid 'rng_state' entry: {err}") from None


_FLOAT_TENSORS = {"F16", "F32", "F64"}  # safetensors names of the types NumPy reads


def _tensor(f, keys, name, like, path):
    """Tensor ``name`` as an array of ``like``'s shape and dtype, refusing
    a missing, misshapen, non-float or non-finite one."""
    shape = like.shape
    if name not in keys:
        raise ModelFileError(f"{str(path)!r} lacks the tensor {name!r} that its config requires.")
    # Shape and type come from the header: checked before the data is read.
    view = f.get_slice(name)
    if tuple(view.get_shape()) != tuple(shape):
        raise ModelFileError(
            f"{str(path)!r}: tensor {name!r} has shape {tuple(view.get_shape())}, "
            f"but the config implies {tuple(shape)}."
        )
    if view.get_dtype() not in _FLOAT_TENSORS:
        raise ModelFileError(
            f"{str(path)!r}: tensor {name!r} must hold floating-point numbers "
            f"(float16, float32 or float64); it holds {view.get_dtype()}."
        )
    stored = f.get_tensor(name)
    # Converted first and checked after: a float64 value beyond float32's
    # range becomes inf here and is refused; a tiny one rightly becomes 0.
    with np.errstate(all="ignore"):
        array = stored.astype(like.dtype, copy=False)
    if not np.isfinite(array).all():
        raise ModelFileError(
            f"{str(path)!r}: tensor {name!r} must hold finite numbers that fit "
            f"{like.dtype} (it is {stored.dtype})."
        )
    return array
