"""Numerical extremes: logits of +-1e4, equal logits, probabilities of exactly
0 and 1, float16 and integer inputs, single-sample and one-class batches,
and divergence. Losses and gradients stay finite and correct.

The whole suite runs with NumPy floating-point errors raised (conftest), so
nothing here may overflow or produce NaN on the way. Underflow to zero is the
correct result of ``exp`` of a very negative number; calls made directly on
losses say so with ``np.errstate(under="ignore")``, as the model's own entry
points do.
"""

import math
import warnings

import numpy as np
import pytest

import nnzero as nz
from nnzero.model.step import compute_gradients

BIG = 1e4
LOGITS = np.array([[BIG, -BIG, 0.0], [-BIG, BIG, 0.0], [0.0, 0.0, 0.0], [-BIG, -BIG, BIG]])


def _underflow_ok():
    return np.errstate(under="ignore")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sparse_cross_entropy_from_extreme_logits(dtype):
    loss = nz.losses.get({"name": "sparse_categorical_crossentropy", "from_logits": True})
    z, y = LOGITS.astype(dtype), np.array([0, 0, 2, 1])
    # -log softmax at the target: 0, 2e4, log 3 and 2e4, computed by hand.
    expected = np.array([0.0, 2 * BIG, math.log(3), 2 * BIG])
    with _underflow_ok():
        per_sample = loss.per_sample_from_logits(y, z)
        grad = loss.gradient(y, z)
    np.testing.assert_allclose(per_sample, expected, rtol=1e-6)
    probs = np.array([[1, 0, 0], [0, 1, 0], [1 / 3] * 3, [0, 0, 1]])
    np.testing.assert_allclose(grad, (probs - np.eye(3)[y]) / 4, rtol=1e-6, atol=1e-12)
    assert np.isfinite(grad).all() and grad.dtype == dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_categorical_cross_entropy_from_extreme_logits_with_soft_targets(dtype):
    loss = nz.losses.get({"name": "categorical_crossentropy", "from_logits": True})
    y = np.array([[0.5, 0.5, 0], [0, 1, 0], [0, 0, 1], [0.25, 0.25, 0.5]], dtype=dtype)
    with _underflow_ok():
        value = loss.value(y, LOGITS.astype(dtype))
        grad = loss.gradient(y, LOGITS.astype(dtype))
    expected = np.mean([BIG, 0.0, math.log(3), 0.5 * 2 * BIG])
    assert value == pytest.approx(expected, rel=1e-6)
    assert np.isfinite(grad).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_cross_entropy_from_extreme_logits(dtype):
    loss = nz.losses.get({"name": "binary_crossentropy", "from_logits": True})
    z = np.array([[BIG], [BIG], [-BIG], [-BIG], [0.0]], dtype=dtype)
    y = np.array([[1], [0], [1], [0], [1]], dtype=dtype)
    with _underflow_ok():
        per_sample = loss.per_sample_from_logits(y, z)
        grad = loss.gradient(y, z)
    np.testing.assert_allclose(per_sample, [0, BIG, BIG, 0, math.log(2)], rtol=1e-6)
    np.testing.assert_allclose(grad[:, 0], np.array([0, 1, -1, 0, -0.5]) / 5, atol=1e-12)


@pytest.mark.parametrize("k", [2, 10])
def test_equal_logits_give_log_k_and_uniform_gradients(k):
    loss = nz.losses.get({"name": "sparse_categorical_crossentropy", "from_logits": True})
    z = np.full((3, k), 7.5)
    y = np.array([0, 1, k - 1])
    assert loss.value(y, z) == pytest.approx(math.log(k), rel=1e-12)
    np.testing.assert_allclose(loss.gradient(y, z), (1 / k - np.eye(k)[y]) / 3, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["sparse_categorical_crossentropy", "categorical_crossentropy",
                                  "binary_crossentropy", "mse"])
def test_probabilities_of_exactly_zero_and_one(dtype, name):
    loss = nz.losses.get(name)
    p = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=dtype)
    if name == "sparse_categorical_crossentropy":
        y = np.array([0, 0])
    else:
        y = np.array([[1.0, 0.0], [1.0, 0.0]], dtype=dtype)
    value = loss.value(y, p)
    grad = loss.gradient(y, p)
    assert math.isfinite(value) and np.isfinite(grad).all()
    if name != "mse":
        # The sure right answer costs ~0; the sure wrong one is capped at
        # -log(eps) of the dtype instead of being infinite.
        eps = np.finfo(dtype).eps
        worst = -math.log(eps)
        assert 0 < value <= worst * (1 if name == "binary_crossentropy" else 0.5) + 1e-3


def _one_layer(activation, loss, kernel, bias, dtype="float64"):
    model = nz.Sequential([nz.layers.Dense(kernel.shape[1], activation=activation)], dtype=dtype)
    model.compile(optimizer=nz.optimizers.SGD(0.1), loss=loss, metrics=["accuracy"])
    model.build((kernel.shape[0],))
    model.set_weights([kernel, bias])
    return model


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    ("activation", "loss"),
    [("softmax", "sparse_categorical_crossentropy"),
     (None, {"name": "sparse_categorical_crossentropy", "from_logits": True})],
    ids=["fused-softmax", "from-logits"],
)
def test_model_with_logits_of_1e4(dtype, activation, loss):
    # Identity kernel: the inputs are the logits.
    model = _one_layer(activation, loss, np.eye(3), np.zeros(3), dtype)
    x, y = LOGITS, np.array([0, 0, 2, 1])
    exact = (2 * BIG + math.log(3) + 2 * BIG) / 4
    # Training takes the loss from the logits, exactly, fused with softmax or not.
    with _underflow_ok():
        _, value = compute_gradients(model, x.astype(dtype), y)
    assert value == pytest.approx(exact, rel=1e-6)
    # evaluate sees probabilities when the model outputs them: a probability
    # of 0 costs -log(eps) of the dtype, as in Keras, instead of infinity.
    cap = -math.log(np.finfo(dtype).eps)
    expected = exact if activation is None else (2 * cap + math.log(3)) / 4
    assert model.evaluate(x, y)["loss"] == pytest.approx(expected, rel=1e-5)
    probs = model.predict_proba(x)
    np.testing.assert_allclose(probs[[0, 1, 3]], [[1, 0, 0], [0, 1, 0], [0, 0, 1]], atol=0)
    assert all(np.isfinite(g).all() for g in model.grads)
    model.fit(x, y, epochs=2, batch_size=2, verbose=0)
    assert all(np.isfinite(w).all() for w in model.get_weights())


def test_sigmoid_output_with_logits_of_1e4():
    model = _one_layer("sigmoid", "binary_crossentropy", np.ones((1, 1)), np.zeros(1))
    x, y = np.array([[BIG], [-BIG], [BIG]]), np.array([1, 0, 0])
    with _underflow_ok():
        _, value = compute_gradients(model, x, y.reshape(-1, 1).astype(float))
    assert value == pytest.approx(BIG / 3, rel=1e-6)
    cap = -math.log(np.finfo(np.float64).eps)
    assert model.evaluate(x, y)["loss"] == pytest.approx(cap / 3, rel=1e-6)
    np.testing.assert_array_equal(model.predict(x)[:, 0], [1.0, 0.0, 1.0])
    model.fit(x, y, epochs=3, batch_size=1, verbose=0)
    assert all(np.isfinite(w).all() for w in model.get_weights())


def _classifier(seed=0, dtype="float32"):
    model = nz.Sequential([nz.layers.Dense(6, activation="tanh"),
                           nz.layers.Dense(3, activation="softmax")], seed=seed, dtype=dtype)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


@pytest.mark.parametrize("kind", ["float16", "int8", "int64", "uint8", "bool"])
def test_float16_and_integer_inputs_act_as_their_float32_values(kind):
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(20, 4)) * 3).astype(kind)
    y = rng.integers(0, 3, 20)
    as_float = _classifier()
    as_float.fit(x.astype(np.float32), y, epochs=2, batch_size=5, verbose=0)
    as_given = _classifier()
    as_given.fit(x, y.astype("float16"), epochs=2, batch_size=5, verbose=0)
    for a, b in zip(as_float.get_weights(), as_given.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(as_given.predict(x), as_float.predict(x.astype(np.float32)))


def test_float16_input_beyond_float32_is_impossible_but_inf_is_refused():
    x = np.array([[np.float16(np.inf), 1.0]])
    model = _classifier()
    with pytest.raises(nz.InvalidArgumentError, match="NaN or infinite"):
        model.predict(x)


@pytest.mark.parametrize("loss", ["sparse_categorical_crossentropy", "categorical_crossentropy",
                                  "binary_crossentropy", "mse"])
@pytest.mark.parametrize("batch", ["single-sample", "one-class"])
def test_gradients_are_exact_for_single_sample_and_one_class_batches(loss, batch):
    binary = loss == "binary_crossentropy"
    out = 1 if binary else 3
    model = nz.Sequential([nz.layers.Dense(5, activation="elu"),
                           nz.layers.Dense(out, activation="sigmoid" if binary else "softmax")],
                          seed=2, dtype="float64")
    model.compile(optimizer="sgd", loss=loss)
    n = 1 if batch == "single-sample" else 7
    x = np.random.default_rng(3).normal(size=(n, 4))
    labels = np.ones(n, dtype=int)  # every sample of class 1
    y = labels if loss.startswith("sparse") or binary else np.eye(3)[labels]
    model.build((4,))
    assert nz.gradcheck(model, x, y) < 1e-6
    history = model.fit(x, y, epochs=3, batch_size=1, verbose=0)
    assert all(math.isfinite(v) for v in history.history["loss"])


def test_one_class_batch_metrics_and_class_weight():
    model = _classifier()
    model.compile(optimizer=nz.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    x, y = np.random.default_rng(4).normal(size=(8, 4)), np.zeros(8, dtype=int)
    history = model.fit(x, y, epochs=30, batch_size=8, verbose=0, class_weight={0: 2.0, 2: 5.0})
    assert history.history["accuracy"][-1] == 1.0
    assert model.evaluate(x, y)["loss"] < history.history["loss"][0]


# -- divergence ---------------------------------------------------------------------------


class _Recorder(nz.callbacks.Callback):
    """The weights after every batch, and at the start of every epoch."""

    def on_train_begin(self, logs=None):
        self.after_batch, self.epoch_start = [], []

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_start.append(self.model.get_weights())

    def on_batch_end(self, batch, logs=None):
        self.after_batch.append(self.model.get_weights())


def _finite(weights):
    return all(np.isfinite(w).all() for w in weights)


# Adaptive optimizers take steps of about the learning rate whatever the
# gradient, so at 1e3 they wander without overflowing; SGD overflows.
@pytest.mark.parametrize("optimizer", [{"name": "sgd"}, {"name": "sgd", "momentum": 0.9}])
@pytest.mark.parametrize("task", ["regression", "classification"])
def test_learning_rate_1e3_stops_at_the_first_non_finite_loss(optimizer, task):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 5)) * 10
    if task == "regression":
        model = nz.Sequential([nz.layers.Dense(16, activation="relu"), nz.layers.Dense(1)])
        loss, y = "mse", (x**2).sum(axis=1)
    else:
        model = nz.Sequential([nz.layers.Dense(16, activation="relu"),
                               nz.layers.Dense(4, activation="softmax")])
        loss, y = "sparse_categorical_crossentropy", rng.integers(0, 4, 64)
    model.compile(optimizer=nz.optimizers.get({**optimizer, "learning_rate": 1e3}), loss=loss)
    recorder = _Recorder()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(x, y, epochs=50, batch_size=16, verbose=0, callbacks=[recorder])
    messages = [str(w.message) for w in caught if w.category is nz.NonFiniteLossWarning]
    assert len(messages) == 1 and "smaller learning rate (it was 1000)" in messages[0]
    assert history.stopped_reason == messages[0]
    # Stopped in the epoch after the last one recorded, keeping weights whose
    # outputs and loss are finite: the epoch's start, or the run's start when
    # those diverge too (weights after the last good batch may be finite yet
    # give an infinite loss).
    assert len(recorder.epoch_start) == len(history.epoch) + 1
    weights = model.get_weights()
    assert _finite(weights)
    assert any(all(np.array_equal(a, b) for a, b in zip(weights, start, strict=True))
               for start in (recorder.epoch_start[-1], recorder.epoch_start[0]))
    with np.errstate(over="ignore"):
        assert np.isfinite(model.predict(x)).all()
        assert math.isfinite(model.evaluate(x, y)["loss"])
    assert all(math.isfinite(v) for v in history.history["loss"])


def test_huge_inputs_stop_with_a_hint_to_standardize():
    model = nz.Sequential([nz.layers.Dense(3, activation="relu"), nz.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.full((4, 4), 1e30), np.ones(4)  # squared errors beyond float32's range
    with pytest.warns(nz.NonFiniteLossWarning, match="standardize the inputs"):
        history = model.fit(x, y, epochs=3, verbose=0)
    assert history.epoch == [] and _finite(model.get_weights())


def test_predict_and_evaluate_on_confident_outputs():
    """Softmax of logits far apart underflows to exactly 0, and must not raise."""
    model = _one_layer("softmax", "sparse_categorical_crossentropy", np.eye(3) * 1e3,
                       np.zeros(3), dtype="float32")
    x = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    np.testing.assert_array_equal(model.predict(x), [[1, 0, 0], [0, 0, 1]])
    assert model.evaluate(x, np.array([0, 2]))["loss"] == pytest.approx(0.0, abs=1e-6)
    cap = -math.log(np.finfo(np.float32).eps)
    assert model.evaluate(x, np.array([1, 2]))["loss"] == pytest.approx(cap / 2, rel=1e-5)
