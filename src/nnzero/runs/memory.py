"""Sizes checked before anything is allocated: the network and generated data.

``nnzero train --layers 1000000000`` would draw 785 billion weights; without
a check, the process grows until the system's out-of-memory killer ends it.
:func:`check_network_memory` and :func:`check_sample_memory` compare what a
run will need with the memory available and refuse, in one line naming the
numbers, what cannot fit, before a byte of it is allocated.

Example
-------
>>> from nnzero.runs.memory import parameter_count
>>> parameter_count(784, [128, 64], 10)
109386
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import InvalidArgumentError

__all__ = [
    "MemoryLimitError",
    "available_memory",
    "check_network_memory",
    "check_sample_memory",
    "format_bytes",
    "known_shape",
    "parameter_count",
    "training_bytes",
]

# Arrays of the optimizer's state per parameter, by optimizer name (momentum adds one).
_OPTIMIZER_SLOTS = {"sgd": 0, "adagrad": 1, "rmsprop": 1, "adam": 2, "adamw": 2}
# Features and classes of the sets whose shape is known before they are loaded.
_SHAPES = {"mnist": (784, 10), "fashion-mnist": (784, 10), "digits": (64, 10),
           "moons": (2, 2), "circles": (2, 2), "blobs": (2, 3), "xor": (2, 2),
           "spirals": (2, 3), "tutorial_001": (3, 2)}
# Bytes per generated sample and feature: float64 coordinates, the noise
# drawn for them, the float32 copy and the train/test split of that copy.
_BYTES_PER_GENERATED_VALUE = 8 + 8 + 4 + 4
# Share of the available memory a run may plan to use: the rest is for
# Python, NumPy's temporaries and whatever else the machine runs.
_USABLE_SHARE = 0.8


class MemoryLimitError(InvalidArgumentError):
    """A run would need more memory than the machine has available."""


def available_memory() -> int | None:
    """Bytes of memory this process can still use, or ``None`` when unknown.

    The smaller of the system's available memory (``MemAvailable`` on
    Linux) and what is left under the control group's limit, where one is
    set (a container's memory limit).

    Example
    -------
    >>> from nnzero.runs.memory import available_memory
    >>> available_memory() is None or available_memory() > 0
    True
    """
    candidates = [_meminfo_available(), _cgroup_remaining()]
    known = [c for c in candidates if c is not None]
    if not known:
        try:
            known.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (AttributeError, ValueError, OSError):
            return None
    return max(0, min(known))


def _meminfo_available() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _cgroup_remaining() -> int | None:
    pairs = (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),  # cgroup v2
             ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
              "/sys/fs/cgroup/memory/memory.usage_in_bytes"))
    for limit_file, usage_file in pairs:
        try:
            limit = Path(limit_file).read_text().strip()
            usage = int(Path(usage_file).read_text().strip())
        except (OSError, ValueError):
            continue
        if limit == "max" or not limit.isdigit() or int(limit) >= 1 << 60:
            return None  # no limit set
        return int(limit) - usage
    return None


def format_bytes(n: int) -> str:
    """``n`` bytes in the largest unit that keeps a number of at least 1.

    Example
    -------
    >>> from nnzero.runs.memory import format_bytes
    >>> format_bytes(3_140_000_000_000), format_bytes(512)
    ('3.1 TB', '512 bytes')
    """
    if n < 1000:
        return f"{n} bytes"
    for unit in ("kB", "MB", "GB", "TB", "PB", "EB"):
        n /= 1000
        if n < 1000 or unit == "EB":
            return f"{n:.1f} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover


def known_shape(config: dict) -> tuple[int, int] | None:
    """``(features, outputs)`` of a run's network, known before its data is
    loaded; ``None`` for a CSV file (its header must be read first).

    Example
    -------
    >>> from nnzero.runs.memory import known_shape
    >>> known_shape({"dataset": "mnist", "csv": None, "loss": "mse"})
    (784, 10)
    """
    if config.get("csv") is not None or config.get("dataset") not in _SHAPES:
        return None
    features, classes = _SHAPES[config["dataset"]]
    if classes == 2 and config.get("loss") == "binary_crossentropy":
        classes = 1  # one sigmoid unit
    return features, classes


def parameter_count(n_features: int, layers, n_outputs: int, batch_norm: bool = False) -> int:
    """Numbers the Dense stack ``n_features -> layers... -> n_outputs`` holds.

    Kernels and biases; with ``batch_norm`` the hidden layers have no bias
    and each has a scale and an offset per unit (as ``count_params`` counts).
    Python integers, so that no size overflows.

    Example
    -------
    >>> from nnzero.runs.memory import parameter_count
    >>> parameter_count(2, [3], 1), parameter_count(2, [3], 1, batch_norm=True)
    (13, 16)
    """
    total, width = 0, int(n_features)
    for units in layers:
        units = int(units)
        total += width * units + (2 * units if batch_norm else units)
        width = units
    return total + width * int(n_outputs) + int(n_outputs)


def training_bytes(n_params: int, dtype, optimizer: str = "adam", momentum: float = 0.0,
                   batch_size: int = 128, widths=()) -> int:
    """Bytes that training a network of ``n_params`` numbers takes, about.

    The weights, their gradients, the optimizer's state, one copy for the
    saved model and checkpoint, and a batch's activations and their
    gradients through layers of ``widths`` units.

    Example
    -------
    >>> from nnzero.runs.memory import training_bytes
    >>> training_bytes(1000, "float32", "sgd")  # weights, gradients, one copy
    12000
    """
    itemsize = np.dtype(dtype).itemsize
    slots = _OPTIMIZER_SLOTS.get(optimizer, 2) + (1 if momentum else 0)
    copies = 2 + slots + 1
    activations = 3 * int(batch_size) * sum(int(w) for w in widths)
    return (copies * int(n_params) + activations) * itemsize


def check_network_memory(config: dict, n_features: int, n_outputs: int,
                         available: int | None = None) -> int:
    """Refuse a network whose training would not fit in memory; return its
    parameter count.

    ``available`` defaults to :func:`available_memory`; when that is
    unknown, nothing is refused.

    Raises
    ------
    MemoryLimitError
        Naming the parameter count, the bytes training needs and the bytes
        available.

    Example
    -------
    >>> from nnzero.runs.memory import check_network_memory
    >>> config = {"layers": [10**9], "dtype": "float32", "optimizer": "adam",
    ...           "momentum": 0.0, "batch_size": 128, "batch_norm": False}
    >>> check_network_memory(config, 784, 10, available=16 * 10**9)
    Traceback (most recent call last):
    ...
    nnzero.runs.memory.MemoryLimitError: layers [1000000000]: the network has ...
    """
    layers = list(config["layers"])
    n_params = parameter_count(n_features, layers, n_outputs, config.get("batch_norm", False))
    needed = training_bytes(n_params, config["dtype"], config["optimizer"],
                            config.get("momentum", 0.0), config["batch_size"],
                            [n_features, *layers, n_outputs])
    available = available_memory() if available is None else available
    if available is not None and needed > _USABLE_SHARE * available:
        raise MemoryLimitError(
            f"layers {layers}: the network has {n_params:,} parameters; training it in "
            f"{config['dtype']} with {config['optimizer']} needs about {format_bytes(needed)} "
            f"of memory, and {format_bytes(available)} is available. Use fewer or smaller "
            "layers."
        )
    return n_params


def check_sample_memory(config: dict, available: int | None = None) -> None:
    """Refuse a generated toy set too large for memory, before generating it.

    Example
    -------
    >>> from nnzero.runs.memory import check_sample_memory
    >>> check_sample_memory({"dataset": "moons", "csv": None, "samples": 10**12},
    ...                     available=16 * 10**9)
    Traceback (most recent call last):
    ...
    nnzero.runs.memory.MemoryLimitError: samples 1000000000000: generating them ...
    """
    shape = known_shape(config)
    if shape is None or config["dataset"] in ("mnist", "fashion-mnist", "digits"):
        return  # not generated
    samples = int(config["samples"])
    needed = samples * (shape[0] + 1) * _BYTES_PER_GENERATED_VALUE
    available = available_memory() if available is None else available
    if available is not None and needed > _USABLE_SHARE * available:
        raise MemoryLimitError(
            f"samples {samples}: generating them for {config['dataset']} needs about "
            f"{format_bytes(needed)} of memory, and {format_bytes(available)} is available. "
            "Ask for fewer samples."
        )
