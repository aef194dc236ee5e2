"""Losses (``nnzero.losses``): a user loss trains like the built-in it
re-implements; ``from_logits`` is a flag."""

from __future__ import annotations

import numpy as np

import nnzero as nz
from nnzero import InvalidTypeError
from nnzero.layers import Dense
from refusals import raises
from small_models import regression


def test_user_loss_matches_mse_up_to_rounding():
    class MyMSE:
        def value(self, y_true, y_pred):
            return float(np.mean((y_pred - y_true) ** 2))

        def gradient(self, y_true, y_pred):
            return 2.0 * (y_pred - y_true) / y_pred.size

    def trained(loss):
        model = nz.Sequential([Dense(8, activation="tanh"), Dense(2)], seed=5, dtype="float64")
        model.compile(optimizer="sgd", loss=loss)
        x, y = regression()
        model.fit(x, np.hstack([y, -y]), epochs=3, batch_size=8, shuffle=False, verbose=0)
        return model.get_weights()

    for a, b in zip(trained(MyMSE()), trained("mse"), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_from_logits_must_be_bool():
    with raises(InvalidTypeError, r"`from_logits`"):
        nz.losses.BinaryCrossentropy(from_logits=1)
