"""Inverted dropout as a layer."""

from __future__ import annotations

from .._validation import check_number
from .base import Layer
from .registry import register


@register("dropout")
class Dropout(Layer):
    """Inverted dropout: while training, zero each input with probability
    ``rate`` and scale the survivors by ``1 / (1 - rate)``, so inference is the
    identity and needs no rescaling.

    Parameters
    ----------
    rate : float
        Probability of zeroing each input, in [0, 1).
    name : str, optional
        A name for the layer, shown by ``Sequential.summary``.

    Raises
    ------
    InvalidArgumentError
        If ``rate`` is outside [0, 1).

    Notes
    -----
    Srivastava et al., "Dropout: A Simple Way to Prevent Neural Networks
    from Overfitting", JMLR 2014.

    Examples
    --------
    >>> import numpy as np
    >>> import nnzero as nz
    >>> drop = nz.layers.Dropout(0.5)
    >>> drop.build((4,), np.random.default_rng(0), np.float64)
    >>> drop.forward(np.ones((1, 4)), training=False)
    array([[1., 1., 1., 1.]])
    """

    def __init__(self, rate: float, name: str | None = None):
        super().__init__(name)
        self.rate = check_number(rate, "rate", low=0.0, high=1.0, high_inclusive=False)
        self._mask = None
        self._rng = None

    def build(self, input_shape, rng, dtype):
        # The model's generator, shared so one seed fixes every random draw.
        self._rng = rng
        super().build(input_shape, rng, dtype)

    def forward(self, x, training=False):
        if not training or self.rate == 0.0:
            self._mask = None
            return x
        keep = 1.0 - self.rate
        self._mask = (self._rng.random(x.shape, dtype=x.dtype) < keep).astype(x.dtype)
        self._mask /= x.dtype.type(keep)
        return x * self._mask

    def backward(self, grad):
        return grad if self._mask is None else grad * self._mask

    def get_config(self):
        return {"name": "dropout", "rate": self.rate}
