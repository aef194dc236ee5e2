"""Behaviour of the Sequential API: names and objects, weights, determinism,
dtypes, training modes, history, weighting, prediction, saving, non-finite
losses, callbacks, thread limits and schedules."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
import threadpoolctl

import nnzero as nz
from nnzero.layers import Activation, Dense, Dropout, Flatten
from nnzero.model.step import compute_gradients

N_FEATURES, N_CLASSES = 4, 3


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


# -- names and objects -------------------------------------------------------------


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


# -- weights -------------------------------------------------------------------------


def test_get_weights_keras_order_and_shapes():
    model = nz.Sequential(
        [Dense(8, activation="relu"), Dropout(0.5), Dense(3, use_bias=False), Dense(2)]
    )
    model.build((5,))
    shapes = [w.shape for w in model.get_weights()]
    assert shapes == [(5, 8), (8,), (8, 3), (3, 2), (2,)]
    assert model.count_params() == 5 * 8 + 8 + 8 * 3 + 3 * 2 + 2
    # Biases start at zero, kernels do not.
    weights = model.get_weights()
    assert not weights[1].any() and weights[0].any()
    # Kernel is (n_in, n_out): the forward pass is x @ kernel + bias.
    x = np.random.default_rng(0).normal(size=(4, 5)).astype(np.float32)
    first = model.layers[0].forward(x)
    np.testing.assert_allclose(first, np.maximum(x @ weights[0] + weights[1], 0), rtol=1e-6)


def test_get_weights_returns_copies():
    model = mlp()
    model.build((N_FEATURES,))
    weights = model.get_weights()
    weights[0][...] = 7.0
    assert not np.array_equal(model.get_weights()[0], weights[0])


def test_set_weights_round_trip():
    source, target = mlp(seed=1), mlp(seed=2)
    x, y = blobs()
    source.fit(x, y, epochs=2, verbose=0)
    target.build((N_FEATURES,))
    assert weights_differ(source.get_weights(), target.get_weights())
    target.set_weights(source.get_weights())
    assert_weights_equal(source.get_weights(), target.get_weights())
    assert np.array_equal(source.predict(x), target.predict(x))
    # Lists of lists and float64 arrays are converted to the model's dtype.
    target.set_weights([w.astype(np.float64).tolist() for w in source.get_weights()])
    assert_weights_equal(source.get_weights(), target.get_weights())


# -- determinism and random state ------------------------------------------------------


def _train(seed, dropout=0.3, **fit):
    model = mlp(seed=seed, dropout=dropout)
    model.fit(*blobs(), epochs=3, batch_size=8, shuffle=True, verbose=0, **fit)
    return model.get_weights()


def test_same_seed_same_data_gives_bit_identical_weights():
    assert_weights_equal(_train(3), _train(3))
    assert_weights_equal(_train(3, validation_split=0.2), _train(3, validation_split=0.2))


def test_different_seeds_give_different_weights():
    assert weights_differ(_train(3), _train(4))


def test_seed_none_draws_fresh_randomness():
    a = nz.Sequential([Dense(4)], seed=None)
    b = nz.Sequential([Dense(4)], seed=None)
    a.build((3,))
    b.build((3,))
    assert weights_differ(a.get_weights(), b.get_weights())


def test_global_numpy_rng_is_never_used(tmp_path):
    np.random.seed(1234)
    state = np.random.get_state()
    model = mlp(seed=0, dropout=0.5)
    x, y = blobs()
    model.fit(x, y, epochs=2, batch_size=8, validation_split=0.2, verbose=0)
    model.predict(x)
    model.evaluate(x, y)
    model.save(tmp_path / "m.nnz")
    nz.load_model(tmp_path / "m.nnz").fit(x, y, epochs=1, verbose=0)
    nz.Perceptron(seed=0).fit(x, y % 2).predict(x)
    after = np.random.get_state()
    assert state[0] == after[0]
    assert np.array_equal(state[1], after[1])
    assert state[2:] == after[2:]


def test_results_do_not_depend_on_the_global_seed():
    np.random.seed(1)
    first = _train(7)
    np.random.seed(2)
    second = _train(7)
    assert_weights_equal(first, second)


# -- dtypes ----------------------------------------------------------------------------


def test_float32_by_default_all_the_way_through():
    model = mlp()
    x, y = blobs(dtype=np.float64)
    history = model.fit(x, y, epochs=1, verbose=0)
    assert model.dtype == np.float32
    assert all(w.dtype == np.float32 for w in model.get_weights())
    assert all(a.dtype == np.float32 for v in model.optimizer.slots.values() for a in v)
    assert model.predict(x).dtype == np.float32
    assert model.predict_proba(x.astype(np.int64)).dtype == np.float32
    assert isinstance(history.history["loss"][0], float)


def test_float64_on_request_all_the_way_through():
    model = mlp(dtype="float64")
    x, y = blobs(dtype=np.float32)
    model.fit(x, y, epochs=1, verbose=0)
    assert model.dtype == np.float64
    assert all(w.dtype == np.float64 for w in model.get_weights())
    assert all(a.dtype == np.float64 for v in model.optimizer.slots.values() for a in v)
    assert model.predict(x).dtype == np.float64
    assert nz.Sequential([Dense(2)], dtype=np.float64).dtype == np.float64


# -- batch, mini-batch, stochastic ---------------------------------------------------


@pytest.mark.parametrize("batch_size", [None, 16, 1])
def test_gradient_descent_modes_reduce_the_loss(batch_size):
    x, y = blobs()
    model = mlp(optimizer=nz.optimizers.SGD(0.05))
    start = model.evaluate(x, y)["loss"]
    model.fit(x, y, epochs=5, batch_size=batch_size, verbose=0)
    assert model.evaluate(x, y)["loss"] < 0.9 * start
    steps_per_epoch = {None: 1, 16: 4, 1: 60}[batch_size]
    assert model.optimizer.iterations == 5 * steps_per_epoch


def test_batch_size_larger_than_data_is_batch_gradient_descent():
    model = mlp()
    model.fit(*blobs(), epochs=2, batch_size=1000, verbose=0)
    assert model.optimizer.iterations == 2


# -- history ---------------------------------------------------------------------------


def test_history_keys_one_entry_per_epoch():
    x, y = blobs()
    model = mlp()
    history = model.fit(x, y, epochs=4, validation_data=blobs(30, seed=1), verbose=0)
    assert isinstance(history, nz.History)
    assert model.history is history
    assert set(history.history) == {
        "loss",
        "accuracy",
        "val_loss",
        "val_accuracy",
        "epoch_time",
        "learning_rate",
    }
    assert all(len(v) == 4 for v in history.history.values())
    assert history.epoch == [0, 1, 2, 3]
    assert history.history["learning_rate"] == [1e-3] * 4
    assert all(t > 0 for t in history.history["epoch_time"])
    assert all(0.0 <= a <= 1.0 for a in history.history["val_accuracy"])
    assert history.stopped_reason is None


def test_history_without_validation_has_no_val_keys():
    history = mlp(metrics=()).fit(*blobs(), epochs=2, verbose=0)
    assert set(history.history) == {"loss", "epoch_time", "learning_rate"}


def test_history_val_loss_is_evaluate_on_validation_data():
    x, y = blobs()
    xv, yv = blobs(30, seed=1)
    model = mlp()
    history = model.fit(x, y, epochs=2, validation_data=(xv, yv), verbose=0)
    scores = model.evaluate(xv, yv)
    assert history.history["val_loss"][-1] == pytest.approx(scores["loss"], rel=1e-6)
    assert history.history["val_accuracy"][-1] == pytest.approx(scores["accuracy"])


def test_verbose_prints_one_line_per_epoch(capsys):
    mlp().fit(*blobs(), epochs=3, verbose=1)
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split(" - ")[0] for line in lines] == ["Epoch 1/3", "Epoch 2/3", "Epoch 3/3"]
    mlp().fit(*blobs(), epochs=3, verbose=0)
    assert capsys.readouterr().out == ""


# -- validation split ------------------------------------------------------------------


def test_validation_split_holds_out_the_last_fraction():
    x, y = blobs(40)
    split = mlp(seed=2)
    history = split.fit(x, y, epochs=2, batch_size=8, validation_split=0.25, verbose=0)
    # Training used exactly the first 30 samples...
    alone = mlp(seed=2)
    alone.fit(x[:30], y[:30], epochs=2, batch_size=8, verbose=0)
    assert_weights_equal(split.get_weights(), alone.get_weights())
    # ...and validation the last 10.
    scores = split.evaluate(x[30:], y[30:])
    assert history.history["val_loss"][-1] == pytest.approx(scores["loss"], rel=1e-6)


# -- sample and class weights ----------------------------------------------------------


def _grads(model, x, y, w=None):
    compute_gradients(model, x, y, w)
    return [g.copy() for g in model.grads]


def _built64(seed=0):
    model = nz.Sequential(
        [Dense(6, activation="tanh"), Dense(N_CLASSES, activation="softmax")],
        seed=seed,
        dtype="float64",
    )
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.build((N_FEATURES,))
    return model


def test_zero_sample_weight_equals_dropping_the_sample_in_the_gradient():
    x, y = blobs(20)
    drop = np.array([2, 5, 11])
    keep = np.setdiff1d(np.arange(20), drop)
    model = _built64()
    # The loss is sum(w * l) / n, so the kept samples carry n / n_kept.
    w = np.full(20, 20 / len(keep))
    w[drop] = 0.0
    weighted = _grads(model, x, y, w)
    dropped = _grads(model, x[keep], y[keep])
    for a, b in zip(weighted, dropped, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_zero_sample_weight_equals_dropping_the_sample_in_training():
    # Stochastic GD without momentum: a zero-weight sample's step changes nothing.
    x, y = blobs(30)
    w = np.ones(30)
    w[::4] = 0.0
    fit = {"epochs": 3, "batch_size": 1, "shuffle": False, "verbose": 0}
    a = _built64()
    a.fit(x, y, sample_weight=w, **fit)
    b = _built64()
    b.fit(x[w > 0], y[w > 0], **fit)
    assert_weights_equal(a.get_weights(), b.get_weights())


def test_sample_weight_changes_the_result_and_scales_the_loss():
    x, y = blobs()
    plain = mlp(seed=0)
    plain.fit(x, y, epochs=2, verbose=0)
    weighted = mlp(seed=0)
    weighted.fit(x, y, epochs=2, sample_weight=np.linspace(0.1, 3.0, len(x)), verbose=0)
    assert weights_differ(plain.get_weights(), weighted.get_weights())
    loss = plain.evaluate(x, y)["loss"]
    assert plain.evaluate(x, y, sample_weight=np.full(len(x), 2.0))["loss"] == pytest.approx(
        2 * loss, rel=1e-5
    )


def test_class_weight_equals_the_matching_sample_weight():
    x, y = blobs()
    by_class = mlp(seed=0)
    by_class.fit(x, y, epochs=2, class_weight={0: 3.0, 2: 0.5}, verbose=0)
    by_sample = mlp(seed=0)
    by_sample.fit(x, y, epochs=2, sample_weight=np.array([3.0, 1.0, 0.5])[y], verbose=0)
    assert_weights_equal(by_class.get_weights(), by_sample.get_weights())
    plain = mlp(seed=0)
    plain.fit(x, y, epochs=2, verbose=0)
    assert weights_differ(plain.get_weights(), by_class.get_weights())


def test_class_weight_with_one_hot_and_binary_targets():
    x, y = blobs()
    model = nz.Sequential([Dense(N_CLASSES, activation="softmax")], seed=0)
    model.compile(loss="categorical_crossentropy")
    model.fit(x, np.eye(N_CLASSES)[y], class_weight={1: 2.0}, epochs=1, verbose=0)
    binary = nz.Sequential([Dense(1, activation="sigmoid")], seed=0)
    binary.compile(loss="binary_crossentropy")
    binary.fit(x, (y == 1).astype(float), class_weight={0: 1.0, 1: 5.0}, epochs=1, verbose=0)


# -- evaluate and predict --------------------------------------------------------------


def test_evaluate_returns_a_dict_of_floats():
    model = mlp(metrics=("accuracy", "mse"))
    x, y = blobs()
    model.fit(x, y, epochs=1, verbose=0)
    scores = model.evaluate(x, y)
    assert isinstance(scores, dict)
    assert set(scores) == {"loss", "accuracy", "mse"}
    assert all(isinstance(v, float) for v in scores.values())
    accuracy = np.mean(model.predict_classes(x) == y)
    assert scores["accuracy"] == pytest.approx(accuracy)
    # Batching does not change the result.
    assert model.evaluate(x, y, batch_size=7)["loss"] == pytest.approx(scores["loss"], rel=1e-6)


def test_evaluate_includes_the_regularization_penalty():
    x, y = blobs()
    model = nz.Sequential([Dense(N_CLASSES, activation="softmax", kernel_regularizer="l2")])
    model.compile(loss="sparse_categorical_crossentropy")
    model.build((N_FEATURES,))
    penalty = 0.01 * float(np.sum(model.get_weights()[0].astype(np.float64) ** 2))
    bare = nz.Sequential([Dense(N_CLASSES, activation="softmax")])
    bare.compile(loss="sparse_categorical_crossentropy")
    bare.build((N_FEATURES,))
    bare.set_weights(model.get_weights())
    assert model.evaluate(x, y)["loss"] == pytest.approx(
        bare.evaluate(x, y)["loss"] + penalty, rel=1e-5
    )


def test_predict_proba_turns_logits_into_probabilities():
    x, y = blobs()
    model = nz.Sequential([Dense(8, activation="relu"), Dense(N_CLASSES)], seed=0)
    model.compile(loss=nz.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, epochs=3, verbose=0)
    logits = model.predict(x)
    probs = model.predict_proba(x)
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-6)
    assert (probs >= 0).all()
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    np.testing.assert_allclose(probs, e / e.sum(axis=1, keepdims=True), rtol=1e-5)
    assert np.array_equal(model.predict_classes(x), np.argmax(logits, axis=1))


def test_predict_proba_of_a_softmax_model_is_predict():
    model = mlp()
    x, y = blobs()
    model.fit(x, y, epochs=1, verbose=0)
    assert np.array_equal(model.predict_proba(x), model.predict(x))
    assert np.allclose(model.predict(x).sum(axis=1), 1.0, atol=1e-6)


def test_binary_logits_and_sigmoid_classes():
    x, y = blobs()
    t = (y == 1).astype(float)
    logit = nz.Sequential([Dense(1)], seed=0)
    logit.compile(optimizer="adam", loss=nz.losses.BinaryCrossentropy(from_logits=True))
    logit.fit(x, t, epochs=3, verbose=0)
    z = logit.predict(x)
    np.testing.assert_allclose(logit.predict_proba(x), 1 / (1 + np.exp(-z)), rtol=1e-5)
    assert np.array_equal(logit.predict_classes(x), (z[:, 0] > 0).astype(int))
    sigmoid = nz.Sequential([Dense(1, activation="sigmoid")], seed=0)
    sigmoid.compile(loss="binary_crossentropy")
    sigmoid.fit(x, t, epochs=1, verbose=0)
    p = sigmoid.predict(x)
    assert np.array_equal(sigmoid.predict_classes(x), (p[:, 0] > 0.5).astype(int))


def test_predict_classes_is_argmax_and_works_uncompiled():
    model = nz.Sequential([Dense(N_CLASSES, activation="softmax")], seed=0)
    x = blobs()[0]
    classes = model.predict_classes(x)
    assert classes.shape == (len(x),)
    assert np.array_equal(classes, np.argmax(model.predict(x), axis=1))


def test_predict_in_batches_equals_one_batch():
    model = mlp()
    x = blobs(50)[0]
    np.testing.assert_allclose(model.predict(x, batch_size=7), model.predict(x), rtol=1e-6)


# -- summary, repr, config -------------------------------------------------------------


def test_summary_lists_layers_and_parameter_counts():
    model = nz.Sequential(
        [Dense(16, activation="relu"), Dropout(0.2), Dense(10, activation="softmax")]
    )
    model.build((784,))
    text = model.summary(print_fn=None)
    assert "Dense[relu]" in text and "Dropout" in text and "Dense[softmax]" in text
    assert "(None, 16)" in text and "(None, 10)" in text
    assert str(784 * 16 + 16) in text and str(16 * 10 + 10) in text
    assert f"Total params: {784 * 16 + 16 + 16 * 10 + 10}" in text
    printed = []
    assert model.summary(print_fn=printed.append) == printed[0]


def test_summary_of_unbuilt_model():
    text = nz.Sequential([Dense(3)]).summary(print_fn=None)
    assert "not built" in text


def test_repr_and_config():
    model = nz.Sequential([Flatten(), Dense(3, activation="relu")], seed=4, dtype="float64")
    assert repr(model) == "Sequential([Flatten, Dense], seed=4, dtype='float64')"
    config = model.get_config()
    assert config["seed"] == 4 and config["dtype"] == "float64"
    assert [c["name"] for c in config["layers"]] == ["flatten", "dense"]


# -- Flatten ---------------------------------------------------------------------------


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


# -- save and load ---------------------------------------------------------------------


def _continued(model, x, y):
    model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    return model.get_weights()


@pytest.mark.parametrize(
    "optimizer",
    [
        nz.optimizers.Adam(1e-2),
        nz.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
        nz.optimizers.RMSprop(centered=True, momentum=0.5),
        nz.optimizers.AdaGrad(),
        nz.optimizers.AdamW(amsgrad=True),
    ],
    ids=lambda o: type(o).__name__,
)
def test_save_load_round_trip_keeps_optimizer_state(tmp_path, optimizer):
    x, y = blobs()
    model = mlp(optimizer=optimizer, dtype="float64", metrics=("accuracy", "mae"))
    model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    path = tmp_path / "model.nnz"
    model.save(path)
    loaded = nz.load_model(path)
    assert np.array_equal(loaded.predict(x), model.predict(x))
    assert loaded.dtype == np.float64
    assert loaded.metric_names == ["accuracy", "mae"]
    assert type(loaded.loss) is type(model.loss)
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert loaded.optimizer.iterations == model.optimizer.iterations
    assert loaded.evaluate(x, y) == model.evaluate(x, y)
    # Continuing after the round trip is bit-identical to continuing without it.
    assert_weights_equal(_continued(loaded, x, y), _continued(model, x, y))


def test_save_load_keeps_from_logits_and_dropout(tmp_path):
    x, y = blobs()
    model = nz.Sequential([Dense(8, activation="elu"), Dropout(0.25), Dense(N_CLASSES)], seed=3)
    model.compile(loss=nz.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "m.nnz")
    loaded = nz.load_model(tmp_path / "m.nnz")
    assert loaded.loss.from_logits
    assert loaded.layers[1].rate == 0.25
    assert np.array_equal(loaded.predict_proba(x), model.predict_proba(x))
    assert loaded.seed == 3


def test_load_without_compile_and_save_without_optimizer(tmp_path):
    model = mlp()
    x, y = blobs()
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "a.nnz", include_optimizer=False)
    loaded = nz.load_model(tmp_path / "a.nnz")
    assert loaded.compiled and loaded.optimizer.iterations == 0
    bare = nz.load_model(tmp_path / "a.nnz", compile=False)
    assert not bare.compiled
    assert np.array_equal(bare.predict(x), model.predict(x))


def test_save_of_uncompiled_model(tmp_path):
    model = nz.Sequential([Dense(3)])
    model.build((2,))
    model.save(str(tmp_path / "u.nnz"))
    loaded = nz.load_model(str(tmp_path / "u.nnz"))
    assert not loaded.compiled
    assert_weights_equal(loaded.get_weights(), model.get_weights())


def test_save_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "model.nnz"
    old = mlp(seed=1)
    old.build((N_FEATURES,))
    old.save(path)
    original = path.read_bytes()
    new = mlp(seed=2)
    new.fit(*blobs(), epochs=1, verbose=0)

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(nz.ModelFileError, match=r"Could not write .*model\.nnz.*unchanged"):
        new.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.nnz"]
    assert_weights_equal(nz.load_model(path).get_weights(), old.get_weights())
    # The same save works once renaming works again, and replaces the file.
    new.save(path)
    assert_weights_equal(nz.load_model(path).get_weights(), new.get_weights())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.nnz"]


def test_saved_file_is_safetensors_with_json_config(tmp_path):
    from safetensors import safe_open

    model = mlp()
    model.fit(*blobs(), epochs=1, verbose=0)
    model.save(tmp_path / "m.nnz")
    with safe_open(str(tmp_path / "m.nnz"), framework="numpy") as f:
        assert f.metadata()["format"] == "nnzero"
        assert np.array_equal(f.get_tensor("layers.0.kernel"), model.get_weights()[0])


# -- non-finite loss -------------------------------------------------------------------


def _blow_up(model, x, y, **fit):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(x, y, verbose=0, **fit)
    # One clear warning, not NumPy's overflow warnings besides.
    assert [type(w.message) for w in caught] == [nz.NonFiniteLossWarning]
    assert "non-finite loss at epoch" in str(caught[0].message)
    assert history.stopped_reason is not None
    assert "non-finite loss" in history.stopped_reason
    assert all(np.isfinite(w).all() for w in model.get_weights())
    return history


def test_huge_learning_rate_stops_training_with_finite_weights():
    x, y = regression()
    model = nz.Sequential([Dense(8, activation="relu"), Dense(1)], seed=0)
    model.compile(optimizer=nz.optimizers.SGD(1e3), loss="mse")
    history = _blow_up(model, x, y, epochs=20, batch_size=8)
    assert len(history.epoch) < 20
    assert np.isfinite(model.predict(x)).all()
    assert "smaller learning rate" in history.stopped_reason


def test_huge_inputs_stop_training_with_finite_weights():
    x, y = blobs()
    model = mlp(dtype="float32")
    model.fit(x, y, epochs=1, verbose=0)
    before = model.get_weights()
    _blow_up(model, x * 1e38, y, epochs=3)
    # The very first batch was non-finite: nothing was updated.
    assert_weights_equal(model.get_weights(), before)
    assert np.isfinite(model.predict(x)).all()


def test_non_finite_loss_message_printed_when_verbose(capsys):
    x, y = regression()
    model = nz.Sequential([Dense(1)], seed=0)
    model.compile(optimizer=nz.optimizers.SGD(1e6), loss="mse")
    with pytest.warns(nz.NonFiniteLossWarning):
        model.fit(x, y * 1e20, epochs=5, verbose=1)
    assert "Stopped: non-finite loss" in capsys.readouterr().out


# -- callbacks -------------------------------------------------------------------------


class Recorder(nz.callbacks.Callback):
    """Keeps the weights at the end of every epoch."""

    def on_train_begin(self, logs=None):
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())


def test_early_stopping_restores_the_best_weights():
    x, y = blobs()
    recorder = Recorder()
    # Loss falls every epoch, so in "max" mode epoch 0 stays the best.
    stop = nz.callbacks.EarlyStopping(
        monitor="loss", mode="max", patience=2, restore_best_weights=True
    )
    model = mlp(optimizer=nz.optimizers.SGD(0.1))
    history = model.fit(x, y, epochs=20, callbacks=[recorder, stop], verbose=0)
    assert stop.best_epoch == 0
    assert len(history.epoch) == 4 == stop.stopped_epoch + 1
    assert "early stopping" in history.stopped_reason
    assert weights_differ(recorder.weights[-1], recorder.weights[0])
    assert_weights_equal(model.get_weights(), recorder.weights[0])


def test_early_stopping_on_val_loss_keeps_best_epoch():
    x, y = blobs(40)
    xv, yv = blobs(40, seed=9)
    recorder = Recorder()
    stop = nz.callbacks.EarlyStopping(patience=1, restore_best_weights=True)
    model = mlp(optimizer=nz.optimizers.Adam(0.2))
    history = model.fit(
        x, y, epochs=40, validation_data=(xv, yv), callbacks=[recorder, stop], verbose=0
    )
    val = history.history["val_loss"]
    best = int(np.argmin(val))
    assert stop.best_epoch == best
    assert_weights_equal(model.get_weights(), recorder.weights[best])
    if len(val) < 40:
        assert len(val) == best + 3


def test_early_stopping_without_restore_keeps_last_weights():
    recorder = Recorder()
    stop = nz.callbacks.EarlyStopping(monitor="loss", mode="max", patience=0)
    model = mlp()
    model.fit(*blobs(), epochs=10, callbacks=[recorder, stop], verbose=0)
    assert len(recorder.weights) == 2
    assert_weights_equal(model.get_weights(), recorder.weights[-1])


def test_model_checkpoint_writes_a_file_per_epoch(tmp_path):
    recorder = Recorder()
    ckpt = nz.callbacks.ModelCheckpoint(str(tmp_path / "ckpt-{epoch:02d}-{loss:.3f}.nnz"))
    model = mlp()
    history = model.fit(*blobs(), epochs=3, callbacks=[recorder, ckpt], verbose=0)
    names = sorted(p.name for p in tmp_path.iterdir())
    expected = [
        f"ckpt-{e + 1:02d}-{loss:.3f}.nnz" for e, loss in enumerate(history.history["loss"])
    ]
    assert names == expected
    for epoch, name in enumerate(names):
        assert_weights_equal(nz.load_model(tmp_path / name).get_weights(), recorder.weights[epoch])


def test_model_checkpoint_save_best_only(tmp_path):
    # In "max" mode on a falling loss only the first epoch is an improvement.
    ckpt = nz.callbacks.ModelCheckpoint(
        str(tmp_path / "best-{epoch}.nnz"), monitor="loss", mode="max", save_best_only=True
    )
    mlp().fit(*blobs(), epochs=3, callbacks=[ckpt], verbose=0)
    assert [p.name for p in tmp_path.iterdir()] == ["best-1.nnz"]


def test_model_checkpoint_save_best_only_on_val_loss(tmp_path):
    recorder = Recorder()
    ckpt = nz.callbacks.ModelCheckpoint(str(tmp_path / "best.nnz"), save_best_only=True)
    model = mlp(optimizer=nz.optimizers.Adam(0.2))
    history = model.fit(
        *blobs(40),
        epochs=8,
        validation_data=blobs(40, seed=9),
        callbacks=[recorder, ckpt],
        verbose=0,
    )
    best = int(np.argmin(history.history["val_loss"]))
    assert [p.name for p in tmp_path.iterdir()] == ["best.nnz"]
    assert_weights_equal(nz.load_model(tmp_path / "best.nnz").get_weights(), recorder.weights[best])


def test_learning_rate_scheduler_sets_the_logged_rate():
    seen = []

    def schedule(epoch, lr):
        seen.append(lr)
        return 0.1 * 0.5**epoch

    callback = nz.callbacks.LearningRateScheduler(schedule)
    model = mlp(optimizer=nz.optimizers.SGD(0.3))
    history = model.fit(*blobs(), epochs=4, callbacks=[callback], verbose=0)
    assert history.history["learning_rate"] == [0.1, 0.05, 0.025, 0.0125]
    assert seen == [0.3, 0.1, 0.05, 0.025]
    assert model.optimizer.current_learning_rate() == 0.0125


def test_schedule_object_as_learning_rate_is_logged_per_epoch():
    # 60 samples in batches of 20: 3 steps per epoch; the rate halves every 3 steps.
    schedule = nz.schedules.StepDecay(0.1, step_size=3, gamma=0.5)
    model = mlp(optimizer=nz.optimizers.SGD(schedule))
    history = model.fit(*blobs(), epochs=3, batch_size=20, verbose=0)
    assert history.history["learning_rate"] == [0.1, 0.05, 0.025]


def test_custom_callback_sees_every_hook_and_can_stop_training():
    calls = []

    class Spy(nz.callbacks.Callback):
        def on_train_begin(self, logs=None):
            calls.append("begin")

        def on_epoch_begin(self, epoch, logs=None):
            calls.append(f"epoch {epoch}")

        def on_epoch_end(self, epoch, logs=None):
            calls.append(f"end {epoch} {sorted(logs)}")
            if epoch == 1:
                self.model.stop_training = True

        def on_train_end(self, logs=None):
            calls.append("done")

    history = mlp().fit(*blobs(), epochs=5, callbacks=[Spy()], verbose=0)
    keys = ["accuracy", "epoch_time", "learning_rate", "loss"]
    assert calls == ["begin", "epoch 0", f"end 0 {keys}", "epoch 1", f"end 1 {keys}", "done"]
    assert len(history.epoch) == 2


# -- threads and schedules -------------------------------------------------------------


def _blas_threads():
    return [
        info["num_threads"]
        for info in threadpoolctl.threadpool_info()
        if info["user_api"] == "blas"
    ]


def test_limit_threads_as_context_manager():
    before = _blas_threads()
    with nz.limit_threads(1):
        assert all(n == 1 for n in _blas_threads())
        model = mlp()
        model.fit(*blobs(), epochs=1, verbose=0)
    assert _blas_threads() == before


def test_limit_threads_as_a_plain_call():
    before = _blas_threads()
    limiter = nz.limit_threads(1)
    try:
        assert all(n == 1 for n in _blas_threads())
    finally:
        limiter.restore_original_limits()
    assert _blas_threads() == before


@pytest.mark.parametrize(
    "schedule, steps, expected",
    [
        (
            nz.schedules.StepDecay(0.1, step_size=10, gamma=0.5),
            [0, 9, 10, 25],
            [0.1, 0.1, 0.05, 0.025],
        ),
        (
            nz.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5),
            [0, 5, 10, 20],
            [0.1, 0.1 * 0.5**0.5, 0.05, 0.025],
        ),
        (
            nz.schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True),
            [0, 9, 15, 20],
            [0.1, 0.1, 0.05, 0.025],
        ),
        (
            nz.schedules.InverseTimeDecay(0.1, decay_steps=10, decay_rate=1.0),
            [0, 10, 30],
            [0.1, 0.05, 0.025],
        ),
        (
            nz.schedules.InverseTimeDecay(0.1, 10, 1.0, staircase=True),
            [9, 10, 19],
            [0.1, 0.05, 0.05],
        ),
        (
            nz.schedules.CosineDecay(0.1, decay_steps=100, alpha=0.1),
            [0, 50, 100, 500],
            [0.1, 0.055, 0.01, 0.01],
        ),
        (
            nz.schedules.CosineDecay(0.1, decay_steps=100, warmup_steps=10),
            [0, 4, 9, 10, 60],
            [0.01, 0.05, 0.1, 0.1, 0.05],
        ),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, nz.schedules.Schedule) else None,
)
def test_schedules_return_the_documented_values(schedule, steps, expected):
    assert [schedule(s) for s in steps] == pytest.approx(expected, rel=1e-12)


def test_schedule_config_round_trip():
    schedule = nz.schedules.CosineDecay(0.1, 100, alpha=0.1, warmup_steps=5)
    again = nz.schedules.get(schedule.get_config())
    assert [again(s) for s in range(120)] == [schedule(s) for s in range(120)]
