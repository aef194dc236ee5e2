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

from __future__ import annotations

import numpy as np

from ._registry import Registry, config_of
from ._validation import check_bool, check_number
from .activations import Sigmoid, Softmax
from .errors import InvalidArgumentError, InvalidTypeError

_REGISTRY = Registry("loss", protocol=("value", "gradient"))
register = _REGISTRY.register

_softmax = Softmax().forward
_sigmoid = Sigmoid().forward


def logsumexp(z: np.ndarray) -> np.ndarray:
    """``log(sum(exp(z)))`` of each row, shifted by the row maximum (no overflow).

    Parameters
    ----------
    z : ndarray, shape (n, k)
        Logits.

    Returns
    -------
    ndarray, shape (n,)

    Examples
    --------
    >>> from nnzero.losses import logsumexp
    >>> logsumexp(np.array([[1000.0, 1000.0]])).round(4).tolist()
    [1000.6931]
    """
    m = z.max(axis=1, keepdims=True)
    return (m + np.log(np.exp(z - m).sum(axis=1, keepdims=True)))[:, 0]


def softmax_and_logsumexp(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise softmax of ``z`` and its log-sum-exp (shape ``(n, 1)``) from
    one row maximum, ``exp`` and sum: bit for bit what ``Softmax.forward``
    and :func:`logsumexp` compute, each repeating those three.

    Parameters
    ----------
    z : ndarray, shape (n, k)
        Logits.

    Returns
    -------
    p : ndarray, shape (n, k)
        The softmax of each row.
    lse : ndarray, shape (n, 1)
        The log-sum-exp of each row.

    Examples
    --------
    >>> from nnzero.losses import softmax_and_logsumexp
    >>> p, lse = softmax_and_logsumexp(np.zeros((1, 2))); p.tolist(), lse.round(4).tolist()
    ([[0.5, 0.5]], [[0.6931]])
    """
    m = z.max(axis=1, keepdims=True)
    p = np.exp(z - m)
    s = p.sum(axis=1, keepdims=True)
    lse = m + np.log(s)
    p /= s
    return p, lse


def _reduce(per_sample: np.ndarray, sample_weight) -> float:
    if sample_weight is not None:
        per_sample = per_sample * sample_weight
    return float(per_sample.sum() / per_sample.shape[0])


def _scale(grad: np.ndarray, sample_weight) -> np.ndarray:
    """Divide by the batch size and apply per-sample weights, in place."""
    if grad.shape[0] != 1:  # x / 1 is x: a batch of one skips the pass
        grad /= grad.shape[0]
    if sample_weight is not None:
        grad *= sample_weight.reshape(-1, *([1] * (grad.ndim - 1)))
    return grad


def _clip(p: np.ndarray) -> np.ndarray:
    # Keeps log() and 1/p finite when a probability rounds to exactly 0 or 1.
    eps = np.finfo(p.dtype).eps if p.dtype.kind == "f" else 1e-7
    return np.clip(p, eps, 1.0 - eps)


class Loss:
    """Base class: a subclass defines :meth:`per_sample` and :meth:`per_sample_gradient`
    (or overrides :meth:`value` and :meth:`gradient`). Of the three gradients,
    :meth:`gradient` is of the batch's weighted mean loss w.r.t. the output,
    :meth:`per_sample_gradient` of each sample's loss (unreduced), and
    :meth:`gradient_wrt_logits` of the mean loss w.r.t. the fused logits.

    Parameters
    ----------
    from_logits : bool, default False
        Whether ``y_pred`` holds logits (the output before the activation)
        rather than probabilities; computed stably from the logits.
        Only a loss with a fused activation (``fused_activation``) has a
        logit form.

    Raises
    ------
    InvalidArgumentError
        If ``from_logits`` is asked of a loss without a logit form.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.losses import Loss
    >>> class MeanAbsoluteError(Loss):
    ...     def per_sample(self, y_true, y_pred):
    ...         return np.abs(y_pred - y_true).mean(axis=1)
    ...     def per_sample_gradient(self, y_true, y_pred):
    ...         return np.sign(y_pred - y_true) / y_pred.shape[1]
    >>> MeanAbsoluteError().value(np.array([[1.0], [2.0]]), np.array([[1.5], [1.0]]))
    0.75
    """

    #: Name of the output activation this loss fuses with, if any.
    fused_activation: str | None = None
    #: True when targets are class indices rather than arrays like the output.
    sparse_targets = False

    def __init__(self, from_logits: bool = False):
        from_logits = check_bool(from_logits, "from_logits")
        if from_logits and self.fused_activation is None:
            raise InvalidArgumentError(
                f"{type(self).__name__} has no logit form. Received: from_logits=True"
            )
        self.from_logits = from_logits

    # -- the two methods a user-defined loss must provide ---------------------
    def value(self, y_true, y_pred, sample_weight=None) -> float:
        """Mean loss over the batch: ``sum(w_i * l_i) / n``.

        Parameters
        ----------
        y_true : ndarray
            Targets, as ``prepare_targets`` returns them.
        y_pred : ndarray, shape (n_samples, n_outputs)
            The model's outputs (logits when ``from_logits``).
        sample_weight : ndarray, shape (n_samples,), optional
            Weight ``w_i`` of each sample (1 without).

        Returns
        -------
        float
        """
        if self.from_logits:
            return _reduce(self.per_sample_from_logits(y_true, y_pred), sample_weight)
        return _reduce(self.per_sample(y_true, y_pred), sample_weight)

    def gradient(self, y_true, y_pred, sample_weight=None) -> np.ndarray:
        """Gradient of :meth:`value` w.r.t. ``y_pred`` (batch mean, weighted).

        Parameters
        ----------
        y_true, y_pred, sample_weight
            As for :meth:`value`.

        Returns
        -------
        ndarray
            The shape of ``y_pred``.
        """
        if self.from_logits:
            return self.gradient_wrt_logits(y_true, self.activate(y_pred), sample_weight)
        return _scale(self.per_sample_gradient(y_true, y_pred), sample_weight)

    # -- logit-domain forms, shared by from_logits and the fused model path -----
    def activate(self, logits):
        """The output activation this loss pairs with, applied to logits."""
        return _softmax(logits) if self.fused_activation == "softmax" else _sigmoid(logits)

    def gradient_wrt_logits(self, y_true, probs, sample_weight=None) -> np.ndarray:
        """Gradient of :meth:`value` w.r.t. the logits, given the activated
        output ``probs``: ``(p - y) / n`` for softmax + categorical and sigmoid
        + binary cross-entropy alike (weighted). The training step computes
        the fused output layer's gradient here and nowhere else."""
        raise NotImplementedError

    def per_sample(self, y_true, y_pred):
        """Each sample's loss, shape ``(n,)``."""
        raise NotImplementedError

    def per_sample_from_logits(self, y_true, logits):
        """Each sample's loss from the logits (exact where a p rounds to 0 or 1)."""
        raise NotImplementedError

    def per_sample_gradient(self, y_true, y_pred):
        """Gradient of each sample's loss w.r.t. its output row, unreduced."""
        raise NotImplementedError

    # -- targets ---------------------------------------------------------------
    def prepare_targets(self, y, n_outputs: int, dtype) -> np.ndarray:
        """Validate targets against the output width and convert their dtype."""
        y = _numeric(y)
        if y.ndim == 1 and n_outputs == 1:
            y = y.reshape(-1, 1)
        if y.ndim != 2 or y.shape[1] != n_outputs:
            raise InvalidArgumentError(
                f"`y` must have shape (n_samples, {n_outputs}) to match the model's "
                f"{n_outputs} outputs for {self.registered_name}. Received: shape {y.shape}"
            )
        return y.astype(dtype, copy=False)

    def get_config(self) -> dict:
        config = {"name": self.registered_name}
        if self.fused_activation is not None:
            config["from_logits"] = self.from_logits
        return config

    def __repr__(self):
        return f"{type(self).__name__}(from_logits={self.from_logits})"


def _numeric(y) -> np.ndarray:
    try:
        y = np.asarray(y)
    except (TypeError, ValueError) as err:
        raise InvalidTypeError(f"`y` must be array-like of numbers. Received: {err}") from None
    if y.dtype.kind not in "biuf":
        raise InvalidTypeError(f"`y` must be numeric. Received: an array of dtype {y.dtype}")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise InvalidArgumentError("`y` contains NaN or infinite values.")
    return y


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
        return _scale((probs - y_true) / probs.shape[1], sample_weight)

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
        return _scale(probs * y_true.sum(axis=1, keepdims=True) - y_true, sample_weight)

    def prepare_targets(self, y, n_outputs, dtype):
        arr = _numeric(y)
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
        return _scale(grad, sample_weight)

    def prepare_targets(self, y, n_outputs, dtype):
        arr = _numeric(y)
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


class _UserLoss(Loss):
    """Adapter for a user's object with value/gradient methods."""

    def __init__(self, obj):
        self.obj = obj
        self.from_logits = False

    def value(self, y_true, y_pred, sample_weight=None):
        if sample_weight is not None:
            return float(self.obj.value(y_true, y_pred, sample_weight))
        return float(self.obj.value(y_true, y_pred))

    def gradient(self, y_true, y_pred, sample_weight=None):
        if sample_weight is not None:
            return self.obj.gradient(y_true, y_pred, sample_weight)
        return self.obj.gradient(y_true, y_pred)

    def prepare_targets(self, y, n_outputs, dtype):
        prepare = getattr(self.obj, "prepare_targets", None)
        if callable(prepare):
            return prepare(y, n_outputs, dtype)
        return Loss.prepare_targets(self, y, n_outputs, dtype)

    @property
    def registered_name(self):
        return type(self.obj).__name__

    def get_config(self):
        return config_of(self.obj, "loss")

    def __repr__(self):
        return repr(self.obj)


def get(identifier, argument: str = "loss") -> Loss:
    """Resolve a name, config dict or object to a loss.

    Parameters
    ----------
    identifier : str, dict or object
        A registered name (see :func:`names`), a config such as
        ``{"name": "categorical_crossentropy", "label_smoothing": 0.1}``, or
        an object with ``value`` and ``gradient`` methods.
    argument : str, default "loss"
        The argument's name in error messages.

    Returns
    -------
    Loss

    Raises
    ------
    InvalidArgumentError
        For an unknown name (the closest valid one is suggested).

    Examples
    --------
    >>> get("sparse_categorical_crossentropy")
    SparseCategoricalCrossentropy(from_logits=False)
    """
    resolved = _REGISTRY.get(identifier, argument)
    return resolved if isinstance(resolved, Loss) else _UserLoss(resolved)


def names() -> list[str]:
    """The registered loss names (aliases included).

    Returns
    -------
    list of str

    Examples
    --------
    >>> "mse" in names() and "sparse_categorical_crossentropy" in names()
    True
    """
    return _REGISTRY.names()
