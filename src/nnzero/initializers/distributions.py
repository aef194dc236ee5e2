"""Initializers that draw from a fixed normal or uniform distribution.

Example
-------
>>> import numpy as np
>>> from nnzero.initializers.distributions import RandomUniform
>>> w = RandomUniform(-0.1, 0.1)((3, 4), np.random.default_rng(0), np.float64)
>>> bool(np.abs(w).max() <= 0.1)
True
"""

from __future__ import annotations

import numpy as np

from .._validation import check_positive
from ._draw import draw_normal, draw_uniform
from .base import Initializer, register


@register("random_normal")
class RandomNormal(Initializer):
    """Normal with a fixed standard deviation. ``RandomNormal(stddev=0.01)``
    is the "small random numbers" of tutorial 000.

    Parameters
    ----------
    mean : float, default 0
        Mean of the distribution.
    stddev : float, default 0.05
        Standard deviation (positive).

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.initializers import RandomNormal
    >>> w = RandomNormal(stddev=0.01)((784, 128), np.random.default_rng(0))
    >>> round(float(w.std()), 3)
    0.01
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05):
        self.mean = float(mean)
        self.stddev = check_positive(stddev, "stddev")

    def __call__(self, shape, rng, dtype=np.float32):
        return draw_normal(rng, self.mean, self.stddev, shape, dtype)


@register("random_uniform")
class RandomUniform(Initializer):
    """Uniform on ``[minval, maxval)``.

    Parameters
    ----------
    minval : float, default -0.05
        Lower bound.
    maxval : float, default 0.05
        Upper bound (excluded).

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.initializers import RandomUniform
    >>> w = RandomUniform(0.0, 1.0)((1000,), np.random.default_rng(0))
    >>> bool(w.min() >= 0.0 and w.max() < 1.0)
    True
    """

    def __init__(self, minval: float = -0.05, maxval: float = 0.05):
        self.minval = float(minval)
        self.maxval = float(maxval)

    def __call__(self, shape, rng, dtype=np.float32):
        return draw_uniform(rng, self.minval, self.maxval, shape, dtype)
