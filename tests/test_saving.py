"""save and load_model (``nnzero.model.saving``): round trips that keep the
optimizer state, the file's form, atomic writes, and every refusal of a bad
file by name.

The functions of ``nnzero.model.file_format`` are tested one by one in
test_file_format.py; generated hostile files are in test_hostile_model.py."""

from __future__ import annotations

import json
import os
import re
import struct
import sys

import numpy as np
import pytest
import safetensors.numpy
from safetensors import safe_open

import nnzero as nz
from model_files import original_files
from nnzero import ModelFileError
from nnzero.layers import Dense, Dropout
from refusals import N_FEATURES as DATA_FEATURES  # refusals.data's width, not 4
from refusals import raises, trained_classifier
from small_models import N_CLASSES, N_FEATURES, assert_weights_equal, blobs, mlp

# -- save and load -------------------------------------------------------------


def _continued(model, x, y):
    model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    return model.get_weights()


@pytest.mark.parametrize(
    "optimizer",
    [
        nz.optimizers.Adam(1e-2),
        nz.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
        nz.optimizers.RMSprop(centered=True, momentum=0.5),
        nz.optimizers.AdaGrad(),
        nz.optimizers.AdamW(amsgrad=True),
    ],
    ids=lambda o: type(o).__name__,
)
def test_save_load_round_trip_keeps_optimizer_state(tmp_path, optimizer):
    x, y = blobs()
    model = mlp(optimizer=optimizer, dtype="float64", metrics=("accuracy", "mae"))
    model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    path = tmp_path / "model.nnz"
    model.save(path)
    loaded = nz.load_model(path)
    assert np.array_equal(loaded.predict(x), model.predict(x))
    assert loaded.dtype == np.float64
    assert loaded.metric_names == ["accuracy", "mae"]
    assert type(loaded.loss) is type(model.loss)
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert loaded.optimizer.iterations == model.optimizer.iterations
    assert loaded.evaluate(x, y) == model.evaluate(x, y)
    # Continuing after the round trip is bit-identical to continuing without it.
    assert_weights_equal(_continued(loaded, x, y), _continued(model, x, y))


def test_save_load_keeps_from_logits_and_dropout(tmp_path):
    x, y = blobs()
    model = nz.Sequential([Dense(8, activation="elu"), Dropout(0.25), Dense(N_CLASSES)], seed=3)
    model.compile(loss=nz.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "m.nnz")
    loaded = nz.load_model(tmp_path / "m.nnz")
    assert loaded.loss.from_logits
    assert loaded.layers[1].rate == 0.25
    assert np.array_equal(loaded.predict_proba(x), model.predict_proba(x))
    assert loaded.seed == 3


def test_load_without_compile_and_save_without_optimizer(tmp_path):
    model = mlp()
    x, y = blobs()
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "a.nnz", include_optimizer=False)
    loaded = nz.load_model(tmp_path / "a.nnz")
    assert loaded.compiled and loaded.optimizer.iterations == 0
    bare = nz.load_model(tmp_path / "a.nnz", compile=False)
    assert not bare.compiled
    assert np.array_equal(bare.predict(x), model.predict(x))


def test_save_of_uncompiled_model(tmp_path):
    model = nz.Sequential([Dense(3)])
    model.build((2,))
    model.save(str(tmp_path / "u.nnz"))
    loaded = nz.load_model(str(tmp_path / "u.nnz"))
    assert not loaded.compiled
    assert_weights_equal(loaded.get_weights(), model.get_weights())


def test_save_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "model.nnz"
    old = mlp(seed=1)
    old.build((N_FEATURES,))
    old.save(path)
    original = path.read_bytes()
    new = mlp(seed=2)
    new.fit(*blobs(), epochs=1, verbose=0)

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(nz.ModelFileError, match=r"Could not write .*model\.nnz.*unchanged"):
        new.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.nnz"]
    assert_weights_equal(nz.load_model(path).get_weights(), old.get_weights())
    # The same save works once renaming works again, and replaces the file.
    new.save(path)
    assert_weights_equal(nz.load_model(path).get_weights(), new.get_weights())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.nnz"]


def test_saved_file_is_safetensors_with_json_config(tmp_path):
    from safetensors import safe_open

    model = mlp()
    model.fit(*blobs(), epochs=1, verbose=0)
    model.save(tmp_path / "m.nnz")
    with safe_open(str(tmp_path / "m.nnz"), framework="numpy") as f:
        assert f.metadata()["format"] == "nnzero"
        assert np.array_equal(f.get_tensor("layers.0.kernel"), model.get_weights()[0])


# -- refused files -------------------------------------------------------------


@pytest.fixture
def saved(tmp_path):
    """A valid saved model, its metadata and tensors, and a writer of variants."""
    model = trained_classifier()
    path = tmp_path / "good.nnz"
    model.save(path)
    with safe_open(str(path), framework="numpy") as f:
        metadata = f.metadata()
        tensors = {k: f.get_tensor(k) for k in f.keys()}

    def write(name, tensors=tensors, metadata=metadata):
        target = tmp_path / name
        target.write_bytes(safetensors.numpy.save(tensors, metadata=metadata))
        return target

    return path, metadata, tensors, write


def _refuse_load(path, match=None):
    with raises(ModelFileError, match or re.escape(path.name)):
        nz.load_model(path)


def test_load_random_bytes(tmp_path):
    path = tmp_path / "random.nnz"
    path.write_bytes(np.random.default_rng(0).bytes(256))
    _refuse_load(path, r"random\.nnz.* is not an nnzero model")


def test_load_empty_file(tmp_path):
    path = tmp_path / "empty.nnz"
    path.write_bytes(b"")
    _refuse_load(path, r"empty\.nnz.* is not an nnzero model")


def test_load_json_file(tmp_path):
    path = tmp_path / "model.json"
    path.write_text(json.dumps({"layers": [{"name": "dense", "units": 3}]}))
    _refuse_load(path, r"model\.json.* is not an nnzero model")


@pytest.mark.parametrize("metadata", [None, {"format": "pt"}, {"format": "nnzero-x"}])
def test_load_safetensors_without_nnzero_metadata(tmp_path, metadata):
    path = tmp_path / "plain.safetensors"
    safetensors.numpy.save_file({"w": np.zeros((2, 2), np.float32)}, str(path), metadata=metadata)
    _refuse_load(path, r"plain\.safetensors.* is a safetensors file but not an nnzero model")


def test_load_missing_path(tmp_path):
    _refuse_load(tmp_path / "nope.nnz", r"No model file at .*nope\.nnz")


def test_load_directory(tmp_path):
    _refuse_load(tmp_path, r"No model file at")


def _with_model_config(metadata, change):
    config = json.loads(metadata["model"])
    change(config)
    return {**metadata, "model": json.dumps(config)}


def _set_layer(i, key, value):
    def change(config):
        config["layers"][i][key] = value

    return change


@pytest.mark.parametrize(
    "change, match",
    [
        (_set_layer(0, "name", "conv2d"), r"Unknown layer 'conv2d'"),
        (_set_layer(0, "activation", {"name": "swishy"}), r"Unknown activation 'swishy'"),
        (_set_layer(0, "units", "four"), r"`units` must be an integer"),
        (_set_layer(1, "units", 0), r"`units` must be >= 1"),
        (_set_layer(0, "bogus", 1), r"Invalid settings for layer 'dense'"),
        (lambda c: c.update(layers=[5]), r"`layer` must be a layer name"),
        (lambda c: c.update(layers="dense"), r"'layers' must be a list"),
        (lambda c: c.update(input_shape=None), r"never built"),
        (lambda c: c.update(input_shape=5), r"invalid model config"),
        (lambda c: c.update(seed=-1), r"`seed` must be >= 0"),
        (lambda c: c.update(dtype="float16"), r"`dtype` must be 'float32' or 'float64'"),
    ],
)
def test_load_bad_model_config(saved, change, match):
    _, metadata, tensors, write = saved
    path = write("bad.nnz", metadata=_with_model_config(metadata, change))
    _refuse_load(path, rf"bad\.nnz.*{match}")


def test_load_mismatched_tensor_shape(saved):
    _, metadata, tensors, write = saved
    bad = {**tensors, "layers.0.kernel": np.zeros((DATA_FEATURES + 1, 4), np.float32)}
    path = write("shape.nnz", tensors=bad)
    _refuse_load(path, r"tensor 'layers\.0\.kernel' has shape \(6, 4\), .*implies \(5, 4\)")


def test_load_missing_tensor(saved):
    _, metadata, tensors, write = saved
    bad = {k: v for k, v in tensors.items() if k != "layers.1.bias"}
    _refuse_load(write("missing.nnz", tensors=bad), r"lacks the tensor 'layers\.1\.bias'")


@pytest.mark.parametrize(
    "key, value, match",
    [
        ("format_version", "99", r"format version '99'"),
        ("model", "{not json", r"malformed 'model' entry"),
        ("model", "[1, 2]", r"'model' entry must be a JSON object"),
        ("compile", "{", r"malformed 'compile' entry"),
        ("compile", json.dumps({"optimizer": "adam", "loss": "nope"}), r"Unknown loss 'nope'"),
        (
            "compile",
            json.dumps({"optimizer": {"name": "adam", "learning_rate": -1}, "loss": "mse"}),
            r"`learning_rate`",
        ),
        (
            "compile",
            json.dumps({"optimizer": "adam", "loss": "mse", "metrics": "accuracy"}),
            r"'metrics' must be a list",
        ),
        ("compile", json.dumps({"loss": "mse"}), r"invalid compile config"),
        (
            "optimizer_state",
            json.dumps({"iterations": "x", "slots": ["m", "v"]}),
            r"'iterations' must be an integer",
        ),
        (
            "optimizer_state",
            json.dumps({"iterations": 1, "slots": ["zz"]}),
            r"slots \['zz'\], but Adam",
        ),
        ("optimizer_state", json.dumps({"iterations": 1, "slots": "m"}), r"'slots' must be a list"),
    ],
)
def test_load_bad_metadata(saved, key, value, match):
    _, metadata, tensors, write = saved
    _refuse_load(write("meta.nnz", metadata={**metadata, key: value}), rf"meta\.nnz.*{match}")


def test_load_missing_optimizer_slot_tensor(saved):
    _, metadata, tensors, write = saved
    bad = {k: v for k, v in tensors.items() if k != "optimizer.v.2"}
    _refuse_load(write("slot.nnz", tensors=bad), r"lacks the tensor 'optimizer\.v\.2'")


def test_save_into_missing_directory_writes_nothing(tmp_path):
    model = trained_classifier()
    with raises(ModelFileError, r"directory .* does not exist"):
        model.save(tmp_path / "no" / "such" / "m.nnz")
    assert list(tmp_path.iterdir()) == []


def test_save_unbuilt_model(tmp_path):
    with raises(ModelFileError, r"not built"):
        nz.Sequential([Dense(2)]).save(tmp_path / "m.nnz")
    assert list(tmp_path.iterdir()) == []


# -- hostile files, each once found to escape as another error -----------------


@pytest.fixture(scope="module")
def originals(tmp_path_factory):
    """A few valid files: (metadata, tensors) of differently built models."""
    return original_files(tmp_path_factory.mktemp("models"))


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
