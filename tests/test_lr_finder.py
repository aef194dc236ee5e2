"""nnzero.lr_find: the range test runs on a copy (the model keeps its weights,
optimizer state, random generator and batch-norm statistics), the rates grow
exponentially, divergence stops it, and the suggestion is a rate that trains."""

from __future__ import annotations

import copy

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import nnzero as nz
from nnzero import plot
from nnzero.errors import InvalidArgumentError, InvalidTypeError, NotCompiledError
from nnzero.lr_finder import LRFinderResult, suggest


@pytest.fixture(scope="module")
def moons():
    return nz.datasets.make_moons(600, noise=0.2, seed=0)


def network(optimizer="sgd", batch_norm=False, dropout=0.0):
    layers = [nz.layers.Dense(16, use_bias=not batch_norm)]
    if batch_norm:
        layers.append(nz.layers.BatchNormalization())
    layers.append(nz.layers.Activation("tanh"))
    if dropout:
        layers.append(nz.layers.Dropout(dropout))
    layers.append(nz.layers.Dense(2, activation="softmax"))
    model = nz.Sequential(layers, seed=0)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    return model


def state_of(model):
    """Everything training could change: parameters, every layer's arrays
    (batch-norm moving statistics included), optimizer state, generator."""
    arrays = [np.array(v, copy=True) for layer in model.layers
              for v in vars(layer).values() if isinstance(v, np.ndarray)]
    opt = model.optimizer.get_state()
    return (model.get_weights(), arrays, opt["iterations"],
            [np.array(a) for slots in opt["slots"].values() for a in slots],
            copy.deepcopy(model.rng.bit_generator.state))


def test_the_model_is_left_exactly_as_it_was(moons):
    x, y = moons
    model = network(nz.optimizers.Adam(0.01), batch_norm=True, dropout=0.2)
    model.fit(x, y, epochs=1, batch_size=64, verbose=0)  # optimizer state and statistics
    before = state_of(model)
    result = nz.lr_find(model, x, y, steps=30, batch_size=32)
    after = state_of(model)
    for a, b in zip(before[0] + before[1] + before[3], after[0] + after[1] + after[3],
                    strict=True):
        np.testing.assert_array_equal(a, b)
    assert before[2] == after[2] and before[4] == after[4]
    assert len(result.losses) >= 10


def test_an_unbuilt_model_stays_unbuilt(moons):
    x, y = moons
    model = network()
    nz.lr_find(model, x, y, steps=20)
    assert not model.built


def test_rates_grow_exponentially_from_min_to_max(moons):
    x, y = moons
    result = nz.lr_find(network(nz.optimizers.SGD(0.1)), x, y, min_lr=1e-5, max_lr=1e-1,
                        steps=41, batch_size=16)
    assert not result.stopped_early  # SGD on moons does not blow up below 0.1
    np.testing.assert_allclose(result.learning_rates, np.logspace(-5, -1, 41), rtol=1e-9)
    assert result.losses.shape == result.smoothed.shape == (41,)
    # The first loss is the untrained network's; the range test then lowers it.
    assert result.smoothed[-1] < result.losses[0]


def test_the_first_batch_loss_is_the_copys_loss_on_that_batch(moons):
    x, y = moons
    model = network()
    model.build((2,))
    result = nz.lr_find(model, x, y, steps=10, batch_size=len(x), seed=0)
    # One batch of every sample (shuffled): its loss is the model's loss on the set.
    assert result.losses[0] == pytest.approx(model.evaluate(x, y)["loss"], rel=1e-5)


def test_divergence_stops_the_test_early(moons):
    x, y = moons
    result = nz.lr_find(network(nz.optimizers.SGD(0.1)), x * 50, y, min_lr=1e-3, max_lr=1e6,
                        steps=200, batch_size=32)
    assert result.stopped_early
    assert len(result.smoothed) < 200


def test_the_suggestion_trains_faster_than_much_smaller_rates(moons):
    x, y = moons
    result = nz.lr_find(network(), x, y, steps=100, batch_size=32)
    assert 1e-7 < result.suggestion <= result.min_loss_lr
    losses = {}
    for rate in (result.suggestion, result.suggestion / 100):
        model = network(nz.optimizers.SGD(rate))
        losses[rate] = model.fit(x, y, epochs=5, batch_size=32, verbose=0).history["loss"][-1]
    assert losses[result.suggestion] < losses[result.suggestion / 100]


def test_suggest_takes_the_steepest_fall_before_the_minimum():
    rates = np.logspace(-6, 0, 7)
    # Steepest fall between 1e-3 and 1e-2, minimum at 1e-1, then a steeper rise.
    curve = np.array([2.0, 2.0, 1.9, 1.8, 0.8, 0.5, 9.0])
    assert suggest(rates, curve) == pytest.approx(1e-2)
    assert suggest(rates, np.array([1.0, 2, 3, 4, 5, 6, 7])) == pytest.approx(1e-6)


def test_plot_draws_curve_and_suggestion(moons):
    x, y = moons
    result = nz.lr_find(network(), x, y, steps=30)
    fig = plot.lr_find(result)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    np.testing.assert_allclose(ax.lines[1].get_ydata(), result.smoothed)
    assert ax.lines[2].get_xdata()[0] == result.suggestion
    plot.close(fig)
    assert "suggestion=" in repr(result)


def test_plot_errors():
    with pytest.raises(InvalidTypeError, match="result"):
        plot.lr_find({"losses": [1.0]})
    short = LRFinderResult(np.array([1.0]), np.array([1.0]), np.array([1.0]), 1.0, 1.0, False)
    with pytest.raises(InvalidArgumentError, match="result"):
        plot.lr_find(short)


@pytest.mark.parametrize("kwargs, error, word", [
    ({"min_lr": 0.0}, InvalidArgumentError, "min_lr"),
    ({"max_lr": -1.0}, InvalidArgumentError, "max_lr"),
    ({"min_lr": 1.0, "max_lr": 0.5}, InvalidArgumentError, "max_lr"),
    ({"steps": 5}, InvalidArgumentError, "steps"),
    ({"batch_size": 0}, InvalidArgumentError, "batch_size"),
    ({"smoothing": 1.0}, InvalidArgumentError, "smoothing"),
    ({"diverge": 1.0}, InvalidArgumentError, "diverge"),
    ({"seed": -1}, InvalidArgumentError, "seed"),
])
def test_bad_settings_are_named(moons, kwargs, error, word):
    x, y = moons
    with pytest.raises(error, match=word):
        nz.lr_find(network(), x, y, **kwargs)


def test_bad_model_or_data_fail_before_any_training(moons):
    x, y = moons
    with pytest.raises(InvalidTypeError, match="model"):
        nz.lr_find("model", x, y)
    with pytest.raises((InvalidArgumentError, NotCompiledError), match="compile"):
        nz.lr_find(nz.Sequential([nz.layers.Dense(2)]), x, y)
    with pytest.raises(InvalidArgumentError, match="same number of samples"):
        nz.lr_find(network(), x, y[:10])
    with pytest.raises(InvalidArgumentError, match="x"):
        nz.lr_find(network(), x[:, :1].ravel(), y)
