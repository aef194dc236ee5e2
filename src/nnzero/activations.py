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

from __future__ import annotations

import numpy as np

from ._registry import Registry, config_of
from ._validation import check_number
from .errors import InvalidArgumentError

_REGISTRY = Registry("activation", protocol=("forward", "derivative"))
register = _REGISTRY.register


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


class ActivationFunction:
    """Base class of the activation functions; subclasses implement
    ``forward`` and ``derivative``.

    Not to be confused with the layer :class:`nnzero.layers.Activation`,
    which applies one of these functions as a layer of its own.

    Example
    -------
    >>> import numpy as np
    >>> from nnzero.activations import ActivationFunction
    >>> class Square(ActivationFunction):
    ...     def forward(self, z):
    ...         return z * z
    ...     def derivative(self, z, a):
    ...         return 2 * z
    >>> Square().backward(np.array([1.0]), np.array([3.0]), np.array([9.0]))
    array([6.])
    """

    #: False for functions with no usable gradient (the perceptron's step).
    differentiable = True

    def forward(self, z: np.ndarray) -> np.ndarray:
        """The activations ``a = f(z)``, element-wise (row-wise for softmax).

        Parameters
        ----------
        z : ndarray
            Pre-activations, one row per sample.

        Returns
        -------
        ndarray
            ``a``, the shape of ``z``.
        """
        raise NotImplementedError

    def derivative(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        """``da/dz`` element-wise.

        Parameters
        ----------
        z : ndarray
            The pre-activations.
        a : ndarray
            ``forward(z)``, which some functions reuse (sigmoid: ``a * (1 - a)``).

        Returns
        -------
        ndarray
        """
        raise NotImplementedError

    def backward(self, grad: np.ndarray, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        """Gradient with respect to ``z`` given the gradient with respect to ``a``.

        Parameters
        ----------
        grad : ndarray
            ``dL/da``.
        z, a : ndarray
            The pre-activations and activations of the forward pass.

        Returns
        -------
        ndarray
            ``dL/dz = grad * derivative(z, a)`` (softmax applies its Jacobian).
        """
        return grad * self.derivative(z, a)

    def get_config(self) -> dict:
        return {"name": self.registered_name}

    def __call__(self, z):
        return self.forward(z)

    def __repr__(self):
        params = {k: v for k, v in self.get_config().items() if k != "name"}
        args = ", ".join(f"{k}={v!r}" for k, v in params.items())
        return f"{type(self).__name__}({args})"


@register("linear", "identity")
class Linear(ActivationFunction):
    """``a = z``.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.activations import Linear
    >>> Linear().derivative(np.array([-2.0, 3.0]), None)
    array([1., 1.])
    """

    def forward(self, z):
        return z

    def derivative(self, z, a):
        return np.ones_like(z)

    def backward(self, grad, z, a):
        return grad


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


@register("relu")
class ReLU(ActivationFunction):
    """``a = max(z, 0)``; its derivative at 0 is taken as 0, as in PyTorch.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.activations import ReLU
    >>> z = np.array([-2.0, 0.0, 3.0])
    >>> ReLU().forward(z), ReLU().derivative(z, None)
    (array([0., 0., 3.]), array([0., 0., 1.]))
    """

    def forward(self, z):
        return np.maximum(z, 0)

    def derivative(self, z, a):
        return (z > 0).astype(z.dtype)

    def backward(self, grad, z, a):
        # A product with the mask: several times faster than np.where. (A
        # negative gradient at z <= 0 becomes -0.0, which equals 0.)
        return grad * (z > 0)


@register("leaky_relu")
class LeakyReLU(ActivationFunction):
    """``a = z`` for ``z > 0`` else ``negative_slope * z`` (PyTorch's default slope 0.01).

    Parameters
    ----------
    negative_slope : float, default 0.01
        The slope for negative ``z``.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.activations import LeakyReLU
    >>> LeakyReLU(0.1).forward(np.array([-2.0, 3.0]))
    array([-0.2,  3. ])
    """

    def __init__(self, negative_slope: float = 0.01):
        self.negative_slope = check_number(negative_slope, "negative_slope", low=0.0)

    def forward(self, z):
        return np.where(z > 0, z, self.negative_slope * z).astype(z.dtype, copy=False)

    def derivative(self, z, a):
        return np.where(z > 0, 1.0, self.negative_slope).astype(z.dtype)

    def get_config(self):
        return {"name": "leaky_relu", "negative_slope": self.negative_slope}


@register("elu")
class ELU(ActivationFunction):
    """``a = z`` for ``z > 0`` else ``alpha * (exp(z) - 1)``.

    Parameters
    ----------
    alpha : float, default 1
        The value ``a`` tends to, as ``-alpha``, for very negative ``z``.

    Notes
    -----
    Clevert, Unterthiner & Hochreiter, "Fast and Accurate Deep Network
    Learning by Exponential Linear Units (ELUs)", ICLR 2016.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.activations import ELU
    >>> ELU().forward(np.array([-50.0, 2.0]))
    array([-1.,  2.])
    """

    def __init__(self, alpha: float = 1.0):
        self.alpha = check_number(alpha, "alpha", low=0.0)

    def forward(self, z):
        # expm1 of min(z, 0) keeps precision near 0 and never overflows.
        neg = self.alpha * np.expm1(np.minimum(z, 0))
        return np.where(z > 0, z, neg).astype(z.dtype, copy=False)

    def derivative(self, z, a):
        # For z <= 0, d/dz alpha*(exp(z)-1) = alpha*exp(z) = a + alpha.
        return np.where(z > 0, 1.0, a + self.alpha).astype(z.dtype)

    def get_config(self):
        return {"name": "elu", "alpha": self.alpha}


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


@register("step", "heaviside")
class Step(ActivationFunction):
    """Rosenblatt's threshold: 1 where ``z >= 0``, else 0. It has no useful
    gradient, so it is only for :class:`nnzero.Perceptron`.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.activations import Step
    >>> Step().forward(np.array([-0.5, 0.0, 2.0]))
    array([0., 1., 1.])
    """

    differentiable = False

    def forward(self, z):
        return (z >= 0).astype(z.dtype)

    def derivative(self, z, a):
        raise InvalidArgumentError(
            "The step activation has no gradient (it is zero almost everywhere), so it "
            "cannot be trained by backpropagation. Use nnzero.Perceptron, or a "
            "differentiable activation such as 'sigmoid'."
        )


class _UserActivation(ActivationFunction):
    """Adapter giving a user's forward/derivative object the full interface."""

    def __init__(self, obj):
        self.obj = obj
        self.differentiable = getattr(obj, "differentiable", True)

    def forward(self, z):
        return self.obj.forward(z)

    def derivative(self, z, a):
        return self.obj.derivative(z, a)

    def backward(self, grad, z, a):
        backward = getattr(self.obj, "backward", None)
        return backward(grad, z, a) if callable(backward) else grad * self.obj.derivative(z, a)

    def get_config(self):
        return config_of(self.obj, "activation")

    def __repr__(self):
        return repr(self.obj)


def get(identifier, argument: str = "activation") -> ActivationFunction:
    """Resolve a name, config dict, ``None`` (linear) or object to an activation.

    Parameters
    ----------
    identifier : str, dict, None or object
        A registered name (see :func:`names`), a config such as
        ``{"name": "leaky_relu", "negative_slope": 0.2}``, ``None`` for the
        identity, or any object with ``forward`` and ``derivative`` methods.
    argument : str, default "activation"
        The argument's name in error messages.

    Returns
    -------
    ActivationFunction

    Raises
    ------
    InvalidArgumentError
        For an unknown name (the closest valid one is suggested).

    Examples
    --------
    >>> get("tanh")
    Tanh()
    """
    if identifier is None:
        return Linear()
    resolved = _REGISTRY.get(identifier, argument)
    if isinstance(resolved, ActivationFunction):
        return resolved
    return _UserActivation(resolved)


def names() -> list[str]:
    """The registered activation names (aliases included).

    Returns
    -------
    list of str

    Examples
    --------
    >>> "relu" in names() and "logistic" in names()
    True
    """
    return _REGISTRY.names()
