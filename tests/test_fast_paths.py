"""Every fast path of the engine gives what the general path gives.

The engine takes shortcuts for speed (an outer product for a batch of one,
one fused optimizer update over a flat parameter buffer, in-place
activations and reused buffers, chunked shuffling of memory-mapped data).
Each test here runs the shortcut and the general code on the same input and
requires the same bits (or 1e-12 in float64 where the order of operations
legitimately differs). No test here measures time.
"""

from __future__ import annotations

import numpy as np
import pytest

import nnzero as nz
from nnzero.layers import Dense

DTYPES = [np.float32, np.float64]


def _dense(units, n_in, dtype, activation="tanh", seed=0):
    layer = Dense(units, activation=activation)
    layer.build((n_in,), np.random.default_rng(seed), dtype)
    layer.params[1][...] = np.random.default_rng(seed + 1).normal(size=units)
    return layer


# -- batch of one -------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_batch_of_one_weight_gradient_is_the_gemm_result(dtype):
    rng = np.random.default_rng(0)
    layer = _dense(7, 5, dtype)
    x = rng.normal(size=(1, 5)).astype(dtype)
    layer.forward(x, training=True)
    grad = rng.normal(size=(1, 7)).astype(dtype)
    layer.backward(grad)
    dz = layer.activation.backward(grad, layer._z, layer._a)
    # The general path: a GEMM with an inner dimension of one.
    expected = np.matmul(x.T.copy(), dz)
    np.testing.assert_array_equal(layer.grads[0], expected)


@pytest.mark.parametrize("dtype", DTYPES)
def test_batch_of_one_training_equals_single_row_batches_of_the_general_path(dtype):
    """Per-sample SGD through fit equals the same steps taken by hand with
    the GEMM form of every product."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(12, 4)).astype(dtype)
    y = rng.integers(0, 3, size=12)

    def model():
        m = nz.Sequential([Dense(6, activation="sigmoid"), Dense(3, activation="softmax")],
                          seed=3, dtype=dtype)
        m.compile(optimizer=nz.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
        m.build((4,))
        return m

    fast = model()
    fast.fit(x, y, epochs=1, batch_size=1, shuffle=False, verbose=0)

    ref = model()
    w1, b1, w2, b2 = (p.copy() for p in ref.params)
    sig = ref.layers[0].activation.forward
    soft = ref.layers[1].activation.forward
    for i in range(len(x)):
        xb = x[i : i + 1]
        h = sig(xb @ w1 + b1)
        p = soft(h @ w2 + b2)
        dz2 = p.copy()
        dz2[0, y[i]] -= 1.0
        dz2 /= 1
        dh = dz2 @ w2.T
        dz1 = dh * (h * (1.0 - h))
        gw2, gb2 = np.matmul(h.T.copy(), dz2), dz2.sum(axis=0)
        gw1, gb1 = np.matmul(xb.T.copy(), dz1), dz1.sum(axis=0)
        for param, g in ((w1, gw1), (b1, gb1), (w2, gw2), (b2, gb2)):
            param -= 0.1 * g
    for got, want in zip(fast.params, (w1, b1, w2, b2), strict=True):
        np.testing.assert_array_equal(got, want)
