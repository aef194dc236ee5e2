"""Rectifiers: ReLU, leaky ReLU and ELU.

Example
-------
>>> import numpy as np
>>> from nnzero.activations.rectifiers import ReLU
>>> ReLU().forward(np.array([[-1.0, 2.0]]))
array([[0., 2.]])
"""

from __future__ import annotations

import numpy as np

from .._validation import check_number
from .base import ActivationFunction, register


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
