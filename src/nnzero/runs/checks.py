"""Checks of run settings that take more than a line: per-layer activations,
the CSV file's format, hidden-layer sizes, kernel initializers, and the
names looked up in the registries. :func:`~nnzero.runs.config.resolve_config` calls
them; their errors become its ConfigError.

Example
-------
>>> from nnzero.runs.checks import check_activations
>>> check_activations("relu,tanh", 2)
['relu', 'tanh']
"""

from __future__ import annotations

import codecs

from .. import activations, initializers, losses, optimizers
from .._validation import check_int, check_string
from ..errors import InvalidArgumentError

__all__ = ["check_activations", "check_csv_format", "check_kernel_initializers",
           "check_layers", "check_names"]

_DELIMITER_NAMES = {"tab": "\t", "\\t": "\t"}


def check_activations(value, n_layers: int):
    """One hidden activation name for every layer, or a list of one per
    hidden layer (a list, or names separated by commas), lower-cased.

    Example
    -------
    >>> from nnzero.runs.checks import check_activations
    >>> check_activations("ReLU", 3), check_activations(["tanh", "elu"], 2)
    ('relu', ['tanh', 'elu'])
    """
    if isinstance(value, str) and "," in value:
        value = [part.strip() for part in value.split(",")]
    if not isinstance(value, list):
        return check_string(value, "activation").lower()
    if len(value) != n_layers:
        raise InvalidArgumentError(
            f"activation as a list needs one activation per hidden layer: {n_layers}. "
            f"Received {len(value)}: {value!r}")
    return [check_string(name, f"activation[{i}]").lower() for i, name in enumerate(value)]


def check_csv_format(config: dict) -> None:
    """Check ``encoding`` and ``delimiter`` (``"tab"`` or ``"\\t"`` for a tab)
    in place; both need ``csv``.

    Example
    -------
    >>> from nnzero.runs.checks import check_csv_format
    >>> config = {"csv": "a.tsv", "encoding": "latin-1", "delimiter": "tab"}
    >>> check_csv_format(config)
    >>> config["delimiter"]
    '\\t'
    """
    if config.get("encoding") is not None:
        try:
            codecs.lookup(config["encoding"])
        except LookupError:
            raise InvalidArgumentError(
                f"Unknown text encoding. Received: encoding={config['encoding']!r}") from None
    if config.get("delimiter") is not None:
        delimiter = _DELIMITER_NAMES.get(config["delimiter"], config["delimiter"])
        if len(delimiter) != 1 or delimiter in "\"\r\n":
            raise InvalidArgumentError(
                "delimiter must be one character other than a quote or newline ('tab' for a "
                f"tab). Received: delimiter={config['delimiter']!r}")
        config["delimiter"] = delimiter
    if config.get("csv") is None and (config.get("encoding") is not None
                                      or config.get("delimiter") is not None):
        raise InvalidArgumentError("encoding and delimiter describe a CSV file; they need csv "
                                   "as well.")


def check_names(c) -> None:
    """Unknown activation, loss, optimizer or initializer names in the
    settings ``c`` fail now, not after loading data.

    Example
    -------
    >>> from nnzero.runs.checks import check_names
    >>> check_names({"activation": "relu", "loss": "mse", "optimizer": "adamm",
    ...              "kernel_initializer": "he_normal", "output_activation": "auto"})
    Traceback (most recent call last):
    ...
    nnzero.errors.InvalidArgumentError: optimizer: ...
    """
    hidden = c["activation"]
    lookups = [(f"activation[{i}]" if isinstance(hidden, list) else "activation", name,
                activations.get) for i, name in enumerate(
                    hidden if isinstance(hidden, list) else [hidden])]
    lookups += [("loss", c["loss"], losses.get), ("optimizer", c["optimizer"], optimizers.get)]
    kernels = c["kernel_initializer"]
    if isinstance(kernels, list):
        lookups += [(f"kernel_initializer[{i}]", init, initializers.get)
                    for i, init in enumerate(kernels)]
    else:
        lookups.append(("kernel_initializer", kernels, initializers.get))
    if c["output_activation"] != "auto":
        lookups.append(("output_activation", c["output_activation"], activations.get))
    for key, value, get in lookups:
        try:
            get(value)
        except InvalidArgumentError as err:
            raise InvalidArgumentError(f"{key}: {err}") from None


def check_kernel_initializers(c):
    """One initializer for every kernel, or a list of one per Dense layer.

    Each is a name or a table of settings such as
    ``{name = "variance_scaling", scale = 16.0}``; a list holds one for each
    hidden layer and one for the output layer, in order.

    Example
    -------
    >>> from nnzero.runs.checks import check_kernel_initializers
    >>> check_kernel_initializers({"kernel_initializer": ["He_Normal", "zeros"],
    ...                            "layers": [8]})
    ['he_normal', 'zeros']
    """
    value = c["kernel_initializer"]
    if not isinstance(value, list):
        if isinstance(value, dict):
            return value
        return check_string(value, "kernel_initializer").lower()
    expected = len(c["layers"]) + 1
    if len(value) != expected:
        raise InvalidArgumentError(
            f"kernel_initializer as a list needs one initializer per Dense layer: "
            f"{expected} ({len(c['layers'])} hidden and the output). "
            f"Received {len(value)}: {value!r}"
        )
    kernels = []
    for i, init in enumerate(value):
        if isinstance(init, str):
            kernels.append(init.lower())
        elif isinstance(init, dict):
            kernels.append(init)
        else:
            raise InvalidArgumentError(f"kernel_initializer[{i}] must be a name or a table of "
                              f"settings. Received: {init!r} (a {type(init).__name__})")
    return kernels


def check_layers(value) -> list[int]:
    """Hidden-layer sizes from ``[128, 64]``, ``"128,64"`` or ``""`` (none).

    Example
    -------
    >>> from nnzero.runs.checks import check_layers
    >>> check_layers("128,64"), check_layers(""), check_layers(32)
    ([128, 64], [], [32])
    """
    if isinstance(value, str):
        parts = [p.strip() for p in value.split(",") if p.strip()]
        try:
            value = [int(p) for p in parts]
        except ValueError:
            raise InvalidArgumentError(
                f"layers must be comma-separated unit counts such as '128,64'. "
                f"Received: layers={', '.join(parts)!r}"
            ) from None
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise InvalidArgumentError(
            f"layers must be a list of positive unit counts such as [128, 64]. "
            f"Received: {value!r} (a {type(value).__name__})"
        )
    return [check_int(units, f"layers[{i}]", low=1) for i, units in enumerate(value)]
