"""model.trace(x, y): z, a, dz, dW and db of every Dense layer exactly as a
training step computes them, checked against a hand-written float64 NumPy
pass, and nothing changed afterwards (weights, gradients, optimizer state,
random generator, batch-normalisation statistics)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import nnzero as nz
from nnzero.errors import InvalidArgumentError, NotCompiledError
from nnzero.model.step import compute_gradients

RNG = np.random.default_rng(7)
X = RNG.normal(size=(9, 5))
LABELS = RNG.integers(0, 3, 9)


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def model_of(layers, loss="sparse_categorical_crossentropy", optimizer="adam"):
    model = nz.Sequential(layers, seed=3, dtype="float64")
    model.compile(optimizer=optimizer, loss=loss)
    model.build((5,))
    # Non-zero biases, so that db and the bias's part of z are tested.
    for layer in model.layers:
        if getattr(layer, "bias", None) is not None:
            layer.bias[...] = RNG.normal(size=layer.bias.shape)
    return model


def test_against_a_hand_written_pass_softmax_cross_entropy():
    model = model_of([nz.layers.Dense(4, activation="tanh"),
                      nz.layers.Dense(6, activation="relu"),
                      nz.layers.Dense(3, activation="softmax")])
    t = model.trace(X, LABELS)
    (w1, b1), (w2, b2), (w3, b3) = [(d.kernel, d.bias) for d in model.layers]
    z1 = X @ w1 + b1
    a1 = np.tanh(z1)
    z2 = a1 @ w2 + b2
    a2 = np.maximum(z2, 0)
    z3 = a2 @ w3 + b3
    p = softmax(z3)
    n = len(X)
    dz3 = (p - np.eye(3)[LABELS]) / n  # the batch mean's 1/n
    dz2 = (dz3 @ w3.T) * (z2 > 0)
    dz1 = (dz2 @ w2.T) * (1 - a1**2)
    expected = [(X, z1, a1, dz1), (a1, z2, a2, dz2), (a2, z3, p, dz3)]
    for layer_trace, (x_in, z, a, dz) in zip(t, expected, strict=True):
        np.testing.assert_allclose(layer_trace.x, x_in, rtol=0, atol=1e-12)
        np.testing.assert_allclose(layer_trace.z, z, rtol=0, atol=1e-12)
        np.testing.assert_allclose(layer_trace.a, a, rtol=0, atol=1e-12)
        np.testing.assert_allclose(layer_trace.dz, dz, rtol=0, atol=1e-12)
        np.testing.assert_allclose(layer_trace.dW, x_in.T @ dz, rtol=0, atol=1e-12)
        np.testing.assert_allclose(layer_trace.db, dz.sum(axis=0), rtol=0, atol=1e-12)
    loss = -np.log(p[np.arange(n), LABELS]).mean()
    assert t.loss == pytest.approx(loss, abs=1e-12)
    np.testing.assert_allclose(t.output, p, atol=1e-12)
    assert [lt.index for lt in t] == [0, 1, 2]


def test_against_a_hand_written_pass_mse_sigmoid_l2_no_bias():
    y = RNG.normal(size=(9, 2))
    model = model_of([nz.layers.Dense(3, activation="sigmoid", use_bias=False,
                                      kernel_regularizer=nz.regularizers.L2(0.01)),
                      nz.layers.Dense(2, activation="sigmoid")], loss="mse")
    t = model.trace(X, y)
    w1, (w2, b2) = model.layers[0].kernel, (model.layers[1].kernel, model.layers[1].bias)
    z1 = X @ w1
    a1 = sigmoid(z1)
    z2 = a1 @ w2 + b2
    a2 = sigmoid(z2)
    n, k = y.shape
    dz2 = 2 * (a2 - y) / (n * k) * a2 * (1 - a2)
    dz1 = (dz2 @ w2.T) * a1 * (1 - a1)
    np.testing.assert_allclose(t[1].dz, dz2, rtol=0, atol=1e-12)
    np.testing.assert_allclose(t[0].dz, dz1, rtol=0, atol=1e-12)
    # dW includes the penalty's gradient, as training uses it.
    np.testing.assert_allclose(t[0].dW, X.T @ dz1 + 2 * 0.01 * w1, rtol=0, atol=1e-12)
    assert t[0].db is None
    mse = np.mean((a2 - y) ** 2) + 0.01 * np.sum(w1**2)
    assert t.loss == pytest.approx(mse, abs=1e-12)


def test_the_same_gradients_as_the_training_step():
    model = model_of([nz.layers.Dense(4, activation="relu"),
                      nz.layers.Dense(3, activation="softmax")])
    t = model.trace(X, LABELS)
    _, loss = compute_gradients(model, X, LABELS)
    assert t.loss == loss
    np.testing.assert_array_equal(t[0].dW, model.layers[0].grads[0])
    np.testing.assert_array_equal(t[1].db, model.layers[1].grads[1])


def everything(model):
    return (model.get_weights(), [g.copy() for g in model.grads],
            copy.deepcopy(model.optimizer.get_state()),
            copy.deepcopy(model.rng.bit_generator.state),
            [np.array(a) for layer in model.layers for a in getattr(layer, "state", [])])


def test_nothing_changes_weights_gradients_optimizer_rng_batchnorm():
    model = model_of([nz.layers.Dense(6, use_bias=False), nz.layers.BatchNormalization(),
                      nz.layers.Activation("relu"), nz.layers.Dropout(0.5),
                      nz.layers.Dense(3, activation="softmax")])
    initial = model.get_weights()
    model.fit(X, LABELS, epochs=2, batch_size=4, verbose=0)
    before = everything(model)
    next_draw = copy.deepcopy(model.rng).random()
    t = model.trace(X, LABELS)
    after = everything(model)
    for a, b in zip(before[0] + before[1] + before[4], after[0] + after[1] + after[4],
                    strict=True):
        np.testing.assert_array_equal(a, b)
    assert before[3] == after[3] and model.rng.random() == next_draw
    assert before[2]["iterations"] == after[2]["iterations"]
    assert len(t) == 2  # the Dense layers only
    assert len(before[4]) == 2  # batch normalisation's moving mean and variance were checked
    # Training after a trace is bit for bit training without it.
    twin = model_of([nz.layers.Dense(6, use_bias=False), nz.layers.BatchNormalization(),
                     nz.layers.Activation("relu"), nz.layers.Dropout(0.5),
                     nz.layers.Dense(3, activation="softmax")])
    twin.set_weights(initial)
    twin.fit(X, LABELS, epochs=2, batch_size=4, verbose=0)
    twin.rng.random()  # the draw made above
    for m in (model, twin):
        m.fit(X, LABELS, epochs=1, batch_size=4, verbose=0)
    for a, b in zip(model.get_weights(), twin.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_print_shows_a_table_of_shapes_and_norms(capsys):
    model = model_of([nz.layers.Dense(4, activation="tanh"),
                      nz.layers.Dense(3, activation="softmax")])
    t = model.trace(X, LABELS)
    print(t)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Trace of 9 samples: loss ")
    assert lines[1].split()[:4] == ["layer", "Dense", "W", "b"]
    row = lines[2].split()
    assert row[:5] == ["0", "Dense(4,", "tanh)", "(5,", "4)"]
    assert float(row[-2]) == pytest.approx(np.linalg.norm(t[0].dW), rel=1e-4)
    assert "Trace(layers=2" in repr(t)


def test_summary_shows_w_and_b_shapes():
    model = model_of([nz.layers.Dense(4, activation="tanh"),
                      nz.layers.Dense(3, activation="softmax", use_bias=False)])
    lines = model.summary(print_fn=None).splitlines()
    assert lines[1].split() == ["Layer", "Output", "shape", "W", "b", "Params"]
    assert lines[3].split()[-4:] == ["(5,", "4)", "(4,)", "24"]
    assert lines[4].split()[-4:] == ["(4,", "3)", "-", "12"]


def test_errors():
    model = nz.Sequential([nz.layers.Dense(3, activation="softmax")])
    with pytest.raises(NotCompiledError, match="trace"):
        model.trace(X, LABELS)
    model.compile(loss="sparse_categorical_crossentropy")
    with pytest.raises(InvalidArgumentError, match="same number of samples"):
        model.trace(X, LABELS[:3])
    with pytest.raises(InvalidArgumentError, match="x"):
        model.trace(X[0], LABELS)
    with pytest.raises(InvalidArgumentError, match="sample_weight"):
        model.trace(X, LABELS, sample_weight=[1.0])
    assert not model.built  # a failed call builds nothing
    model.trace(X, LABELS)
    assert model.built  # as fit, a first call builds the model from x


def test_a_final_softmax_layer_is_traced_as_the_fused_step_computes_it():
    model = model_of([nz.layers.Dense(4, activation="tanh"), nz.layers.Dense(3),
                      nz.layers.Activation("softmax")])
    t = model.trace(X, LABELS)
    _, loss = compute_gradients(model, X, LABELS)
    assert t.loss == loss
    np.testing.assert_array_equal(t[1].dW, model.layers[1].grads[0])
    w2, b2 = model.layers[1].kernel, model.layers[1].bias
    p = softmax(np.tanh(X @ model.layers[0].kernel + model.layers[0].bias) @ w2 + b2)
    np.testing.assert_allclose(t[1].dz, (p - np.eye(3)[LABELS]) / len(X), rtol=0, atol=1e-12)
