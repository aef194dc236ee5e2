"""Hostile model files: random bytes, forged safetensors headers, damaged
and edited files, configs that name unknown things or claim huge sizes.

``load_model`` must return a working model or raise ModelFileError -- never
a JSON, safetensors, type, key, recursion or memory error -- and nothing in
a file can make it import or run code.

These are the generated files; the hand-made ones (deep JSON, a pickle,
names of code, and each case the generator once found) are in
test_saving.py, beside load_model's other refusals.
"""

import json
import struct
import tracemalloc

import numpy as np
import pytest
import safetensors.numpy
from hypothesis import strategies as st

import nnzero as nz
from fuzzing import DEPTHS, json_values, mutated, run
from model_files import original_files


@pytest.fixture(scope="module")
def originals(tmp_path_factory):
    """A few valid files: (metadata, tensors) of differently built models."""
    return original_files(tmp_path_factory.mktemp("models"))


def load_or_refuse(path, data):
    """load_model gives a built model with finite weights, or ModelFileError."""
    path.write_bytes(data)
    try:
        model = nz.load_model(path)
    except nz.ModelFileError:
        return
    assert model.built
    assert all(np.isfinite(w).all() for w in model.get_weights())


def _paths(value, prefix=()):
    """Every place in a JSON value: key paths into dicts and lists."""
    yield prefix
    items = value.items() if isinstance(value, dict) else (
        enumerate(value) if isinstance(value, list) else ())
    for key, child in items:
        yield from _paths(child, (*prefix, key))


def _replace(value, path, new):
    if not path:
        return new
    value = json.loads(json.dumps(value))
    target = value
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = new
    return value


@st.composite
def edited_metadata(draw, originals):
    """A valid file with one metadata entry edited: a value deep inside its
    JSON replaced, the whole entry replaced, or the entry's text damaged."""
    metadata, tensors = draw(st.sampled_from(originals))
    metadata = dict(metadata)
    key = draw(st.sampled_from(sorted(metadata)))
    how = draw(st.sampled_from(["deep", "whole", "text", "drop"]))
    if how == "drop":
        del metadata[key]
    elif how == "text":
        metadata[key] = draw(mutated(metadata[key].encode())).decode("utf-8", "replace")
    else:
        try:
            original = json.loads(metadata[key])
        except ValueError:
            original = metadata[key]
        path = draw(st.sampled_from(list(_paths(original)))) if how == "deep" else ()
        new = draw(st.one_of(json_values(), _names()))
        metadata[key] = json.dumps(_replace(original, path, new))
    return safetensors.numpy.save(tensors, metadata=metadata)


def _names():
    """Names a config might use: registered ones, near misses, and attempts
    to name code."""
    return st.sampled_from([
        "dense", "dropout", "flatten", "activation", "random_translation", "random_flip",
        "relu", "softmax", "adam", "sgd", "mse",
        "Dense", "os.system", "builtins.eval", "nnzero.layers.Dense", "__import__",
        "subprocess.Popen", "", "float16", "int64", "PCG64", "MT19937",
    ])


@st.composite
def edited_tensors(draw, originals):
    """A valid file with one tensor replaced by another shape or type, removed,
    or joined by an extra one."""
    metadata, tensors = draw(st.sampled_from(originals))
    tensors = dict(tensors)
    name = draw(st.sampled_from(sorted(tensors) + ["layers.9.kernel", "optimizer.m.7"]))
    dtype = draw(st.sampled_from(["float16", "float32", "float64", "int8", "int64", "uint8",
                                  "bool"]))
    shape = tuple(draw(st.lists(st.integers(0, 5), max_size=3)))
    fill = draw(st.sampled_from([0.0, 1.0, -1e30, np.nan, np.inf, 1e-40]))
    if draw(st.booleans()) and name in tensors:
        del tensors[name]
    else:
        with np.errstate(all="ignore"):
            tensors[name] = np.full(shape, fill).astype(dtype)
    return safetensors.numpy.save(tensors, metadata=metadata)


@st.composite
def forged_safetensors(draw):
    """A safetensors container built by hand: any header length, any JSON
    header (tensor entries with any dtype, shape and offsets), any data."""
    entry = st.fixed_dictionaries({
        "dtype": st.sampled_from(["F16", "BF16", "F32", "F64", "I8", "I64", "U8", "BOOL",
                                  "F8_E4M3", "X"]),
        "shape": st.lists(st.one_of(st.integers(0, 4), st.integers(0, 2**64 - 1)), max_size=3),
        "data_offsets": st.lists(st.integers(0, 2**64 - 1), min_size=0, max_size=3),
    })
    metadata = st.fixed_dictionaries({"format": st.just("nnzero"),
                                      "format_version": st.just("1")},
                                     optional={"model": json_values().map(json.dumps)})
    header = draw(st.one_of(
        st.dictionaries(st.sampled_from(["layers.0.kernel", "layers.0.bias", "x"]), entry,
                        max_size=2).map(lambda d: d | {"__metadata__": draw(metadata)}),
        json_values(),
    ))
    text = json.dumps(header).encode()
    length = draw(st.one_of(st.just(len(text)), st.integers(0, 2**64 - 1)))
    return struct.pack("<Q", length) + text + draw(st.binary(max_size=64))


@pytest.mark.parametrize("examples", DEPTHS)
def test_random_and_damaged_bytes(tmp_path, originals, examples):
    valid = st.sampled_from(originals).map(lambda o: safetensors.numpy.save(o[1], metadata=o[0]))
    files = st.one_of(st.binary(max_size=256), valid.flatmap(mutated))
    run(examples, files, lambda data: load_or_refuse(tmp_path / "m.nnz", data))


@pytest.mark.parametrize("examples", DEPTHS)
def test_forged_containers(tmp_path, examples):
    run(examples, forged_safetensors(), lambda data: load_or_refuse(tmp_path / "m.nnz", data))


@pytest.mark.parametrize("examples", DEPTHS)
def test_edited_configs(tmp_path, originals, examples):
    run(examples, edited_metadata(originals),
        lambda data: load_or_refuse(tmp_path / "m.nnz", data))


@pytest.mark.parametrize("examples", DEPTHS)
def test_edited_tensors(tmp_path, originals, examples):
    run(examples, edited_tensors(originals),
        lambda data: load_or_refuse(tmp_path / "m.nnz", data))


@pytest.mark.parametrize("examples", DEPTHS)
def test_huge_sizes_in_a_config_allocate_nothing(tmp_path, originals, examples):
    """A config may claim any input width and any number of units; the file
    holds a few bytes of weights, so loading must fail before allocating."""
    metadata, tensors = originals[2]  # Dense(1) on 3 inputs
    sizes = st.one_of(st.integers(1, 2**20), st.integers(2**20, 2**64))

    def check(args):
        width, units, flatten = args
        config = json.loads(metadata["model"])
        config["input_shape"] = [width, width] if flatten else [width]
        config["layers"][0]["units"] = units
        if flatten:
            config["layers"].insert(0, {"name": "flatten"})
        data = safetensors.numpy.save(tensors, metadata=dict(metadata, model=json.dumps(config)))
        (tmp_path / "m.nnz").write_bytes(data)
        tracemalloc.start()
        try:
            with pytest.raises(nz.ModelFileError):
                nz.load_model(tmp_path / "m.nnz")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 16 << 20

    run(examples, st.tuples(sizes, sizes, st.booleans()).filter(
        lambda a: (a[0] ** (2 if a[2] else 1) + 1) * a[1] > 4), check)
