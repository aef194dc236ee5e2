"""nnzero.plot's decision boundaries: one model, the grid over hidden sizes, the GIF."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image
from sklearn.linear_model import LogisticRegression

import nnzero as nz
from nnzero import plot
from nnzero.errors import InvalidArgumentError, InvalidTypeError, NNZeroError, NotCompiledError


def classifier(n_in=None, n_out=2, activation="softmax", compile_=True):
    model = nz.Sequential([nz.layers.Dense(6, activation="tanh"),
                           nz.layers.Dense(n_out, activation=activation)], seed=0)
    if compile_:
        loss = "binary_crossentropy" if n_out == 1 else "sparse_categorical_crossentropy"
        model.compile(optimizer=nz.optimizers.Adam(0.05), loss=loss)
    if n_in is not None:
        model.build((n_in,))
    return model


@pytest.fixture(scope="module")
def moons():
    x, y = nz.datasets.make_moons(80, seed=0)
    model = classifier(2)
    model.fit(x, y, epochs=20, batch_size=16, verbose=0)
    return x, y, model


def check_png(fig, tmp_path, dpi=40):
    width, height = fig.get_size_inches() * dpi
    path = plot.save(fig, tmp_path / "boundary.png", dpi=dpi)
    with Image.open(path) as image:
        assert image.size == (round(width), round(height))
        assert len(image.getcolors(maxcolors=1 << 20)) > 10  # shaded regions, points, text


# --- decision_boundary ---------------------------------------------------------------------


def test_softmax_model(moons, tmp_path):
    x, y, model = moons
    fig = plot.decision_boundary(model, x, y, resolution=30, class_names=["red", "blue"])
    ax = fig.axes[0]
    assert ax.get_title().startswith("Decision boundary (accuracy")
    assert ax.get_legend_handles_labels()[1] == ["red", "blue"]
    x_low, x_high = ax.get_xlim()
    assert x_low < x[:, 0].min() and x_high > x[:, 0].max()
    check_png(fig, tmp_path)


def test_sigmoid_model_and_given_axes(moons):
    x, y, _ = moons
    model = classifier(n_out=1, activation="sigmoid")
    model.fit(x, y, epochs=5, verbose=0)
    fig = Figure()
    ax = fig.add_subplot()
    assert plot.decision_boundary(model, x, y, ax=ax, resolution=20, title="mine") is fig
    assert ax.get_title() == "mine"


def test_scikit_learn_classifiers_with_text_labels_and_three_classes(tmp_path):
    x, y = nz.datasets.make_blobs(60, centers=3, seed=0)
    names = np.array(["ant", "bee", "cat"])[y]
    clf = LogisticRegression().fit(x, names)
    fig = plot.decision_boundary(clf, x, names, resolution=25)
    assert fig.axes[0].get_legend_handles_labels()[1] == ["ant", "bee", "cat"]
    check_png(fig, tmp_path)


def test_model_with_predict_only():
    class Threshold:
        def predict(self, points):
            return (points[:, 0] > 0).astype(int)

    x = np.array([[-1.0, 0.0], [1.0, 1.0]])
    fig = plot.decision_boundary(Threshold(), x, [0, 1], resolution=10)
    assert "accuracy 1.000" in fig.axes[0].get_title()
    plot.close(fig)


def test_decision_boundary_errors(moons):
    x, y, model = moons
    cases = [
        (lambda: plot.decision_boundary(classifier(3), x, y), InvalidArgumentError,
         "2 inputs"),
        (lambda: plot.decision_boundary(classifier(), x, y), InvalidArgumentError, "not built"),
        (lambda: plot.decision_boundary(LogisticRegression().fit(np.c_[x, x], y), x, y),
         InvalidArgumentError, "n_features_in_=4"),
        (lambda: plot.decision_boundary(object(), x, y), InvalidTypeError, "predict"),
        (lambda: plot.decision_boundary(model, np.c_[x, x], y), InvalidArgumentError,
         r"\(n_samples, 2\)"),
        (lambda: plot.decision_boundary(model, x, y[:-1]), InvalidArgumentError, "one entry"),
        (lambda: plot.decision_boundary(model, x[:0], y[:0]), InvalidArgumentError, "shape"),
        (lambda: plot.decision_boundary(model, x * np.nan, y), InvalidArgumentError, "NaN"),
        (lambda: plot.decision_boundary(model, x, y, resolution=1), InvalidArgumentError,
         "resolution"),
        (lambda: plot.decision_boundary(model, x, y, ax="axes"), InvalidTypeError, "Axes"),
        (lambda: plot.decision_boundary(model, x, np.where(y, "b", "a")), InvalidTypeError,
         "different types"),
    ]
    for call, error, words in cases:
        with pytest.raises(error, match=words) as info:
            call()
        assert isinstance(info.value, NNZeroError)


# --- boundary_grid -----------------------------------------------------------------------


def test_grid_of_the_tutorials_hidden_sizes(moons, tmp_path):
    x, y, _ = moons
    fig = plot.boundary_grid(x, y, epochs=2, resolution=12)
    titles = [ax.get_title() for ax in fig.axes]
    sizes = [t.split(" ·")[0] for t in titles]
    assert sizes == [f"hidden size {h}" for h in (1, 2, 3, 4, 5, 20, 50)] + ["logistic regression"]
    assert all("accuracy" in t for t in titles)
    check_png(fig, tmp_path, dpi=20)


def test_grid_learns_and_takes_fit_arguments():
    x, y = nz.datasets.make_xor(80, noise=0.1, seed=0)
    fig = plot.boundary_grid(x, y, hidden_sizes=(4,), epochs=150, batch_size=8, shuffle=True,
                             learning_rate=0.5, logistic_regression=False, resolution=10)
    (title,) = [ax.get_title() for ax in fig.axes if ax.axison]
    assert title == "hidden size 4 · accuracy 1.00"
    plot.close(fig)


def test_grid_with_three_text_classes_and_no_l2():
    x, y = nz.datasets.make_spirals(60, n_classes=3, seed=0)
    labels = np.array(["a", "b", "c"])[y]
    fig = plot.boundary_grid(x, labels, hidden_sizes=(2, 8), epochs=3, l2=0.0, resolution=10)
    assert len([ax for ax in fig.axes if ax.axison]) == 3
    plot.close(fig)


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"hidden_sizes": ()}, InvalidArgumentError, "at least one"),
        ({"hidden_sizes": 3}, InvalidTypeError, "hidden_sizes"),
        ({"hidden_sizes": "35"}, InvalidTypeError, "hidden_sizes"),
        ({"hidden_sizes": (2, 0)}, InvalidArgumentError, r"hidden_sizes\[1\]"),
        ({"epochs": 0}, InvalidArgumentError, "epochs"),
        ({"seed": -1}, InvalidArgumentError, "seed"),
        ({"learning_rate": 0}, InvalidArgumentError, "learning_rate"),
        ({"l2": -1e-3}, InvalidArgumentError, "l2"),
        ({"logistic_regression": "yes"}, InvalidTypeError, "logistic_regression"),
        ({"resolution": 0}, InvalidArgumentError, "resolution"),
        ({"activation": "nope"}, InvalidArgumentError, "nope"),
        ({"batch_size": 0}, InvalidArgumentError, "batch_size"),
    ],
)
def test_grid_errors(moons, kwargs, error, words):
    x, y, _ = moons
    with pytest.raises(error, match=words):
        plot.boundary_grid(x, y, **{"epochs": 1, "resolution": 5, **kwargs})


def test_grid_needs_two_classes_and_two_features(moons):
    x, y, _ = moons
    with pytest.raises(InvalidArgumentError, match="two classes"):
        plot.boundary_grid(x, np.zeros_like(y), epochs=1)
    with pytest.raises(InvalidArgumentError, match=r"\(n_samples, 2\)"):
        plot.boundary_grid(x[:, :1], y, epochs=1)


# --- boundary_animation ------------------------------------------------------------------


def test_animation_writes_a_gif_of_several_frames(moons, tmp_path):
    x, y, _ = moons
    model = classifier()
    path = plot.boundary_animation(model, x, y, tmp_path / "train.gif", epochs=6, frames=4,
                                   resolution=20, batch_size=40)
    assert path == tmp_path / "train.gif" and os.listdir(tmp_path) == ["train.gif"]
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames == 4
        assert gif.info["loop"] == 0
    # Trained for the 6 epochs in total, 2 batches each, across the fit calls.
    assert model.optimizer.iterations == 12


def test_animation_with_few_epochs_and_one_hot_targets(moons, tmp_path):
    x, y, _ = moons
    model = classifier()
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    plot.boundary_animation(model, x, nz.datasets.one_hot(y), str(tmp_path / "a.gif"),
                            epochs=2, frames=10, resolution=10)
    with Image.open(tmp_path / "a.gif") as gif:
        assert gif.n_frames == 3  # epochs 0, 1 and 2


def test_animation_errors(moons, tmp_path):
    x, y, _ = moons
    gif = tmp_path / "a.gif"
    cases = [
        (lambda: plot.boundary_animation(classifier(compile_=False), x, y, gif),
         NotCompiledError, "compile"),
        (lambda: plot.boundary_animation(LogisticRegression(), x, y, gif), InvalidTypeError,
         "Sequential"),
        (lambda: plot.boundary_animation(classifier(3), x, y, gif), InvalidArgumentError,
         "2 inputs"),
        (lambda: plot.boundary_animation(classifier(), x, y, tmp_path / "a.png"),
         InvalidArgumentError, ".gif"),
        (lambda: plot.boundary_animation(classifier(), x, y, tmp_path / "no" / "a.gif"),
         InvalidArgumentError, "does not exist"),
        (lambda: plot.boundary_animation(classifier(), x, y, 3), InvalidTypeError, "path"),
        (lambda: plot.boundary_animation(classifier(), x, y, gif, frames=1),
         InvalidArgumentError, "frames"),
        (lambda: plot.boundary_animation(classifier(), x, y, gif, epochs=0),
         InvalidArgumentError, "epochs"),
        (lambda: plot.boundary_animation(classifier(), x, y, gif, epochs=3, verbose=1),
         InvalidArgumentError, "set by boundary_animation"),
        (lambda: plot.boundary_animation(classifier(), x, y, gif, batch_size=0),
         InvalidArgumentError, "batch_size"),
        (lambda: plot.boundary_animation(classifier(), np.c_[x, x], y, gif),
         InvalidArgumentError, r"\(n_samples, 2\)"),
    ]
    for call, error, words in cases:
        with pytest.raises(error, match=words):
            call()
    assert not gif.exists()
