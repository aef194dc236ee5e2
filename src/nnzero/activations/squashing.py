"""Activations that squash their input into a bounded range: sigmoid, tanh
and softmax.

Example
-------
>>> import numpy as np
>>> from nnzero.activations.squashing import Sigmoid
>>> Sigmoid().forward(np.array([[0.0]]))
array([[0.5]])
"""

from __future__ import annotations

import numpy as np

from ..errors import InvalidArgumentError
from .base import ActivationFunction, register

_CONSTANTS: dict = {}


def _constants(x):
    """``(1, -1)`` as scalars of ``x``'s floating dtype, or None for other
    dtypes. With them a ufunc computes exactly what it computes with the
    Python floats 1.0 and -1.0 (which NumPy converts to ``x``'s dtype on
    every call)."""
    dtype = x.dtype
    consts = _CONSTANTS.get(dtype)
    if consts is None and dtype.kind == "f":
        consts = _CONSTANTS[dtype] = (dtype.type(1.0), dtype.type(-1.0))
    return consts


@register("sigmoid", "logistic")
class Sigmoid(ActivationFunction):
    """``a = 1 / (1 + exp(-z))``, computed without overflow for any ``z``.

    Its derivative is ``a * (1 - a)``, at most 1/4 (at ``z = 0``): each
    sigmoid layer scales the gradient passed back by at most a quarter.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.activations import Sigmoid
    >>> z = np.array([-30.0, 0.0, 30.0])
    >>> a = Sigmoid().forward(z)
    >>> a.round(6), Sigmoid().derivative(z, a).round(6)
    (array([0. , 0.5, 1. ]), array([0.  , 0.25, 0.  ]))
    """

    def forward(self, z):
        # With e = exp(-|z|) in (0, 1] nothing overflows: a = 1 / (1 + e) for
        # z >= 0 and e / (1 + e) below. The numerator max(e, z >= 0) is 1 or e
        # exactly, which picks the branch without np.where (several times slower).
        consts = _constants(z)
        if consts is None:
            e = np.exp(-np.abs(z))
            a = np.maximum(e, z >= 0)
            e += 1.0
            a /= e
            return a.astype(z.dtype, copy=False)
        # The same arithmetic in fewer, cheaper calls (this runs at every
        # layer of every step, where a call costs more than the work on a
        # small batch): copysign(z, -1) is -|z| in one pass instead of two;
        # heaviside(z, 1) is z >= 0 already in z's dtype (and NaN for NaN,
        # which max() propagates as before), so max() needs no cast; and
        # scalars of z's own dtype skip NumPy's conversion of Python floats.
        one, minus_one = consts
        e = np.copysign(z, minus_one)
        np.exp(e, out=e)
        a = np.maximum(e, np.heaviside(z, one))
        np.add(e, one, out=e)
        np.divide(a, e, out=a)
        return a

    def derivative(self, z, a):
        return a * (1.0 - a)

    def backward(self, grad, z, a):
        consts = _constants(a)
        # A subclass with a derivative of its own gets the general product.
        if (consts is None or grad.dtype != a.dtype or grad.shape != a.shape
                or type(self).derivative is not Sigmoid.derivative):
            return grad * self.derivative(z, a)
        # grad * (a * (1 - a)), the same operations into one new array.
        d = np.subtract(consts[0], a)
        np.multiply(a, d, out=d)
        return np.multiply(grad, d, out=d)


@register("tanh")
class Tanh(ActivationFunction):
    """Hyperbolic tangent, ``a = tanh(z)``, with derivative ``1 - a**2``.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.activations import Tanh
    >>> a = Tanh().forward(np.array([0.0, 1.0]))
    >>> a.round(4), Tanh().derivative(None, a).round(4)
    (array([0.    , 0.7616]), array([1.    , 0.42]))
    """

    def forward(self, z):
        return np.tanh(z)

    def derivative(self, z, a):
        return 1.0 - a * a


@register("softmax")
class Softmax(ActivationFunction):
    """Row-wise ``exp(z) / sum(exp(z))``, shifted by the row maximum so no
    ``exp`` overflows.

    Its ``backward`` applies the Jacobian ``diag(a) - a a^T`` of each row;
    with a cross-entropy loss the model skips it and uses the fused gradient
    ``p - y`` instead.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.activations import Softmax
    >>> Softmax().forward(np.array([[1000.0, 1000.0], [0.0, np.log(3.0)]]))
    array([[0.5 , 0.5 ],
           [0.25, 0.75]])
    """

    def forward(self, z):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        e /= e.sum(axis=1, keepdims=True)
        return e

    def derivative(self, z, a):
        raise InvalidArgumentError(
            "softmax has no element-wise derivative; use backward(grad, z, a), "
            "which applies its Jacobian."
        )

    def backward(self, grad, z, a):
        # Jacobian-vector product: J = diag(a) - a a^T, so J g = a * (g - <g, a>).
        return a * (grad - np.sum(grad * a, axis=1, keepdims=True))
