"""The activation base class, the identity (``Linear``, what ``get(None)``
returns), the registry of activation names, and ``get``.

Example
-------
>>> from nnzero.activations import base
>>> base.get("tanh").registered_name, base.get(None)
('tanh', Linear())
"""

from __future__ import annotations

import numpy as np

from .._registry import Registry, config_of

_REGISTRY = Registry("activation", protocol=("forward", "derivative"))


register = _REGISTRY.register


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
