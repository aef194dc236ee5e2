"""Steps that the loss classes of every module share.
"""

from __future__ import annotations

import numpy as np

from ..errors import InvalidArgumentError, InvalidTypeError


def scale_gradient(grad: np.ndarray, sample_weight) -> np.ndarray:
    """Divide by the batch size and apply per-sample weights, in place."""
    if grad.shape[0] != 1:  # x / 1 is x: a batch of one skips the pass
        grad /= grad.shape[0]
    if sample_weight is not None:
        grad *= sample_weight.reshape(-1, *([1] * (grad.ndim - 1)))
    return grad


def numeric_targets(y) -> np.ndarray:
    try:
        y = np.asarray(y)
    except (TypeError, ValueError) as err:
        raise InvalidTypeError(f"`y` must be array-like of numbers. Received: {err}") from None
    if y.dtype.kind not in "biuf":
        raise InvalidTypeError(f"`y` must be numeric. Received: an array of dtype {y.dtype}")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise InvalidArgumentError("`y` contains NaN or infinite values.")
    return y
