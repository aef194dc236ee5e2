"""Helpers that write small IDX files and data sets for the loader tests."""

from __future__ import annotations

import gzip
import hashlib
import struct
from pathlib import Path

import numpy as np

CODES = {"uint8": 0x08, "int8": 0x09, "int16": 0x0B, "int32": 0x0C, "float32": 0x0D,
         "float64": 0x0E}
NAMES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


def idx_bytes(array):
    """The IDX encoding of ``array``: header, then big-endian values."""
    array = np.asarray(array)
    header = bytes([0, 0, CODES[array.dtype.name], array.ndim])
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_bytes(path, data, *, gz=False):
    """Write ``data`` to ``path``, gzipped when ``gz``; return the path."""
    path = Path(path)
    if gz:
        with gzip.open(path, "wb") as f:
            f.write(data)
    else:
        path.write_bytes(data)
    return path


def write_dataset(directory, *, n_train=6, n_test=4, seed=0, gz=True, size=28):
    """Write a random four-file MNIST-style set; return (arrays, sha256) by role."""
    rng = np.random.default_rng(seed)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    arrays = {
        "train_images": rng.integers(0, 256, (n_train, size, size), dtype=np.uint8),
        "train_labels": rng.integers(0, 10, n_train, dtype=np.uint8),
        "test_images": rng.integers(0, 256, (n_test, size, size), dtype=np.uint8),
        "test_labels": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    digests = {}
    for role, array in arrays.items():
        data = idx_bytes(array)
        digests[role] = hashlib.sha256(data).hexdigest()
        write_bytes(directory / (NAMES[role] + (".gz" if gz else "")), data, gz=gz)
    return arrays, digests
