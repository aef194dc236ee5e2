"""The cross-entropy losses: binary, categorical (one-hot targets) and
sparse categorical (integer labels), on probabilities or logits.

Example
-------
>>> import numpy as np
>>> from nnzero.losses.cross_entropy import SparseCategoricalCrossentropy
>>> loss = SparseCategoricalCrossentropy()
>>> round(loss.value(np.array([0]), np.array([[0.5, 0.5]])), 4)
0.6931
"""

from __future__ import annotations

import numpy as np

from .._validation import check_number
from ..errors import InvalidArgumentError
from ._common import numeric_targets, scale_gradient
from .base import Loss, register
from .logits import logsumexp


def _clip(p: np.ndarray) -> np.ndarray:
    # Keeps log() and 1/p finite when a probability rounds to exactly 0 or 1.
    eps = np.finfo(p.dtype).eps if p.dtype.kind == "f" else 1e-7
    return np.clip(p, eps, 1.0 - eps)


@register("binary_crossentropy", "bce")
class BinaryCrossentropy(Loss):
    """``-mean(y log p + (1 - y) log(1 - p))`` over outputs, for independent
    yes/no outputs (sigmoid).

    Parameters
    ----------
    from_logits : bool, default False
        Whether ``y_pred`` holds logits (the output before the activation)
        rather than probabilities; computed stably from the logits.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.losses import BinaryCrossentropy
    >>> y, p = np.array([[1.0], [0.0]]), np.array([[0.9], [0.2]])
    >>> round(BinaryCrossentropy().value(y, p), 4)  # -(log 0.9 + log 0.8) / 2
    0.1643
    """

    fused_activation = "sigmoid"

    def per_sample(self, y_true, y_pred):
        p = _clip(y_pred)
        return -np.mean(y_true * np.log(p) + (1.0 - y_true) * np.log1p(-p), axis=1)

    def per_sample_from_logits(self, y_true, logits):
        # log(1 + exp(-|z|)) never overflows; this is log-sigmoid rearranged.
        z = logits
        return np.mean(np.maximum(z, 0) - z * y_true + np.log1p(np.exp(-np.abs(z))), axis=1)

    def per_sample_gradient(self, y_true, y_pred):
        p = _clip(y_pred)
        return (p - y_true) / (p * (1.0 - p) * y_pred.shape[1])

    def gradient_wrt_logits(self, y_true, probs, sample_weight=None):
        return scale_gradient((probs - y_true) / probs.shape[1], sample_weight)

    def prepare_targets(self, y, n_outputs, dtype):
        y = super().prepare_targets(y, n_outputs, dtype)
        if y.min() < 0 or y.max() > 1:
            raise InvalidArgumentError(
                "`y` for binary_crossentropy must hold values in [0, 1]. "
                f"Received: values from {y.min()} to {y.max()}"
            )
        return y


class _SoftmaxCrossentropy(Loss):
    """Base of the softmax cross-entropies (categorical and sparse): label
    smoothing, the targets mixed with the uniform distribution,
    ``(1 - label_smoothing) * y + label_smoothing / k`` for ``k`` classes, as
    Keras and ``torch.nn.CrossEntropyLoss(label_smoothing=)`` do.

    Notes
    -----
    Szegedy et al., "Rethinking the Inception Architecture for Computer
    Vision", CVPR 2016, section 7: the network is no longer pushed towards
    infinite logits for the true class, which regularises it.
    """

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0):
        super().__init__(from_logits)
        self.label_smoothing = check_number(
            label_smoothing, "label_smoothing", low=0.0, high=1.0, high_inclusive=False)

    def get_config(self):
        config = super().get_config()
        if self.label_smoothing:  # left out at 0, so older saved configs still match
            config["label_smoothing"] = self.label_smoothing
        return config

    def __repr__(self):
        extra = f", label_smoothing={self.label_smoothing}" if self.label_smoothing else ""
        return f"{type(self).__name__}(from_logits={self.from_logits}{extra})"


@register("categorical_crossentropy", "cce")
class CategoricalCrossentropy(_SoftmaxCrossentropy):
    """``-sum(y log p)`` over classes, averaged over samples; targets are
    one-hot (or any probability) rows, optionally smoothed (``label_smoothing``).

    Parameters
    ----------
    from_logits : bool, default False
        Whether ``y_pred`` holds logits (the output before the activation)
        rather than probabilities; computed stably from the logits.
    label_smoothing : float, default 0
        ``e`` in [0, 1): each target is mixed with the uniform distribution
        over the ``k`` classes, ``(1 - e) * y + e / k``.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.losses import CategoricalCrossentropy
    >>> loss = CategoricalCrossentropy(label_smoothing=0.2)
    >>> round(loss.value(np.array([[0.0, 1.0]]), np.array([[0.25, 0.75]])), 4)
    0.3975
    """

    fused_activation = "softmax"

    def _smooth(self, y_true):
        if not self.label_smoothing:
            return y_true
        eps = self.label_smoothing
        return y_true * (1.0 - eps) + (eps / y_true.shape[1]) * y_true.sum(axis=1, keepdims=True)

    def per_sample(self, y_true, y_pred):
        return -np.sum(self._smooth(y_true) * np.log(_clip(y_pred)), axis=1)

    def per_sample_from_logits(self, y_true, logits):
        y_true = self._smooth(y_true)
        return logsumexp(logits) * y_true.sum(axis=1) - np.sum(y_true * logits, axis=1)

    def per_sample_gradient(self, y_true, y_pred):
        return -self._smooth(y_true) / _clip(y_pred)

    def gradient_wrt_logits(self, y_true, probs, sample_weight=None):
        # Rows of y_true sum to 1 for one-hot or probability targets, so the
        # general p * sum(y) - y reduces to p - y.
        y_true = self._smooth(y_true)
        return scale_gradient(probs * y_true.sum(axis=1, keepdims=True) - y_true, sample_weight)

    def prepare_targets(self, y, n_outputs, dtype):
        arr = numeric_targets(y)
        if arr.ndim != 2 or arr.shape[1] != n_outputs:
            hint = (
                " Class indices need loss='sparse_categorical_crossentropy'."
                if arr.ndim == 1
                else ""
            )
            raise InvalidArgumentError(
                f"`y` for categorical_crossentropy must be one-hot rows of width {n_outputs} "
                f"(the model's output width). Received: shape {arr.shape}.{hint}"
            )
        if arr.min() < 0:
            raise InvalidArgumentError("`y` for categorical_crossentropy must be non-negative.")
        return arr.astype(dtype, copy=False)


@register("sparse_categorical_crossentropy", "scce")
class SparseCategoricalCrossentropy(_SoftmaxCrossentropy):
    """Categorical cross-entropy with integer class indices as targets.

    With ``label_smoothing`` ``e`` over ``k`` classes the target of a sample
    of class ``c`` is ``1 - e + e/k`` at ``c`` and ``e/k`` elsewhere.

    Parameters
    ----------
    from_logits : bool, default False
        Whether ``y_pred`` holds logits (the output before the activation)
        rather than probabilities; computed stably from the logits.
    label_smoothing : float, default 0
        ``e`` in [0, 1): each target is mixed with the uniform distribution
        over the ``k`` classes, ``(1 - e) * y + e / k``.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.losses import SparseCategoricalCrossentropy
    >>> loss = SparseCategoricalCrossentropy(from_logits=True, label_smoothing=0.1)
    >>> round(loss.value(np.array([0]), np.array([[2.0, 0.0]])), 4)
    0.2269
    """

    fused_activation = "softmax"
    sparse_targets = True

    @staticmethod
    def _rows(y_true):
        return np.arange(y_true.shape[0]), y_true

    def per_sample(self, y_true, y_pred):
        log_p = np.log(_clip(y_pred[self._rows(y_true)]))
        eps = self.label_smoothing
        if not eps:
            return -log_p
        uniform = np.log(_clip(y_pred)).mean(axis=1)  # (1/k) sum_j log p_j
        return -(1.0 - eps) * log_p - eps * uniform

    def per_sample_from_logits(self, y_true, logits):
        eps = self.label_smoothing
        picked = logits[self._rows(y_true)]
        if eps:
            picked = (1.0 - eps) * picked + eps * logits.mean(axis=1)
        return logsumexp(logits) - picked

    def per_sample_gradient(self, y_true, y_pred):
        eps = self.label_smoothing
        if eps:
            grad = (-eps / y_pred.shape[1]) / _clip(y_pred)
        else:
            grad = np.zeros_like(y_pred)
        rows = self._rows(y_true)
        grad[rows] -= (1.0 - eps) / _clip(y_pred[rows])
        return grad

    def gradient_wrt_logits(self, y_true, probs, sample_weight=None):
        eps = self.label_smoothing
        # p - y_smooth: the uniform share e/k off every class, 1 - e off the true one.
        grad = probs - eps / probs.shape[1] if eps else probs.copy()
        # One sample: the same subtraction through a plain index, which costs less.
        rows = (0, y_true[0]) if len(y_true) == 1 else self._rows(y_true)
        grad[rows] -= 1.0 - eps
        return scale_gradient(grad, sample_weight)

    def prepare_targets(self, y, n_outputs, dtype):
        arr = numeric_targets(y)
        if arr.ndim == 2 and arr.shape[1] == 1:
            arr = arr[:, 0]
        if arr.ndim != 1:
            hint = " One-hot targets need loss='categorical_crossentropy'." if arr.ndim == 2 else ""
            raise InvalidArgumentError(
                "`y` for sparse_categorical_crossentropy must be a 1-D array of class "
                f"indices. Received: shape {arr.shape}.{hint}"
            )
        if arr.dtype.kind == "f":
            if not np.all(arr == np.round(arr)):
                raise InvalidArgumentError(
                    "`y` for sparse_categorical_crossentropy must hold whole-number class "
                    "indices. Received: non-integer values"
                )
        labels = arr.astype(np.int64)
        if labels.min() < 0 or labels.max() >= n_outputs:
            raise InvalidArgumentError(
                f"`y` labels must be in [0, {n_outputs}) for a model with {n_outputs} outputs. "
                f"Received: labels from {labels.min()} to {labels.max()}"
            )
        return labels
