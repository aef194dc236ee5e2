"""The regression loss: mean squared error.

Example
-------
>>> import numpy as np
>>> from nnzero.losses.regression import MeanSquaredError
>>> MeanSquaredError().value(np.array([[0.0]]), np.array([[2.0]]))
4.0
"""

from __future__ import annotations

import numpy as np

from .base import Loss, register


@register("mse", "mean_squared_error")
class MeanSquaredError(Loss):
    """Mean over samples and outputs of ``(y_pred - y_true)**2``.

    Parameters
    ----------
    from_logits : bool, default False
        Must stay False: the squared error has no logit form.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.losses import MeanSquaredError
    >>> MeanSquaredError().value(np.array([[0.0, 1.0]]), np.array([[1.0, 3.0]]))
    2.5
    """

    def per_sample(self, y_true, y_pred):
        diff = y_pred - y_true
        return np.mean(diff * diff, axis=1)

    def per_sample_gradient(self, y_true, y_pred):
        return (y_pred - y_true) * (2.0 / y_pred.shape[1])

    def get_config(self):
        return {"name": "mse"}

    def __repr__(self):
        return "MeanSquaredError()"
