"""Errors across the library: settings of several modules refused with one
clear error that names the argument, and the error classes' places among
Python's built-in ones.

Each module's own refusals are tested beside it: test_fit_arguments.py,
test_model.py, test_saving.py, test_registry.py, test_optimizers.py,
test_layers.py, test_callbacks.py, test_perceptron.py ..."""

from __future__ import annotations

import pytest

import nnzero as nz
from nnzero import (
    InvalidArgumentError,
    InvalidTypeError,
    ModelFileError,
    NNZeroError,
    NotCompiledError,
)
from refusals import BUILTIN_BASE, INF, NAN, raises


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: nz.losses.MeanSquaredError(from_logits=True), r"no logit form"),
        (lambda: nz.activations.LeakyReLU(negative_slope=-1), r"`negative_slope`"),
        (lambda: nz.activations.ELU(alpha=INF), r"`alpha`"),
        (lambda: nz.regularizers.L2(-0.1), r"`l2`"),
        (lambda: nz.regularizers.L1(NAN), r"`l1`"),
        (lambda: nz.initializers.RandomNormal(stddev=0), r"`stddev`"),
        (lambda: nz.schedules.StepDecay(0.1, step_size=0), r"`step_size`"),
        (lambda: nz.schedules.ExponentialDecay(-0.1, 10, 0.5), r"`initial_learning_rate`"),
        (lambda: nz.schedules.CosineDecay(0.1, 10, alpha=2.0), r"`alpha`"),
        (lambda: nz.limit_threads(0), r"`n`"),
    ],
)
def test_other_settings_out_of_range(call, match):
    with raises(InvalidArgumentError, match):
        call()


def test_error_classes_are_builtin_subclasses():
    assert issubclass(InvalidArgumentError, ValueError)
    assert issubclass(InvalidTypeError, TypeError)
    assert issubclass(NotCompiledError, RuntimeError)
    assert issubclass(ModelFileError, ValueError)
    assert issubclass(nz.DatasetNotFoundError, FileNotFoundError)
    assert issubclass(nz.NonFiniteLossWarning, RuntimeWarning)
    for cls in BUILTIN_BASE:
        assert issubclass(cls, NNZeroError)
