"""Layers without weights: Dropout, Flatten and a stand-alone Activation."""

from __future__ import annotations

import math

from .. import activations
from .._registry import config_of
from .._validation import check_number
from . import register
from .base import Layer


@register("dropout")
class Dropout(Layer):
    """Inverted dropout: while training, zero each input with probability
    ``rate`` and scale the survivors by ``1 / (1 - rate)``, so inference is the
    identity and needs no rescaling.

    Example
    -------
    >>> import numpy as np
    >>> import nnzero as nz
    >>> drop = nz.layers.Dropout(0.5)
    >>> drop.build((4,), np.random.default_rng(0), np.float64)
    >>> drop.forward(np.ones((1, 4)), training=False)
    array([[1., 1., 1., 1.]])
    """

    def __init__(self, rate: float, name: str | None = None):
        super().__init__(name)
        self.rate = check_number(rate, "rate", low=0.0, high=1.0, high_inclusive=False)
        self._mask = None
        self._rng = None

    def build(self, input_shape, rng, dtype):
        # The model's generator, shared so one seed fixes every random draw.
        self._rng = rng
        super().build(input_shape, rng, dtype)

    def forward(self, x, training=False):
        if not training or self.rate == 0.0:
            self._mask = None
            return x
        keep = 1.0 - self.rate
        self._mask = (self._rng.random(x.shape, dtype=x.dtype) < keep).astype(x.dtype)
        self._mask /= x.dtype.type(keep)
        return x * self._mask

    def backward(self, grad):
        return grad if self._mask is None else grad * self._mask

    def get_config(self):
        return {"name": "dropout", "rate": self.rate}


@register("flatten")
class Flatten(Layer):
    """Reshape each sample to one row: ``(n, 28, 28) -> (n, 784)``.

    Example
    -------
    >>> import numpy as np
    >>> import nnzero as nz
    >>> nz.layers.Flatten().forward(np.zeros((2, 28, 28))).shape
    (2, 784)
    """

    def compute_output_shape(self, input_shape):
        # math.prod: NumPy's product of Python ints wraps around past 2**63.
        return (math.prod(input_shape),)

    def forward(self, x, training=False):
        return x.reshape(x.shape[0], -1)

    def backward(self, grad):
        return grad.reshape((grad.shape[0],) + self.input_shape)


@register("activation")
class Activation(Layer):
    """Apply an activation function as a layer of its own.

    Example
    -------
    >>> import numpy as np
    >>> import nnzero as nz
    >>> nz.layers.Activation("relu").forward(np.array([[-1.0, 1.0]]))
    array([[0., 1.]])
    """

    def __init__(self, activation, name: str | None = None):
        super().__init__(name)
        self.activation = activations.get(activation)
        self._z = self._a = None

    def forward(self, x, training=False):
        a = self.activation.forward(x)
        if training:
            self._z, self._a = x, a
        return a

    def backward(self, grad, preactivation: bool = False):
        return grad if preactivation else self.activation.backward(grad, self._z, self._a)

    def get_config(self):
        return {"name": "activation", "activation": config_of(self.activation, "activation")}
