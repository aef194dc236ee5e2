"""Weight penalties added to the loss: L1, L2 and both together.

``penalty(w)`` is the amount added to the loss and ``gradient(w)`` its
derivative, added to the kernel's gradient. As in Keras, ``L2(0.01)`` adds
``0.01 * sum(w**2)`` (not divided by the batch size).

Example
-------
>>> import numpy as np
>>> from nnzero import regularizers
>>> reg = regularizers.L2(0.5)
>>> float(reg.penalty(np.array([1.0, 2.0])))
2.5
"""

from __future__ import annotations

import numpy as np

from ._registry import Registry
from ._validation import check_number

_REGISTRY = Registry("regularizer", protocol=("penalty", "gradient"))
register = _REGISTRY.register


@register("l1_l2")
class L1L2:
    """``l1 * sum(|w|) + l2 * sum(w**2)``.

    The penalty is added to the loss and its gradient, ``l1 * sign(w) +
    2 * l2 * w``, to the weights' gradient.

    Parameters
    ----------
    l1 : float, default 0
        Strength of the L1 (lasso) term.
    l2 : float, default 0
        Strength of the L2 (ridge, weight-decay) term.

    Raises
    ------
    InvalidArgumentError
        If a strength is negative.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.regularizers import L1L2
    >>> reg = L1L2(l1=0.1, l2=0.5)
    >>> w = np.array([1.0, -2.0])
    >>> reg.penalty(w)  # 0.1 * 3 + 0.5 * 5
    2.8
    >>> reg.gradient(w)
    array([ 1.1, -2.1])
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1 = check_number(l1, "l1", low=0.0)
        self.l2 = check_number(l2, "l2", low=0.0)

    def penalty(self, w: np.ndarray) -> float:
        total = 0.0
        if self.l1:
            total += self.l1 * float(np.abs(w).sum())
        if self.l2:
            total += self.l2 * float(np.vdot(w, w))
        return total

    def gradient(self, w: np.ndarray) -> np.ndarray:
        grad = np.zeros_like(w)
        if self.l1:
            grad += self.l1 * np.sign(w)
        if self.l2:
            grad += (2.0 * self.l2) * w
        return grad

    def get_config(self) -> dict:
        return {"name": "l1_l2", "l1": self.l1, "l2": self.l2}

    def __repr__(self):
        return f"{type(self).__name__}(l1={self.l1}, l2={self.l2})"


@register("l1")
class L1(L1L2):
    """``l1 * sum(|w|)``.

    Parameters
    ----------
    l1 : float, default 0.01
        Strength of the penalty.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.regularizers import L1
    >>> L1(0.1).penalty(np.array([1.0, -2.0]))
    0.30000000000000004
    """

    def __init__(self, l1: float = 0.01):
        super().__init__(l1=l1)


@register("l2")
class L2(L1L2):
    """``l2 * sum(w**2)``.

    Parameters
    ----------
    l2 : float, default 0.01
        Strength of the penalty.

    Examples
    --------
    >>> import nnzero as nz
    >>> layer = nz.layers.Dense(4, kernel_regularizer=nz.regularizers.L2(1e-4))
    >>> layer.kernel_regularizer
    L2(l1=0.0, l2=0.0001)
    """

    def __init__(self, l2: float = 0.01):
        super().__init__(l2=l2)


def get(identifier, argument: str = "kernel_regularizer"):
    """Resolve ``None``, a name, a config dict or an object to a regularizer.

    Parameters
    ----------
    identifier : None, str, dict or object
        ``None`` (no penalty), a registered name, a config, or an object
        with ``penalty`` and ``gradient`` methods.
    argument : str, default "kernel_regularizer"
        The argument's name in error messages.

    Returns
    -------
    L1L2, object or None

    Examples
    --------
    >>> get("l2")
    L2(l1=0.0, l2=0.01)
    """
    if identifier is None:
        return None
    return _REGISTRY.get(identifier, argument)
