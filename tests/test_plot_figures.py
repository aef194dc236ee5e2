"""The glass-box figures: architecture, activations, optimizer paths, samples,
hidden units, run comparisons and the learning-rate range test. Each draws
something that is not blank, reads the library's own numbers, and rejects
bad input with an error naming the argument."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

import nnzero as nz
from nnzero import plot
from nnzero.errors import InvalidArgumentError, InvalidTypeError
from nnzero.plot.paths import SURFACES, walk


def ink(fig, dpi=40):
    """Share of pixels that differ from the background, and their spread."""
    fig.set_dpi(dpi)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba())[..., :3].astype(float)
    background = np.median(pixels.reshape(-1, 3), axis=0)
    share = float(np.mean(np.abs(pixels - background).sum(axis=2) > 30))
    plot.close(fig)
    return share, float(pixels.std())


def assert_drawn(fig):
    share, spread = ink(fig)
    assert share > 0.01 and spread > 5, (share, spread)


@pytest.fixture(scope="module")
def digits():
    (x, y), _ = nz.datasets.load_digits_fallback()
    return x[:400] / 16.0, y[:400]


@pytest.fixture(scope="module")
def trained(digits):
    x, y = digits
    model = nz.Sequential([nz.layers.Dense(12, activation="relu"),
                           nz.layers.Dense(6, activation="relu"),
                           nz.layers.Dense(10, activation="softmax")], seed=0)
    model.compile(optimizer=nz.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, epochs=3, batch_size=32, verbose=0)
    return model


# -- architecture ----------------------------------------------------------------------


def test_architecture_small_draws_one_line_per_weight():
    model = nz.Sequential([nz.layers.Dense(4, activation="tanh"),
                           nz.layers.Dense(2, activation="softmax")], seed=0)
    model.build((3,))
    fig = plot.architecture(model)
    ax = fig.axes[0]
    assert len(ax.lines) == 3 * 4 + 4 * 2
    # The thickest line is the largest weight of its layer.
    kernel = model.layers[0].kernel
    widths = [line.get_linewidth() for line in ax.lines[:12]]
    assert np.argmax(widths) == np.argmax(np.abs(kernel).ravel())
    assert_drawn(fig)


def test_architecture_blocks_name_w_and_b_shapes(trained):
    fig = plot.architecture(trained, detail="blocks")
    text = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "W (64, 12)" in text and "b (12,)" in text and "W (6, 10)" in text
    assert_drawn(fig)
    # A wide input switches "auto" to blocks.
    assert plot.architecture(trained, max_neurons=8).axes[0].get_title().startswith("3 layers")


def test_architecture_errors():
    with pytest.raises(InvalidTypeError, match="model"):
        plot.architecture("net")
    with pytest.raises(InvalidArgumentError, match="not built"):
        plot.architecture(nz.Sequential([nz.layers.Dense(2)]))
    model = nz.Sequential([nz.layers.Dense(2)])
    model.build((2,))
    with pytest.raises(InvalidArgumentError, match="detail"):
        plot.architecture(model, detail="all")
    with pytest.raises(InvalidTypeError, match="max_neurons"):
        plot.architecture(model, max_neurons=2.5)
    flat = nz.Sequential([nz.layers.Flatten(), nz.layers.Dense(2)])
    flat.build((2, 2))
    with pytest.raises(InvalidArgumentError, match="neurons"):
        plot.architecture(flat, detail="neurons")


# -- activations -----------------------------------------------------------------------


def test_activations_draw_the_library_derivatives():
    fig = plot.activations(["sigmoid", "relu", "step", "softmax"], z_range=(-2, 2), points=5)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["sigmoid", "relu", "step", "softmax of (z, 0)"]
    sigmoid_ax = fig.axes[0]
    z, slope = sigmoid_ax.lines[-1].get_data()
    s = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(slope, s * (1 - s), rtol=1e-6)
    # Softmax of (z, 0) is the sigmoid of z, its Jacobian diagonal the same slope.
    np.testing.assert_allclose(fig.axes[3].lines[-1].get_data()[1], s * (1 - s), rtol=1e-6)
    assert "no gradient" in [t.get_text() for t in fig.axes[2].texts]
    assert_drawn(fig)


def test_activations_every_registered_one_and_aliases_merged():
    fig = plot.activations()
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert "sigmoid / logistic" in titles and "linear / identity" in titles
    assert len(titles) == len({type(nz.activations.get(n)) for n in nz.activations.names()})
    plot.close(fig)


@pytest.mark.parametrize("kwargs, error, word", [
    ({"names": "relu"}, InvalidTypeError, "names"),
    ({"names": []}, InvalidArgumentError, "names"),
    ({"names": ["nope"]}, InvalidArgumentError, "names"),
    ({"z_range": (1, 1)}, InvalidArgumentError, "z_range"),
    ({"points": 2}, InvalidArgumentError, "points"),
])
def test_activations_errors(kwargs, error, word):
    with pytest.raises(error, match=word):
        plot.activations(**kwargs)


# -- optimizer paths --------------------------------------------------------------------


@pytest.mark.parametrize("name", list(SURFACES))
def test_builtin_gradients_match_central_differences(name):
    f, grad, start, _ = SURFACES[name]
    x, y, h = 0.3, -0.7, 1e-6
    numeric = [(f(x + h, y) - f(x - h, y)) / (2 * h), (f(x, y + h) - f(x, y - h)) / (2 * h)]
    np.testing.assert_allclose(grad(x, y), numeric, rtol=1e-6, atol=1e-8)


def test_walk_is_the_optimizer_update_and_leaves_callers_objects_alone():
    adam = nz.optimizers.Adam(0.1)
    fig = plot.optimizer_paths("x_exp", (0.4, 0.9), {"a": adam, "b": adam}, steps=40)
    assert adam.iterations == 0  # rebuilt from its config, not used
    a_line, b_line = [line for line in fig.axes[0].lines if line.get_label() in ("a", "b")]
    np.testing.assert_array_equal(a_line.get_xydata(), b_line.get_xydata())
    # The same steps by hand with the public apply().
    point, expected = np.array([0.4, 0.9]), [np.array([0.4, 0.9])]
    fresh = nz.optimizers.Adam(0.1)
    for _ in range(40):
        fresh.apply([point], [SURFACES["x_exp"][1](*point)])
        expected.append(point.copy())
    np.testing.assert_allclose(a_line.get_xydata(), np.array(expected))
    # Adam walks downhill to the minimum near (-1/sqrt(2), 0).
    assert expected[-1][0] < -0.4
    assert_drawn(fig)


def test_walk_stops_on_divergence_and_paths_use_numerical_gradients():
    path = walk(nz.optimizers.SGD(10.0), lambda x, y: np.array([1e308, 0.0]), (0.0, 0.0), 3)
    assert np.isnan(path[1:]).all()
    fig = plot.optimizer_paths(lambda x, y: (x - 1) ** 2 + (y + 2) ** 2, (0.0, 0.0),
                               [nz.optimizers.SGD(0.1)], steps=60)
    end = [line for line in fig.axes[0].lines if line.get_marker() == "*"][0].get_xydata()[0]
    np.testing.assert_allclose(end, [1.0, -2.0], atol=1e-4)
    fig = plot.optimizer_paths("rosenbrock", optimizers={"big": nz.optimizers.SGD(0.05)},
                               steps=30)
    label = fig.axes[0].get_legend().get_texts()[0].get_text()
    assert label.startswith("big (off scale from step ")
    plot.close(fig)


@pytest.mark.parametrize("kwargs, error, word", [
    ({"f": "nope"}, InvalidArgumentError, "surface"),
    ({"f": 3}, InvalidTypeError, "f"),
    ({"f": lambda x, y: x}, InvalidArgumentError, "start"),
    ({"start": (1.0,)}, InvalidArgumentError, "start"),
    ({"start": (np.nan, 0)}, InvalidArgumentError, "start"),
    ({"optimizers": []}, InvalidArgumentError, "optimizers"),
    ({"optimizers": "adam"}, InvalidTypeError, "optimizers"),
    ({"optimizers": ["nope"]}, InvalidArgumentError, "nope"),
    ({"steps": 0}, InvalidArgumentError, "steps"),
    ({"grad": 1}, InvalidTypeError, "grad"),
    ({"bounds": ((1, 0), (0, 1))}, InvalidArgumentError, "bounds"),
])
def test_optimizer_paths_errors(kwargs, error, word):
    with pytest.raises(error, match=word):
        plot.optimizer_paths(**kwargs)


# -- samples and hidden units -----------------------------------------------------------


def test_samples_labels_and_wrong_predictions(digits):
    x, y = digits
    predicted = y.copy()
    predicted[1] = (y[1] + 1) % 10
    fig = plot.samples(x, y, image_shape=(8, 8), n=3, predicted=predicted)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == [str(y[0]), f"{y[1]} → {predicted[1]}", str(y[2])]
    assert fig.axes[1].title.get_color() == "#b2182b"
    assert_drawn(fig)
    picked = plot.samples(x, y, image_shape=(8, 8), n=5, seed=3)
    assert len([ax for ax in picked.axes if ax.images]) == 5
    plot.close(picked)


@pytest.mark.parametrize("kwargs, error, word", [
    ({"x": np.zeros((2, 10))}, InvalidArgumentError, "image_shape"),
    ({"x": np.zeros(5)}, InvalidArgumentError, "x"),
    ({"y": [1]}, InvalidArgumentError, "y"),
    ({"n": 0}, InvalidArgumentError, "n"),
    ({"seed": -1}, InvalidArgumentError, "seed"),
    ({"predicted": [0, 1]}, InvalidArgumentError, "predicted"),
])
def test_samples_errors(digits, kwargs, error, word):
    args = {"x": digits[0][:4], "y": digits[1][:4], "image_shape": (8, 8), **kwargs}
    with pytest.raises(error, match=word):
        plot.samples(**args)


def test_hidden_units_average_the_most_exciting_images(digits, trained):
    x, _ = digits
    fig = plot.hidden_units(trained, x, layer=1, image_shape=(8, 8), top=7)
    assert len(fig.axes) == 6
    # Unit 0's image is the mean of the 7 inputs with its largest activations.
    h = x.astype(np.float32)
    for layer in trained.layers[:2]:
        h = layer.forward(h)
    # A unit whose 7th and 8th largest activations differ, so its top 7 are unique.
    ranked = -np.sort(-h, axis=0)
    unit = int(np.flatnonzero(ranked[6] > ranked[7])[0])
    top = np.argsort(-h[:, unit])[:7]
    np.testing.assert_allclose(fig.axes[unit].images[0].get_array(),
                               x[top].mean(axis=0).reshape(8, 8), rtol=1e-6)
    assert_drawn(fig)


def test_hidden_units_errors(digits, trained):
    x, _ = digits
    with pytest.raises(InvalidArgumentError, match="Dense layers"):
        plot.hidden_units(trained, x, layer=5, image_shape=(8, 8))
    with pytest.raises(InvalidArgumentError, match="not built"):
        plot.hidden_units(nz.Sequential([nz.layers.Dense(2)]), x, image_shape=(8, 8))
    with pytest.raises(InvalidArgumentError, match="top"):
        plot.hidden_units(trained, x, image_shape=(8, 8), top=0)
    with pytest.raises(InvalidArgumentError, match="image_shape"):
        plot.hidden_units(trained, x, image_shape=(4, 4))
    with pytest.raises(InvalidTypeError, match="model"):
        plot.hidden_units("m", x, image_shape=(8, 8))
