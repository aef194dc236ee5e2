"""Names, aliases, config dicts and user objects (``nnzero._registry``): they
resolve to the same things and train to the same weights; an unknown name
lists the valid ones and suggests the closest; an object without the methods
its role needs is refused by name."""

from __future__ import annotations

import numpy as np
import pytest

import nnzero as nz
from nnzero import InvalidArgumentError, InvalidTypeError
from nnzero.layers import Activation, Dense
from refusals import raises
from small_models import N_CLASSES, assert_weights_equal, blobs, regression

# -- names, aliases and objects ------------------------------------------------


def _trained_weights(activation, initializer, regularizer, optimizer, loss):
    model = nz.Sequential(
        [
            Dense(
                8,
                activation=activation,
                kernel_initializer=initializer,
                kernel_regularizer=regularizer,
            ),
            Dense(N_CLASSES),
            Activation("softmax"),
        ],
        seed=1,
    )
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    model.fit(*blobs(), epochs=2, batch_size=16, verbose=0)
    return model.get_weights()


def test_names_and_objects_are_interchangeable():
    by_name = _trained_weights("tanh", "he_normal", "l2", "rmsprop", "scce")
    by_object = _trained_weights(
        nz.activations.Tanh(),
        nz.initializers.HeNormal(),
        nz.regularizers.L2(0.01),
        nz.optimizers.RMSprop(),
        nz.losses.SparseCategoricalCrossentropy(),
    )
    by_config = _trained_weights(
        {"name": "tanh"},
        {"name": "he_normal"},
        {"name": "l2", "l2": 0.01},
        {"name": "rmsprop"},
        {"name": "sparse_categorical_crossentropy"},
    )
    assert_weights_equal(by_name, by_object)
    assert_weights_equal(by_name, by_config)


def _one_hot_fit(loss):
    x, y = blobs()
    model = nz.Sequential([Dense(N_CLASSES, activation="softmax")], seed=0)
    model.compile(optimizer="sgd", loss=loss)
    model.fit(x, np.eye(N_CLASSES)[y], epochs=1, verbose=0)
    return model.get_weights()


def test_aliases_resolve_to_the_same_objects():
    assert type(nz.activations.get("logistic")) is nz.activations.Sigmoid
    assert type(nz.losses.get("scce")) is nz.losses.SparseCategoricalCrossentropy
    assert type(nz.initializers.get("xavier_uniform")) is nz.initializers.GlorotUniform
    assert_weights_equal(_one_hot_fit("cce"), _one_hot_fit("categorical_crossentropy"))


class SoftSign:
    """A user activation: x / (1 + |x|)."""

    def forward(self, z):
        return z / (1.0 + np.abs(z))

    def derivative(self, z, a):
        return 1.0 / (1.0 + np.abs(z)) ** 2


class HalfSquaredError:
    """A user loss: mean over samples of 0.5 * sum((p - y)^2)."""

    def value(self, y_true, y_pred):
        return float(0.5 * np.sum((y_pred - y_true) ** 2) / len(y_pred))

    def gradient(self, y_true, y_pred):
        return (y_pred - y_true) / len(y_pred)


def test_user_activation_and_loss_train_a_model():
    x, y = regression()
    model = nz.Sequential([Dense(16, activation=SoftSign()), Dense(1)], seed=0, dtype="float64")
    model.compile(optimizer=nz.optimizers.Adam(0.01), loss=HalfSquaredError())
    before = model.evaluate(x, y)["loss"]
    history = model.fit(x, y, epochs=60, batch_size=16, verbose=0)
    after = model.evaluate(x, y)["loss"]
    assert after < 0.1 * before
    assert history.history["loss"][-1] < history.history["loss"][0]


# -- unknown names -------------------------------------------------------------


UNKNOWN = [
    # (kind, call, typo, suggestion, some valid names the message must list)
    ("activation", lambda n: Dense(2, activation=n), "rleu", "relu", nz.activations.names()),
    ("activation", lambda n: Activation(n), "tanhh", "tanh", nz.activations.names()),
    ("loss", lambda n: nz.Sequential([Dense(2)]).compile(loss=n), "mse_", "mse", nz.losses.names()),
    (
        "optimizer",
        lambda n: nz.Sequential([Dense(2)]).compile(optimizer=n),
        "adma",
        "adam",
        nz.optimizers.names(),
    ),
    (
        "initializer",
        lambda n: Dense(2, kernel_initializer=n),
        "he_nromal",
        "he_normal",
        nz.initializers.names(),
    ),
    (
        "initializer",
        lambda n: Dense(2, bias_initializer=n),
        "zeroes",
        "zeros",
        nz.initializers.names(),
    ),
    ("regularizer", lambda n: Dense(2, kernel_regularizer=n), "l22", "l2", ["l1", "l1_l2", "l2"]),
    (
        "metric",
        lambda n: nz.Sequential([Dense(2)]).compile(metrics=[n]),
        "accuracyy",
        "accuracy",
        ["acc", "accuracy", "mae", "mse"],
    ),
]


@pytest.mark.parametrize(
    "kind, call, typo, suggestion, valid", UNKNOWN, ids=[u[0] + "-" + u[2] for u in UNKNOWN]
)
def test_unknown_name_lists_valid_ones_and_suggests_closest(kind, call, typo, suggestion, valid):
    with raises(InvalidArgumentError, rf"Unknown {kind} '{typo}'") as info:
        call(typo)
    message = str(info.value)
    assert f"Did you mean {suggestion!r}?" in message
    for name in valid:
        assert name in message


def test_unknown_name_without_close_match_still_lists_valid_ones():
    with raises(InvalidArgumentError, r"Unknown activation 'zzzz'\. Valid activation names: "):
        Dense(2, activation="zzzz")


# -- user-defined objects ------------------------------------------------------


class ForwardOnly:
    def forward(self, z):
        return z


class ValueOnly:
    def value(self, y_true, y_pred):
        return 0.0


@pytest.mark.parametrize(
    "call, argument",
    [
        (lambda: Dense(2, activation=ForwardOnly()), "activation"),
        (lambda: Activation(ForwardOnly()), "activation"),
        (lambda: Dense(2, activation=5), "activation"),
        (lambda: nz.Sequential([Dense(2)]).compile(loss=ValueOnly()), "loss"),
        (lambda: nz.Sequential([Dense(2)]).compile(optimizer=object()), "optimizer"),
        (lambda: Dense(2, kernel_initializer=5), "kernel_initializer"),
        (lambda: Dense(2, bias_initializer=[0.0]), "bias_initializer"),
        (lambda: Dense(2, kernel_regularizer=ForwardOnly()), "kernel_regularizer"),
    ],
)
def test_object_missing_required_methods(call, argument):
    with raises(InvalidTypeError, rf"^`{argument}` must be an? \w+ name \(.*\) or an object with"):
        call()


def test_custom_activation_message_names_the_missing_method():
    with raises(InvalidTypeError, r"a forward\(\) method and a derivative\(\) method") as info:
        Dense(2, activation=ForwardOnly())
    assert "ForwardOnly" in str(info.value)
