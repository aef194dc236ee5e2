"""Small data sets, models and layers shared by the tests of the model,
training, saving, callbacks, schedules, the training step and its fast paths."""

from __future__ import annotations

import numpy as np

import nnzero as nz
from nnzero.layers import Dense, Dropout

N_FEATURES, N_CLASSES = 4, 3
XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
XOR_Y = np.array([0, 1, 1, 0])


def blobs(n=60, seed=0, dtype=np.float64):
    """Three separable-ish Gaussian classes in 4-D."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % N_CLASSES
    centers = np.array([[2.0, 0, 0, 0], [0, 2.0, 0, 0], [0, 0, 2.0, 0]])
    x = centers[y] + rng.normal(scale=0.7, size=(n, N_FEATURES))
    return x.astype(dtype), y


def regression(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, N_FEATURES))
    return x, x @ rng.normal(size=(N_FEATURES, 1)) + 0.1


def mlp(seed=0, dtype="float32", dropout=0.0, optimizer="adam", metrics=("accuracy",), **kw):
    layers = [Dense(8, activation="relu")]
    if dropout:
        layers.append(Dropout(dropout))
    layers.append(Dense(N_CLASSES, activation="softmax"))
    model = nz.Sequential(layers, seed=seed, dtype=dtype)
    model.compile(
        optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=list(metrics), **kw
    )
    return model


def assert_weights_equal(a, b):
    assert len(a) == len(b)
    for u, v in zip(a, b, strict=True):
        assert u.dtype == v.dtype
        assert np.array_equal(u, v)


def weights_differ(a, b):
    return any(not np.array_equal(u, v) for u, v in zip(a, b, strict=True))


def dense_layer(units, n_in, dtype, activation="tanh", seed=0):
    layer = Dense(units, activation=activation)
    layer.build((n_in,), np.random.default_rng(seed), dtype)
    layer.params[1][...] = np.random.default_rng(seed + 1).normal(size=units)
    return layer


def extreme_values(dtype):
    big = np.finfo(dtype).max
    z = np.array([-big, -1e4, -100.0, -30.0, -1.0, -1e-8, -0.0, 0.0, 1e-8, 1.0, 30.0, 100.0,
                  1e4, big, np.inf, -np.inf, np.nan], dtype=dtype)
    rng = np.random.default_rng(0)
    return np.concatenate([z, rng.normal(scale=20, size=500).astype(dtype)]).reshape(-1, 1)
