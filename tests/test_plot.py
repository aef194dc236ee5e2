"""nnzero.plot: every function draws a non-empty image of the expected size, and
bad input gives one clear error before any drawing or training."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")  # before pyplot is imported anywhere in this process

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

import nnzero as nz
from nnzero import plot
from nnzero.errors import InvalidArgumentError, InvalidTypeError


def png_size(path):
    with Image.open(path) as image:
        assert image.format == "PNG"
        image.load()
        # Not blank: more than one colour drawn.
        assert len(image.getcolors(maxcolors=1 << 20) or [0, 0]) > 1
        return image.size


def saved(fig, tmp_path, name="plot.png", dpi=50):
    """Save ``fig`` and check the PNG is exactly figure size x dpi pixels."""
    width, height = fig.get_size_inches() * dpi
    path = plot.save(fig, tmp_path / name, dpi=dpi)
    assert png_size(path) == (round(width), round(height))
    assert os.path.getsize(path) > 1000
    return path


def classifier(n_in, n_out, activation="softmax"):
    model = nz.Sequential([nz.layers.Dense(6, activation="tanh"),
                           nz.layers.Dense(n_out, activation=activation)], seed=0)
    loss = "binary_crossentropy" if activation == "sigmoid" else "sparse_categorical_crossentropy"
    model.compile(optimizer=nz.optimizers.Adam(0.05), loss=loss, metrics=["accuracy"])
    model.build((n_in,))
    return model


@pytest.fixture(scope="module")
def moons():
    x, y = nz.datasets.make_moons(80, seed=0)
    model = classifier(2, 2)
    history = model.fit(x, y, epochs=20, batch_size=16, validation_split=0.25, verbose=0)
    return x, y, model, history


@pytest.fixture(scope="module")
def digits():
    (x, y), _ = nz.datasets.load_digits_fallback()
    x, y = x[:300], y[:300]
    model = nz.Sequential([nz.layers.Dense(12, activation="relu"),
                           nz.layers.Dense(10, activation="softmax")], seed=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=3, verbose=0)
    return x, y, model


# --- save ----------------------------------------------------------------------------


def test_save_writes_png_atomically_with_shareable_permissions(tmp_path):
    fig = Figure(figsize=(3, 2))
    fig.add_subplot().plot([0, 1], [1, 0])
    path = saved(fig, tmp_path, dpi=40)
    assert path == tmp_path / "plot.png"
    assert os.listdir(tmp_path) == ["plot.png"]  # no temporary file left behind
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask
    assert fig.axes == []  # closed: its artists are released


def test_save_other_format_and_pyplot_figures(tmp_path):
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(2, 2))
    fig.add_subplot().plot([0, 1])
    path = plot.save(fig, str(tmp_path / "line.svg"))
    assert path.read_text().lstrip().startswith("<?xml")
    assert fig.number not in plt.get_fignums()


@pytest.mark.parametrize(
    ("fig", "path", "dpi", "error", "words"),
    [
        ("not a figure", "a.png", 100, InvalidTypeError, "Figure"),
        (None, 42, 100, InvalidTypeError, "path"),
        (None, "a.xyz", 100, InvalidArgumentError, "'xyz'"),
        (None, "missing/a.png", 100, InvalidArgumentError, "does not exist"),
        (None, "a.png", 0, InvalidArgumentError, "dpi"),
        (None, "a.png", 1.5, InvalidTypeError, "dpi"),
    ],
)
def test_save_errors(tmp_path, fig, path, dpi, error, words):
    fig = Figure() if fig is None else fig
    path = tmp_path / path if isinstance(path, str) else path
    with pytest.raises(error, match=words):
        plot.save(fig, path, dpi=dpi)
    assert not any(tmp_path.iterdir())


# --- history -----------------------------------------------------------------------------


def test_history_from_history_object_and_dict(moons, tmp_path):
    history = moons[3]
    fig = plot.history(history)
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    assert len(fig.axes[0].get_lines()) == 2  # train and validation
    saved(fig, tmp_path)
    fig = plot.history(history.history, metrics="loss")
    assert len(fig.axes) == 1
    saved(fig, tmp_path, "loss.png")


def test_history_skips_missing_metrics_and_shows_single_epochs(tmp_path):
    fig = plot.history({"loss": [0.5], "mae": [0.3]}, metrics=("loss", "accuracy", "mae"))
    assert [ax.get_title() for ax in fig.axes] == ["loss", "mae"]
    assert fig.axes[0].get_lines()[0].get_marker() == "o"
    saved(fig, tmp_path)


def test_history_only_validation_curve():
    fig = plot.history({"val_accuracy": [0.5, 0.7, 0.6]}, metrics=["accuracy"])
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert labels == ["validation", "best validation (epoch 2)"]
    plot.close(fig)


@pytest.mark.parametrize(
    ("history", "metrics", "error", "words"),
    [
        ([0.1, 0.2], ("loss",), InvalidTypeError, "History"),
        ({"loss": [1.0]}, ("accuracy",), InvalidArgumentError, "It has: loss"),
        ({}, ("loss",), InvalidArgumentError, "no epoch"),
        ({"loss": []}, ("loss",), InvalidArgumentError, "empty"),
        ({"loss": [1.0]}, (1, 2), InvalidTypeError, "metrics"),
        ({"loss": [1.0]}, None, InvalidTypeError, "metrics"),
    ],
)
def test_history_errors(history, metrics, error, words):
    with pytest.raises(error, match=words):
        plot.history(history, metrics=metrics)


# --- confusion matrix --------------------------------------------------------------------


def _cell_texts(fig):
    return [t.get_text() for t in fig.axes[0].texts]


def test_confusion_matrix_counts_and_normalisations(tmp_path):
    y_true = [0, 0, 1, 1, 1, 2]
    y_pred = [0, 1, 1, 1, 2, 2]
    fig = plot.confusion_matrix(y_true, y_pred)
    assert _cell_texts(fig) == ["1", "1", "0", "0", "2", "1", "0", "0", "1"]
    assert "accuracy 0.667" in fig.axes[0].get_title()
    saved(fig, tmp_path)
    fig = plot.confusion_matrix(y_true, y_pred, normalize=True)
    assert _cell_texts(fig)[:3] == ["0.50", "0.50", "0.00"]
    plot.close(fig)
    fig = plot.confusion_matrix(y_true, y_pred, normalize="pred")
    assert _cell_texts(fig)[::3] == ["1.00", "0.00", "0.00"]
    plot.close(fig)
    fig = plot.confusion_matrix(y_true, y_pred, normalize="all")
    assert _cell_texts(fig)[0] == "0.17"
    plot.close(fig)


def test_confusion_matrix_names_probabilities_text_labels_and_unseen_classes(digits, tmp_path):
    x, y, model = digits
    fig = plot.confusion_matrix(y, model.predict(x), class_names=[f"digit {i}" for i in range(10)])
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()][0] == "digit 0"
    saved(fig, tmp_path)
    fig = plot.confusion_matrix(["cat", "dog"], ["dog", "dog"], normalize=True)
    assert _cell_texts(fig) == ["0.00", "1.00", "0.00", "1.00"]
    plot.close(fig)
    # A class absent from y_true has an empty row: zeros, not NaN.
    fig = plot.confusion_matrix([0, 0], [0, 1], normalize=True, class_names=["a", "b", "c"])
    assert "nan" not in " ".join(_cell_texts(fig))
    plot.close(fig)


def test_confusion_matrix_many_classes_has_no_cell_numbers():
    labels = np.arange(30)
    fig = plot.confusion_matrix(labels, labels)
    assert _cell_texts(fig) == []
    plot.close(fig)


@pytest.mark.parametrize(
    ("y_true", "y_pred", "kwargs", "error", "words"),
    [
        ([0, 1], [0], {}, InvalidArgumentError, "one entry per sample"),
        ([], [], {}, InvalidArgumentError, "empty"),
        ([0, 1], [0, 1], {"normalize": "rows"}, InvalidArgumentError, "normalize"),
        ([0, 3], [0, 1], {"class_names": ["a", "b"]}, InvalidArgumentError, "0..1"),
        ([0, 1], [0, -1], {"class_names": ["a", "b"]}, InvalidArgumentError, "y_pred"),
        ([0, 1], [0, 1], {"class_names": "ab"}, InvalidTypeError, "class_names"),
        ([0, 1], ["a", "b"], {}, InvalidTypeError, "different types"),
        (np.zeros((2, 2, 2)), [0, 1], {}, InvalidArgumentError, "y_true"),
    ],
)
def test_confusion_matrix_errors(y_true, y_pred, kwargs, error, words):
    with pytest.raises(error, match=words):
        plot.confusion_matrix(y_true, y_pred, **kwargs)


# --- misclassified and first-layer weights ------------------------------------------------


def test_misclassified_grid(digits, tmp_path):
    x, y, model = digits
    probs = model.predict(x)
    wrong = int((probs.argmax(axis=1) != y).sum())
    assert wrong > 9
    fig = plot.misclassified(x, y, probs, image_shape=(8, 8), max_images=9)
    shown = [ax for ax in fig.axes if ax.get_images()]
    assert len(shown) == 9 and "(p=" in shown[0].get_title()
    assert f"{wrong} misclassified of 300 (first 9 shown)" in fig.get_suptitle()
    saved(fig, tmp_path)


def test_misclassified_images_class_names_and_none_wrong(tmp_path):
    images = np.random.default_rng(0).random((3, 5, 4))
    fig = plot.misclassified(images, [0, 1, 1], [0, 0, 1], image_shape=(5, 4),
                             class_names=["zero", "one"])
    assert [ax.get_title() for ax in fig.axes] == ["true one → pred zero"]
    plot.close(fig)
    fig = plot.misclassified(images, [0, 1, 1], [0, 1, 1], image_shape=(5, 4))
    assert "No misclassified images (of 3)" in fig.texts[0].get_text()
    saved(fig, tmp_path)


@pytest.mark.parametrize(
    ("x", "y_pred", "kwargs", "error", "words"),
    [
        (np.zeros((2, 784)), [0, 1], {"image_shape": (20, 20)}, InvalidArgumentError, "400"),
        (np.zeros((2, 16)), [0, 1], {"image_shape": (4,)}, InvalidArgumentError, "image_shape"),
        (np.zeros((2, 16)), [0, 1], {"image_shape": (4, 0)}, InvalidArgumentError,
         "image_shape"),
        (np.zeros((2, 16)), [0, 1], {"image_shape": (4.0, 4)}, InvalidArgumentError,
         "image_shape"),
        (np.zeros((2, 4, 4)), [0, 1], {"image_shape": (2, 8)}, InvalidArgumentError, "(4, 4)"),
        (np.zeros(16), [0, 1], {"image_shape": (4, 4)}, InvalidArgumentError, "n_samples"),
        (np.zeros((2, 16)), [0], {"image_shape": (4, 4)}, InvalidArgumentError, "y_pred"),
        (np.zeros((2, 16)), [0, 1], {"image_shape": (4, 4), "max_images": 0},
         InvalidArgumentError, "max_images"),
        ([["a"] * 16] * 2, [0, 1], {"image_shape": (4, 4)}, InvalidTypeError, "numbers"),
    ],
)
def test_misclassified_errors(x, y_pred, kwargs, error, words):
    with pytest.raises(error, match=words):
        plot.misclassified(x, [1, 0], y_pred, **kwargs)


def test_first_layer_weights(digits, tmp_path):
    model = digits[2]
    fig = plot.first_layer_weights(model, image_shape=(8, 8))
    assert sum(1 for ax in fig.axes if ax.get_images()) == 12
    saved(fig, tmp_path)
    fig = plot.first_layer_weights(model, image_shape=(8, 8), max_units=5)
    assert sum(1 for ax in fig.axes if ax.get_images()) == 5
    assert "5 of 12 units" in fig.get_suptitle()
    plot.close(fig)


def test_first_layer_weights_after_flatten():
    model = nz.Sequential([nz.layers.Flatten(), nz.layers.Dense(3)])
    model.build((6, 5))
    fig = plot.first_layer_weights(model, image_shape=(6, 5))
    assert sum(1 for ax in fig.axes if ax.get_images()) == 3
    plot.close(fig)


def test_first_layer_weights_errors(digits):
    with pytest.raises(InvalidArgumentError, match="64 values"):
        plot.first_layer_weights(digits[2], image_shape=(28, 28))
    with pytest.raises(InvalidArgumentError, match="not built"):
        plot.first_layer_weights(nz.Sequential([nz.layers.Dense(3)]), image_shape=(2, 2))
    model = nz.Sequential([nz.layers.Flatten()])
    model.build((2, 2))
    with pytest.raises(InvalidArgumentError, match="no Dense layer"):
        plot.first_layer_weights(model, image_shape=(2, 2))
    with pytest.raises(InvalidTypeError, match="layers"):
        plot.first_layer_weights(object())
    with pytest.raises(InvalidArgumentError, match="max_units"):
        plot.first_layer_weights(digits[2], image_shape=(8, 8), max_units=0)
