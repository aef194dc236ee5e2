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
