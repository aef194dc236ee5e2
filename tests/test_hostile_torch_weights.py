"""Hostile PyTorch weight files for ``nnzero.interop.import_torch_safetensors``:
random and damaged bytes, and state dicts with any names, shapes, types and
values.

The importer must fill the model with finite weights or raise an nnzero
error, and must not allocate for sizes the file does not hold.
"""

import tracemalloc

import numpy as np
import pytest
import safetensors.numpy
from hypothesis import strategies as st

import nnzero as nz
from fuzzing import DEPTHS, mutated, run
from nnzero.interop import export_torch_safetensors, import_torch_safetensors


def _layers():
    return [nz.layers.Dense(4, activation="relu"), nz.layers.Dropout(0.1),
            nz.layers.Dense(2, activation="softmax")]


@pytest.fixture(scope="module")
def valid(tmp_path_factory):
    model = nz.Sequential(_layers(), seed=3)
    model.build((3,))
    path = tmp_path_factory.mktemp("torch") / "w.safetensors"
    export_torch_safetensors(model, path)
    return path.read_bytes(), safetensors.numpy.load(path.read_bytes())


@st.composite
def state_dicts(draw, original):
    """The valid state dict with one tensor renamed, dropped, added or
    replaced by another shape, type or value."""
    tensors = dict(original)
    name = draw(st.sampled_from([*sorted(tensors), "5.weight", "9.bias", "0.weight.x", "w"]))
    how = draw(st.sampled_from(["replace", "drop", "rename"]))
    if how == "drop" and name in tensors:
        del tensors[name]
    elif how == "rename" and name in tensors:
        tensors[draw(st.sampled_from(["7.weight", "1.weight", "0.bias", "x"]))] = tensors.pop(name)
    else:
        shape = tuple(draw(st.lists(st.integers(0, 5), max_size=3)))
        dtype = draw(st.sampled_from(["float16", "float32", "float64", "int32", "uint8", "bool"]))
        fill = draw(st.sampled_from([0.5, -1.0, 1e300, np.nan, np.inf, 1e-320]))
        with np.errstate(all="ignore"):
            tensors[name] = np.full(shape, fill).astype(dtype)
    return safetensors.numpy.save(tensors)


def import_or_refuse(path, data, strict, built):
    path.write_bytes(data)
    model = nz.Sequential(_layers(), seed=3)
    if built:
        model.build((3,))
    try:
        import_torch_safetensors(path, model, strict=strict)
    except nz.NNZeroError:
        return
    assert all(np.isfinite(w).all() for w in model.get_weights())


def check_all(tmp_path, examples, files):
    run(examples, st.tuples(files, st.booleans(), st.booleans()),
        lambda args: import_or_refuse(tmp_path / "w.safetensors", *args))


@pytest.mark.parametrize("examples", DEPTHS)
def test_random_and_damaged_bytes(tmp_path, valid, examples):
    check_all(tmp_path, examples, st.one_of(st.binary(max_size=128), mutated(valid[0])))


@pytest.mark.parametrize("examples", DEPTHS)
def test_edited_state_dicts(tmp_path, valid, examples):
    check_all(tmp_path, examples, state_dicts(valid[1]))


@pytest.mark.parametrize("width", [10**6, 10**12])
def test_an_empty_weight_cannot_size_a_huge_model(tmp_path, width):
    """A (0, width) weight holds no data, yet would size the model's input at
    width: refused before the first layer is built."""
    path = tmp_path / "w.safetensors"
    path.write_bytes(safetensors.numpy.save({"0.weight": np.zeros((0, width), np.float32)}))
    tracemalloc.start()
    try:
        with pytest.raises(nz.ModelFileError):
            import_torch_safetensors(path, _layers())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20


@pytest.mark.parametrize(("value", "dtype"), [(np.nan, "float32"), (np.inf, "float16"),
                                              (1e300, "float64")])
def test_non_finite_or_too_large_weights_are_refused(tmp_path, valid, value, dtype):
    """Found by fuzzing: these became NaN or inf weights."""
    tensors = dict(valid[1])
    tensors["0.weight"] = np.full(tensors["0.weight"].shape, value).astype(dtype)
    path = tmp_path / "w.safetensors"
    path.write_bytes(safetensors.numpy.save(tensors))
    model = nz.Sequential(_layers())
    model.build((3,))
    before = model.get_weights()
    with pytest.raises(nz.ModelFileError, match="NaN, infinite or .* too large"):
        import_torch_safetensors(path, model)
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
