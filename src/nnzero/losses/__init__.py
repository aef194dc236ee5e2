"""Loss functions: each knows its value and its gradient.

A loss averages per-sample losses over the batch (optionally weighted by
``sample_weight``: ``sum(w_i * l_i) / n``, as Keras does) and returns the
gradient of that average with respect to the network's output.

Cross-entropy losses also work on logits (``from_logits=True``), and the
model fuses them with the output activation they pair with (softmax for the
categorical losses, sigmoid for binary cross-entropy): the gradient with
respect to the logits is then simply ``(p - y) / n``, which is both cheaper
and more accurate than chaining the two derivatives.

Your own loss can be any object with ``value(y_true, y_pred)`` and
``gradient(y_true, y_pred)`` methods.

Example
-------
>>> import numpy as np
>>> from nnzero import losses
>>> mse = losses.get("mse")
>>> float(mse.value(np.array([[1.0]]), np.array([[3.0]])))
4.0
"""

from .base import Loss, get, names, register
from .cross_entropy import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
)
from .logits import logsumexp, softmax_and_logsumexp
from .regression import MeanSquaredError

__all__ = [
    "BinaryCrossentropy", "CategoricalCrossentropy", "Loss", "MeanSquaredError",
    "SparseCategoricalCrossentropy", "get", "logsumexp", "names", "register",
    "softmax_and_logsumexp",
]
