"""Small data sets and models shared by the tests of the model, training,
saving, callbacks and schedules."""

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
