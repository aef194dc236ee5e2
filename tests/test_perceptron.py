"""The perceptron (``nnzero.Perceptron``): its settings and the input it refuses."""

from __future__ import annotations

import numpy as np
import pytest

import nnzero as nz
from nnzero import InvalidArgumentError, InvalidTypeError
from refusals import INF, N, data, raises


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
