"""Initializers that fill the kernel with one value: zeros and ones.

Example
-------
>>> import numpy as np
>>> from nnzero.initializers.constant import Ones
>>> Ones()((2, 2), np.random.default_rng(0), np.float32).sum()
np.float32(4.0)
"""

from __future__ import annotations

import numpy as np

from .base import Initializer, register


@register("zeros")
class Zeros(Initializer):
    """All zeros (the default for biases).

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.initializers import Zeros
    >>> w = Zeros()((2, 3), np.random.default_rng(0))
    >>> w.tolist()
    [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    """

    def __call__(self, shape, rng, dtype=np.float32):
        return np.zeros(shape, dtype=dtype)


@register("ones")
class Ones(Initializer):
    """All ones.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.initializers import Ones
    >>> w = Ones()((2,), np.random.default_rng(0))
    >>> w.tolist()
    [1.0, 1.0]
    """

    def __call__(self, shape, rng, dtype=np.float32):
        return np.ones(shape, dtype=dtype)
