"""The perceptron (``nnzero.Perceptron``): its settings and the input it refuses;
what it learns on separable data, AND and XOR; its determinism for a seed."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_blobs

import nnzero as nz
from nnzero import InvalidArgumentError, InvalidTypeError
from refusals import INF, N, data, raises
from small_models import XOR_X, XOR_Y


def test_perceptron_needs_exactly_two_classes():
    x, y = data()
    with raises(InvalidArgumentError, r"exactly two classes\. Received: 3"):
        nz.Perceptron().fit(x, y)
    with raises(InvalidArgumentError, r"exactly two classes\. Received: 1"):
        nz.Perceptron().fit(x, np.zeros(N))


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: nz.Perceptron(learning_rate=0), InvalidArgumentError, r"`learning_rate`"),
        (lambda: nz.Perceptron(max_epochs=0), InvalidArgumentError, r"`max_epochs`"),
        (
            lambda: nz.Perceptron().fit(np.ones(4), [0, 1, 0, 1]),
            InvalidArgumentError,
            r"`x` must be 2-D",
        ),
        (
            lambda: nz.Perceptron().fit(np.ones((4, 2)), [0, 1, 0]),
            InvalidArgumentError,
            r"`y` must be 1-D with one label per row",
        ),
        (
            lambda: nz.Perceptron().fit(np.full((2, 2), INF), [0, 1]),
            InvalidArgumentError,
            r"`x` contains NaN",
        ),
        (
            lambda: nz.Perceptron().fit(np.full((2, 2), "a"), [0, 1]),
            InvalidTypeError,
            r"`x` must be numeric",
        ),
        (lambda: nz.Perceptron().predict(np.ones((2, 2))), InvalidArgumentError, r"not fitted"),
        (
            lambda: nz.Perceptron().fit(np.eye(2), [0, 1]).predict(np.ones((2, 3))),
            InvalidArgumentError,
            r"`x` must have shape \(n, 2\)",
        ),
    ],
)
def test_perceptron_bad_input(call, exc, match):
    with raises(exc, match):
        call()


# -- learning -------------------------------------------------------------------


def separable(n=300, features=5, margin=0.1, seed=0):
    """Points on both sides of a random hyperplane, none closer than ``margin``."""
    rng = np.random.default_rng(seed)
    w, b = rng.normal(size=features), 0.2
    x = rng.uniform(-1, 1, size=(10 * n, features))
    distance = (x @ w + b) / np.linalg.norm(w)
    keep = np.abs(distance) > margin
    return x[keep][:n], (distance[keep][:n] > 0).astype(int)


def test_perceptron_separates_a_separable_set():
    x, y = separable()
    perceptron = nz.Perceptron(max_epochs=200, seed=0).fit(x, y)
    assert perceptron.errors_[-1] == 0
    assert len(perceptron.errors_) < 200  # stopped because it converged
    assert np.array_equal(perceptron.predict(x), y)
    # Novikoff's bound: at most (R / margin)^2 updates in all.
    radius = np.max(np.linalg.norm(np.hstack([x, np.ones((len(x), 1))]), axis=1))
    assert sum(perceptron.errors_) <= (radius / 0.1) ** 2


def test_perceptron_on_well_separated_blobs_with_any_labels():
    x, y = make_blobs(200, centers=[[-2, -2], [2, 2]], cluster_std=0.8, random_state=0)
    labels = np.where(y == 1, "yes", "no")
    perceptron = nz.Perceptron(max_epochs=50, seed=3).fit(x, labels)
    assert perceptron.errors_[-1] == 0
    assert perceptron.predict(x).tolist() == labels.tolist()
    assert perceptron.classes_.tolist() == ["no", "yes"]
    signed = nz.Perceptron(max_epochs=50, shuffle=False).fit(x, 2 * y - 1)
    assert np.array_equal(signed.predict(x), 2 * y - 1)


def test_perceptron_learns_and_but_not_xor():
    x = XOR_X.astype(float)
    gate = nz.Perceptron(max_epochs=20).fit(x, [0, 0, 0, 1])
    assert gate.predict(x).tolist() == [0, 0, 0, 1]
    assert gate.errors_[-1] == 0
    xor = nz.Perceptron(max_epochs=50).fit(x, XOR_Y)
    assert len(xor.errors_) == 50 and min(xor.errors_) > 0
    assert not np.array_equal(xor.predict(x), XOR_Y)


def test_perceptron_is_deterministic_for_a_seed():
    x, y = separable(seed=1)
    a = nz.Perceptron(seed=5).fit(x, y)
    b = nz.Perceptron(seed=5).fit(x, y)
    assert a.errors_ == b.errors_
    assert np.array_equal(a.weights_, b.weights_) and a.bias_ == b.bias_
