"""Activation functions: each knows its forward pass and its derivative.

An activation maps pre-activations ``z`` to outputs ``a``. ``derivative(z, a)``
returns ``da/dz`` element-wise; it receives both so that each function can
use whichever is cheaper (sigmoid and tanh reuse ``a``). ``backward(grad, z,
a)`` turns the gradient with respect to ``a`` into the gradient with respect
to ``z``; element-wise activations multiply by the derivative, softmax applies
its Jacobian.

Your own activation can be any object with ``forward(z)`` and
``derivative(z, a)`` methods; register its class with :func:`register` to
save models that use it.

Example
-------
>>> import numpy as np
>>> from nnzero import activations
>>> relu = activations.get("relu")
>>> relu.forward(np.array([[-1.0, 2.0]]))
array([[0., 2.]])
"""

from .base import ActivationFunction, Linear, get, names, register
from .rectifiers import ELU, LeakyReLU, ReLU
from .squashing import Sigmoid, Softmax, Tanh
from .step import Step

__all__ = [
    "ActivationFunction", "ELU", "LeakyReLU", "Linear", "ReLU", "Sigmoid", "Softmax", "Step",
    "Tanh", "get", "names", "register",
]
