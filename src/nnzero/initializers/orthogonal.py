"""The orthogonal initializer.

Example
-------
>>> import numpy as np
>>> from nnzero.initializers.orthogonal import Orthogonal
>>> w = Orthogonal()((4, 4), np.random.default_rng(0), np.float64)
>>> bool(np.allclose(w.T @ w, np.eye(4)))
True
"""

from __future__ import annotations

import numpy as np

from .._validation import check_positive
from ..errors import InvalidArgumentError
from .base import Initializer, register


@register("orthogonal")
class Orthogonal(Initializer):
    """A random orthogonal matrix times ``gain`` (Saxe et al. 2014).

    Every singular value of the kernel is ``gain``, so each layer stretches
    all directions of its input alike; Gaussian kernels of the same overall
    scale stretch some directions far more than others. In sigmoid networks
    trained at small learning rates, gains that grow towards the output make
    up for the sigmoid's slope (at most 1/4) on the way back: tutorial 003
    uses 1, 8 and 16.

    Notes
    -----
    The matrix is the Q factor of a QR decomposition of a standard normal
    matrix, with each column's sign set by R's diagonal so that the result is
    uniformly (Haar) distributed; for a wide kernel (more outputs than
    inputs) the rows are orthonormal instead of the columns. This is the
    construction of PyTorch's ``nn.init.orthogonal_`` and Keras's
    ``Orthogonal``. Saxe, McClelland & Ganguli, "Exact solutions to the
    nonlinear dynamics of learning in deep linear neural networks", ICLR 2014.

    Parameters
    ----------
    gain : float, default 1
        Every singular value of the kernel (positive).

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.initializers import Orthogonal
    >>> w = Orthogonal(gain=4.0)((784, 128), np.random.default_rng(0), np.float64)
    >>> bool(np.allclose(w.T @ w, 16.0 * np.eye(128)))
    True
    """

    def __init__(self, gain: float = 1.0):
        self.gain = check_positive(gain, "gain")

    def __call__(self, shape, rng, dtype=np.float32):
        shape = tuple(shape)
        if len(shape) != 2:
            raise InvalidArgumentError(
                f"Orthogonal initializes 2-D kernels (fan_in, fan_out); received shape {shape}. "
                f"Use it as kernel_initializer, not for biases."
            )
        rows, cols = shape
        tall = rows >= cols
        normal = rng.standard_normal((rows, cols) if tall else (cols, rows))
        q, r = np.linalg.qr(normal)
        # QR's Q alone is not uniformly distributed: fix each column's sign
        # by R's diagonal (Mezzadri 2007). A zero diagonal has no sign; keep it.
        q *= np.where(np.diagonal(r) < 0, -1.0, 1.0)
        return (self.gain * (q if tall else q.T)).astype(dtype)
