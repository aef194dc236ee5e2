"""What fit shows while it trains: LayerStats (per-layer activations,
saturation, gradient norms and update ratios), log_every (per-batch loss and
metrics on the History) and verbose=1's progress bar or epoch lines."""

from __future__ import annotations

import io
import math

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import nnzero as nz
from nnzero import plot
from nnzero.errors import InvalidArgumentError, InvalidTypeError

RNG = np.random.default_rng(1)
X = RNG.normal(size=(64, 6))
Y = (X[:, 0] + X[:, 1] > 0).astype(int)


def network(activation="sigmoid", seed=0, **dense):
    model = nz.Sequential([nz.layers.Dense(5, activation=activation, **dense),
                           nz.layers.Dense(4, activation=activation, **dense),
                           nz.layers.Dense(2, activation="softmax")], seed=seed, dtype="float64")
    model.compile(optimizer=nz.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


# -- LayerStats ------------------------------------------------------------------------


def test_layer_stats_records_every_n_updates_from_the_first():
    stats = nz.callbacks.LayerStats(every=3)
    network().fit(X, Y, epochs=2, batch_size=8, callbacks=[stats], verbose=0)  # 16 updates
    assert stats.updates == [0, 3, 6, 9, 12, 15]
    assert stats.layers == ["1: Dense(5, sigmoid)", "2: Dense(4, sigmoid)",
                            "3: Dense(2, softmax)"]
    for values in stats.stats.values():
        assert values.shape == (6, 3)


def test_layer_stats_values_are_the_recorded_updates_own():
    """Re-run the same training by hand and compare the first record."""
    stats = nz.callbacks.LayerStats(every=100)
    model = network()
    model.build((6,))
    w0 = [layer.kernel.copy() for layer in model.layers]
    twin = network()
    twin.build((6,))
    model.fit(X, Y, epochs=1, batch_size=64, shuffle=False, callbacks=[stats], verbose=0)
    t = twin.trace(X, Y)  # the first (and only) batch, before its update
    s = stats.stats
    for j, layer_trace in enumerate(t):
        assert s["act_mean"][0, j] == pytest.approx(layer_trace.a.mean(), rel=1e-12)
        assert s["act_std"][0, j] == pytest.approx(layer_trace.a.std(), rel=1e-12)
        assert s["grad_norm"][0, j] == pytest.approx(np.linalg.norm(layer_trace.dW), rel=1e-12)
        step = np.linalg.norm(model.layers[j].kernel - w0[j]) / np.linalg.norm(w0[j])
        assert s["update_ratio"][0, j] == pytest.approx(step, rel=1e-12)
    a = t[0].a
    assert s["saturated"][0, 0] == pytest.approx(np.mean((a < 0.05) | (a > 0.95)))
    assert math.isnan(s["saturated"][0, 2])  # softmax: not applicable


def test_dead_relus_and_saturated_tanh():
    stats = nz.callbacks.LayerStats(every=1)
    model = network("relu")
    model.build((6,))
    model.layers[0].bias[...] = -100.0  # every unit of the first layer dead
    model.fit(X, Y, epochs=1, batch_size=32, callbacks=[stats], verbose=0)
    assert stats.stats["saturated"][0, 0] == 1.0
    tanh_stats = nz.callbacks.LayerStats(every=1)
    big = network("tanh")
    big.build((6,))
    big.layers[0].kernel[...] *= 100.0
    big.fit(X, Y, epochs=1, batch_size=64, callbacks=[tanh_stats], verbose=0)
    assert tanh_stats.stats["saturated"][0, 0] > 0.8


def test_layer_stats_as_dict_and_plot():
    stats = nz.callbacks.LayerStats(every=2)
    network().fit(X, Y, epochs=1, batch_size=8, callbacks=[stats], verbose=0)
    record = stats.as_dict()
    assert record["every"] == 2 and record["updates"] == [0, 2, 4, 6]
    assert record["saturated"][0][2] is None  # NaN written as null for JSON
    fig = plot.layer_stats(record)
    assert len(fig.axes) == 4
    plot.close(fig)
    fig = plot.layer_stats({"a": stats, "b": record}, title="two runs")
    assert len(fig.axes) == 8 and fig.axes[4].get_title().startswith("b: ")
    plot.close(fig)


def test_layer_stats_errors():
    with pytest.raises(InvalidArgumentError, match="every"):
        nz.callbacks.LayerStats(every=0)
    with pytest.raises(InvalidTypeError, match="every"):
        nz.callbacks.LayerStats(every=1.5)
    with pytest.raises(InvalidTypeError, match="stats"):
        plot.layer_stats([1, 2])
    with pytest.raises(InvalidArgumentError, match="no records"):
        plot.layer_stats(nz.callbacks.LayerStats().as_dict())
    with pytest.raises(InvalidArgumentError, match="grad_norm"):
        plot.layer_stats({"updates": [0], "layers": ["d"], "act_mean": [[1.0]],
                          "act_std": [[1.0]], "saturated": [[0.0]], "update_ratio": [[1.0]]})
    with pytest.raises(InvalidArgumentError, match="shape"):
        plot.layer_stats({"updates": [0], "layers": ["d"], **{
            k: [[1.0, 2.0]] for k in ("act_mean", "act_std", "saturated", "grad_norm",
                                      "update_ratio")}})


# -- log_every -------------------------------------------------------------------------


def test_log_every_keeps_per_batch_loss_and_metrics():
    model = network()
    history = model.fit(X, Y, epochs=2, batch_size=8, log_every=3, verbose=0)
    batches = history.batches
    # 8 updates per epoch, 16 in all: windows end at updates 3, 6, ..., 15 and the rest (16).
    assert batches["update"] == [3, 6, 9, 12, 15, 16]
    assert set(batches) >= {"update", "epoch", "loss", "accuracy"}
    assert len(batches["loss"]) == 6
    # The per-epoch loss is the size-weighted mean of the same per-batch values.
    model2 = network()
    every = model2.fit(X, Y, epochs=2, batch_size=8, log_every=1, verbose=0).batches
    assert every["update"] == list(range(1, 17))
    np.testing.assert_allclose(np.mean(every["loss"][:8]), history.history["loss"][0],
                               rtol=1e-12)
    np.testing.assert_allclose(np.mean(every["loss"][:3]), batches["loss"][0], rtol=1e-12)
    assert every["epoch"][7] == pytest.approx(1.0) and every["epoch"][0] == pytest.approx(1 / 8)


def test_log_every_is_off_by_default_and_does_not_change_training():
    a, b = network(), network()
    ha = a.fit(X, Y, epochs=2, batch_size=8, verbose=0)
    hb = b.fit(X, Y, epochs=2, batch_size=8, verbose=0, log_every=2)
    assert ha.batches == {}
    assert ha.history["loss"] == hb.history["loss"]
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(wa, wb)


@pytest.mark.parametrize("value, error", [(0, InvalidArgumentError), (1.5, InvalidTypeError),
                                          (True, InvalidTypeError)])
def test_log_every_errors(value, error):
    model = network()
    with pytest.raises(error, match="log_every"):
        model.fit(X, Y, log_every=value, verbose=0)
    assert not model.built


# -- verbose ----------------------------------------------------------------------------


def test_verbose_one_line_per_epoch_when_not_a_terminal(capsys):
    network().fit(X, Y, epochs=2, batch_size=8, verbose=1)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[0].startswith("Epoch 1/2 - loss ")
    assert "accuracy" in lines[1]


def test_verbose_progress_bar_on_a_terminal(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    out = Terminal()
    monkeypatch.setattr("sys.stdout", out)
    network().fit(X, Y, epochs=2, batch_size=8, verbose=1)
    text = out.getvalue()
    assert "Epoch 1/2" in text and "Epoch 2/2" in text
    assert "8/8" in text  # tqdm's count of batches
    assert "loss" in text
    assert "\r" in text  # redrawn in place as the epoch runs


def test_layer_stats_of_a_model_without_dense_layers_is_empty():
    model = nz.Sequential([nz.layers.Activation("softmax")], dtype="float64")
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    stats = nz.callbacks.LayerStats(every=1)
    model.fit(X[:, :2], Y, epochs=1, batch_size=32, callbacks=[stats], verbose=0)
    assert stats.layers == [] and stats.stats["grad_norm"].shape == (2, 0)
