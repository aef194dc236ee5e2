"""Flatten: each sample's dimensions made into one row."""

from __future__ import annotations

import math

from .base import Layer
from .registry import register


@register("flatten")
class Flatten(Layer):
    """Reshape each sample to one row: ``(n, 28, 28) -> (n, 784)``.

    Parameters
    ----------
    name : str, optional
        A name for the layer, shown by ``Sequential.summary``.

    Examples
    --------
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
