"""Optimizers (``nnzero.optimizers``): the learning rate and every
hyper-parameter are checked when the optimizer is made."""

from __future__ import annotations

import importlib.util
import re

import pytest

import nnzero as nz
from nnzero import InvalidArgumentError, InvalidTypeError
from nnzero.layers import Dense
from refusals import INF, NAN, raises

OPTIMIZERS = [
    nz.optimizers.SGD,
    nz.optimizers.AdaGrad,
    nz.optimizers.RMSprop,
    nz.optimizers.Adam,
    nz.optimizers.AdamW,
]


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("lr", [0, 0.0, -1e-3, NAN, INF, -INF])
def test_learning_rate_must_be_positive_and_finite(optimizer, lr):
    with raises(InvalidArgumentError, r"`learning_rate` must be finite and in \(0, inf\)"):
        optimizer(learning_rate=lr)


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("lr", ["0.1", None, [0.1], True])
def test_learning_rate_must_be_a_number(optimizer, lr):
    with raises(InvalidTypeError, r"`learning_rate`"):
        optimizer(learning_rate=lr)


def test_learning_rate_in_optimizer_config_dict():
    with raises(InvalidArgumentError, r"`learning_rate`"):
        nz.Sequential([Dense(2)]).compile(optimizer={"name": "adam", "learning_rate": -1})


@pytest.mark.parametrize(
    "call, exc, name",
    [
        (lambda: nz.optimizers.Adam(beta_1=1.0), InvalidArgumentError, "beta_1"),
        (lambda: nz.optimizers.Adam(beta_2=-0.1), InvalidArgumentError, "beta_2"),
        (lambda: nz.optimizers.Adam(eps=0), InvalidArgumentError, "eps"),
        (lambda: nz.optimizers.SGD(momentum=-0.5), InvalidArgumentError, "momentum"),
        (lambda: nz.optimizers.SGD(weight_decay=NAN), InvalidArgumentError, "weight_decay"),
        (lambda: nz.optimizers.SGD(nesterov=True), InvalidArgumentError, "Nesterov"),
        (lambda: nz.optimizers.SGD(nesterov="yes"), InvalidTypeError, "nesterov"),
        (lambda: nz.optimizers.RMSprop(alpha=1.0), InvalidArgumentError, "alpha"),
        (lambda: nz.optimizers.AdaGrad(lr_decay=-1), InvalidArgumentError, "lr_decay"),
        (
            lambda: nz.Sequential([Dense(2)]).compile(optimizer={"name": "adam", "betas": 1}),
            InvalidArgumentError,
            "adam",
        ),
    ],
)
def test_optimizer_hyper_parameters(call, exc, name):
    with raises(exc, re.escape(name)):
        call()


@pytest.mark.parametrize("make, covered", [
    (lambda: nz.optimizers.SGD(0.1), True),
    (lambda: nz.optimizers.Adam(0.01), True),
    (lambda: nz.optimizers.SGD(0.1, momentum=0.9), False),
    (lambda: nz.optimizers.SGD(0.1, weight_decay=0.1), False),
    (lambda: nz.optimizers.Adam(0.01, amsgrad=True), False),
    (lambda: nz.optimizers.AdamW(0.01), False),
    (lambda: nz.optimizers.RMSprop(0.01), False),
    (lambda: nz.optimizers.AdaGrad(0.01), False),
])
def test_uses_compiled_kernel_says_which_variants_the_kernels_cover(monkeypatch, make, covered):
    from nnzero import _kernels

    has_numba = importlib.util.find_spec("numba") is not None
    assert make().uses_compiled_kernel() is (covered and has_numba)
    monkeypatch.setattr(_kernels, "ENABLED", False)  # NNZERO_KERNELS=numpy
    assert make().uses_compiled_kernel() is False
