"""The file-format module: names, writing, and every checked read on its own.

load_model's refusals of whole files are in test_saving.py and
test_hostile_model.py; here each reading function of
``nnzero.model.file_format`` is called directly, so its error paths are
tested where they are written. The last tests hold the format itself still:
a model loaded from a file of nnzero 0.1 writes back the same entries and
the same tensor bytes.
"""

import json
import struct
from pathlib import Path

import numpy as np
import pytest
import safetensors.numpy

import nnzero as nz
from nnzero.model import file_format as ff
from nnzero.model.checkpoint_file import checkpoint_bytes, fingerprint

FIXTURES = Path(__file__).parent / "fixtures" / "v0_1_files"


def _trained(optimizer="adam"):
    model = nz.Sequential([nz.layers.Dense(3, activation="relu"),
                           nz.layers.BatchNormalization(),
                           nz.layers.Dense(2, activation="softmax")], seed=0)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    model.fit(np.ones((4, 2)), np.arange(4) % 2, epochs=1, verbose=0)
    return model


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A trained model and the path of its file."""
    model = _trained()
    path = tmp_path_factory.mktemp("format") / "m.nnz"
    model.save(path)
    return model, path


def _write(tmp_path, tensors, metadata):
    path = tmp_path / "forged.nnz"
    path.write_bytes(safetensors.numpy.save(tensors, metadata=metadata))
    return path


# -- names and writing ---------------------------------------------------------------------
def test_tensor_names_are_those_files_hold(saved):
    model, path = saved
    with ff.open_file(path) as f:
        keys = set(f.keys())
    layer_names = [name for name, _ in ff.model_arrays(model)]
    assert layer_names == [
        "layers.0.kernel", "layers.0.bias", "layers.1.gamma", "layers.1.beta",
        "layers.1.moving_mean", "layers.1.moving_variance",
        "layers.2.kernel", "layers.2.bias",
    ]
    slots = {ff.optimizer_tensor_name(s, j) for s in ("m", "v") for j in range(6)}
    assert keys == set(layer_names) | slots


def test_model_arrays_are_the_layers_own_arrays(saved):
    model, _ = saved
    own = [*model.layers[0].params, *model.layers[1].params, *model.layers[1].state,
           *model.layers[2].params]
    arrays = [array for _, array in ff.model_arrays(model)]
    assert len(arrays) == len(own) and all(a is b for a, b in zip(arrays, own, strict=True))


def test_written_metadata_entries(saved):
    model, path = saved
    with ff.open_file(path) as f:
        metadata = f.metadata()
    assert sorted(metadata) == ["compile", "format", "format_version", "model",
                                "optimizer_state", "rng_state"]
    assert metadata["format"] == ff.FORMAT and metadata["format_version"] == ff.FORMAT_VERSION
    assert json.loads(metadata["optimizer_state"]) == {"iterations": 1, "slots": ["m", "v"]}
    assert json.loads(metadata["model"]) == model.get_config()


def test_model_file_bytes_without_optimizer_and_with_extra_entries(saved):
    model, _ = saved
    data = ff.model_file_bytes(model, include_optimizer=False, extra_metadata={"note": "x"})
    header = _header(data)
    assert header["__metadata__"]["note"] == "x"
    assert "optimizer_state" not in header["__metadata__"]
    assert not any(k.startswith("optimizer.") for k in header)


def test_model_file_bytes_refuses_an_unbuilt_model():
    with pytest.raises(nz.ModelFileError, match="not built"):
        ff.model_file_bytes(nz.Sequential([nz.layers.Dense(1)]))


# -- reading ---------------------------------------------------------------------------------
def test_open_file_words_the_error_by_kind(tmp_path):
    path = tmp_path / "junk.nnz"
    path.write_bytes(b"not safetensors")
    with pytest.raises(nz.ModelFileError, match=r"junk\.nnz.* is not an nnzero model"):
        ff.open_file(path)
    with pytest.raises(nz.ModelFileError, match=r"checkpoint .*junk\.nnz.* is unreadable"):
        ff.open_file(path, "checkpoint")


def test_open_file_refuses_an_unknown_kind(saved):
    with pytest.raises(nz.InvalidArgumentError, match="`kind` must be one of"):
        ff.open_file(saved[1], "weights")


@pytest.mark.parametrize(
    ("metadata", "match"),
    [
        ({}, "not an nnzero model"),
        ({"format": "pt"}, "not an nnzero model"),
        ({"format": "nnzero"}, "format version None"),
        ({"format": "nnzero", "format_version": "2"}, "format version '2'"),
    ],
)
def test_check_format(metadata, match):
    with pytest.raises(nz.ModelFileError, match=match):
        ff.check_format(metadata, "m.nnz")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (None, "missing or malformed 'model'"),
        ("{", "missing or malformed 'model'"),
        ("1" * 5000, "missing or malformed 'model'"),  # more digits than int() takes
        ("[" * 100_000, "missing or malformed 'model'"),
        ("[1]", "'model' entry must be a JSON object"),
    ],
)
def test_read_json_entry_refusals(text, match):
    metadata = {} if text is None else {"model": text}
    with pytest.raises(nz.ModelFileError, match=match):
        ff.read_json_entry(metadata, "model", "m.nnz")


@pytest.mark.parametrize("value", [None, "dense", {"a": 1}, 3])
def test_read_list_refuses_what_is_not_a_list(value):
    with pytest.raises(nz.ModelFileError, match="'layers' must be a list"):
        ff.read_list({"layers": value}, "layers", "m.nnz")


@pytest.mark.parametrize(
    ("stored", "match"),
    [
        ({"u": np.zeros(1)}, "lacks the tensor 't'"),
        ({"t": np.zeros((2, 3), np.float32)}, r"shape \(2, 3\), but the config implies \(3, 2\)"),
        ({"t": np.zeros((3, 2), np.int64)}, "it holds I64"),
        ({"t": np.full((3, 2), np.nan)}, "finite numbers that fit float32"),
        ({"t": np.full((3, 2), 1e300)}, "finite numbers that fit float32"),
    ],
)
def test_read_tensor_refusals(tmp_path, stored, match):
    path = _write(tmp_path, stored, {})
    with ff.open_file(path) as f, pytest.raises(nz.ModelFileError, match=match):
        ff.read_tensor(f, set(f.keys()), "t", np.zeros((3, 2), np.float32), path)


def test_read_tensor_converts_to_the_dtype_asked_for(tmp_path):
    path = _write(tmp_path, {"t": np.array([0.5, 1e-50])}, {})
    with ff.open_file(path) as f:
        array = ff.read_tensor(f, {"t"}, "t", np.zeros(2, np.float32), path)
    assert array.dtype == np.float32 and array.tolist() == [0.5, 0.0]


def test_read_layer_tensors_reads_every_array_and_changes_nothing(saved):
    model, path = saved
    before = [a.copy() for _, a in ff.model_arrays(model)]
    with ff.open_file(path) as f:
        arrays = ff.read_layer_tensors(f, model, path)
    for read, (_, own), old in zip(arrays, ff.model_arrays(model), before, strict=True):
        np.testing.assert_array_equal(read, own)
        np.testing.assert_array_equal(own, old)


def test_read_layer_tensors_refuses_a_missing_one(tmp_path, saved):
    model, path = saved
    with ff.open_file(path) as f:
        tensors = {k: f.get_tensor(k) for k in f.keys() if k != "layers.2.bias"}
        metadata = f.metadata()
    forged = _write(tmp_path, tensors, metadata)
    with ff.open_file(forged) as f, pytest.raises(nz.ModelFileError, match="'layers.2.bias'"):
        ff.read_layer_tensors(f, model, forged)


def _optimizer_state_of(tmp_path, saved, entry):
    model, path = saved
    with ff.open_file(path) as f:
        tensors = {k: f.get_tensor(k) for k in f.keys()}
        metadata = dict(f.metadata(), optimizer_state=json.dumps(entry))
    forged = _write(tmp_path, tensors, metadata)
    with ff.open_file(forged) as f:
        return ff.read_optimizer_state(model, f.metadata(), f, forged)


@pytest.mark.parametrize(
    ("entry", "match"),
    [
        ({"iterations": -1, "slots": ["m", "v"]}, "'iterations' must be an integer >= 0"),
        ({"iterations": True, "slots": ["m", "v"]}, "'iterations' must be an integer >= 0"),
        ({"iterations": 1.5, "slots": ["m", "v"]}, "'iterations' must be an integer >= 0"),
        ({"iterations": 1}, "'slots' must be a list"),
        ({"iterations": 1, "slots": ["m", 2]}, "'slots' must be names"),
        ({"iterations": 1, "slots": ["m"]}, r"has slots \['m'\], but Adam .* uses \['m', 'v'\]"),
        ({"iterations": 1, "slots": ["m", "v", "vhat"]}, "has slots"),
    ],
)
def test_read_optimizer_state_refusals(tmp_path, saved, entry, match):
    with pytest.raises(nz.ModelFileError, match=match):
        _optimizer_state_of(tmp_path, saved, entry)


def test_read_optimizer_state_reads_the_slots(tmp_path, saved):
    model, _ = saved
    state = _optimizer_state_of(tmp_path, saved, {"iterations": 7, "slots": ["v", "m"]})
    assert state["iterations"] == 7 and sorted(state["slots"]) == ["m", "v"]
    own = model.optimizer.get_state()["slots"]
    for slot in ("m", "v"):
        for read, kept in zip(state["slots"][slot], own[slot], strict=True):
            np.testing.assert_array_equal(read, kept)


def test_read_optimizer_state_is_none_without_the_entry(saved):
    model, path = saved
    with ff.open_file(path) as f:
        metadata = {k: v for k, v in f.metadata().items() if k != "optimizer_state"}
        assert ff.read_optimizer_state(model, metadata, f, path) is None


@pytest.mark.parametrize(
    "state",
    [
        {"bit_generator": "MT19937"},
        {"bit_generator": "PCG64", "state": "nonsense"},
        {"bit_generator": "PCG64", "state": {"state": 2**200, "inc": 1},
         "has_uint32": 0, "uinteger": 0},
        {},
    ],
)
def test_check_rng_state_refusals_leave_the_generator_alone(state):
    rng = np.random.default_rng(5)
    before = rng.bit_generator.state
    with pytest.raises(nz.ModelFileError, match="'m.nnz' has an invalid epoch_rng_state"):
        ff.check_rng_state(state, rng, "m.nnz", "epoch_rng_state")
    assert rng.bit_generator.state == before


def test_read_rng_state_names_the_entry():
    rng = np.random.default_rng(0)
    with pytest.raises(nz.ModelFileError, match="missing or malformed 'rng_state'"):
        ff.read_rng_state({}, rng, "m.nnz")
    bad = {"rng_state": json.dumps({"bit_generator": "PCG64"})}
    with pytest.raises(nz.ModelFileError, match="invalid 'rng_state' entry"):
        ff.read_rng_state(bad, rng, "m.nnz")
    with pytest.raises(nz.ModelFileError, match="invalid rng_state:"):
        ff.read_rng_state(bad, rng, "m.nnz", where="rng_state")


# -- the checkpoint entry ----------------------------------------------
def test_checkpoint_bytes_holds_the_state_and_refuses_what_json_cannot():
    model = _trained("sgd")
    x, y = np.ones((4, 2)), np.arange(4) % 2
    run = fingerprint(model, [x, y, None], (2,), 4, True)
    data = checkpoint_bytes(model, epoch=1, batch=0, learning_rate=np.float32(0.5), partial=None,
                            stopped_reason=None, run_fingerprint=run)
    state = json.loads(_header(data)["__metadata__"][ff.CHECKPOINT_KEY])
    assert state["epoch"] == 1 and state["learning_rate"] == 0.5 and state["fingerprint"] == run
    with pytest.raises(TypeError, match="set cannot be stored in a checkpoint"):
        checkpoint_bytes(model, epoch=1, batch=0, learning_rate=None, partial=None,
                         stopped_reason={"no"}, run_fingerprint=run)


# -- the format itself does not change ---------------------------------------------------------
def _header(data):
    size = struct.unpack("<Q", data[:8])[0]
    return json.loads(data[8:8 + size])


def _entries_and_tensors(data):
    """The parsed header and the tensor bytes: safetensors writes the
    metadata map in no fixed order, so files are compared by these."""
    size = struct.unpack("<Q", data[:8])[0]
    return _header(data), data[8 + size:]


@pytest.mark.parametrize(
    "name", ["mlp_adam.nnz", "batchnorm_sgd.nnz", "logits_rmsprop.nnz",
             "checkpoint_run/checkpoint.nnz"])
def test_a_file_of_0_1_is_written_back_entry_for_entry(name):
    path = FIXTURES / name
    old = path.read_bytes()
    metadata = _header(old)["__metadata__"]
    extra = {k: metadata[k] for k in [ff.CHECKPOINT_KEY] if k in metadata}
    new = ff.model_file_bytes(nz.load_model(path), extra_metadata=extra)
    assert _entries_and_tensors(new) == _entries_and_tensors(old)
