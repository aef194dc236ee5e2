"""The core layers (``nnzero.layers``: Dense, Dropout, Flatten): their settings
and what they take."""

from __future__ import annotations

import numpy as np
import pytest

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
