"""Saving the same model twice gives the same bytes."""

import numpy as np
import safetensors.numpy

import nnzero as nz
from nnzero.model.canonical import canonical_bytes


def test_same_model_same_bytes(tmp_path):
    model = nz.Sequential([nz.layers.Dense(4, activation="relu"), nz.layers.Dense(2)], seed=0)
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((8, 3), np.float32), np.zeros((8, 2), np.float32), epochs=1, verbose=0)
    files = set()
    for i in range(12):
        model.save(tmp_path / f"m{i}.nnz")
        files.add((tmp_path / f"m{i}.nnz").read_bytes())
    assert len(files) == 1
    restored = nz.load_model(tmp_path / "m0.nnz")
    for a, b in zip(model.get_weights(), restored.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_header_is_sorted_padded_and_the_data_kept():
    tensors = {"b": np.arange(3, dtype=np.float32), "a": np.ones((2, 2))}
    raw = safetensors.numpy.save(tensors, metadata={"z": "1", "y": "é"})
    data = canonical_bytes(raw)
    size = int.from_bytes(data[:8], "little")
    assert (8 + size) % 8 == 0
    assert data[8:8 + size].decode().rstrip().startswith('{"__metadata__":{"y":"é","z":"1"}')
    assert data.endswith(raw[8 + int.from_bytes(raw[:8], "little"):])
    loaded = safetensors.numpy.load(data)
    for name, array in tensors.items():
        np.testing.assert_array_equal(loaded[name], array)
