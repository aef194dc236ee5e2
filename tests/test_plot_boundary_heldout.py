"""boundary_grid with held-out points and a sweep over the L2 strength
(tutorial 002's overfitting point)."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import nnzero as nz
from nnzero import plot
from nnzero.errors import InvalidArgumentError, InvalidTypeError


@pytest.fixture(scope="module")
def moons():
    x, y = nz.datasets.make_moons(120, noise=0.3, seed=0)
    x_val, y_val = nz.datasets.make_moons(80, noise=0.3, seed=1)
    return x, y, x_val, y_val


def accuracies(title):
    match = re.search(r"train ([\d.]+) · held-out ([\d.]+)", title)
    assert match, title
    return float(match.group(1)), float(match.group(2))


def test_held_out_accuracy_beside_training_accuracy(moons):
    from sklearn.linear_model import LogisticRegression

    x, y, x_val, y_val = moons
    fig = plot.boundary_grid(x, y, hidden_sizes=(4,), epochs=20, resolution=12,
                             validation_data=(x_val, y_val))
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles[0].startswith("hidden size 4\ntrain ")
    # The logistic-regression panel's numbers, recomputed independently.
    clf = LogisticRegression().fit(x, y)
    train, held = accuracies(titles[1])
    assert train == pytest.approx(clf.score(x, y), abs=0.0051)  # shown to two decimals
    assert held == pytest.approx(clf.score(x_val, y_val), abs=0.0051)  # shown to two decimals
    # The held-out points are drawn (hollow) in every panel.
    for ax in fig.axes[:2]:
        hollow = [c for c in ax.collections if len(c.get_offsets()) == len(x_val)]
        assert hollow and np.allclose(hollow[0].get_offsets(), x_val)
    plot.close(fig)


def test_l2_sweep_one_row_per_strength(moons):
    x, y, x_val, y_val = moons
    fig = plot.boundary_grid(x, y, hidden_sizes=(2, 20), l2=[0.0, 1.0], epochs=300,
                             resolution=10, validation_data=(x_val, y_val),
                             logistic_regression=False)
    titles = [ax.get_title().split("\n")[0] for ax in fig.axes]
    assert titles == ["hidden size 2 · L2 0", "hidden size 20 · L2 0",
                      "hidden size 2 · L2 1", "hidden size 20 · L2 1"]
    # A penalty of 1 on every weight flattens the wide network: it fits worse.
    free = accuracies(fig.axes[1].get_title())[0]
    penalised = accuracies(fig.axes[3].get_title())[0]
    assert penalised < free
    plot.close(fig)


def test_labels_of_any_kind_match_between_train_and_held_out(moons):
    x, y, x_val, y_val = moons
    names = np.array(["dolphin", "shark"])
    fig = plot.boundary_grid(x, names[y], hidden_sizes=(3,), epochs=5, resolution=8,
                             validation_data=(x_val, names[y_val]), logistic_regression=False)
    assert "held-out" in fig.axes[0].get_title()
    plot.close(fig)


@pytest.mark.parametrize("kwargs, error, word", [
    ({"l2": []}, InvalidArgumentError, "l2"),
    ({"l2": [0.0, -1.0]}, InvalidArgumentError, r"l2\[1\]"),
    ({"l2": "big"}, InvalidTypeError, "l2"),
    ({"validation_data": [[0.0, 1.0]]}, InvalidArgumentError, "validation_data"),
    ({"validation_data": ([[0.0, 1.0, 2.0]], [0])}, InvalidArgumentError,
     r"validation_data\[0\]"),
    ({"validation_data": ([[0.0, 1.0]], [0, 1])}, InvalidArgumentError,
     r"validation_data\[1\]"),
    ({"validation_data": ([[0.0, 1.0]], [7])}, InvalidArgumentError, "does not have"),
    ({"validation_data": ([[0.0, 1.0]], ["a"])}, InvalidTypeError, "validation_data"),
])
def test_errors_name_the_argument(moons, kwargs, error, word):
    x, y, _, _ = moons
    with pytest.raises(error, match=word):
        plot.boundary_grid(x, y, hidden_sizes=(2,), epochs=1, resolution=5, **kwargs)
