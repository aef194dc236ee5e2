"""Helpers of the tests of bad input.

Every bad input gets one clear nnzero error that names the argument, raised
before any work starts: weights, optimizer state, random generator and files
are left exactly as they were. :func:`raises` checks the first half (one plain
nnzero error, no chained traceback), :func:`refuse_fit` the second.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import nnzero as nz
from nnzero import (
    InvalidArgumentError,
    InvalidTypeError,
    ModelFileError,
    NNZeroError,
    NotCompiledError,
)
from nnzero.layers import Dense

N, N_FEATURES, N_CLASSES = 12, 5, 3
NAN, INF = float("nan"), float("inf")


def data(n=N, features=N_FEATURES, classes=N_CLASSES):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, features)), np.arange(n) % classes


def classifier(loss="sparse_categorical_crossentropy", output="softmax", units=N_CLASSES, **kw):
    model = nz.Sequential(
        [Dense(4, activation="relu"), Dense(units, activation=output)], seed=0, **kw
    )
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return model


def trained_classifier(**kw):
    """A compiled, built model whose optimizer already has state."""
    model = classifier(**kw)
    x, y = data()
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    return model


def state_of(model):
    """Everything a failed call must leave alone."""
    return {
        "built": model.built,
        "weights": model.get_weights() if model.built else None,
        "rng": json.dumps(model.rng.bit_generator.state, default=str),
        "iterations": getattr(model.optimizer, "iterations", None),
        "slots": {
            k: [a.copy() for a in v] for k, v in getattr(model.optimizer, "slots", {}).items()
        },
        "optimizer": model.optimizer,
        "loss": model.loss,
        "metrics": list(model.metric_names),
    }


def assert_same_state(before, after):
    assert before["built"] == after["built"]
    if before["weights"] is not None:
        assert len(before["weights"]) == len(after["weights"])
        for a, b in zip(before["weights"], after["weights"], strict=True):
            assert np.array_equal(a, b)
    assert before["rng"] == after["rng"]
    assert before["iterations"] == after["iterations"]
    assert before["slots"].keys() == after["slots"].keys()
    for key, arrays in before["slots"].items():
        for a, b in zip(arrays, after["slots"][key], strict=True):
            assert np.array_equal(a, b)
    assert before["optimizer"] is after["optimizer"]
    assert before["loss"] is after["loss"]
    assert before["metrics"] == after["metrics"]


BUILTIN_BASE = {
    InvalidArgumentError: ValueError,
    InvalidTypeError: TypeError,
    NotCompiledError: RuntimeError,
    ModelFileError: ValueError,
}


def raises(exc, match):
    """pytest.raises that also checks the error is one plain nnzero error."""
    return _OneError(exc, match)


class _OneError:
    def __init__(self, exc, match):
        self.exc, self.match = exc, match

    def __enter__(self):
        self._ctx = pytest.raises(self.exc, match=self.match)
        self.info = self._ctx.__enter__()
        return self.info

    def __exit__(self, *exc_info):
        handled = self._ctx.__exit__(*exc_info)
        err = self.info.value
        assert isinstance(err, NNZeroError)
        assert isinstance(err, BUILTIN_BASE[self.exc])
        # One error, not a chain of tracebacks ending in NumPy's.
        assert err.__cause__ is None
        assert err.__context__ is None or err.__suppress_context__
        return handled


_DEFAULT = object()


def refuse_fit(model, exc, match, x=_DEFAULT, y=_DEFAULT, **kwargs):
    """fit must raise before touching the model."""
    dx, dy = data()
    x = dx if x is _DEFAULT else x
    y = dy if y is _DEFAULT else y
    before = state_of(model)
    kwargs.setdefault("verbose", 0)
    with raises(exc, match):
        model.fit(x, y, **kwargs)
    assert_same_state(before, state_of(model))
