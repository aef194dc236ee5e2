"""Rectifiers: ReLU, leaky ReLU and ELU.

Example
-------
>>> import numpy as np
>>> from nnzero.activations.rectifiers import ReLU
>>> ReLU().forward(np.array([[-1.0, 2.0]]))
array([[0., 2.]])
"""

from __future__ import annotations

import functools

import numpy as np

from .._validation import check_number
from .base import ActivationFunction, register

#: Arrays of zeros kept for ReLU's maximum, by shape and dtype (about as
#: many as a model has ReLU layers times the batch shapes it sees).
_ZEROS_KEPT = 16
#: Larger arrays are not kept, so that what is kept stays under 32 MB
#: (16 arrays of at most 2 MB): a batch that large spends far longer in its
#: products than np.zeros takes.
_ZEROS_KEPT_ELEMENTS = 1 << 18


@functools.lru_cache(maxsize=_ZEROS_KEPT)
def _kept_zeros(shape: tuple, dtype: np.dtype) -> np.ndarray:
    zeros = np.zeros(shape, dtype)
    zeros.flags.writeable = False  # shared by every caller
    return zeros


def _zeros_like(z: np.ndarray) -> np.ndarray:
    """Zeros of ``z``'s shape and dtype, read-only, reused between calls."""
    if z.size > _ZEROS_KEPT_ELEMENTS:
        return np.zeros(z.shape, z.dtype)
    return _kept_zeros(z.shape, z.dtype)


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
        # The maximum against an array of zeros runs NumPy's SIMD loop for two
        # contiguous operands; against the scalar 0 it runs a broadcast loop
        # three to four times slower (measured on 2-D float32 batches). Both
        # give the same bits, -0.0 (to +0.0), NaN and -inf included
        # (tests/test_activations.py). Other inputs (integers, Python lists)
        # keep the scalar form.
        if isinstance(z, np.ndarray) and z.dtype.kind == "f" and z.flags.c_contiguous:
            return np.maximum(z, _zeros_like(z))
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
