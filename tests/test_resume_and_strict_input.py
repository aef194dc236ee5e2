"""Saved models resume training exactly; flags and weights are checked strictly."""

import numpy as np
import pytest
import safetensors.numpy
from safetensors import safe_open

import nnzero as nz


def _model(seed=3):
    model = nz.Sequential(
        [
            nz.layers.Dense(16, activation="relu"),
            nz.layers.Dropout(0.3),
            nz.layers.Dense(3, activation="softmax"),
        ],
        seed=seed,
        dtype="float64",
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(60, 5)), rng.integers(0, 3, 60)


def test_resume_after_load_is_bit_identical_with_shuffle_and_dropout(tmp_path):
    x, y = _data()
    straight = _model()
    straight.fit(x, y, epochs=4, batch_size=8, verbose=0)

    first = _model()
    first.fit(x, y, epochs=2, batch_size=8, verbose=0)
    first.save(tmp_path / "half.nnz")
    resumed = nz.load_model(tmp_path / "half.nnz")
    resumed.fit(x, y, epochs=2, batch_size=8, verbose=0)

    for a, b in zip(straight.get_weights(), resumed.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def _saved_parts(tmp_path):
    """A saved model's path, metadata and tensors, ready to tamper with."""
    model = _model()
    model.build((5,))
    path = tmp_path / "m.nnz"
    model.save(path)
    with safe_open(str(path), framework="numpy") as f:
        return path, dict(f.metadata()), {k: f.get_tensor(k) for k in f.keys()}


def test_corrupt_rng_state_in_file_is_a_model_file_error(tmp_path):
    path, metadata, tensors = _saved_parts(tmp_path)
    metadata["rng_state"] = '{"bit_generator": "PCG64", "state": "nonsense"}'
    path.write_bytes(safetensors.numpy.save(tensors, metadata=metadata))
    with pytest.raises(nz.ModelFileError, match="rng_state"):
        nz.load_model(path)


def test_non_finite_tensor_in_file_is_a_model_file_error(tmp_path):
    path, metadata, tensors = _saved_parts(tmp_path)
    tensors["layers.0.kernel"][0, 0] = np.nan
    path.write_bytes(safetensors.numpy.save(tensors, metadata=metadata))
    with pytest.raises(nz.ModelFileError, match="finite"):
        nz.load_model(path)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_set_weights_refuses_non_finite_values_and_changes_nothing(bad):
    model = _model()
    model.build((5,))
    before = model.get_weights()
    weights = model.get_weights()
    weights[-1][0] = bad
    with pytest.raises(nz.InvalidArgumentError, match="NaN or infinite"):
        model.set_weights(weights)
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    ("factory", "argument"),
    [
        (lambda v: nz.optimizers.RMSprop(centered=v), "centered"),
        (lambda v: nz.optimizers.Adam(amsgrad=v), "amsgrad"),
        (lambda v: nz.Perceptron(shuffle=v), "shuffle"),
        (lambda v: nz.schedules.ExponentialDecay(0.1, 10, 0.5, staircase=v), "staircase"),
        (lambda v: nz.schedules.InverseTimeDecay(0.1, 10, 0.5, staircase=v), "staircase"),
        (lambda v: nz.callbacks.EarlyStopping(restore_best_weights=v), "restore_best_weights"),
        (lambda v: nz.callbacks.ModelCheckpoint("m.nnz", save_best_only=v), "save_best_only"),
    ],
)
@pytest.mark.parametrize("value", ["no", 0, None])
def test_flags_must_be_real_booleans(factory, argument, value):
    with pytest.raises(nz.InvalidTypeError, match=argument):
        factory(value)
    factory(True)


class _Doubling(nz.layers.Layer):
    """An unregistered user layer: usable, but not savable."""

    def forward(self, x, training=False):
        return 2 * x

    def backward(self, grad):
        return 2 * grad


class _CustomDense(nz.layers.Dense):
    """Unregistered subclass of a registered layer: saving it as a plain
    Dense would silently lose its behaviour."""


def test_unregistered_user_layer_trains_and_shows_but_refuses_to_save(tmp_path):
    model = nz.Sequential([_Doubling(), nz.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((4, 2)), np.ones(4), epochs=1, verbose=0)
    assert "_Doubling" in model.summary(print_fn=None)
    assert repr(model.layers[0]) == "_Doubling()"
    with pytest.raises(nz.ModelFileError, match="not registered"):
        model.save(tmp_path / "m.nnz")
    assert not (tmp_path / "m.nnz").exists()


def test_unregistered_subclass_of_registered_layer_refuses_to_save(tmp_path):
    model = nz.Sequential([_CustomDense(2)])
    model.build((3,))
    with pytest.raises(nz.ModelFileError, match="_CustomDense"):
        model.save(tmp_path / "m.nnz")
