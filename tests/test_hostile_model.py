"""Hostile model files: random bytes, forged safetensors headers, damaged
and edited files, configs that name unknown things or claim huge sizes.

``load_model`` must return a working model or raise ModelFileError -- never
a JSON, safetensors, type, key, recursion or memory error -- and nothing in
a file can make it import or run code.
"""

import json
import struct
import sys
import tracemalloc

import numpy as np
import pytest
import safetensors.numpy
from hypothesis import strategies as st
from safetensors import safe_open

import nnzero as nz
from fuzzing import DEPTHS, json_values, mutated, run


def _saved(model, tmp_path, name):
    path = tmp_path / name
    model.save(path)
    with safe_open(str(path), framework="numpy") as f:
        return dict(f.metadata()), {k: f.get_tensor(k) for k in f.keys()}


@pytest.fixture(scope="module")
def originals(tmp_path_factory):
    """A few valid files: (metadata, tensors) of differently built models."""
    tmp_path = tmp_path_factory.mktemp("models")
    x, y = np.random.default_rng(0).normal(size=(8, 4)), np.arange(8) % 3
    plain = nz.Sequential([nz.layers.Dense(5, activation="relu"), nz.layers.Dropout(0.2),
                           nz.layers.Dense(3, activation="softmax")])
    plain.compile(optimizer=nz.optimizers.Adam(amsgrad=True),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    plain.fit(x, y, epochs=1, verbose=0)
    regularized = nz.Sequential(
        [nz.layers.Flatten(), nz.layers.Dense(2, activation="elu",
                                              kernel_regularizer=nz.regularizers.L2(0.1)),
         nz.layers.Activation("sigmoid")], dtype="float64")
    schedule = nz.schedules.ExponentialDecay(0.1, decay_steps=3, decay_rate=0.5)
    regularized.compile(optimizer=nz.optimizers.SGD(schedule, momentum=0.9), loss="mse")
    regularized.fit(x.reshape(8, 2, 2), np.ones((8, 2)), epochs=1, verbose=0)
    uncompiled = nz.Sequential([nz.layers.Dense(1, use_bias=False)])
    uncompiled.build((3,))
    augmented = nz.Sequential([nz.layers.RandomTranslation(1, image_shape=(2, 8)),
                               nz.layers.RandomFlip(), nz.layers.Dense(3, activation="softmax")])
    augmented.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    augmented.fit(np.tile(x, (1, 4)), y, epochs=1, verbose=0)
    return [_saved(m, tmp_path, f"{i}.nnz")
            for i, m in enumerate([plain, regularized, uncompiled, augmented])]


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


def test_deeply_nested_and_huge_json(tmp_path, originals):
    metadata, tensors = originals[0]
    deep = "[" * 200_000 + "]" * 200_000
    for model in (deep, '{"layers": ' + deep + "}", json.dumps({"x": "y" * 20_000_000}),
                  '{"input_shape": [' + "9" * 5000 + "]}"):
        data = safetensors.numpy.save(tensors, metadata=dict(metadata, model=model))
        (tmp_path / "m.nnz").write_bytes(data)
        with pytest.raises(nz.ModelFileError):
            nz.load_model(tmp_path / "m.nnz")


def test_many_layers_in_a_small_file_are_refused_quickly(tmp_path, originals):
    metadata, tensors = originals[2]
    config = json.loads(metadata["model"])
    config["layers"] = [{"name": "dropout", "rate": 0.1}] * 20_000 + config["layers"]
    data = safetensors.numpy.save(tensors, metadata=dict(metadata, model=json.dumps(config)))
    (tmp_path / "m.nnz").write_bytes(data)
    with pytest.raises(nz.ModelFileError, match="20001 layers, more than the 10000"):
        nz.load_model(tmp_path / "m.nnz")


@pytest.mark.parametrize("name", ["os.system", "builtins.eval", "nnzero.layers.dense.Dense",
                                  "__import__", "pickle"])
def test_a_config_cannot_name_code(tmp_path, originals, name, monkeypatch):
    metadata, tensors = originals[2]
    config = json.loads(metadata["model"])
    config["layers"][0]["name"] = name
    config["layers"][0]["activation"] = {"name": name}
    data = safetensors.numpy.save(tensors, metadata=dict(metadata, model=json.dumps(config)))
    (tmp_path / "m.nnz").write_bytes(data)
    imported = set(sys.modules)
    with pytest.raises(nz.ModelFileError, match="Unknown layer"):
        nz.load_model(tmp_path / "m.nnz")
    assert set(sys.modules) == imported


def test_a_pickle_is_not_a_model(tmp_path):
    import pickle

    (tmp_path / "m.nnz").write_bytes(pickle.dumps({"layers": []}))
    with pytest.raises(nz.ModelFileError, match="not a readable safetensors file"):
        nz.load_model(tmp_path / "m.nnz")


def _edit(originals, tmp_path, index, metadata_changes=None, tensor_changes=None):
    metadata, tensors = originals[index]
    metadata = dict(metadata, **(metadata_changes or {}))
    tensors = dict(tensors, **(tensor_changes or {}))
    (tmp_path / "m.nnz").write_bytes(safetensors.numpy.save(tensors, metadata=metadata))
    return tmp_path / "m.nnz"


def _bf16_file(originals, tmp_path):
    """safetensors.numpy cannot write bfloat16, so the header is written by hand."""
    metadata, _ = originals[2]
    header = {"__metadata__": metadata,
              "layers.0.kernel": {"dtype": "BF16", "shape": [3, 1], "data_offsets": [0, 6]}}
    text = json.dumps(header).encode()
    (tmp_path / "m.nnz").write_bytes(struct.pack("<Q", len(text)) + text + bytes(6))
    return tmp_path / "m.nnz"


@pytest.mark.parametrize(
    ("make", "match"),
    [
        # Each of these once escaped load_model as a non-nnzero exception.
        (lambda o, t: _edit(o, t, 0, {"optimizer_state": json.dumps(
            {"iterations": 1, "slots": [None, "m", "v"]})}), "'slots' must be names"),
        (lambda o, t: _edit(o, t, 2, tensor_changes={
            "layers.0.kernel": np.full((3, 1), 1e300)}), "finite numbers that fit float32"),
        (lambda o, t: _edit(o, t, 2, tensor_changes={
            "layers.0.kernel": np.ones((3, 1), np.int32)}), "it holds I32"),
        (_bf16_file, "it holds BF16"),
        (lambda o, t: _edit(o, t, 2, {"rng_state": json.dumps(
            {"bit_generator": "PCG64", "state": {"state": 2**200, "inc": 1},
             "has_uint32": 0, "uinteger": 0})}), "invalid 'rng_state'"),
        (lambda o, t: _edit(o, t, 2, {"model": json.dumps(
            dict(json.loads(o[2][0]["model"]), input_shape=[10**6],
                 layers=[{"name": "dense", "units": 10**6}]))}),
         r"needs 1000000000000 numbers .* holds 3 weights"),
        (lambda o, t: _edit(o, t, 2, {"model": json.dumps(
            dict(json.loads(o[2][0]["model"]), input_shape=[2**40, 2**40],
                 layers=[{"name": "flatten"}, {"name": "dense", "units": 1}]))}),
         "needs 1208925819614629174706176 numbers"),
        (lambda o, t: _edit(o, t, 2, {"model": json.dumps(
            dict(json.loads(o[2][0]["model"]), input_shape=[3, 0]))}), "input_shape"),
    ],
    ids=["null-slot", "f64-overflow", "int-tensor", "bf16", "rng-overflow", "huge-dense",
         "flatten-overflow", "zero-size"],
)
def test_found_hostile_cases(tmp_path, originals, make, match):
    with pytest.raises(nz.ModelFileError, match=match):
        nz.load_model(make(originals, tmp_path))


def test_an_initializer_setting_that_overflows_is_harmless(tmp_path, originals):
    """The weights come from the file; building with an absurd initializer
    setting must not fail, even with floating-point errors raised."""
    config = json.loads(originals[2][0]["model"])
    config["layers"][0]["kernel_initializer"] = {"name": "random_normal", "stddev": 1e308}
    model = nz.load_model(_edit(originals, tmp_path, 2, {"model": json.dumps(config)}))
    np.testing.assert_array_equal(model.get_weights()[0], originals[2][1]["layers.0.kernel"])
