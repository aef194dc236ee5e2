"""The training loop (``nnzero.model.training``): batch, mini-batch and
stochastic steps, the history, the validation split, sample and class
weights, and stopping on a non-finite loss."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nnzero as nz
from nnzero.layers import Dense
from nnzero.model.step import compute_gradients
from small_models import (
    N_CLASSES,
    N_FEATURES,
    assert_weights_equal,
    blobs,
    mlp,
    regression,
    weights_differ,
)

# -- batch, mini-batch, stochastic ---------------------------------------------


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


# -- history -------------------------------------------------------------------


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


# -- validation split ----------------------------------------------------------


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


# -- sample and class weights --------------------------------------------------


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


# -- non-finite loss -----------------------------------------------------------


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
