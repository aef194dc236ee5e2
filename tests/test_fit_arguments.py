"""The checks of ``fit``'s arguments (``nnzero.model.fit_arguments``): every bad
x, y, target, batch size, epoch count, flag, validation set, weight or callback
list is refused with one clear error before training starts, by a fresh
model and by one already trained alike."""

from __future__ import annotations

import re

import numpy as np
import pytest

import nnzero as nz
from nnzero import InvalidArgumentError, InvalidTypeError, ModelFileError
from nnzero.layers import Dense, Flatten
from refusals import (
    INF,
    N_CLASSES,
    N_FEATURES,
    NAN,
    N,
    assert_same_state,
    classifier,
    data,
    raises,
    refuse_fit,
    state_of,
    trained_classifier,
)


# Both a fresh (unbuilt) model and one already trained must refuse bad input.
@pytest.fixture(params=["fresh", "trained"])
def model(request):
    return classifier() if request.param == "fresh" else trained_classifier()


# -- x -------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(N,), (N, N_FEATURES, 1), (N, 1, N_FEATURES, 1)])
def test_x_must_be_2d_without_flatten(model, shape):
    x = np.zeros(shape)
    refuse_fit(model, InvalidArgumentError, r"`x` must be 2-D", x=x)


def test_x_of_images_is_accepted_with_flatten_first():
    model = nz.Sequential([Flatten(), Dense(3, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy")
    model.fit(np.zeros((N, 2, 3)), data()[1], verbose=0)
    assert model.input_shape == (2, 3)


@pytest.mark.parametrize(
    "x",
    [
        np.full((N, N_FEATURES), "a"),
        np.array([[object()] * N_FEATURES] * N, dtype=object),
        [[1.0, 2.0], [3.0]],
        np.ones((N, N_FEATURES)) + 1j,
        None,
    ],
    ids=["strings", "objects", "ragged", "complex", "none"],
)
def test_x_must_be_numeric(model, x):
    refuse_fit(model, InvalidTypeError, r"`x` must be", x=x)


@pytest.mark.parametrize("bad", [NAN, INF, -INF])
def test_x_with_nan_or_inf(model, bad):
    x = data()[0]
    x[3, 2] = bad
    refuse_fit(model, InvalidArgumentError, r"`x` contains NaN or infinite", x=x)


def test_x_empty(model):
    refuse_fit(
        model,
        InvalidArgumentError,
        r"`x` must contain at least one sample",
        x=np.zeros((0, N_FEATURES)),
        y=np.zeros(0, dtype=int),
    )


@pytest.mark.parametrize("bad", [NAN, INF])
@pytest.mark.parametrize("loss", ["sparse_categorical_crossentropy", "mse"])
def test_y_with_nan_or_inf(bad, loss):
    model = classifier(loss=loss, output="linear", units=1 if loss == "mse" else N_CLASSES)
    y = data()[1].astype(float)
    y[4] = bad
    refuse_fit(model, InvalidArgumentError, r"`y` contains NaN or infinite", y=y)


def test_y_must_be_numeric(model):
    refuse_fit(model, InvalidTypeError, r"`y` must be numeric", y=np.array(["a"] * N))


def test_y_is_required(model):
    with raises(InvalidArgumentError, r"`y` is required"):
        model.fit(data()[0], None, verbose=0)


@pytest.mark.parametrize("n_y", [N - 1, N + 1])
def test_x_and_y_lengths_differ(model, n_y):
    refuse_fit(
        model,
        InvalidArgumentError,
        r"`x` and `y` must have the same number of samples",
        y=np.arange(n_y) % N_CLASSES,
    )


def test_transposed_x_leaves_an_unbuilt_model_unbuilt():
    # A failed call must not build the model for the wrong width.
    model = classifier()
    x, y = data()
    with raises(InvalidArgumentError, r"`x` and `y`"):
        model.fit(x.T, y, verbose=0)
    assert not model.built
    model.fit(x, y, verbose=0)
    assert model.input_shape == (N_FEATURES,)


# -- targets for each loss -----------------------------------------------------


@pytest.mark.parametrize("labels", [[-1], [N_CLASSES], [N_CLASSES + 5], [-3, N_CLASSES]])
def test_sparse_labels_outside_range(model, labels):
    y = data()[1].copy()
    y[: len(labels)] = labels
    refuse_fit(
        model, InvalidArgumentError, re.escape(f"`y` labels must be in [0, {N_CLASSES})"), y=y
    )


def test_sparse_labels_must_be_whole_numbers(model):
    y = data()[1].astype(float)
    y[0] = 0.5
    refuse_fit(model, InvalidArgumentError, r"`y` .*whole-number class indices", y=y)


def test_sparse_labels_given_one_hot_hint():
    y = np.eye(N_CLASSES)[data()[1]]
    refuse_fit(
        classifier(),
        InvalidArgumentError,
        r"`y` .*1-D .*class indices.*categorical_crossentropy",
        y=y,
    )


@pytest.mark.parametrize("width", [N_CLASSES - 1, N_CLASSES + 1])
def test_one_hot_width_must_match_output(width):
    model = classifier(loss="categorical_crossentropy")
    y = np.eye(width)[data()[1] % width]
    refuse_fit(
        model, InvalidArgumentError, rf"`y` for categorical_crossentropy .*width {N_CLASSES}", y=y
    )


def test_categorical_given_class_indices_hints_sparse():
    model = classifier(loss="categorical_crossentropy")
    refuse_fit(model, InvalidArgumentError, r"`y`.*sparse_categorical_crossentropy", y=data()[1])


@pytest.mark.parametrize("bad", [2.0, -1.0, 1.5])
def test_binary_crossentropy_targets_outside_unit_interval(bad):
    model = classifier(loss="binary_crossentropy", output="sigmoid", units=1)
    y = (data()[1] % 2).astype(float)
    y[0] = bad
    refuse_fit(model, InvalidArgumentError, r"`y` for binary_crossentropy .*\[0, 1\]", y=y)


def test_mse_target_width_must_match_output():
    model = classifier(loss="mse", output="linear", units=2)
    refuse_fit(
        model, InvalidArgumentError, r"`y` must have shape \(n_samples, 2\)", y=np.zeros((N, 3))
    )


# -- batch size, epochs, flags -------------------------------------------------


@pytest.mark.parametrize(
    "batch_size, exc",
    [
        (0, InvalidArgumentError),
        (-4, InvalidArgumentError),
        (2.5, InvalidTypeError),
        (4.0, InvalidTypeError),
        ("4", InvalidTypeError),
        (True, InvalidTypeError),
    ],
)
def test_batch_size(model, batch_size, exc):
    refuse_fit(model, exc, r"`batch_size`", batch_size=batch_size)


@pytest.mark.parametrize("batch_size, exc", [(0, InvalidArgumentError), (2.5, InvalidTypeError)])
def test_batch_size_of_predict_and_evaluate(batch_size, exc):
    model = trained_classifier()
    x, y = data()
    with raises(exc, r"`batch_size`"):
        model.predict(x, batch_size=batch_size)
    with raises(exc, r"`batch_size`"):
        model.evaluate(x, y, batch_size=batch_size)


@pytest.mark.parametrize(
    "epochs, exc",
    [
        (-1, InvalidArgumentError),
        (1.5, InvalidTypeError),
        ("3", InvalidTypeError),
        (None, InvalidTypeError),
    ],
)
def test_epochs(model, epochs, exc):
    refuse_fit(model, exc, r"`epochs`", epochs=epochs)


def test_zero_epochs_is_allowed_and_does_nothing():
    model = trained_classifier()
    before = state_of(model)
    history = model.fit(*data(), epochs=0, verbose=0)
    assert history.history == {}
    assert_same_state(before, state_of(model))


@pytest.mark.parametrize("verbose", [3, -1, "1", True])
def test_verbose(model, verbose):
    refuse_fit(model, InvalidArgumentError, r"`verbose`", verbose=verbose)


@pytest.mark.parametrize("shuffle", [1, "yes", None])
def test_shuffle_must_be_bool(model, shuffle):
    refuse_fit(model, InvalidTypeError, r"`shuffle`", shuffle=shuffle)


# -- validation data, weights, callbacks ---------------------------------------


@pytest.mark.parametrize(
    "split, exc, match",
    [
        (1.0, InvalidArgumentError, r"`validation_split` must be finite and in \[0, 1\)"),
        (-0.1, InvalidArgumentError, r"`validation_split`"),
        (NAN, InvalidArgumentError, r"`validation_split`"),
        ("0.2", InvalidTypeError, r"`validation_split`"),
        (1e-20, InvalidArgumentError, r"validation_split=1e-20 leaves no samples"),
        (0.99, InvalidArgumentError, r"validation_split=0\.99 leaves no samples"),
    ],
)
def test_validation_split(model, split, exc, match):
    refuse_fit(model, exc, match, validation_split=split)


def _val(x=None, y=None):
    vx, vy = data(6)
    return (vx if x is None else x, vy if y is None else y)


@pytest.mark.parametrize(
    "validation_data, match",
    [
        (np.zeros((6, N_FEATURES)), r"`validation_data` must be a tuple"),
        ((np.zeros((6, N_FEATURES)),), r"`validation_data` must be a tuple"),
        ((1, 2, 3, 4), r"`validation_data` must be a tuple"),
        ({"x": 1, "y": 2}, r"`validation_data` must be a tuple"),
        (_val(x=np.zeros((6, N_FEATURES + 1))), r"`validation_data\[0\]` has samples of shape"),
        (_val(x=np.full((6, N_FEATURES), NAN)), r"`validation_data\[0\]` contains NaN"),
        (_val(x=np.zeros(6)), r"`validation_data\[0\]` must be 2-D"),
        (_val(y=np.arange(6) + N_CLASSES), r"`validation_data\[1\]` labels must be in"),
        (_val(y=np.arange(5) % N_CLASSES), r"`x` and `validation_data\[1\]` must have the same"),
        ((*_val(), np.ones(5)), r"`validation_data\[2\]` must be 1-D with one weight per sample"),
        ((*_val(), -np.ones(6)), r"`validation_data\[2\]` must be non-negative"),
    ],
)
def test_validation_data_of_wrong_form(model, validation_data, match):
    refuse_fit(model, InvalidArgumentError, match, validation_data=validation_data)


def test_validation_data_non_numeric(model):
    refuse_fit(
        model,
        InvalidTypeError,
        r"`validation_data\[1\]` must be numeric",
        validation_data=_val(y=np.array(["a"] * 6)),
    )


@pytest.mark.parametrize(
    "weights, exc, match",
    [
        (np.ones(N - 1), InvalidArgumentError, r"`sample_weight` must be 1-D with one weight"),
        (np.ones((N, 1)), InvalidArgumentError, r"`sample_weight` must be 1-D"),
        (-np.ones(N), InvalidArgumentError, r"`sample_weight` must be non-negative"),
        (np.full(N, NAN), InvalidArgumentError, r"`sample_weight` contains NaN"),
        (np.full(N, "a"), InvalidTypeError, r"`sample_weight` must be numeric"),
    ],
)
def test_bad_sample_weight(model, weights, exc, match):
    refuse_fit(model, exc, match, sample_weight=weights)
    if model.built:
        with raises(exc, match):
            model.evaluate(*data(), sample_weight=weights)


@pytest.mark.parametrize(
    "class_weight, exc, match",
    [
        ([1.0, 2.0, 3.0], InvalidTypeError, r"`class_weight` must be a dict"),
        ({N_CLASSES: 1.0}, InvalidArgumentError, r"`class_weight` keys must be class indices in"),
        ({-1: 1.0}, InvalidArgumentError, r"`class_weight` keys"),
        ({"a": 1.0}, InvalidArgumentError, r"`class_weight` keys"),
        ({True: 1.0}, InvalidArgumentError, r"`class_weight` keys"),
        ({0.0: 1.0}, InvalidArgumentError, r"`class_weight` keys"),
        ({0: -1.0}, InvalidArgumentError, r"`class_weight\[0\]` must be finite and in \[0, inf\)"),
        ({1: NAN}, InvalidArgumentError, r"`class_weight\[1\]`"),
        ({1: "2"}, InvalidTypeError, r"`class_weight\[1\]` must be a real number"),
    ],
)
def test_bad_class_weight(model, class_weight, exc, match):
    refuse_fit(model, exc, match, class_weight=class_weight)


@pytest.mark.parametrize(
    "callbacks, match",
    [
        ([lambda epoch, logs: None], r"`callbacks` must be nnzero\.callbacks\.Callback objects"),
        (["early_stopping"], r"`callbacks` must be"),
        (nz.callbacks.EarlyStopping(monitor="loss"), r"`callbacks` must be a list"),
        ("early_stopping", r"`callbacks` must be a list"),
    ],
)
def test_callbacks_must_be_callback_objects(model, callbacks, match):
    refuse_fit(model, InvalidTypeError, match, callbacks=callbacks)


@pytest.mark.parametrize(
    "callback, match",
    [
        (
            lambda: nz.callbacks.EarlyStopping(monitor="val_loss"),
            r"EarlyStopping monitors 'val_loss', which this training run will not log",
        ),
        (lambda: nz.callbacks.EarlyStopping(monitor="val_accuracy"), r"val_\* needs validation"),
        (lambda: nz.callbacks.EarlyStopping(monitor="mae"), r"monitors 'mae'"),
        (
            lambda: nz.callbacks.ModelCheckpoint("m.nnz", monitor="val_loss", save_best_only=True),
            r"ModelCheckpoint monitors 'val_loss'",
        ),
    ],
)
def test_monitoring_an_unlogged_key_fails_before_training(
    model, callback, tmp_path, monkeypatch, match
):
    monkeypatch.chdir(tmp_path)
    refuse_fit(model, InvalidArgumentError, match, callbacks=[callback()], epochs=3)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "name, exc, match",
    [
        ("ckpt-{val_loss:.3f}.nnz", InvalidArgumentError, r"`filepath` .* KeyError: 'val_loss'"),
        ("ckpt-{epoch:.2q}.nnz", InvalidArgumentError, r"`filepath` .*ValueError"),
        ("ckpt-{}.nnz", InvalidArgumentError, r"`filepath` .*IndexError"),
        ("missing/ckpt-{epoch}.nnz", ModelFileError, r"`filepath` .*does not exist"),
    ],
)
def test_checkpoint_filepath_checked_before_training(model, tmp_path, name, exc, match):
    callback = nz.callbacks.ModelCheckpoint(str(tmp_path / name))
    refuse_fit(model, exc, match, callbacks=[callback], epochs=2)
    assert list(tmp_path.iterdir()) == []
