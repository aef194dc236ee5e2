"""Weights in PyTorch's layout: safetensors files that load straight into a
``torch.nn.Sequential`` (and back), without nnzero ever importing torch.

The mapping
-----------
Each nnzero layer becomes the ``torch.nn`` modules PyTorch users write for
it, in order, and every module takes its own index in the Sequential —
activations and dropout included, as in
``nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))``:

==============================  =====================================
nnzero                          torch.nn modules
==============================  =====================================
Dense(units, activation=a)      Linear(n_in, units, bias=use_bias),
                                then a's module unless a is linear
Dropout(rate)                   Dropout(p=rate)
Flatten()                       Flatten()
RandomTranslation, RandomFlip   nothing: they are the identity at
                                inference (PyTorch augments in the data
                                pipeline, e.g. torchvision transforms)
Activation(a)                   a's module
relu / sigmoid / tanh           ReLU() / Sigmoid() / Tanh()
leaky_relu / elu                LeakyReLU(negative_slope) / ELU(alpha)
softmax                         Softmax(dim=1)
==============================  =====================================

Only the Linear modules hold tensors: ``"{i}.weight"`` of shape
``(out_features, in_features)`` — the transpose of nnzero's ``(n_in, units)``
kernel, as PyTorch stores it — and ``"{i}.bias"``, where ``i`` is the
Linear's index in that Sequential. :func:`torch_modules` lists the modules
so the matching ``torch.nn.Sequential`` can be built.

Example
-------
>>> import nnzero as nz
>>> from nnzero.interop import torch_modules, torch_state_dict
>>> model = nz.Sequential([nz.layers.Dense(4, activation="relu"),
...                        nz.layers.Dropout(0.5),
...                        nz.layers.Dense(2, activation="softmax")])
>>> model.build((3,))
>>> [name for name, _ in torch_modules(model)]
['Linear', 'ReLU', 'Dropout', 'Linear', 'Softmax']
>>> {key: array.shape for key, array in torch_state_dict(model).items()}
{'0.weight': (4, 3), '0.bias': (4,), '3.weight': (2, 4), '3.bias': (2,)}
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from ._io import atomic_write_bytes
from ._validation import check_bool
from .activations import ELU, LeakyReLU, Linear, ReLU, Sigmoid, Softmax, Tanh
from .errors import InvalidArgumentError, InvalidTypeError, ModelFileError
from .layers import Activation, Dense, Dropout, Flatten, RandomFlip, RandomTranslation


def _activation_module(activation, where: str):
    kind = type(activation)
    if kind is Linear:
        return None
    simple = {ReLU: "ReLU", Sigmoid: "Sigmoid", Tanh: "Tanh"}
    if kind in simple:
        return (simple[kind], {})
    if kind is LeakyReLU:
        return ("LeakyReLU", {"negative_slope": activation.negative_slope})
    if kind is ELU:
        return ("ELU", {"alpha": activation.alpha})
    if kind is Softmax:
        return ("Softmax", {"dim": 1})
    raise InvalidArgumentError(
        f"{where} uses the activation {activation!r}, which has no torch.nn module in this "
        "mapping (relu, sigmoid, tanh, leaky_relu, elu, softmax, linear)."
    )


def _plan(model):
    """``[(module_name, kwargs, dense_or_None), ...]``, one entry per torch module."""
    if not model.built:
        raise InvalidArgumentError(
            "The model is not built yet; fit it or call build(input_shape) first."
        )
    plan = []
    for index, layer in enumerate(model.layers):
        where = f"Layer {index} ({type(layer).__name__})"
        kind = type(layer)
        if kind is Dense:
            n_in = layer.kernel.shape[0]
            plan.append(("Linear", {"in_features": n_in, "out_features": layer.units,
                                    "bias": layer.use_bias}, layer))
            module = _activation_module(layer.activation, where)
        elif kind is Dropout:
            module = ("Dropout", {"p": layer.rate})
        elif kind is Flatten:
            module = ("Flatten", {})
        elif kind in (RandomTranslation, RandomFlip):
            module = None
        elif kind is Activation:
            module = _activation_module(layer.activation, where)
        else:
            raise InvalidArgumentError(
                f"{where} has no torch.nn counterpart in this mapping "
                "(Dense, Dropout, Flatten, Activation, RandomTranslation, RandomFlip)."
            )
        if module is not None:
            plan.append((*module, None))
    return plan


def torch_modules(model) -> list[tuple[str, dict]]:
    """The ``torch.nn`` modules, as ``(class name, keyword arguments)``, of the
    ``torch.nn.Sequential`` whose ``state_dict`` matches :func:`torch_state_dict`:
    ``nn.Sequential(*(getattr(nn, name)(**kw) for name, kw in torch_modules(model)))``.

    Parameters
    ----------
    model : Sequential
        A built model of Dense, Dropout, Flatten, Activation and augmentation
        layers with built-in activations.

    Returns
    -------
    list of (str, dict)

    Raises
    ------
    InvalidArgumentError
        If a layer or activation has no PyTorch module (it is named).

    Examples
    --------
    >>> import nnzero as nz
    >>> model = nz.Sequential([nz.layers.Dense(2, activation="tanh")])
    >>> model.build((5,))
    >>> torch_modules(model)
    [('Linear', {'in_features': 5, 'out_features': 2, 'bias': True}), ('Tanh', {})]
    """
    return [(name, kwargs) for name, kwargs, _ in _plan(model)]


def torch_state_dict(model) -> dict[str, np.ndarray]:
    """The model's weights under PyTorch's names and layouts (copies).

    Parameters
    ----------
    model : Sequential
        A built model of Dense, Dropout, Flatten, Activation and augmentation
        layers with built-in activations.

    Returns
    -------
    dict of str to ndarray
        ``"<index>.weight"`` of shape ``(out, in)`` (the kernel transposed)
        and ``"<index>.bias"`` for each Dense layer, indexed as in
        :func:`torch_modules`.

    Examples
    --------
    >>> import nnzero as nz
    >>> model = nz.Sequential([nz.layers.Dense(2, use_bias=False)])
    >>> model.build((3,))
    >>> sd = torch_state_dict(model)
    >>> list(sd), sd["0.weight"].shape
    (['0.weight'], (2, 3))
    """
    tensors = {}
    for position, (_, _, dense) in enumerate(_plan(model)):
        if dense is None:
            continue
        tensors[f"{position}.weight"] = np.ascontiguousarray(dense.kernel.T)
        if dense.use_bias:
            tensors[f"{position}.bias"] = dense.bias.copy()
    return tensors


def export_torch_safetensors(model, path) -> None:
    """Write the weights as a safetensors file that
    ``torch.nn.Sequential.load_state_dict(safetensors.torch.load_file(path))``
    accepts (atomically). The header metadata records the module list.

    Parameters
    ----------
    model : Sequential
        A built model of Dense, Dropout, Flatten, Activation and augmentation
        layers with built-in activations.
    path : str or path-like
        The file to write.

    Raises
    ------
    ModelFileError
        If the file cannot be written (the previous file, if any, is kept).

    Examples
    --------
    >>> import os, tempfile
    >>> import nnzero as nz
    >>> model = nz.Sequential([nz.layers.Dense(2)])
    >>> model.build((3,))
    >>> path = os.path.join(tempfile.mkdtemp(), "weights.safetensors")
    >>> export_torch_safetensors(model, path)
    >>> os.path.getsize(path) > 0
    True
    """
    import safetensors.numpy

    metadata = {"format": "pt", "torch_modules": json.dumps(torch_modules(model))}
    data = safetensors.numpy.save(torch_state_dict(model), metadata=metadata)
    atomic_write_bytes(path, data)


def import_torch_safetensors(path, model, strict: bool = True):
    """Load a ``torch.nn.Sequential`` state dict saved as safetensors into
    ``model`` (a :class:`nnzero.Sequential` or a list of layers, which becomes
    one), and return the model.

    An unbuilt model is built from the first Linear weight's width. With
    ``strict`` the tensor names must be exactly those of
    :func:`torch_state_dict` for this model; with ``strict=False`` the Linear
    weights are matched to the Dense layers in index order, whatever their
    indices (a torch model laid out differently, e.g. without Dropout modules).

    Parameters
    ----------
    path : str or path-like
        A safetensors file of a ``torch.nn.Sequential``'s state dict.
    model : Sequential or list of Layer
        The architecture to load the weights into.
    strict : bool, default True
        Require exactly the tensor names of :func:`torch_state_dict`.

    Returns
    -------
    Sequential
        ``model`` (or the model built from the list) with the weights.

    Raises
    ------
    ModelFileError
        If the file cannot be read, or its tensors do not fit the model
        (the mismatch is named).

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import nnzero as nz
    >>> source = nz.Sequential([nz.layers.Dense(2, activation="relu")], seed=1)
    >>> source.build((3,))
    >>> path = os.path.join(tempfile.mkdtemp(), "weights.safetensors")
    >>> export_torch_safetensors(source, path)
    >>> copy = import_torch_safetensors(path, [nz.layers.Dense(2, activation="relu")])
    >>> np.array_equal(copy.layers[0].kernel, source.layers[0].kernel)
    True
    """
    from safetensors.numpy import load_file

    from .model import Sequential

    if isinstance(model, (list, tuple)):
        model = Sequential(list(model))
    if not isinstance(model, Sequential):
        raise InvalidTypeError(
            "`model` must be an nnzero Sequential or a list of layers. "
            f"Received: {type(model).__name__}"
        )
    strict = check_bool(strict, "strict")
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"No safetensors file at {str(path)!r}.")
    try:
        tensors = load_file(str(path))
    except Exception as err:  # the Rust parser raises its own error types
        raise ModelFileError(f"{str(path)!r} is not a readable safetensors file: {err}") from None
    if not model.built:
        model.build(_first_width(tensors, path, model))
    denses = [dense for _, _, dense in _plan(model) if dense is not None]
    names = _names_for(model, tensors, path, strict)
    updates = []
    for dense, (weight_key, bias_key) in zip(denses, names, strict=True):
        kernel = _array(tensors, weight_key, dense.kernel.T.shape, dense.kernel.dtype, path)
        updates.append((dense.params[0], kernel.T))
        if dense.use_bias:
            bias = _array(tensors, bias_key, dense.bias.shape, dense.bias.dtype, path)
            updates.append((dense.params[1], bias))
    # Every tensor was found and checked before any weight changes.
    for param, value in updates:
        param[...] = value
    return model


_KEY = re.compile(r"^(\d+)\.(weight|bias)$")


def _first_width(tensors, path, model) -> tuple[int]:
    width_keeping = (Dense, Dropout, Activation, RandomTranslation, RandomFlip)
    if not model.layers or not isinstance(model.layers[0], width_keeping):
        raise InvalidArgumentError(
            "Build the model first (model.build(input_shape)): its input shape cannot be "
            "read from the file when the first layer is not Dense."
        )
    weights = sorted((int(m.group(1)), k) for k in tensors if (m := _KEY.match(k))
                     and m.group(2) == "weight")
    if not weights or tensors[weights[0][1]].ndim != 2 or tensors[weights[0][1]].size == 0:
        # An empty (0, n) weight holds no data yet would size the input at n.
        raise ModelFileError(f"{str(path)!r} holds no Linear weight to size the model from.")
    return (tensors[weights[0][1]].shape[1],)


def _names_for(model, tensors, path, strict) -> list[tuple[str, str]]:
    """The (weight, bias) tensor names for each Dense layer, in order."""
    if strict:
        expected = set(torch_state_dict(model))
        missing, unexpected = sorted(expected - set(tensors)), sorted(set(tensors) - expected)
        if missing or unexpected:
            raise ModelFileError(
                f"{str(path)!r} does not match this model's torch layout "
                f"{[name for name, _ in torch_modules(model)]}: missing {missing}, "
                f"unexpected {unexpected}. Pass strict=False to match Linear layers by order."
            )
        return [(f"{i}.weight", f"{i}.bias") for i, (_, _, dense) in enumerate(_plan(model))
                if dense is not None]
    indices = sorted({int(m.group(1)) for k in tensors if (m := _KEY.match(k))
                      and m.group(2) == "weight"})
    n_dense = sum(isinstance(layer, Dense) for layer in model.layers)
    if len(indices) != n_dense:
        raise ModelFileError(
            f"{str(path)!r} holds {len(indices)} Linear weights; the model has {n_dense} "
            "Dense layers."
        )
    return [(f"{i}.weight", f"{i}.bias") for i in indices]


def _array(tensors, key, shape, dtype, path) -> np.ndarray:
    if key not in tensors:
        raise ModelFileError(f"{str(path)!r} has no tensor {key!r}.")
    array = tensors[key]
    if array.shape != tuple(shape):
        raise ModelFileError(
            f"{str(path)!r}: tensor {key!r} has shape {array.shape}; this model needs "
            f"{tuple(shape)}."
        )
    if array.dtype.kind != "f":
        raise ModelFileError(f"{str(path)!r}: tensor {key!r} is {array.dtype}, not floating.")
    # Converted first, checked after: a float64 value beyond float32 becomes inf.
    with np.errstate(all="ignore"):
        array = array.astype(dtype, copy=False)
    if not np.isfinite(array).all():
        raise ModelFileError(
            f"{str(path)!r}: tensor {key!r} holds NaN, infinite or (for {dtype}) too large "
            "values."
        )
    return array


__all__ = [
    "export_torch_safetensors",
    "import_torch_safetensors",
    "torch_modules",
    "torch_state_dict",
]
