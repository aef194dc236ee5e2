"""The layout of an nnzero file (``.nnz``): how it is written and read back.

A ``.nnz`` file is one safetensors file: a JSON header naming each tensor's
type, shape and place, a ``__metadata__`` map of text to text, then the
tensors' bytes. Every setting is JSON text in that map, every array a
tensor; nothing is unpickled, and a config names only registered classes.

The metadata entries are ``format``, ``format_version``, ``model``,
``rng_state``, ``compile``, ``optimizer_state`` and, in a checkpoint,
``checkpoint`` (:mod:`nnzero.model.checkpoint_file`); the tensors are named
by :func:`layer_tensor_name` and :func:`optimizer_tensor_name`.
``docs/file_format.md`` describes every entry.

:func:`save_model` and :func:`model_file_bytes` write a file; the ``read_*``
and ``check_*`` functions read it back, each raising
:class:`~nnzero.errors.ModelFileError` that names the file and the entry.
Rebuilding a model from a file is :func:`nnzero.model.saving.load_model`'s.

Example
-------
>>> from nnzero.model import file_format
>>> file_format.FORMAT, file_format.FORMAT_VERSION
('nnzero', '1')
>>> file_format.layer_tensor_name(0, "kernel")
'layers.0.kernel'
"""

from __future__ import annotations

import json

import numpy as np
import safetensors.numpy
from safetensors import safe_open

from .._io import atomic_write_bytes
from .._registry import config_of
from ..errors import InvalidArgumentError, ModelFileError
from .canonical import canonical_bytes

__all__ = [
    "CHECKPOINT_KEY", "FORMAT", "FORMAT_VERSION", "LAYER_TENSOR_PREFIX", "check_format",
    "check_rng_state", "layer_arrays", "layer_tensor_name", "model_arrays", "model_file_bytes",
    "open_file", "optimizer_tensor_name", "read_json_entry", "read_layer_tensors", "read_list",
    "read_optimizer_state", "read_rng_state", "read_tensor", "save_model",
]

#: Value of the ``format`` entry: what marks a safetensors file as nnzero's.
FORMAT = "nnzero"
#: Value of the ``format_version`` entry; bumped only when old readers could
#: not read new files.
FORMAT_VERSION = "1"
#: Metadata key of a checkpoint's training state.
CHECKPOINT_KEY = "checkpoint"
#: Start of every layer tensor's name (``layers.{i}.{name}``).
LAYER_TENSOR_PREFIX = "layers."

# safetensors' names of the tensor types NumPy reads as floating point.
_FLOAT_TENSOR_TYPES = {"F16", "F32", "F64"}

_UNREADABLE = {
    "model": "{path} is not an nnzero model (not a readable safetensors file: {error}).",
    "checkpoint": "The checkpoint {path} is unreadable ({error}); delete it to start over.",
}


# -- names -------------------------------------------------------------------------------
def layer_tensor_name(index: int, name: str) -> str:
    """The tensor name of array ``name`` of the model's layer ``index``.

    Example
    -------
    >>> layer_tensor_name(2, "moving_mean")
    'layers.2.moving_mean'
    """
    return f"{LAYER_TENSOR_PREFIX}{index}.{name}"


def optimizer_tensor_name(slot: str, index: int) -> str:
    """The tensor name of optimizer slot ``slot``'s array for parameter ``index``.

    Example
    -------
    >>> optimizer_tensor_name("m", 1)
    'optimizer.m.1'
    """
    return f"optimizer.{slot}.{index}"


def layer_arrays(layer):
    """A layer's stored arrays as ``(name, array)`` pairs: its parameters,
    then the state it keeps besides them (a batch normalisation's running
    estimates). The arrays are the layer's own, not copies.

    Example
    -------
    >>> import nnzero as nz
    >>> model = nz.Sequential([nz.layers.Dense(2)])
    >>> model.build((3,))
    >>> [name for name, _ in layer_arrays(model.layers[0])]
    ['kernel', 'bias']
    """
    yield from zip(layer.param_names, layer.params, strict=True)
    yield from zip(getattr(layer, "state_names", ()), getattr(layer, "state", ()), strict=True)


def model_arrays(model) -> list:
    """Every array a file stores for ``model``'s layers, as
    ``(tensor_name, array)`` pairs in the order they are written and read.

    Example
    -------
    >>> import nnzero as nz
    >>> model = nz.Sequential([nz.layers.Dense(2), nz.layers.Dense(1, use_bias=False)])
    >>> model.build((3,))
    >>> [name for name, _ in model_arrays(model)]
    ['layers.0.kernel', 'layers.0.bias', 'layers.1.kernel']
    """
    return [
        (layer_tensor_name(i, name), array)
        for i, layer in enumerate(model.layers)
        for name, array in layer_arrays(layer)
    ]


# -- writing -----------------------------------------------------------------------------
def model_file_bytes(model, include_optimizer: bool = True, extra_metadata=None,
                     extra_tensors=None) -> bytes:
    """The content of ``model``'s ``.nnz`` file.

    ``include_optimizer`` stores the optimizer's slots and step count (when
    it has taken a step). ``extra_metadata`` (text values) and
    ``extra_tensors`` (arrays by name) are stored beside nnzero's own
    entries; checkpoints keep their training state and callbacks' arrays
    there.

    Raises ModelFileError for a model that is not built or has a layer whose
    class is not registered (``load_model`` could not rebuild it).

    Example
    -------
    >>> import nnzero as nz
    >>> from safetensors.numpy import load
    >>> model = nz.Sequential([nz.layers.Dense(2)])
    >>> model.build((3,))
    >>> sorted(load(model_file_bytes(model)))
    ['layers.0.bias', 'layers.0.kernel']
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
    tensors = {name: np.ascontiguousarray(array) for name, array in model_arrays(model)}
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model": json.dumps(model.get_config()),
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
                    tensors[optimizer_tensor_name(slot, j)] = np.ascontiguousarray(array)
    metadata.update(extra_metadata or {})
    tensors.update(extra_tensors or {})
    # Sorted header: the same model always gives the same bytes.
    return canonical_bytes(safetensors.numpy.save(tensors, metadata=metadata))


def save_model(model, path, include_optimizer: bool = True) -> None:
    """Write ``model``'s file to ``path`` atomically (what ``Sequential.save``
    does): :func:`model_file_bytes`, then a temporary file renamed over
    ``path``, so a crash never leaves half a file.

    Example
    -------
    >>> import os, tempfile
    >>> import nnzero as nz
    >>> model = nz.Sequential([nz.layers.Dense(2)])
    >>> model.build((3,))
    >>> path = os.path.join(tempfile.mkdtemp(), "m.nnz")
    >>> save_model(model, path)
    >>> nz.load_model(path).layers[0].units
    2
    """
    atomic_write_bytes(path, model_file_bytes(model, include_optimizer))


# -- reading -----------------------------------------------------------------------------
def open_file(path, kind: str = "model"):
    """Open a ``.nnz`` file for reading: a safetensors handle, used as a
    context manager. Only the header is read here.

    ``kind`` (``"model"`` or ``"checkpoint"``) words the error raised for a
    file that is not readable safetensors.

    Example
    -------
    >>> import os, tempfile
    >>> import nnzero as nz
    >>> model = nz.Sequential([nz.layers.Dense(2)])
    >>> model.build((3,))
    >>> path = os.path.join(tempfile.mkdtemp(), "m.nnz")
    >>> model.save(path)
    >>> with open_file(path) as f:
    ...     check_format(f.metadata(), path)
    """
    if kind not in _UNREADABLE:
        raise InvalidArgumentError(
            f"`kind` must be one of {sorted(_UNREADABLE)}. Received: kind={kind!r}"
        )
    try:
        return safe_open(str(path), framework="numpy")
    except Exception as err:  # the Rust parser raises its own error types
        message = _UNREADABLE[kind].format(path=repr(str(path)), error=err)
        raise ModelFileError(message) from None


def check_format(metadata, path) -> None:
    """Refuse a safetensors file that is not an nnzero file of this version.

    Example
    -------
    >>> check_format({"format": "nnzero", "format_version": "1"}, "m.nnz")
    >>> check_format({"format": "pt"}, "w.safetensors")
    Traceback (most recent call last):
    ...
    nnzero.errors.ModelFileError: 'w.safetensors' is a safetensors file but not an nnzero model.
    """
    if metadata.get("format") != FORMAT:
        raise ModelFileError(f"{str(path)!r} is a safetensors file but not an nnzero model.")
    if metadata.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(
            f"{str(path)!r} has model format version {metadata.get('format_version')!r}; "
            f"this nnzero reads version {FORMAT_VERSION}."
        )


def read_json_entry(metadata, key, path) -> dict:
    """Metadata entry ``key`` parsed as a JSON object.

    Example
    -------
    >>> read_json_entry({"model": '{"layers": []}'}, "model", "m.nnz")
    {'layers': []}
    >>> read_json_entry({}, "compile", "m.nnz")
    Traceback (most recent call last):
    ...
    nnzero.errors.ModelFileError: 'm.nnz' has a missing or malformed 'compile' entry: 'compile'
    """
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


def read_list(config, key, path) -> list:
    """``config[key]``, refused unless it is a list.

    Example
    -------
    >>> read_list({"metrics": ["accuracy"]}, "metrics", "m.nnz")
    ['accuracy']
    """
    value = config.get(key)
    if not isinstance(value, list):
        raise ModelFileError(f"{str(path)!r}: config entry {key!r} must be a list.")
    return value


def read_tensor(f, keys, name, like, path) -> np.ndarray:
    """Tensor ``name`` of the open file ``f`` as an array of ``like``'s
    shape and dtype, refusing a missing, misshapen, non-float or non-finite
    one. ``keys`` is the set of the file's tensor names.

    Shape and type are checked from the header, before the data is read.

    Example
    -------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import nnzero as nz
    >>> model = nz.Sequential([nz.layers.Dense(2)])
    >>> model.build((3,))
    >>> path = os.path.join(tempfile.mkdtemp(), "m.nnz")
    >>> model.save(path)
    >>> with open_file(path) as f:
    ...     kernel = read_tensor(f, set(f.keys()), "layers.0.kernel", np.zeros((3, 2)), path)
    >>> kernel.dtype, np.array_equal(kernel, model.layers[0].kernel)
    (dtype('float64'), True)
    """
    shape = like.shape
    if name not in keys:
        raise ModelFileError(f"{str(path)!r} lacks the tensor {name!r} that its config requires.")
    view = f.get_slice(name)
    if tuple(view.get_shape()) != tuple(shape):
        raise ModelFileError(
            f"{str(path)!r}: tensor {name!r} has shape {tuple(view.get_shape())}, "
            f"but the config implies {tuple(shape)}."
        )
    if view.get_dtype() not in _FLOAT_TENSOR_TYPES:
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


def read_layer_tensors(f, model, path) -> list:
    """Every layer array of ``model`` read from the open file ``f``, in
    :func:`model_arrays` order, each checked by :func:`read_tensor`.
    Nothing in the model changes.

    Example
    -------
    >>> import os, tempfile
    >>> import nnzero as nz
    >>> model = nz.Sequential([nz.layers.Dense(2)])
    >>> model.build((3,))
    >>> path = os.path.join(tempfile.mkdtemp(), "m.nnz")
    >>> model.save(path)
    >>> with open_file(path) as f:
    ...     [a.shape for a in read_layer_tensors(f, model, path)]
    [(3, 2), (2,)]
    """
    keys = set(f.keys())
    return [read_tensor(f, keys, name, array, path) for name, array in model_arrays(model)]


def read_optimizer_state(model, metadata, f, path):
    """The optimizer state stored in the open file ``f``, checked against
    ``model.optimizer`` (``None`` when the file holds none): a dict that
    ``model.optimizer.set_state`` takes.

    Example
    -------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import nnzero as nz
    >>> model = nz.Sequential([nz.layers.Dense(1)])
    >>> model.compile(optimizer="adam", loss="mse")
    >>> _ = model.fit(np.ones((4, 2)), np.ones(4), epochs=1, verbose=0)
    >>> path = os.path.join(tempfile.mkdtemp(), "m.nnz")
    >>> model.save(path)
    >>> with open_file(path) as f:
    ...     state = read_optimizer_state(model, f.metadata(), f, path)
    >>> state["iterations"], sorted(state["slots"])
    (1, ['m', 'v'])
    """
    if "optimizer_state" not in metadata:
        return None
    state = read_json_entry(metadata, "optimizer_state", path)
    iterations = state.get("iterations", 0)
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 0:
        raise ModelFileError(
            f"{str(path)!r}: optimizer_state 'iterations' must be an integer >= 0. "
            f"Received: {iterations!r}"
        )
    slot_names = read_list(state, "slots", path)
    if not all(isinstance(name, str) for name in slot_names):
        raise ModelFileError(f"{str(path)!r}: optimizer_state 'slots' must be names.")
    expected = sorted(getattr(model.optimizer, "slot_names", slot_names))
    if sorted(slot_names) != expected:
        raise ModelFileError(
            f"{str(path)!r}: optimizer_state has slots {slot_names!r}, but "
            f"{type(model.optimizer).__name__} as configured uses {expected!r}."
        )
    keys = set(f.keys())
    slots = {
        slot: [
            read_tensor(f, keys, optimizer_tensor_name(slot, j), p, path)
            for j, p in enumerate(model.params)
        ]
        for slot in slot_names
    }
    return {"iterations": iterations, "slots": slots}


def check_rng_state(candidate, rng, path, where) -> None:
    """Refuse ``candidate`` unless it is a valid ``bit_generator.state`` for
    the kind of generator ``rng`` is; ``rng`` itself is left alone.
    ``where`` names the entry in the error.

    Example
    -------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> check_rng_state(rng.bit_generator.state, rng, "m.nnz", "rng_state")
    >>> check_rng_state({"bit_generator": "MT19937"}, rng, "m.nnz", "rng_state")
    Traceback (most recent call last):
    ...
    nnzero.errors.ModelFileError: 'm.nnz' has an invalid rng_state: ...
    """
    scratch = np.random.Generator(type(rng.bit_generator)())
    try:
        scratch.bit_generator.state = candidate
    except (TypeError, ValueError, KeyError, OverflowError) as err:
        raise ModelFileError(f"{str(path)!r} has an invalid {where}: {err}") from None


def read_rng_state(metadata, rng, path, where: str = "'rng_state' entry") -> dict:
    """The ``rng_state`` entry, checked by :func:`check_rng_state` to suit
    ``rng``'s kind of generator; ``where`` names it in errors.

    Example
    -------
    >>> import json
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> metadata = {"rng_state": json.dumps(rng.bit_generator.state)}
    >>> read_rng_state(metadata, rng, "m.nnz")["bit_generator"]
    'PCG64'
    """
    state = read_json_entry(metadata, "rng_state", path)
    check_rng_state(state, rng, path, where)
    return state
