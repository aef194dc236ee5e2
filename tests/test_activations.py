"""Activations (``nnzero.activations``): a user activation trains like the
built-in it re-implements; the step activation, which has no gradient, is
refused at compile."""

from __future__ import annotations

import numpy as np
import pytest

import nnzero as nz
from nnzero import InvalidArgumentError
from nnzero.layers import Activation, Dense
from refusals import raises
from small_models import assert_weights_equal, regression


def test_user_activation_matches_the_builtin_it_reimplements():
    class MyTanh:
        def forward(self, z):
            return np.tanh(z)

        def derivative(self, z, a):
            return 1.0 - a * a

    def trained(activation):
        model = nz.Sequential([Dense(8, activation=activation), Dense(1)], seed=5)
        model.compile(optimizer="adam", loss="mse")
        model.fit(*regression(), epochs=3, batch_size=8, verbose=0)
        return model.get_weights()

    assert_weights_equal(trained(MyTanh()), trained("tanh"))


@pytest.mark.parametrize("name", ["step", "heaviside"])
@pytest.mark.parametrize("as_layer", [False, True])
def test_step_activation_refused_at_compile(name, as_layer):
    layers = [Dense(1), Activation(name)] if as_layer else [Dense(1, activation=name)]
    model = nz.Sequential(layers)
    with raises(InvalidArgumentError, r"step activation, which has no gradient"):
        model.compile(optimizer="sgd", loss="mse")
    assert not model.compiled


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("layout", ["contiguous", "fortran", "strided", "large"])
def test_relu_gives_the_bits_of_maximum_with_the_scalar_zero(dtype, layout):
    # ReLU takes the maximum against kept arrays of zeros (NumPy's faster
    # loop); it must give exactly np.maximum(z, 0), signs of zeros included.
    special = [-0.0, 0.0, np.nan, -np.inf, np.inf, -1.5, 2.0, np.finfo(dtype).tiny / 4,
               -np.finfo(dtype).tiny / 4, np.finfo(dtype).max, -np.finfo(dtype).max]
    rows = 200_000 if layout == "large" else 6
    z = np.resize(np.array(special, dtype), (rows, len(special)))
    if layout == "fortran":
        z = np.asfortranarray(z)
    elif layout == "strided":
        z = z[::2, ::3]
    relu = nz.activations.get("relu")
    for _ in range(2):  # the second call takes the kept zeros
        got = relu.forward(z)
        expected = np.maximum(z, 0)
        assert got.dtype == expected.dtype and got.shape == expected.shape
        assert got.tobytes() == expected.tobytes()


def test_relu_zeros_are_shared_read_only():
    relu = nz.activations.get("relu")
    relu.forward(np.ones((3, 4), np.float32))
    a = relu.forward(-np.ones((3, 4), np.float32))
    a += 1.0  # the output is the caller's own array, never the kept zeros
    assert relu.forward(-np.ones((3, 4), np.float32)).tolist() == [[0.0] * 4] * 3


def test_relu_of_lists_and_integers_is_as_before():
    relu = nz.activations.get("relu")
    assert relu.forward(np.array([-2, 3])).tolist() == [0, 3]
    assert relu.forward([-1.0, 1.0]).tolist() == [0.0, 1.0]
