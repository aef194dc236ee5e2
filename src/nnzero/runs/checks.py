"""Checks of run settings that take more than a line: per-layer activations
and the CSV file's format. :func:`~nnzero.runs.config.resolve_config` calls
them; their errors become its ConfigError.

Example
-------
>>> from nnzero.runs.checks import check_activations
>>> check_activations("relu,tanh", 2)
['relu', 'tanh']
"""

from __future__ import annotations

import codecs

from .._validation import check_string
from ..errors import InvalidArgumentError

__all__ = ["check_activations", "check_csv_format"]

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
