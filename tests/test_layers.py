"""The core layers (``nnzero.layers``: Dense, Dropout, Flatten): their settings,
what they take, and the statistics of dropout's masks."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_moons

import nnzero as nz
from nnzero import InvalidArgumentError, InvalidTypeError
from nnzero.layers import Dense, Dropout, Flatten
from refusals import INF, NAN, raises

# -- Dense ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "units, exc",
    [
        (0, InvalidArgumentError),
        (-3, InvalidArgumentError),
        (2.5, InvalidTypeError),
        ("4", InvalidTypeError),
        (None, InvalidTypeError),
    ],
)
def test_dense_units(units, exc):
    with raises(exc, r"`units`"):
        Dense(units)


def test_dense_use_bias_must_be_bool():
    with raises(InvalidTypeError, r"`use_bias`"):
        Dense(2, use_bias="yes")


def test_initializer_returning_wrong_shape():
    model = nz.Sequential([Dense(3, kernel_initializer=lambda shape, rng, dtype: np.zeros((2, 2)))])
    model.compile(loss="mse")
    with raises(InvalidArgumentError, r"kernel_initializer returned shape \(2, 2\)"):
        model.fit(np.zeros((4, 5)), np.zeros((4, 3)), verbose=0)


# -- Dropout -------------------------------------------------------------------


@pytest.mark.parametrize("rate", [1.0, 1.5, -0.1, NAN, INF])
def test_dropout_rate_outside_unit_interval(rate):
    with raises(InvalidArgumentError, r"`rate` must be finite and in \[0, 1\)"):
        Dropout(rate)


@pytest.mark.parametrize("rate", ["0.5", None])
def test_dropout_rate_type(rate):
    with raises(InvalidTypeError, r"`rate`"):
        Dropout(rate)


@pytest.mark.parametrize("rate", [0.2, 0.5, 0.8])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dropout_statistics_while_training(rate, dtype):
    layer = Dropout(rate)
    layer.build((500,), np.random.default_rng(0), dtype)
    x = np.ones((400, 500), dtype=dtype)
    out = layer.forward(x, training=True)
    assert out.dtype == dtype
    zeroed = out == 0
    # 200,000 draws: the zeroed fraction's standard deviation is about 0.001.
    assert abs(zeroed.mean() - rate) < 0.01
    # Survivors are scaled by exactly 1 / (1 - rate), so the mean is kept.
    np.testing.assert_allclose(out[~zeroed], 1.0 / (1.0 - rate), rtol=1e-6)
    assert abs(out.mean() - 1.0) < 0.03
    # Units are dropped independently: no row or column is all kept or all dropped.
    assert 0 < zeroed.mean(axis=0).min() and zeroed.mean(axis=0).max() < 1
    # The backward pass uses the same mask.
    grad = layer.backward(np.ones_like(x))
    assert np.array_equal(grad, out)


def test_dropout_masks_differ_between_calls():
    layer = Dropout(0.5)
    layer.build((100,), np.random.default_rng(0), np.float64)
    x = np.ones((10, 100))
    assert not np.array_equal(layer.forward(x, training=True), layer.forward(x, training=True))


@pytest.mark.parametrize("rate", [0.0, 0.5])
def test_dropout_is_identity_at_inference(rate):
    layer = Dropout(rate)
    layer.build((7,), np.random.default_rng(0), np.float32)
    x = np.random.default_rng(1).normal(size=(5, 7)).astype(np.float32)
    assert np.array_equal(layer.forward(x, training=False), x)
    assert np.array_equal(layer.backward(x), x)
    if rate == 0.0:
        assert np.array_equal(layer.forward(x, training=True), x)


def test_dropout_in_a_model_is_identity_at_prediction():
    x, y = make_moons(200, noise=0.2, random_state=0)
    with_dropout = nz.Sequential(
        [Dense(32, activation="relu"), Dropout(0.5), Dense(2, activation="softmax")], seed=0
    )
    with_dropout.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with_dropout.fit(x, y, epochs=5, verbose=0)
    first = with_dropout.predict(x)
    assert np.array_equal(first, with_dropout.predict(x))
    assert with_dropout.evaluate(x, y) == with_dropout.evaluate(x, y)
    without = nz.Sequential([Dense(32, activation="relu"), Dense(2, activation="softmax")])
    without.build((2,))
    without.set_weights(with_dropout.get_weights())
    assert np.array_equal(first, without.predict(x))


# -- Flatten -------------------------------------------------------------------


def test_flatten_takes_images():
    rng = np.random.default_rng(0)
    x = rng.random((40, 28, 28)).astype(np.float32)
    y = np.arange(40) % 10
    model = nz.Sequential([Flatten(), Dense(16, activation="relu"), Dense(10, "softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert model.input_shape == (28, 28)
    assert model.get_weights()[0].shape == (784, 16)
    assert model.predict(x).shape == (40, 10)
    assert history.history["loss"][-1] < history.history["loss"][0]
    np.testing.assert_allclose(model.predict(x), model.predict(x.reshape(40, 28, 28)))
