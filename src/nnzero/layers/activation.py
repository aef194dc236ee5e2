"""An activation function applied as a layer of its own.

The functions themselves (:class:`nnzero.activations.ActivationFunction` and
its subclasses) live in :mod:`nnzero.activations`; this layer only holds
one and keeps what its ``backward`` needs.
"""

from __future__ import annotations

from .. import activations
from .._registry import config_of
from .base import Layer
from .registry import register


@register("activation")
class Activation(Layer):
    """Apply an activation function as a layer of its own.

    Parameters
    ----------
    activation : str, dict or object
        Anything :func:`nnzero.activations.get` accepts, e.g. ``"relu"``.
    name : str, optional
        A name for the layer, shown by ``Sequential.summary``.

    Examples
    --------
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
