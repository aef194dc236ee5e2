"""Sequential: construction and its refusals, compile, weights, determinism and
random state, dtypes, evaluate and predict, summary, repr and config.

Training is in test_training.py, saving in test_saving.py, callbacks in
test_callbacks.py."""

from __future__ import annotations

import numpy as np
import pytest

import nnzero as nz
from nnzero import InvalidArgumentError, InvalidTypeError, NotCompiledError
from nnzero.layers import Dense, Dropout, Flatten
from refusals import N_FEATURES as DATA_FEATURES  # refusals.data's width, not 4
from refusals import NAN, assert_same_state, data, raises, state_of, trained_classifier
from small_models import N_CLASSES, N_FEATURES, assert_weights_equal, blobs, mlp, weights_differ

# -- construction and compile --------------------------------------------------


@pytest.mark.parametrize(
    "dtype", ["float16", "int32", "complex128", "foo", np.int64, object(), None]
)
def test_dtype_other_than_float32_or_float64(dtype):
    with raises(InvalidArgumentError, r"`dtype` must be 'float32' or 'float64'"):
        nz.Sequential([Dense(2)], dtype=dtype)


@pytest.mark.parametrize(
    "seed, exc",
    [
        (-1, InvalidArgumentError),
        (1.5, InvalidTypeError),
        ("0", InvalidTypeError),
        (True, InvalidTypeError),
    ],
)
def test_seed(seed, exc):
    with raises(exc, r"`seed`"):
        nz.Sequential([Dense(2)], seed=seed)
    with raises(exc, r"`seed`"):
        nz.Perceptron(seed=seed)


def test_sequential_takes_only_layers():
    with raises(InvalidTypeError, r"Sequential takes nnzero layers"):
        nz.Sequential([Dense(2), "relu"])


def test_model_without_layers():
    model = nz.Sequential([])
    model.compile(loss="mse")
    with raises(InvalidArgumentError, r"no layers"):
        model.fit(np.zeros((3, 2)), np.zeros(3), verbose=0)
    with raises(InvalidArgumentError, r"no layers"):
        model.predict(np.zeros((3, 2)))


def test_failed_compile_keeps_previous_settings():
    model = trained_classifier()
    before = state_of(model)
    with raises(InvalidArgumentError, r"Unknown loss"):
        model.compile(optimizer="sgd", loss="nope")
    with raises(InvalidArgumentError, r"Unknown metric"):
        model.compile(optimizer="sgd", loss="mse", metrics=["nope"])
    with raises(InvalidTypeError, r"`metrics` must be a list"):
        model.compile(optimizer="sgd", loss="mse", metrics="accuracy")
    assert_same_state(before, state_of(model))


def test_fit_before_compile():
    model = nz.Sequential([Dense(3)])
    with raises(NotCompiledError, r"compile\(optimizer, loss\) before fit"):
        model.fit(*data(), verbose=0)
    assert not model.built


def test_evaluate_before_compile():
    model = nz.Sequential([Dense(3)])
    with raises(NotCompiledError, r"compile\(optimizer, loss\) before evaluate"):
        model.evaluate(*data())


# -- weights -------------------------------------------------------------------


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


def _refuse_set_weights(model, weights, exc, match):
    before = state_of(model)
    with raises(exc, match):
        model.set_weights(weights)
    assert_same_state(before, state_of(model))


def test_set_weights_wrong_count():
    model = trained_classifier()
    good = model.get_weights()
    _refuse_set_weights(model, good[:-1], InvalidArgumentError, r"set_weights expected 4 arrays")
    _refuse_set_weights(model, [*good, good[0]], InvalidArgumentError, r"expected 4 arrays")


def test_set_weights_wrong_shape_changes_nothing():
    model = trained_classifier()
    # Right shapes first, wrong one last: nothing may be written.
    weights = [w + 1 for w in model.get_weights()]
    weights[2] = weights[2].T
    _refuse_set_weights(
        model,
        weights,
        InvalidArgumentError,
        r"array 2 must have shape \(4, 3\)\. Received: \(3, 4\)",
    )
    weights = [w + 1 for w in model.get_weights()]
    weights[3] = weights[3][:, None]
    _refuse_set_weights(model, weights, InvalidArgumentError, r"array 3 must have shape")


def test_set_weights_non_numeric_changes_nothing():
    model = trained_classifier()
    weights = [w + 1 for w in model.get_weights()]
    weights[2] = np.full(weights[2].shape, "a")
    _refuse_set_weights(model, weights, InvalidTypeError, r"`weights\[2\]` must be numeric")
    weights[2] = [[1.0, [2.0]]]
    _refuse_set_weights(model, weights, InvalidTypeError, r"`weights\[2\]`")


@pytest.mark.parametrize("weights", [5, None, "abc"])
def test_set_weights_needs_a_list(weights):
    _refuse_set_weights(
        trained_classifier(), weights, InvalidTypeError, r"`weights` must be a list"
    )


def test_set_weights_on_unbuilt_model():
    with raises(InvalidArgumentError, r"set_weights needs a built model"):
        nz.Sequential([Dense(2)]).set_weights([np.zeros((3, 2)), np.zeros(2)])


# -- determinism and random state ----------------------------------------------


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


# -- dtypes --------------------------------------------------------------------


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


# -- evaluate and predict ------------------------------------------------------


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


@pytest.mark.parametrize("features", [DATA_FEATURES - 1, DATA_FEATURES + 1])
def test_predict_with_wrong_feature_count(features):
    model = trained_classifier()
    x = np.zeros((3, features))
    for method in (model.predict, model.predict_proba, model.predict_classes):
        with raises(
            InvalidArgumentError,
            rf"`x` has samples of shape \({features},\).*built for \({DATA_FEATURES},\)",
        ):
            method(x)
    with raises(InvalidArgumentError, r"`x` has samples of shape"):
        model.evaluate(x, np.zeros(3, dtype=int))


def test_predict_with_nan():
    model = trained_classifier()
    with raises(InvalidArgumentError, r"`x` contains NaN"):
        model.predict(np.full((2, DATA_FEATURES), NAN))


# -- summary, repr, config -----------------------------------------------------


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
