"""Saving and loading models: one safetensors file whose header metadata
holds the JSON config. Nothing is ever unpickled, and a config can only name
classes registered in nnzero, never code to import."""

from __future__ import annotations

import json
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
        try:
            model = Sequential(
                [layers_module.get(c) for c in _list(config, "layers", path)],
                seed=config.get("seed"),
                dtype=config.get("dtype", "float32"),
            )
            input_shape = config.get("input_shape")
            if input_shape is None:
                raise ModelFileError(f"{str(path)!r} holds a model that was never built.")
            model.build(tuple(input_shape))
        except ModelFileError:
            raise
        except (NNZeroError, TypeError, ValueError) as err:
            raise ModelFileError(f"{str(path)!r} has an invalid model config: {err}") from None
        keys = set(f.keys())
        for i, layer in enumerate(model.layers):
            for name, param in _layer_arrays(layer):
                param[...] = _tensor(f, keys, f"layers.{i}.{name}", param.shape, path)
        if "rng_state" in metadata:
            _restore_rng(model, metadata, path)
        if compile and "compile" in metadata:
            _restore_compile(model, metadata, f, keys, path)
    return model


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
    expected = sorted(getattr(model.optimizer, "slot_names", slot_names))
    if sorted(slot_names) != expected:
        raise ModelFileError(
            f"{str(path)!r}: optimizer_state has slots {slot_names!r}, but "
            f"{type(model.optimizer).__name__} as configured uses {expected!r}."
        )
    params = model.params
    slots = {
        slot: [
            _tensor(f, keys, f"optimizer.{slot}.{j}", p.shape, path).astype(p.dtype)
            for j, p in enumerate(params)
        ]
        for slot in slot_names
    }
    return {"iterations": iterations, "slots": slots}


def _json(metadata, key, path):
    try:
        value = json.loads(metadata[key])
    except (KeyError, json.JSONDecodeError, RecursionError) as err:
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
    except (TypeError, ValueError, KeyError) as err:
        raise ModelFileError(f"{str(path)!r} has an invalid 'rng_state' entry: {err}") from None


def _tensor(f, keys, name, shape, path):
    if name not in keys:
        raise ModelFileError(f"{str(path)!r} lacks the tensor {name!r} that its config requires.")
    array = f.get_tensor(name)
    if array.shape != tuple(shape):
        raise ModelFileError(
            f"{str(path)!r}: tensor {name!r} has shape {array.shape}, "
            f"but the config implies {tuple(shape)}."
        )
    if array.dtype.kind != "f" or not np.isfinite(array).all():
        raise ModelFileError(
            f"{str(path)!r}: tensor {name!r} must hold finite floating-point numbers "
            f"(dtype {array.dtype})."
        )
    return array
